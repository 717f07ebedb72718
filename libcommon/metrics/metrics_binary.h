/* Binary classification metrics at a threshold and from probabilities, as
 * scikit-learn 1.2 computes them (same operations in the same order). */
#ifndef METRICS_BINARY_H
#define METRICS_BINARY_H

#include <stddef.h>

#include "metrics_curve.h"

struct confusion {
	size_t tp, fp, tn, fn;
};

struct threshold_metrics {
	double accuracy, precision, recall, f1, mcc, balanced_accuracy;
};

/* The counts when a score >= threshold is predicted positive. */
struct confusion confusion_at(const struct curve *c, double threshold);
/* accuracy_score, precision_score, recall_score, f1_score, matthews_corrcoef,
 * balanced_accuracy_score; undefined precision, recall, F1 and MCC are 0. */
void threshold_metrics(const struct confusion *cm, struct threshold_metrics *m);

/* log_loss(y, p) with eps = DBL_EPSILON: p clipped to [eps, 1 - eps], the
 * pair (1 - p, p) divided by its sum.  p in input order (the sum depends on it). */
double binary_log_loss(const double *p, const unsigned char *y, size_t n);
/* brier_score_loss(y, p). */
double binary_brier(const double *p, const unsigned char *y, size_t n);

#endif
