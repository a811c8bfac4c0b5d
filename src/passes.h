/*
 * passes.h - passes over the rule IR: condition simplification, subsumed
 * rule removal, tree to rules (C4.5rules), and statistics on data.
 */
#ifndef NR_PASSES_H
#define NR_PASSES_H

#include "error.h"
#include "ir.h"
#include "tree.h"

/* Remove redundant conditions from one conjunction (keep the tightest
 * threshold per variable and direction; drop `x != a` implied by `x == b`,
 * and so on) in place.  Returns 1 when the conjunction is unsatisfiable
 * (x <= 1 and x > 2; x == a and x == b; x and not x), else 0. */
int nr_simplify_conjunction(nr_cond *conds, int *nconds);

/* Simplify every rule of a rule set, drop unsatisfiable rules, and (for
 * unordered sets) drop rules subsumed by another rule of the same class
 * (whose conditions are implied by theirs).  For ordered sets, a rule is
 * dropped only when an earlier rule with the same class covers everything
 * it covers.  (Of two equivalent unordered rules the earlier stays; rule
 * sets with policy NR_POLICY_FIRST count as ordered.  Other bodies are left
 * alone.) */
int nr_simplify_ruleset(nr_rules *r, nr_error *err);

/* C4.5rules: turn r (a tree body) into an ordered-by-class rule set in
 * place: one rule per leaf, then drop each condition whose removal does not
 * raise the pessimistic error estimate (confidence factor cf) on the table
 * t (the data the tree was grown on), simplify, drop duplicates, order
 * rules by class (and within a class by confidence), choose the default
 * class as the majority of rows no rule covers.
 *
 * As C4.5rules does, a rule left without conditions goes (the default class
 * stands for it), and so does a rule left "too inaccurate": a pessimistic
 * error rate above 1/2, or above the error of giving every row its class.
 * Once the default is chosen, rules whose deletion adds no error on t are
 * deleted and the default chosen again.  The result is an NR_ORDERED set
 * with NR_POLICY_FIRST and first-fire statistics on t; r->tree is emptied.
 * cf <= 0 keeps every condition and every rule: an exact translation of
 * the tree (the rules predict as the tree on any input).  t's columns name
 * variables as for nr_tree_induce(); a tree testing a variable t lacks is
 * NR_EINVAL.  Regression trees give one rule per leaf with its value. */
int nr_tree_to_rules(nr_rules *r, const nr_table *t, double cf, nr_error *err);

/* Fill per-rule / per-node statistics from rows x (nfeatures each) with
 * labels y (the class each row should get; e.g. the network's labels).
 * Ordered sets count a row for the first rule that fires only; unordered
 * ones for every rule that fires.  y may be NULL for regression (correct
 * and confidence are then 0).  Rules on hidden units: NR_EUNSUP.  Linear
 * bodies are left alone. */
int nr_rules_stats(nr_rules *r, const float *x, const int *y, int nrows,
                   nr_error *err);

/* Round every threshold of r (conditions `var <= t` and `var > t`, inside
 * m-of-n conditions and the indicator terms of linear bodies too) to
 * `digits` significant decimal digits, 1 to 9, for display: the rules then
 * are the rounded ones, in every output.  A rule set is simplified again
 * (two thresholds may have become one).  Statistics are left as they were. */
int nr_round_thresholds(nr_rules *r, int digits, nr_error *err);

/* C4.5's pessimistic error: upper confidence bound of the error count for
 * e errors in n cases at confidence factor cf (so at least e; 0 when
 * n <= 0).  z is the exact normal quantile for cf, not C4.5's table. */
double nr_pessimistic_errors(double n, double e, double cf);

#endif
