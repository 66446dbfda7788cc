#!/usr/bin/env bash
# bench/http.sh: load test of `dsure serve` with wrk (Debian package `wrk`), issue 7 acceptance:
#   1. GET  /v1/ledger/checkpoint                    (insurer key)
#   2. POST /v1/quotes, 10,000 simulated years       (platform key; the DESIGN.md example request,
#                                                     what-ifs on; every quote is also saved)
# Each runs DURATION seconds (default 60) with CONNECTIONS connections (default 8) from 2 wrk
# threads, against a server with THREADS workers (default 2). Prints requests/s, latency
# percentiles and the error counts wrk reports, and samples the server's resident memory (VmRSS)
# every second across both runs. Exits 1 on any non-2xx response, socket error, or if the RSS
# of the last quarter of the quote run exceeds that of its first quarter by more than 10%.
#
#   bash bench/http.sh [PATH/TO/dsure]        (default build/dsure; run from the repository root)
set -euo pipefail
dsure=$(realpath "${1:-build/dsure}")
src=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-60}
connections=${CONNECTIONS:-8}
threads=${THREADS:-2}
command -v wrk >/dev/null || { echo "bench/http.sh: wrk is not installed (apt-get install wrk)" >&2; exit 69; }

work=$(mktemp -d)
server_pid=
sampler_pid=
cleanup() {
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

db=bench.db
"$dsure" --db $db init --origin ledger.bench.cn/P-001 >/dev/null
key_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }
insurer=$("$dsure" --db $db keys create --role insurer | key_of)
platform=$("$dsure" --db $db keys create --role platform --platform P-001 | key_of)
# A log of 1,000 entries and a checkpoint over it.
python3 - > records.jsonl <<'PY'
for i in range(1000):
    print('{"type":"asset.records","ts":"2027-01-01T00:00:00Z","asset":"A%d","records":%d}' % (i % 7, 1000 + i))
PY
"$dsure" --db $db ledger append records.jsonl >/dev/null
"$dsure" --db $db ledger checkpoint >/dev/null

"$dsure" --db $db serve --listen 127.0.0.1:0 --threads "$threads" --static "$src/web/static" \
    2> server.log &
server_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' server.log)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "bench/http.sh: the server did not start" >&2; cat server.log >&2; exit 70; }
base=http://127.0.0.1:$port

# The quote request: the DESIGN.md example with 10,000 simulated years.
python3 - "$src/tests/data/quotes/design-example.json" > quote.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["options"]["sims"] = 10000
print(json.dumps(r, separators=(",", ":")))
PY
cat > quote.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $platform"
local f = io.open("quote.json", "r")
wrk.body = f:read("*a")
f:close()
LUA
cat > checkpoint.lua <<LUA
wrk.headers["Authorization"] = "Bearer $insurer"
LUA

# Resident memory of the server, once a second, tagged with the phase.
phase_file=$work/phase
echo warmup > "$phase_file"
(
    t=0
    while kill -0 "$server_pid" 2>/dev/null; do
        rss=$(awk '/^VmRSS:/ {print $2}' /proc/"$server_pid"/status 2>/dev/null || echo 0)
        echo "$t $(cat "$phase_file") $rss"
        t=$((t + 1))
        sleep 1
    done
) > rss.txt &
sampler_pid=$!

status=0
run() { # name script url
    echo "$1" > "$phase_file"
    echo "== $1: wrk -t2 -c$connections -d${duration}s --latency $3"
    wrk -t2 -c"$connections" -d"${duration}s" --timeout 30s --latency -s "$2" "$3" | tee "$1.txt"
    if grep -qE "Non-2xx or 3xx responses|Socket errors" "$1.txt"; then
        echo "bench/http.sh: $1 had errors" >&2
        status=1
    fi
}
curl -sf -H "Authorization: Bearer $insurer" "$base/v1/ledger/checkpoint" >/dev/null
run checkpoint checkpoint.lua "$base/v1/ledger/checkpoint"
run quotes quote.lua "$base/v1/quotes"
echo done > "$phase_file"
sleep 1.5

echo "== server RSS (KiB), sampled every second"
python3 - rss.txt <<'PY' || status=1
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
for phase in ("checkpoint", "quotes"):
    rss = [int(r[2]) for r in rows if r[1] == phase]
    if not rss:
        continue
    q = max(1, len(rss) // 4)
    first, last = sum(rss[:q]) / q, sum(rss[-q:]) / q
    print(f"{phase:10s} samples {len(rss):3d}  min {min(rss)}  max {max(rss)}  "
          f"first quarter {first:.0f}  last quarter {last:.0f}  growth {100 * (last / first - 1):+.1f}%")
    if phase == "quotes" and last > 1.10 * first:
        print("bench/http.sh: server memory grew by more than 10% during the quote run")
        sys.exit(1)
PY
echo "== requests logged by the server: $(grep -c ' ms$' server.log)"
exit $status
