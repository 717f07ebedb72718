/* Sorting scores: an LSD radix sort of doubles, O(n), stable-free. */
#ifndef METRICS_SORT_H
#define METRICS_SORT_H

#include <stddef.h>

/* Sorts a[0..n) into increasing order.  -0.0 becomes 0.0 (they compare equal);
 * there must be no NaN.  Uses a scratch buffer of n doubles. */
void sort_doubles(double *a, size_t n);

#endif
