/*
 * parallel.c - see parallel.h.  Threads take the next task index from a
 * shared counter under a mutex; the calling thread works too and reports
 * progress.
 */
#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int nr_threads(void)
{
    const char *env = getenv("NN2RULES_THREADS");
    long n;
    if (env && *env) {
        char *end;
        n = strtol(env, &end, 10);
        if (!*end && n >= 1 && n <= 64)
            return (int)n;
    }
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

typedef struct pool {
    pthread_mutex_t lock;
    int next, n, ndone, failed_at;
    nr_task_fn fn;
    void *ctx;
    nr_error err;   /* of the lowest failing task */
} pool;

/* Take tasks until none are left (or one failed); returns after each task
 * when `one` so that the calling thread can report progress. */
static void work(pool *p, int one)
{
    for (;;) {
        nr_error err;
        int i, rc;
        pthread_mutex_lock(&p->lock);
        i = p->failed_at < p->n ? p->n : p->next;
        if (i < p->n)
            p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n)
            return;
        nr_error_clear(&err);
        rc = p->fn(p->ctx, i, &err);
        pthread_mutex_lock(&p->lock);
        p->ndone++;
        if (rc < 0 && i < p->failed_at) {
            p->failed_at = i;
            p->err = err;
        }
        pthread_mutex_unlock(&p->lock);
        if (one)
            return;
    }
}

static void *thread_main(void *arg)
{
    work(arg, 0);
    return NULL;
}

int nr_parallel_for(int n, nr_task_fn fn, void *ctx, void (*done)(void *ctx, int ndone),
                    nr_error *err)
{
    return nr_parallel_for_upto(n, 64, fn, ctx, done, err);
}

int nr_parallel_for_upto(int n, int maxthreads, nr_task_fn fn, void *ctx,
                         void (*done)(void *ctx, int ndone), nr_error *err)
{
    pool p;
    pthread_t tid[64];
    int nt = nr_threads(), started = 0, left;
    if (nt > maxthreads)
        nt = maxthreads < 1 ? 1 : maxthreads;
    if (n <= 0)
        return 0;
    memset(&p, 0, sizeof p);
    p.n = n;
    p.failed_at = n;
    p.fn = fn;
    p.ctx = ctx;
    if (pthread_mutex_init(&p.lock, NULL) != 0)
        return nr_error_set(err, NR_ENOMEM, "cannot make a lock for the worker threads");
    if (nt > n)
        nt = n;
    for (int t = 1; t < nt; t++)
        if (pthread_create(&tid[started], NULL, thread_main, &p) == 0)
            started++;
    /* the calling thread works too (alone, if no thread could start) */
    do {
        int ndone;
        work(&p, 1);
        pthread_mutex_lock(&p.lock);
        left = p.next < p.n && p.failed_at == p.n;
        ndone = p.ndone;
        pthread_mutex_unlock(&p.lock);
        if (done)
            done(ctx, ndone);
    } while (left);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&p.lock);
    if (done)
        done(ctx, p.ndone);
    if (p.failed_at < n) {
        *err = p.err;
        return err->code ? err->code : NR_ENOMEM;
    }
    return 0;
}
