#!/usr/bin/env bash
# Property-based tests of the REST API against its own OpenAPI document, with schemathesis:
# a built `crm` binary is installed into a throwaway data folder, given a little demo data and an
# API token, served on a free port, and every operation is called with generated input. Fails on
# any 5xx answer, any answer that does not match the document, and any undocumented status.
#
#   bash tests/api/schemathesis.sh [path/to/crm]     (default: target/debug/crm; builds nothing)
#
# Schemathesis comes from PyPI into a virtualenv under target/ (made once, reused). Environment:
# SCHEMATHESIS_EXAMPLES (cases per operation, default 40), SCHEMATHESIS_SEED.
set -euo pipefail
cd "$(dirname "$0")/../.."

crm=$(realpath "${1:-target/debug/crm}")
[ -x "$crm" ] || { echo "no crm binary at $crm: build it first (cargo build -p crm-cli)" >&2; exit 2; }
examples=${SCHEMATHESIS_EXAMPLES:-40}
seed=${SCHEMATHESIS_SEED:-1}
# The latest release that installs on Python 3.11; pinned so that a new one cannot fail CI unseen.
version=4.32.5

venv=target/schemathesis-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

work=$(mktemp -d)
server=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
data="$work/data"
printf 'correct horse battery\n' > "$work/pw"

"$crm" install --data-dir "$data" --admin-email admin@example.com \
    --admin-password-file "$work/pw" --listen "127.0.0.1:$port" --default-region RU \
    --currency RUB >/dev/null
"$crm" --data-dir "$data" demo --contacts 30 --companies 10 --products 10 --deals 20 \
    --activities 30 --tasks 20 >/dev/null
token=$("$crm" --data-dir "$data" token create --user admin@example.com 2>/dev/null)

CRM_WEB__API_REQUESTS_PER_MINUTE=0 "$crm" --data-dir "$data" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.2
done

started=$(date +%s)
status=0
st=$(realpath "$venv/bin/schemathesis")
# Run from the throwaway folder: schemathesis keeps a cache in the current directory.
(cd "$work" && "$st" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$examples" --seed "$seed" --workers 2 \
    --phases examples,coverage,fuzzing --no-color \
    --request-timeout 10) || status=$?
echo "schemathesis: $(($(date +%s) - started)) s, exit $status"
if [ "$status" -ne 0 ]; then
    echo "--- server log (errors) ---" >&2
    grep -E '"level":"ERROR"|ERROR' "$work/serve.log" | tail -n 40 >&2 || true
fi
exit "$status"
