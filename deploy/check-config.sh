#!/usr/bin/env bash
# Checks that deploy/smevgate.production.toml is usable as written: copies it
# into a temporary folder, points its /etc and /var paths there, generates
# the files it names (node key, TLS key and certificate, ИС certificates),
# gives it a fresh PostgreSQL schema, starts a node on 127.0.0.1 over HTTPS,
# asks /readyz, then stops the node and removes the schema and the folder.
#
# Usage: deploy/check-config.sh [BINARY]   (default target/debug/smevgate)
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432/test).
# Needs: openssl, curl, psql, python3.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
binary=$(realpath "${1:-$repo/target/debug/smevgate}")
pgurl=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
schema="check_$(date +%s)_$RANDOM"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

work=$(mktemp -d /tmp/smevgate-check.XXXXXX)
etc="$work/etc"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    PGOPTIONS="-c client_min_messages=warning" \
        psql -q "$pgurl" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The example, with its paths moved under $work, the store in a fresh schema
# and the listener on loopback.
sed -e "s|/etc/smevgate/|$etc/|g" -e "s|/var/lib/smevgate|$work/var|g" \
    -e "s|^database_url = .*|database_url = \"$pgurl?schema=$schema\"|" \
    -e "s|^listen = .*|listen = \"127.0.0.1:$port\"|" \
    "$repo/deploy/smevgate.production.toml" >"$work/smevgate.toml"
mkdir -p "$etc/keys" "$etc/tls" "$etc/systems" "$etc/schemas" "$work/var"

# Node key (ЭП-СМЭВ) and a spare ИС certificate for the rotation example.
"$binary" keys generate --out "$etc/keys/node" --cn "smevgate check node" >/dev/null
"$binary" keys generate --out "$work/next" --cn "PROVIDER01 next" >/dev/null
chmod 0600 "$etc/keys/node/key.pem"

# TLS: a self-signed P-256 certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$etc/tls/key.pem" -out "$etc/tls/fullchain.pem" 2>/dev/null
chmod 0600 "$etc/tls/key.pem"

# ИС certificates and the ВС schema from the fixtures.
cp "$repo/fixtures/keys/consumer/cert.pem" "$etc/systems/consumer01.pem"
cp "$repo/fixtures/keys/provider/cert.pem" "$etc/systems/provider01.pem"
cp "$work/next/cert.pem" "$etc/systems/provider01-next.pem"
cp "$repo/fixtures/schemas/"*.xsd "$etc/schemas/"
chmod 0640 "$work/smevgate.toml"

cd "$work"
NO_COLOR=1 RUST_LOG=${RUST_LOG:-info} "$binary" serve --config "$work/smevgate.toml" 2>"$work/serve.log" &
server_pid=$!

ready=""
for _ in $(seq 1 100); do
    if ready=$(curl -fsS --cacert "$etc/tls/fullchain.pem" "https://127.0.0.1:$port/readyz" 2>/dev/null); then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ "$ready" != ready* ]]; then
    echo "check-config: FAILED, the node did not become ready; its log:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
echo "check-config: OK — https://127.0.0.1:$port/readyz answered: $ready"
grep -m1 "listening" "$work/serve.log" || true
