#!/usr/bin/env bash
# Install or upgrade the CRM on a systemd host (Debian/Ubuntu; RHEL-like too).
#
# First run: installs the binary, creates the system user `crm`, /etc/crm and
# /var/lib/crm, runs `crm install` to create the database and the first
# administrator, installs the systemd unit and starts the service.
# Later runs: replace the binary and the unit and restart the service; the
# existing configuration and data are never touched.
#
# Run as root from the source tree:  sudo installer/install.sh --help
set -euo pipefail

readonly CRM_USER=crm
readonly CRM_GROUP=crm
readonly BIN_PATH=/usr/local/bin/crm
readonly CONF_DIR=/etc/crm
readonly CONF_FILE=/etc/crm/crm.toml
readonly DATA_DIR=/var/lib/crm
readonly UNIT_PATH=/etc/systemd/system/crm.service
readonly DOC_DIR=/usr/share/doc/crm
readonly GENERATED_PASSWORD_FILE=/root/crm-admin-password

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(dirname "$SCRIPT_DIR")
readonly SCRIPT_DIR SOURCE_DIR

binary="$SOURCE_DIR/target/release/crm"
admin_email=""
admin_password_file=""
database_url=""
listen=""
region=""
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
  --no-start                  install and enable, but do not (re)start the service
  -h, --help                  show this help

The database, listen and region options only matter on the first
installation; afterwards edit $CONF_FILE instead.
A later run upgrades the binary and the systemd unit and restarts the service;
it never changes $CONF_FILE or the data in $DATA_DIR.
EOF
}

say() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Value of an option given as "--opt VALUE" or "--opt=VALUE".
need_value() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then
        die "$1 needs a value (see --help)"
    fi
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        --binary | --admin-email | --admin-password-file | --database-url | --listen | --region)
            need_value "$@"
            opt=$1
            val=$2
            shift 2
            ;;
        --binary=* | --admin-email=* | --admin-password-file=* | --database-url=* | --listen=* | --region=*)
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
    esac
done

[ "$(id -u)" -eq 0 ] || die "run this script as root (sudo $0 ...)"
[ -f "$binary" ] || die "no crm binary at $binary; build it with 'cargo build --release -p crm-cli' or pass --binary"
[ -x "$binary" ] ||
    die "$binary is not executable"
[ -f "$SOURCE_DIR/deploy/crm.service" ] ||
    die "$SOURCE_DIR/deploy/crm.service not found; run the script from the source tree"
command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required"

first_install=1
if [ -e "$CONF_FILE" ]; then
    first_install=0
fi

if [ "$first_install" -eq 1 ]; then
    if [ ! -e "$DATA_DIR/crm.toml" ] && [ -e "$DATA_DIR/crm.db" ]; then
        die "$DATA_DIR/crm.db exists but $CONF_FILE does not; restore $CONF_FILE (or move the old data away) and run the script again"
    fi
    [ -n "$admin_email" ] || die "--admin-email is required on the first installation"
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

# --- System user ------------------------------------------------------------
if ! getent group "$CRM_GROUP" >/dev/null; then
    say "Creating system group $CRM_GROUP"
    groupadd --system "$CRM_GROUP"
fi
if ! getent passwd "$CRM_USER" >/dev/null; then
    nologin=$(command -v nologin 2>/dev/null || true)
    if [ -z "$nologin" ]; then
        for candidate in /usr/sbin/nologin /sbin/nologin /bin/false; do
            if [ -x "$candidate" ]; then
                nologin=$candidate
                break
            fi
        done
    fi
    say "Creating system user $CRM_USER"
    useradd --system --gid "$CRM_GROUP" --home-dir "$DATA_DIR" --no-create-home \
        --shell "$nologin" --comment "CRM server" "$CRM_USER"
fi

# --- Directories (created once; existing ones are left as the admin set them) --
if [ ! -d "$CONF_DIR" ]; then
    say "Creating $CONF_DIR"
    install -d -m 0750 -o root -g "$CRM_GROUP" "$CONF_DIR"
fi
if [ ! -d "$DATA_DIR" ]; then
    say "Creating $DATA_DIR"
    install -d -m 0750 -o "$CRM_USER" -g "$CRM_GROUP" "$DATA_DIR"
fi

# --- Binary -------------------------------------------------------------------
# Copy next to the target, then rename: a running server keeps its old file.
say "Installing $binary as $BIN_PATH"
install -m 0755 -o root -g root "$binary" "$BIN_PATH.new"
mv -f "$BIN_PATH.new" "$BIN_PATH"
if command -v restorecon >/dev/null 2>&1; then
    restorecon "$BIN_PATH" || true # SELinux label on RHEL-like systems
fi

# Run a crm command as the crm user, from the data directory (root's current
# directory may not be readable for crm).
as_crm() {
    (cd "$DATA_DIR" && runuser -u "$CRM_USER" -- "$@")
}

# --- First installation: configuration, database, first administrator ---------
if [ "$first_install" -eq 1 ]; then
    if [ -e "$DATA_DIR/crm.toml" ]; then
        # An earlier run got as far as `crm install` (which refuses to run
        # twice) but stopped before moving its configuration to /etc.
        say "Found $DATA_DIR/crm.toml from an interrupted installation; using it"
    else
        generated_password=0
        if [ -z "$admin_password_file" ]; then
            if [ -s "$GENERATED_PASSWORD_FILE" ]; then
                # Left by an interrupted earlier run: keep the same password.
                say "Reusing the password in $GENERATED_PASSWORD_FILE"
            else
                if command -v openssl >/dev/null 2>&1; then
                    password=$(openssl rand -base64 18)
                else
                    password=$(head -c 18 /dev/urandom | base64)
                fi
                (
                    umask 077
                    printf '%s\n' "$password" >"$GENERATED_PASSWORD_FILE"
                )
                unset password
            fi
            chmod 0600 "$GENERATED_PASSWORD_FILE"
            admin_password_file=$GENERATED_PASSWORD_FILE
            generated_password=1
        fi

        # The crm user cannot read files under /root: hand it a private copy.
        password_copy=$(mktemp)
        tmp_files+=("$password_copy")
        install -m 0600 -o "$CRM_USER" -g "$CRM_GROUP" "$admin_password_file" "$password_copy"

        install_args=(install --data-dir "$DATA_DIR"
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

        say "Creating the configuration, the database and the administrator $admin_email"
        as_crm "$BIN_PATH" "${install_args[@]}"
        rm -f -- "$password_copy"
    fi

    # `crm install` wrote $DATA_DIR/crm.toml; the configuration belongs in /etc,
    # readable by the service but writable only by root. The unit runs
    # `crm serve --config /etc/crm/crm.toml`, which reads it from there.
    [ -f "$DATA_DIR/crm.toml" ] || die "crm install did not write $DATA_DIR/crm.toml"
    install -m 0640 -o root -g "$CRM_GROUP" "$DATA_DIR/crm.toml" "$CONF_FILE"
    rm -f -- "$DATA_DIR/crm.toml"
    say "Configuration written to $CONF_FILE"
else
    say "$CONF_FILE exists: upgrading; configuration and data are left as they are"
    for ignored in "$admin_email" "$admin_password_file" "$database_url" "$listen" "$region"; do
        if [ -n "$ignored" ]; then
            warn "--admin-email, --admin-password-file, --database-url, --listen and --region only apply to the first installation; edit $CONF_FILE or use 'crm user' instead"
            break
        fi
    done
fi

# --- Documentation (referenced by the unit's Documentation=) ------------------
if [ -d "$SOURCE_DIR/docs" ]; then
    install -d -m 0755 "$DOC_DIR"
    for doc in "$SOURCE_DIR"/docs/*.md "$SOURCE_DIR/LICENSE"; do
        if [ -f "$doc" ]; then
            install -m 0644 "$doc" "$DOC_DIR/"
        fi
    done
fi

# --- systemd --------------------------------------------------------------------
# The unit is ours and is replaced on every run; local changes belong in a
# drop-in (`systemctl edit crm`).
install -m 0644 -o root -g root "$SOURCE_DIR/deploy/crm.service" "$UNIT_PATH"
if command -v restorecon >/dev/null 2>&1; then
    restorecon "$UNIT_PATH" || true
fi

if [ ! -d /run/systemd/system ]; then
    warn "systemd is not running here; start the server by hand as user $CRM_USER:"
    warn "  $BIN_PATH serve --config $CONF_FILE"
else
    systemctl daemon-reload
    systemctl enable crm.service >/dev/null
    if [ "$start" -eq 1 ]; then
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
    else
        say "crm.service is enabled but was not (re)started (--no-start)"
    fi
fi

if [ "$first_install" -eq 1 ] && [ "${generated_password:-0}" -eq 1 ]; then
    say "The administrator's password is in $GENERATED_PASSWORD_FILE (root only)."
    say "Sign in as $admin_email, then delete that file."
fi
say "Done. Check the installation with: runuser -u $CRM_USER -- $BIN_PATH doctor --config $CONF_FILE"
