#!/usr/bin/env bash
# End-to-end SendRequest benchmark on 127.0.0.1: starts a node from the
# fixtures in a temporary working folder, runs `smevgate load` against it,
# stops the node and removes what it created (temp folder, PostgreSQL schema).
#
# Usage: deploy/bench.sh sqlite|postgres [REQUESTS] [CLIENTS] [BINARY]
#   REQUESTS  default 5000
#   CLIENTS   default 16
#   BINARY    default target/release/smevgate
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432/test),
#   PORT (default: a free port picked by the script),
#   ROUNDS (default 1): loads run one after the other against the same node;
#   nothing drains the queue, so each round starts REQUESTS deeper.
#   CHANNEL (default soap): `rest` sends through the integration REST API
#   (`POST /api/v1/requests`, the node signs with the ИС key it holds) as an
#   API client of CONSUMER01 that an administrator the script creates
#   (`smevgate admin create-user`) registers with `POST /api/v1/clients`;
#   the bearer is the client's OAuth 2.0 access token (`POST /api/v1/oauth/token`).
#
# Besides the load report it prints the CPU seconds spent during the run by
# the node, by the PostgreSQL backends serving the node's connections, and by
# the load generator (signing included), so that one can see where the time
# of the two shared cores goes.
#
# The fixture configuration keeps the default queue quota (1000 pending per
# queue); a run of 5000 requests into one queue would hit
# DestinationOverflow, so the benchmark copy raises `exchange.queue_quota`.
set -euo pipefail

backend=${1:?usage: bench.sh sqlite|postgres [REQUESTS] [CLIENTS] [BINARY]}
requests=${2:-5000}
clients=${3:-16}
repo=$(cd "$(dirname "$0")/.." && pwd)
binary=$(realpath "${4:-$repo/target/release/smevgate}")
pgurl=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
rounds=${ROUNDS:-1}
channel=${CHANNEL:-soap}
schema="bench_$(date +%s)_$RANDOM"

work=$(mktemp -d /tmp/smevgate-bench.XXXXXX)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ "$backend" == postgres ]]; then
        PGOPTIONS="-c client_min_messages=warning" psql -q "$pgurl" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

case "$backend" in
    sqlite) database_url="sqlite://$work/var/smevgate.db" ;;
    postgres) database_url="$pgurl?schema=$schema" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
esac

# The fixture configuration with absolute paths and a larger queue quota.
fixtures="$repo/fixtures"
sed -e "s|\"keys/|\"$fixtures/keys/|g" -e "s|\"schemas/|\"$fixtures/schemas/|g" \
    "$fixtures/node.toml" >"$work/node.toml"
printf '\n[exchange]\nqueue_quota = 1000000\n' >>"$work/node.toml"

# CPU ticks (user + system) of one process.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# CPU ticks of the PostgreSQL backends whose clients are the node's sockets.
pg_backend_ticks() {
    local ports pids total=0
    [[ "$backend" == postgres ]] || { echo 0; return; }
    ports=$(ss -tnpH "dport = :5432" | grep "pid=$server_pid," | awk '{print $4}' \
        | sed 's/.*://' | paste -sd, -)
    [[ -n "$ports" ]] || { echo 0; return; }
    pids=$(psql -Atq "$pgurl" -c \
        "SELECT pid FROM pg_stat_activity WHERE client_port IN ($ports)")
    for pid in $pids; do
        total=$((total + $(cpu_ticks "$pid" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

cd "$work"
RUST_LOG=${RUST_LOG:-warn} "$binary" serve --config node.toml \
    --listen "127.0.0.1:$port" --database-url "$database_url" 2>"$work/serve.log" &
server_pid=$!

for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null

# For the REST channel: an administrator creates an API client of CONSUMER01
# (rate limit high enough not to be what is measured) and the client takes an
# OAuth 2.0 access token, as an ИС's software does.
target="http://127.0.0.1:$port/ws"
token_args=()
if [[ "$channel" == rest ]]; then
    api="http://127.0.0.1:$port/api/v1"
    password="bench-password-$RANDOM$RANDOM"
    echo "$password" | "$binary" admin create-user --database-url "$database_url" \
        --login bench.admin --role technical-administrator --full-name 'Администратор' >/dev/null
    session=$(curl -fsS -X POST "$api/session" -H 'content-type: application/json' \
        -d "{\"login\":\"bench.admin\",\"password\":\"$password\"}" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    client=$(curl -fsS -X POST "$api/clients" -H 'content-type: application/json' \
        -H "authorization: Bearer $session" -d '{"name":"Нагрузочный тест",
            "system":"CONSUMER01","scopes":["requests:send"],
            "allowed_services":["urn://smevgate.test/echo/1.0.0"],
            "rate":{"requests":1000000,"per":"second","burst":1000000}}')
    read -r client_id client_secret < <(echo "$client" | python3 -c \
        'import json,sys; c=json.load(sys.stdin); print(c["client"]["client_id"], c["client_secret"])')
    api_token=$(curl -fsS -X POST "$api/oauth/token" -u "$client_id:$client_secret" \
        -d grant_type=client_credentials \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    target="http://127.0.0.1:$port"
    token_args=(--api-token "$api_token")
fi

# One load of $requests against the running node, with its CPU accounting.
run_round() {
    local server_before pg_before server_after pg_after load_user load_sys hz
    local status=0
    server_before=$(cpu_ticks "$server_pid")
    pg_before=$(pg_backend_ticks)
    /usr/bin/time -o "$work/load.time" -f "%U %S" \
        timeout 600 "$binary" load --config node.toml --as CONSUMER01 \
        --payload "$fixtures/payloads/echo-request.xml" \
        --target "$target" --clients "$clients" --requests "$requests" \
        "${token_args[@]}" || status=$?
    server_after=$(cpu_ticks "$server_pid")
    pg_after=$(pg_backend_ticks)
    hz=$(getconf CLK_TCK)
    read -r load_user load_sys <"$work/load.time"
    awk -v s=$((server_after - server_before)) -v p=$((pg_after - pg_before)) -v hz="$hz" \
        -v lu="$load_user" -v ls="$load_sys" -v n="$requests" 'BEGIN {
            printf "cpu node: %.2f s (%.3f ms/request)\n", s / hz, 1000 * s / hz / n
            printf "cpu postgres backends: %.2f s (%.3f ms/request)\n", p / hz, 1000 * p / hz / n
            printf "cpu load generator: %.2f s, signing included\n", lu + ls
        }'
    return "$status"
}

echo "# backend=$backend channel=$channel requests=$requests clients=$clients rounds=$rounds port=$port"
status=0
for round in $(seq 1 "$rounds"); do
    echo "# round $round (queue depth before: $(( (round - 1) * requests )))"
    run_round || status=$?
done
if [[ -s "$work/serve.log" ]]; then
    echo "# server log (tail):"
    tail -5 "$work/serve.log"
fi
exit "$status"
