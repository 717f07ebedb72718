/* Summation in numpy's order (see metrics_sum.h). */
#include "metrics_sum.h"

/* numpy's pairwise_sum_DOUBLE (numpy/core/src/umath/loops_utils.h.src) */
static double
pairwise(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= 128) {
		double r[8], res;
		size_t i;
		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double
np_sum(const double *a, size_t n)
{
	double total = 0.;

	for (size_t i = 0; i < n; i += NP_SUM_BLOCK)
		total += pairwise(a + i, n - i < NP_SUM_BLOCK ? n - i : NP_SUM_BLOCK);
	return total;
}

void
np_summer_init(np_summer *s)
{
	s->total = 0.;
	s->n = 0;
}

void
np_summer_add(np_summer *s, double x)
{
	s->buf[s->n++] = x;
	if (s->n == NP_SUM_BLOCK) {
		s->total += pairwise(s->buf, s->n);
		s->n = 0;
	}
}

double
np_summer_total(np_summer *s)
{
	if (s->n) {
		s->total += pairwise(s->buf, s->n);
		s->n = 0;
	}
	return s->total;
}
