/* Separable resampling of u8 images with precomputed weights (see resize.h). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "resize.h"
#include "util/util.h"

/* The weights of one axis: output pixel i of the window reads source pixels
 * start[i] .. start[i] + n[i] - 1 with weights w[i * maxn ...]; n[i] = 0 is background. */
struct taps {
	int *start, *n;
	float *w;
	int maxn;
	int lo, hi;             /* the source pixels any output pixel reads: [lo, hi) */
};

static void
taps_free(struct taps *t)
{
	free(t->start);
	free(t->n);
	free(t->w);
}

static double
sinc(double x)
{
	if (fabs(x) < 1e-9)
		return 1;
	x *= M_PI;
	return sin(x) / x;
}

/* The weight of source pixel j (centre j + 0.5) for output pixel i. */
static double
weight(int filter, double a, double b, double c, double r, double f, int j)
{
	double d = fabs(j + 0.5 - c) / f;

	switch (filter) {
	case RESIZE_NEAREST:
		return 1;
	case RESIZE_AREA:
		if (r == 0) {           /* shrinking: the overlap of [a, b] and [j, j + 1] */
			double lo = a > j ? a : j, hi = b < j + 1 ? b : j + 1;
			return hi > lo ? hi - lo : 0;
		}
		return d < 1 ? 1 - d : 0;
	case RESIZE_TRIANGLE:
		return d < 1 ? 1 - d : 0;
	default:
		return d < 3 ? sinc(d) * sinc(d / 3) : 0;
	}
}

/* Computes the taps of an output window of `count` pixels starting at ax->off
 * over a source line of srcn pixels. */
static int
taps_make(struct taps *t, const resize_axis *ax, int srcn, int count, int filter)
{
	double step = ax->src_len / ax->len;
	double f = step > 1 ? step : 1;                 /* how far the filter is stretched */
	double r;                                       /* its reach from the centre, 0: area overlap */
	double *dw;
	int maxn;

	if ((filter == RESIZE_AREA && step >= 1) || filter == RESIZE_NEAREST)
		r = 0;
	else
		r = (filter == RESIZE_LANCZOS3 ? 3 : 1) * f;
	maxn = filter == RESIZE_NEAREST ? 1 : (int)ceil(r ? 2 * r : step) + 2;
	memset(t, 0, sizeof *t);
	t->maxn = maxn;
	t->start = calloc((size_t)count, sizeof *t->start);
	t->n = calloc((size_t)count, sizeof *t->n);
	t->w = calloc((size_t)count * (size_t)maxn, sizeof *t->w);
	dw = malloc((size_t)maxn * sizeof *dw);
	if (t->start == NULL || t->n == NULL || t->w == NULL || dw == NULL) {
		free(dw);
		taps_free(t);
		return -1;
	}
	t->lo = srcn;
	t->hi = 0;
	for (int i = 0; i < count; i++) {
		int v = ax->off + i, j0, j1, k;
		double a, b, c, sum = 0;

		if (v < 0 || v >= ax->len)
			continue;
		a = ax->src0 + v * step;
		b = ax->src0 + (v + 1) * step;
		c = (a + b) / 2;
		if (filter == RESIZE_NEAREST) {
			j0 = c < 0 ? 0 : c >= srcn ? srcn - 1 : (int)c;
			j1 = j0 + 1;
		} else if (r == 0) {
			j0 = (int)floor(a);
			j1 = (int)ceil(b);
		} else {
			j0 = (int)floor(c - r - 0.5);
			j1 = (int)ceil(c + r - 0.5) + 1;
		}
		if (j0 < 0)
			j0 = 0;
		if (j1 > srcn)
			j1 = srcn;
		if (j1 - j0 > maxn)
			j1 = j0 + maxn;
		for (k = 0; j0 + k < j1; k++)
			sum += dw[k] = weight(filter, a, b, c, r, f, j0 + k);
		/* trim weights that do not count at both ends */
		while (j1 > j0 && fabs(dw[j1 - j0 - 1]) < 1e-7 * fabs(sum))
			j1--;
		while (j1 > j0 && fabs(dw[0]) < 1e-7 * fabs(sum)) {
			memmove(dw, dw + 1, (size_t)(j1 - j0 - 1) * sizeof *dw);
			j0++;
		}
		if (j1 <= j0 || sum <= 0) {      /* beyond the source: the nearest pixel */
			j0 = c < 0 ? 0 : c >= srcn ? srcn - 1 : (int)c;
			j1 = j0 + 1;
			dw[0] = sum = 1;
		}
		t->start[i] = j0;
		t->n[i] = j1 - j0;
		for (k = 0; k < j1 - j0; k++)
			t->w[(size_t)i * (size_t)maxn + (size_t)k] = (float)(dw[k] / sum);
		if (j0 < t->lo)
			t->lo = j0;
		if (j1 > t->hi)
			t->hi = j1;
	}
	if (t->hi < t->lo)
		t->lo = t->hi = 0;
	free(dw);
	return 0;
}

/* Vertical pass: row[k] = sum_t w[t] * src[t * stride + k] for k < len; with
 * SSE2 (every x86-64) 16 samples at a time, their sums kept in registers over
 * all taps. */
static void
vpass(const unsigned char *src, size_t stride, int n, const float *w, size_t len, float *row)
{
	size_t k = 0;

#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();

	for (; k + 16 <= len; k += 16) {
		__m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
		const unsigned char *p = src + k;
		for (int t = 0; t < n; t++, p += stride) {
			__m128i b = _mm_loadu_si128((const __m128i *)p);
			__m128i lo = _mm_unpacklo_epi8(b, zero), hi = _mm_unpackhi_epi8(b, zero);
			__m128 wt = _mm_set1_ps(w[t]);
			a0 = _mm_add_ps(a0, _mm_mul_ps(wt, _mm_cvtepi32_ps(_mm_unpacklo_epi16(lo, zero))));
			a1 = _mm_add_ps(a1, _mm_mul_ps(wt, _mm_cvtepi32_ps(_mm_unpackhi_epi16(lo, zero))));
			a2 = _mm_add_ps(a2, _mm_mul_ps(wt, _mm_cvtepi32_ps(_mm_unpacklo_epi16(hi, zero))));
			a3 = _mm_add_ps(a3, _mm_mul_ps(wt, _mm_cvtepi32_ps(_mm_unpackhi_epi16(hi, zero))));
		}
		_mm_storeu_ps(row + k, a0);
		_mm_storeu_ps(row + k + 4, a1);
		_mm_storeu_ps(row + k + 8, a2);
		_mm_storeu_ps(row + k + 12, a3);
	}
#endif
	for (; k < len; k++) {
		float acc = 0;
		for (int t = 0; t < n; t++)
			acc += w[t] * src[(size_t)t * stride + k];
		row[k] = acc;
	}
}

/* The same with alpha as last of c channels: colours premultiplied by alpha. */
static void
vpass_alpha(const unsigned char *src, size_t stride, int n, const float *w, size_t npix, int c,
            float *row)
{
	memset(row, 0, npix * (size_t)c * sizeof *row);
	for (int t = 0; t < n; t++) {
		const unsigned char *p = src + (size_t)t * stride;
		float wt = w[t];
		for (size_t x = 0; x < npix; x++, p += c) {
			float wa = wt * p[c - 1];
			float *q = row + x * (size_t)c;
			for (int k = 0; k < c - 1; k++)
				q[k] += wa * p[k];
			q[c - 1] += wa;
		}
	}
}

static unsigned char
to_u8(float v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)(v + 0.5f);
}

/* Horizontal pass over the vertical pass's row (which starts at source column lo). */
static void
hpass(const float *row, const struct taps *t, int c, int alpha, int count, const unsigned char *bg,
      unsigned char *out)
{
	for (int i = 0; i < count; i++, out += c) {
		int n = t->n[i];
		const float *w = t->w + (size_t)i * (size_t)t->maxn;
		const float *p = row + (size_t)(t->start[i] - t->lo) * (size_t)c;
		float acc[4] = { 0, 0, 0, 0 };

		if (n == 0) {
			memcpy(out, bg, (size_t)c);
			continue;
		}
		switch (c) {
		case 1:
			for (int k = 0; k < n; k++)
				acc[0] += w[k] * p[k];
			break;
		case 3:
			for (int k = 0; k < n; k++, p += 3) {
				acc[0] += w[k] * p[0];
				acc[1] += w[k] * p[1];
				acc[2] += w[k] * p[2];
			}
			break;
		default:
			for (int k = 0; k < n; k++, p += c)
				for (int ch = 0; ch < c; ch++)
					acc[ch] += w[k] * p[ch];
		}
		if (alpha) {
			float a = acc[c - 1];
			for (int ch = 0; ch < c - 1; ch++)
				out[ch] = a > 0 ? to_u8(acc[ch] / a) : 0;
			out[c - 1] = to_u8(a);
		} else {
			for (int ch = 0; ch < c; ch++)
				out[ch] = to_u8(acc[ch]);
		}
	}
}

int
resize_run(const image *src, const resize_spec *spec, image *out, char *err, size_t errlen)
{
	struct taps tx, ty;
	int c = src->c, alpha = c == 2 || c == 4;
	size_t stride = (size_t)src->w * (size_t)c, ostride = (size_t)out->w * (size_t)c;
	float *row = NULL;

	if (src->w < 1 || src->h < 1 || c < 1 || c > 4 || out->c != c || out->w < 1 || out->h < 1 ||
	    spec->x.len < 1 || spec->y.len < 1 || !(spec->x.src_len > 0) || !(spec->y.src_len > 0))
		return errorf(err, errlen, "bad resize: %dx%dx%d to %dx%d window %dx%dx%d", src->w,
		                  src->h, c, spec->x.len, spec->y.len, out->w, out->h, out->c);
	if (taps_make(&tx, &spec->x, src->w, out->w, spec->filter) == -1)
		return errorf(err, errlen, "out of memory");
	if (taps_make(&ty, &spec->y, src->h, out->h, spec->filter) == -1) {
		taps_free(&tx);
		return errorf(err, errlen, "out of memory");
	}
	if ((row = malloc(((size_t)(tx.hi - tx.lo) + 1) * (size_t)c * sizeof *row)) == NULL) {
		taps_free(&tx);
		taps_free(&ty);
		return errorf(err, errlen, "out of memory");
	}
	for (int y = 0; y < out->h; y++) {
		unsigned char *o = out->px + (size_t)y * ostride;
		if (ty.n[y] == 0) {
			for (int x = 0; x < out->w; x++)
				memcpy(o + (size_t)x * (size_t)c, spec->bg, (size_t)c);
			continue;
		}
		const unsigned char *s = src->px + (size_t)ty.start[y] * stride + (size_t)tx.lo * (size_t)c;
		const float *w = ty.w + (size_t)y * (size_t)ty.maxn;
		size_t npix = (size_t)(tx.hi - tx.lo);
		if (alpha)
			vpass_alpha(s, stride, ty.n[y], w, npix, c, row);
		else
			vpass(s, stride, ty.n[y], w, npix * (size_t)c, row);
		hpass(row, &tx, c, alpha, out->w, spec->bg, o);
	}
	free(row);
	taps_free(&tx);
	taps_free(&ty);
	return 0;
}
