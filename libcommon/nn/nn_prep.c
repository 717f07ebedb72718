/* Channel conversion and resizing to a model's input. */
#include <stdlib.h>
#include <string.h>

#include "nn_prep.h"
#include "resize/resize.h"
#include "util/util.h"

static const unsigned char white[3] = { 255, 255, 255 };

static int
copy_image(const image *src, image *dst)
{
	size_t n = (size_t)src->w * src->h * src->c;

	*dst = *src;
	dst->px = malloc(n ? n : 1);
	if (!dst->px)
		return -1;
	memcpy(dst->px, src->px, n);
	return 0;
}

int
nn_prepare_image(const image *src, nn_shape in, int resize, int short_side, image *out, char *err,
                 size_t errlen)
{
	image im;

	memset(out, 0, sizeof *out);
	if (copy_image(src, &im) != 0)
		return errorf(err, errlen, "out of memory");
	if (im.c != in.c) {
		int rc = in.c == 1 ? img_to_gray(&im, white) : in.c == 3 ? img_to_rgb(&im, white) : -2;
		if (rc != 0) {
			img_free(&im);
			return rc == -2 ? errorf(err, errlen, "the image has %d channels, the model wants %d",
			                         src->c, in.c)
			                : errorf(err, errlen, "out of memory");
		}
	}
	if (im.w == in.w && im.h == in.h) {
		*out = im;
		return 0;
	}
	if (!resize) {
		img_free(&im);
		return errorf(err, errlen, "the image is %dx%d, the model wants %dx%d (--no-resize)", src->w,
		              src->h, in.w, in.h);
	}
	resize_opts ro = { .mode = RESIZE_FILL, .w = in.w, .h = in.h };
	if (short_side > 0)
		ro = (resize_opts){ .mode = RESIZE_SHORT, .w = short_side, .crop_w = in.w, .crop_h = in.h };
	resize_geom g;
	resize_spec spec;
	resize_geometry(&ro, im.w, im.h, &g);
	resize_spec_for(&g, im.w, im.h, RESIZE_AREA, &spec);
	out->w = in.w;
	out->h = in.h;
	out->c = im.c;
	out->px = malloc((size_t)in.w * in.h * im.c);
	if (!out->px) {
		img_free(&im);
		return errorf(err, errlen, "out of memory");
	}
	int rc = resize_run(&im, &spec, out, err, errlen);
	img_free(&im);
	if (rc != 0)
		img_free(out);
	return rc;
}

static int
reflect(int i, int n)
{
	if (n == 1)
		return 0;
	if (i < 0)
		return -i;
	if (i >= n)
		return 2 * n - 2 - i;
	return i;
}

double
laplacian_variance(const image *src)
{
	image g;
	double s = 0, s2 = 0;

	if (copy_image(src, &g) != 0)
		return -1;
	if (g.c != 1 && img_to_gray(&g, white) != 0) {
		img_free(&g);
		return -1;
	}
	for (int y = 0; y < g.h; y++) {
		const unsigned char *up = g.px + (size_t)reflect(y - 1, g.h) * g.w;
		const unsigned char *row = g.px + (size_t)y * g.w;
		const unsigned char *dn = g.px + (size_t)reflect(y + 1, g.h) * g.w;
		for (int x = 0; x < g.w; x++) {
			int l = row[reflect(x - 1, g.w)], r = row[reflect(x + 1, g.w)];
			double v = (double)up[x] + dn[x] + l + r - 4.0 * row[x];
			s += v;
			s2 += v * v;
		}
	}
	double n = (double)g.w * g.h, m = s / n;
	img_free(&g);
	return s2 / n - m * m;
}
