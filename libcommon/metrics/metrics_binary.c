/* Binary classification metrics as scikit-learn 1.2 computes them (see metrics_binary.h). */
#include <float.h>
#include <math.h>

#include "metrics_binary.h"
#include "metrics_sum.h"

struct confusion
confusion_at(const struct curve *c, double threshold)
{
	struct confusion cm = { 0 };
	size_t lo = 0, hi = c->m;

	/* entries with thr >= threshold form a prefix of the decreasing thr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->thr[mid] >= threshold)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		cm.tp = (size_t)c->tps[lo - 1];
		cm.fp = (size_t)c->fps[lo - 1];
	}
	cm.fn = c->npos - cm.tp;
	cm.tn = c->nneg - cm.fp;
	return cm;
}

void
threshold_metrics(const struct confusion *cm, struct threshold_metrics *m)
{
	double tp = (double)cm->tp, fp = (double)cm->fp, tn = (double)cm->tn, fn = (double)cm->fn;
	double n = tp + fp + tn + fn, p, r, denom, recall_sum = 0;
	int nclass = 0;

	m->accuracy = (tp + tn) / n;
	m->precision = p = tp + fp == 0 ? 0 : tp / (tp + fp);
	m->recall = r = tp + fn == 0 ? 0 : tp / (tp + fn);
	denom = 1 * p + r;                     /* beta2 * precision + recall */
	m->f1 = 2 * p * r / (denom == 0 ? 1 : denom);
	/* matthews_corrcoef over the confusion matrix [[tn, fp], [fn, tp]] */
	double t0 = tn + fp, t1 = fn + tp, p0 = tn + fn, p1 = fp + tp;
	double ns = p0 + p1;
	double cov_ytyp = (tn + tp) * ns - (t0 * p0 + t1 * p1);
	double cov_ypyp = ns * ns - (p0 * p0 + p1 * p1);
	double cov_ytyt = ns * ns - (t0 * t0 + t1 * t1);
	m->mcc = cov_ypyp * cov_ytyt == 0 ? 0 : cov_ytyp / sqrt(cov_ytyt * cov_ypyp);
	/* balanced_accuracy_score: mean recall over the classes present in y_true */
	if (t0 > 0) {
		recall_sum += tn / t0;
		nclass++;
	}
	if (t1 > 0) {
		recall_sum = recall_sum + tp / t1;
		nclass++;
	}
	m->balanced_accuracy = recall_sum / nclass;
}

static double
clip(double p)
{
	const double eps = DBL_EPSILON;

	return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

double
binary_log_loss(const double *p, const unsigned char *y, size_t n)
{
	np_summer s;

	np_summer_init(&s);
	for (size_t i = 0; i < n; i++) {
		double q = clip(p[i]), sum = (1 - q) + q;
		np_summer_add(&s, -log((y[i] ? q : 1 - q) / sum));
	}
	return np_summer_total(&s) / (double)n;
}

double
binary_brier(const double *p, const unsigned char *y, size_t n)
{
	np_summer s;

	np_summer_init(&s);
	for (size_t i = 0; i < n; i++) {
		double d = (y[i] ? 1 : 0) - p[i];
		np_summer_add(&s, d * d);
	}
	return np_summer_total(&s) / (double)n;
}
