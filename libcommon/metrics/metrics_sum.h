/* Summation in numpy's order, so that sums agree with numpy to the last bit.
 *
 * numpy 1.24 sums a contiguous float64 array (np.sum, np.mean, np.trapz)
 * in blocks of 8192 elements (its ufunc buffer), each block pairwise (eight
 * accumulators below 128 elements), the block sums added in order. */
#ifndef METRICS_SUM_H
#define METRICS_SUM_H

#include <stddef.h>

#define NP_SUM_BLOCK 8192

double np_sum(const double *a, size_t n);

/* The same sum over values that arrive one at a time. */
typedef struct {
	double total;
	size_t n;
	double buf[NP_SUM_BLOCK];
} np_summer;

void np_summer_init(np_summer *s);
void np_summer_add(np_summer *s, double x);
double np_summer_total(np_summer *s);  /* the sum of everything added */

#endif
