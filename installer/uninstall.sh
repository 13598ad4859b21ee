#!/usr/bin/env bash
# Remove the CRM installed by installer/install.sh.
#
# By default only the program goes: the service is stopped and disabled, and
# the unit, the binary and the documentation are removed. The configuration
# (/etc/crm), the data (/var/lib/crm: database, attached files, backups) and
# the user crm stay, so that install.sh can bring the same CRM back.
# --purge removes those too, after a confirmation (or --yes).
# Running it again when there is nothing left to remove is fine.
#
# Run as root:  sudo installer/uninstall.sh --help
set -euo pipefail

# shellcheck source=installer/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
purge=0
yes=0
root=""

usage() {
    cat <<EOF
Usage: $(basename "$0") [OPTIONS]

Stop and remove the CRM service, its unit, binary and documentation. Run as root.
$CONF_DIR, $DATA_DIR and the user $CRM_USER are kept unless --purge is given.

Options:
  --purge      also delete $CONF_DIR, $DATA_DIR (the database, attached files
               and the backups kept there), $GENERATED_PASSWORD_FILE, local
               drop-ins of the unit and the user and group $CRM_USER;
               asks for confirmation
  --yes        do not ask (for scripts)
  --root DIR   remove what install.sh --root DIR installed; systemctl is not
               called
  -h, --help   show this help
EOF
}


while [ "$#" -gt 0 ]; do
    case "$1" in
        --purge) purge=1 ;;
        --yes | -y) yes=1 ;;
        --root)
            if [ "$#" -lt 2 ] || [ -z "$2" ]; then
                die "--root needs a value (see --help)"
            fi
            root=$2
            shift
            ;;
        --root=*)
            root=${1#*=}
            [ -n "$root" ] || die "--root needs a value (see --help)"
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done

resolve_root
readonly root
if [ -z "$root" ] && [ "$privileged" -eq 0 ]; then
    die "run this script as root (sudo $0 ...)"
fi

# Is the user/group there? On this host through NSS, in a --root tree from
# its own files (getent cannot look there).
has_user() {
    if [ -n "$root" ]; then grep -q "^$CRM_USER:" "$root/etc/passwd" 2>/dev/null; else getent passwd "$CRM_USER" >/dev/null; fi
}
has_group() {
    if [ -n "$root" ]; then grep -q "^$CRM_GROUP:" "$root/etc/group" 2>/dev/null; else getent group "$CRM_GROUP" >/dev/null; fi
}

# --- Confirmation first, so that "no" leaves everything as it was --------------
if [ "$purge" -eq 1 ] && [ "$yes" -eq 0 ]; then
    if [ ! -t 0 ]; then
        die "--purge deletes the CRM's data for good; not on a terminal, so confirm with --yes. Nothing was removed."
    fi
    printf 'This deletes %s and %s (the database, attached files and backups in it)\n' "$dest_conf_dir" "$dest_data"
    printf 'and the user %s. Make a copy first if you may need the data again.\n' "$CRM_USER"
    printf 'Type "yes" to delete everything: '
    read -r answer || answer=""
    [ "$answer" = yes ] || die "not confirmed; nothing was removed"
fi

# --- Service --------------------------------------------------------------------
if [ -n "$root" ]; then
    say "--root: systemctl not called"
elif [ ! -d /run/systemd/system ]; then
    warn "systemd is not running here; stop any 'crm serve' you started by hand"
elif [ -e "$dest_unit" ] || systemctl cat crm.service >/dev/null 2>&1; then
    say "Stopping and disabling crm.service"
    systemctl disable --now crm.service || true
fi
# `systemctl enable` (or `systemctl --root DIR enable`) made these links; without
# systemctl they are removed by hand, and a dangling one is harmless to remove.
for link in "$root"/etc/systemd/system/*.wants/crm.service; do
    if [ -L "$link" ]; then
        rm -f -- "$link"
    fi
done

# --- Program files --------------------------------------------------------------
remove() { # PATH DESCRIPTION: rm -rf, and say so only if there was something
    if [ -e "$1" ] || [ -L "$1" ]; then
        say "Removing $2"
        rm -rf -- "$1"
    fi
}
remove "$dest_unit" "$UNIT_PATH"
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl reset-failed crm.service >/dev/null 2>&1 || true
fi
remove "$dest_bin" "$BIN_PATH"
remove "$dest_bin.new" "$BIN_PATH.new" # left by an interrupted install.sh
remove "$dest_docs" "$DOC_DIR"

if [ "$purge" -eq 0 ]; then
    say "Kept $CONF_DIR, $DATA_DIR and the user $CRM_USER; install.sh brings the CRM back with them."
    say "To delete them as well: $0${root:+ --root $root} --purge"
    exit 0
fi

# --- Purge ----------------------------------------------------------------------
# A PostgreSQL database lives on its server, not in $DATA_DIR: say so before the
# configuration that names it is gone (the URL without its password).
if [ -f "$dest_conf" ]; then
    db_url=$(sed -n 's/^[[:space:]]*url[[:space:]]*=[[:space:]]*"\(postgres[^"]*\)".*/\1/p' "$dest_conf" | head -n 1)
    case "$db_url" in
        "") ;;
        *@*) db_url="${db_url%%://*}://…@${db_url#*@}" ;;
    esac
    if [ -n "$db_url" ]; then
        warn "the PostgreSQL database $db_url is not dropped; drop it on its server if you no longer need it"
    fi
fi

remove "$dest_conf_dir" "$CONF_DIR"
remove "$dest_data" "$DATA_DIR"
remove "$dest_password" "$GENERATED_PASSWORD_FILE"
remove "$root/etc/systemd/system/crm.service.d" "/etc/systemd/system/crm.service.d (local drop-ins)"

if [ -n "$root" ] && [ "$privileged" -eq 0 ]; then
    if has_user || has_group; then
        warn "not root: the user $CRM_USER stays in $root/etc/passwd"
    fi
else
    if has_user; then
        say "Removing the user $CRM_USER"
        userdel ${root:+--root "$root"} "$CRM_USER"
    fi
    # userdel removes the user's group only where USERGROUPS_ENAB says so.
    if has_group; then
        say "Removing the group $CRM_GROUP"
        groupdel ${root:+--root "$root"} "$CRM_GROUP"
    fi
fi
say "The CRM is removed, with its data. Backups kept outside $DATA_DIR are not touched."
