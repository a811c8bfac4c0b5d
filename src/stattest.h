/*
 * stattest.h - tail probabilities of the chi-squared and F distributions,
 * for the significance tests that stop tree growth (ANN-DT).
 */
#ifndef NR_STATTEST_H
#define NR_STATTEST_H

/* P(X >= x) for X chi-squared with dof degrees of freedom (dof > 0);
 * 1 for x <= 0. */
double nr_chi2_sf(double x, double dof);

/* P(X >= f) for X F-distributed with d1 and d2 degrees of freedom (both
 * > 0); 1 for f <= 0. */
double nr_f_sf(double f, double d1, double d2);

/* The p-value of Pearson's chi-squared test of independence on a table of
 * nr rows (groups) by nc columns (classes) of weights, row-major; rows and
 * columns that weigh nothing are left out of the degrees of freedom.  1
 * when fewer than two rows or columns weigh anything. */
double nr_chi2_table_p(const double *table, int nr, int nc);

#endif
