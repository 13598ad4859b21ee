#!/usr/bin/env bash
# Deployment checks, one line each: the shell scripts lint clean, the systemd
# unit verifies and stays hardened, the nginx example loads, and the installer
# is harmless when run twice and the uninstaller keeps or purges the data as
# told.
#
# Needs shellcheck, systemd-analyze (package systemd), nginx and openssl; does
# not need systemd running, nor root (as root the test tree also gets the crm
# user and file owners, through useradd --root). Everything happens in a
# temporary folder: nothing on this machine is installed, started or changed.
#
# The installer runs against a stand-in for `crm` (a small shell script doing
# what `crm install` does to the file system), so the check works on a fresh
# checkout before anything is built. When target/debug/crm exists it runs a
# second time against that real binary, which also catches the installer and
# `crm install` disagreeing about flags or files. CRM_DEPLOY_CHECK_REAL=0 skips
# that second round.
#
# Usage: bash tests/deploy/check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
# The test trees' files get the crm user's owners when run as root; the
# folder must stay reachable for a non-root nginx -t too.
chmod 0755 "$tmp"

privileged=0
if [ "$(id -u)" -eq 0 ]; then
    privileged=1
fi

# --- Reporting --------------------------------------------------------------------
passed=0
failed=0
skipping=""

# check NAME COMMAND...: runs COMMAND in a subshell with errexit on (it must not
# be an `if` condition, where bash ignores errexit), prints one line, and shows
# the command's output only when it fails. After a failure in a sequence
# (skipping set), the rest of that sequence is reported as skipped.
check() {
    local name=$1 log rc
    shift
    if [ -n "$skipping" ]; then
        printf 'skip %s (after: %s)\n' "$name" "$skipping"
        return
    fi
    log=$tmp/check.log
    set +e
    (
        set -e
        "$@"
    ) >"$log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        printf 'ok   %s\n' "$name"
        passed=$((passed + 1))
    else
        printf 'FAIL %s\n' "$name"
        sed 's/^/     | /' "$log"
        failed=$((failed + 1))
        if [ -n "${in_sequence:-}" ]; then
            skipping=$name
        fi
    fi
}

# assert MESSAGE COMMAND...: fail the current check with MESSAGE unless COMMAND succeeds.
assert() {
    local message=$1
    shift
    if ! "$@"; then
        printf 'assertion failed: %s\n' "$message" >&2
        exit 1
    fi
}

# refute MESSAGE COMMAND...: fail the current check with MESSAGE if COMMAND succeeds.
refute() {
    local message=$1
    shift
    if "$@"; then
        printf 'assertion failed: %s\n' "$message" >&2
        exit 1
    fi
}

# --- shellcheck -------------------------------------------------------------------
check_shellcheck() {
    shellcheck installer/*.sh tests/deploy/*.sh
}
check "shellcheck installer/*.sh tests/deploy/*.sh" check_shellcheck

# --- systemd unit ---------------------------------------------------------------
# systemd-analyze verify needs ExecStart to name an existing executable; the
# copy points it at /bin/true (the real path, /usr/local/bin/crm, is not there
# on a build machine), everything else is verbatim. It loads the unit in a
# private manager, so it works in a container without systemd as PID 1.
# Its warnings (unknown keys, bad values) do not change its exit code, so any
# line naming the unit fails the check; lines about other units (the targets
# it pulls in) are the host's business and only shown.
verify_unit() { # UNIT-FILE: prints the unit's own complaints, fails on any
    local out rc=0
    out=$(SYSTEMD_LOG_LEVEL=notice SYSTEMD_LOG_COLOR=0 \
        systemd-analyze verify --man=no "$1" 2>&1) || rc=$?
    if [ -n "$out" ]; then
        printf '%s\n' "$out" | grep -v -e "$(basename "$1")" >&2 || true
    fi
    if printf '%s\n' "$out" | grep -e "$(basename "$1")"; then
        return 1
    fi
    return "$rc"
}
check_unit_verifies() {
    mkdir -p "$tmp/unit/good" "$tmp/unit/bad"
    sed 's|^ExecStart=/usr/local/bin/crm |ExecStart=/bin/true |' deploy/crm.service >"$tmp/unit/good/crm.service"
    assert "ExecStart was rewritten" grep -q '^ExecStart=/bin/true serve' "$tmp/unit/good/crm.service"
    verify_unit "$tmp/unit/good/crm.service"
    # The check itself must notice a typo, or it would pass on anything.
    sed '/^\[Service\]/a ProtectSystm=strict' "$tmp/unit/good/crm.service" >"$tmp/unit/bad/crm.service"
    refute "the typo was planted" cmp -s "$tmp/unit/good/crm.service" "$tmp/unit/bad/crm.service"
    refute "systemd-analyze verify misses a planted typo" \
        verify_unit "$tmp/unit/bad/crm.service" 2>/dev/null
}
check "systemd-analyze verify deploy/crm.service" check_unit_verifies

check_unit_hardened() {
    local unit=deploy/crm.service
    assert "NoNewPrivileges=yes" grep -qx 'NoNewPrivileges=yes' "$unit"
    assert "ProtectSystem=strict" grep -qx 'ProtectSystem=strict' "$unit"
    assert "ReadWritePaths= is only the data directory" \
        test "$(grep '^ReadWritePaths=' "$unit")" = "ReadWritePaths=/var/lib/crm"
    assert "ExecStart uses the paths install.sh installs to" \
        grep -qx 'ExecStart=/usr/local/bin/crm serve --config /etc/crm/crm.toml' "$unit"
    assert "Documentation= is the admin guide install.sh installs" \
        grep -qx 'Documentation=file:///usr/share/doc/crm/admin/README.md' "$unit"
    # systemd's own exposure score (0 = locked down, 10 = none); 1.4 when
    # this was written. --threshold counts in tenths of it.
    systemd-analyze security --offline=true --threshold=20 --no-pager \
        "$tmp/unit/good/crm.service" >"$tmp/unit/security.txt" 2>&1 || {
        tail -n 3 "$tmp/unit/security.txt" >&2
        exit 1
    }
}
check "crm.service stays hardened (exposure <= 2.0)" check_unit_hardened

# --- nginx ----------------------------------------------------------------------
# A free TCP port on 127.0.0.1 (nothing accepts a connection there).
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    return 1
}

# nginx -t on a minimal nginx.conf that includes a copy of the example, with
# a throwaway self-signed certificate and the log paths moved into the temp
# folder; -p/-e and the temp paths keep it away from /etc/nginx and /var/log,
# so it needs no root. nginx -t also binds the listen addresses for a moment,
# so the copy listens on free ports of 127.0.0.1 instead of 80 and 443 (a web
# server running on this machine would make it fail, and without root it
# could not bind them), and the [::] lines go (a container may have no IPv6).
check_nginx() {
    local d=$tmp/nginx http_port https_port listens
    mkdir -p "$d"
    http_port=$(free_port)
    https_port=$(free_port)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=crm.example.com -keyout "$d/privkey.pem" -out "$d/fullchain.pem" 2>/dev/null
    sed -e "s|/etc/ssl/crm/|$d/|g" -e "s|/var/log/nginx/|$d/|g" \
        -e '/^[[:space:]]*listen[[:space:]]\+\[::\]:/d' \
        -e "s/^\([[:space:]]*listen[[:space:]]\+\)80\([[:space:];]\)/\1127.0.0.1:$http_port\2/" \
        -e "s/^\([[:space:]]*listen[[:space:]]\+\)443\([[:space:];]\)/\1127.0.0.1:$https_port\2/" \
        deploy/nginx-crm.conf >"$d/crm.conf"
    refute "a path outside the temp folder is left" grep -nE '^[^#]*(/etc/|/var/)' "$d/crm.conf"
    listens=$(grep -E '^[[:space:]]*listen[[:space:]]' "$d/crm.conf" |
        grep -vE "listen[[:space:]]+127\.0\.0\.1:($http_port|$https_port)[ ;]" || true)
    assert "every listen line moved to a free port (left: $listens)" test -z "$listens"
    assert "port 80 moved" grep -q "listen 127.0.0.1:$http_port;" "$d/crm.conf"
    assert "port 443 moved" grep -q "listen 127.0.0.1:$https_port ssl" "$d/crm.conf"
    cat >"$d/nginx.conf" <<EOF
pid $d/nginx.pid;
error_log $d/error.log;
events {}
http {
    access_log $d/access.log;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    include $d/crm.conf;
}
EOF
    nginx -t -q -p "$d" -e "$d/error.log" -c "$d/nginx.conf"
}

check "nginx -t on deploy/nginx-crm.conf (self-signed TLS)" check_nginx

check_nginx_sse() {
    local conf=deploy/nginx-crm.conf block
    # The text of the live-updates location, up to its closing brace.
    block=$(sed -n '/location = \/notifications\/stream {/,/}/p' "$conf")
    assert "a location for GET /notifications/stream" test -n "$block"
    assert "proxy_buffering off for the stream" grep -q 'proxy_buffering off;' <<<"$block"
    assert "a long proxy_read_timeout for the stream" grep -qE 'proxy_read_timeout ([0-9]+h|[0-9]{3,}s?);' <<<"$block"
    assert "HTTP/1.1 to the upstream" grep -q '^ *proxy_http_version 1.1;' "$conf"
    assert "TLS on 443" grep -qE '^ *listen 443 ssl' "$conf"
}
check "nginx passes server-sent events unbuffered, over TLS" check_nginx_sse

# --- Installer and uninstaller ----------------------------------------------------

# A stand-in for `crm`: `crm install` as far as the file system is concerned
# (crm.toml with absolute paths into the data directory for the database,
# attached files and backups; crm.db; refuses an existing installation);
# every other command succeeds without doing anything.
make_fake_crm() { # PATH
    cat >"$1" <<'EOF'
#!/bin/sh
# Stand-in for `crm install`, written by tests/deploy/check.sh.
[ "${1:-}" = install ] || exit 0
shift
dir="" email="" pwfile="" listen=127.0.0.1:8080 region=US
while [ "$#" -gt 0 ]; do
    case "$1" in
        --data-dir) dir=$2 ;;
        --admin-email) email=$2 ;;
        --admin-password-file) pwfile=$2 ;;
        --listen) listen=$2 ;;
        --default-region) region=$2 ;;
        --database-url | --currency) ;;
        *) echo "fake crm: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
[ -n "$dir" ] && [ -n "$email" ] || { echo "fake crm: --data-dir and --admin-email" >&2; exit 2; }
[ -s "$pwfile" ] || { echo "fake crm: no password in $pwfile" >&2; exit 1; }
if [ -e "$dir/crm.toml" ] || [ -e "$dir/crm.db" ]; then
    echo "$dir/crm.toml already exists: this is an installation already; nothing was changed" >&2
    exit 1
fi
mkdir -p "$dir/files"
printf 'fake database; administrator %s\n' "$email" >"$dir/crm.db"
cat >"$dir/crm.toml.tmp" <<TOML
# Written by the stand-in for crm install.
[database]
url = "sqlite://$dir/crm.db"

[web]
listen = "$listen"
files_dir = "$dir/files"

[crm]
default_region = "$region"

[backup]
folder = "$dir/backups"
TOML
chmod 0640 "$dir/crm.toml.tmp"
mv "$dir/crm.toml.tmp" "$dir/crm.toml"
EOF
    chmod 0755 "$1"
}

# Everything below the test tree that a second run must leave alone: type,
# mode, owner, size and mtime of every entry, and the content of every file.
# The documentation is rebuilt on every run by design, so only its content counts.
snapshot() { # ROOT
    (
        cd "$1"
        find . -path ./usr/share/doc -prune -o -printf '%p %y %m %U:%G %s %T@\n' | sort
        find . -type f -print0 | sort -z | xargs -0 sha256sum
    )
}

# systemctl must never run with --root: a stand-in that records any call.
mkdir -p "$tmp/fakebin"
cat >"$tmp/fakebin/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >>"$tmp/systemctl-calls"
EOF
chmod 0755 "$tmp/fakebin/systemctl"

host_accounts() { cat /etc/passwd /etc/group | sha256sum; }

installer_round() { # LABEL BINARY
    local label=$1 real_binary=$2
    local r=$tmp/root-$label calls=$tmp/calls-$label bin=$tmp/bin-$label/crm
    local host_before
    host_before=$(host_accounts)
    mkdir -p "$r/etc" "$tmp/bin-$label"
    chmod 0755 "$r"
    # A minimal OS tree: the account files useradd --root edits.
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
    printf 'root:x:0:\n' >"$r/etc/group"
    printf 'root:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
    printf 'root:*::\n' >"$r/etc/gshadow"
    chmod 0640 "$r/etc/shadow" "$r/etc/gshadow"
    # The binary the installer gets records its calls, then does the work.
    printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" "$@"\n' "$calls" "$real_binary" >"$bin"
    chmod 0755 "$bin"

    run_install() { # ARGS...: installer into the tree, output kept for asserts
        PATH="$tmp/fakebin:$PATH" installer/install.sh --root "$r" --binary "$bin" "$@" \
            >"$tmp/out" 2>&1 || {
            cat "$tmp/out" >&2
            return 1
        }
        cat "$tmp/out"
        assert "systemctl not called with --root" test ! -e "$tmp/systemctl-calls"
    }
    run_uninstall() { # ARGS...: uninstaller on the tree; its exit status is kept
        local rc=0
        PATH="$tmp/fakebin:$PATH" installer/uninstall.sh --root "$r" "$@" || rc=$?
        assert "systemctl not called with --root" test ! -e "$tmp/systemctl-calls"
        return "$rc"
    }
    mode_owner() { stat -c '%a %u:%g' "$1"; }
    crm_ids() { # uid:gid of crm in the tree
        printf '%s:%s' "$(grep '^crm:' "$r/etc/passwd" | cut -d: -f3)" \
            "$(grep '^crm:' "$r/etc/group" | cut -d: -f3)"
    }

    first_install() {
        run_install --admin-email admin@example.com --listen 127.0.0.1:8181 --region RU
        assert "crm install ran once" test "$(grep -c '^install ' "$calls")" -eq 1
        assert "binary installed" test -x "$r/usr/local/bin/crm"
        assert "unit installed verbatim" cmp -s deploy/crm.service "$r/etc/systemd/system/crm.service"
        assert "admin guide at the unit's Documentation= path" test -s "$r/usr/share/doc/crm/admin/README.md"
        assert "no crm.toml left in the data directory" test ! -e "$r/var/lib/crm/crm.toml"
        assert "configuration in /etc/crm" test -s "$r/etc/crm/crm.toml"
        assert "database in /var/lib/crm" test -s "$r/var/lib/crm/crm.db"
        assert "config names /var/lib/crm/crm.db as the system will see it" \
            grep -q '"sqlite:///var/lib/crm/crm.db"' "$r/etc/crm/crm.toml"
        refute "config names the test tree" grep -F "$r" "$r/etc/crm/crm.toml"
        assert "generated password saved for root only" test "$(stat -c %a "$r/root/crm-admin-password")" = 600
        assert "the tree's /root is private" test "$(stat -c %a "$r/root")" = 700
        assert "database not readable by others" test "$(stat -c %a "$r/var/lib/crm/crm.db")" = 640
        assert "prints the URL" grep -q 'http://127.0.0.1:8181/' "$tmp/out"
        assert "prints where the password is" grep -qF "is in $r/root/crm-admin-password" "$tmp/out"
        if [ "$privileged" -eq 1 ]; then
            local ids
            ids=$(crm_ids)
            assert "user crm in the tree" grep -q '^crm:.*:/var/lib/crm:' "$r/etc/passwd"
            assert "/etc/crm 0750 root:crm" test "$(mode_owner "$r/etc/crm")" = "750 0:${ids#*:}"
            assert "crm.toml 0640 root:crm" test "$(mode_owner "$r/etc/crm/crm.toml")" = "640 0:${ids#*:}"
            assert "/var/lib/crm 0750 crm:crm" test "$(mode_owner "$r/var/lib/crm")" = "750 $ids"
            assert "database owned by crm" test "$(stat -c %u:%g "$r/var/lib/crm/crm.db")" = "$ids"
        else
            assert "/etc/crm 0750" test "$(stat -c %a "$r/etc/crm")" = 750
            assert "crm.toml 0640" test "$(stat -c %a "$r/etc/crm/crm.toml")" = 640
            assert "/var/lib/crm 0750" test "$(stat -c %a "$r/var/lib/crm")" = 750
        fi
        assert "host accounts untouched" test "$(host_accounts)" = "$host_before"
        snapshot "$r" >"$tmp/snap-1"
    }

    second_install() {
        # The same command line again, as an admin re-running it would.
        run_install --admin-email admin@example.com --listen 127.0.0.1:8181 --region RU
        assert "says it is upgrading" grep -q 'exists: upgrading' "$tmp/out"
        assert "warns that the first-install options are ignored" grep -q 'only apply to the first installation' "$tmp/out"
        assert "crm install not run again" test "$(grep -c '^install ' "$calls")" -eq 1
        assert "still prints the URL" grep -q 'http://127.0.0.1:8181/' "$tmp/out"
        snapshot "$r" >"$tmp/snap-2"
        assert "nothing in the tree changed (config, data, binary, unit, owners, mtimes)" \
            diff -u "$tmp/snap-1" "$tmp/snap-2"
    }

    # The snapshot lines of what uninstall.sh keeps: configuration, data, the
    # generated password and the accounts.
    kept_part() {
        grep -E '(^| )\./(etc/crm|var/lib/crm|root|etc/(passwd|group|shadow|gshadow))( |/|$)' "$@"
    }

    uninstall_keeps() {
        run_uninstall
        assert "unit removed" test ! -e "$r/etc/systemd/system/crm.service"
        assert "binary removed" test ! -e "$r/usr/local/bin/crm"
        assert "docs removed" test ! -e "$r/usr/share/doc/crm"
        snapshot "$r" >"$tmp/snap-3"
        assert "configuration, data, password file and accounts kept as they were" \
            diff -u <(kept_part "$tmp/snap-2") <(kept_part "$tmp/snap-3")
        run_uninstall
        assert "a second uninstall changes nothing" diff -u "$tmp/snap-3" <(snapshot "$r")
    }

    reinstall_kept() {
        run_install
        assert "the kept configuration is used: an upgrade" grep -q 'exists: upgrading' "$tmp/out"
        assert "crm install not run again" test "$(grep -c '^install ' "$calls")" -eq 1
        assert "configuration and data as at the first install" \
            diff -u <(kept_part "$tmp/snap-1") <(snapshot "$r" | kept_part)
    }

    purge_asks() {
        if run_uninstall --purge </dev/null >"$tmp/out" 2>&1; then
            cat "$tmp/out" >&2
            assert "--purge without --yes off a terminal refuses" false
        fi
        assert "says nothing was removed" grep -q 'Nothing was removed' "$tmp/out"
        assert "configuration still there" test -s "$r/etc/crm/crm.toml"
        assert "data still there" test -s "$r/var/lib/crm/crm.db"
        assert "program still there" test -x "$r/usr/local/bin/crm"
    }

    purge() {
        run_uninstall --purge --yes
        assert "/etc/crm gone" test ! -e "$r/etc/crm"
        assert "/var/lib/crm gone" test ! -e "$r/var/lib/crm"
        assert "generated password gone" test ! -e "$r/root/crm-admin-password"
        assert "program gone" test ! -e "$r/usr/local/bin/crm"
        if [ "$privileged" -eq 1 ]; then
            refute "user crm still there" grep '^crm:' "$r/etc/passwd"
            refute "group crm still there" grep '^crm:' "$r/etc/group"
        fi
        run_uninstall --purge --yes
        assert "host accounts untouched" test "$(host_accounts)" = "$host_before"
    }

    local in_sequence=1
    skipping=""
    check "[$label] install.sh --root: first install" first_install
    check "[$label] install.sh --root: second run changes nothing" second_install
    check "[$label] uninstall.sh --root: keeps config, data and user; twice is fine" uninstall_keeps
    check "[$label] install.sh after uninstall: upgrade with the kept data" reinstall_kept
    check "[$label] uninstall.sh --purge without --yes refuses off a terminal" purge_asks
    check "[$label] uninstall.sh --purge --yes: data and user gone; twice is fine" purge
    skipping=""
}

make_fake_crm "$tmp/fake-crm"
installer_round fake-crm "$tmp/fake-crm"
if [ -x target/debug/crm ] && [ "${CRM_DEPLOY_CHECK_REAL:-1}" != 0 ]; then
    # A copy: a concurrent cargo build may replace target/debug/crm midway.
    cp target/debug/crm "$tmp/real-crm"
    installer_round target-debug-crm "$tmp/real-crm"
else
    printf 'skip [target/debug/crm] installer round: no built binary\n'
fi

printf '%s\n' "--"
if [ "$failed" -gt 0 ]; then
    printf 'deploy checks: %d failed, %d passed (in %s)\n' "$failed" "$passed" "$repo"
    exit 1
fi
printf 'deploy checks: all %d passed\n' "$passed"
