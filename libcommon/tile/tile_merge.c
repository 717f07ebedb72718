#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tile_merge.h"
#include "stream/tstream.h"

int
tile_acc_init(tile_acc *a, int w, int h, int c, int dtype, char *err, size_t errlen)
{
	size_t npx = (size_t)w * (size_t)h;

	memset(a, 0, sizeof *a);
	if (dtype != TS_U8 && dtype != TS_F32) {
		snprintf(err, errlen, "tiles of dtype %s cannot be merged (u8 or f32 only)", ts_dtype_name(dtype));
		return -1;
	}
	a->w = w;
	a->h = h;
	a->c = c;
	a->dtype = dtype;
	a->sum = calloc(npx * (size_t)c, sizeof *a->sum);
	a->n = calloc(npx, sizeof *a->n);
	if (a->sum == NULL || a->n == NULL) {
		tile_acc_free(a);
		snprintf(err, errlen, "out of memory for a %dx%d canvas", w, h);
		return -1;
	}
	return 0;
}

void
tile_acc_free(tile_acc *a)
{
	if (a == NULL)
		return;
	free(a->sum);
	free(a->n);
	a->sum = NULL;
	a->n = NULL;
}

/* Clips the window (x, y, tw, th) to the canvas: columns x0..x1, rows y0..y1 (exclusive). */
static int
clip(const tile_acc *a, int x, int y, int tw, int th, int *x0, int *x1, int *y0, int *y1)
{
	*x0 = x < 0 ? 0 : x;
	*y0 = y < 0 ? 0 : y;
	*x1 = (long long)x + tw > a->w ? a->w : x + tw;
	*y1 = (long long)y + th > a->h ? a->h : y + th;
	return *x0 < *x1 && *y0 < *y1;
}

void
tile_acc_add(tile_acc *a, const void *data, int x, int y, int tw, int th)
{
	int x0, x1, y0, y1, c = a->c;

	if (!clip(a, x, y, tw, th, &x0, &x1, &y0, &y1))
		return;
	for (int r = y0; r < y1; r++) {
		size_t src = ((size_t)(r - y) * (size_t)tw + (size_t)(x0 - x)) * (size_t)c;
		size_t dst = (size_t)r * (size_t)a->w + (size_t)x0;
		double *s = a->sum + dst * (size_t)c;
		size_t nv = (size_t)(x1 - x0) * (size_t)c;
		if (a->dtype == TS_U8) {
			const unsigned char *p = (const unsigned char *)data + src;
			for (size_t i = 0; i < nv; i++)
				s[i] += p[i];
		} else {
			const float *p = (const float *)data + src;
			for (size_t i = 0; i < nv; i++)
				s[i] += p[i];
		}
		for (int i = 0; i < x1 - x0; i++)
			a->n[dst + (size_t)i]++;
	}
}

void
tile_acc_fill(tile_acc *a, double v, int x, int y, int tw, int th)
{
	int x0, x1, y0, y1, c = a->c;

	if (!clip(a, x, y, tw, th, &x0, &x1, &y0, &y1))
		return;
	for (int r = y0; r < y1; r++) {
		size_t dst = (size_t)r * (size_t)a->w + (size_t)x0;
		double *s = a->sum + dst * (size_t)c;
		for (size_t i = 0; i < (size_t)(x1 - x0) * (size_t)c; i++)
			s[i] += v;
		for (int i = 0; i < x1 - x0; i++)
			a->n[dst + (size_t)i]++;
	}
}

void *
tile_acc_result(const tile_acc *a, uint64_t *nbytes)
{
	size_t npx = (size_t)a->w * (size_t)a->h, c = (size_t)a->c;
	size_t n = npx * c * (a->dtype == TS_U8 ? 1 : sizeof(float));
	unsigned char *u8 = NULL;
	float *f32 = NULL;
	void *out = malloc(n ? n : 1);

	if (out == NULL)
		return NULL;
	if (a->dtype == TS_U8)
		u8 = out;
	else
		f32 = out;
	for (size_t p = 0; p < npx; p++)
		for (size_t k = 0; k < c; k++) {
			double v = a->n[p] ? a->sum[p * c + k] / a->n[p] : 0;
			if (u8)
				u8[p * c + k] = v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)(v + 0.5);
			else
				f32[p * c + k] = (float)v;
		}
	*nbytes = n;
	return out;
}
