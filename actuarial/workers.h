/*
 * workers.h: one job on several threads, the calling thread among them. The Monte Carlo
 * (montecarlo.c) and batch adjudication (claims/adjudicate.c) share their work out this way:
 * workers take pieces from an atomic counter until none is left, so any number of them
 * finishes the job and the result does not depend on how many ran.
 *
 * Thread safety: ds_run_workers may be called from any thread; work runs concurrently with
 * itself and must synchronise what it shares.
 */
#ifndef DS_ACTUARIAL_WORKERS_H
#define DS_ACTUARIAL_WORKERS_H

/* At most this many workers run at once. */
#define DS_MAX_WORKERS 256

/* The online cores, 1 to DS_MAX_WORKERS. */
unsigned ds_online_cores(void);

/*
 * Runs work(ctx, is_caller) on n workers at once (n capped to 1..DS_MAX_WORKERS): the calling
 * thread (is_caller 1) and n - 1 new threads (is_caller 0). Returns when every worker has
 * returned, with the number that ran: fewer than n when a thread could not be created, so work
 * must share the job out dynamically.
 */
unsigned ds_run_workers(unsigned n, void (*work)(void *ctx, int is_caller), void *ctx);

#endif
