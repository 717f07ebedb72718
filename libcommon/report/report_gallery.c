/* The gallery of the worst errors: keeping the worst rows while they stream by,
 * and their thumbnails (with the masks painted on, for segmentation). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "report.h"
#include "resize/resize.h"
#include "util/util.h"

void
report_gallery_init(struct report_gallery *g, const char *title, const char *score_name,
                    int keep_high, size_t max)
{
	memset(g, 0, sizeof *g);
	g->title = title;
	g->score_name = score_name;
	g->keep_high = keep_high;
	g->max = max;
}

static void
item_free(struct report_item *it)
{
	free(it->id);
	free(it->label);
	free(it->source);
	free(it->png);
	free(it->why);
	memset(it, 0, sizeof *it);
}

/* a is worse than b: it goes first */
static int
worse(const struct report_gallery *g, double a, double b)
{
	return g->keep_high ? a > b : a < b;
}

struct report_item *
report_gallery_offer(struct report_gallery *g, const char *id, const char *label, double score)
{
	struct report_item *it;
	size_t at;

	if (g->max == 0 || (g->n == g->max && !worse(g, score, g->it[g->n - 1].score)))
		return NULL;
	if (g->it == NULL && (g->it = calloc(g->max, sizeof *g->it)) == NULL)
		return NULL;
	if (g->n == g->max)
		item_free(&g->it[--g->n]);
	for (at = g->n; at > 0 && worse(g, score, g->it[at - 1].score); at--)
		;
	memmove(&g->it[at + 1], &g->it[at], (g->n - at) * sizeof *g->it);
	it = &g->it[at];
	memset(it, 0, sizeof *it);
	it->score = score;
	it->id = strdup(id ? id : "");
	it->label = strdup(label ? label : "");
	g->n++;
	if (it->id == NULL || it->label == NULL) {
		memmove(it, it + 1, (g->n - at - 1) * sizeof *g->it);
		g->n--;
		return NULL;
	}
	return it;
}

void
report_gallery_free(struct report_gallery *g)
{
	for (size_t i = 0; i < g->n; i++)
		item_free(&g->it[i]);
	free(g->it);
	g->it = NULL;
	g->n = 0;
}

/* ---- thumbnails ---- */

static int
record_image(const ts_record *rec, image *im, char *err, size_t errlen)
{
	const ts_tensor *t = ts_tensor_get(rec, "image");

	if (t && t->dtype == TS_U8 && (t->ndim == 3 || t->ndim == 2)) {
		uint64_t c = t->ndim == 3 ? t->dims[2] : 1;
		if (c < 1 || c > 4 || t->dims[0] > IMG_MAXDIM || t->dims[1] > IMG_MAXDIM ||
		    t->nbytes != t->dims[0] * t->dims[1] * c)
			return errorf(err, errlen, "tensor 'image' is not H x W x C u8");
		im->h = (int)t->dims[0];
		im->w = (int)t->dims[1];
		im->c = (int)c;
		if ((im->px = malloc(t->nbytes ? t->nbytes : 1)) == NULL)
			return errorf(err, errlen, "out of memory");
		memcpy(im->px, t->data, t->nbytes);
		return 0;
	}
	if ((t = ts_tensor_get(rec, "encoded")) != NULL && t->dtype == TS_BYTES)
		return img_decode(t->data, t->nbytes, im, err, errlen);
	return errorf(err, errlen, "no 'image' or 'encoded' tensor");
}

/* A mask's height and width (H x W, H x W x 1 or 1 x H x W), or -1. */
static int
mask_dims(const ts_tensor *t, size_t *h, size_t *w)
{
	size_t es = t->dtype == TS_U8 ? 1 : t->dtype == TS_F32 ? 4 : 0;

	if (es == 0)
		return -1;
	if (t->ndim == 2 || (t->ndim == 3 && t->dims[2] == 1)) {
		*h = t->dims[0];
		*w = t->dims[1];
	} else if (t->ndim == 3 && t->dims[0] == 1) {
		*h = t->dims[1];
		*w = t->dims[2];
	} else
		return -1;
	return *h && *w && t->nbytes == *h * *w * es ? 0 : -1;
}

static double
mask_at(const ts_tensor *t, size_t mh, size_t mw, int x, int y, int tw, int th)
{
	size_t mx = (size_t)((x + 0.5) * (double)mw / tw), my = (size_t)((y + 0.5) * (double)mh / th);
	size_t i = (my < mh ? my : mh - 1) * mw + (mx < mw ? mx : mw - 1);

	if (t->dtype == TS_U8)
		return ((const unsigned char *)t->data)[i] / 255.0;
	return ((const float *)t->data)[i];
}

static void
blend(unsigned char *p, const unsigned char rgb[3])
{
	for (int k = 0; k < 3; k++)
		p[k] = (unsigned char)((p[k] + rgb[k] + 1) / 2);
}

static int
paint_masks(image *th, const ts_record *rec, double threshold, char *err, size_t errlen)
{
	static const unsigned char both[3] = { 0, 200, 0 }, pred[3] = { 230, 0, 0 },
	                           truth[3] = { 0, 90, 255 };
	const ts_tensor *m = ts_tensor_get(rec, "mask"), *p = ts_tensor_get(rec, "pred_mask");
	size_t mh, mw, ph, pw;

	if (m == NULL || p == NULL || mask_dims(m, &mh, &mw) == -1 || mask_dims(p, &ph, &pw) == -1)
		return errorf(err, errlen, "no 'mask' and 'pred_mask' to overlay");
	for (int y = 0; y < th->h; y++)
		for (int x = 0; x < th->w; x++) {
			int t = mask_at(m, mh, mw, x, y, th->w, th->h) >= 0.5;
			int q = mask_at(p, ph, pw, x, y, th->w, th->h) >= threshold;
			if (t || q)
				blend(th->px + ((size_t)y * th->w + x) * 3, t && q ? both : q ? pred : truth);
		}
	return 0;
}

/* Box averages for shrinking, nearest pixels for enlarging, to fit side x side. */
static int
thumbnail(const image *im, int side, image *th)
{
	double s = fmin((double)side / im->w, (double)side / im->h);

	th->w = (int)fmax(1, lround(im->w * s));
	th->h = (int)fmax(1, lround(im->h * s));
	th->c = 3;
	if ((th->px = malloc((size_t)th->w * th->h * 3)) == NULL)
		return -1;
	for (int y = 0; y < th->h; y++) {
		int y0 = (int)((double)y * im->h / th->h), y1 = (int)((double)(y + 1) * im->h / th->h);
		if (y1 <= y0)
			y1 = y0 + 1;
		for (int x = 0; x < th->w; x++) {
			int x0 = (int)((double)x * im->w / th->w), x1 = (int)((double)(x + 1) * im->w / th->w);
			unsigned long sum[3] = { 0, 0, 0 }, n = (unsigned long)(y1 - y0) * (x1 > x0 ? x1 - x0 : 1);
			if (x1 <= x0)
				x1 = x0 + 1;
			for (int v = y0; v < y1; v++)
				for (int u = x0; u < x1; u++)
					for (int k = 0; k < 3; k++)
						sum[k] += im->px[((size_t)v * im->w + u) * 3 + k];
			for (int k = 0; k < 3; k++)
				th->px[((size_t)y * th->w + x) * 3 + k] = (unsigned char)((sum[k] + n / 2) / n);
		}
	}
	return 0;
}

/* Where the record came from: the first two distinct of its url, source, file
 * and path, joined by "; " (malloc'd), or NULL. */
static char *
provenance(const ts_record *rec)
{
	static const char *const keys[] = { "url", "source", "file", "path" };
	const char *first = NULL, *second = NULL;
	char *s;

	for (size_t i = 0; i < sizeof keys / sizeof *keys && second == NULL; i++) {
		const char *v = ts_get(rec, keys[i]);
		if (v == NULL || *v == '\0' || (first && strcmp(first, v) == 0))
			continue;
		if (first == NULL)
			first = v;
		else
			second = v;
	}
	if (first == NULL)
		return NULL;
	if (second == NULL)
		return strdup(first);
	if (asprintf(&s, "%s; %s", first, second) < 0)
		return NULL;
	return s;
}

int
report_item_fill(struct report_item *item, const ts_record *rec, int overlay, double threshold,
                 char *err, size_t errlen)
{
	static const unsigned char white[3] = { 255, 255, 255 };
	image im = { 0 }, th = { 0 };
	int rc = -1;

	free(item->source);
	item->source = provenance(rec);
	if (record_image(rec, &im, err, errlen) == -1)
		goto out;
	if (img_to_rgb(&im, white) == -1 || thumbnail(&im, REPORT_THUMB, &th) == -1) {
		errorf(err, errlen, "out of memory");
		goto out;
	}
	if (overlay && paint_masks(&th, rec, threshold, err, errlen) == -1)
		goto out;
	free(item->png);
	item->png = NULL;
	rc = img_encode_png(&th, &item->png, &item->pnglen, err, errlen);
out:
	img_free(&im);
	img_free(&th);
	free(item->why);
	item->why = rc == -1 ? strdup(err) : NULL;
	return rc;
}
