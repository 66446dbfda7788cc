/*
 * test_openapi.c: docs/openapi.yaml describes exactly the routes the server serves.
 *
 * The paths: section is read with a line scanner (a path is a two-space-indented key starting
 * with '/', an operation a four-space-indented HTTP method under it), so the check needs no YAML
 * library. Each (method, path) of the document must be in the server's route table and must be
 * answered by a running server as a known route (not "no such route", not 405), and each route
 * of the table must be in the document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "tests/ds_test.h"
#include "web/routes.h"
#include "web/server.h"

#define OPENAPI DSURE_SOURCE_DIR "/docs/openapi.yaml"
#define MAX_OPS 64

typedef struct op {
    char method[8];
    char path[128];
} op;

static size_t read_ops(op *ops, size_t cap)
{
    FILE *f = fopen(OPENAPI, "r");
    CU_ASSERT_FATAL(f != NULL);
    char line[512], path[128] = "";
    int in_paths = 0;
    size_t n = 0;
    static const char *const methods[] = {"get", "put", "post", "delete", "patch", "head",
                                          "options"};
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != ' ' && line[0] != '\0' && line[0] != '#') {
            in_paths = strcmp(line, "paths:") == 0;
            continue;
        }
        if (!in_paths)
            continue;
        if (strncmp(line, "  /", 3) == 0) {
            size_t len = strlen(line);
            CU_ASSERT_FATAL(line[len - 1] == ':' && len - 3 < sizeof path);
            memcpy(path, line + 2, len - 3);
            path[len - 3] = '\0';
            continue;
        }
        if (strncmp(line, "    ", 4) != 0 || line[4] == ' ')
            continue;
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            size_t k = strlen(methods[m]);
            if (strncmp(line + 4, methods[m], k) == 0 && line[4 + k] == ':') {
                CU_ASSERT_FATAL(n < cap && path[0] == '/');
                for (size_t c = 0; c < k; c++)
                    ops[n].method[c] = (char)(methods[m][c] - 'a' + 'A');
                ops[n].method[k] = '\0';
                snprintf(ops[n].path, sizeof ops[n].path, "%s", path);
                n++;
            }
        }
    }
    fclose(f);
    return n;
}

static int in_document(const op *ops, size_t n, const char *method, const char *pattern)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ops[i].method, method) == 0 && strcmp(ops[i].path, pattern) == 0)
            return 1;
    }
    return 0;
}

static void test_openapi__document_lists_every_served_route_and_no_other(void)
{
    op ops[MAX_OPS];
    size_t n = read_ops(ops, MAX_OPS);
    CU_ASSERT(n == ds_n_routes);
    for (size_t r = 0; r < ds_n_routes; r++) {
        int found = in_document(ops, n, ds_routes[r].method, ds_routes[r].pattern);
        if (!found)
            fprintf(stderr, "\n  %s %s is served but not in docs/openapi.yaml\n",
                    ds_routes[r].method, ds_routes[r].pattern);
        CU_ASSERT(found);
    }
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t r = 0; r < ds_n_routes; r++)
            found |= strcmp(ops[i].method, ds_routes[r].method) == 0 &&
                     strcmp(ops[i].path, ds_routes[r].pattern) == 0;
        if (!found)
            fprintf(stderr, "\n  %s %s is documented but not served\n", ops[i].method,
                    ops[i].path);
        CU_ASSERT(found);
    }
}

static size_t sink(char *data, size_t size, size_t n, void *ctx)
{
    char **body = ctx;
    size_t old = *body ? strlen(*body) : 0;
    char *grown = realloc(*body, old + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + old, data, size * n);
    grown[old + size * n] = '\0';
    *body = grown;
    return size * n;
}

static void test_openapi__every_documented_route_is_answered_by_the_server(void)
{
    unlink("openapi.db");
    ds_error err;
    ds_error_clear(&err);
    ds_server *server = NULL;
    ds_server_config cfg = {.db_path = "openapi.db", .threads = 1};
    CU_ASSERT_FATAL(ds_server_start(&server, &cfg, &err) == 0);
    op ops[MAX_OPS];
    size_t n = read_ops(ops, MAX_OPS);
    CU_ASSERT(n > 0);
    for (size_t i = 0; i < n; i++) {
        /* Path parameters become a sample value; no key is sent, so protected routes answer
         * 401 and public ones their own status: anything but an unknown route or method. */
        char path[256] = "", *brace = strchr(ops[i].path, '{');
        if (brace)
            snprintf(path, sizeof path, "%.*sx", (int)(brace - ops[i].path), ops[i].path);
        else
            snprintf(path, sizeof path, "%s", ops[i].path);
        char url[320];
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", ds_server_port(server), path);
        CURL *curl = curl_easy_init();
        CU_ASSERT_FATAL(curl != NULL);
        char *body = NULL;
        long status = 0;
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, ops[i].method);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        if (strcmp(ops[i].method, "POST") == 0)
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
        CU_ASSERT(curl_easy_perform(curl) == CURLE_OK);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        int known = status != 405 && !(status == 404 && body && strstr(body, "no such route"));
        if (!known)
            fprintf(stderr, "\n  %s %s: %ld %s\n", ops[i].method, path, status,
                    body ? body : "");
        CU_ASSERT(known);
        CU_ASSERT(status != 0);
        free(body);
        curl_slist_free_all(h);
        curl_easy_cleanup(curl);
    }
    ds_server_free(server);
}

static const ds_test_case tests[] = {
    {"document_lists_every_served_route_and_no_other",
     test_openapi__document_lists_every_served_route_and_no_other},
    {"every_documented_route_is_answered_by_the_server",
     test_openapi__every_documented_route_is_answered_by_the_server},
};

DS_TEST_MAIN("web_openapi", tests)
