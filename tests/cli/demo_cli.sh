#!/usr/bin/env bash
# demo_cli.sh: `dsure demo` end to end, run by CTest as
#   bash demo_cli.sh PATH/TO/dsure SOURCE_DIR
# Checks that the demo runs twice in a row (it starts from a fresh dsure-demo.db each time) and
# that its story ends as DESIGN.md section 7 says it must: the clean claim is paid, the claim
# reusing its evidence, the late one and the one citing an altered record are not.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"

for run in 1 2; do
    expect_ok demo || { cat err.txt >&2; finish; }
done
[ -f dsure-demo.db ] || fail "no dsure-demo.db"

# The status line follows each claim's line in the story.
status_of() { grep -A1 "^  $1 " out.txt | tail -n 1 | awk '{print $1}'; }
[ "$(status_of CL-2027-0001)" = approved ] || fail "CL-2027-0001 should be approved"
[ "$(status_of CL-2027-0002)" = denied ] || fail "CL-2027-0002 should be denied"
[ "$(status_of CL-2027-0003)" = denied ] || fail "CL-2027-0003 should be denied"
[ "$(status_of CL-2027-0004)" = denied ] || fail "CL-2027-0004 should be denied"
reasons_of() { awk -v id="$1" '$1 == id {on = 1; next} /^  CL-/ {on = 0} on' out.txt; }
reasons_of CL-2027-0002 | grep -q "evidence.reused" || fail "CL-2027-0002 lacks evidence.reused"
reasons_of CL-2027-0003 | grep -q "claim.late" || fail "CL-2027-0003 lacks claim.late"
reasons_of CL-2027-0004 | grep -q "ledger.inclusion" || fail "CL-2027-0004 lacks ledger.inclusion"
reasons_of CL-2027-0001 | grep -q "ledger\." && fail "CL-2027-0001 was refused by the ledger"
grep -q "paid CNY 0.00" <(grep -A1 "^  CL-2027-0001 " out.txt) && fail "CL-2027-0001 paid nothing"
# The whole demo is quick: a readable story, not a benchmark.
grep -q "^5. Batch adjudication" out.txt || fail "the story has no adjudication step"
finish
