#!/usr/bin/env bash
# claims_crash.sh: issue 6, acceptance 2, with real processes. Run by CTest as
#   bash claims_crash.sh PATH/TO/dsure SOURCE_DIR
# A batch of 2200 claims against one policy whose aggregate limit runs out part-way (and with
# evidence cited by two claims) is adjudicated once without interruption on one copy of the
# database. On a second copy the same batch is run again and again, each run killed with
# SIGKILL: before anything commits (during verification), after a chosen number of commits (the
# DSURE_TEST_KILL_AFTER_COMMITS test hook raises SIGKILL on the process itself right after its
# N-th commit), and after random delays (inside commits, between them, while printing). A last
# run completes. Every claim's result, the summary and the total paid must be identical to the
# uninterrupted run, and so must the database: each claim stored once, the policy's limits and
# the evidence usage.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"
gen="python3 $src/tests/data/claims/gen.py"
n=2000
group=50

rm -f base.db* ref.db* crash.db*
expect_ok --db base.db init --origin ledger.crash.cn/P-001 || { finish; exit 1; }
expect_ok --db base.db ledger append "$src/tests/data/claims/registrations.jsonl"
# Aggregate limit 1,500,000 against about 2000 * 1850 payable: exhausted part-way.
$gen request "$src/tests/data/quotes/design-example.json" 1500000 > request.json
expect_ok --db base.db quote request.json --sims 2000 --save && cp out.txt quote.json
quote_id=$(json_get quote.json "d['quote_id']")
expect_ok --db base.db bind "$quote_id" && cp out.txt policy.json
policy_id=$(json_get policy.json "d['policy_id']")
$gen records $n > records.jsonl
expect_ok --db base.db ledger append records.jsonl
expect_ok --db base.db ledger checkpoint
$gen claims $n "$policy_id" > batch.jsonl
n_claims=$(wc -l < batch.jsonl)

# Two identical databases (no process has them open; the WAL, if any, is copied along).
for copy in ref crash; do
    cp base.db $copy.db
    [ -f base.db-wal ] && cp base.db-wal $copy.db-wal
done

# The reference reads and verifies on one thread; the interrupted runs use every core.
expect_ok --db ref.db claims adjudicate batch.jsonl --group $group --threads 1 &&
    cp out.txt ref.json

# Kills. Exit status 137 = 128 + SIGKILL.
killed() {
    [ "$1" -eq 137 ] || fail "$2: exit $1, expected to be killed (137)"
}
# 1. A few milliseconds in: killed before its first commit.
"$dsure" --db crash.db claims adjudicate batch.jsonl --group $group > /dev/null 2>&1 &
pid=$!
sleep 0.02
kill -KILL $pid 2> /dev/null
wait $pid 2> /dev/null
rc=$?
[ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] || fail "early kill: exit $rc"
# 2. Right after the 1st, then 3 more, then 7 more commits (the test hook).
# (Bash reports a killed foreground job on the loop's stderr, hence the redirection.)
statuses=""
for k in 1 3 7; do
    DSURE_TEST_KILL_AFTER_COMMITS=$k "$dsure" --db crash.db claims adjudicate batch.jsonl \
        --group $group > /dev/null 2>&1
    statuses="$statuses $?"
done 2> /dev/null
for rc in $statuses; do
    killed "$rc" "DSURE_TEST_KILL_AFTER_COMMITS"
done
# 3. Random moments.
RANDOM=6
for attempt in 1 2 3 4 5; do
    "$dsure" --db crash.db claims adjudicate batch.jsonl --group $group > /dev/null 2>&1 &
    pid=$!
    sleep "0.$((RANDOM % 40 + 5))"
    kill -KILL $pid 2> /dev/null
    wait $pid 2> /dev/null
done
# 4. The last run completes.
expect_ok --db crash.db claims adjudicate batch.jsonl --group $group && cp out.txt final.json
grep -q "settled before, returned as stored" err.txt ||
    fail "the final run replayed nothing: the kills happened after everything committed"

python3 - ref.json final.json "$n_claims" <<'PY' || fail "the interrupted runs differ from the uninterrupted one"
import json, sys
ref, fin, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
assert len(ref["results"]) == n, len(ref["results"])
assert ref["results"] == fin["results"], "results differ"
assert ref["summary"] == fin["summary"], (ref["summary"], fin["summary"])
s = ref["summary"]
# The scenario is the one intended: the limit ran out part-way, evidence was reused.
paid = [r["payable"] for r in ref["results"]]
assert s["approved"] > 0 and any(p == 0 for p in paid), "the aggregate never ran out"
assert any(r["aggregate_remaining"] == 0 for r in ref["results"])
assert any(x["code"] == "evidence.reused" for r in ref["results"] for x in r["reasons"])
assert abs(sum(paid) - s["paid"]) < 0.005 and abs(s["paid"] - 1500000) < 0.005, s
PY

# The stored state is the same too.
state() {
    sqlite3 "$1" "SELECT count(*), sum(payable) FROM claims;
                  SELECT aggregate_left, sublimits, paid, n_claims FROM policy_state;
                  SELECT count(*), group_concat(claim_id || ':' || idx, ',') FROM
                      (SELECT claim_id, idx FROM claim_evidence ORDER BY idx);
                  SELECT group_concat(claim_id || '=' || result, char(10)) FROM
                      (SELECT claim_id, result FROM claims ORDER BY claim_id);"
}
if command -v sqlite3 > /dev/null; then
    cmp -s <(state ref.db) <(state crash.db) || fail "the databases differ after the crashes"
fi
finish
