#!/usr/bin/env bash
# quote_cli.sh: `dsure grade` and `dsure quote` end to end, run by CTest as
#   bash quote_cli.sh PATH/TO/dsure SOURCE_DIR
# Checks: the same seed prints the same quote but for quote_id and elapsed_ms; --sims and --seed
# override the request; bad requests exit 65 naming the field, an unknown plan or a missing file
# 66, bad options 64; the grading profile of the DESIGN.md example; --save then bind, once.
set -u
dsure=$1
src=$2
. "$src/tests/lib/cli_common.sh"
request=$src/tests/data/quotes/design-example.json

strip() { grep -vE '"(quote_id|elapsed_ms)"' "$1"; }

expect_ok quote "$request" --sims 5000 --seed 7 && cp out.txt a.json
expect_ok quote "$request" --sims 5000 --seed 7 && cp out.txt b.json
cmp -s <(strip a.json) <(strip b.json) || fail "the same seed gave different quotes"
[ "$(json_get a.json "d['sims']")" = 5000 ] || fail "--sims did not override the request"
[ "$(json_get a.json "d['seed']")" = 7 ] || fail "--seed did not override the request"
expect_ok quote - --sims 5000 --seed 7 < "$request" && cp out.txt c.json
cmp -s <(strip a.json) <(strip c.json) || fail "stdin input gave a different quote"

python3 - "$request" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = json.loads(json.dumps(r)); bad["assets"][1]["records"] = -5
json.dump(bad, open("bad_records.json", "w"))
bad = json.loads(json.dumps(r)); bad["cover"]["coverages"][2]["code"] = "XYZ"
json.dump(bad, open("bad_coverage.json", "w"))
bad = json.loads(json.dumps(r)); bad["rating_plan"] = "no-such-plan"
json.dump(bad, open("bad_plan.json", "w"))
PY
expect_error 65 "assets[1].records: must be a non-negative integer" -- quote bad_records.json
expect_error 65 'cover.coverages[2].code: unknown coverage "XYZ"' -- quote bad_coverage.json
expect_error 66 'unknown rating plan "no-such-plan"' -- quote bad_plan.json
expect_error 66 "cannot open" -- quote missing.json
expect_error 64 "--sims" -- quote "$request" --sims ten
printf '{"platform": ' > truncated.json
expect_error 65 "malformed JSON" -- quote truncated.json

cat > assets.json <<'JSON'
{"platform_id": "P-001",
 "assets": [{"id": "A1", "name": "process recipes", "records": 200000,
             "impacts": [{"object": "economic_operation", "degree": "serious"}]},
            {"id": "A2", "name": "customer contacts", "records": 1500000, "grade": "general",
             "personal": true}]}
JSON
expect_ok grade assets.json
[ "$(json_get out.txt "d['assets'][0]['grade']")" = important ] || fail "A1 should be important"
[ "$(json_get out.txt "d['by_grade']['general']['records']")" = 1500000 ] || fail "general records"
expect_error 65 "assets[0].impacts[0].object" -- grade <(sed 's/economic_operation/economy/' assets.json)

# Save and bind: the policy keeps the quote's premium; a second bind is refused.
db=bind.db
rm -f "$db" "$db"-wal "$db"-shm "$db".*.key
expect_ok --db "$db" init --origin ledger.demo.cn/P-001
expect_ok --db "$db" quote "$request" --sims 2000 --save && cp out.txt saved.json
quote_id=$(json_get saved.json "d['quote_id']")
expect_ok --db "$db" bind "$quote_id" && cp out.txt policy.json
[ "$(json_get policy.json "d['premium']")" = "$(json_get saved.json "d['premium']")" ] ||
    fail "the policy's premium differs from the quote's"
[ "$(json_get policy.json "d['declared'][2]['grade']")" = core ] || fail "declared grades"
expect_error 65 "is already bound as policy" -- --db "$db" bind "$quote_id"
expect_error 66 'no saved quote "Q-nope"' -- --db "$db" bind Q-nope
finish
