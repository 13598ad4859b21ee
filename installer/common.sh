# shellcheck shell=bash disable=SC2034
# (The variables set here are used by the scripts that source this file.)
# Shared by install.sh and uninstall.sh (sourced, not run): the paths of an
# installation, messages, and where those paths are on this disk (--root).

# The paths the installed system sees: they go into messages and crm.toml.
readonly CRM_USER=crm
readonly CRM_GROUP=crm
readonly BIN_PATH=/usr/local/bin/crm
readonly CONF_DIR=/etc/crm
readonly CONF_FILE=/etc/crm/crm.toml
readonly DATA_DIR=/var/lib/crm
readonly UNIT_PATH=/etc/systemd/system/crm.service
readonly DOC_DIR=/usr/share/doc/crm
readonly GENERATED_PASSWORD_FILE=/root/crm-admin-password

say() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# After the options are read: makes $root absolute ("" for /) and sets the
# dest_* variables, where the paths above are on this disk (below --root), and
# $privileged (1 when running as root).
resolve_root() {
    if [ -n "$root" ]; then
        [ -d "$root" ] || die "--root $root is not a directory"
        root=$(cd "$root" && pwd)
        if [ "$root" = / ]; then
            root=""
        fi
    fi
    dest_bin=$root$BIN_PATH
    dest_conf_dir=$root$CONF_DIR
    dest_conf=$root$CONF_FILE
    dest_data=$root$DATA_DIR
    dest_unit=$root$UNIT_PATH
    dest_docs=$root$DOC_DIR
    dest_password=$root$GENERATED_PASSWORD_FILE
    privileged=0
    if [ "$(id -u)" -eq 0 ]; then
        privileged=1
    fi
}
