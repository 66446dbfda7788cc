#!/usr/bin/env bash
# merkle_cli.sh: `dsure merkle` end to end. Usage: bash merkle_cli.sh PATH/TO/dsure SOURCE_DIR
# (run from a scratch directory).
#
# The leaves file tests/data/merkle/ct_8_leaves.txt holds the 8 reference inputs of
# google/certificate-transparency cpp/merkletree/merkle_tree_test.cc (kInputs; also
# transparency-dev/merkle testonly/constants.go LeafInputs), the first being the empty leaf
# (an empty line). Expected roots are kSHA256Roots / RootHashes, the proofs kSHA256Paths,
# kSHA256Proofs and transparency-dev/merkle proof/verify_test.go consistencyProofs; the leaf
# hash of input 5 is NodeHashes()[0][5]. Outputs are compared whole, whitespace removed, so a
# missing or extra field fails too. Bad inputs must give the documented exit code, a message
# naming the field, and nothing on stdout.
set -u
DSURE=$1
SRC=$2
DATA=$SRC/tests/data/merkle
LEAVES=$DATA/ct_8_leaves.txt
. "$SRC/tests/lib/cli_common.sh"

# expect_json EXPECTED ARGS...: exit 0 and stdout equal to EXPECTED once whitespace is removed.
expect_json() {
    local want=$1
    shift
    local out rc
    out=$("$DSURE" "$@" 2>stderr.txt)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "dsure $* exited $rc: $(cat stderr.txt)"
        return
    fi
    out=$(printf '%s' "$out" | tr -d ' \t\n\r')
    if [ "$out" != "$want" ]; then
        fail "dsure $*"$'\n'"  got  $out"$'\n'"  want $want"
    fi
}

# expect_exit CODE MESSAGE ARGS...: exit CODE, MESSAGE (a fixed string) on stderr, empty stdout.
expect_exit() {
    local want_rc=$1 want_msg=$2
    shift 2
    local rc
    "$DSURE" "$@" >stdout.txt 2>stderr.txt
    rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        fail "dsure $* exited $rc, want $want_rc: $(cat stderr.txt)"
    elif ! grep -qF -- "$want_msg" stderr.txt; then
        fail "dsure $*: stderr lacks '$want_msg': $(cat stderr.txt)"
    fi
    if [ -s stdout.txt ]; then
        fail "dsure $* wrote to stdout on error: $(cat stdout.txt)"
    fi
}

ROOTS=(
    e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
    6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
    fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
    aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77
    d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
    4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4
    76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef
    ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c
    5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
)

# --- roots --------------------------------------------------------------------------------
expect_json "{\"size\":8,\"root\":\"${ROOTS[8]}\"}" merkle root --leaves "$LEAVES"
for size in 0 1 2 3 4 5 6 7 8; do
    expect_json "{\"size\":$size,\"root\":\"${ROOTS[$size]}\"}" \
        merkle root --leaves "$LEAVES" --size "$size"
done
expect_json "{\"size\":8,\"root\":\"${ROOTS[8]}\"}" merkle root "--leaves=$LEAVES" --size=8

# The same leaves with CR LF line ends, uppercase digits and no final newline.
expect_json "{\"size\":8,\"root\":\"${ROOTS[8]}\"}" \
    merkle root --leaves "$DATA/ct_8_leaves_crlf_upper.txt"

# Line rules: a final newline adds no leaf; an empty line is the empty leaf; empty file: no leaf.
: >empty.txt
expect_json "{\"size\":0,\"root\":\"${ROOTS[0]}\"}" merkle root --leaves empty.txt
printf '\n' >one_empty_leaf.txt
expect_json "{\"size\":1,\"root\":\"${ROOTS[1]}\"}" merkle root --leaves one_empty_leaf.txt
printf '\n00' >two_no_final_newline.txt
expect_json "{\"size\":2,\"root\":\"${ROOTS[2]}\"}" merkle root --leaves two_no_final_newline.txt
printf '\n00\n\n' >three_with_empty_last.txt
three=$("$DSURE" merkle root --leaves three_with_empty_last.txt | tr -d ' \t\n')
case $three in
    *'"size":3,'*) ;;
    *) fail "a trailing empty line must be a third leaf: $three" ;;
esac

# --- inclusion proofs (0-based index; the CT vectors number leaves from 1) -----------------
expect_json "{\"index\":5,\"size\":8,\
\"leaf_hash\":\"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658\",\
\"path\":[\"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b\",\
\"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0\",\
\"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7\"]}" \
    merkle prove --leaves "$LEAVES" --index 5
expect_json "{\"index\":0,\"size\":8,\
\"leaf_hash\":\"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\",\
\"path\":[\"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7\",\
\"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e\",\
\"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4\"]}" \
    merkle prove --leaves "$LEAVES" --index 0 --size 8
expect_json "{\"index\":1,\"size\":5,\
\"leaf_hash\":\"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7\",\
\"path\":[\"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\",\
\"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e\",\
\"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b\"]}" \
    merkle prove --leaves "$LEAVES" --index 1 --size 5
expect_json "{\"index\":2,\"size\":3,\
\"leaf_hash\":\"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7\",\
\"path\":[\"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125\"]}" \
    merkle prove --leaves "$LEAVES" --index 2 --size 3
expect_json "{\"index\":0,\"size\":1,\
\"leaf_hash\":\"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\",\"path\":[]}" \
    merkle prove --leaves "$LEAVES" --index 0 --size 1

# --- consistency proofs -------------------------------------------------------------------
expect_json "{\"from\":6,\"to\":8,\
\"path\":[\"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a\",\
\"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0\",\
\"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7\"]}" \
    merkle consistency --leaves "$LEAVES" --from 6
expect_json "{\"from\":2,\"to\":5,\
\"path\":[\"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e\",\
\"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b\"]}" \
    merkle consistency --leaves "$LEAVES" --from 2 --to 5
expect_json "{\"from\":6,\"to\":7,\
\"path\":[\"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a\",\
\"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f\",\
\"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7\"]}" \
    merkle consistency --leaves "$LEAVES" --from 6 --to 7
expect_json "{\"from\":1,\"to\":8,\
\"path\":[\"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7\",\
\"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e\",\
\"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4\"]}" \
    merkle consistency --leaves "$LEAVES" --from 1 --to 8
expect_json '{"from":1,"to":1,"path":[]}' merkle consistency --leaves "$LEAVES" --from 1 --to 1
expect_json '{"from":0,"to":8,"path":[]}' merkle consistency --leaves "$LEAVES" --from 0

# --- bad input: 65 naming the field --------------------------------------------------------
expect_exit 65 "line 3: not valid hex" merkle root --leaves "$DATA/bad_hex_line3.txt"
expect_exit 65 "line 2: not valid hex: odd number of digits" \
    merkle root --leaves "$DATA/odd_digits_line2.txt"
printf '00\n 10\n' >space.txt
expect_exit 65 "line 2: not valid hex" merkle root --leaves space.txt
printf '00\r10\n' >lone_cr.txt
expect_exit 65 "line 1: not valid hex" merkle root --leaves lone_cr.txt
expect_exit 65 "--index: must be less than size 8" merkle prove --leaves "$LEAVES" --index 8
expect_exit 65 "--index: must be less than size 7" \
    merkle prove --leaves "$LEAVES" --index 7 --size 7
expect_exit 65 "--size: must be at most the number of leaves (8)" \
    merkle root --leaves "$LEAVES" --size 9
expect_exit 65 "--size: must be at most the number of leaves (8)" \
    merkle prove --leaves "$LEAVES" --index 0 --size 9
expect_exit 65 "--size: an inclusion proof needs a tree of at least one leaf" \
    merkle prove --leaves "$LEAVES" --index 0 --size 0
expect_exit 65 "--leaves: an inclusion proof needs a tree of at least one leaf" \
    merkle prove --leaves empty.txt --index 0
expect_exit 65 "--from: must be at most --to (5)" \
    merkle consistency --leaves "$LEAVES" --from 6 --to 5
expect_exit 65 "--to: must be at most the number of leaves (8)" \
    merkle consistency --leaves "$LEAVES" --from 1 --to 9
expect_exit 65 "--from: must be at most --to (8)" merkle consistency --leaves "$LEAVES" --from 9

# --- missing file: 66; usage: 64 -----------------------------------------------------------
expect_exit 66 "no-such-leaves.txt" merkle root --leaves no-such-leaves.txt
expect_exit 64 "usage:" merkle
expect_exit 64 "unknown subcommand" merkle rooot --leaves "$LEAVES"
expect_exit 64 "--leaves is required" merkle root
expect_exit 64 "--index is required" merkle prove --leaves "$LEAVES"
expect_exit 64 "--from is required" merkle consistency --leaves "$LEAVES" --to 3
expect_exit 64 "unknown option" merkle root --leaves "$LEAVES" --index 3
expect_exit 64 "unknown option" merkle prove --leaves "$LEAVES" --index 3 --from 1
expect_exit 64 "--index: must be a non-negative integer" \
    merkle prove --leaves "$LEAVES" --index -1
expect_exit 64 "--size: must be a non-negative integer" merkle root --leaves "$LEAVES" --size 3x
expect_exit 64 "needs a value" merkle root --leaves
expect_exit 64 "unexpected argument" merkle root --leaves "$LEAVES" extra

finish
