#!/usr/bin/env bash
# keys_cli.sh: `dsure keys create` end to end, run by CTest as
#   bash keys_cli.sh PATH/TO/dsure SOURCE_DIR
# Checks: the printed key has the documented form and role/platform; the database holds its
# SHA-256 and never the key; --platform is required exactly for the platform role; a bad role,
# a missing --role or an unknown subcommand are usage errors (exit 64) that create nothing; the
# key is accepted by `dsure serve` and a changed key is not.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"
db=keys.db
rm -f "$db" "$db"-wal "$db"-shm

expect_ok --db "$db" keys create --role platform --platform P-001 && cp out.txt platform.json
python3 - platform.json "$db" <<'PY' || fail "the platform key or its stored hash is wrong"
import hashlib, json, re, sqlite3, sys
k = json.load(open(sys.argv[1]))
assert re.fullmatch(r"dsk_[0-9a-f]{64}", k["key"]), k
assert k["role"] == "platform" and k["platform"] == "P-001", k
rows = sqlite3.connect(sys.argv[2]).execute(
    "SELECT key_hash, role, platform_id, revoked FROM api_keys").fetchall()
assert rows == [(hashlib.sha256(k["key"].encode()).digest(), "platform", "P-001", 0)], rows
assert k["key"].encode() not in open(sys.argv[2], "rb").read()
PY
expect_ok --db "$db" keys create --role insurer && cp out.txt insurer.json
grep -q '"platform":[[:space:]]*null' insurer.json || fail "an insurer key has no platform"
key=$(sed -n 's/.*"key":[[:space:]]*"\(dsk_[0-9a-f]*\)".*/\1/p' insurer.json)
[ ${#key} -eq 68 ] || fail "insurer key: \"$key\""
grep -qF "$key" platform.json && fail "two keys are equal"

usage_error() { # ARGS...: exit 64 and nothing on stdout (the key count is checked at the end)
    "$dsure" --db "$db" "$@" > out.txt 2> err.txt
    local rc=$?
    [ "$rc" -eq 64 ] || fail "dsure $*: exit $rc, want 64"
    [ ! -s out.txt ] || fail "dsure $*: printed $(cat out.txt)"
}
usage_error keys create --role platform
grep -q -- "--platform: is required for the platform role" err.txt || fail "names --platform"
usage_error keys create --role insurer --platform P-001
usage_error keys create --role root
usage_error keys create
usage_error keys list
n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM api_keys').fetchone()[0])" "$db")
[ "$n" = 2 ] || fail "usage errors stored keys: $n keys, want 2"

# The server takes the key and refuses a changed one.
rm -f serve.log
"$dsure" --db "$db" serve --listen 127.0.0.1:0 --threads 1 2> serve.log &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' serve.log)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || fail "the server did not start: $(cat serve.log)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
       "http://127.0.0.1:$port/v1/quotes/Q-none")
[ "$code" = 404 ] || fail "a valid key on a missing quote: $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${key%?}0" \
       "http://127.0.0.1:$port/v1/quotes/Q-none")
[ "$code" = 401 ] || [ "${key: -1}" = 0 ] || fail "a changed key: $code, want 401"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] || fail "dsure serve exited $rc after SIGTERM"
grep -q "dsk_" serve.log && fail "the server logged a key"
finish
