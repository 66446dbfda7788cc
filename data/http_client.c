/*
 * http_client.c: GET with timeouts, bounded retries and a capped body over libcurl (see
 * http_client.h).
 *
 * Retry policy. Only failures that say nothing about the request itself are retried: the
 * connection could not be made, broke, timed out or returned nothing (libcurl codes listed in
 * is_transient), and 5xx statuses (the server failed; a 500 from `dsure serve` is a database
 * failure, often a busy lock, and 502/503/504 come from proxies and restarts). A 4xx, a malformed
 * URL or an over-long reply would fail the same way again and is answered at once. The waits
 * double (0.2 s, 0.4 s, 0.8 s by default), so a restarting server gets about 1.4 s before the
 * client gives up, and an unreachable one costs at most max_tries connect timeouts plus those
 * waits.
 */
#include "data/http_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct ds_http_client {
    CURL *curl;
    struct curl_slist *headers;
    ds_http_options opts;
    char errbuf[CURL_ERROR_SIZE];
};

/* The body being received: grows geometrically up to the cap. */
typedef struct body_buf {
    char *data;
    size_t len, cap, max;
    int is_over_cap;
    int is_nomem;
} body_buf;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

/* curl_global_init is not thread-safe on every libcurl; done once for the process. */
static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void ds_http_reply_clear(ds_http_reply *reply)
{
    if (!reply)
        return;
    free(reply->body);
    memset(reply, 0, sizeof *reply);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    body_buf *b = ctx;
    size_t n = size * nmemb;
    if (n > b->max - b->len) {
        b->is_over_cap = 1;
        return 0; /* libcurl aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->is_nomem = 1;
            return 0;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int ds_http_client_new(ds_http_client **out, const ds_http_options *opts, const char *bearer,
                       ds_error *err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return ds_error_set(err, DS_EINTERNAL, NULL, "libcurl: %s", curl_easy_strerror(global_rc));
    ds_http_client *c = calloc(1, sizeof *c);
    if (!c)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (opts)
        c->opts = *opts;
    if (c->opts.connect_timeout_ms <= 0)
        c->opts.connect_timeout_ms = DS_HTTP_CONNECT_TIMEOUT_MS;
    if (c->opts.timeout_ms <= 0)
        c->opts.timeout_ms = DS_HTTP_TIMEOUT_MS;
    if (c->opts.max_tries <= 0)
        c->opts.max_tries = DS_HTTP_MAX_TRIES;
    if (c->opts.backoff_ms <= 0)
        c->opts.backoff_ms = DS_HTTP_BACKOFF_MS;
    if (c->opts.max_body == 0)
        c->opts.max_body = DS_HTTP_MAX_BODY;

    if (!(c->curl = curl_easy_init())) {
        ds_http_client_free(c);
        return ds_error_set(err, DS_EINTERNAL, NULL, "libcurl: cannot create a handle");
    }
    if (bearer && *bearer) {
        /* The header is the only copy of the key the client keeps (libcurl copies the list's
         * strings it sends); it is wiped in _free. */
        size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";
        char *line = malloc(n);
        if (!line) {
            ds_http_client_free(c);
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
        snprintf(line, n, "Authorization: Bearer %s", bearer);
        c->headers = curl_slist_append(NULL, line);
        memset(line, 0, n);
        free(line);
        if (!c->headers) {
            ds_http_client_free(c);
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
    }
    CURL *h = c->curl;
    CURLcode rc = CURLE_OK;
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_USERAGENT, "dsure");
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    if (!rc)
        rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    if (!rc && c->headers)
        rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    if (rc) {
        ds_http_client_free(c);
        return ds_error_set(err, DS_EINTERNAL, NULL, "libcurl: %s", curl_easy_strerror(rc));
    }
    *out = c;
    return 0;
}

void ds_http_client_free(ds_http_client *client)
{
    if (!client)
        return;
    if (client->curl)
        curl_easy_cleanup(client->curl);
    for (struct curl_slist *s = client->headers; s; s = s->next)
        memset(s->data, 0, strlen(s->data));
    curl_slist_free_all(client->headers);
    free(client);
}

/* Failures of the connection, not of the request: worth another try. */
static int is_transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int ds_http_get(ds_http_client *client, const char *url, ds_http_reply *reply, ds_error *err)
{
    memset(reply, 0, sizeof *reply);
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return ds_error_set(err, DS_EINVAL, url ? url : "url", "not an http:// or https:// URL");
    CURL *h = client->curl;
    long wait_ms = client->opts.backoff_ms;
    char last[CURL_ERROR_SIZE + 64] = "";
    for (int attempt = 1; attempt <= client->opts.max_tries; attempt++) {
        if (attempt > 1) {
            sleep_ms(wait_ms);
            wait_ms *= 2;
        }
        body_buf b = {NULL, 0, 0, client->opts.max_body, 0, 0};
        client->errbuf[0] = '\0';
        CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
        if (!rc)
            rc = curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        if (!rc)
            rc = curl_easy_perform(h);
        long status = 0;
        if (!rc)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (!rc && status < 500) {
            if (!b.data && !(b.data = calloc(1, 1)))
                return ds_error_set(err, DS_ENOMEM, url, "out of memory");
            reply->status = status;
            reply->body = b.data;
            reply->len = b.len;
            return 0;
        }
        free(b.data);
        if (b.is_over_cap)
            return ds_error_set(err, DS_EINVAL, url, "reply larger than %zu bytes",
                                client->opts.max_body);
        if (b.is_nomem || rc == CURLE_OUT_OF_MEMORY)
            return ds_error_set(err, DS_ENOMEM, url, "out of memory");
        if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
            return ds_error_set(err, DS_EINVAL, url, "%s",
                                client->errbuf[0] ? client->errbuf : curl_easy_strerror(rc));
        if (rc && !is_transient(rc))
            return ds_error_set(err, DS_EUNAVAIL, url, "%s",
                                client->errbuf[0] ? client->errbuf : curl_easy_strerror(rc));
        if (rc)
            snprintf(last, sizeof last, "%s",
                     client->errbuf[0] ? client->errbuf : curl_easy_strerror(rc));
        else
            snprintf(last, sizeof last, "HTTP status %ld", status);
    }
    return ds_error_set(err, DS_EUNAVAIL, url, "%s (after %d tries)", last,
                        client->opts.max_tries);
}

int ds_http_escape(char **out, const char *s, ds_error *err)
{
    static const char hexdigits[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *e = malloc(3 * n + 1);
    if (!e) {
        *out = NULL;
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    size_t at = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        int keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_' || *c == '~';
        if (keep) {
            e[at++] = (char)*c;
        } else {
            e[at++] = '%';
            e[at++] = hexdigits[*c >> 4];
            e[at++] = hexdigits[*c & 15];
        }
    }
    e[at] = '\0';
    *out = e;
    return 0;
}
