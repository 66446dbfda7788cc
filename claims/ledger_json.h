/*
 * ledger_json.h: the JSON forms of a tree root and of inclusion and consistency proofs
 * (DESIGN.md section 4), one renderer for `dsure ledger root|prove|consistency` and for
 * GET /v1/ledger/proof/... so the CLI and HTTP answers are byte-identical.
 *
 *   root         {"size": n, "root": hex}
 *   inclusion    {"index": i, "size": n, "leaf_hash": hex, "path": [hex...]}
 *   consistency  {"from": m, "to": n, "path": [hex...]}
 *
 * Hashes are lower-case hex. Each builder returns a new object the caller owns, or NULL when
 * memory ran out (nothing is left allocated then).
 */
#ifndef DS_CLAIMS_LEDGER_JSON_H
#define DS_CLAIMS_LEDGER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "claims/merkle.h"

/* Adds key: hex(hash) to obj; 0 when memory ran out. */
int ds_ledger_json_add_hash(cJSON *obj, const char *key, const uint8_t hash[DS_MERKLE_HASH_SIZE]);

cJSON *ds_ledger_json_root(uint64_t size, const uint8_t root[DS_MERKLE_HASH_SIZE]);

cJSON *ds_ledger_json_inclusion(uint64_t index, uint64_t size,
                                const uint8_t leaf[DS_MERKLE_HASH_SIZE],
                                uint8_t path[][DS_MERKLE_HASH_SIZE], size_t n_path);

cJSON *ds_ledger_json_consistency(uint64_t from, uint64_t to,
                                  uint8_t path[][DS_MERKLE_HASH_SIZE], size_t n_path);

#endif
