/* Bootstrap confidence intervals for ROC AUC, average precision and accuracy. */
#ifndef METRICS_BOOTSTRAP_H
#define METRICS_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "metrics_curve.h"

struct interval {
	double lo, hi;          /* NaN when no resample defined the metric */
	size_t used;            /* resamples where it was defined */
};

struct bootstrap {
	size_t replicates;
	uint64_t seed;
	double level;           /* 0.95 */
	struct interval roc_auc, average_precision, accuracy;
};

/* Resamples the n rows with replacement `replicates` times (seeded: the same seed
 * gives the same intervals) and takes the 2.5 and 97.5 percentiles (linear
 * interpolation, as numpy.percentile) of each metric over the resamples that
 * define it.  c is the curve of score and y; accuracy is at threshold.  Each
 * resample costs O(n), not a sort: rows are mapped once to c's distinct scores. */
void bootstrap_binary(struct bootstrap *b, const struct curve *c, const double *score,
                      const unsigned char *y, size_t n, double threshold, size_t replicates,
                      uint64_t seed);

#endif
