/*
 * http_client.h: HTTP GET over libcurl for dsure's clients (`dsure ledger sync`).
 *
 * What it guarantees:
 *   - bounded waits: a connect timeout and a whole-request timeout on every try;
 *   - bounded retries: a connection-level failure (refused, reset, timed out, nothing received)
 *     or a 5xx status is tried again after an exponential backoff (by default 4 tries, waiting
 *     0.2 s, 0.4 s, 0.8 s between them); anything else is answered at once;
 *   - a bounded reply: the body is accumulated into a buffer capped at max_body bytes; a longer
 *     reply is refused (DS_EINVAL naming the URL), never truncated;
 *   - the bearer key is sent only in the Authorization header of the URL asked for: redirects
 *     are not followed, only http and https are spoken, and the key never appears in a message.
 *
 * Errors: DS_EUNAVAIL "URL: reason (after N tries)" when the server could not be reached or kept
 * answering 5xx; DS_EINVAL for a malformed or non-http(s) URL, or a reply above the cap;
 * DS_ENOMEM; DS_EINTERNAL when libcurl cannot be set up. A 2xx, 3xx or 4xx reply is a success
 * of the transport: the caller reads reply->status.
 * Thread safety: a ds_http_client belongs to one thread; several clients may live in several
 * threads (libcurl's global set-up is done once, under pthread_once).
 */
#ifndef DS_DATA_HTTP_CLIENT_H
#define DS_DATA_HTTP_CLIENT_H

#include <stddef.h>

#include "actuarial/error.h"

/* Defaults of ds_http_options (a zero member takes its default). */
#define DS_HTTP_CONNECT_TIMEOUT_MS 5000L
#define DS_HTTP_TIMEOUT_MS 30000L
#define DS_HTTP_MAX_TRIES 4
#define DS_HTTP_BACKOFF_MS 200L
#define DS_HTTP_MAX_BODY ((size_t)16 << 20)

typedef struct ds_http_options {
    long connect_timeout_ms; /* per try, to establish the connection */
    long timeout_ms;         /* per try, the whole request */
    int max_tries;           /* tries in all (1 = no retry) */
    long backoff_ms;         /* wait before the second try; doubles before each further one */
    size_t max_body;         /* reply body cap in bytes */
} ds_http_options;

/* A reply. body is malloc'd and NUL-terminated (len excludes the NUL); release with _clear. */
typedef struct ds_http_reply {
    long status;
    char *body;
    size_t len;
} ds_http_reply;

/* Frees the body and zeroes reply. NULL-safe. */
void ds_http_reply_clear(ds_http_reply *reply);

typedef struct ds_http_client ds_http_client;

/*
 * A client with opts (NULL: every default) and an optional bearer key (copied; NULL or "" sends
 * no Authorization header). Connections are kept alive between requests of one client.
 * Caller frees *out with ds_http_client_free. Errors: DS_ENOMEM, DS_EINTERNAL.
 */
int ds_http_client_new(ds_http_client **out, const ds_http_options *opts, const char *bearer,
                       ds_error *err);

/* NULL-safe; wipes the copy of the key. */
void ds_http_client_free(ds_http_client *client);

/*
 * GET url into *reply (cleared first; on error it stays cleared), with the retries above.
 * Errors as the file comment.
 */
int ds_http_get(ds_http_client *client, const char *url, ds_http_reply *reply, ds_error *err);

/*
 * Percent-encodes s for a query string value (RFC 3986: every byte but ALPHA / DIGIT / "-" /
 * "." / "_" / "~" becomes %XX) into *out (malloc'd, caller frees). Returns 0 or DS_ENOMEM.
 */
int ds_http_escape(char **out, const char *s, ds_error *err);

#endif
