/*
 * metrics.h: the server's Prometheus metrics (text exposition format 0.0.4, GET /metrics).
 *
 *   dsure_http_requests_total{route,method,status}      counter
 *   dsure_http_request_duration_seconds{route}          histogram (le buckets 5 ms .. 10 s)
 *   dsure_quotes_total                                  counter of quotes priced
 *   dsure_claims_paid_total                             counter, currency units paid by claims
 *   dsure_ledger_size{log}                              gauge, entries per log (read at scrape)
 *
 * Routes are labelled by their pattern ("/v1/quotes/{id}"), never by the requested path, so ids
 * neither leak into metrics nor make the label set grow without bound; requests that match no
 * route are labelled "unmatched". Counters live in fixed arrays: memory does not grow with
 * traffic.
 * Thread safety: every function may be called from any thread (one mutex).
 */
#ifndef DS_WEB_METRICS_H
#define DS_WEB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"

typedef struct ds_metrics ds_metrics;

/* route_names is borrowed (static strings) and must outlive the metrics; index n_routes is
 * "unmatched". */
int ds_metrics_new(ds_metrics **out, const char *const *route_names, size_t n_routes);
void ds_metrics_free(ds_metrics *metrics);

/* One finished request: route index (n_routes for unmatched), method, status, duration. */
void ds_metrics_observe(ds_metrics *metrics, size_t route, const char *method, unsigned status,
                        double seconds);
void ds_metrics_add_quote(ds_metrics *metrics);
void ds_metrics_add_claims_paid(ds_metrics *metrics, double currency_units);

/* Renders the exposition text into *out (malloc'd, caller frees); db gives the ledger sizes. */
int ds_metrics_render(char **out, size_t *len, ds_metrics *metrics, ds_db *db, ds_error *err);

#endif
