/* Reliability table and expected calibration error (see metrics_calibration.h). */
#include <math.h>
#include <string.h>

#include "metrics_calibration.h"

void
calibration_compute(struct calibration *cal, const double *p, const unsigned char *y, size_t n)
{
	double edge[CALIB_BINS - 1];

	memset(cal, 0, sizeof *cal);
	cal->n = n;
	for (int k = 1; k < CALIB_BINS; k++)
		edge[k - 1] = k * (1.0 / CALIB_BINS);   /* np.linspace(0, 1, 11)[1:-1] */
	for (size_t i = 0; i < n; i++) {
		/* np.searchsorted(edge, p, side="left"): the edges below p */
		int b = p[i] > 0 && p[i] <= 1 ? (int)(p[i] * CALIB_BINS) : 0;
		if (b > CALIB_BINS - 1)
			b = CALIB_BINS - 1;
		while (b > 0 && !(edge[b - 1] < p[i]))
			b--;
		while (b < CALIB_BINS - 1 && edge[b] < p[i])
			b++;
		cal->count[b]++;
		cal->positives[b] += y[i] != 0;
		cal->sum[b] += p[i];                            /* np.bincount adds in order */
	}
	cal->ece = 0;
	for (int b = 0; b < CALIB_BINS; b++) {
		if (cal->count[b] == 0) {
			cal->mean_predicted[b] = cal->fraction_positive[b] = NAN;
			continue;
		}
		cal->mean_predicted[b] = cal->sum[b] / (double)cal->count[b];
		cal->fraction_positive[b] = (double)cal->positives[b] / (double)cal->count[b];
		cal->ece += (double)cal->count[b] / (double)n *
		            fabs(cal->fraction_positive[b] - cal->mean_predicted[b]);
	}
}
