#!/usr/bin/env bash
# Load test of the REST API's list endpoints (`GET /api/v1/...`) on generated data; see
# tests/load/README.md. Run by hand on a quiet machine, never by CI. Sends traffic only to
# 127.0.0.1.
#
#   tests/load/api.sh                                   # 100k contacts and companies, 50k deals
#   RUNS=1 DURATION=3s ENDPOINTS="deals deals-cursor" tests/load/api.sh
#   DATABASE_URL=postgres://crm:secret@localhost/crm_load tests/load/api.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOAD_DIR=$ROOT/tests/load
RESULT_FILE=${RESULT_FILE:-$LOAD_DIR/last-run-api.md}

PORT=${PORT:-18081}
CONTACTS=${CONTACTS:-100000}
COMPANIES=${COMPANIES:-100000}
DEALS=${DEALS:-50000}
PRODUCTS=${PRODUCTS:-2000}
PIPELINES=${PIPELINES:-3}
TASKS=${TASKS:-20000}
LEADS=${LEADS:-5000}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-2 8}
# The page whose next_cursor the `-cursor` endpoints start from (50 rows a page).
DEEP_PAGE=${DEEP_PAGE:-20}
ENDPOINTS=${ENDPOINTS:-contacts contacts-cursor contacts-tag contacts-updated companies companies-cursor companies-tag leads leads-cursor leads-new deals deals-cursor deals-open-by-amount deals-by-close products products-cursor tasks tasks-cursor tasks-done}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
KEEP=${KEEP:-0}
DATABASE_URL=${DATABASE_URL:-}
ADMIN_EMAIL=admin@example.com
BASE=http://127.0.0.1:$PORT

TARGET_P95_MS=15
# Latency is judged at this many connections; the other counts are shown beside it.
TARGET_CONNECTIONS=${TARGET_CONNECTIONS:-8}

say() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for var in PORT CONTACTS COMPANIES DEALS PRODUCTS PIPELINES TASKS LEADS RUNS THREADS DEEP_PAGE STARTUP_TIMEOUT; do
    is_uint "${!var}" || die "$var must be a whole number, got '${!var}'"
done
[ "$RUNS" -ge 1 ] || die "RUNS must be at least 1"
for c in $CONNECTIONS; do
    if ! is_uint "$c" || [ "$c" -lt "$THREADS" ]; then
        die "each of CONNECTIONS must be a number >= THREADS ($THREADS), got '$c'"
    fi
done

# An endpoint's URL; `-cursor` ones continue from the next_cursor of page DEEP_PAGE.
endpoint_path() {
    case $1 in
        contacts) printf '/api/v1/contacts' ;;
        contacts-tag) printf '/api/v1/contacts?tag=vip' ;;
        contacts-updated) printf '/api/v1/contacts?sort=updated&desc=true' ;;
        companies) printf '/api/v1/companies' ;;
        companies-tag) printf '/api/v1/companies?tag=vip' ;;
        leads) printf '/api/v1/leads' ;;
        leads-new) printf '/api/v1/leads?status=new' ;;
        deals) printf '/api/v1/deals' ;;
        deals-open-by-amount) printf '/api/v1/deals?pipeline_id=1&state=open&sort=amount&desc=true' ;;
        deals-by-close) printf '/api/v1/deals?sort=expected_close' ;;
        products) printf '/api/v1/products' ;;
        tasks) printf '/api/v1/tasks' ;;
        tasks-done) printf '/api/v1/tasks?done=true' ;;
        *-cursor) endpoint_path "${1%-cursor}" ;;
        *) return 1 ;;
    esac
}

for ep in $ENDPOINTS; do
    endpoint_path "$ep" >/dev/null || die "unknown endpoint '$ep' in ENDPOINTS"
done

# --- Tools ------------------------------------------------------------------
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}
missing=()
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing ${missing[*]} with apt-get"
    if ! as_root apt-get install -y "${missing[@]}"; then
        as_root apt-get update
        as_root apt-get install -y "${missing[@]}"
    fi
fi

# --- Binary -------------------------------------------------------------------
if [ -z "${CRM_BIN:-}" ]; then
    say "Building crm (cargo build --release -p crm-cli)"
    (cd "$ROOT" && cargo build --release -p crm-cli)
    CRM_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/crm
fi
[ -x "$CRM_BIN" ] || die "no executable crm binary at $CRM_BIN"

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$PORT; set PORT to a free port"
fi

# --- Scratch space and clean-up -------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm-api-load.XXXXXX")
DATA=$WORK/data
PWFILE=$WORK/admin-password
SERVER_LOG=$WORK/serve.log
SERVER_PID=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ "$status" -ne 3 ] && [ -s "$SERVER_LOG" ]; then
        printf -- '--- last lines of the server log ---\n' >&2
        tail -n 20 "$SERVER_LOG" >&2 || true
    fi
    if [ "$KEEP" = 1 ]; then
        printf 'Kept the data directory and server log in %s\n' "$WORK" >&2
    else
        rm -rf -- "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -m 0700 "$DATA"
head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$PWFILE"
chmod 0600 "$PWFILE"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- Install and fill -------------------------------------------------------------
backend=SQLite
install_args=(install --data-dir "$DATA" --admin-email "$ADMIN_EMAIL"
    --admin-password-file "$PWFILE" --listen "127.0.0.1:$PORT")
if [ -n "$DATABASE_URL" ]; then
    backend=PostgreSQL
    install_args+=(--database-url "$DATABASE_URL")
fi
say "Installing into $DATA ($backend)"
"$CRM_BIN" "${install_args[@]}"

say "Generating $CONTACTS contacts, $COMPANIES companies, $PRODUCTS products, $DEALS deals, $TASKS tasks"
t0=$(now)
"$CRM_BIN" demo --data-dir "$DATA" --contacts "$CONTACTS" --companies "$COMPANIES" \
    --products "$PRODUCTS" --deals "$DEALS" --pipelines "$PIPELINES" --tasks "$TASKS"
DEMO_SECONDS=$(elapsed "$t0")
say "Demo data generated in $DEMO_SECONDS s"

TOKEN=$("$CRM_BIN" token create --data-dir "$DATA" --user "$ADMIN_EMAIL" 2>/dev/null)
[ -n "$TOKEN" ] || die "crm token create printed no token"
AUTH="Authorization: Bearer $TOKEN"

# --- Serve --------------------------------------------------------------------------
say "Starting crm serve on $BASE"
# No scheduled backup (a new installation takes one at once) and no API rate limit.
CRM_BACKUP__AT="" CRM_WEB__API_REQUESTS_PER_MINUTE=0 "$CRM_BIN" serve --data-dir "$DATA" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + STARTUP_TIMEOUT))
until curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || die "crm serve exited before answering /healthz"
    [ "$SECONDS" -lt "$deadline" ] || die "no answer from $BASE/healthz after $STARTUP_TIMEOUT s"
    sleep 0.2
done
say "Server up (pid $SERVER_PID)"

# `crm demo` makes no leads: post them through the API, one keep-alive connection.
if [ "$LEADS" -gt 0 ]; then
    say "Posting $LEADS leads"
    t0=$(now)
    CRM_PORT=$PORT CRM_TOKEN=$TOKEN CRM_LEADS=$LEADS python3 - <<'PY'
import http.client, json, os

conn = http.client.HTTPConnection("127.0.0.1", int(os.environ["CRM_PORT"]))
headers = {"Authorization": "Bearer " + os.environ["CRM_TOKEN"], "Content-Type": "application/json"}
for i in range(int(os.environ["CRM_LEADS"])):
    body = {"title": f"Request {i + 1}", "source": "web_form", "name": f"Client {i + 1}",
            "email": f"client{i + 1}@example.com"}
    conn.request("POST", "/api/v1/leads", json.dumps(body), headers)
    res = conn.getresponse()
    res.read()
    if res.status != 201:
        raise SystemExit(f"POST /api/v1/leads answered {res.status}")
PY
    say "Leads posted in $(elapsed "$t0") s"
fi

# --- URLs -------------------------------------------------------------------------
next_cursor() { # path -> the next_cursor of its answer
    curl -fsS -H "$AUTH" "$BASE$1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin).get("next_cursor") or "")'
}

declare -A URL
for ep in $ENDPOINTS; do
    path=$(endpoint_path "$ep")
    case $ep in
        *-cursor)
            sep='?'
            [[ $path == *'?'* ]] && sep='&'
            if [[ $ep == tasks-* ]]; then
                # Tasks page by id: start half-way through.
                start="$path${sep}after=$((TASKS / 2))"
            else
                start="$path${sep}page=$DEEP_PAGE"
            fi
            cursor=$(next_cursor "$start")
            [ -n "$cursor" ] || die "GET $start gave no next_cursor"
            path="$path${sep}cursor=$cursor"
            ;;
    esac
    URL[$ep]=$path
    answer=$(curl -sS -w '\n%{http_code}' -H "$AUTH" "$BASE$path")
    status=${answer##*$'\n'}
    [ "$status" = 200 ] || die "GET $path answered $status, expected 200"
    items=$(printf '%s' "${answer%$'\n'*}" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')
    [ "$items" -gt 0 ] || die "GET $path answered no items: nothing would be measured"
    say "$ep: GET $path answers $items items"
done

# --- Measure ------------------------------------------------------------------------------
median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run_wrk() { # connections duration path
    wrk -t"$THREADS" -c"$1" -d"$2" --latency -s "$LOAD_DIR/latency.lua" -H "$AUTH" "$BASE$3"
}

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
rows=() # endpoint|connections|p50|p95|p99|rps|errors
raw=()
for ep in $ENDPOINTS; do
    path=${URL[$ep]}
    if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
        run_wrk 8 "$WARMUP" "$path" >/dev/null
    fi
    for c in $CONNECTIONS; do
        p50s=() p95s=() p99s=() rpss=() errs=()
        for ((run = 1; run <= RUNS; run++)); do
            out=$(run_wrk "$c" "$DURATION" "$path")
            line=$(printf '%s\n' "$out" | awk '/^CRM_RESULT / { l = $0 } END { print l }')
            [ -n "$line" ] || die "wrk printed no CRM_RESULT line for $path:"$'\n'"$out"
            p50='' p95='' p99='' rps='' non2xx='' sock=''
            for kv in $line; do
                case $kv in
                    p50_ms=*) p50=${kv#*=} ;;
                    p95_ms=*) p95=${kv#*=} ;;
                    p99_ms=*) p99=${kv#*=} ;;
                    rps=*) rps=${kv#*=} ;;
                    non2xx=*) non2xx=${kv#*=} ;;
                    socket_errors=*) sock=${kv#*=} ;;
                esac
            done
            errors=$((non2xx + sock))
            p50s+=("$p50") p95s+=("$p95") p99s+=("$p99") rpss+=("$rps") errs+=("$errors")
            raw+=("$ep c=$c run=$run: p50=$p50 p95=$p95 p99=$p99 ms, $rps req/s, $non2xx status errors, $sock socket errors")
            say "$ep c=$c run $run/$RUNS: p50 $p50 ms, p95 $p95 ms, p99 $p99 ms, $rps req/s, $errors errors"
        done
        rows+=("$ep|$c|$(median "${p50s[@]}")|$(median "${p95s[@]}")|$(median "${p99s[@]}")|$(median "${rpss[@]}")|$(median "${errs[@]}")")
    done
done

[ -r "/proc/$SERVER_PID/status" ] || die "crm serve (pid $SERVER_PID) is gone"
PEAK_RSS_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")

# --- Report --------------------------------------------------------------------------------
fmt_ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
fmt_int() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

all_pass=1
missed=()
total_errors=0
for row in "${rows[@]}"; do
    IFS='|' read -r ep c _ p95 _ _ e <<<"$row"
    total_errors=$((total_errors + $(fmt_int "$e")))
    if [ "$c" = "$TARGET_CONNECTIONS" ] && ! le "$p95" "$TARGET_P95_MS"; then
        all_pass=0
        missed+=("$ep ($(fmt_ms "$p95") ms)")
    fi
done
[ "$total_errors" -eq 0 ] || all_pass=0

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)

report() {
    printf '# API load test %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- commit: %s\n' "$commit"
    printf -- '- machine: %s CPU(s)%s, %s; load average before the runs: %s\n' "$(nproc)" "${cpu:+ ($cpu)}" "$(uname -sr)" "$LOAD_BEFORE"
    printf -- '- database: %s; %s contacts, %s companies, %s products, %s deals in %s pipelines, %s tasks, %s leads\n' \
        "$backend" "$CONTACTS" "$COMPANIES" "$PRODUCTS" "$DEALS" "$PIPELINES" "$TASKS" "$LEADS"
    # shellcheck disable=SC2016 # the backticks are Markdown
    printf -- '- `crm demo` took %s s; one API token of the administrator (who sees everything); rate limit off\n' "$DEMO_SECONDS"
    printf -- '- wrk: %s threads, %s per run, median of %s run(s), warm-up %s per endpoint; 50 rows a page; `-cursor` rows continue from the next_cursor of page %s (tasks: after half of them)\n\n' \
        "$THREADS" "$DURATION" "$RUNS" "$WARMUP" "$DEEP_PAGE"
    printf '| endpoint | URL | connections | p50 ms | p95 ms | p99 ms | req/s | errors |\n'
    printf '|---|---|---:|---:|---:|---:|---:|---:|\n'
    local row ep c p50 p95 p99 rps e url
    for row in "${rows[@]}"; do
        IFS='|' read -r ep c p50 p95 p99 rps e <<<"$row"
        url=${URL[$ep]}
        [[ $url == *cursor=* ]] && url="${url%%cursor=*}cursor=…"
        printf '| %s | `%s` | %s | %s | %s | %s | %s | %s |\n' "$ep" "$url" "$c" \
            "$(fmt_ms "$p50")" "$(fmt_ms "$p95")" "$(fmt_ms "$p99")" "$(fmt_int "$rps")" "$(fmt_int "$e")"
    done
    printf '\nPeak RSS of crm serve (VmHWM): %s MB\n\n' "$PEAK_RSS_MB"
    if [ "${#missed[@]}" -eq 0 ]; then
        printf 'Target p95 ≤ %s ms at %s connections: PASS for every endpoint; errors: %s\n' "$TARGET_P95_MS" "$TARGET_CONNECTIONS" "$total_errors"
    else
        printf 'Target p95 ≤ %s ms at %s connections: FAIL for %s; errors: %s\n' "$TARGET_P95_MS" "$TARGET_CONNECTIONS" "${missed[*]}" "$total_errors"
    fi
    printf '\n<details><summary>All runs</summary>\n\n```\n'
    printf '%s\n' "${raw[@]}"
    printf '```\n\n</details>\n'
}

report | tee "$RESULT_FILE"
say "Written to ${RESULT_FILE#"$ROOT"/}"
if [ "$all_pass" -eq 0 ]; then
    say "Some targets were missed"
    exit 3
fi
