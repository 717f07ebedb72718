/* Multiclass metrics from one probability column per class, as scikit-learn 1.2
 * computes them with labels= the classes in order. */
#ifndef METRICS_MULTICLASS_H
#define METRICS_MULTICLASS_H

#include <stddef.h>

#include "metrics_curve.h"

struct multiclass {
	size_t n, k;
	size_t *confusion;              /* k x k, row = true class, column = predicted */
	size_t *support, *predicted;    /* per class: true rows, predicted rows */
	double *precision, *recall, *f1, *roc_auc;  /* per class; roc_auc NaN if undefined */
	double accuracy, macro_f1, weighted_f1;
	double roc_auc_ovr_macro, roc_auc_ovr_weighted;     /* NaN if a class has no rows or all */
	double log_loss;
	struct points *roc;             /* per class one-vs-rest ROC points, when asked */
};

/* p: n rows of k probabilities (row-major, classes in order); y: the true class
 * of each row.  Predicted: the first class of the largest p.  keep_roc keeps
 * each class's ROC points in m->roc. */
/* The predicted class of one row of k probabilities: the largest, the first of ties. */
static inline size_t
multiclass_argmax(const double *row, size_t k)
{
	size_t best = 0;

	for (size_t c = 1; c < k; c++)
		if (row[c] > row[best])
			best = c;
	return best;
}

void multiclass_compute(struct multiclass *m, const double *p, const size_t *y, size_t n, size_t k,
                        int keep_roc);
void multiclass_free(struct multiclass *m);

#endif
