#!/usr/bin/env bash
# fit_cli.sh: `dsure fit` and `dsure credibility` end to end, run by CTest as
#   bash fit_cli.sh PATH/TO/dsure SOURCE_DIR
# from a scratch directory. Checks: the result keys of DESIGN.md section 4 (plus the documented
# additions), the same history read from JSON and CSV gives the same fits, a larger history
# adds the gpd candidate, VERIS directories report their skipped incidents, --target records,
# the credibility worked example of tests/actuarial/test_credibility.c; bad input exits 65 (a
# missing file 66, bad options 64) with one stderr line naming record and field, nothing on
# stdout.
set -u
dsure=$1
src=$2
data=$src/tests/data/incidents
. "$src/tests/lib/cli_common.sh"

# Top-level keys, in order, of a pretty-printed result.
keys_of() {
    grep -oE '^	"[a-z_]+"' "$1" | tr -d '\t"' | tr '\n' ' '
}

has() {
    grep -qF -- "$2" "$1" || fail "$1 lacks $2"
}

# --- fit: dsure JSON ----------------------------------------------------------------------
expect_ok_into json.out -- fit "$data/history.json"
want="n history_years window counts target truncation frequency severity skipped "
[ "$(keys_of json.out)" = "$want" ] || fail "fit keys: $(keys_of json.out)"
has json.out '"n":	7,'
has json.out '"history_years":	6,'
has json.out '"counts":	[0, 2, 0, 1, 2, 2],'
for dist in poisson negbin lognormal gamma weibull exponential pareto; do
    has json.out "\"dist\":	\"$dist\""
done
for key in params stderr loglik aic bic ks ad; do
    [ "$(grep -c "\"$key\":" json.out)" -ge 5 ] || fail "severity candidates lack $key"
done
# counts 0,2,0,1,2,2: variance 0.806 < mean 1.167, negbin at its Poisson limit
has json.out '"size":	null,'
has json.out '"boundary":	true'
has json.out '"best":	"poisson"'
has json.out '"incident":	"incidents[7]"'

# --- the same history as CSV: identical fits (everything before "skipped") ------------------
expect_ok_into csv.out -- fit "$data/history.csv" --years 6 --truncation 1000
sed '/"skipped"/,$d' json.out > json.head
sed '/"skipped"/,$d' csv.out > csv.head
cmp -s json.head csv.head || fail "CSV and JSON fits differ: $(diff json.head csv.head | head -5)"
has csv.out '"incident":	"line 7"'

# --- records -----------------------------------------------------------------------------
expect_ok_into rec.out -- fit "$data/history.json" --target records
has rec.out '"target":	"records"'
has rec.out '"truncation":	0,'
grep -A1 '"severity"' rec.out | grep -qF '"n":	5' || fail "records: severity n is not 5"

# --- a larger history: 600 losses (Lomax quantiles, shape 2.5, scale 10^5) over 10 years ---
awk 'BEGIN {
    print "date,kind,records,loss"
    for (i = 1; i <= 600; i++) {
        u = (i - 0.5) / 600
        loss = 100000 * ((1 - u) ^ (-1 / 2.5) - 1)
        year = 2014 + (i * 7) % 10
        printf "%d-%02d-15,exfiltration,%d,%.2f\n", year, 1 + i % 12, i * 10, loss
    }
}' > big.csv
expect_ok_into big.out -- fit big.csv
has big.out '"n":	600,'
has big.out '"history_years":	10,'
has big.out '"dist":	"gpd"'
has big.out '"threshold":'
has big.out '"exceedances":	60'
grep -q '"best":	"gpd"' big.out && fail "gpd (tail only) must not be best"

# --- VERIS directory ----------------------------------------------------------------------
expect_ok_into veris.out -- fit "$src/tests/data/veris"
has veris.out '"currency":	"USD"'
has veris.out '"n":	5,'
[ "$(grep -c '"reason":' veris.out)" -eq 5 ] || fail "veris: expected 5 skipped incidents"
has veris.out 'impact.iso_currency_code: EUR differs from USD'
has veris.out 'timeline.incident.year: required field is missing'
expect_ok_into veris1.out -- fit "$src/tests/data/veris/b_array.json" --format veris --target records
has veris1.out '"n":	3,'
# one usable amount: the frequency fit stands, the severity says why it has no candidates
expect_ok_into veris2.out -- fit "$src/tests/data/veris/b_array.json"
has veris2.out '"best":	null'
has veris2.out '"error":	"losses: need at least 2 values, got 1"'

# --- fit: bad input -----------------------------------------------------------------------
expect_error 65 'incidents[0].date: not a valid date "2020-13-45"' -- fit "$data/bad_date.json"
expect_error 65 'incidents[1].loss: must be a non-negative amount' -- fit "$data/negative_loss.json"
expect_error 65 'incidents[0].loss: must be a number' -- fit "$data/string_loss.json"
expect_error 65 'incidents: empty history' -- fit "$data/empty.json"
expect_error 65 'line 3: loss: not a number' -- fit "$data/bad_loss.csv"
expect_error 65 'header: missing column "loss"' -- fit "$data/missing_column.csv"
expect_error 65 'incidents[2].loss: 4200 is below the truncation 5000' -- \
    fit "$data/history.json" --truncation 5000
expect_error 66 'nope.json' -- fit "$data/nope.json"
"$dsure" fit "$data/history.json" --format xml > out.txt 2> err.txt
[ $? -eq 64 ] || fail "fit --format xml: exit is not 64"
[ ! -s out.txt ] || fail "fit --format xml printed on stdout"
"$dsure" fit "$data/history.json" --years 0 > out.txt 2> err.txt
[ $? -eq 64 ] || fail "fit --years 0: exit is not 64"

# --- credibility --------------------------------------------------------------------------
expect_ok_into cred.out -- credibility "$data/credibility.csv"
want="model collective within_variance between_variance overall_mean groups "
[ "$(keys_of cred.out)" = "$want" ] || fail "credibility keys: $(keys_of cred.out)"
has cred.out '"model":	"buhlmann-straub"'
has cred.out '"within_variance":	11.875,'
has cred.out '"between_variance":	16.37109375,'
has cred.out '"collective":	13.4293663886242'
has cred.out '"premium":	9.923801668254'
expect_error 65 'line 7: weight: not a number' -- credibility "$data/credibility_bad_weight.csv"
expect_error 65 'groups: need at least two groups, got 1' -- \
    credibility "$data/credibility_one_group.csv"
expect_error 65 'header: missing column "group"' -- credibility "$data/missing_column.csv"
expect_error 66 'nope.csv' -- credibility "$data/nope.csv"

finish
