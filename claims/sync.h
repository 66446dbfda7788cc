/*
 * sync.h: following a remote party's provenance log (`dsure ledger sync`, DESIGN.md sections 4
 * and 6, docs/sync.md).
 *
 * A replica is a local log (logs row with key_path '', no private key) of the remote's origin,
 * with a replicas row recording where it was synced from and the verifier key it trusts. One
 * sync:
 *   1. fetches the remote's latest signed checkpoint and verifies its signature and origin with
 *      the pinned verifier key: the one given (--key) or, on a first sync without one, the key
 *      the remote publishes (GET /v1/ledger/key), trusted on first use and recorded as such
 *      (replicas.trust 'first_use'); every later sync holds the remote to the pinned key, and a
 *      different key is refused unless repin is set;
 *   2. compares it with the replica: a smaller tree, or an equal size with another root, is a
 *      rewritten history (DS_EMISMATCH);
 *   3. for a larger tree, fetches the remote's consistency proof from the replica's size and
 *      verifies it between the replica's root (recomputed from its stored hashes, and equal to
 *      the last checkpoint it holds) and the signed root; fetches the new entries in pages,
 *      recomputes every leaf hash from the entry bytes, and recomputes the root of the extended
 *      tree, which must equal the signed root;
 *   4. only then writes, in one transaction: the entries, their subtree hashes, the new size,
 *      the remote's checkpoint note and the replicas row.
 * Nothing is written when any step fails. The new entries are held in memory until the commit
 * (their bytes plus 32 bytes each), so that no write lock is held while the network is read.
 *
 * The transport is a function pointer, so tests replace HTTP with a fake remote.
 *
 * Errors: DS_EMISMATCH (bad signature, other origin, history changed or went back, a proof or
 * root that does not verify: exit 1), DS_EUNAVAIL (the remote could not be reached: exit 69),
 * DS_EINVAL (a malformed reply or option, naming it), DS_EUSAGE (several replicas from one
 * URL, naming "--log"), DS_ECONFLICT (another key
 * than the pinned one without repin; a log of this origin that is not a replica), DS_ENOTFOUND
 * (the remote has no such log or no checkpoint yet), DS_EIO (database), DS_ENOMEM.
 * Thread safety: one sync per ds_db at a time, in the thread that owns the ds_db.
 */
#ifndef DS_CLAIMS_SYNC_H
#define DS_CLAIMS_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "claims/checkpoint.h"
#include "data/db.h"

/* The largest page the server returns (docs/http.md), and the default page asked for. */
#define DS_SYNC_MAX_PAGE 1000

/*
 * A transport: GETs `target` (a path and query, "/v1/ledger/checkpoint?log=...") from the
 * remote. On success returns 0 with the HTTP status and the body (malloc'd, NUL-terminated,
 * *body_len bytes before the NUL; the caller frees it) for any status; returns a negative
 * DS_E* code (DS_EUNAVAIL when the remote cannot be reached) and fills err otherwise.
 */
typedef int (*ds_sync_get_fn)(void *ctx, const char *target, long *status, char **body,
                              size_t *body_len, ds_error *err);

typedef struct ds_sync_transport {
    ds_sync_get_fn get;
    void *ctx;
} ds_sync_transport;

typedef struct ds_sync_options {
    const char *source_url;   /* recorded with the replica (and used to find it without --log) */
    const char *origin;       /* the log to follow (--log); NULL: from the key or the replica */
    const char *verifier_key; /* --key; NULL: the replica's pinned key */
    int repin;                /* accept a verifier_key other than the pinned one */
    uint64_t page;            /* entries per request, 1..DS_SYNC_MAX_PAGE; 0: the maximum */
} ds_sync_options;

/* What a sync did. note is malloc'd; release with ds_sync_result_clear. */
typedef struct ds_sync_result {
    char origin[DS_CHECKPOINT_ORIGIN_MAX];
    uint64_t from;     /* the replica's size before */
    uint64_t to;       /* its size after: the remote checkpoint's size */
    uint64_t appended; /* to - from */
    char *note;        /* the remote checkpoint the replica now holds */
    int trusted_on_first_use; /* the key was taken from the remote and pinned by this sync */
} ds_sync_result;

/* Frees note and zeroes result. NULL-safe. */
void ds_sync_result_clear(ds_sync_result *result);

/*
 * Runs one sync of the replica in db (see the file comment). *out is zeroed first and filled
 * only on success. Which log: opts->origin, else the name of opts->verifier_key, else the one
 * replica recorded with source_url (DS_EUSAGE when there are several), else the remote's default
 * log, whose published key is then trusted on first use.
 */
int ds_sync_run(ds_sync_result *out, ds_db *db, const ds_sync_options *opts,
                const ds_sync_transport *transport, ds_error *err);

/* The HTTP transport over data/http_client.h. */
typedef struct ds_sync_http ds_sync_http;

/*
 * A transport to the server at base_url ("http://host:port", an optional path prefix; a
 * trailing '/' is ignored) with an optional bearer API key, retries as data/http_client.h.
 * Fills *transport to use it; caller frees *out with ds_sync_http_free after the last use.
 * Errors: DS_EINVAL ("--from") for a URL that is not http:// or https:// or carries a query or
 * fragment; DS_ENOMEM; DS_EINTERNAL.
 */
int ds_sync_http_new(ds_sync_http **out, ds_sync_transport *transport, const char *base_url,
                     const char *api_key, ds_error *err);

/* NULL-safe. */
void ds_sync_http_free(ds_sync_http *http);

#endif
