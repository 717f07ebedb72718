/*
 * cnneval's library: the TSV reader and number parser, numpy-order sums, the
 * radix sort, curves and their areas against brute-force definitions, threshold
 * metrics, calibration bins, multiclass argmax, bootstrap, plot ticks.
 * (Agreement with scikit-learn itself is tested in tests/cli/cnneval.sh.)
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics/metrics_binary.h"
#include "metrics/metrics_bootstrap.h"
#include "metrics/metrics_calibration.h"
#include "metrics/metrics_curve.h"
#include "metrics/metrics_multiclass.h"
#include "metrics/metrics_seg.h"
#include "metrics/metrics_sort.h"
#include "metrics/metrics_sum.h"
#include "plot/plot.h"
#include "util/rng.h"
#include "util/tsv.h"

#define NELEM(a) (sizeof(a) / sizeof *(a))

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- the number parser ---- */

static void
test_parse(void)
{
	static const char *const good[] = {
		"0", "-0", "+0.25", ".5", "5.", "0.5", "0.50", "5e-1", "1E0", "1e+2", "123456789012345678",
		"0.1000000000000000055511151231257827", "9007199254740993", "2.2250738585072011e-308",
		"4.9e-324", "1.7976931348623157e308", "0.30000000000000004", "123.456e-7",
		"00000000000000000000000000001.5", "0.000000000000000000000000000001",
	};
	static const char *const bad[] = {
		"", " ", "0.75x", "x", "inf", "-inf", "nan", "NaN", "infinity", "0x1p3", "1e", "1e+",
		".", "-", "+", "1.2.3", " 1", "1 ", "1e400", "-1e400", "1_000", "e5", "--1", "1,5",
	};
	rng r;
	int ok = 1, n = 0;

	for (size_t i = 0; i < NELEM(good); i++) {
		double v;
		int rc = tsv_parse_double(good[i], &v);
		CHECK(rc == 0 && same_bits(v, strtod(good[i], NULL)), "parse '%s' as strtod does", good[i]);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		double v;
		CHECK(tsv_parse_double(bad[i], &v) == -1, "refuse '%s'", bad[i]);
	}
	/* random doubles written in many ways parse back as strtod (correctly rounded) reads them */
	rng_seed(&r, 11);
	for (int i = 0; i < 20000 && ok; i++) {
		static const char *const fmts[] = { "%.1g", "%.3g", "%.6g", "%.9g", "%.15g", "%.16g",
		                                    "%.17g", "%.20f", "%.25e", "%.3f", "%.12e" };
		double x = rng_uniform(&r) * pow(10, (double)(rng_below(&r, 40)) - 20), v;
		char buf[128];
		if (rng_below(&r, 2))
			x = -x;
		if (i % 7 == 0)         /* exact halfway cases between doubles */
			x = nextafter(1.0, 2.0) * (1 + DBL_EPSILON / 4) * (double)(1 + rng_below(&r, 1000));
		snprintf(buf, sizeof buf, fmts[i % NELEM(fmts)], x);
		if (tsv_parse_double(buf, &v) != 0 || !same_bits(v, strtod(buf, NULL)))
			ok = 0;
		n++;
	}
	CHECK(ok, "%d random numbers parse exactly as strtod reads them", n);
}

/* ---- the reader ---- */

static tsv *
open_text(const char *text, char *err, size_t errlen)
{
	return tsv_open_mem("t.tsv", text, strlen(text), err, errlen);
}

static void
test_reader(void)
{
	char err[512];
	tsv *t;
	double v;

	t = open_text("a\tscore\r\nx\t0.5\r\ny\t2", err, sizeof err);
	CHECK(t && tsv_ncols(t) == 2 && tsv_column(t, "score") == 1 && tsv_column(t, "b") == -1,
	      "header with CRLF");
	CHECK(t && tsv_next(t) == 1 && strcmp(tsv_field(t, 0), "x") == 0 && tsv_number(t, 1, &v) == 0 &&
	      v == 0.5 && tsv_line(t) == 2, "first row, CR dropped");
	CHECK(t && tsv_next(t) == 1 && tsv_number(t, 1, &v) == 0 && v == 2 && tsv_line(t) == 3,
	      "last line without newline");
	CHECK(t && tsv_next(t) == 0 && tsv_rows(t) == 2, "end after two rows");
	tsv_close(t);

	t = open_text("", err, sizeof err);
	CHECK(t == NULL && strcmp(err, "t.tsv: line 1: empty input, no header") == 0,
	      "empty input: %s", err);
	t = open_text("a\tb\ta\n", err, sizeof err);
	CHECK(t == NULL && strstr(err, "line 1: column 'a' appears twice"), "duplicate column: %s", err);
	t = open_text("a\t\tb\n", err, sizeof err);
	CHECK(t == NULL && strstr(err, "line 1: column 2 of the header has no name"), "empty name: %s",
	      err);

	t = open_text("a\tb\n1\t2\n3\n", err, sizeof err);
	CHECK(t && tsv_next(t) == 1 && tsv_next(t) == -1 &&
	      strcmp(tsv_error(t), "t.tsv: line 3: 1 field, the header has 2") == 0,
	      "too few fields: %s", t ? tsv_error(t) : err);
	tsv_close(t);
	t = open_text("a\tb\n1\t2\t3\n", err, sizeof err);
	CHECK(t && tsv_next(t) == -1 && strstr(tsv_error(t), "line 2: more fields than the 2"),
	      "too many fields: %s", t ? tsv_error(t) : err);
	tsv_close(t);
	t = open_text("a\n1\n\n2\n", err, sizeof err);
	CHECK(t && tsv_next(t) == 1 && tsv_next(t) == -1 && strstr(tsv_error(t), "line 3: empty line"),
	      "empty line: %s", t ? tsv_error(t) : err);
	tsv_close(t);
	t = tsv_open_mem("t.tsv", "a\n1\n2\0x\n", 8, err, sizeof err);
	CHECK(t && tsv_next(t) == 1 && tsv_next(t) == -1 && strstr(tsv_error(t), "line 3: NUL byte"),
	      "NUL byte: %s", t ? tsv_error(t) : err);
	tsv_close(t);
	t = open_text("score\n0.75x\n\n", err, sizeof err);
	CHECK(t && tsv_next(t) == 1 && tsv_number(t, 0, &v) == -1 &&
	      strcmp(tsv_error(t), "t.tsv: line 2: column 'score': '0.75x' is not a finite number") == 0,
	      "bad number: %s", t ? tsv_error(t) : err);
	tsv_close(t);
	t = open_text("p\tq\n\t1\n", err, sizeof err);
	CHECK(t && tsv_next(t) == 1 && tsv_number(t, 0, &v) == -1 &&
	      strstr(tsv_error(t), "line 2: column 'p' is empty"), "empty number: %s",
	      t ? tsv_error(t) : err);
	tsv_close(t);
}

/* ---- sums ---- */

static void
test_sum(void)
{
	size_t sizes[] = { 0, 1, 7, 8, 9, 127, 128, 129, 1000, 8191, 8192, 8193, 50000 };
	double *a = malloc(50000 * sizeof *a);
	np_summer *s = malloc(sizeof *s);
	rng r;

	rng_seed(&r, 3);
	for (size_t i = 0; i < 50000; i++)
		a[i] = rng_uniform(&r) * pow(10, (double)rng_below(&r, 12) - 6);
	for (size_t k = 0; k < NELEM(sizes); k++) {
		size_t n = sizes[k];
		long double exact = 0;
		np_summer_init(s);
		for (size_t i = 0; i < n; i++) {
			np_summer_add(s, a[i]);
			exact += a[i];
		}
		double whole = np_sum(a, n), streamed = np_summer_total(s);
		CHECK(same_bits(whole, streamed) && fabsl(whole - exact) <= 1e-13 * fabsl(exact),
		      "np_sum of %zu: streamed %.17g = whole %.17g, near %.17Lg", n, streamed, whole, exact);
	}
	/* pairwise, not left to right: 1 + 16 x 2^-53 keeps the small terms */
	double b[17] = { 1 };
	for (int i = 1; i < 17; i++)
		b[i] = DBL_EPSILON / 2;
	CHECK(np_sum(b, 17) == 1 + 8 * DBL_EPSILON, "blocks of eight accumulators: %.17g",
	      np_sum(b, 17));
	free(a);
	free(s);
}

/* ---- sort ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
test_sort(void)
{
	size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 100000 };
	rng r;

	rng_seed(&r, 5);
	for (size_t k = 0; k < NELEM(sizes); k++) {
		size_t n = sizes[k];
		double *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
		int ok = 1;
		for (size_t i = 0; i < n; i++) {
			uint64_t kind = rng_below(&r, 6);
			a[i] = kind == 0 ? -0.0 : kind == 1 ? 0.0 : kind == 2 ? (double)rng_below(&r, 5) - 2 :
			       (rng_uniform(&r) - 0.5) * pow(10, (double)rng_below(&r, 30) - 15);
			b[i] = a[i];
		}
		sort_doubles(a, n);
		qsort(b, n, sizeof *b, cmp_double);
		for (size_t i = 0; i < n; i++)
			ok &= a[i] == b[i] && !signbit(a[i] == 0 ? a[i] : 1);
		CHECK(ok, "radix sort of %zu doubles (negatives, -0.0, ties) as qsort, -0.0 made 0.0", n);
		free(a);
		free(b);
	}
}

/* ---- curves against their definitions ---- */

/* AUC as the Mann-Whitney statistic: P(pos > neg) + P(tie) / 2 */
static double
brute_auc(const double *s, const unsigned char *y, size_t n)
{
	double num = 0, den = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (y[i] && !y[j]) {
				num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
				den++;
			}
	return num / den;
}

/* AP as sum over distinct thresholds of (recall step) x precision */
static double
brute_ap(const double *s, const unsigned char *y, size_t n)
{
	double ap = 0, last_recall = 0, npos = 0;

	for (size_t i = 0; i < n; i++)
		npos += y[i];
	double *t = malloc(n * sizeof *t);
	memcpy(t, s, n * sizeof *t);
	qsort(t, n, sizeof *t, cmp_double);
	for (size_t k = n; k-- > 0;) {
		double tp = 0, pp = 0;
		if (k + 1 < n && t[k] == t[k + 1])
			continue;
		for (size_t i = 0; i < n; i++)
			if (s[i] >= t[k]) {
				pp++;
				tp += y[i];
			}
		ap += (tp / npos - last_recall) * (tp / pp);
		last_recall = tp / npos;
	}
	free(t);
	return ap;
}

static void
random_case(rng *r, double *s, unsigned char *y, size_t n, int levels)
{
	for (size_t i = 0; i < n; i++) {
		y[i] = rng_below(r, 3) == 0;
		s[i] = levels ? (double)rng_below(r, (uint64_t)levels) / levels + 0.3 * y[i]
		              : rng_uniform(r) + 0.3 * y[i];
	}
}

static void
test_curves(void)
{
	rng r;
	int levels[] = { 0, 2, 5, 40 };

	rng_seed(&r, 7);
	for (size_t k = 0; k < NELEM(levels); k++) {
		size_t n = 300;
		double s[300];
		unsigned char y[300];
		struct curve c = { 0 };
		struct points roc = { 0 }, pr = { 0 };
		double ap, pr_auc;
		random_case(&r, s, y, n, levels[k]);
		curve_build(&c, s, y, n);
		curve_roc(&c, &roc);
		curve_pr(&c, &pr);
		curve_pr_areas(&c, &ap, &pr_auc);
		CHECK(fabs(curve_roc_auc(&c) - brute_auc(s, y, n)) < 1e-12,
		      "ROC AUC is the Mann-Whitney statistic (%d score levels)", levels[k]);
		CHECK(same_bits(curve_roc_auc(&c), points_auc(&roc)),
		      "ROC AUC from the curve = from its points");
		CHECK(fabs(ap - brute_ap(s, y, n)) < 1e-12 && same_bits(ap, pr_average_precision(&pr)) &&
		      same_bits(pr_auc, points_auc(&pr)), "average precision by its definition");
		CHECK(roc.x[0] == 0 && roc.y[0] == 0 && roc.t[0] == c.thr[0] + 1 &&
		      roc.x[roc.n - 1] == 1 && roc.y[roc.n - 1] == 1, "ROC from (0, 0, max + 1) to (1, 1)");
		CHECK(pr.n == c.m + 1 && pr.x[pr.n - 1] == 0 && pr.y[pr.n - 1] == 1 &&
		      isnan(pr.t[pr.n - 1]) && pr.x[0] == 1, "PR: one point per distinct score, then (0, 1)");
		/* bootstrap's counts: the curve of rows counted twice is the curve of duplicated rows */
		uint32_t pos[300] = { 0 }, neg[300] = { 0 };
		double s2[600];
		unsigned char y2[600];
		struct curve d = { 0 }, e = { 0 };
		for (size_t i = 0; i < n; i++) {
			size_t g = 0;
			while (c.thr[g] != s[i])
				g++;
			if (i % 2 == 0)
				continue;
			(y[i] ? pos : neg)[g] += 2;
		}
		size_t m = 0;
		for (size_t i = 1; i < n; i += 2) {
			s2[m] = s2[m + 1] = s[i];
			y2[m] = y2[m + 1] = y[i];
			m += 2;
		}
		curve_from_counts(&d, c.thr, pos, neg, c.m);
		curve_build(&e, s2, y2, m);
		CHECK(d.m == e.m && same_bits(curve_roc_auc(&d), curve_roc_auc(&e)),
		      "a curve from counts equals the curve of the rows");
		curve_free(&c);
		curve_free(&d);
		curve_free(&e);
		points_free(&roc);
		points_free(&pr);
	}
}

static void
test_operating_points(void)
{
	/* scores 0.9 .. 0.1, labels 1 1 0 1 0 0 1 0 0 */
	double s[] = { 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1 };
	unsigned char y[] = { 1, 1, 0, 1, 0, 0, 1, 0, 0 };
	struct curve c = { 0 };
	struct confusion cm;
	struct threshold_metrics tm;

	curve_build(&c, s, y, 9);
	cm = confusion_at(&c, 0.6);
	CHECK(cm.tp == 3 && cm.fp == 1 && cm.tn == 4 && cm.fn == 1, "confusion at 0.6 (score >= t)");
	cm = confusion_at(&c, 0.65);
	CHECK(cm.tp == 2 && cm.fp == 1, "confusion between scores");
	cm = confusion_at(&c, 5);
	CHECK(cm.tp == 0 && cm.fp == 0 && cm.tn == 5 && cm.fn == 4, "confusion above every score");
	threshold_metrics(&cm, &tm);
	CHECK(tm.precision == 0 && tm.recall == 0 && tm.f1 == 0 && tm.mcc == 0,
	      "undefined precision, recall, F1, MCC are 0");
	CHECK(curve_tpr_at_fpr(&c, 0.2) == 0.75 && curve_tpr_at_fpr(&c, 0.19) == 0.5 &&
	      curve_tpr_at_fpr(&c, 0) == 0.5, "TPR at FPR: the largest with FPR <= bound");
	CHECK(curve_at_fpr(&c, 0.19) == 1 && curve_at_fpr(&c, 0.2) == 3, "at FPR: index of the point");
	CHECK(curve_at_recall(&c, 0.75) == 3 && curve_at_recall(&c, 1) == 6,
	      "at recall: best precision with recall >= bound");
	CHECK(curve_best(&c, BEST_F1) == 3 && curve_best(&c, BEST_YOUDEN) == 3,
	      "best F1 and Youden J at 0.6");
	curve_free(&c);
}

static void
test_log_loss(void)
{
	double p[] = { 0, 1, 0.5, 1e-300 };
	unsigned char y[] = { 1, 1, 0, 0 };
	double want = (-log(DBL_EPSILON / (1 - DBL_EPSILON + DBL_EPSILON)) -
	               log((1 - DBL_EPSILON) / 1) + -log(0.5) + -log(1 - DBL_EPSILON)) / 4;

	CHECK(fabs(binary_log_loss(p, y, 4) - want) < 1e-14 * want, "log loss clips to [eps, 1 - eps]");
	CHECK(binary_brier(p, y, 4) == 0.3125, "Brier score");
}

static void
test_calibration(void)
{
	double p[] = { 0, 0.1, 0.1000001, 0.3, 0.30000000000000004, 0.95, 1 };
	unsigned char y[] = { 0, 1, 0, 1, 1, 1, 1 };
	struct calibration cal;

	calibration_compute(&cal, p, y, 7);
	CHECK(cal.count[0] == 2 && cal.count[1] == 1 && cal.count[2] == 2 && cal.count[9] == 2,
	      "bins: an edge belongs to the bin below, 0.3 below 3 x 0.1, 1 in the last");
	CHECK(cal.fraction_positive[0] == 0.5 && cal.mean_predicted[9] == (0.95 + 1) / 2 &&
	      isnan(cal.mean_predicted[5]), "bin means; NaN for an empty bin");
}

static void
test_multiclass(void)
{
	/* 3 classes; row 2 ties classes 0 and 1: class 0 wins */
	double p[] = { 0.7, 0.2, 0.1, 0.4, 0.4, 0.2, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3 };
	size_t y[] = { 0, 1, 2, 1 };
	struct multiclass m;

	multiclass_compute(&m, p, y, 4, 3, 0);
	CHECK(m.confusion[0 * 3 + 0] == 1 && m.confusion[1 * 3 + 0] == 1 && m.confusion[1 * 3 + 1] == 1 &&
	      m.confusion[2 * 3 + 2] == 1, "confusion, ties in the argmax to the first class");
	CHECK(m.accuracy == 0.75 && m.support[1] == 2 && m.predicted[0] == 2, "accuracy and supports");
	CHECK(m.precision[0] == 0.5 && m.recall[1] == 0.5 && m.f1[2] == 1, "per-class precision, recall");
	multiclass_free(&m);
}

static void
test_bootstrap(void)
{
	enum { N = 2000 };
	static double s[N];
	static unsigned char y[N];
	struct curve c = { 0 };
	struct bootstrap a, b;
	rng r;

	rng_seed(&r, 9);
	random_case(&r, s, y, N, 0);
	curve_build(&c, s, y, N);
	double auc = curve_roc_auc(&c);
	bootstrap_binary(&a, &c, s, y, N, 0.5, 200, 42);
	bootstrap_binary(&b, &c, s, y, N, 0.5, 200, 42);
	CHECK(memcmp(&a.roc_auc, &b.roc_auc, sizeof a.roc_auc) == 0 &&
	      memcmp(&a.accuracy, &b.accuracy, sizeof a.accuracy) == 0, "same seed, same intervals");
	CHECK(a.roc_auc.lo < auc && auc < a.roc_auc.hi && a.roc_auc.hi - a.roc_auc.lo < 0.1 &&
	      a.roc_auc.used == 200, "95 %% interval [%g, %g] around AUC %g", a.roc_auc.lo,
	      a.roc_auc.hi, auc);
	bootstrap_binary(&b, &c, s, y, N, 0.5, 200, 43);
	CHECK(b.roc_auc.lo != a.roc_auc.lo, "another seed, other resamples");
	curve_free(&c);
}

static void
test_ticks(void)
{
	double t[64];
	char lab[64][32];
	size_t n;

	n = plot_ticks(-0.05, 1.05, 9, t, 64);
	plot_tick_labels(t, n, lab);
	CHECK(n >= 6 && t[1] == 0 && fabs(t[6] - 1) < 1e-12 && strcmp(lab[1], "0.0") == 0 &&
	      strcmp(lab[6], "1.0") == 0 && strcmp(lab[2], "0.2") == 0, "ticks of [-0.05, 1.05]: "
	      "0.0, 0.2, ..., 1.0");
	n = plot_ticks(0.05, 20.95, 9, t, 64);
	plot_tick_labels(t, n, lab);
	CHECK(t[1] == 2.5 && strcmp(lab[1], "2.5") == 0 && strcmp(lab[2], "5.0") == 0,
	      "ticks of epochs 1..20: 2.5, 5.0, ...");
	n = plot_ticks(-3, 3, 9, t, 64);
	plot_tick_labels(t, n, lab);
	CHECK(strcmp(lab[1], "\xe2\x88\x92" "2") == 0 || strcmp(lab[0], "\xe2\x88\x92" "3") == 0,
	      "a real minus sign: %s", lab[0]);
	n = plot_ticks(0, 1000, 9, t, 64);
	plot_tick_labels(t, n, lab);
	CHECK(t[1] == 200 && strcmp(lab[1], "200") == 0, "ticks of [0, 1000]: 0, 200, ...");
	/* epochs: whole numbers only (cnneval --learning-curve used to tick 2.5, 7.5) */
	n = plot_ticks_integer(0.05, 20.95, 9, t, 64);
	plot_tick_labels(t, n, lab);
	CHECK(n >= 5 && t[1] == 5 && strcmp(lab[1], "5") == 0 && strcmp(lab[2], "10") == 0,
	      "whole ticks of epochs 1..20: 5, 10, ... (%s, %s)", lab[1], lab[2]);
	n = plot_ticks_integer(0.9, 3.1, 9, t, 64);
	plot_tick_labels(t, n, lab);
	CHECK(n >= 4 && t[1] == 1 && t[2] == 2 && t[3] == 3 && strcmp(lab[2], "2") == 0,
	      "whole ticks of epochs 1..3: 1, 2, 3 (%zu ticks, %s)", n, lab[2]);
	n = plot_ticks_integer(0.995, 1.005, 9, t, 64);
	CHECK(n >= 1 && t[0] == floor(t[0]), "whole ticks of one epoch: %zu, %g", n, n ? t[0] : -1);
	n = plot_ticks_integer(-5, 995, 9, t, 64);
	CHECK(n >= 2 && t[1] - t[0] == 200, "whole ticks of [0, 1000]: steps of 200");
	CHECK(plot_viridis(0).r > 0.26 && plot_viridis(0).r < 0.27 && plot_viridis(1).g > 0.9,
	      "viridis ends");
}

/* cnneval --masks: the empty-mask conventions, and that the pixel sample is uniform */
static void
test_seg(void)
{
	struct seg_counts both_empty = { 0, 0, 9, 0 }, false_alarm = { 0, 4, 5, 0 }, some = { 3, 1, 5, 2 };
	struct seg_metrics m;
	ts_record rec;
	float p[1000];
	unsigned char y[1000];
	uint64_t dims[2] = { 20, 50 };
	size_t group[10] = { 0 }, ok = 1;
	char err[256];

	seg_metrics(&both_empty, &m);
	CHECK(m.accuracy == 1 && m.precision == 1 && m.recall == 1 && m.iou == 1 && m.dice == 1,
	      "seg: both masks empty: every metric 1");
	seg_metrics(&false_alarm, &m);
	CHECK(m.precision == 0 && m.recall == 1 && m.iou == 0 && m.dice == 0,
	      "seg: nothing true, something predicted: precision 0, recall 1, IoU and Dice 0");
	seg_metrics(&some, &m);
	CHECK(m.iou == 3.0 / 6 && m.dice == 6.0 / 9 && m.precision == 0.75 && m.recall == 0.6,
	      "seg: IoU tp/(tp+fp+fn), Dice 2tp/(2tp+fp+fn)");
	for (int k = 0; k < 1000; k++) {
		p[k] = (float)k / 1000;
		y[k] = (unsigned char)(k % 3 == 0 ? 255 : 0);
	}
	ts_record_init(&rec);
	ts_tensor_put(&rec, "mask", TS_U8, 2, dims, y, sizeof y);
	ts_tensor_put(&rec, "pred_mask", TS_F32, 2, dims, p, sizeof p);
	for (uint64_t seed = 0; seed < 200; seed++) {
		seg_eval s;
		struct seg_counts c;
		seg_eval_init(&s, 0.5, 100, seed);
		ok &= seg_eval_add(&s, &rec, &c, err, sizeof err) == 0 && s.n == 100 && s.seen == 1000;
		for (size_t i = 0; i < s.n; i++) {
			size_t k = (size_t)(s.score[i] * 1000 + 0.5);
			group[k / 100]++;
			ok &= s.y[i] == (k % 3 == 0);
		}
		seg_eval_free(&s);
	}
	CHECK(ok, "seg: 100 of 1000 pixels sampled, each with its truth");
	ok = 1;
	for (int g = 0; g < 10; g++)    /* 2000 expected, standard deviation about 42 */
		ok &= group[g] > 1800 && group[g] < 2200;
	CHECK(ok, "seg: the sample is uniform over the pixels (each tenth 2000 +- 200 of 20000)");
	ts_record_free(&rec);
}

int
main(void)
{
	test_parse();
	test_reader();
	test_sum();
	test_sort();
	test_curves();
	test_operating_points();
	test_log_loss();
	test_calibration();
	test_multiclass();
	test_bootstrap();
	test_ticks();
	test_seg();
	return CHECK_DONE();
}
