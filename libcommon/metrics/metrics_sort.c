/* An LSD radix sort of doubles on their bit patterns, made monotonic: a positive
 * number gets its sign bit set, a negative one all its bits flipped.  Passes
 * whose byte is the same in every key (common: scores in [0, 1] share their
 * top byte) are skipped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_sort.h"
#include "util/util.h"

static uint64_t
to_key(double d)
{
	uint64_t u;

	if (d == 0)
		d = 0.0;        /* -0.0 sorts with 0.0 */
	memcpy(&u, &d, sizeof u);
	return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static double
from_key(uint64_t u)
{
	double d;

	u = (u >> 63) ? u & ~(UINT64_C(1) << 63) : ~u;
	memcpy(&d, &u, sizeof d);
	return d;
}

static void
insertion_sort(double *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double v = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] == 0)
			a[i] = 0.0;
}

static uint64_t
load(const double *p)
{
	uint64_t u;

	memcpy(&u, p, sizeof u);
	return u;
}

void
sort_doubles(double *a, size_t n)
{
	size_t (*count)[256];
	double *tmp, *src, *dst;

	if (n < 64) {
		insertion_sort(a, n);
		return;
	}
	/* the keys live in the doubles' storage, copied in and out with memcpy */
	count = xcalloc(8, sizeof *count);
	for (size_t i = 0; i < n; i++) {
		uint64_t u = to_key(a[i]);
		memcpy(&a[i], &u, sizeof u);
		for (int b = 0; b < 8; b++)
			count[b][(u >> (8 * b)) & 0xff]++;
	}
	tmp = xmalloc(n * sizeof *tmp);
	src = a;
	dst = tmp;
	for (int b = 0; b < 8; b++) {
		size_t pos = 0, *c = count[b];
		int shift = 8 * b;
		if (c[(load(src) >> shift) & 0xff] == n)
			continue;       /* every key has this byte */
		for (int d = 0; d < 256; d++) {
			size_t x = c[d];
			c[d] = pos;
			pos += x;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t u = load(src + i);
			memcpy(dst + c[(u >> shift) & 0xff]++, &u, sizeof u);
		}
		double *t = src;
		src = dst;
		dst = t;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = from_key(load(src + i));
	free(tmp);
	free(count);
}
