#!/usr/bin/env bash
# ledger_cli.sh: `dsure init` and `dsure ledger` end to end, run by CTest as
#   bash ledger_cli.sh PATH/TO/dsure SOURCE_DIR
# from a scratch directory. Checks:
#   - init creates the database, the log and a 0600 key file, and refuses to overwrite either;
#   - append (JSON Lines with blank lines, and a JSON array), root, prove, consistency agree with
#     an independent RFC 9162 computation in Python over the records' canonical JSON (for these
#     ASCII, integer-only records RFC 8785 is json.dumps with sorted keys and no spaces);
#   - an invalid batch exits 65 naming "line N: field" and leaves the root unchanged;
#   - checkpoint prints a C2SP checkpoint of the current size and root; key prints the verifier
#     key that init printed; verify exits 0 on an intact log;
#   - tampering with the database file through Python's sqlite3 module (a changed entry byte, a
#     changed stored hash, a deleted entry, two swapped entries) makes verify exit 1 naming the
#     entry or subtree on stderr;
#   - exit codes: 64 usage and several logs without --log, 65 invalid records and out-of-range
#     index or size, 66 missing database, log or input file, 74 a file that is not a database.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"

# expect_rc EXIT_CODE STDERR_SUBSTRING -- ARGS...
expect_rc() {
    local want_rc=$1 want_msg=$2
    shift 3
    "$dsure" "$@" > out.txt 2> err.txt < /dev/null
    local rc=$?
    [ "$rc" -eq "$want_rc" ] || fail "dsure $*: exit $rc, want $want_rc ($(cat err.txt))"
    [ "$want_rc" -eq 0 ] || [ ! -s out.txt ] || fail "dsure $*: printed on stdout: $(head -c 200 out.txt)"
    grep -qF -- "$want_msg" err.txt || fail "dsure $*: stderr \"$(cat err.txt)\" lacks \"$want_msg\""
}

# json FILE EXPR: evaluates a Python expression on the JSON document j.
json() {
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

rm -f ledger.db* other.key bad.db
export DSURE_DB=ledger.db
ORIGIN=ledger.example-platform.cn/P-001

# --- missing database, init --------------------------------------------------------------
expect_rc 66 "no such database" -- ledger root
expect_ok_into init0.json -- init
[ "$(json init0.json 'j["log"] is None and j["schema_version"] >= 1')" = True ] ||
    fail "init without --origin: $(cat init0.json)"
expect_rc 66 "holds no log" -- ledger root
expect_rc 64 "--key: needs --origin" -- init --key x.key

expect_ok_into init.json -- init --origin "$ORIGIN"
key=$(json init.json 'j["log"]["key"]')
[ "$key" = "$PWD/ledger.db.ledger.example-platform.cn_P-001.key" ] || fail "default key path: $key"
[ -f "$key" ] || fail "no key file $key"
[ "$(stat -c %a "$key")" = 600 ] || fail "key file mode $(stat -c %a "$key")"
vkey=$(json init.json 'j["log"]["verifier_key"]')
case $vkey in "$ORIGIN+"*) ;; *) fail "verifier key $vkey" ;; esac
cp "$key" key.copy
expect_rc 65 "already exists" -- init --origin "$ORIGIN"
cmp -s "$key" key.copy || fail "init overwrote the key file"
expect_rc 65 "" -- init --origin other/log --key "$key"
cmp -s "$key" key.copy || fail "init --key overwrote an existing key file"
expect_rc 65 "origin" -- init --origin "bad name" --key bad.key
[ ! -e bad.key ] || fail "a refused init left bad.key behind"

# --- append ------------------------------------------------------------------------------
cat > batch1.jsonl <<'EOF'
{"type": "asset.registered", "ts": "2027-01-02T03:04:05Z", "platform": "P-001", "asset": "A1", "grade": "core", "records": 200000, "content_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}

{"asset": "A1", "type": "asset.graded", "ts": "2027-01-03T00:00:00Z", "grade": "important"}
{"type": "flow", "ts": "2027-01-04T00:00:00Z", "asset": "A1", "from": "plant", "to": "cloud", "records": 1200, "purpose": "backup"}
EOF
expect_ok_into app1.json -- ledger append batch1.jsonl
[ "$(json app1.json '(j["first_index"], j["size"])')" = "(0, 3)" ] || fail "append 1: $(cat app1.json)"
cat > batch2.json <<'EOF'
[{"type": "asset.records", "ts": "2027-02-01T00:00:00Z", "asset": "A1", "records": 180000},
 {"type": "incident", "ts": "2027-03-01T00:00:00Z", "incident": "I-1", "platform": "P-001",
  "kind": "exfiltration", "detected": "2027-02-28T22:00:00Z", "assets": [{"asset": "A1", "records": 5000}]},
 {"type": "asset.graded", "ts": "2027-03-02T00:00:00Z", "asset": "A1", "grade": "core"},
 {"type": "flow", "ts": "2027-03-03T00:00:00Z", "asset": "A1", "from": "cloud", "to": "partner", "records": 7, "purpose": "support"}]
EOF
expect_ok_into app2.json -- ledger append - < batch2.json
[ "$(json app2.json '(j["first_index"], j["size"])')" = "(3, 7)" ] || fail "append 2: $(cat app2.json)"
expect_ok_into root7.json -- ledger root

# An invalid record on line 2 refuses the whole batch.
printf '%s\n%s\n' '{"type": "asset.graded", "ts": "2027-04-01T00:00:00Z", "asset": "A2", "grade": "core"}' \
    '{"type": "asset.graded", "ts": "2027-04-31T00:00:00Z", "asset": "A2", "grade": "core"}' > bad.jsonl
expect_rc 65 "line 2: ts" -- ledger append bad.jsonl
printf '[{"type": "asset.graded", "ts": "2027-04-01T00:00:00Z", "asset": "A2"}]' > bad.json
expect_rc 65 "records[0].grade" -- ledger append bad.json
printf '{"type": "asset.graded",\n' > broken.jsonl
expect_rc 65 "line 1" -- ledger append broken.jsonl
expect_rc 66 "nosuchfile.jsonl" -- ledger append nosuchfile.jsonl
expect_ok_into root7b.json -- ledger root
cmp -s root7.json root7b.json || fail "a refused batch changed the root"

# --- independent RFC 9162 computation -----------------------------------------------------
cat > rfc9162.py <<'EOF'
import hashlib, json, sys
def canon(r): return json.dumps(r, sort_keys=True, separators=(",", ":")).encode()
def records():
    out = []
    for line in open("batch1.jsonl"):
        if line.strip(): out.append(json.loads(line))
    return out + json.load(open("batch2.json"))
leaves = [hashlib.sha256(b"\0" + canon(r)).digest() for r in records()]
def node(l, r): return hashlib.sha256(b"\1" + l + r).digest()
def k_of(n):
    k = 1
    while k * 2 < n: k *= 2
    return k
def mth(d):
    if not d: return hashlib.sha256(b"").digest()
    if len(d) == 1: return d[0]
    k = k_of(len(d)); return node(mth(d[:k]), mth(d[k:]))
def path(m, d):
    if len(d) == 1: return []
    k = k_of(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]
def subproof(m, d, b):
    n = len(d)
    if m == n: return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k: return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]
import glob
bad = 0
for name in sorted(glob.glob("rfc_*.json")):
    j = json.load(open(name))
    if name.startswith("rfc_root"):
        ok = j["root"] == mth(leaves[:j["size"]]).hex()
    elif name.startswith("rfc_prove"):
        ok = (j["leaf_hash"] == leaves[j["index"]].hex() and
              j["path"] == [h.hex() for h in path(j["index"], leaves[:j["size"]])])
    else:
        want = [] if j["from"] in (0, j["to"]) else subproof(j["from"], leaves[:j["to"]], True)
        ok = j["path"] == [h.hex() for h in want]
    if not ok:
        print("MISMATCH", name, json.dumps(j))
        bad += 1
print("checked", len(glob.glob("rfc_*.json")), "bad", bad)
EOF
# Every root, proof and consistency proof for the sizes below, checked in one Python run.
rm -f rfc_*.json
for size in 1 2 3 5 7; do
    expect_ok_into rfc_root_$size.json -- ledger root --size $size
    for ((i = 0; i < size; i++)); do
        expect_ok_into rfc_prove_${i}_$size.json -- ledger prove --index $i --size $size
    done
    for ((m = 0; m <= size; m++)); do
        expect_ok_into rfc_cons_${m}_$size.json -- ledger consistency --from $m --to $size
    done
done
[ "$(python3 rfc9162.py)" = "checked 46 bad 0" ] || fail "RFC 9162 check: $(python3 rfc9162.py)"
expect_ok_into p.json -- ledger prove --index 6
[ "$(json p.json 'j["size"]')" = 7 ] || fail "prove defaults to the log size"
expect_rc 65 "index" -- ledger prove --index 7
expect_rc 65 "size" -- ledger prove --index 0 --size 8
expect_rc 65 "size" -- ledger root --size 8
expect_rc 65 "from" -- ledger consistency --from 5 --to 4
expect_rc 65 "to" -- ledger consistency --from 1 --to 9
expect_rc 64 "--index" -- ledger prove
expect_rc 64 "--bogus" -- ledger root --bogus 1
expect_rc 64 "unknown subcommand" -- ledger rewrite
expect_rc 64 "--from" -- ledger sync

# --- checkpoint, key, verify ---------------------------------------------------------------
mkdir -p elsewhere
(cd elsewhere && "$dsure" --db ../ledger.db ledger checkpoint > ../cp0.txt 2> ../err.txt) ||
    fail "checkpoint from another directory: $(cat err.txt)"
expect_ok_into cp.txt -- ledger checkpoint
[ "$(sed -n 1p cp.txt)" = "$ORIGIN" ] || fail "checkpoint origin: $(cat cp.txt)"
[ "$(sed -n 2p cp.txt)" = 7 ] || fail "checkpoint size: $(cat cp.txt)"
root_b64=$(python3 -c "import json,base64; print(base64.b64encode(bytes.fromhex(json.load(open('root7.json'))['root'])).decode())")
[ "$(sed -n 3p cp.txt)" = "$root_b64" ] || fail "checkpoint root: $(cat cp.txt)"
[ -z "$(sed -n 4p cp.txt)" ] || fail "checkpoint: no blank line after the body"
sed -n 5p cp.txt | grep -q "^— $ORIGIN " || fail "checkpoint signature line: $(sed -n 5p cp.txt)"
expect_ok_into k.txt -- ledger key
[ "$(cat k.txt)" = "$vkey" ] || fail "ledger key: $(cat k.txt), init said $vkey"
expect_ok_into v.json -- ledger verify
[ "$(json v.json '(j["ok"], j["size"], j["checkpoints"])')" = "(True, 7, 2)" ] ||
    fail "verify: $(cat v.json)"

# --- tampering with the database file ------------------------------------------------------
cp ledger.db pristine.db
sql() {
    python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("ledger.db")
db.executescript(sys.argv[1])
db.commit()
db.close()
EOF
}
restore() {
    rm -f ledger.db-wal ledger.db-shm
    cp pristine.db ledger.db
}
sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'plant', 'plane') AS BLOB) WHERE idx = 2"
expect_rc 1 "entry 2:" -- ledger verify
restore
sql "UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = 5"
expect_rc 1 "entry 5:" -- ledger verify
restore
sql "UPDATE nodes SET hash = randomblob(32) WHERE level = 2 AND idx = 0"
expect_rc 1 "level 2 index 0 (entries 0..3)" -- ledger verify
restore
sql "DELETE FROM entries WHERE idx = 4"
expect_rc 1 "entry 4 is missing" -- ledger verify
restore
sql "UPDATE entries SET idx = -1 WHERE idx = 1; UPDATE entries SET idx = 1 WHERE idx = 3; UPDATE entries SET idx = 3 WHERE idx = -1"
expect_rc 1 "(entries 0..1)" -- ledger verify
restore
sql "UPDATE checkpoints SET root = zeroblob(32)"
expect_rc 1 "checkpoint 1" -- ledger verify
restore
expect_ok_into v.json -- ledger verify

# --- several logs, bad databases -----------------------------------------------------------
expect_ok_into init2.json -- init --origin other/log --key other.key
expect_rc 64 "--log" -- ledger root
expect_ok_into r.json -- ledger root --log other/log
[ "$(json r.json 'j["size"]')" = 0 ] || fail "second log: $(cat r.json)"
expect_ok_into r.json -- ledger root --log "$ORIGIN"
cmp -s r.json root7.json || fail "--log $ORIGIN root differs"
expect_rc 66 "no log named" -- ledger root --log no/such/log
head -c 4096 /dev/urandom > bad.db
expect_rc 74 "bad.db" -- --db bad.db ledger root

finish
