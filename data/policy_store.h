/*
 * policy_store.h: saved quotes and bound policies in SQLite (schema step 2 in data/db.c).
 *
 *   quotes    a quote as priced: its request (so it can be bound and requoted) and its JSON
 *   policies  a bound quote: the policy JSON printed at binding, the request it was priced on,
 *             the log and the signed checkpoint seen at binding. quote_id is UNIQUE: a quote is
 *             bound at most once, enforced by the database, not by a check-then-insert race.
 *
 * Strings returned are malloc'd copies the caller frees with the _clear functions.
 * Errors: DS_ENOTFOUND for an unknown id, DS_ECONFLICT for an id or quote already stored,
 * DS_EIO for database failures (naming the path), DS_ENOMEM.
 */
#ifndef DS_DATA_POLICY_STORE_H
#define DS_DATA_POLICY_STORE_H

#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"

typedef struct ds_stored_quote {
    char *quote_id;
    char *platform_id;
    char *request_json;
    char *quote_json;
    int64_t premium;        /* minor units */
    char *created;          /* RFC 3339 UTC */
} ds_stored_quote;

typedef struct ds_stored_policy {
    char *policy_id;
    char *quote_id;
    char *platform_id;
    char *currency;
    int64_t premium;        /* minor units */
    char *request_json;     /* the quote request the premium was computed from */
    char *policy_json;      /* what `dsure bind` printed */
    char *log_origin;
    char *checkpoint;       /* signed note at binding */
    uint64_t checkpoint_size;
    char *created;
} ds_stored_policy;

int ds_quote_store_save(ds_db *db, const ds_stored_quote *quote, ds_error *err);
int ds_quote_store_load(ds_stored_quote *out, ds_db *db, const char *quote_id, ds_error *err);
void ds_stored_quote_clear(ds_stored_quote *quote);

/* Inserts a policy; a second policy for the same quote is DS_ECONFLICT naming the policy that
 * holds it. */
int ds_policy_store_insert(ds_db *db, const ds_stored_policy *policy, ds_error *err);
int ds_policy_store_load(ds_stored_policy *out, ds_db *db, const char *policy_id, ds_error *err);
void ds_stored_policy_clear(ds_stored_policy *policy);

/* The policy that binds quote_id into buf ("" when none). */
int ds_policy_store_find_by_quote(char *buf, size_t cap, ds_db *db, const char *quote_id,
                                  ds_error *err);

/*
 * The origin of the ledger log kept for platform_id: the log whose origin is platform_id or
 * ends in "/" platform_id (DESIGN.md's "ledger.example-platform.cn/P-001"); never another
 * platform's log. DS_ENOTFOUND when none fits, DS_EINVAL when several do. Caller frees *out.
 */
int ds_policy_store_log_for_platform(char **out, ds_db *db, const char *platform_id,
                                     ds_error *err);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void ds_now_rfc3339(char *buf, size_t cap);

#endif
