#!/usr/bin/env bash
# Load test of `crm serve` on generated data; see tests/load/README.md.
# Run by hand on a quiet machine, never by CI. Sends traffic only to 127.0.0.1.
#
#   tests/load/run.sh                                  # 1M contacts, 500k deals, SQLite
#   CONTACTS=100000 COMPANIES=10000 DEALS=50000 RUNS=1 tests/load/run.sh
#   ENDPOINTS="board deal-card stage-move product-suggest" tests/load/run.sh
#   DATABASE_URL=postgres://crm:secret@localhost/crm_load tests/load/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOAD_DIR=$ROOT/tests/load
RESULT_FILE=${RESULT_FILE:-$LOAD_DIR/last-run.md}

PORT=${PORT:-18080}
CONTACTS=${CONTACTS:-1000000}
COMPANIES=${COMPANIES:-100000}
DEALS=${DEALS:-500000}
PRODUCTS=${PRODUCTS:-2000}
PIPELINES=${PIPELINES:-3}
ACTIVITIES=${ACTIVITIES:-0}
TASKS=${TASKS:-0}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8 64}
ENDPOINTS=${ENDPOINTS:-list list-page-50 card search-name search-phone board deal-card stage-move product-suggest}
CARD_ID=${CARD_ID:-1000}
# A key account: the demo gives contacts 1-10 the longest timelines.
TIMELINE_ID=${TIMELINE_ID:-1}
DEAL_ID=${DEAL_ID:-1000}
SUGGEST=${SUGGEST:-ок}
SEARCH_NAME=${SEARCH_NAME:-ан}
SEARCH_PHONE=${SEARCH_PHONE:-4567}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
KEEP=${KEEP:-0}
DATABASE_URL=${DATABASE_URL:-}
REGION=${REGION:-}
ADMIN_EMAIL=admin@example.com
BASE=http://127.0.0.1:$PORT

# Targets (see docs and tests/load/README.md).
TARGET_PAGE_P95_MS=15
TARGET_SEARCH_P95_MS=30
TARGET_LIST_RPS_AT_64=1500
TARGET_RSS_MB=150
TARGET_BOARD_P95_MS=50
TARGET_DEAL_CARD_P95_MS=15
TARGET_MOVE_P95_MS=20
TARGET_SUGGEST_P95_MS=10
TARGET_TIMELINE_P95_MS=20
TARGET_TASKS_P95_MS=15
# Latency targets are judged at this many connections; higher counts show queueing.
TARGET_CONNECTIONS=${TARGET_CONNECTIONS:-8}

say() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for var in PORT CONTACTS COMPANIES DEALS PRODUCTS PIPELINES ACTIVITIES TASKS TIMELINE_ID RUNS THREADS CARD_ID DEAL_ID STARTUP_TIMEOUT; do
    is_uint "${!var}" || die "$var must be a whole number, got '${!var}'"
done
[ "$RUNS" -ge 1 ] || die "RUNS must be at least 1"
[ "$CONTACTS" -ge 1 ] || die "CONTACTS must be at least 1"
for c in $CONNECTIONS; do
    if ! is_uint "$c" || [ "$c" -lt "$THREADS" ]; then
        die "each of CONNECTIONS must be a number >= THREADS ($THREADS), got '$c'"
    fi
done
# Contact ids are 1..CONTACTS.
if [ "$CARD_ID" -gt "$CONTACTS" ] || [ "$CARD_ID" -lt 1 ]; then
    CARD_ID=$CONTACTS
fi
# Deal ids are 1..DEALS, in turn over the pipelines (pipeline 1 holds ids 1, 1+P, 1+2P...).
if [ "$DEAL_ID" -gt "$DEALS" ] || [ "$DEAL_ID" -lt 1 ]; then
    DEAL_ID=1
fi

# Percent-encode a query value byte by byte (UTF-8 in, %XX out).
urlencode() {
    local LC_ALL=C
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [a-zA-Z0-9.~_-]) out+=$c ;;
            *)
                printf -v c '%%%02X' "'$c"
                out+=$c
                ;;
        esac
    done
    printf '%s' "$out"
}

endpoint_path() {
    case $1 in
        list) printf '/contacts' ;;
        list-page-50) printf '/contacts?page=50' ;;
        card) printf '/contacts/%s' "$CARD_ID" ;;
        search-name) printf '/search?q=%s' "$(urlencode "$SEARCH_NAME")" ;;
        search-phone) printf '/search?q=%s' "$(urlencode "$SEARCH_PHONE")" ;;
        board) printf '/deals/board?pipeline=1' ;;
        deal-card) printf '/deals/%s' "$DEAL_ID" ;;
        product-suggest) printf '/products/suggest?q=%s' "$(urlencode "$SUGGEST")" ;;
        # move.lua posts to /deals/{id}/move for random deals of pipeline 1.
        stage-move) printf '/deals/%s' "$DEAL_ID" ;;
        timeline) printf '/contacts/%s' "$TIMELINE_ID" ;;
        timeline-calls) printf '/contacts/%s?activity_kind=call' "$TIMELINE_ID" ;;
        my-tasks) printf '/tasks' ;;
        *) return 1 ;;
    esac
}

# What the table shows (search terms readable, not percent-encoded).
# shellcheck disable=SC2016 # the backticks are Markdown
endpoint_label() {
    case $1 in
        list) printf 'list `/contacts`' ;;
        list-page-50) printf 'list `/contacts?page=50`' ;;
        card) printf 'card `/contacts/%s`' "$CARD_ID" ;;
        search-name) printf 'search `/search?q=%s`' "$SEARCH_NAME" ;;
        search-phone) printf 'search `/search?q=%s`' "$SEARCH_PHONE" ;;
        board) printf 'board `/deals/board?pipeline=1`' ;;
        deal-card) printf 'deal card `/deals/%s`' "$DEAL_ID" ;;
        product-suggest) printf 'product suggestion `/products/suggest?q=%s`' "$SUGGEST" ;;
        stage-move) printf 'stage move `POST /deals/{id}/move`' ;;
        timeline) printf 'card with a long timeline `/contacts/%s`' "$TIMELINE_ID" ;;
        timeline-calls) printf 'its calls only `/contacts/%s?activity_kind=call`' "$TIMELINE_ID" ;;
        my-tasks) printf 'my tasks `/tasks`' ;;
    esac
}

for ep in $ENDPOINTS; do
    endpoint_path "$ep" >/dev/null ||
        die "unknown endpoint '$ep' in ENDPOINTS (known: list list-page-50 card search-name search-phone board deal-card stage-move product-suggest timeline timeline-calls my-tasks)"
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
for tool in wrk curl; do
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
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm-load.XXXXXX")
DATA=$WORK/data
PWFILE=$WORK/admin-password
JAR=$WORK/cookies.txt
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
        printf 'Kept the data directory, server log and cookie jar in %s\n' "$WORK" >&2
    else
        rm -rf -- "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -m 0700 "$DATA"
PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
printf '%s' "$PASSWORD" >"$PWFILE"
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
if [ -n "$REGION" ]; then
    install_args+=(--default-region "$REGION")
fi
say "Installing into $DATA ($backend)"
"$CRM_BIN" "${install_args[@]}"

say "Generating $CONTACTS contacts, $COMPANIES companies, $PRODUCTS products, $DEALS deals in $PIPELINES pipelines, $ACTIVITIES activities, $TASKS tasks"
t0=$(now)
"$CRM_BIN" demo --data-dir "$DATA" --contacts "$CONTACTS" --companies "$COMPANIES" \
    --products "$PRODUCTS" --deals "$DEALS" --pipelines "$PIPELINES" \
    --activities "$ACTIVITIES" --tasks "$TASKS"
DEMO_SECONDS=$(elapsed "$t0")
say "Demo data generated in $DEMO_SECONDS s"
DATA_SIZE=$(du -sh "$DATA" | cut -f1)

# --- Serve --------------------------------------------------------------------------
say "Starting crm serve on $BASE"
t0=$(now)
# No scheduled backup: a new installation takes one at once, which would share the CPU.
CRM_BACKUP__AT="" CRM_WEB__API_REQUESTS_PER_MINUTE=0 "$CRM_BIN" serve --data-dir "$DATA" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + STARTUP_TIMEOUT))
until curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || die "crm serve exited before answering /healthz"
    [ "$SECONDS" -lt "$deadline" ] || die "no answer from $BASE/healthz after $STARTUP_TIMEOUT s"
    sleep 0.2
done
STARTUP_SECONDS=$(elapsed "$t0")
say "Server up after $STARTUP_SECONDS s (pid $SERVER_PID)"

# --- Sign in ----------------------------------------------------------------------------
# GET /login sets the crm_csrf cookie and embeds the same token in the form;
# POST /login answers 303 and sets crm_session.
login_page=$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/login")
csrf=""
re_input='<input[^>]*name="csrf_token"[^>]*>'
re_value='value="([^"]*)"'
if [[ $login_page =~ $re_input ]]; then
    tag=${BASH_REMATCH[0]}
    if [[ $tag =~ $re_value ]]; then
        csrf=${BASH_REMATCH[1]}
    fi
fi
[ -n "$csrf" ] || die "GET /login: no <input name=\"csrf_token\" value=\"...\"> in the page"

cookie_from_jar() {
    awk -F'\t' -v name="$1" '$6 == name { v = $7 } END { print v }' "$JAR"
}
[ -n "$(cookie_from_jar crm_csrf)" ] || die "GET /login did not set the crm_csrf cookie"

status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$JAR" -b "$JAR" \
    -H "Origin: $BASE" -e "$BASE/login" \
    --data-urlencode "email=$ADMIN_EMAIL" \
    --data-urlencode "password=$PASSWORD" \
    --data-urlencode "csrf_token=$csrf" \
    "$BASE/login")
[ "$status" = 303 ] || die "POST /login answered $status, expected 303"
SID=$(cookie_from_jar crm_session)
[ -n "$SID" ] || die "POST /login did not set the crm_session cookie"
COOKIE="Cookie: crm_session=$SID"
say "Signed in as $ADMIN_EMAIL"

# The session's CSRF token, for the stage moves (every signed-in form carries it).
form_page=$(curl -fsS -H "$COOKIE" "$BASE/contacts/new")
SESSION_CSRF=""
if [[ $form_page =~ $re_input ]]; then
    tag=${BASH_REMATCH[0]}
    if [[ $tag =~ $re_value ]]; then
        SESSION_CSRF=${BASH_REMATCH[1]}
    fi
fi
[ -n "$SESSION_CSRF" ] || die "GET /contacts/new: no CSRF token in the form"
# Pipeline 1 is the installation's default one; its open stages are the first four ids.
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "$COOKIE" -H 'Accept: application/json' \
    --data-urlencode "csrf_token=$SESSION_CSRF" --data-urlencode "stage_id=2" \
    "$BASE/deals/1/move")
[ "$status" = 200 ] || die "POST /deals/1/move answered $status, expected 200"

# Every URL must answer 200 with the session: wrk counts only statuses >= 400
# as errors, so a redirect to /login would otherwise look like a fast page.
for ep in $ENDPOINTS; do
    path=$(endpoint_path "$ep")
    status=$(curl -sS -o /dev/null -w '%{http_code}' -H "$COOKIE" "$BASE$path")
    [ "$status" = 200 ] || die "GET $path answered $status, expected 200"
done

# --- Measure ------------------------------------------------------------------------------
median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run_wrk() { # connections duration path [script]
    CRM_LOAD_DIR=$LOAD_DIR CRM_CSRF=$SESSION_CSRF CRM_DEALS=$DEALS CRM_PIPELINES=$PIPELINES \
        wrk -t"$THREADS" -c"$1" -d"$2" --latency -s "$LOAD_DIR/${4:-latency.lua}" -H "$COOKIE" "$BASE$3"
}

script_for() {
    case $1 in
        stage-move) printf 'move.lua' ;;
        *) printf 'latency.lua' ;;
    esac
}

rows=()   # endpoint|connections|p50|p95|p99|rps|errors
raw=()    # one line per wrk run
for ep in $ENDPOINTS; do
    path=$(endpoint_path "$ep")
    if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
        say "Warming up $path for $WARMUP"
        run_wrk 8 "$WARMUP" "$path" "$(script_for "$ep")" >/dev/null
    fi
    for c in $CONNECTIONS; do
        p50s=() p95s=() p99s=() rpss=() errs=()
        for ((run = 1; run <= RUNS; run++)); do
            out=$(run_wrk "$c" "$DURATION" "$path" "$(script_for "$ep")")
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
            raw+=("$ep c=$c run=$run: p50=${p50} p95=${p95} p99=${p99} ms, ${rps} req/s, ${non2xx} status errors, ${sock} socket errors")
            say "$path c=$c run $run/$RUNS: p50 $p50 ms, p95 $p95 ms, p99 $p99 ms, $rps req/s, $errors errors"
        done
        rows+=("$ep|$c|$(median "${p50s[@]}")|$(median "${p95s[@]}")|$(median "${p99s[@]}")|$(median "${rpss[@]}")|$(median "${errs[@]}")")
    done
done

[ -r "/proc/$SERVER_PID/status" ] || die "crm serve (pid $SERVER_PID) is gone"
PEAK_RSS_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")
[ -n "$PEAK_RSS_MB" ] || die "could not read VmHWM of pid $SERVER_PID"

# --- Report --------------------------------------------------------------------------------
fmt_ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
fmt_int() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

all_pass=1
# Runs a check and sets V to PASS or FAIL (not in $(...): it must reach all_pass).
verdict() {
    if "$@"; then
        V=PASS
    else
        V=FAIL
        all_pass=0
    fi
}

# Worst p95 among rows of a group, as "value|endpoint|connections".
worst_p95() { # endpoints...
    local row ep c p95 best='' e
    for row in "${rows[@]}"; do
        IFS='|' read -r ep c _ p95 _ _ _ <<<"$row"
        for e in "$@"; do
            if [ "$ep" = "$e" ] && { [ -z "$best" ] || ! le "$p95" "${best%%|*}"; }; then
                best="$p95|$ep|$c"
            fi
        done
    done
    printf '%s' "$best"
}

# Lowest req/s at 64 connections among rows of a group, as "value|endpoint".
lowest_rps_at_64() {
    local row ep c rps low='' e
    for row in "${rows[@]}"; do
        IFS='|' read -r ep c _ _ _ rps _ <<<"$row"
        [ "$c" = 64 ] || continue
        for e in "$@"; do
            if [ "$ep" = "$e" ] && { [ -z "$low" ] || ! ge "$rps" "${low%%|*}"; }; then
                low="$rps|$ep"
            fi
        done
    done
    printf '%s' "$low"
}

total_errors=0
for row in "${rows[@]}"; do
    IFS='|' read -r _ _ _ _ _ _ e <<<"$row"
    total_errors=$((total_errors + $(fmt_int "$e")))
done

target_lines=()
w=$(worst_p95 list list-page-50 card)
if [ -n "$w" ]; then
    IFS='|' read -r v ep c <<<"$w"
    verdict le "$v" "$TARGET_PAGE_P95_MS"
    target_lines+=("- list and card p95 ≤ ${TARGET_PAGE_P95_MS} ms: worst $(fmt_ms "$v") ms ($ep, $c connections): $V")
else
    target_lines+=("- list and card p95 ≤ ${TARGET_PAGE_P95_MS} ms: not measured")
fi
w=$(worst_p95 search-name search-phone)
if [ -n "$w" ]; then
    IFS='|' read -r v ep c <<<"$w"
    verdict le "$v" "$TARGET_SEARCH_P95_MS"
    target_lines+=("- search p95 ≤ ${TARGET_SEARCH_P95_MS} ms: worst $(fmt_ms "$v") ms ($ep, $c connections): $V")
else
    target_lines+=("- search p95 ≤ ${TARGET_SEARCH_P95_MS} ms: not measured")
fi
w=$(lowest_rps_at_64 list list-page-50)
if [ -n "$w" ]; then
    IFS='|' read -r v ep <<<"$w"
    verdict ge "$v" "$TARGET_LIST_RPS_AT_64"
    target_lines+=("- list ≥ 1,500 req/s at 64 connections: $(fmt_int "$v") req/s ($ep): $V")
else
    target_lines+=("- list ≥ 1,500 req/s at 64 connections: not measured")
fi
# p95 of one endpoint at TARGET_CONNECTIONS.
p95_at() { # endpoint
    local row ep c p95
    for row in "${rows[@]}"; do
        IFS='|' read -r ep c _ p95 _ _ _ <<<"$row"
        if [ "$ep" = "$1" ] && [ "$c" = "$TARGET_CONNECTIONS" ]; then
            printf '%s' "$p95"
        fi
    done
}
for pair in "board:$TARGET_BOARD_P95_MS" "deal-card:$TARGET_DEAL_CARD_P95_MS" \
    "stage-move:$TARGET_MOVE_P95_MS" "product-suggest:$TARGET_SUGGEST_P95_MS" \
    "timeline:$TARGET_TIMELINE_P95_MS" "timeline-calls:$TARGET_TIMELINE_P95_MS" \
    "my-tasks:$TARGET_TASKS_P95_MS"; do
    ep=${pair%%:*} target=${pair#*:}
    v=$(p95_at "$ep")
    if [ -n "$v" ]; then
        verdict le "$v" "$target"
        target_lines+=("- $ep p95 ≤ $target ms at $TARGET_CONNECTIONS connections: $(fmt_ms "$v") ms: $V")
    fi
done
verdict le "$PEAK_RSS_MB" "$TARGET_RSS_MB"
target_lines+=("- peak RSS ≤ ${TARGET_RSS_MB} MB: ${PEAK_RSS_MB} MB: $V")
verdict [ "$total_errors" -eq 0 ]
target_lines+=("- no errors: $total_errors (sum of the medians): $V")

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)

report() {
    printf '# Load test %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- commit: %s\n' "$commit"
    printf -- '- machine: %s CPU(s)%s, %s\n' "$(nproc)" "${cpu:+ ($cpu)}" "$(uname -sr)"
    printf -- '- database: %s; %s contacts, %s companies, %s products, %s deals in %s pipelines, %s activities, %s tasks; data directory %s\n' \
        "$backend" "$CONTACTS" "$COMPANIES" "$PRODUCTS" "$DEALS" "$PIPELINES" "$ACTIVITIES" "$TASKS" "$DATA_SIZE"
    # shellcheck disable=SC2016 # the backticks are Markdown
    printf -- '- `crm demo` took %s s; `crm serve` answered /healthz after %s s\n' "$DEMO_SECONDS" "$STARTUP_SECONDS"
    printf -- '- wrk: %s threads, %s per run, median of %s run(s), warm-up %s per endpoint\n\n' \
        "$THREADS" "$DURATION" "$RUNS" "$WARMUP"
    printf '| endpoint | connections | p50 ms | p95 ms | p99 ms | req/s | errors |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|\n'
    local row ep c p50 p95 p99 rps e
    for row in "${rows[@]}"; do
        IFS='|' read -r ep c p50 p95 p99 rps e <<<"$row"
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(endpoint_label "$ep")" "$c" \
            "$(fmt_ms "$p50")" "$(fmt_ms "$p95")" "$(fmt_ms "$p99")" "$(fmt_int "$rps")" "$(fmt_int "$e")"
    done
    printf '\nPeak RSS of crm serve (VmHWM): %s MB\n\n' "$PEAK_RSS_MB"
    printf 'Targets:\n\n'
    printf '%s\n' "${target_lines[@]}"
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
