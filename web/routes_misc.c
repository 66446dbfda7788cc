/*
 * routes_misc.c: GET /healthz, GET /metrics, the web page (GET / and GET /static/...) and
 * POST /v1/keys.
 *
 * Static files come from the configured directory only: a path is refused unless every segment
 * is made of [A-Za-z0-9._-] and does not start with a dot (so "..", hidden files and encoded
 * separators never reach the file system), and only regular files are served, capped at 8 MiB.
 * /metrics and /healthz need no key (a scraper or a load balancer has none); they reveal counts
 * and log names, no tenant data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/file.h"
#include "web/request_fields.h"
#include "web/routes.h"

#define STATIC_MAX_BYTES ((size_t)8 << 20)

void ds_route_healthz(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *out = NULL;
    if (ds_db_exec(req->slot->db, "SELECT count(*) FROM sqlite_schema", &err)) {
        ds_error_set(&err, DS_EUNAVAIL, "database", "the database does not answer");
        ds_http_respond_ds_error(res, &err);
        return;
    }
    out = cJSON_CreateObject();
    if (out && cJSON_AddStringToObject(out, "status", "ok"))
        ds_http_respond_json(res, 200, out);
    else
        ds_http_respond_error(res, 500, NULL, "out of memory");
    cJSON_Delete(out);
}

void ds_route_metrics(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    if (ds_metrics_render(&text, &len, req->metrics, req->slot->db, &err)) {
        ds_http_respond_ds_error(res, &err);
        return;
    }
    res->status = 200;
    res->body = text;
    res->len = len;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
        {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    }
    return "application/octet-stream";
}

/* 1 when every segment of rel is [A-Za-z0-9._-]+ and does not start with '.'. */
static int safe_relative_path(const char *rel)
{
    if (!*rel || strlen(rel) > 200)
        return 0;
    int at_segment_start = 1;
    for (const char *c = rel; *c; c++) {
        if (*c == '/') {
            if (at_segment_start)
                return 0; /* empty segment */
            at_segment_start = 1;
            continue;
        }
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                 (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        if (!ok || (at_segment_start && *c == '.'))
            return 0;
        at_segment_start = 0;
    }
    return !at_segment_start;
}

static void serve_file(ds_http_response *res, const ds_request *req, const char *rel)
{
    if (!req->cfg->static_dir || !safe_relative_path(rel)) {
        ds_http_respond_error(res, 404, NULL, "no such file");
        return;
    }
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", req->cfg->static_dir, rel);
    struct stat st;
    if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        ds_http_respond_error(res, 404, NULL, "no such file");
        return;
    }
    ds_error err;
    ds_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    if (ds_file_read(&text, &len, path, STATIC_MAX_BYTES, &err)) {
        ds_http_respond_error(res, 404, NULL, "no such file");
        return;
    }
    res->status = 200;
    res->body = text;
    res->len = len;
    res->content_type = content_type_of(rel);
}

void ds_route_index(ds_http_response *res, const ds_request *req)
{
    serve_file(res, req, "index.html");
}

void ds_route_static(ds_http_response *res, const ds_request *req)
{
    serve_file(res, req, req->id);
}

void ds_route_key_create(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *request = NULL, *out = NULL;
    const char *role = NULL, *platform = NULL;
    char key[DS_AUTH_KEY_LEN + 1];
    int rc = ds_request_string_pair(&request, &role, &platform, req, "role", "platform", &err);
    if (!rc)
        rc = ds_auth_create_key(key, NULL, req->slot->db, role, platform, &err);
    if (rc) {
        ds_http_respond_ds_error(res, &err);
        cJSON_Delete(request);
        return;
    }
    out = cJSON_CreateObject();
    if (out && cJSON_AddStringToObject(out, "key", key) &&
        cJSON_AddStringToObject(out, "role", role) &&
        (platform ? cJSON_AddStringToObject(out, "platform", platform) != NULL
                  : cJSON_AddNullToObject(out, "platform") != NULL))
        ds_http_respond_json(res, 201, out);
    else
        ds_http_respond_error(res, 500, NULL, "out of memory");
    cJSON_Delete(out);
    cJSON_Delete(request);
}
