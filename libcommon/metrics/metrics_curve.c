/* ROC and precision-recall curves as scikit-learn 1.2 computes them (see metrics_curve.h). */
#include <math.h>
#include <stdlib.h>

#include "metrics_curve.h"
#include "metrics_sort.h"
#include "metrics_sum.h"
#include "util/util.h"

static void
curve_reserve(struct curve *c, size_t m)
{
	if (m <= c->cap && c->thr)
		return;
	c->thr = xreallocarray(c->thr, m ? m : 1, sizeof *c->thr);
	c->tps = xreallocarray(c->tps, m ? m : 1, sizeof *c->tps);
	c->fps = xreallocarray(c->fps, m ? m : 1, sizeof *c->fps);
	c->cap = m;
}

void
curve_build(struct curve *c, const double *score, const unsigned char *y, size_t n)
{
	double *pos, *neg;
	size_t np = 0, nn = 0, i, j, m;
	double tp = 0, fp = 0;

	pos = xmalloc((n ? n : 1) * sizeof *pos);
	for (i = 0; i < n; i++)
		np += y[i] != 0;
	neg = pos + np;
	for (i = 0, j = 0; i < n; i++) {
		if (y[i])
			pos[j++] = score[i];
		else
			neg[nn++] = score[i];
	}
	sort_doubles(pos, np);
	sort_doubles(neg, nn);
	curve_reserve(c, n);    /* at most n distinct scores; untouched pages cost nothing */
	/* merge from the top: one entry per distinct score */
	for (m = 0, i = np, j = nn; i > 0 || j > 0; ) {
		double t = i == 0 ? neg[j - 1] : j == 0 ? pos[i - 1] :
		           (pos[i - 1] > neg[j - 1] ? pos[i - 1] : neg[j - 1]);
		while (i > 0 && pos[i - 1] == t) {
			i--;
			tp++;
		}
		while (j > 0 && neg[j - 1] == t) {
			j--;
			fp++;
		}
		c->thr[m] = t;
		c->tps[m] = tp;
		c->fps[m] = fp;
		m++;
	}
	free(pos);
	c->m = m;
	c->npos = np;
	c->nneg = nn;
}

void
curve_from_counts(struct curve *c, const double *thr, const uint32_t *pos, const uint32_t *neg,
                  size_t m)
{
	double tp = 0, fp = 0;
	size_t k = 0;

	curve_reserve(c, m);
	for (size_t i = 0; i < m; i++) {
		if (pos[i] == 0 && neg[i] == 0)
			continue;
		tp += pos[i];
		fp += neg[i];
		c->thr[k] = thr[i];
		c->tps[k] = tp;
		c->fps[k] = fp;
		k++;
	}
	c->m = k;
	c->npos = (size_t)tp;
	c->nneg = (size_t)fp;
}

void
curve_free(struct curve *c)
{
	free(c->thr);
	free(c->tps);
	free(c->fps);
	c->thr = c->tps = c->fps = NULL;
	c->m = c->cap = 0;
}

static void
points_reserve(struct points *p, size_t n)
{
	if (n <= p->cap && p->x)
		return;
	p->x = xreallocarray(p->x, n, sizeof *p->x);
	p->y = xreallocarray(p->y, n, sizeof *p->y);
	p->t = xreallocarray(p->t, n, sizeof *p->t);
	p->cap = n;
}

void
points_free(struct points *p)
{
	free(p->x);
	free(p->y);
	free(p->t);
	p->x = p->y = p->t = NULL;
	p->n = p->cap = 0;
}

/* np.diff(v, 2)[i - 1] != 0: a corner at i */
static int
corner(const double *v, size_t i)
{
	return (v[i + 1] - v[i]) - (v[i] - v[i - 1]) != 0;
}

/* roc_curve(drop_intermediate=True) keeps entry i */
static int
roc_keeps(const struct curve *c, size_t i)
{
	return c->m <= 2 || i == 0 || i == c->m - 1 || corner(c->fps, i) || corner(c->tps, i);
}

void
curve_roc(const struct curve *c, struct points *roc)
{
	size_t m = c->m, k = 1;
	double nneg, npos;

	points_reserve(roc, m + 1);
	roc->x[0] = 0;
	roc->y[0] = 0;
	roc->t[0] = c->thr[0] + 1;
	for (size_t i = 0; i < m; i++) {
		if (!roc_keeps(c, i))
			continue;
		roc->x[k] = c->fps[i];
		roc->y[k] = c->tps[i];
		roc->t[k] = c->thr[i];
		k++;
	}
	roc->n = k;
	nneg = c->fps[m - 1];
	npos = c->tps[m - 1];
	for (size_t i = 0; i < k; i++) {
		roc->x[i] = nneg <= 0 ? NAN : roc->x[i] / nneg;
		roc->y[i] = npos <= 0 ? NAN : roc->y[i] / npos;
	}
}

void
curve_pr(const struct curve *c, struct points *pr)
{
	size_t m = c->m;
	double npos = c->tps[m - 1];

	points_reserve(pr, m + 1);
	for (size_t j = 0; j < m; j++) {
		size_t i = m - 1 - j;
		double ps = c->tps[i] + c->fps[i];
		pr->y[j] = ps != 0 ? c->tps[i] / ps : 0;
		pr->x[j] = npos == 0 ? 1 : c->tps[i] / npos;
		pr->t[j] = c->thr[i];
	}
	pr->x[m] = 0;
	pr->y[m] = 1;
	pr->t[m] = NAN;
	pr->n = m + 1;
}

double
points_auc(const struct points *p)
{
	int any_down = 0, all_down = 1;
	np_summer s;

	if (p->n < 2)
		return NAN;     /* sklearn: "At least 2 points are needed" */
	for (size_t i = 0; i + 1 < p->n; i++) {
		double dx = p->x[i + 1] - p->x[i];
		any_down |= dx < 0;
		all_down &= dx <= 0;
	}
	if (any_down && !all_down)
		return NAN;
	np_summer_init(&s);
	for (size_t i = 0; i + 1 < p->n; i++)
		np_summer_add(&s, (p->x[i + 1] - p->x[i]) * (p->y[i + 1] + p->y[i]) / 2.0);
	return any_down ? -np_summer_total(&s) : np_summer_total(&s);
}

double
pr_average_precision(const struct points *pr)
{
	np_summer s;

	np_summer_init(&s);
	for (size_t i = 0; i + 1 < pr->n; i++)
		np_summer_add(&s, (pr->x[i + 1] - pr->x[i]) * pr->y[i]);
	return -np_summer_total(&s);
}

/* The trapezoid sum of sklearn's auc() over points fed one at a time. */
struct trapz {
	np_summer s;
	double x, y;
	size_t n;
	int any_down, all_down;
};

static void
trapz_add(struct trapz *t, double x, double y)
{
	if (t->n++ > 0) {
		double dx = x - t->x;
		t->any_down |= dx < 0;
		t->all_down &= dx <= 0;
		np_summer_add(&t->s, dx * (y + t->y) / 2.0);
	}
	t->x = x;
	t->y = y;
}

static double
trapz_area(struct trapz *t)
{
	if (t->n < 2 || (t->any_down && !t->all_down))
		return NAN;
	return t->any_down ? -np_summer_total(&t->s) : np_summer_total(&t->s);
}

double
curve_roc_auc(const struct curve *c)
{
	struct trapz *t = xcalloc(1, sizeof *t);
	double nneg = c->fps[c->m - 1], npos = c->tps[c->m - 1], area;

	np_summer_init(&t->s);
	t->all_down = 1;
	trapz_add(t, 0, 0);
	for (size_t i = 0; i < c->m; i++)
		if (roc_keeps(c, i))
			trapz_add(t, nneg <= 0 ? NAN : c->fps[i] / nneg, npos <= 0 ? NAN : c->tps[i] / npos);
	area = trapz_area(t);
	free(t);
	return area;
}

void
curve_pr_areas(const struct curve *c, double *ap, double *pr_auc)
{
	struct trapz *t = xcalloc(1, sizeof *t);
	np_summer *s = xmalloc(sizeof *s);
	double npos = c->tps[c->m - 1], x = 0, y = 0;

	np_summer_init(&t->s);
	np_summer_init(s);
	t->all_down = 1;
	for (size_t j = 0; j <= c->m; j++) {
		double nx = 0, ny = 1;  /* the last point: recall 0, precision 1 */
		if (j < c->m) {
			size_t i = c->m - 1 - j;
			double ps = c->tps[i] + c->fps[i];
			ny = ps != 0 ? c->tps[i] / ps : 0;
			nx = npos == 0 ? 1 : c->tps[i] / npos;
		}
		if (j > 0)
			np_summer_add(s, (nx - x) * y);
		trapz_add(t, nx, ny);
		x = nx;
		y = ny;
	}
	*ap = -np_summer_total(s);
	*pr_auc = trapz_area(t);
	free(t);
	free(s);
}

double
curve_tpr_at_fpr(const struct curve *c, double max_fpr)
{
	double best = 0, nneg = (double)c->nneg, npos = (double)c->npos;

	if (c->npos == 0 || c->nneg == 0)
		return NAN;
	for (size_t i = 0; i < c->m && c->fps[i] / nneg <= max_fpr; i++)
		if (c->tps[i] / npos > best)
			best = c->tps[i] / npos;
	return best;
}

long
curve_at_fpr(const struct curve *c, double max_fpr)
{
	long k = -1;
	double nneg = (double)c->nneg;

	if (c->npos == 0 || c->nneg == 0)
		return -2;
	while ((size_t)(k + 1) < c->m && c->fps[k + 1] / nneg <= max_fpr)
		k++;
	/* TPR grows with i: the first index with tps[k] has the least FPR */
	while (k >= 0 && (k == 0 ? 0 : c->tps[k - 1]) == c->tps[k])
		k--;
	return k;
}

typedef unsigned __int128 u128;

long
curve_at_recall(const struct curve *c, double min_recall)
{
	long best = -2;
	uint64_t btp = 0, bps = 1;
	double npos = (double)c->npos;

	if (c->npos == 0)
		return -2;
	for (size_t i = 0; i < c->m; i++) {
		uint64_t tp = (uint64_t)c->tps[i], ps = tp + (uint64_t)c->fps[i];
		if (!(c->tps[i] / npos >= min_recall))
			continue;
		/* tp / ps >= btp / bps; later (higher recall) wins ties */
		if (best == -2 || (u128)tp * bps >= (u128)btp * ps) {
			best = (long)i;
			btp = tp;
			bps = ps;
		}
	}
	return best;
}

long
curve_best(const struct curve *c, int criterion)
{
	long best = 0;
	uint64_t np = c->npos, nn = c->nneg;

	if (criterion == BEST_YOUDEN && (np == 0 || nn == 0))
		return -2;
	for (size_t i = 1; i < c->m; i++) {
		uint64_t tp = (uint64_t)c->tps[i], fp = (uint64_t)c->fps[i];
		uint64_t btp = (uint64_t)c->tps[best], bfp = (uint64_t)c->fps[best];
		int better;
		if (criterion == BEST_F1)       /* 2tp / (tp + fp + P) */
			better = (u128)tp * (btp + bfp + np) > (u128)btp * (tp + fp + np);
		else                            /* tp / P - fp / N, times P N */
			better = (__int128)tp * nn - (__int128)fp * np >
			         (__int128)btp * nn - (__int128)bfp * np;
		if (better)
			best = (long)i;
	}
	return best;
}

double
curve_threshold(const struct curve *c, long i)
{
	return i < 0 ? c->thr[0] + 1 : c->thr[i];
}
