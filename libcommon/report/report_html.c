/* The HTML page of an evaluation: one file, every figure and thumbnail in a
 * data: URI, a Content-Security-Policy that forbids loading anything else. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util/util.h"

/* ---- text ---- */

/* The length of the UTF-8 sequence at s, or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2 ? 2 :
	           (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4 ? 4 : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void
report_html_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (n == 0)
				fputs("\xef\xbf\xbd", f);
			else if (n == 1 && *p < 0x20 && *p != '\t' && *p != '\n')
				fprintf(f, "&#xfffd;");
			else
				fwrite(p, 1, n, f);
		}
		p += n ? n : 1;
	}
}

static void
base64(FILE *f, const unsigned char *b, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)b[i] << 16 | (i + 1 < n ? (unsigned)b[i + 1] << 8 : 0) |
		             (i + 2 < n ? b[i + 2] : 0);
		fputc(a[v >> 18 & 63], f);
		fputc(a[v >> 12 & 63], f);
		fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? a[v & 63] : '=', f);
	}
}

static void
number(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("<span class=\"na\">undefined</span>", f);
	else
		fprintf(f, "%.4f", v);
}

/* ---- the metrics table ---- */

struct cell {
	double v;
	const struct interval *iv;      /* the bootstrap interval, or NULL */
	int count;                      /* v is a count */
};

typedef int metric_fn(const struct eval *e, const seg_eval *s, struct cell *c);

#define BIN(name, expr) \
	static int name(const struct eval *e, const seg_eval *s, struct cell *c) \
	{ (void)s; if (e->multiclass) return 0; expr; return 1; }
#define MC(name, expr) \
	static int name(const struct eval *e, const seg_eval *s, struct cell *c) \
	{ (void)s; if (!e->multiclass) return 0; expr; return 1; }
#define BOOT(field) (e->b.has_bootstrap ? &e->b.boot.field : NULL)

BIN(m_n, c->v = (double)e->b.n; c->count = 1)
BIN(m_pos, c->v = (double)e->b.npos; c->count = 1)
BIN(m_neg, c->v = (double)e->b.nneg; c->count = 1)
BIN(m_thr, c->v = e->b.threshold)
BIN(m_auc, c->v = e->b.roc_auc; c->iv = BOOT(roc_auc))
BIN(m_ap, c->v = e->b.average_precision; c->iv = BOOT(average_precision))
BIN(m_prauc, c->v = e->b.pr_auc)
BIN(m_acc, c->v = e->b.tm.accuracy; c->iv = BOOT(accuracy))
BIN(m_prec, c->v = e->b.tm.precision)
BIN(m_rec, c->v = e->b.tm.recall)
BIN(m_f1, c->v = e->b.tm.f1)
BIN(m_mcc, c->v = e->b.tm.mcc)
BIN(m_bacc, c->v = e->b.tm.balanced_accuracy)
BIN(m_ll, c->v = e->b.probabilities ? e->b.log_loss : NAN)
BIN(m_brier, c->v = e->b.probabilities ? e->b.brier : NAN)
BIN(m_ece, c->v = e->b.probabilities ? e->b.cal.ece : NAN)
BIN(m_t01, c->v = e->b.tpr_at_fpr[0])
BIN(m_t05, c->v = e->b.tpr_at_fpr[1])
BIN(m_t10, c->v = e->b.tpr_at_fpr[2])
BIN(m_tp, c->v = (double)e->b.cm.tp; c->count = 1)
BIN(m_fp, c->v = (double)e->b.cm.fp; c->count = 1)
BIN(m_tn, c->v = (double)e->b.cm.tn; c->count = 1)
BIN(m_fn, c->v = (double)e->b.cm.fn; c->count = 1)
MC(c_n, c->v = (double)e->mc.m.n; c->count = 1)
MC(c_k, c->v = (double)e->mc.m.k; c->count = 1)
MC(c_acc, c->v = e->mc.m.accuracy)
MC(c_mf1, c->v = e->mc.m.macro_f1)
MC(c_wf1, c->v = e->mc.m.weighted_f1)
MC(c_aucm, c->v = e->mc.m.roc_auc_ovr_macro)
MC(c_aucw, c->v = e->mc.m.roc_auc_ovr_weighted)
MC(c_ll, c->v = e->mc.m.log_loss)
MC(c_ece, c->v = e->mc.cal.n ? e->mc.cal.ece : NAN)

static const struct {
	const char *name;
	metric_fn *fn;
} metrics[] = {
	{ "rows", m_n }, { "positives", m_pos }, { "negatives", m_neg }, { "threshold", m_thr },
	{ "ROC AUC", m_auc }, { "average precision", m_ap }, { "PR AUC", m_prauc },
	{ "accuracy", m_acc }, { "precision", m_prec }, { "recall", m_rec }, { "F1", m_f1 },
	{ "Matthews correlation", m_mcc }, { "balanced accuracy", m_bacc },
	{ "log loss", m_ll }, { "Brier score", m_brier }, { "calibration error (ECE)", m_ece },
	{ "TPR at FPR 0.01", m_t01 }, { "TPR at FPR 0.05", m_t05 }, { "TPR at FPR 0.1", m_t10 },
	{ "true positives", m_tp }, { "false positives", m_fp }, { "true negatives", m_tn },
	{ "false negatives", m_fn },
	{ "rows", c_n }, { "classes", c_k }, { "accuracy", c_acc }, { "macro F1", c_mf1 },
	{ "weighted F1", c_wf1 }, { "ROC AUC one-vs-rest, macro", c_aucm },
	{ "ROC AUC one-vs-rest, weighted", c_aucw }, { "log loss", c_ll },
	{ "calibration error (ECE)", c_ece },
};

static void
cell(FILE *f, const struct cell *c)
{
	fputs("<td>", f);
	if (c->count)
		fprintf(f, "%.0f", c->v);
	else
		number(f, c->v);
	if (c->iv) {
		fputs(" <span class=\"ci\">[", f);
		number(f, c->iv->lo);
		fputs(", ", f);
		number(f, c->iv->hi);
		fputs("]</span>", f);
	}
	fputs("</td>", f);
}

static void
metrics_table(FILE *f, const struct report *r)
{
	int boot = 0;

	fputs("<table class=\"metrics\">\n<tr><th>metric</th>", f);
	for (size_t i = 0; i < r->nev; i++) {
		fputs("<th>", f);
		report_html_escape(f, r->ev[i]->name);
		fputs("</th>", f);
		boot |= !r->ev[i]->multiclass && r->ev[i]->b.has_bootstrap;
	}
	fputs("</tr>\n", f);
	for (size_t m = 0; m < sizeof metrics / sizeof *metrics; m++) {
		struct cell c[64];
		int any = 0;
		size_t n = r->nev < 64 ? r->nev : 64;
		for (size_t i = 0; i < n; i++) {
			memset(&c[i], 0, sizeof c[i]);
			c[i].v = NAN;
			any |= metrics[m].fn(r->ev[i], r->seg, &c[i]);
		}
		if (!any)
			continue;
		fprintf(f, "<tr><th>%s</th>", metrics[m].name);
		for (size_t i = 0; i < n; i++)
			cell(f, &c[i]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	for (size_t i = 0; boot && i < r->nev; i++)
		if (!r->ev[i]->multiclass && r->ev[i]->b.has_bootstrap) {
			const struct bootstrap *b = &r->ev[i]->b.boot;
			fprintf(f, "<p class=\"note\">In brackets: %.0f %% bootstrap intervals, %zu "
			        "resamples (seed %llu).</p>\n", b->level * 100, b->replicates,
			        (unsigned long long)b->seed);
			break;
		}
}

static void
seg_row(FILE *f, const char *name, double v, int count)
{
	struct cell c = { .v = v, .count = count };

	fprintf(f, "<tr><th>%s</th>", name);
	cell(f, &c);
	fputs("</tr>\n", f);
}

static void
seg_table(FILE *f, const struct report *r)
{
	const seg_eval *s = r->seg;
	const struct binary_eval *b = &r->ev[0]->b;
	struct seg_metrics m;
	double ni = (double)s->images;

	seg_metrics(&s->total, &m);
	fputs("<table class=\"metrics\">\n<tr><th>metric</th><th>", f);
	report_html_escape(f, r->ev[0]->name);
	fputs("</th></tr>\n", f);
	seg_row(f, "images", ni, 1);
	seg_row(f, "pixels", (double)(s->total.tp + s->total.fp + s->total.tn + s->total.fn), 1);
	seg_row(f, "true pixels", (double)(s->total.tp + s->total.fn), 1);
	seg_row(f, "predicted pixels", (double)(s->total.tp + s->total.fp), 1);
	seg_row(f, "threshold", s->threshold, 0);
	seg_row(f, "accuracy", m.accuracy, 0);
	seg_row(f, "precision", m.precision, 0);
	seg_row(f, "recall", m.recall, 0);
	seg_row(f, "IoU", m.iou, 0);
	seg_row(f, "Dice", m.dice, 0);
	seg_row(f, "mean IoU per image", s->images ? s->sum_iou / ni : NAN, 0);
	seg_row(f, "mean Dice per image", s->images ? s->sum_dice / ni : NAN, 0);
	seg_row(f, "pixel ROC AUC", b->roc_auc, 0);
	seg_row(f, "pixel average precision", b->average_precision, 0);
	seg_row(f, "pixel PR AUC", b->pr_auc, 0);
	fputs("</table>\n", f);
}

/* ---- figures ---- */

#define PLOT_SCALE 0.875        /* 640 x 480 figures at 560 x 420, two abreast in 1200 px */

static int
figure(FILE *f, const char *id, const char *caption, plot_fig *fig, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	double w, h;
	FILE *m;
	int rc;

	if (fig == NULL)
		return 0;
	plot_fig_size(fig, &w, &h);
	if ((m = open_memstream(&buf, &len)) == NULL) {
		plot_fig_free(fig);
		return errorf(err, errlen, "%s", strerror(errno));
	}
	rc = plot_write_svg(fig, m, err, errlen);
	plot_fig_free(fig);
	if (fclose(m) != 0 && rc == 0)
		rc = errorf(err, errlen, "%s", strerror(errno));
	if (rc == 0) {
		fprintf(f, "<figure class=\"plot\" id=\"%s\"><img alt=\"%s\" width=\"%.0f\" "
		        "height=\"%.0f\" src=\"data:image/svg+xml;base64,", id, caption,
		        w * PLOT_SCALE, h * PLOT_SCALE);
		base64(f, (const unsigned char *)buf, len);
		fprintf(f, "\"><figcaption>%s</figcaption></figure>\n", caption);
	}
	free(buf);
	return rc;
}

static int
figures(FILE *f, const struct report *r, char *err, size_t errlen)
{
	int any_binary = 0;

	for (size_t i = 0; i < r->nev; i++)
		any_binary |= !r->ev[i]->multiclass;
	fputs("<h2>Figures</h2>\n<div class=\"figures\">\n", f);
	if (r->nev && (figure(f, "fig-roc", "ROC curve", plot_eval_roc(r->ev, r->nev), err,
	                      errlen) == -1 ||
	               figure(f, "fig-pr", "Precision-recall curve", plot_eval_pr(r->ev, r->nev), err,
	                      errlen) == -1))
		return -1;
	if (r->nev && r->seg == NULL &&
	    figure(f, "fig-calibration", "Reliability diagram",
	           plot_eval_calibration(r->ev, r->nev), err, errlen) == -1)
		return -1;
	for (size_t i = 0; r->seg == NULL && i < r->nev; i++) {
		char id[48], cap[96];
		snprintf(id, sizeof id, "fig-confusion-%zu", i + 1);
		if (r->nev > 1)
			snprintf(cap, sizeof cap, "Confusion matrix (input %zu)", i + 1);
		else
			snprintf(cap, sizeof cap, "Confusion matrix");
		if (figure(f, id, cap, plot_eval_confusion(r->ev[i]), err, errlen) == -1)
			return -1;
	}
	if (r->log && figure(f, "fig-learning", "Learning curves", plot_learning_curves(r->log),
	                     err, errlen) == -1)
		return -1;
	(void)any_binary;
	fputs("</div>\n", f);
	return 0;
}

/* ---- the gallery ---- */

static int
shown(const struct report_gallery *g, const struct report_item *it)
{
	return !g->filter || (g->keep_high ? it->score >= g->only_from : it->score < g->only_from);
}

static void
thumb(FILE *f, const struct report_gallery *g, const struct report_item *it)
{
	fputs("<figure class=\"thumb\">", f);
	if (it->png) {
		fputs("<img alt=\"\" src=\"data:image/png;base64,", f);
		base64(f, it->png, it->pnglen);
		fputs("\">", f);
	} else {
		fputs("<div class=\"noimg\">", f);
		report_html_escape(f, it->why ? it->why : "no image");
		fputs("</div>", f);
	}
	fputs("<figcaption><b class=\"id\">", f);
	report_html_escape(f, it->id);
	fputs("</b><br>label ", f);
	report_html_escape(f, it->label);
	fprintf(f, "<br>%s %.4f", g->score_name, it->score);
	if (it->source) {
		fputs("<br><span class=\"src\">", f);
		report_html_escape(f, it->source);
		fputs("</span>", f);
	}
	fputs("</figcaption></figure>\n", f);
}

static void
gallery(FILE *f, const struct report *r)
{
	if (r->ngal == 0)
		return;
	fputs("<h2>Errors</h2>\n", f);
	if (r->images) {
		fputs("<p class=\"note\">Images from ", f);
		report_html_escape(f, r->images);
		fputs(".</p>\n", f);
	}
	for (size_t i = 0; i < r->ngal; i++) {
		const struct report_gallery *g = &r->gal[i];
		size_t n = 0;
		fputs("<section class=\"gallery\"><h3>", f);
		report_html_escape(f, g->title);
		fputs("</h3>\n", f);
		if (g->note) {
			fputs("<p class=\"note\">", f);
			report_html_escape(f, g->note);
			fputs("</p>\n", f);
		}
		fputs("<div class=\"thumbs\">\n", f);
		for (size_t j = 0; j < g->n; j++)
			if (shown(g, &g->it[j])) {
				thumb(f, g, &g->it[j]);
				n++;
			}
		if (n == 0)
			fputs("<p class=\"note\">None.</p>\n", f);
		fputs("</div></section>\n", f);
	}
}

/* ---- the page ---- */

static const char style[] =
	"body{font-family:'DejaVu Sans',sans-serif;margin:16px 24px;color:#222;background:#fff}"
	"h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:24px 0 8px}"
	"h3{font-size:15px;margin:12px 0 6px}"
	"table.metrics{border-collapse:collapse;font-size:13px}"
	"table.metrics th,table.metrics td{border:1px solid #ccc;padding:3px 8px;text-align:left}"
	"table.metrics td{font-variant-numeric:tabular-nums}"
	".ci{color:#666}.na{color:#a00}.note{color:#555;font-size:13px}"
	".figures{display:flex;flex-wrap:wrap;gap:12px}"
	"figure{margin:0}figure.plot img{display:block}"
	"figcaption{font-size:12px;color:#444}"
	".thumbs{display:flex;flex-wrap:wrap;gap:10px}"
	"figure.thumb{width:140px;font-size:11px;overflow-wrap:anywhere}"
	"figure.thumb img{width:128px;height:128px;object-fit:contain;display:block;"
	"image-rendering:pixelated;border:1px solid #ccc;background:#eee}"
	".noimg{width:128px;height:128px;border:1px dashed #aaa;color:#777;font-size:11px}"
	".legend span{padding:0 6px}";

int
report_html_write(FILE *f, const struct report *r, char *err, size_t errlen)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "img-src data:; style-src 'unsafe-inline'\">\n<title>", f);
	report_html_escape(f, r->title);
	fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n<h1>", style);
	report_html_escape(f, r->title);
	fputs("</h1>\n", f);
	if (r->nev) {
		fputs("<h2>Metrics</h2>\n", f);
		if (r->seg)
			seg_table(f, r);
		else
			metrics_table(f, r);
	}
	if (figures(f, r, err, errlen) == -1)
		return -1;
	if (r->seg && r->ngal)
		fputs("<p class=\"note legend\">Overlays: <span style=\"background:#00c800\">both"
		      "</span> <span style=\"background:#e60000;color:#fff\">predicted only</span> "
		      "<span style=\"background:#005aff;color:#fff\">true only</span></p>\n", f);
	gallery(f, r);
	fputs("</body></html>\n", f);
	if (ferror(f))
		return errorf(err, errlen, "%s", strerror(errno));
	return 0;
}
