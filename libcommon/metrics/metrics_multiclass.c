/* Multiclass metrics as scikit-learn 1.2 computes them (see metrics_multiclass.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "metrics_multiclass.h"
#include "metrics_sum.h"
#include "util/util.h"

static void
prf(struct multiclass *m)
{
	size_t k = m->k;
	double *fw = xmalloc(k * sizeof *fw);

	for (size_t c = 0; c < k; c++) {
		double tp = (double)m->confusion[c * k + c];
		double pred = (double)m->predicted[c], truth = (double)m->support[c];
		double p = pred == 0 ? 0 : tp / pred, r = truth == 0 ? 0 : tp / truth;
		double denom = 1 * p + r;
		m->precision[c] = p;
		m->recall[c] = r;
		m->f1[c] = 2 * p * r / (denom == 0 ? 1 : denom);
		fw[c] = m->f1[c] * truth;
	}
	m->macro_f1 = np_sum(m->f1, k) / (double)k;
	m->weighted_f1 = np_sum(fw, k) / (double)m->n;   /* the supports add up to n */
	free(fw);
}

/* log_loss(y, p, labels=classes): each p clipped, each row divided by its sum */
static double
log_loss(const double *p, const size_t *y, size_t n, size_t k)
{
	const double eps = DBL_EPSILON;
	double *row = xmalloc(k * sizeof *row);
	np_summer s;

	np_summer_init(&s);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < k; c++) {
			double q = p[i * k + c];
			row[c] = q < eps ? eps : q > 1 - eps ? 1 - eps : q;
		}
		np_summer_add(&s, -log(row[y[i]] / np_sum(row, k)));
	}
	free(row);
	return np_summer_total(&s) / (double)n;
}

static void
ovr_auc(struct multiclass *m, const double *p, const size_t *y, int keep_roc)
{
	size_t n = m->n, k = m->k;
	double *col = xmalloc(n * sizeof *col), *w = xmalloc(k * sizeof *w);
	unsigned char *is = xmalloc(n);
	struct curve cv = { 0 };
	int defined = 1;

	for (size_t c = 0; c < k; c++) {
		for (size_t i = 0; i < n; i++) {
			col[i] = p[i * k + c];
			is[i] = y[i] == c;
		}
		curve_build(&cv, col, is, n);
		if (keep_roc)
			curve_roc(&cv, &m->roc[c]);
		m->roc_auc[c] = NAN;
		if (cv.npos > 0 && cv.nneg > 0)
			m->roc_auc[c] = curve_roc_auc(&cv);
		else
			defined = 0;
		w[c] = m->roc_auc[c] * (double)m->support[c];
	}
	m->roc_auc_ovr_macro = m->roc_auc_ovr_weighted = NAN;
	if (defined) {
		m->roc_auc_ovr_macro = np_sum(m->roc_auc, k) / (double)k;
		m->roc_auc_ovr_weighted = np_sum(w, k) / (double)n;
	}
	curve_free(&cv);
	free(col);
	free(w);
	free(is);
}

void
multiclass_compute(struct multiclass *m, const double *p, const size_t *y, size_t n, size_t k,
                   int keep_roc)
{
	size_t correct = 0;

	m->n = n;
	m->k = k;
	m->confusion = xcalloc(k * k, sizeof *m->confusion);
	m->support = xcalloc(k, sizeof *m->support);
	m->predicted = xcalloc(k, sizeof *m->predicted);
	m->precision = xcalloc(k, sizeof *m->precision);
	m->recall = xcalloc(k, sizeof *m->recall);
	m->f1 = xcalloc(k, sizeof *m->f1);
	m->roc_auc = xcalloc(k, sizeof *m->roc_auc);
	m->roc = keep_roc ? xcalloc(k, sizeof *m->roc) : NULL;
	for (size_t i = 0; i < n; i++) {
		size_t best = multiclass_argmax(p + i * k, k);
		m->confusion[y[i] * k + best]++;
		m->support[y[i]]++;
		m->predicted[best]++;
		correct += best == y[i];
	}
	m->accuracy = (double)correct / (double)n;
	prf(m);
	m->log_loss = log_loss(p, y, n, k);
	ovr_auc(m, p, y, keep_roc);
}

void
multiclass_free(struct multiclass *m)
{
	if (m->roc)
		for (size_t c = 0; c < m->k; c++)
			points_free(&m->roc[c]);
	free(m->roc);
	free(m->confusion);
	free(m->support);
	free(m->predicted);
	free(m->precision);
	free(m->recall);
	free(m->f1);
	free(m->roc_auc);
}
