/*
 * http_json.h: what every handler of the HTTP server shares: the capped request-body buffer,
 * JSON response bodies rendered exactly as the CLI prints them (cJSON_Print plus a newline, so
 * `dsure quote` and POST /v1/quotes give the same bytes), and the error body
 *   {"error": {"code": "...", "message": "...", "field": "..." | null}}
 * with the mapping from DS_E* codes to HTTP statuses (docs/http.md).
 *
 * Ownership: bodies returned here are malloc'd; the server hands them to libmicrohttpd, which
 * frees them with free(). Thread safety: all functions are reentrant.
 */
#ifndef DS_WEB_HTTP_JSON_H
#define DS_WEB_HTTP_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

#define DS_HTTP_DEFAULT_MAX_BODY ((size_t)1 << 20)

/* A growable buffer that refuses to grow past max bytes. */
typedef struct ds_http_body {
    char *data;      /* NUL-terminated after every append */
    size_t len, cap, max;
} ds_http_body;

void ds_http_body_init(ds_http_body *body, size_t max);
/* Appends n bytes; DS_ENOMEM when the total would exceed max (the buffer is then unchanged). */
int ds_http_body_append(ds_http_body *body, const char *data, size_t n);
void ds_http_body_clear(ds_http_body *body);

/* A response: status, a malloc'd body and its media type (a static string). */
typedef struct ds_http_response {
    unsigned status;
    char *body;
    size_t len;
    const char *content_type;
    const char *allow;   /* for 405: the Allow header (static), else NULL */
} ds_http_response;

/* Frees the body. NULL-safe. */
void ds_http_response_clear(ds_http_response *res);

/* The HTTP status for a DS_E* code: EINVAL/EUSAGE 400, ENOTFOUND 404, ECONFLICT 409,
 * others 500. */
unsigned ds_http_status_of(int ds_code);

/* The error code word of a status: 400 "invalid_input", 401 "unauthorized", ... */
const char *ds_http_error_code(unsigned status);

/*
 * Fills res with status and JSON root rendered as the CLI renders it. Returns 0, or on
 * allocation failure fills res with a plain 500 and returns DS_ENOMEM.
 */
int ds_http_respond_json(ds_http_response *res, unsigned status, const cJSON *root);

/* Fills res with an error body; field may be NULL or "" (rendered as null). */
void ds_http_respond_error(ds_http_response *res, unsigned status, const char *field,
                           const char *message);

/*
 * Fills res with the error of a failed use case: status from err->code, message and field
 * from err (internal failures keep their message: it names the database or routine that failed,
 * never a secret).
 */
void ds_http_respond_ds_error(ds_http_response *res, const ds_error *err);

/* Fills res with text (copied) of the given media type. */
int ds_http_respond_text(ds_http_response *res, unsigned status, const char *content_type,
                         const char *text, size_t len);

#endif
