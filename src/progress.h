/*
 * progress.h - progress of long work, reported through a callback.
 *
 * The library never prints: work that may take a while (labelling many
 * rows, an exhaustive evaluation) calls nr_progress_start, _update and
 * _end on an nr_progress the caller passes in, and those call the caller's
 * function, which decides whether and how to show it (the command line
 * draws one line on a terminal).  A NULL nr_progress, or one whose fn is
 * NULL, reports nothing.  The caller owns the struct; the library only
 * sets its what and total.
 */
#ifndef NR_PROGRESS_H
#define NR_PROGRESS_H

typedef enum nr_progress_event {
    NR_PROGRESS_START,  /* done is 0 */
    NR_PROGRESS_UPDATE,
    NR_PROGRESS_END     /* done is total, or less when the work failed */
} nr_progress_event;

typedef void (*nr_progress_fn)(void *ctx, nr_progress_event ev, const char *what, double done,
                               double total);

typedef struct nr_progress {
    nr_progress_fn fn;  /* NULL: no reports */
    void *ctx;          /* handed to fn */
    /* set by nr_progress_start */
    const char *what;   /* "evaluating rows", ...: a static string */
    double total, done;
} nr_progress;

void nr_progress_start(nr_progress *p, const char *what, double total);
void nr_progress_update(nr_progress *p, double done);
void nr_progress_end(nr_progress *p);

#endif
