/*
 * parallel.h - run independent tasks on every core.
 *
 * The extractors grow many trees that do not depend on each other (one per
 * cut of a hidden unit, one per clause).  Each task writes only its own
 * results, so the outcome is the same whatever the number of threads and
 * the order they finish in: byte-identical output for the same seed.
 */
#ifndef NR_PARALLEL_H
#define NR_PARALLEL_H

#include "error.h"

/* One task: i in 0..n-1; returns 0 or a negative NR_E* code with err set. */
typedef int (*nr_task_fn)(void *ctx, int i, nr_error *err);

/* The number of threads to use: NN2RULES_THREADS when set (1 to 64), else
 * the cores online, at most 8. */
int nr_threads(void);

/* Run fn(ctx, i) for i in 0..n-1 on up to nr_threads() threads.  On
 * failure, the error of the lowest failing task goes to err (tasks after a
 * failure may or may not have run).  done (may be NULL) is called from the
 * calling thread only, now and then, with the number of tasks finished. */
int nr_parallel_for(int n, nr_task_fn fn, void *ctx, void (*done)(void *ctx, int ndone),
                    nr_error *err);

/* The same on at most maxthreads threads (at least 1), for tasks that each
 * need much memory. */
int nr_parallel_for_upto(int n, int maxthreads, nr_task_fn fn, void *ctx,
                         void (*done)(void *ctx, int ndone), nr_error *err);

#endif
