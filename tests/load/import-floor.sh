#!/usr/bin/env bash
# SQLite's own floor for the import benchmark: the rows that `crm import` writes for ROWS
# contacts (the card, a phone, an e-mail, two tags, three search words), inserted by the sqlite3
# shell with INSERT … SELECT from a prepared table, in transactions of 50,000 contacts, without
# foreign key checks, into the schema of a fresh installation. No parsing, no checks, no
# de-duplication: what this machine's SQLite needs at the least, to set the import's figure
# against (machines differ; the ratio does less). Runs RUNS times, prints each and the median.
#   cargo build --release -p crm-cli && bash tests/load/import-floor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CRM=${CRM:-target/release/crm}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /tmp/crm-import-floor.XXXXXX)}
[ -x "$CRM" ] || { echo "build it first: cargo build --release -p crm-cli" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }

mkdir -p "$WORK"
printf 'floor-password-%s\n' "$RANDOM$RANDOM" > "$WORK/pw"
rm -rf "$WORK/empty"
"$CRM" install --data-dir "$WORK/empty" --admin-email admin@example.com \
  --admin-password-file "$WORK/pw" >/dev/null
sqlite3 "$WORK/empty/crm.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

python3 - "$WORK" "$ROWS" <<'PY'
import random, sqlite3, sys
work, rows = sys.argv[1], int(sys.argv[2])
random.seed(11)
numbers = random.sample(range(10_000_000), rows)
first = ["анна", "иван", "петр", "мария", "ольга", "сергей", "алексей", "елена", "john", "mary"]
last = ["петров", "иванов", "сидоров", "смирнов", "кузнецов", "попов", "волков", "smith"]
db = sqlite3.connect(f"{work}/stage.db")
db.execute("DROP TABLE IF EXISTS st")
db.execute("CREATE TABLE st (i INTEGER PRIMARY KEY, name, sort_name, raw, e164, digits_rev, "
           "email, w1, w2, w3)")
def row(i):
    l, f, n = random.choice(last), random.choice(first), numbers[i - 1]
    e164 = f"+7916{n:07d}"
    name = f"{l} {f} {i}"
    return (i, name.title(), name, f"+7 916 {n:07d}", e164, e164[:0:-1],
            f"user{i}@example.com", l, f, str(i))
db.executemany("INSERT INTO st VALUES (?,?,?,?,?,?,?,?,?,?)", (row(i) for i in range(1, rows + 1)))
db.commit()
with open(f"{work}/floor.sql", "w") as out:
    out.write("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -65536;\n")
    out.write(f"ATTACH '{work}/stage.db' AS s;\n")
    now = "'2026-11-24 10:00:00.123456'"
    for a in range(1, rows + 1, 50_000):
        w = f"FROM s.st WHERE i BETWEEN {a} AND {a + 49_999}"
        out.write("BEGIN;\n")
        out.write("INSERT INTO contacts (id, name, sort_name, position, company_id, responsible_id, "
                  "visible_to_all, created_by, created_at, updated_at, import_id) "
                  f"SELECT i, name, sort_name, 'Manager', NULL, 1, 0, 1, {now}, {now}, 1 {w};\n")
        out.write("INSERT INTO phones (contact_id, position, raw, e164, digits_rev) "
                  f"SELECT i, 0, raw, e164, digits_rev {w};\n")
        out.write(f"INSERT INTO emails (contact_id, position, raw, lower) SELECT i, 0, email, email {w};\n")
        for tag in ("vip", "import"):
            out.write(f"INSERT INTO tags (contact_id, name, name_lower) SELECT i, '{tag}', '{tag}' {w};\n")
        for k in (1, 2, 3):
            out.write(f"INSERT INTO search_terms (contact_id, term) SELECT i, w{k} {w};\n")
        out.write("COMMIT;\n")
PY

times=()
for run in $(seq 1 "$RUNS"); do
  rm -f "$WORK"/t.db*
  cp "$WORK/empty/crm.db" "$WORK/t.db"
  start=$(date +%s.%N)
  sqlite3 "$WORK/t.db" < "$WORK/floor.sql" >/dev/null
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}')
  echo "run $run: $secs s"
  times+=("$secs")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
echo "SQLite floor for $ROWS contacts: median $median s, $(awk -v r="$ROWS" -v s="$median" 'BEGIN {printf "%.0f", r / s}') rows/s"
rm -f "$WORK"/t.db* "$WORK/stage.db"
