#!/usr/bin/env bash
# Install or upgrade the CRM on a systemd host (Debian/Ubuntu; RHEL-like too).
#
# First run: installs the binary, creates the system user `crm`, /etc/crm and
# /var/lib/crm, runs `crm install` to create the database and the first
# administrator, installs the systemd unit and the administrator's guide, and
# starts the service.
# Later runs: replace the binary, the unit and the guide, and restart the
# service if the binary or the unit changed; the existing configuration and
# data are never touched. Running it twice in a row changes nothing.
#
# With --root DIR everything goes below DIR instead of / (like DESTDIR), for
# building an image or for tests; systemctl is not called then.
#
# Run as root from the source tree:  sudo installer/install.sh --help
set -euo pipefail

# Directories this script creates as parents (e.g. below --root) must be
# readable like the rest of the system whatever umask the caller has; every
# file that needs tighter permissions gets an explicit mode below.
umask 022

# shellcheck source=installer/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# What [web] listen defaults to when crm.toml does not say (config/default.toml).
readonly DEFAULT_LISTEN=127.0.0.1:8080

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(dirname "$SCRIPT_DIR")
readonly SCRIPT_DIR SOURCE_DIR

binary="$SOURCE_DIR/target/release/crm"
admin_email=""
admin_password_file=""
database_url=""
listen=""
region=""
currency=""
root=""
start=1

usage() {
    cat <<EOF
Usage: $(basename "$0") [OPTIONS]

Install or upgrade the CRM as the systemd service "crm". Run as root.

Options:
  --binary PATH               the built crm binary
                              (default: target/release/crm in the source tree)
  --admin-email EMAIL         e-mail of the first administrator
                              (required on the first installation)
  --admin-password-file FILE  file holding the administrator's password on its
                              first line; without it a random password is
                              generated and saved in $GENERATED_PASSWORD_FILE
  --database-url URL          e.g. postgres://crm:secret@localhost/crm
                              (default: SQLite in $DATA_DIR/crm.db)
  --listen ADDR               address to serve on, e.g. 127.0.0.1:8080
  --region CC                 default region for phone numbers, e.g. RU, IL, US
  --currency CODE             currency of new deals, e.g. RUB, ILS, EUR
  --no-start                  install and enable, but do not (re)start the service
  --root DIR                  install below DIR instead of / (an image or a test
                              tree): the user is created with useradd --root
                              (skipped when not run as root or when DIR has no
                              etc/passwd) and systemctl is not called
  -h, --help                  show this help

The database, listen, region and currency options only matter on the first
installation; afterwards edit $CONF_FILE instead.
A later run upgrades the binary, the systemd unit and the documentation and
restarts the service if the binary or the unit changed; it never changes
$CONF_FILE or the data in $DATA_DIR.
EOF
}


# Value of an option given as "--opt VALUE" or "--opt=VALUE".
need_value() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then
        die "$1 needs a value (see --help)"
    fi
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        --binary | --admin-email | --admin-password-file | --database-url | --listen | --region | --currency | --root)
            need_value "$@"
            opt=$1
            val=$2
            shift 2
            ;;
        --binary=* | --admin-email=* | --admin-password-file=* | --database-url=* | --listen=* | --region=* | --currency=* | --root=*)
            opt=${1%%=*}
            val=${1#*=}
            [ -n "$val" ] || die "$opt needs a value (see --help)"
            shift
            ;;
        --no-start)
            start=0
            shift
            continue
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            die "unknown argument: $1 (see --help)"
            ;;
    esac
    case "$opt" in
        --binary) binary=$val ;;
        --admin-email) admin_email=$val ;;
        --admin-password-file) admin_password_file=$val ;;
        --database-url) database_url=$val ;;
        --listen) listen=$val ;;
        --region) region=$val ;;
        --currency) currency=$val ;;
        --root) root=$val ;;
    esac
done

resolve_root
readonly root
if [ -z "$root" ]; then
    [ "$privileged" -eq 1 ] || die "run this script as root (sudo $0 ...)"
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required"
fi

[ -f "$binary" ] || die "no crm binary at $binary; build it with 'cargo build --release -p crm-cli' or pass --binary"
[ -x "$binary" ] || die "$binary is not executable"
[ -f "$SOURCE_DIR/deploy/crm.service" ] ||
    die "$SOURCE_DIR/deploy/crm.service not found; run the script from the source tree"

# `crm` reads these to find an installation; one left in root's environment
# would make `crm install` write somewhere else than $DATA_DIR.
unset CRM_CONFIG CRM_DATA_DIR

first_install=1
if [ -e "$dest_conf" ]; then
    first_install=0
fi

if [ "$first_install" -eq 1 ]; then
    if [ ! -e "$dest_data/crm.toml" ] && [ -e "$dest_data/crm.db" ]; then
        die "$dest_data/crm.db exists but $dest_conf does not; restore $dest_conf (or move the old data away) and run the script again"
    fi
    if [ ! -e "$dest_data/crm.toml" ]; then
        [ -n "$admin_email" ] || die "--admin-email is required on the first installation"
    fi
    if [ -n "$admin_password_file" ]; then
        [ -f "$admin_password_file" ] || die "no password file at $admin_password_file"
        [ -r "$admin_password_file" ] ||
            die "cannot read the password file $admin_password_file"
        [ -s "$admin_password_file" ] || die "the password file $admin_password_file is empty"
    fi
fi

tmp_files=()
cleanup() {
    if [ "${#tmp_files[@]}" -gt 0 ]; then
        rm -f -- "${tmp_files[@]}"
    fi
}
trap cleanup EXIT

# --- Ownership ------------------------------------------------------------------
# Who owns the crm files: names on this host; numeric ids from the tree's own
# passwd/group files with --root (the host's names may mean other ids there).
# chown_ok=0 when the owners cannot be set (not root, or no user in the tree):
# the files then belong to whoever ran the script.
crm_uid=$CRM_USER
crm_gid=$CRM_GROUP
chown_ok=1

set_owner() { # OWNER:GROUP PATH... (no-op when ownership cannot be set)
    if [ "$chown_ok" -eq 1 ]; then
        chown "$@"
    fi
}
make_dir() { # MODE OWNER:GROUP DIR
    mkdir -p -- "$(dirname "$3")"
    install -d -m "$1" "$3"
    set_owner "$2" "$3"
}
put_file() { # MODE OWNER:GROUP SOURCE DEST
    mkdir -p -- "$(dirname "$4")"
    install -m "$1" "$3" "$4"
    set_owner "$2" "$4"
}

# The entry NAME in the tree's passwd/group file ("" when absent).
tree_entry() { # FILE NAME
    grep -m 1 "^$2:" "$1" 2>/dev/null || true
}

# A shell that refuses logins: Debian has /usr/sbin/nologin, RHEL-like
# systems /sbin/nologin (also reachable as /usr/sbin/nologin on RHEL 7+).
find_nologin() {
    local candidate
    if [ -z "$root" ] && command -v nologin >/dev/null 2>&1; then
        command -v nologin
        return
    fi
    for candidate in /usr/sbin/nologin /sbin/nologin /usr/bin/false /bin/false; do
        if [ -x "$root$candidate" ]; then
            echo "$candidate"
            return
        fi
    done
    # An empty tree: useradd only warns about a missing shell, and the path
    # is right for any current distribution.
    echo /usr/sbin/nologin
}

# useradd/groupadd: only flags that the shadow tools of both Debian/Ubuntu and
# RHEL-like systems have, --root included. `${root:+--root "$root"}` adds the
# option only with --root (an empty array would trip `set -u` on bash < 4.4).
create_user() {
    local nologin
    if [ -z "$(group_exists)" ]; then
        say "Creating system group $CRM_GROUP"
        groupadd ${root:+--root "$root"} --system "$CRM_GROUP"
    fi
    if [ -z "$(user_exists)" ]; then
        nologin=$(find_nologin)
        say "Creating system user $CRM_USER"
        useradd ${root:+--root "$root"} --system --gid "$CRM_GROUP" --home-dir "$DATA_DIR" \
            --no-create-home --shell "$nologin" --comment "CRM server" "$CRM_USER"
    fi
}
user_exists() {
    if [ -n "$root" ]; then tree_entry "$root/etc/passwd" "$CRM_USER"; else getent passwd "$CRM_USER" || true; fi
}
group_exists() {
    if [ -n "$root" ]; then tree_entry "$root/etc/group" "$CRM_GROUP"; else getent group "$CRM_GROUP" || true; fi
}

# --- System user ------------------------------------------------------------
if [ -z "$root" ]; then
    create_user
elif [ "$privileged" -eq 0 ]; then
    say "Not running as root: no user $CRM_USER in $root and no file ownership; the files belong to $(id -un)"
    chown_ok=0
elif [ ! -f "$root/etc/passwd" ] || [ ! -f "$root/etc/group" ]; then
    say "$root has no etc/passwd and etc/group: not creating the user $CRM_USER there; the files belong to $(id -un)"
    chown_ok=0
else
    create_user
    crm_uid=$(user_exists | cut -d: -f3)
    crm_gid=$(group_exists | cut -d: -f3)
fi

# --- Directories (created once; existing ones are left as the admin set them) --
if [ ! -d "$dest_conf_dir" ]; then
    say "Creating $CONF_DIR"
    make_dir 0750 "0:$crm_gid" "$dest_conf_dir"
fi
if [ ! -d "$dest_data" ]; then
    say "Creating $DATA_DIR"
    make_dir 0750 "$crm_uid:$crm_gid" "$dest_data"
fi

# --- Binary -------------------------------------------------------------------
# Same content? (coreutils only: cmp is not on every minimal RHEL install.)
same_file() { # A B
    [ -f "$2" ] && [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]
}

# `changed` decides whether a running service is restarted at the end.
changed=0
if same_file "$binary" "$dest_bin"; then
    say "$BIN_PATH is already this binary"
else
    say "Installing $binary as $BIN_PATH"
    # Copy next to the target, then rename: a running server keeps its old file.
    put_file 0755 0:0 "$binary" "$dest_bin.new"
    mv -f "$dest_bin.new" "$dest_bin"
    changed=1
    if [ -z "$root" ] && command -v restorecon >/dev/null 2>&1; then
        restorecon "$dest_bin" || true # SELinux label on RHEL-like systems
    fi
fi

# Run a crm command from the data directory (root's current directory may not
# be readable for crm): as the crm user on this host, as the caller with --root
# (the user exists only in the tree's passwd there; the files are chowned after).
# The umask is the unit's (UMask=0027): the files are the service's alone.
as_crm() {
    if [ -z "$root" ]; then
        (cd "$dest_data" && umask 0027 && runuser -u "$CRM_USER" -- "$@")
    else
        (cd "$dest_data" && umask 0027 && "$@")
    fi
}

# --- First installation: configuration, database, first administrator ---------
generated_password=0
if [ "$first_install" -eq 1 ]; then
    if [ -e "$dest_data/crm.toml" ]; then
        # An earlier run got as far as `crm install` (which refuses to run
        # twice) but stopped before moving its configuration to /etc.
        say "Found $DATA_DIR/crm.toml from an interrupted installation; using it"
    else
        if [ -z "$admin_password_file" ]; then
            if [ -s "$dest_password" ]; then
                # Left by an interrupted earlier run: keep the same password.
                say "Reusing the password in $dest_password"
            else
                if command -v openssl >/dev/null 2>&1; then
                    password=$(openssl rand -base64 18)
                else
                    password=$(head -c 18 /dev/urandom | base64)
                fi
                if [ ! -d "$(dirname "$dest_password")" ]; then
                    # Only below --root: a new tree's /root, private like the real one.
                    make_dir 0700 0:0 "$(dirname "$dest_password")"
                fi
                (
                    umask 077
                    printf '%s\n' "$password" >"$dest_password"
                )
                unset password
            fi
            chmod 0600 "$dest_password"
            admin_password_file=$dest_password
            generated_password=1
        fi

        if [ -z "$root" ]; then
            # The crm user cannot read files under /root: hand it a private copy.
            password_copy=$(mktemp)
            tmp_files+=("$password_copy")
            put_file 0600 "$CRM_USER:$CRM_GROUP" "$admin_password_file" "$password_copy"
        else
            password_copy=$admin_password_file
        fi

        install_args=(install --data-dir "$dest_data"
            --admin-email "$admin_email"
            --admin-password-file "$password_copy")
        if [ -n "$database_url" ]; then
            install_args+=(--database-url "$database_url")
        fi
        if [ -n "$listen" ]; then
            install_args+=(--listen "$listen")
        fi
        if [ -n "$region" ]; then
            install_args+=(--default-region "$region")
        fi
        if [ -n "$currency" ]; then
            install_args+=(--currency "$currency")
        fi

        say "Creating the configuration, the database and the administrator $admin_email"
        as_crm "$dest_bin" "${install_args[@]}"
        if [ -z "$root" ]; then
            rm -f -- "$password_copy"
        fi
    fi

    # `crm install` wrote $DATA_DIR/crm.toml; the configuration belongs in /etc,
    # readable by the service but writable only by root. The unit runs
    # `crm serve --config /etc/crm/crm.toml`, which reads it from there.
    staged=$dest_data/crm.toml
    [ -f "$staged" ] || die "crm install did not write $DATA_DIR/crm.toml"
    if [ -n "$root" ]; then
        # `crm install` saw the data directory as $dest_data and wrote that
        # into the file (database, attached files); the installed system sees
        # it as $DATA_DIR. A literal replacement, so nothing in $root is a pattern.
        content=$(cat "$staged")
        printf '%s\n' "${content//"$dest_data"/"$DATA_DIR"}" >"$staged"
        if grep -qF -- "$root/" "$staged"; then
            warn "$staged still names $root; check the paths in $CONF_FILE"
        fi
        # Everything `crm install` just made belongs to the service's user.
        set_owner -R "$crm_uid:$crm_gid" "$dest_data"
    fi
    put_file 0640 "0:$crm_gid" "$staged" "$dest_conf"
    rm -f -- "$staged"
    say "Configuration written to $CONF_FILE"
else
    say "$CONF_FILE exists: upgrading; configuration and data are left as they are"
    for ignored in "$admin_email" "$admin_password_file" "$database_url" "$listen" "$region" "$currency"; do
        if [ -n "$ignored" ]; then
            warn "--admin-email, --admin-password-file, --database-url, --listen, --region and --currency only apply to the first installation; edit $CONF_FILE or use 'crm user' instead"
            break
        fi
    done
fi

# --- Documentation (the unit's Documentation= points at admin/README.md) ------
# $DOC_DIR is ours alone: it is rebuilt on every run so that pages removed from
# the source tree do not linger.
rm -rf -- "$dest_docs"
make_dir 0755 0:0 "$dest_docs/admin"
if [ -d "$SOURCE_DIR/docs/admin" ]; then
    for doc in "$SOURCE_DIR"/docs/admin/*.md; do
        if [ -f "$doc" ]; then
            put_file 0644 0:0 "$doc" "$dest_docs/admin/${doc##*/}"
        fi
    done
elif [ -f "$SOURCE_DIR/docs/admin-guide.md" ]; then
    # Older source trees have the whole guide in one file.
    put_file 0644 0:0 "$SOURCE_DIR/docs/admin-guide.md" "$dest_docs/admin/README.md"
fi
[ -f "$dest_docs/admin/README.md" ] ||
    warn "no administrator's guide (docs/admin/README.md) in $SOURCE_DIR; the unit's Documentation= link will be dangling"
# The user's guide and the licence next to it.
for doc in "$SOURCE_DIR"/docs/*.md "$SOURCE_DIR/LICENSE"; do
    if [ -f "$doc" ]; then
        put_file 0644 0:0 "$doc" "$dest_docs/${doc##*/}"
    fi
done

# --- systemd --------------------------------------------------------------------
# The unit is ours and is replaced whenever it differs; local changes belong
# in a drop-in (`systemctl edit crm`).
if same_file "$SOURCE_DIR/deploy/crm.service" "$dest_unit"; then
    say "$UNIT_PATH is up to date"
else
    say "Installing $UNIT_PATH"
    put_file 0644 0:0 "$SOURCE_DIR/deploy/crm.service" "$dest_unit"
    changed=1
    if [ -z "$root" ] && command -v restorecon >/dev/null 2>&1; then
        restorecon "$dest_unit" || true
    fi
fi

if [ -n "$root" ]; then
    say "--root: systemctl not called; to start the service when $root boots, run"
    say "  systemctl --root $root enable crm.service"
elif [ ! -d /run/systemd/system ]; then
    warn "systemd is not running here; start the server by hand as user $CRM_USER:"
    warn "  $BIN_PATH serve --config $CONF_FILE"
else
    systemctl daemon-reload
    systemctl enable crm.service >/dev/null
    if [ "$start" -eq 0 ]; then
        say "crm.service is enabled but was not (re)started (--no-start)"
    elif [ "$changed" -eq 0 ] && systemctl is-active --quiet crm.service; then
        # A second run with the same binary and unit: no needless restart.
        say "crm.service is running and nothing changed; not restarting it"
    else
        say "Starting crm.service"
        systemctl restart crm.service
        # Type=exec returns once the process runs; give it a moment to fail
        # (e.g. on a bad configuration or pending migrations).
        sleep 3
        if systemctl is-active --quiet crm.service; then
            say "crm.service is running"
        else
            journalctl -u crm.service -n 20 --no-pager >&2 || true
            warn "crm.service did not stay up; see the log above (journalctl -u crm)."
            if [ "$first_install" -eq 0 ]; then
                warn "After an upgrade the database may need migrating: back it up, then run"
                warn "  runuser -u $CRM_USER -- $BIN_PATH migrate --config $CONF_FILE"
                warn "  systemctl restart crm"
            fi
            exit 1
        fi
    fi
fi

# --- Where to go now ----------------------------------------------------------
# [web] listen from crm.toml (the default when the file does not set it).
configured_listen() {
    awk -F'"' '
        /^[[:space:]]*\[/ { web = ($0 ~ /^[[:space:]]*\[web\]/) }
        web && /^[[:space:]]*listen[[:space:]]*=/ { print $2; exit }
    ' "$dest_conf" 2>/dev/null || true
}
address=$(configured_listen)
address=${address:-$DEFAULT_LISTEN}
port=${address##*:}
host=${address%:*}
case "$host" in
    0.0.0.0 | "[::]" | "")
        # Listening on every address: name this machine instead.
        host=$(hostname -f 2>/dev/null || uname -n)
        ;;
esac
say "The CRM answers at http://$host:$port/"
case "$host" in
    127.* | localhost | "[::1]")
        say "  (on this machine only; for other computers put nginx in front: $SOURCE_DIR/deploy/README.md)"
        ;;
esac

if [ "$generated_password" -eq 1 ]; then
    say "The administrator's password is in $dest_password (root only)."
    say "Sign in as $admin_email, then delete that file."
elif [ "$first_install" -eq 1 ] && [ -n "$admin_password_file" ]; then
    say "Sign in as $admin_email with the password in $admin_password_file."
else
    say "The administrator's password is the one set at the first installation."
    if [ -s "$dest_password" ]; then
        say "It is still in $dest_password; delete that file once you have signed in."
    fi
    say "To set a new one: runuser -u $CRM_USER -- $BIN_PATH user reset-password --email EMAIL --password-file FILE --config $CONF_FILE"
fi
say "Done. Check the installation with: runuser -u $CRM_USER -- $BIN_PATH doctor --config $CONF_FILE"
