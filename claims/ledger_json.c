/*
 * ledger_json.c: roots and proofs as JSON (see ledger_json.h). Members are added in the order
 * DESIGN.md section 4 lists them; sizes and indexes are JSON numbers as cJSON prints them.
 */
#include "claims/ledger_json.h"

#include "data/hex.h"

int ds_ledger_json_add_hash(cJSON *obj, const char *key, const uint8_t hash[DS_MERKLE_HASH_SIZE])
{
    char hex[2 * DS_MERKLE_HASH_SIZE + 1];
    ds_hex_encode(hex, hash, DS_MERKLE_HASH_SIZE);
    return cJSON_AddStringToObject(obj, key, hex) != NULL;
}

static int add_path(cJSON *obj, uint8_t path[][DS_MERKLE_HASH_SIZE], size_t n_path)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "path");
    if (!arr)
        return 0;
    for (size_t i = 0; i < n_path; i++) {
        char hex[2 * DS_MERKLE_HASH_SIZE + 1];
        ds_hex_encode(hex, path[i], DS_MERKLE_HASH_SIZE);
        cJSON *item = cJSON_CreateString(hex);
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return 0;
        }
    }
    return 1;
}

/* obj when it was built, else NULL with obj freed. */
static cJSON *built(cJSON *obj, int ok)
{
    if (obj && ok)
        return obj;
    cJSON_Delete(obj);
    return NULL;
}

cJSON *ds_ledger_json_root(uint64_t size, const uint8_t root[DS_MERKLE_HASH_SIZE])
{
    cJSON *out = cJSON_CreateObject();
    return built(out, out && cJSON_AddNumberToObject(out, "size", (double)size) &&
                          ds_ledger_json_add_hash(out, "root", root));
}

cJSON *ds_ledger_json_inclusion(uint64_t index, uint64_t size,
                                const uint8_t leaf[DS_MERKLE_HASH_SIZE],
                                uint8_t path[][DS_MERKLE_HASH_SIZE], size_t n_path)
{
    cJSON *out = cJSON_CreateObject();
    return built(out, out && cJSON_AddNumberToObject(out, "index", (double)index) &&
                          cJSON_AddNumberToObject(out, "size", (double)size) &&
                          ds_ledger_json_add_hash(out, "leaf_hash", leaf) &&
                          add_path(out, path, n_path));
}

cJSON *ds_ledger_json_consistency(uint64_t from, uint64_t to,
                                  uint8_t path[][DS_MERKLE_HASH_SIZE], size_t n_path)
{
    cJSON *out = cJSON_CreateObject();
    return built(out, out && cJSON_AddNumberToObject(out, "from", (double)from) &&
                          cJSON_AddNumberToObject(out, "to", (double)to) &&
                          add_path(out, path, n_path));
}
