#!/usr/bin/env bash
# aggregate_cli.sh: `dsure aggregate` end to end, run by CTest as
#   bash aggregate_cli.sh PATH/TO/dsure SOURCE_DIR
# from a scratch directory. Checks: the example models print one JSON object with the contract's
# keys for all three methods; --threads 1 and 2 give byte-identical output apart from the
# elapsed_ms and threads lines; bad input exits 65 (a missing file 66) with exactly one line on
# stderr naming the field, and nothing on stdout; `dsure demo` runs.
set -u
dsure=$1
src=$2
models=$src/tests/data/models
. "$src/tests/lib/cli_common.sh"

# The contract's keys, in order, at the top level of a pretty-printed result.
keys_of() {
    grep -oE '^	"[a-z_]+"' "$1" | tr -d '\t"' | tr '\n' ' '
}

mc_keys="method sims seed threads mean sd mean_stderr prob_zero exact var tvar ep_curve elapsed_ms "
exact_keys="method sims seed threads mean sd mean_stderr prob_zero exact var tvar ep_curve span discretization elapsed_ms "

for model in "$models"/*.json; do
    name=$(basename "$model")
    "$dsure" aggregate "$model" --sims 20000 --seed 7 --threads 1 > t1.json 2> err.txt ||
        fail "$name mc --threads 1: exit $? ($(cat err.txt))"
    "$dsure" aggregate "$model" --sims 20000 --seed 7 --threads 2 > t2.json 2> err.txt ||
        fail "$name mc --threads 2: exit $? ($(cat err.txt))"
    [ ! -s err.txt ] || fail "$name: stderr not empty when it is not a terminal: $(cat err.txt)"
    [ "$(keys_of t1.json)" = "$mc_keys" ] || fail "$name mc keys: $(keys_of t1.json)"
    grep -q '"threads":	2,' t2.json || fail "$name: --threads 2 not reported"
    grep -q '"method":	"mc",' t1.json || fail "$name: method not mc"
    grep -q '"sims":	20000,' t1.json || fail "$name: sims not 20000"
    grep -q '"seed":	7,' t1.json || fail "$name: seed not 7"
    grep -vE '"(elapsed_ms|threads)":' t1.json > s1.json
    grep -vE '"(elapsed_ms|threads)":' t2.json > s2.json
    cmp -s s1.json s2.json || fail "$name: --threads 1 and 2 differ: $(diff s1.json s2.json | head -5)"
    # A different seed must change the numbers (the identity above is not vacuous).
    "$dsure" aggregate "$model" --sims 20000 --seed 8 --threads 2 | grep -vE '"(elapsed_ms|threads)":' > s3.json
    ! cmp -s s1.json s3.json || fail "$name: seed 7 and 8 give the same output"
    # The exact methods' own accuracy is tested elsewhere; here only their JSON, on the model
    # they price fastest, to keep this test short.
    [ "$name" = poisson-lognormal-terms.json ] || continue
    for method in panjer fft; do
        "$dsure" aggregate "$model" --method "$method" > e.json 2> err.txt ||
            fail "$name $method: exit $? ($(cat err.txt))"
        [ "$(keys_of e.json)" = "$exact_keys" ] || fail "$name $method keys: $(keys_of e.json)"
        grep -q '"sims":	null,' e.json || fail "$name $method: sims not null"
        grep -q '"mean_stderr":	null,' e.json || fail "$name $method: mean_stderr not null"
    done
done
# The contract's exact mean: 3 e^11.125 = 203538.87318984... for Poisson(3)-lognormal(10, 1.5).
"$dsure" aggregate "$models/poisson-lognormal.json" --sims 1000 > pl.json
grep -A1 '"exact":' pl.json | grep -q '"mean":	203538.87318984' ||
    fail "exact mean is not 3 e^11.125: $(grep -A2 '"exact":' pl.json)"

# Standard input works as a model file.
"$dsure" aggregate - --sims 1000 < "$models/poisson-lognormal.json" > stdin.json ||
    fail "reading the model from stdin"
grep -q '"method":	"mc"' stdin.json || fail "stdin model: no result"

# Bad input: exit 65, one line naming the field, nothing on stdout.
good='"frequency": {"dist": "poisson", "lambda": 3}'
sev='"severity": {"dist": "lognormal", "meanlog": 10, "sdlog": 1.5}'
echo "{$good, \"severity\": {\"dist\": \"lognormall\", \"meanlog\": 10, \"sdlog\": 1.5}}" > unknown_dist.json
expect_error 65 'severity.dist: unknown distribution "lognormall"' -- aggregate unknown_dist.json
echo "{$good, \"severity\": {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 0}}" > sdlog0.json
expect_error 65 'severity.sdlog' -- aggregate sdlog0.json
echo "{\"frequency\": {\"dist\": \"poisson\", \"lambda\": -2}, $sev}" > neg_lambda.json
expect_error 65 'frequency.lambda' -- aggregate neg_lambda.json
echo "{$good, \"severity\": {\"dist\": \"lognormal\", \"meanlog\": 10}}" > missing.json
expect_error 65 'severity.sdlog: required field is missing' -- aggregate missing.json
echo "{$good, $sev, \"terms\": {\"coinsurance\": 2}}" > coins.json
expect_error 65 'terms.coinsurance: must be in (0, 1]' -- aggregate coins.json
echo "{$good, $sev, \"measures\": {\"var\": [0.9, 1]}}" > level.json
expect_error 65 'measures.var[1]: must be in (0, 1)' -- aggregate level.json
printf '{"frequency": {"dist": "poisson", "lambda": 3},\n "severity": {' > malformed.json
expect_error 65 'malformed JSON' -- aggregate malformed.json
expect_error 65 '--method: unknown method "x"' -- aggregate "$models/poisson-lognormal.json" --method x
expect_error 65 '--sims' -- aggregate "$models/poisson-lognormal.json" --sims 0
expect_error 65 '--span' -- aggregate "$models/poisson-lognormal.json" --method panjer --span -1
for method in mc panjer fft; do
    expect_error 65 'severity.sdlog' -- aggregate sdlog0.json --method "$method"
done
expect_error 66 'no-such-model.json' -- aggregate no-such-model.json
# A malformed command line is a usage error (64) with nothing on stdout.
"$dsure" aggregate "$models/poisson-lognormal.json" --bogus > out.txt 2> err.txt
rc=$?
[ "$rc" -eq 64 ] || fail "unknown option: exit $rc, want 64"
[ ! -s out.txt ] || fail "unknown option: printed on stdout"

# The demo runs and compares the three methods.
"$dsure" demo > demo.txt 2> err.txt || fail "dsure demo: exit $? ($(cat err.txt))"
for word in "Monte Carlo" Panjer FFT "VaR 99.5%" "TVaR 99%"; do
    grep -qF "$word" demo.txt || fail "dsure demo: no \"$word\" in its output"
done

finish
