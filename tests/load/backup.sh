#!/usr/bin/env bash
# Backup and restore on harness data: time, throughput, archive size, and the longest write
# pause while a backup runs (a client creating contacts through the API, one at a time).
# Run by hand, never by CI:
#
#   KEEP=1 tests/load/run.sh                      # builds 1M contacts; keep its data folder
#   DATA=/tmp/crm-load.XXXX/data tests/load/backup.sh
#   DATA=... PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres tests/load/backup.sh
#
# With PG_ADMIN_URL the archive is also restored onto a new PostgreSQL database (the move from
# SQLite), backed up from there under write load, and the database dropped at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA=${DATA:?name the data folder of an installation: DATA=/path}
PG_ADMIN_URL=${PG_ADMIN_URL:-}
PORT=${PORT:-18091}
RUNS=${RUNS:-3}
CRM=${CRM:-$ROOT/target/release/crm}
RESULT_FILE=${RESULT_FILE:-$ROOT/tests/load/last-run-backup.md}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm-backup-bench.XXXXXX")
SERVER=""
PG_DB=crm_backup_bench_$$

say() { printf '==> %s\n' "$*" >&2; }
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
    if [ -n "$PG_ADMIN_URL" ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
[ -x "$CRM" ] || { echo "build first: cargo build --release -p crm-cli" >&2; exit 1; }

field() { # KEY LINE: the value of KEY=value in LINE
    local rest=${2#*"$1"=}
    echo "${rest%% *}"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

serve() { # DIR
    # Only the backups this script takes: no scheduled one meanwhile.
    CRM_BACKUP__AT="" CRM_WEB__API_REQUESTS_PER_MINUTE=0 "$CRM" serve --data-dir "$1" --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return
        sleep 0.2
    done
    echo "crm serve did not start" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

# One backup of DIR while a client writes: prints "seconds bytes max_ms p99_ms writes".
backup_under_load() { # DIR TOKEN
    local dir=$1 token=$2 out="$WORK/out.$RANDOM"
    mkdir -p "$out"
    # A first backup tells how long the writer must run to cover the second one.
    local t0 t1 secs
    t0=$(now); "$CRM" backup --data-dir "$dir" --output "$out" >/dev/null; t1=$(now)
    secs=$(echo "$t1 - $t0" | bc)
    rm -f "$out"/*
    local span
    span=$(printf '%.0f' "$(echo "$secs + 6" | bc)")
    python3 "$ROOT/tests/load/writer.py" "127.0.0.1:$PORT" "$token" "$span" >"$WORK/writer.out" 2>&1 &
    local writer=$!
    sleep 3
    t0=$(now); "$CRM" backup --data-dir "$dir" --output "$out" >"$WORK/backup.out"; t1=$(now)
    wait "$writer"
    local line
    line=$(grep CRM_WRITES "$WORK/writer.out")
    local max p99 n bytes
    max=$(field max_ms "$line")
    p99=$(field p99_ms "$line")
    n=$(field requests "$line")
    if [ "$(field non2xx "$line")" != 0 ]; then
        echo "the writer's requests failed: $line" >&2
        exit 1
    fi
    bytes=$(stat -c %s "$out"/crm-*.tar.zst)
    cp "$out"/crm-*.tar.zst "$WORK/archive.tar.zst"
    rm -rf "$out"
    echo "$(echo "$t1 - $t0" | bc) $bytes $max $p99 $n"
}

baseline_writes() { # TOKEN
    python3 "$ROOT/tests/load/writer.py" "127.0.0.1:$PORT" "$1" 10
}

rows_of() { "$CRM" backup --verify "$1" | awk '/ rows, /{print $1}'; }

report=()
measure() { # LABEL DIR
    local label=$1 dir=$2 token
    token=$("$CRM" token create --data-dir "$dir" --user admin@example.com)
    serve "$dir"
    say "$label: writes without a backup"
    local base
    base=$(baseline_writes "$token")
    local secs=() maxes=() p99s=() bytes=0
    for run in $(seq 1 "$RUNS"); do
        say "$label: backup under write load, run $run/$RUNS"
        read -r s b m p n < <(backup_under_load "$dir" "$token")
        say "  $s s, $b bytes, longest write $m ms, p99 $p ms, $n writes"
        secs+=("$s"); maxes+=("$m"); p99s+=("$p"); bytes=$b
    done
    stop
    local rows s_med
    rows=$(rows_of "$WORK/archive.tar.zst")
    s_med=$(printf '%s\n' "${secs[@]}" | median)
    report+=("| $label backup | $rows | $s_med | $(echo "$rows / $s_med" | bc) | $(echo "$bytes / 1048576" | bc) | $(printf '%s\n' "${maxes[@]}" | median) (worst $(printf '%s\n' "${maxes[@]}" | sort -n | tail -1)) | $(printf '%s\n' "${p99s[@]}" | median) |")
    report+=("| $label writes, no backup | | | | | $(field max_ms "$base") | $(field p99_ms "$base") |")
}

restore_into() { # LABEL DIR [URL]
    local label=$1 dir=$2 url=${3:-} t0 t1 secs=()
    for run in $(seq 1 "$RUNS"); do
        say "$label: restore, run $run/$RUNS"
        t0=$(now)
        if [ -n "$url" ]; then
            "$CRM" restore --data-dir "$dir" --force --database-url "$url" "$WORK/archive.tar.zst" >/dev/null
        else
            "$CRM" restore --data-dir "$dir" --force "$WORK/archive.tar.zst" >/dev/null
        fi
        t1=$(now)
        secs+=("$(echo "$t1 - $t0" | bc)")
        # Keep only the newest: what --force set aside would fill the disk.
        rm -rf "$dir"/*.before-restore-* "$dir"/backups/*pre-restore*
    done
    local rows s
    rows=$(rows_of "$WORK/archive.tar.zst")
    s=$(printf '%s\n' "${secs[@]}" | median)
    report+=("| $label restore | $rows | $s | $(echo "$rows / $s" | bc) | | | |")
}

printf 'admin-pass-%s\n' "$RANDOM$RANDOM" >"$WORK/pw"
measure "SQLite" "$DATA"
"$CRM" install --data-dir "$WORK/sqlite" --admin-email admin@example.com --admin-password-file "$WORK/pw" >/dev/null
restore_into "SQLite" "$WORK/sqlite"
if [ -n "$PG_ADMIN_URL" ]; then
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
    pg_url="${PG_ADMIN_URL%/*}/$PG_DB"
    "$CRM" install --data-dir "$WORK/pg" --database-url "$pg_url" --admin-email admin@example.com --admin-password-file "$WORK/pw" >/dev/null
    restore_into "PostgreSQL (from the SQLite archive)" "$WORK/pg"
    measure "PostgreSQL" "$WORK/pg"
fi

{
    echo "# Backup and restore $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD); machine: $(nproc) CPU(s); data: $DATA ($(du -sh "$DATA" | cut -f1))"
    echo "- median of $RUNS runs; writes: one client creating contacts through the API without pause (tests/load/writer.py)"
    echo
    echo "| what | rows | seconds | rows/s | archive MB | longest write ms | write p99 ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${report[@]}"
} | tee "$RESULT_FILE"
