#!/usr/bin/env bash
# browser.sh: end-to-end test of the web page in a real browser (issue 7). Run by CTest as
# `bash tests/web/browser.sh PATH/TO/dsure SOURCE_DIR` from a scratch directory.
#
# Starts `dsure serve` on a loopback port picked by the system, on a fresh database with the ledger
# log of platform P-001, a platform key (P-001) and an insurer key made by `dsure keys create`,
# runs tests/web/browser.test.mjs with node (playwright-core driving Debian's chromium, headless),
# keeps the screenshots in the scratch directory (their paths are printed), stops the server with
# SIGTERM and checks that it stopped with status 0 (so, in a sanitizer build, without a leak or an
# error report) and that its log never shows a key. Exits 0 when everything passed, 1 otherwise.
#
# Without node, chromium or node_modules/playwright-core (`npm ci` in SOURCE_DIR) the test cannot
# run: it then says so and exits 0 ("skipped"), except under CI=true or DSURE_REQUIRE_BROWSER=1,
# where a missing browser is a failure. DSURE_CHROMIUM overrides /usr/bin/chromium.
set -uo pipefail

dsure=$(realpath "$1")
src=$(realpath "$2")
work=$PWD

required() { [ "${CI:-}" = true ] || [ "${DSURE_REQUIRE_BROWSER:-}" = 1 ]; }
skip() {
    if required; then
        echo "browser test: FAIL: $1 (required because CI=true or DSURE_REQUIRE_BROWSER=1)" >&2
        exit 1
    fi
    echo "browser test skipped: $1"
    exit 0
}
die() {
    echo "browser test: FAIL: $*" >&2
    exit 1
}

command -v node > /dev/null || skip "node is not installed (apt-get install nodejs npm)"
chromium=${DSURE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "$chromium is not installed (apt-get install chromium)"
[ -f "$src/node_modules/playwright-core/package.json" ] ||
    skip "playwright-core is not installed (run npm ci in $src)"

db=$work/browser.db
rm -rf "$db" "$db"-* "$db".*.key "$work/chromium-profile" "$work"/browser-quote*.png
mkdir -p "$work/chromium-profile"

# The platform's ledger log, which binding a quote into a policy needs (DESIGN.md section 4).
"$dsure" --db "$db" init --origin example.com/dsure/P-001 > init.json ||
    die "dsure init --origin example.com/dsure/P-001 failed"

# key_of FILE: the "key" member of `dsure keys create`'s JSON output.
key_of() {
    node -e 'const k = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).key;
             if (typeof k !== "string" || !k) process.exit(1); console.log(k);' "$1"
}
"$dsure" --db "$db" keys create --role platform --platform P-001 > platform-key.json ||
    die "dsure keys create --role platform failed"
"$dsure" --db "$db" keys create --role insurer > insurer-key.json ||
    die "dsure keys create --role insurer failed"
platform_key=$(key_of platform-key.json) || die "no key in platform-key.json"
insurer_key=$(key_of insurer-key.json) || die "no key in insurer-key.json"

"$dsure" --db "$db" serve --listen 127.0.0.1:0 --static "$src/web/static" \
    > server.out 2> server.log &
server=$!
stop_server() {
    if kill -0 "$server" 2> /dev/null; then
        kill -TERM "$server" 2> /dev/null
        for _ in $(seq 100); do
            kill -0 "$server" 2> /dev/null || break
            sleep 0.1
        done
        if kill -0 "$server" 2> /dev/null; then
            echo "browser test: the server did not stop within 10 s of SIGTERM" >&2
            kill -KILL "$server" 2> /dev/null
            wait "$server" 2> /dev/null
            return 1
        fi
    fi
    wait "$server" 2> /dev/null
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        # A clean shutdown exits 0; under the sanitizers a leak or an error also lands here.
        echo "browser test: the server exited with status $rc after SIGTERM" >&2
        return 1
    fi
    return 0
}
trap 'stop_server' EXIT

# The server prints "listening on http://ADDR:PORT" once it accepts connections.
url=
for _ in $(seq 100); do
    url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' server.log | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$server" 2> /dev/null || die "the server exited: $(cat server.log)"
    sleep 0.1
done
[ -n "$url" ] || die "the server did not say where it listens within 10 s: $(cat server.log)"
echo "server: $url"

shot=$work/browser-quote.png
status=0
DSURE_URL=$url DSURE_KEY=$platform_key DSURE_INSURER_KEY=$insurer_key \
    DSURE_EXAMPLE=$src/tests/data/quotes/design-example.json DSURE_SCREENSHOT=$shot \
    DSURE_PROFILE_DIR=$work/chromium-profile DSURE_CHROMIUM=$chromium \
    timeout 300 node "$src/tests/web/browser.test.mjs" || status=1

trap - EXIT
stop_server || status=1
if grep -qF -e "$platform_key" -e "$insurer_key" server.log server.out; then
    echo "browser test: FAIL: the server log shows an API key" >&2
    status=1
fi
for f in "$shot" "${shot%.png}-insurer.png"; do
    [ -s "$f" ] && echo "screenshot: $f"
done
if [ "$status" -ne 0 ]; then
    echo "--- server log (last 40 lines)" >&2
    tail -n 40 server.log >&2
    exit 1
fi
echo "browser test passed"
