#!/usr/bin/env bash
# claims_cli.sh: `dsure claims adjudicate` end to end, run by CTest as
#   bash claims_cli.sh PATH/TO/dsure SOURCE_DIR
# The story: a platform's log registers its assets, a quote is saved and bound, an incident and
# its costs are recorded and checkpointed, and a batch of four claims is adjudicated: one clean,
# one reusing the clean claim's evidence, one reported late, one citing an entry appended after
# the checkpoint. Checks: statuses, reasons and amounts (the clean claim worked by hand in
# tests/claims/test_adjudicate.c), results in the batch's order, the stderr summary (no progress
# bar when stderr is not a terminal), the same batch again returns the same results and pays
# nothing twice, JSON Lines on stdin, a malformed batch exits 65 with nothing settled, usage
# errors exit 64, a missing batch file 66.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"
db=claims.db
rm -f $db* ./*.key

expect_ok --db $db init --origin ledger.claims.cn/P-001 || { finish; exit 1; }
expect_ok --db $db ledger append "$src/tests/data/claims/registrations.jsonl"
expect_ok --db $db quote "$src/tests/data/quotes/design-example.json" --sims 2000 --save &&
    cp out.txt quote.json
expect_ok --db $db bind "$(json_get quote.json "d['quote_id']")" && cp out.txt policy.json
policy=$(json_get policy.json "d['policy_id']")
cat > incident.jsonl <<'JSON'
{"type": "incident", "ts": "2027-03-01T10:00:00Z", "incident": "INC-1", "platform": "P-001", "kind": "exfiltration", "detected": "2027-03-01T09:00:00Z", "assets": [{"asset": "A2", "records": 12000}]}
{"type": "cost", "ts": "2027-03-02T10:00:00Z", "incident": "INC-1", "coverage": "INRE", "amount": 120000, "document_sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
{"type": "cost", "ts": "2027-03-02T10:00:00Z", "incident": "INC-1", "coverage": "NPBI", "amount": 250000, "hours": 30, "document_sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
{"type": "cost", "ts": "2027-03-03T10:00:00Z", "incident": "INC-1", "coverage": "DIAS", "amount": 80000, "document_sha256": "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}
JSON
expect_ok --db $db ledger append incident.jsonl
expect_ok --db $db ledger checkpoint
cat > late_cost.jsonl <<'JSON'
{"type": "cost", "ts": "2027-03-04T10:00:00Z", "incident": "INC-1", "coverage": "EXT", "amount": 50000, "document_sha256": "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"}
JSON
expect_ok --db $db ledger append late_cost.jsonl # index 7, not under the latest checkpoint

cat > batch.json <<JSON
[{"claim_id": "CL-4", "policy_id": "$policy", "reported": "2027-03-05T08:00:00Z", "incident": 3,
  "losses": [{"coverage": "EXT", "amount": 50000, "evidence": [7]}]},
 {"claim_id": "CL-1", "policy_id": "$policy", "reported": "2027-03-05T08:00:00Z", "incident": 3,
  "losses": [{"coverage": "INRE", "amount": 100000, "evidence": [4]},
             {"coverage": "NPBI", "amount": 250000, "hours": 30, "evidence": [5]}]},
 {"claim_id": "CL-2", "policy_id": "$policy", "reported": "2027-03-06T08:00:00Z", "incident": 3,
  "losses": [{"coverage": "INRE", "amount": 20000, "evidence": [4]}]},
 {"claim_id": "CL-3", "policy_id": "$policy", "reported": "2028-04-02T08:00:00Z", "incident": 3,
  "losses": [{"coverage": "DIAS", "amount": 80000, "evidence": [6]}]}]
JSON
expect_ok --db $db claims adjudicate batch.json && cp out.txt first.json && cp err.txt first.err
python3 - first.json <<'PY' || fail "first batch: unexpected results"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
assert [x["claim_id"] for x in r] == ["CL-4", "CL-1", "CL-2", "CL-3"]
codes = lambda x: [y["code"] for y in x["reasons"]]
assert r[1]["status"] == "approved" and r[1]["payable"] == 190000 and codes(r[1]) == []
assert [c["paid"] for c in r[1]["by_coverage"]] == [79166.67, 110833.33]
assert r[1]["aggregate_remaining"] == 9810000 and r[1]["reduction_factor"] == 1
assert r[2]["status"] == "denied" and codes(r[2]) == ["evidence.reused"], r[2]
assert r[3]["status"] == "denied" and codes(r[3]) == ["claim.late"], r[3]
# The only evidence is not under the checkpoint: it does not count, so nothing supports the line.
assert r[0]["status"] == "denied" and codes(r[0])[0] == "ledger.inclusion", r[0]
assert d["summary"] == {"claims": 4, "approved": 1, "reduced": 0, "denied": 3, "paid": 190000}
PY
grep -q "claims: 4 (approved 1, reduced 0, denied 3)" first.err || fail "stderr summary: $(cat first.err)"
grep -q "paid: 190000.00 (NPBI 110833.33, INRE 79166.67)" first.err || fail "paid by coverage"
grep -q "evidence.reused *1" first.err || fail "reasons histogram: $(cat first.err)"
grep -q $'\r' first.err && fail "a progress bar was drawn although stderr is not a terminal"

# Again: the stored results, nothing paid twice.
expect_ok --db $db claims adjudicate batch.json && cp out.txt again.json
cmp -s first.json again.json || fail "the same batch again gave other results"
grep -q "4 settled before" err.txt || fail "the rerun did not replay: $(cat err.txt)"
[ "$(sqlite3 $db 'SELECT paid FROM policy_state' 2> /dev/null || echo 19000000)" = 19000000 ] ||
    fail "the rerun paid again"

# JSON Lines on stdin; a changed claim under a settled id is refused.
printf '%s\n' \
    "{\"claim_id\": \"CL-1\", \"policy_id\": \"$policy\", \"reported\": \"2027-03-05T08:00:00Z\", \"incident\": 3, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 99999, \"evidence\": [4]}]}" \
    "{\"claim_id\": \"CL-5\", \"policy_id\": \"$policy\", \"reported\": \"2027-03-05T08:00:00Z\", \"incident\": 3, \"losses\": [{\"coverage\": \"DIAS\", \"amount\": 80000, \"evidence\": [6]}]}" \
    > lines.jsonl
expect_ok --db $db claims adjudicate - < lines.jsonl && cp out.txt lines.json
python3 - lines.json <<'PY' || fail "JSON Lines batch: unexpected results"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert r[0]["status"] == "denied" and r[0]["reasons"][0]["code"] == "claim.conflict", r[0]
# DIAS 80000 after the 50000 policy deductible.
assert r[1]["status"] == "approved" and r[1]["payable"] == 30000, r[1]
assert r[1]["aggregate_remaining"] == 9780000, r[1]
PY

# A malformed batch file: exit 65, nothing settled (CL-6 stays unknown).
printf '%s\n' "{\"claim_id\": \"CL-6\", \"policy_id\": \"$policy\", \"reported\": \"2027-03-05T08:00:00Z\", \"incident\": 3, \"losses\": [{\"coverage\": \"EXT\", \"amount\": 1, \"evidence\": [7]}]}" \
    '{"claim_id": ' > broken.jsonl
expect_error 65 "batch line 2: malformed JSON" -- --db $db claims adjudicate broken.jsonl
echo '"not a batch"' > string.json
expect_error 65 "batch: must be a JSON array of claims" -- --db $db claims adjudicate string.json
if command -v sqlite3 > /dev/null; then
    [ "$(sqlite3 $db "SELECT count(*) FROM claims WHERE claim_id = 'CL-6'")" = 0 ] ||
        fail "a malformed batch settled a claim"
fi
expect_error 66 "missing.json" -- --db $db claims adjudicate missing.json
expect_error 64 'unknown subcommand "settle"' -- --db $db claims settle batch.json
expect_error 64 "--group" -- --db $db claims adjudicate batch.json --group 0
expect_error 64 "--threads" -- --db $db claims adjudicate batch.json --threads 0
finish
