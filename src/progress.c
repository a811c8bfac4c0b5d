/*
 * progress.c - progress reports through the caller's callback (see
 * progress.h).
 */
#include "progress.h"

#include <stddef.h>

void nr_progress_start(nr_progress *p, const char *what, double total)
{
    if (!p || !p->fn)
        return;
    p->what = what;
    p->total = total;
    p->done = 0;
    p->fn(p->ctx, NR_PROGRESS_START, what, 0, total);
}

void nr_progress_update(nr_progress *p, double done)
{
    if (!p || !p->fn)
        return;
    p->done = done;
    p->fn(p->ctx, NR_PROGRESS_UPDATE, p->what, done, p->total);
}

void nr_progress_end(nr_progress *p)
{
    if (!p || !p->fn)
        return;
    p->fn(p->ctx, NR_PROGRESS_END, p->what, p->done, p->total);
}
