#!/usr/bin/env bash
# sync.sh: `dsure ledger sync` between real servers on loopback, run by CTest as
#   bash sync.sh PATH/TO/dsure SOURCE_DIR
# from a scratch directory. A platform database (its own log, entries, checkpoints) is served by
# `dsure serve`; a replica database follows it. Checks:
#   - without --key the first sync trusts the key the platform publishes and pins it as
#     'first_use'; a key of the same name but another key pair refuses
#     the signature (exit 1); no API key is refused by the server (exit 65); none writes anything;
#   - the first sync copies every entry (replica root, entries and checkpoint equal the
#     platform's, `ledger verify` passes on the replica, replicas row pinned with the URL);
#     paging (--page 2) does not change the result; a second sync appends nothing;
#   - only what the remote signed is taken: entries appended after its last checkpoint wait;
#   - an appended remote history syncs incrementally (from = the replica's size);
#   - another --key than the pinned one is refused (65) without --repin;
#   - a rewritten history under the same origin and key file, served by a second server, is
#     refused with exit 1 and nothing written: a shorter log (went back), the same size with
#     other entries, a longer log whose prefix differs (consistency proof fails);
#   - an entry changed in transit (a proxy rewriting a page, leaf hashes recomputed) is refused;
#   - transient 503s are retried (the sync then succeeds); a server that keeps failing or is
#     stopped exits 69 after the bounded retries and leaves the replica as it was;
#   - usage and option errors: --page 0, a non-http URL, a missing database.
# "Nothing written" is checked by a digest of every replica table before and after.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"
rm -rf ./*.db* ./*.key ./*.log ./*.txt ./*.json ./*.py 2> /dev/null
ORIGIN=ledger.example-platform.cn/P-001
# The system Python when there is one: a version manager's shim costs half a second a call.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
json_get() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
    wait 2> /dev/null
}
trap cleanup EXIT

# records FIRST N TAG: N asset.graded records for assets FIRST.., JSON Lines; TAG makes them
# differ between histories.
records() {
    local i
    for ((i = $1; i < $1 + $2; i++)); do
        printf '{"type": "asset.graded", "ts": "2027-01-01T00:00:00Z", "asset": "%s-A%d", "grade": "core"}\n' "$3" "$i"
    done
}

# start_server DB NAME: starts `dsure serve` on a free port; sets port_NAME and pid_NAME.
start_server() {
    local db=$1 name=$2 port=
    "$dsure" --db "$db" serve --listen 127.0.0.1:0 --threads 2 2> "serve-$name.log" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 200); do
        port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "serve-$name.log")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { fail "server $name did not start: $(cat "serve-$name.log")"; finish; }
    printf -v "port_$name" '%s' "$port"
    printf -v "pid_$name" '%s' "$pid"
}

stop_server() { # PID
    kill -TERM "$1"
    wait "$1" 2> /dev/null
}

# digest DB: a hash of every row of the ledger and replica tables (what "nothing written" means).
cat > digest.py <<'PY'
import hashlib, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
h = hashlib.sha256()
for table in ("logs", "entries", "nodes", "checkpoints", "replicas"):
    for row in con.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
        h.update(repr(row).encode())
print(h.hexdigest())
PY
digest() { "$py" digest.py "$1"; }

# sync_rc WANT_RC STDERR_SUBSTRING -- ARGS...: runs `dsure --db replica.db ledger sync ARGS`
# and checks the exit code, the message, and that a refusal printed nothing and wrote nothing.
sync_rc() {
    local want_rc=$1 want_msg=$2
    shift 3
    local before
    before=$(digest replica.db)
    "$dsure" --db replica.db ledger sync "$@" > out.txt 2> err.txt
    local rc=$?
    [ "$rc" -eq "$want_rc" ] || fail "sync $*: exit $rc, want $want_rc ($(cat err.txt))"
    grep -qF -- "$want_msg" err.txt || fail "sync $*: stderr \"$(cat err.txt)\" lacks \"$want_msg\""
    if [ "$want_rc" -ne 0 ]; then
        [ ! -s out.txt ] || fail "sync $*: printed on stdout: $(head -c 200 out.txt)"
        [ "$(digest replica.db)" = "$before" ] || fail "sync $*: a refused sync wrote to the replica"
    fi
}

# sync_ok FROM TO APPENDED -- ARGS...: a successful sync printing these numbers.
sync_ok() {
    local from=$1 to=$2 appended=$3
    shift 4
    "$dsure" --db replica.db ledger sync "$@" > out.txt 2> err.txt
    local rc=$?
    [ "$rc" -eq 0 ] || { fail "sync $*: exit $rc ($(cat err.txt))"; return 1; }
    local got
    got=$(json_get out.txt '(d["origin"], d["from"], d["to"], d["appended"])')
    [ "$got" = "('$ORIGIN', $from, $to, $appended)" ] || fail "sync $*: printed $got"
}

root_of() { # DB: prints "size root"
    "$dsure" --db "$1" ledger root --log "$ORIGIN" | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(d["size"], d["root"])'
}

# --- the platform ----------------------------------------------------------------------------
"$dsure" --db platform.db init --origin "$ORIGIN" --key platform.key > init.json || fail "init"
vkey=$(json_get init.json 'd["log"]["verifier_key"]')
records 0 5 P > b1.jsonl
"$dsure" --db platform.db ledger append b1.jsonl > /dev/null || fail "append b1"
"$dsure" --db platform.db ledger checkpoint > cp5.txt || fail "checkpoint 5"
api=$("$dsure" --db platform.db keys create --role insurer | "$py" -c 'import json,sys; print(json.load(sys.stdin)["key"])')
start_server platform.db a
url_a=http://127.0.0.1:$port_a

# A key pair with the same name: its verifier key names the origin but is not the platform's.
"$dsure" --db impostor.db init --origin "$ORIGIN" --key impostor.key > init-i.json || fail "init impostor"
vkey_other=$(json_get init-i.json 'd["log"]["verifier_key"]')

# --- the replica: refusals before the first sync ---------------------------------------------
"$dsure" --db replica.db init > /dev/null || fail "init replica"
sync_rc 1 "does not verify with the pinned key" -- --from "$url_a" --api-key "$api" --key "$vkey_other"
sync_rc 65 "--api-key: the remote refused" -- --from "$url_a" --key "$vkey"
sync_rc 65 "--page: must be between 1 and 1000" -- --from "$url_a" --key "$vkey" --page 0
sync_rc 65 "--from: must be an http" -- --from "ftp://127.0.0.1:$port_a" --key "$vkey"
sync_rc 64 "--repin: needs --key" -- --from "$url_a" --repin
sync_rc 64 "--from: is required" -- --key "$vkey"
sync_rc 65 "--log" -- --from "$url_a" --key "$vkey" --log other/log
"$dsure" --db missing.db ledger sync --from "$url_a" --key "$vkey" > /dev/null 2> err.txt
[ $? -eq 66 ] || fail "a missing database: want exit 66 ($(cat err.txt))"

# --- trust on first use: no --key, the key the platform publishes is pinned ------------------
"$dsure" --db tofu.db init > /dev/null || fail "init tofu replica"
"$dsure" --db tofu.db ledger sync --from "$url_a" --api-key "$api" > out.txt 2> err.txt ||
    fail "first sync without --key: exit $? ($(cat err.txt))"
grep -q "on first use" err.txt || fail "a first sync without --key does not say it trusts on first use"
[ "$(json_get out.txt 'd["trust"]')" = first_use ] || fail "trust not reported: $(cat out.txt)"
"$py" - tofu.db "$vkey" <<'PY' || fail "the key trusted on first use is not pinned as such"
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT pinned_verifier_key, trust FROM replicas").fetchone()
sys.exit(0 if row == (sys.argv[2], "first_use") else 1)
PY
"$dsure" --db tofu.db ledger sync --from "$url_a" --api-key "$api" > out.txt 2> err.txt ||
    fail "second sync on the pinned key: exit $? ($(cat err.txt))"
grep -q "on first use" err.txt && fail "the second sync trusted on first use again"
[ "$(json_get out.txt 'd["trust"]')" = pinned ] || fail "second sync: $(cat out.txt)"
"$dsure" --db tofu.db ledger sync --from "$url_a" --api-key "$api" --key "$vkey_other" > /dev/null 2> err.txt
[ $? -eq 65 ] || fail "another --key than the one trusted on first use: want 65 ($(cat err.txt))"

# --- first sync ------------------------------------------------------------------------------
export DSURE_API_KEY=$api # the key from the environment from here on
sync_ok 0 5 5 -- --from "$url_a/" --key "$vkey" --page 2
cmp -s <(json_get out.txt 'd["checkpoint"]' | head -c -1) cp5.txt ||
    fail "the printed checkpoint is not the platform's: $(cat out.txt)"
[ "$(root_of replica.db)" = "$(root_of platform.db)" ] || fail "replica root differs after the first sync"
"$dsure" --db replica.db ledger verify > verify.json 2> err.txt || fail "ledger verify on the replica: $(cat err.txt)"
"$py" - replica.db platform.db "$url_a" "$vkey" <<'PY' || fail "replica rows differ from the platform's"
import sqlite3, sys
r, p = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
q = "SELECT e.idx, e.leaf_hash, e.entry FROM entries e JOIN logs l ON l.id = e.log_id ORDER BY idx"
assert r.execute(q).fetchall() == p.execute(q).fetchall()
q = "SELECT n.level, n.idx, n.hash FROM nodes n ORDER BY 1, 2"
assert r.execute(q).fetchall() == p.execute(q).fetchall()
assert r.execute("SELECT key_path, verifier_key, size FROM logs").fetchall() == [("", sys.argv[4], 5)]
rows = r.execute("SELECT source_url, pinned_verifier_key, trust FROM replicas").fetchall()
assert rows == [(sys.argv[3], sys.argv[4], "pinned")], rows
assert r.execute("SELECT note FROM checkpoints").fetchall() == p.execute("SELECT note FROM checkpoints").fetchall()
PY
sync_ok 5 5 0 -- --from "$url_a"

# --- only the signed part, then incremental ---------------------------------------------------
records 5 3 P > b2.jsonl
"$dsure" --db platform.db ledger append b2.jsonl > /dev/null || fail "append b2"
sync_ok 5 5 0 -- --from "$url_a"
"$dsure" --db platform.db ledger checkpoint > /dev/null || fail "checkpoint 8"
records 8 2 P > b3.jsonl
"$dsure" --db platform.db ledger append b3.jsonl > /dev/null || fail "append b3 (unsigned)"
sync_ok 5 8 3 -- --from "$url_a" --page 1
[ "$(root_of replica.db)" = "$("$dsure" --db platform.db ledger root --size 8 | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(d["size"], d["root"])')" ] ||
    fail "replica root differs from the platform's at 8"
"$dsure" --db replica.db ledger verify > /dev/null 2> err.txt || fail "verify after incremental: $(cat err.txt)"
sync_rc 65 "--key: differs from the key pinned" -- --from "$url_a" --key "$vkey_other"

# --- a rewritten history: another database, same origin and key file ------------------------
"$dsure" --db rewritten.db init --origin "$ORIGIN" --key rewritten.key > /dev/null || fail "init rewritten"
"$py" - rewritten.db "$PWD/platform.key" "$vkey" <<'PY' || fail "pointing rewritten.db at the platform key"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE logs SET key_path = ?, verifier_key = ?", (sys.argv[2], sys.argv[3]))
con.commit()
PY
"$dsure" --db rewritten.db keys create --role insurer > key-r.json || fail "key on rewritten"
api_r=$(json_get key-r.json 'd["key"]')
start_server rewritten.db b
url_b=http://127.0.0.1:$port_b
records 0 5 P > r1.jsonl # the same first five entries ...
records 5 1 X >> r1.jsonl # ... then another sixth
"$dsure" --db rewritten.db ledger append r1.jsonl > /dev/null && "$dsure" --db rewritten.db ledger checkpoint > /dev/null || fail "rewritten 6"
sync_rc 1 "fewer than the 8 this replica holds" -- --from "$url_b" --api-key "$api_r" --log "$ORIGIN"
records 6 2 X > r2.jsonl
"$dsure" --db rewritten.db ledger append r2.jsonl > /dev/null && "$dsure" --db rewritten.db ledger checkpoint > /dev/null || fail "rewritten 8"
sync_rc 1 "another root than this replica (history changed)" -- --from "$url_b" --api-key "$api_r" --log "$ORIGIN"
records 8 4 X > r3.jsonl
"$dsure" --db rewritten.db ledger append r3.jsonl > /dev/null && "$dsure" --db rewritten.db ledger checkpoint > /dev/null || fail "rewritten 12"
sync_rc 1 "not consistent with the 8 entries this replica holds" -- --from "$url_b" --api-key "$api_r" --log "$ORIGIN"
grep -q "GET /v1/ledger/entries" serve-b.log && fail "entries were downloaded from a rewritten history"
stop_server "$pid_b"

# --- a proxy that fails or tampers ------------------------------------------------------------
cat > proxy.py <<'PY'
# proxy.py MODE UPSTREAM PORTFILE: forwards GETs to UPSTREAM. MODE: "flaky" (503 to the first two
# requests), "down" (503 to every request), "tamper" (changes the first entry of each page and
# recomputes its leaf hash, as a remote that lies consistently would). Counts requests in a file.
import hashlib, http.server, json, sys, urllib.error, urllib.request
mode, upstream, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
seen = 0
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        global seen
        seen += 1
        open("proxy-count.txt", "w").write(str(seen))
        if mode == "down" or (mode == "flaky" and seen <= 2):
            self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers()
            return
        req = urllib.request.Request(upstream + self.path,
                                     headers={"Authorization": self.headers["Authorization"]})
        try:
            r = urllib.request.urlopen(req); status = r.status; body = r.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        if mode == "tamper" and self.path.startswith("/v1/ledger/entries"):
            page = json.loads(body)
            if page["entries"]:
                e = page["entries"][0]
                e["entry"] = e["entry"].replace("core", "low")
                e["leaf_hash"] = hashlib.sha256(b"\0" + e["entry"].encode()).hexdigest()
            body = json.dumps(page).encode()
        self.send_response(status); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile, "w").write(str(srv.server_port))
srv.serve_forever()
PY
# start_proxy MODE: sets port_p and pid_p.
start_proxy() {
    rm -f proxy.port proxy-count.txt
    "$py" proxy.py "$1" "$url_a" proxy.port &
    pid_p=$!
    pids+=("$pid_p")
    for _ in $(seq 100); do [ -s proxy.port ] && break; sleep 0.05; done
    port_p=$(cat proxy.port)
}

"$dsure" --db platform.db ledger checkpoint > /dev/null || fail "checkpoint 10"
start_proxy tamper
sync_rc 1 "do not give the root of the remote's signed checkpoint" -- --from "http://127.0.0.1:$port_p" --log "$ORIGIN"
kill "$pid_p"; wait "$pid_p" 2> /dev/null

start_proxy down
start=$(date +%s%N)
sync_rc 69 "HTTP status 503 (after 4 tries)" -- --from "http://127.0.0.1:$port_p" --log "$ORIGIN"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(cat proxy-count.txt)" = 4 ] || fail "a failing server got $(cat proxy-count.txt) tries, want 4"
# Backoff 0.2 + 0.4 + 0.8 s between the four tries.
[ "$ms" -ge 1400 ] || fail "four tries took $ms ms, want >= 1400 (backoff)"
kill "$pid_p"; wait "$pid_p" 2> /dev/null

start_proxy flaky
sync_ok 8 10 2 -- --from "http://127.0.0.1:$port_p" --log "$ORIGIN"
[ "$(cat proxy-count.txt)" -ge 5 ] || fail "flaky: $(cat proxy-count.txt) requests, want 2 refused + 3"
kill "$pid_p"; wait "$pid_p" 2> /dev/null

# --- the platform's server stops ---------------------------------------------------------------
records 10 2 P > b4.jsonl
"$dsure" --db platform.db ledger append b4.jsonl > /dev/null && "$dsure" --db platform.db ledger checkpoint > /dev/null || fail "platform 12"
stop_server "$pid_a"
sync_rc 69 "Couldn't connect to server (after 4 tries)" -- --from "$url_a" --log "$ORIGIN"
# It comes back on another port: the replica resumes from where it was.
start_server platform.db c
sync_ok 10 12 2 -- --from "http://127.0.0.1:$port_c" --log "$ORIGIN"
[ "$(root_of replica.db)" = "$(root_of platform.db)" ] || fail "replica root differs at the end"
"$dsure" --db replica.db ledger verify > /dev/null 2> err.txt || fail "final verify: $(cat err.txt)"
grep -q "dsk_" serve-*.log && fail "a server logged a key"
stop_server "$pid_c"
finish
