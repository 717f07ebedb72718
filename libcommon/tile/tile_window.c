#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tile_window.h"
#include "image/image.h"

int
tile_tensor_hwc(const ts_tensor *t, int *h, int *w, int *c, char *err, size_t errlen)
{
	if (ts_dtype_size(t->dtype) == 0 || t->ndim < 2 || t->ndim > 3) {
		snprintf(err, errlen, "tensor '%s' (%s, %d dimensions) is not laid out height x width [x channels]",
		         t->name, ts_dtype_name(t->dtype), t->ndim);
		return -1;
	}
	for (int i = 0; i < t->ndim; i++)
		if (t->dims[i] < 1 || t->dims[i] > (i < 2 ? IMG_MAXDIM : 4096)) {
			snprintf(err, errlen, "tensor '%s' has a dimension of size %llu", t->name,
			         (unsigned long long)t->dims[i]);
			return -1;
		}
	*h = (int)t->dims[0];
	*w = (int)t->dims[1];
	*c = t->ndim == 3 ? (int)t->dims[2] : 1;
	return 0;
}

ts_tensor *
tile_cut(ts_record *dst, const char *name, const ts_tensor *src, int x, int y, int w, int h)
{
	size_t px = ts_dtype_size(src->dtype) * (src->ndim == 3 ? (size_t)src->dims[2] : 1);
	int sh = (int)src->dims[0], sw = (int)src->dims[1];
	size_t row = (size_t)w * px, n = row * (size_t)h;
	const unsigned char *s = src->data;
	unsigned char *d = calloc(1, n ? n : 1);
	uint64_t dims[3] = { (uint64_t)h, (uint64_t)w, src->ndim == 3 ? src->dims[2] : 1 };
	ts_tensor *t;
	/* the part of the window inside src: columns x0..x1, rows y0..y1 (exclusive) */
	int x0 = x < 0 ? 0 : x, x1 = x + w > sw ? sw : x + w;
	int y0 = y < 0 ? 0 : y, y1 = y + h > sh ? sh : y + h;

	if (d == NULL)
		return NULL;
	for (int r = y0; r < y1 && x0 < x1; r++)
		memcpy(d + (size_t)(r - y) * row + (size_t)(x0 - x) * px,
		       s + ((size_t)r * (size_t)sw + (size_t)x0) * px, (size_t)(x1 - x0) * px);
	if ((t = ts_tensor_take(dst, name, src->dtype, src->ndim, dims, d, n)) == NULL)
		free(d);
	return t;
}

uint64_t
tile_count_nonzero(const ts_tensor *mask)
{
	const unsigned char *p = mask->data;
	uint64_t n = 0;

	for (uint64_t i = 0; i < mask->nbytes; i++)
		n += p[i] != 0;
	return n;
}
