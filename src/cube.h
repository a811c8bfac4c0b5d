/*
 * cube.h - rules against the network over the whole input cube of a model
 * whose inputs are all Boolean or one-hot (a group of g members is one
 * variable with g values): exact counts by enumerating every point, or an
 * estimate from uniform samples of the cube when it is too big for that.
 *
 * nr_evaluate_exhaustive() (extract.h) is nr_evaluate_cube() in NR_CUBE_FAST
 * mode.
 */
#ifndef NR_CUBE_H
#define NR_CUBE_H

#include <stdint.h>

#include "extract.h"

/* How the rules are decided on each point of the cube.  Both give the same
 * counts; the per-point mode is there so that tests can check that. */
typedef enum nr_cube_mode {
    NR_CUBE_FAST = 0,      /* 64 points at once as bit masks when every condition
                              tests an input (else per point) */
    NR_CUBE_PER_POINT = 1  /* nr_rules_predict() on every point */
} nr_cube_mode;

/* Exact counts over the cube, on nr_threads() threads (the counts do not
 * depend on their number).  Refuses cubes above 2^max_bits points with
 * NR_ELIMIT. */
int nr_evaluate_cube(const nr_rules *r, const nn_model *m, int max_bits, nr_cube_mode mode,
                     nr_exhaustive_result *res, nr_progress *prog, nr_error *err);

/* Whether NR_CUBE_FAST decides these rules by bit masks (else per point):
 * every condition tests an input, the body is a tree or a rule set. */
int nr_cube_by_masks(const nr_rules *r, const nn_model *m);

/* Fidelity estimated from `samples` points drawn uniformly from the cube
 * (every Boolean input 0 or 1 with even odds, every one-hot group's member
 * equally likely), seeded: the same seed gives the same points. */
typedef struct nr_cube_estimate {
    char *total;              /* the cube's points, decimal; malloc'd */
    long samples;
    long agree;               /* sampled points where rules == network */
    long covered;             /* sampled points where a rule fired */
    double fidelity;          /* agree / samples */
    double lo, hi;            /* its 95% Wilson score interval */
    int nclasses;
    long *confusion;          /* nclasses * nclasses: [network][rules]; malloc'd */
} nr_cube_estimate;

int nr_estimate_cube(const nr_rules *r, const nn_model *m, long samples, uint64_t seed,
                     nr_cube_estimate *res, nr_progress *prog, nr_error *err);
void nr_cube_estimate_free(nr_cube_estimate *res);

/* The 95% Wilson score interval of a proportion k of n. */
void nr_wilson95(long k, long n, double *lo, double *hi);

#endif
