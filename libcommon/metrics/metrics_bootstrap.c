/* Bootstrap confidence intervals (see metrics_bootstrap.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_bootstrap.h"
#include "util/rng.h"
#include "util/util.h"

/* index of s among the decreasing distinct scores thr */
static uint32_t
group_of(const struct curve *c, double s)
{
	size_t lo = 0, hi = c->m - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->thr[mid] > s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
percentile(const double *sorted, size_t n, double q)
{
	double pos = q / 100 * (double)(n - 1), f = floor(pos);
	size_t i = (size_t)f;

	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (sorted[i + 1] - sorted[i]) * (pos - f);
}

static void
interval_of(struct interval *iv, double *v, size_t n, double level)
{
	double tail = (1 - level) / 2 * 100;

	iv->used = n;
	iv->lo = iv->hi = NAN;
	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_double);
	iv->lo = percentile(v, n, tail);
	iv->hi = percentile(v, n, 100 - tail);
}

void
bootstrap_binary(struct bootstrap *b, const struct curve *c, const double *score,
                 const unsigned char *y, size_t n, double threshold, size_t replicates,
                 uint64_t seed)
{
	uint32_t *code = xmalloc(n * sizeof *code);         /* distinct-score index * 2 + label */
	uint32_t *pos = xmalloc(c->m * sizeof *pos), *neg = xmalloc(c->m * sizeof *neg);
	double *auc = xmalloc(replicates * sizeof *auc), *ap = xmalloc(replicates * sizeof *ap);
	double *acc = xmalloc(replicates * sizeof *acc);
	size_t nauc = 0, nap = 0, cut = 0;
	struct curve rc = { 0 };
	rng r;

	b->replicates = replicates;
	b->seed = seed;
	b->level = 0.95;
	for (size_t i = 0; i < n; i++)
		code[i] = group_of(c, score[i]) * 2 + (y[i] != 0);
	while (cut < c->m && c->thr[cut] >= threshold)
		cut++;
	rng_seed(&r, seed);
	for (size_t k = 0; k < replicates; k++) {
		size_t tp = 0, fp = 0, npos = 0;
		memset(pos, 0, c->m * sizeof *pos);
		memset(neg, 0, c->m * sizeof *neg);
		for (size_t i = 0; i < n; i++) {
			uint32_t v = code[rng_below(&r, n)];
			if (v & 1)
				pos[v >> 1]++;
			else
				neg[v >> 1]++;
		}
		for (size_t g = 0; g < c->m; g++) {
			npos += pos[g];
			if (g < cut) {
				tp += pos[g];
				fp += neg[g];
			}
		}
		acc[k] = (double)(tp + (n - npos) - fp) / (double)n;
		curve_from_counts(&rc, c->thr, pos, neg, c->m);
		if (rc.npos > 0) {
			double pr_auc;
			curve_pr_areas(&rc, &ap[nap++], &pr_auc);
		}
		if (rc.npos > 0 && rc.nneg > 0)
			auc[nauc++] = curve_roc_auc(&rc);
	}
	interval_of(&b->roc_auc, auc, nauc, b->level);
	interval_of(&b->average_precision, ap, nap, b->level);
	interval_of(&b->accuracy, acc, replicates, b->level);
	curve_free(&rc);
	free(code);
	free(pos);
	free(neg);
	free(auc);
	free(ap);
	free(acc);
}
