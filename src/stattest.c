/*
 * stattest.c - chi-squared and F tail probabilities (stattest.h), through
 * the regularized incomplete gamma and beta functions: a power series
 * where it converges fast, else a continued fraction evaluated by Lentz's
 * method.
 */
#include "stattest.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define ITMAX 1000
#define EPS 1e-15
#define TINY 1e-300

/* One step of Lentz's method for a continued fraction with partial
 * numerator an and denominator bn: updates c and d (kept off zero) and
 * returns the factor the fraction's value is multiplied by. */
static double lentz_step(double an, double bn, double *c, double *d)
{
    *d = bn + an * *d;
    if (fabs(*d) < TINY)
        *d = TINY;
    *c = bn + an / *c;
    if (fabs(*c) < TINY)
        *c = TINY;
    *d = 1 / *d;
    return *d * *c;
}

/* Q(a, x) = Gamma(a, x) / Gamma(a), the upper regularized gamma. */
static double gamma_q(double a, double x)
{
    if (x <= 0)
        return 1;
    if (x < a + 1) {
        /* P by its series: x^a e^-x / Gamma(a + 1) * sum x^n / ((a+1)...(a+n)) */
        double term = 1 / a, sum = term;
        for (int n = 1; n < ITMAX; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * EPS)
                break;
        }
        double p = sum * exp(-x + a * log(x) - lgamma(a));
        return p > 1 ? 0 : 1 - p;
    }
    /* Q by the continued fraction e^-x x^a / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- ...)) */
    double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
    for (int i = 1; i < ITMAX; i++) {
        double an = -i * (i - a), del;
        b += 2;
        del = lentz_step(an, b, &c, &d);
        h *= del;
        if (fabs(del - 1) < EPS)
            break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

/* The continued fraction of the incomplete beta function (converges for
 * x < (a + 1) / (a + b + 2)). */
static double beta_cf(double a, double b, double x)
{
    double c = 1, d = 1 - (a + b) * x / (a + 1), h;
    if (fabs(d) < TINY)
        d = TINY;
    d = 1 / d;
    h = d;
    for (int m = 1; m < ITMAX; m++) {
        double m2 = 2.0 * m, aa, del;
        aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        h *= lentz_step(aa, 1, &c, &d);
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        del = lentz_step(aa, 1, &c, &d);
        h *= del;
        if (fabs(del - 1) < EPS)
            break;
    }
    return h;
}

/* I_x(a, b), the regularized incomplete beta function. */
static double beta_i(double a, double b, double x)
{
    double front;
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double nr_chi2_sf(double x, double dof)
{
    if (!(x > 0))
        return 1;
    if (isinf(x))
        return 0;
    return gamma_q(dof / 2, x / 2);
}

double nr_f_sf(double f, double d1, double d2)
{
    if (!(f > 0))
        return 1;
    if (isinf(f))
        return 0;
    /* P(F >= f) = I_{d2 / (d2 + d1 f)}(d2 / 2, d1 / 2) */
    return beta_i(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}

double nr_chi2_table_p(const double *table, int nr, int nc)
{
    double *rs = calloc((size_t)nr, sizeof *rs), *cs = calloc((size_t)nc, sizeof *cs), tot = 0, x2 = 0;
    int rr = 0, cc = 0;
    if (!rs || !cs) {
        free(rs);
        free(cs);
        return 1; /* no evidence either way: keep the leaf */
    }
    for (int i = 0; i < nr; i++)
        for (int k = 0; k < nc; k++) {
            rs[i] += table[(size_t)i * nc + k];
            cs[k] += table[(size_t)i * nc + k];
        }
    for (int i = 0; i < nr; i++) {
        tot += rs[i];
        rr += rs[i] > 0;
    }
    for (int k = 0; k < nc; k++)
        cc += cs[k] > 0;
    if (rr >= 2 && cc >= 2 && tot > 0)
        for (int i = 0; i < nr; i++)
            for (int k = 0; k < nc; k++)
                if (rs[i] > 0 && cs[k] > 0) {
                    double e = rs[i] * cs[k] / tot, o = table[(size_t)i * nc + k] - e;
                    x2 += o * o / e;
                }
    free(rs);
    free(cs);
    return rr >= 2 && cc >= 2 ? nr_chi2_sf(x2, (double)(rr - 1) * (cc - 1)) : 1;
}
