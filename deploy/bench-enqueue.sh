#!/usr/bin/env bash
# Diagnostic for deploy/BENCHMARKS.md: what the queue-quota count costs
# PostgreSQL. Runs the node's enqueue statement (the shape of ENQUEUE in
# gateway/crates/store/src/postgres.rs, with literals for its parameters)
# through pgbench against a queue that already holds DEPTH pending messages,
# once as the node runs it and once with the pending count replaced by 0.
# Everything happens in a fresh schema that is dropped at the end.
#
# Usage: deploy/bench-enqueue.sh [DEPTH] [SECONDS] [CLIENTS]
#   defaults: 5000 pending messages, 5 s per variant, 16 clients.
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail

depth=${1:-5000}
seconds=${2:-5}
clients=${3:-16}
repo=$(cd "$(dirname "$0")/.." && pwd)
pgurl=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
schema="bench_enqueue_$(date +%s)_$RANDOM"
work=$(mktemp -d /tmp/smevgate-enqueue.XXXXXX)

export PGOPTIONS="-c search_path=$schema -c client_min_messages=warning"
sql() { psql -qX "$pgurl" "$@" >/dev/null; }
cleanup() {
    sql -c "DROP SCHEMA IF EXISTS $schema CASCADE" || true
    rm -rf "$work"
}
trap cleanup EXIT

sql -c "CREATE SCHEMA $schema"
sql -f "$repo/gateway/crates/store/migrations/postgres/0001_queues_and_journal.sql"

columns="message_id, kind, schema_version, queue_owner, queue_kind, sender, recipient,
    payload_ns, payload_local, content, status, test, sent_at"
values="'request', '1.3', 'PROVIDER01', 'requests', 'CONSUMER01', 'PROVIDER01',
    'urn://bench', 'EchoRequest', repeat('x', 2000), 'REQUEST_IS_QUEUED', false, now()"
count="SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE queue_owner = 'PROVIDER01'
    AND queue_kind = 'requests' AND state = 'pending' LIMIT 1000000) AS counted"

cat >"$work/with_count.sql" <<EOF
\\set id random(1, 2000000000)
WITH dup AS (SELECT 1 FROM messages WHERE message_id = 'm-' || :id),
pending AS ($count),
ins AS (INSERT INTO messages ($columns) SELECT 'm-' || :id, $values
    FROM pending WHERE pending.n < 1000000 AND NOT EXISTS (SELECT 1 FROM dup)
    ON CONFLICT (message_id) DO NOTHING RETURNING 1),
j AS (INSERT INTO journal (at, node_id, operation, message_kind, status, message_id, sender,
    recipient, detail)
    SELECT now(), 'bench', 'SendRequest', 'request', 'REQUEST_IS_QUEUED', 'm-' || :id,
    'CONSUMER01', 'PROVIDER01', '' FROM ins)
SELECT (SELECT count(*) FROM ins), EXISTS (SELECT 1 FROM dup), (SELECT n FROM pending);
EOF
python3 - "$work" "$count" <<'EOF'
import sys
work, count = sys.argv[1], sys.argv[2]
text = open(f"{work}/with_count.sql").read()
open(f"{work}/no_count.sql", "w").write(text.replace(count, "SELECT 0::bigint AS n"))
EOF
# pgbench runs one line per statement: join each script's SQL lines.
for script in with_count no_count; do
    { head -1 "$work/$script.sql"; tail -n +2 "$work/$script.sql" | tr '\n' ' '; echo; } \
        >"$work/$script.pgbench"
done

echo "# depth=$depth seconds=$seconds clients=$clients (pgbench -M simple)"
for script in with_count no_count; do
    sql -c "DELETE FROM messages" -c "INSERT INTO messages ($columns)
        SELECT 'pre-' || g, $values FROM generate_series(1, $depth) g"
    sql -c "VACUUM ANALYZE messages"
    printf '%-11s ' "$script"
    pgbench -n -M simple -c "$clients" -j 2 -T "$seconds" -f "$work/$script.pgbench" "$pgurl" \
        2>&1 | awk '/^tps/ {tps = $3} /latency average/ {lat = $4}
            END {printf "tps %.0f  latency average %s ms\n", tps, lat}'
done
