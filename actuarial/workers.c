/*
 * workers.c: running one job on several threads (see workers.h).
 */
#include "actuarial/workers.h"

#include <pthread.h>
#include <unistd.h>

typedef struct worker_call {
    void (*work)(void *ctx, int is_caller);
    void *ctx;
} worker_call;

static void *worker_main(void *arg)
{
    const worker_call *call = arg;
    call->work(call->ctx, 0);
    return NULL;
}

unsigned ds_online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DS_MAX_WORKERS ? DS_MAX_WORKERS : (unsigned)n;
}

unsigned ds_run_workers(unsigned n, void (*work)(void *ctx, int is_caller), void *ctx)
{
    if (n > DS_MAX_WORKERS)
        n = DS_MAX_WORKERS;
    worker_call call = {work, ctx};
    pthread_t ids[DS_MAX_WORKERS];
    unsigned started = 0;
    /* If a thread cannot start, the others do its share. */
    for (unsigned t = 1; t < n; t++) {
        if (pthread_create(&ids[started], NULL, worker_main, &call) != 0)
            break;
        started++;
    }
    work(ctx, 1);
    for (unsigned t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    return started + 1;
}
