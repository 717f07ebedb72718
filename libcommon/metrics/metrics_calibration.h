/* Reliability table and expected calibration error of probabilities. */
#ifndef METRICS_CALIBRATION_H
#define METRICS_CALIBRATION_H

#include <stddef.h>

#define CALIB_BINS 10

/* Ten equal bins over [0, 1], as sklearn's calibration_curve(strategy="uniform"):
 * bin b holds the p with exactly b of the edges 0.1 .. 0.9 (computed k * 0.1)
 * below them; 1.0 falls in the last bin. */
struct calibration {
	size_t n;
	size_t count[CALIB_BINS], positives[CALIB_BINS];
	double sum[CALIB_BINS];         /* of p, in input order */
	double mean_predicted[CALIB_BINS], fraction_positive[CALIB_BINS]; /* NaN when empty */
	double ece;     /* sum over bins of count / n * |fraction_positive - mean_predicted| */
};

/* p must lie in [0, 1]; y 1 for positive. */
void calibration_compute(struct calibration *cal, const double *p, const unsigned char *y, size_t n);

#endif
