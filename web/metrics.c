/*
 * metrics.c: counters and histograms behind one mutex, rendered in the Prometheus text format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/, version 0.0.4).
 */
#include "web/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/ledger_list.h"

#define MAX_ROUTES 32
#define N_METHODS 4
#define N_BUCKETS 11

static const char *const methods[N_METHODS] = {"GET", "POST", "HEAD", "OTHER"};
static const unsigned statuses[] = {200, 201, 400, 401, 404, 405, 409, 413, 415, 500, 501, 503};
#define N_STATUSES (sizeof statuses / sizeof statuses[0] + 1) /* last: any other status */
/* Upper bounds of the latency buckets in seconds (Prometheus client defaults). */
static const double buckets[N_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1,    2.5,   5,    10};

struct ds_metrics {
    pthread_mutex_t lock;
    const char *const *route_names;
    size_t n_routes;   /* + 1 for unmatched */
    uint64_t requests[MAX_ROUTES + 1][N_METHODS][N_STATUSES];
    uint64_t other_status[MAX_ROUTES + 1][N_METHODS]; /* the status of the last "other" */
    uint64_t bucket[MAX_ROUTES + 1][N_BUCKETS];
    uint64_t count[MAX_ROUTES + 1];
    double sum[MAX_ROUTES + 1];
    uint64_t quotes;
    double claims_paid;
};

int ds_metrics_new(ds_metrics **out, const char *const *route_names, size_t n_routes)
{
    *out = NULL;
    if (n_routes > MAX_ROUTES)
        return DS_EINTERNAL;
    ds_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return DS_ENOMEM;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return DS_EINTERNAL;
    }
    m->route_names = route_names;
    m->n_routes = n_routes;
    *out = m;
    return 0;
}

void ds_metrics_free(ds_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static size_t method_index(const char *method)
{
    for (size_t i = 0; i + 1 < N_METHODS; i++) {
        if (method && strcmp(method, methods[i]) == 0)
            return i;
    }
    return N_METHODS - 1;
}

static size_t status_index(unsigned status)
{
    for (size_t i = 0; i + 1 < N_STATUSES; i++) {
        if (statuses[i] == status)
            return i;
    }
    return N_STATUSES - 1;
}

void ds_metrics_observe(ds_metrics *m, size_t route, const char *method, unsigned status,
                        double seconds)
{
    if (!m)
        return;
    if (route > m->n_routes)
        route = m->n_routes;
    size_t mi = method_index(method), si = status_index(status);
    pthread_mutex_lock(&m->lock);
    m->requests[route][mi][si]++;
    if (si == N_STATUSES - 1)
        m->other_status[route][mi] = status;
    for (size_t b = 0; b < N_BUCKETS; b++) {
        if (seconds <= buckets[b])
            m->bucket[route][b]++;
    }
    m->count[route]++;
    m->sum[route] += seconds;
    pthread_mutex_unlock(&m->lock);
}

void ds_metrics_add_quote(ds_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->quotes++;
    pthread_mutex_unlock(&m->lock);
}

void ds_metrics_add_claims_paid(ds_metrics *m, double currency_units)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->claims_paid += currency_units;
    pthread_mutex_unlock(&m->lock);
}

/* A growable text buffer for the exposition (bounded by the fixed label sets and log count). */
typedef struct text {
    char *data;
    size_t len, cap;
    int failed;
} text;

__attribute__((format(printf, 2, 3))) static void put(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt,
                          ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if (t->data && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 8192;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
}

/* A label value with \ " and newline escaped, as the format requires. */
static void put_label(text *t, const char *value)
{
    for (const char *c = value; *c; c++) {
        if (*c == '\\')
            put(t, "\\\\");
        else if (*c == '"')
            put(t, "\\\"");
        else if (*c == '\n')
            put(t, "\\n");
        else
            put(t, "%c", *c);
    }
}

static int put_log_size(void *ctx, const char *origin, uint64_t size)
{
    text *t = ctx;
    put(t, "dsure_ledger_size{log=\"");
    put_label(t, origin);
    put(t, "\"} %llu\n", (unsigned long long)size);
    return t->failed ? DS_ENOMEM : 0;
}

static const char *route_name(const ds_metrics *m, size_t r)
{
    return r < m->n_routes ? m->route_names[r] : "unmatched";
}

int ds_metrics_render(char **out, size_t *len, ds_metrics *m, ds_db *db, ds_error *err)
{
    *out = NULL;
    *len = 0;
    text t = {0};
    put(&t, "# HELP dsure_http_requests_total HTTP requests by route, method and status.\n"
            "# TYPE dsure_http_requests_total counter\n");
    pthread_mutex_lock(&m->lock);
    for (size_t r = 0; r <= m->n_routes; r++) {
        for (size_t mi = 0; mi < N_METHODS; mi++) {
            for (size_t si = 0; si < N_STATUSES; si++) {
                uint64_t n = m->requests[r][mi][si];
                if (!n)
                    continue;
                unsigned status = si + 1 < N_STATUSES ? statuses[si]
                                                      : (unsigned)m->other_status[r][mi];
                put(&t, "dsure_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} "
                        "%llu\n",
                    route_name(m, r), methods[mi], status, (unsigned long long)n);
            }
        }
    }
    put(&t, "# HELP dsure_http_request_duration_seconds Time from the request's headers to its "
            "response.\n# TYPE dsure_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= m->n_routes; r++) {
        if (!m->count[r])
            continue;
        for (size_t b = 0; b < N_BUCKETS; b++)
            put(&t, "dsure_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                route_name(m, r), buckets[b], (unsigned long long)m->bucket[r][b]);
        put(&t, "dsure_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            route_name(m, r), (unsigned long long)m->count[r]);
        put(&t, "dsure_http_request_duration_seconds_sum{route=\"%s\"} %.9g\n", route_name(m, r),
            m->sum[r]);
        put(&t, "dsure_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
            route_name(m, r), (unsigned long long)m->count[r]);
    }
    put(&t, "# HELP dsure_quotes_total Quotes priced.\n# TYPE dsure_quotes_total counter\n"
            "dsure_quotes_total %llu\n",
        (unsigned long long)m->quotes);
    put(&t, "# HELP dsure_claims_paid_total Amount paid by adjudicated claims, currency units.\n"
            "# TYPE dsure_claims_paid_total counter\ndsure_claims_paid_total %.2f\n",
        m->claims_paid);
    pthread_mutex_unlock(&m->lock);
    put(&t, "# HELP dsure_ledger_size Entries in each ledger log.\n"
            "# TYPE dsure_ledger_size gauge\n");
    int rc = t.failed ? DS_ENOMEM : ds_ledger_list_logs(db, put_log_size, &t, err);
    if (!rc && t.failed)
        rc = DS_ENOMEM;
    if (rc) {
        free(t.data);
        if (rc == DS_ENOMEM)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory rendering metrics");
        return rc;
    }
    *out = t.data;
    *len = t.len;
    return 0;
}
