/* Segmentation metrics per image and over all pixels (see metrics_seg.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_seg.h"
#include "util/util.h"

void
seg_eval_init(seg_eval *s, double threshold, size_t max_pixels, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->threshold = threshold;
	s->max = max_pixels;
	rng_seed(&s->r, seed);
}

void
seg_eval_free(seg_eval *s)
{
	free(s->score);
	free(s->y);
	s->score = NULL;
	s->y = NULL;
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 1;
}

void
seg_metrics(const struct seg_counts *c, struct seg_metrics *m)
{
	m->accuracy = ratio(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn);
	m->precision = ratio(c->tp, c->tp + c->fp);
	m->recall = ratio(c->tp, c->tp + c->fn);
	m->iou = ratio(c->tp, c->tp + c->fp + c->fn);
	m->dice = ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn);
}

/* The mask tensor name as a map of h x w values in [0, 1]. */
static int
mask_shape(const ts_record *rec, const char *name, const ts_tensor **t, uint64_t *h,
           uint64_t *w, char *err, size_t errlen)
{
	const ts_tensor *m = *t = ts_tensor_get(rec, name);
	int d = m ? m->ndim : 0;

	if (m == NULL)
		return errorf(err, errlen, "no '%s' tensor", name);
	if (m->dtype != TS_U8 && m->dtype != TS_F32)
		return errorf(err, errlen, "'%s' is %s, not u8 or f32", name, ts_dtype_name(m->dtype));
	if (d == 3 && m->dims[0] == 1) {
		*h = m->dims[1];
		*w = m->dims[2];
	} else if (d == 2 || (d == 3 && m->dims[2] == 1)) {
		*h = m->dims[0];
		*w = m->dims[1];
	} else {
		return errorf(err, errlen, "'%s' is not H x W, H x W x 1 or 1 x H x W", name);
	}
	if (*h == 0 || *w == 0)
		return errorf(err, errlen, "'%s' is empty", name);
	if (m->dtype == TS_F32) {
		const float *p = m->data;
		for (uint64_t k = 0; k < *h * *w; k++)
			if (!(p[k] >= 0 && p[k] <= 1))
				return errorf(err, errlen, "'%s' pixel %llu is %g, not in [0, 1]", name,
				              (unsigned long long)k, p[k]);
	}
	return 0;
}

static double
value(const ts_tensor *t, size_t k)
{
	if (t->dtype == TS_U8)
		return ((const unsigned char *)t->data)[k] / 255.0;
	return ((const float *)t->data)[k];
}

/* Algorithm R: after i pixels, each is in the sample with probability max / i. */
static void
sample(seg_eval *s, double p, unsigned char y)
{
	uint64_t i = s->seen++, j;

	if (s->n < s->max) {
		s->score[s->n] = p;
		s->y[s->n++] = y;
		return;
	}
	if ((j = rng_below(&s->r, i + 1)) < s->max) {
		s->score[j] = p;
		s->y[j] = y;
	}
}

int
seg_eval_add(seg_eval *s, const ts_record *rec, struct seg_counts *c, char *err, size_t errlen)
{
	const ts_tensor *tm, *pm;
	uint64_t h, w, ph, pw, npx;
	struct seg_metrics m;

	if (mask_shape(rec, "mask", &tm, &h, &w, err, errlen) == -1 ||
	    mask_shape(rec, "pred_mask", &pm, &ph, &pw, err, errlen) == -1)
		return -1;
	if (h != ph || w != pw)
		return errorf(err, errlen, "mask is %llux%llu, pred_mask %llux%llu",
		              (unsigned long long)w, (unsigned long long)h, (unsigned long long)pw,
		              (unsigned long long)ph);
	npx = h * w;
	if (s->n + npx > s->cap && s->cap < s->max) {  /* room for the image, up to max */
		size_t want = s->n + npx < s->max ? s->n + npx : s->max;
		s->cap = 2 * s->cap > want ? 2 * s->cap : want;
		s->cap = s->cap < s->max ? s->cap : s->max;
		s->score = xreallocarray(s->score, s->cap, sizeof *s->score);
		s->y = xrealloc(s->y, s->cap);
	}
	memset(c, 0, sizeof *c);
	for (size_t k = 0; k < npx; k++) {
		double p = value(pm, k);
		unsigned char y = value(tm, k) >= 0.5, pred = p >= s->threshold;
		c->tp += y && pred;
		c->fp += !y && pred;
		c->fn += y && !pred;
		c->tn += !y && !pred;
		sample(s, p, y);
	}
	s->images++;
	s->total.tp += c->tp;
	s->total.fp += c->fp;
	s->total.fn += c->fn;
	s->total.tn += c->tn;
	seg_metrics(c, &m);
	s->sum_iou += m.iou;
	s->sum_dice += m.dice;
	return 0;
}
