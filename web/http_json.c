/*
 * http_json.c: request bodies, JSON and error responses (see http_json.h).
 */
#include "web/http_json.h"

#include <stdlib.h>
#include <string.h>

void ds_http_body_init(ds_http_body *body, size_t max)
{
    memset(body, 0, sizeof *body);
    body->max = max;
}

int ds_http_body_append(ds_http_body *body, const char *data, size_t n)
{
    if (n > body->max - body->len)
        return DS_ENOMEM;
    if (body->len + n + 1 > body->cap) {
        size_t cap = body->cap ? body->cap : 4096;
        while (cap < body->len + n + 1)
            cap *= 2;
        if (cap > body->max + 1)
            cap = body->max + 1;
        char *grown = realloc(body->data, cap);
        if (!grown)
            return DS_ENOMEM;
        body->data = grown;
        body->cap = cap;
    }
    memcpy(body->data + body->len, data, n);
    body->len += n;
    body->data[body->len] = '\0';
    return 0;
}

void ds_http_body_clear(ds_http_body *body)
{
    if (!body)
        return;
    free(body->data);
    size_t max = body->max;
    memset(body, 0, sizeof *body);
    body->max = max;
}

void ds_http_response_clear(ds_http_response *res)
{
    if (!res)
        return;
    free(res->body);
    memset(res, 0, sizeof *res);
}

unsigned ds_http_status_of(int ds_code)
{
    switch (ds_code) {
    case DS_EINVAL:
    case DS_EUSAGE: return 400;
    case DS_ENOTFOUND: return 404;
    case DS_ECONFLICT: return 409;
    case DS_EUNAVAIL: return 503;
    default: return 500;
    }
}

const char *ds_http_error_code(unsigned status)
{
    switch (status) {
    case 400: return "invalid_input";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    default: return "internal";
    }
}

/* The last resort when even an error body cannot be built. */
static void respond_oom(ds_http_response *res)
{
    static const char text[] =
        "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\",\"field\":null}}\n";
    free(res->body);
    res->status = 500;
    res->content_type = "application/json";
    res->body = malloc(sizeof text);
    res->len = res->body ? sizeof text - 1 : 0;
    if (res->body)
        memcpy(res->body, text, sizeof text);
}

int ds_http_respond_json(ds_http_response *res, unsigned status, const cJSON *root)
{
    char *text = root ? cJSON_Print(root) : NULL;
    if (!text) {
        respond_oom(res);
        return DS_ENOMEM;
    }
    size_t n = strlen(text);
    char *body = malloc(n + 2);
    if (!body) {
        cJSON_free(text);
        respond_oom(res);
        return DS_ENOMEM;
    }
    memcpy(body, text, n);
    body[n] = '\n';
    body[n + 1] = '\0';
    cJSON_free(text);
    free(res->body);
    res->status = status;
    res->body = body;
    res->len = n + 1;
    res->content_type = "application/json";
    return 0;
}

void ds_http_respond_error(ds_http_response *res, unsigned status, const char *field,
                           const char *message)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *error = root ? cJSON_AddObjectToObject(root, "error") : NULL;
    int ok = error && cJSON_AddStringToObject(error, "code", ds_http_error_code(status)) &&
             cJSON_AddStringToObject(error, "message", message ? message : "") &&
             (field && *field ? cJSON_AddStringToObject(error, "field", field) != NULL
                              : cJSON_AddNullToObject(error, "field") != NULL);
    if (ok)
        ds_http_respond_json(res, status, root);
    else
        respond_oom(res);
    cJSON_Delete(root);
}

void ds_http_respond_ds_error(ds_http_response *res, const ds_error *err)
{
    int code = err->code ? err->code : DS_EINTERNAL;
    const char *message = err->message[0] ? err->message : ds_error_name(code);
    ds_http_respond_error(res, ds_http_status_of(code), err->field, message);
}

int ds_http_respond_text(ds_http_response *res, unsigned status, const char *content_type,
                         const char *text, size_t len)
{
    char *body = malloc(len + 1);
    if (!body) {
        respond_oom(res);
        return DS_ENOMEM;
    }
    if (len)
        memcpy(body, text, len);
    body[len] = '\0';
    free(res->body);
    res->status = status;
    res->body = body;
    res->len = len;
    res->content_type = content_type;
    return 0;
}
