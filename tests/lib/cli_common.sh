# cli_common.sh: helpers shared by the shell tests in tests/cli (sourced, not run).
# A test sets `dsure` and `src` and calls these; `finish` exits 1 when anything failed.
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_error EXIT_CODE STDERR_SUBSTRING -- ARGS...: runs dsure ARGS and checks the exit code,
# a single stderr line containing the substring, and an empty stdout.
expect_error() {
    local want_rc=$1 want_msg=$2
    shift 3
    "$dsure" "$@" > out.txt 2> err.txt
    local rc=$?
    [ "$rc" -eq "$want_rc" ] || fail "dsure $*: exit $rc, want $want_rc ($(cat err.txt))"
    [ ! -s out.txt ] || fail "dsure $*: printed on stdout: $(head -c 200 out.txt)"
    local lines
    lines=$(wc -l < err.txt)
    [ "$lines" -eq 1 ] || fail "dsure $*: $lines lines on stderr: $(cat err.txt)"
    grep -qF -- "$want_msg" err.txt || fail "dsure $*: stderr \"$(cat err.txt)\" lacks \"$want_msg\""
}

# expect_ok ARGS...: runs dsure ARGS into out.txt/err.txt and checks it exits 0.
expect_ok() {
    "$dsure" "$@" > out.txt 2> err.txt
    local rc=$?
    [ "$rc" -eq 0 ] || fail "dsure $*: exit $rc ($(head -c 300 err.txt))"
    return $rc
}

# expect_ok_into OUTFILE -- ARGS...: runs dsure ARGS into OUTFILE (stderr into err.txt) and checks
# it exits 0 with nothing on stderr.
expect_ok_into() {
    local out=$1
    shift 2
    "$dsure" "$@" > "$out" 2> err.txt
    local rc=$?
    [ "$rc" -eq 0 ] || fail "dsure $*: exit $rc ($(cat err.txt))"
    [ ! -s err.txt ] || fail "dsure $*: wrote on stderr: $(cat err.txt)"
}

# json_get FILE EXPRESSION: prints a value of a JSON file (python3's json module).
json_get() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}
