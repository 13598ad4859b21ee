#!/usr/bin/env bash
# Import benchmark: a CSV of ROWS contacts (names, a phone in its own spelling and in no order,
# an e-mail, a company out of 20,000, a position, two tags; 1 % of the rows repeat an earlier
# row's e-mail) imported with `crm import` into a fresh SQLite installation, RUNS times; wall
# time, rows per second and peak memory (max RSS) of each run, then the median. Needs a release build:
#   cargo build --release -p crm-cli && bash tests/load/import.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CRM=${CRM:-target/release/crm}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /tmp/crm-import-bench.XXXXXX)}
OUT=${OUT:-tests/load/last-run-import.md}
[ -x "$CRM" ] || { echo "build it first: cargo build --release -p crm-cli" >&2; exit 1; }

mkdir -p "$WORK"
CSV="$WORK/contacts.csv"
if [ ! -f "$CSV" ]; then
  echo "writing $ROWS rows to $CSV"
  python3 - "$CSV" "$ROWS" <<'PY'
import random, sys
path, rows = sys.argv[1], int(sys.argv[2])
random.seed(11)
numbers = random.sample(range(10_000_000), rows)  # distinct, in no order
first = ["Анна", "Иван", "Пётр", "Мария", "Ольга", "Сергей", "Алексей", "Елена", "John", "Mary"]
last = ["Петров", "Иванов", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Волков", "Smith"]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("Name,Phone,Email,Company,Position,Tags\n")
    for i in range(rows):
        name = f"{random.choice(last)} {random.choice(first)} {i}"
        n = numbers[i]
        phone = f"+7 916 {n // 10000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"
        email = f"user{i if i % 100 else i // 2}@example.com"
        f.write(f'{name},{phone},{email},Company {i % 20000},Manager,"vip, import"\n')
PY
fi
ls -la "$CSV"

results=()
for run in $(seq 1 "$RUNS"); do
  DATA="$WORK/data-$run"
  rm -rf "$DATA"
  printf 'bench-password-%s\n' "$RANDOM$RANDOM" > "$WORK/pw"
  "$CRM" install --data-dir "$DATA" --admin-email admin@example.com --admin-password-file "$WORK/pw" >/dev/null
  /usr/bin/time -f '%e %M' -o "$WORK/time-$run" \
    "$CRM" --data-dir "$DATA" import "$CSV" --region RU > "$WORK/import-$run.log" 2>/dev/null
  read -r secs kb < "$WORK/time-$run"
  summary=$(grep -E '^[0-9]+ created' "$WORK/import-$run.log")
  echo "run $run: $secs s, max RSS $((kb / 1024)) MB: $summary"
  results+=("$secs $kb")
  [ "$run" -lt "$RUNS" ] && rm -rf "$DATA"
done

median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
read -r msecs mkb <<< "$median"
rate=$(awk -v r="$ROWS" -v s="$msecs" 'BEGIN {printf "%.0f", r / s}')
{
  echo "# Import benchmark ($(date -u +%Y-%m-%d))"
  echo
  echo "$ROWS contacts from CSV into SQLite, \`crm import --region RU\`, release build, $(nproc) cores."
  echo
  echo "| run | seconds | max RSS |"
  echo "|---|---:|---:|"
  i=1
  for r in "${results[@]}"; do
    read -r s k <<< "$r"
    echo "| $i | $s | $((k / 1024)) MB |"
    i=$((i + 1))
  done
  echo
  echo "Median: $msecs s, $rate rows/s, $((mkb / 1024)) MB. Last run: $summary"
} > "$OUT"
cat "$OUT"
echo "data of the last run: $WORK/data-$RUNS"
