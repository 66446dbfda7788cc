/*
 * bench/quote.c: issue 5's acceptance 3. Times `dsure quote`'s use case on the DESIGN.md quote
 * request with nine coverages and 100,000 simulated years on one thread (the quote is single
 * threaded), with and without the what-ifs, and reports the median of several runs.
 * Goal: under 300 ms without what-ifs.
 *
 * Usage: bench_quote [SOURCE_DIR] [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "data/file.h"
#include "data/json_in.h"
#include "pricing/quote.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_ms(cJSON *request, int runs)
{
    double times[64];
    for (int i = 0; i < runs; i++) {
        cJSON *quote = NULL;
        ds_error err;
        double t0 = now_ms();
        if (ds_quote_run(&quote, request, NULL, &err)) {
            fprintf(stderr, "bench_quote: %s\n", err.message);
            exit(1);
        }
        times[i] = now_ms() - t0;
        cJSON_Delete(quote);
    }
    qsort(times, (size_t)runs, sizeof times[0], compare);
    return times[runs / 2];
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *source = argc > 1 ? argv[1] : ".";
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 7;
    if (runs < 1 || runs > 64)
        runs = 7;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/quotes/design-example.json", source);
    char *text;
    size_t len;
    ds_error err;
    cJSON *request = NULL;
    if (ds_file_read(&text, &len, path, 1 << 20, &err) ||
        ds_json_parse(&request, text, len, path, &err)) {
        fprintf(stderr, "bench_quote: %s\n", err.message);
        return 1;
    }
    free(text);
    cJSON *options = cJSON_GetObjectItem(request, "options");
    cJSON_ReplaceItemInObject(options, "sims", cJSON_CreateNumber(100000));
    cJSON_ReplaceItemInObject(options, "what_if", cJSON_CreateFalse());
    double plain = median_ms(request, runs);
    cJSON_ReplaceItemInObject(options, "what_if", cJSON_CreateTrue());
    double with_what_if = median_ms(request, runs);
    printf("quote, 100000 years, 9 coverages, 1 thread (median of %d runs)\n", runs);
    printf("  without what-ifs: %8.1f ms   (goal < 300 ms: %s)\n", plain,
           plain < 300 ? "met" : "NOT met");
    printf("  with what-ifs:    %8.1f ms   (%.2fx the plain quote)\n", with_what_if,
           with_what_if / plain);
    cJSON_Delete(request);
    return 0;
}
