/* Image decoding entry points, the pixel budget and shared checks. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_int.h"

static _Atomic uint64_t max_pixels;     /* 0: not yet read from the environment */

/* IMG_MAX_PIXELS: decimal digits, at least 1; 0 and -1 when it does not parse. */
static int
parse_max_pixels(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v == 0 || v > (1ULL << 62))
		return -1;
	*out = v;
	return 0;
}

static uint64_t
env_max_pixels(void)
{
	const char *s = getenv("IMG_MAX_PIXELS");
	uint64_t v;

	return s && parse_max_pixels(s, &v) == 0 ? v : IMG_DEFAULT_MAX_PIXELS;
}

int
img_env_check(char *err, size_t errlen)
{
	const char *s = getenv("IMG_MAX_PIXELS");
	uint64_t v;

	if (s && parse_max_pixels(s, &v) == -1) {
		snprintf(err, errlen, "IMG_MAX_PIXELS='%.40s': not a number of pixels from 1 to 2^62", s);
		return -1;
	}
	return 0;
}

uint64_t
img_max_pixels(void)
{
	uint64_t v = atomic_load(&max_pixels), zero = 0;

	if (v == 0) {
		v = env_max_pixels();
		if (!atomic_compare_exchange_strong(&max_pixels, &zero, v))
			v = atomic_load(&max_pixels);
	}
	return v;
}

void
img_set_max_pixels(uint64_t n)
{
	atomic_store(&max_pixels, n ? n : env_max_pixels());
}

void
img_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
img_check_size(uint64_t w, uint64_t h, int budget, char *err, size_t errlen)
{
	uint64_t max = img_max_pixels();

	if (w == 0 || h == 0) {
		img_err(err, errlen, "bad image size %llux%llu", (unsigned long long)w,
		        (unsigned long long)h);
		return -1;
	}
	/* w, h < 2^32 in PNG and JPEG headers, so w * h cannot overflow. */
	if (budget && (w > UINT32_MAX || h > UINT32_MAX || w * h > max)) {
		img_err(err, errlen, "image %llux%llu exceeds the pixel budget of %llu (IMG_MAX_PIXELS)",
		        (unsigned long long)w, (unsigned long long)h, (unsigned long long)max);
		return -1;
	}
	if (w > IMG_MAXDIM || h > IMG_MAXDIM) {
		img_err(err, errlen, "image %llux%llu is larger than %d pixels on a side",
		        (unsigned long long)w, (unsigned long long)h, IMG_MAXDIM);
		return -1;
	}
	return 0;
}

unsigned char *
img_alloc_px(int w, int h, int c, char *err, size_t errlen)
{
	size_t row, total;
	unsigned char *p;

	if (w <= 0 || h <= 0 || c <= 0 || c > 4 ||
	    __builtin_mul_overflow((size_t)w, (size_t)c, &row) ||
	    __builtin_mul_overflow(row, (size_t)h, &total)) {
		img_err(err, errlen, "bad image size %dx%dx%d", w, h, c);
		return NULL;
	}
	if ((p = malloc(total)) == NULL)
		img_err(err, errlen, "out of memory for a %dx%d image", w, h);
	return p;
}

int
img_check_image(const image *im, char *err, size_t errlen)
{
	if (im == NULL || im->px == NULL || im->w <= 0 || im->h <= 0 ||
	    im->w > IMG_MAXDIM || im->h > IMG_MAXDIM || im->c < 1 || im->c > 4) {
		img_err(err, errlen, "bad image to encode: %dx%dx%d", im ? im->w : 0,
		        im ? im->h : 0, im ? im->c : 0);
		return -1;
	}
	return 0;
}

static int
decode(const void *buf, size_t n, image *out, int info_only, int *frames, char *err, size_t errlen)
{
	enum img_format f = img_sniff(buf, n);

	int rc;

	out->w = out->h = out->c = 0;
	out->px = NULL;
	if (frames)
		*frames = 1;
	switch (f) {
	case IMG_PNG:  rc = img_png_decode(buf, n, out, info_only, err, errlen); break;
	case IMG_JPEG: rc = img_jpeg_decode(buf, n, out, info_only, err, errlen); break;
	case IMG_WEBP: rc = img_webp_decode(buf, n, out, info_only, frames, err, errlen); break;
	case IMG_GIF:  rc = img_gif_decode(buf, n, out, info_only, frames, err, errlen); break;
	case IMG_TIFF: rc = img_tiff_decode(buf, n, out, info_only, frames, err, errlen); break;
	case IMG_BMP:  rc = img_bmp_decode(buf, n, out, info_only, err, errlen); break;
	case IMG_PNM:  rc = img_pnm_decode(buf, n, out, info_only, err, errlen); break;
	default:
		img_err(err, errlen, "not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image");
		return -1;
	}
	if (frames && *frames < 1)
		*frames = 1;
	return rc;
}

int
img_frames(const void *buf, size_t n)
{
	image im;
	enum img_format f = img_sniff(buf, n);
	int frames = 1;

	if (f != IMG_GIF && f != IMG_WEBP && f != IMG_TIFF)
		return 1;
	if (decode(buf, n, &im, 1, &frames, NULL, 0) == -1)
		return 1;
	return frames;
}

/* Where pixel (x, y) of a w x h image goes under EXIF orientation o, as an index
 * into the oriented image. */
static size_t
oriented_index(int o, size_t w, size_t h, size_t x, size_t y)
{
	switch (o) {
	case 2:  return y * w + (w - 1 - x);
	case 3:  return (h - 1 - y) * w + (w - 1 - x);
	case 4:  return (h - 1 - y) * w + x;
	case 5:  return x * h + y;
	case 6:  return x * h + (h - 1 - y);
	case 7:  return (w - 1 - x) * h + (h - 1 - y);
	case 8:  return (w - 1 - x) * h + y;
	default: return y * w + x;
	}
}

int
img_orient(image *im, int o, char *err, size_t errlen)
{
	size_t w = (size_t)im->w, h = (size_t)im->h, c = (size_t)im->c;
	unsigned char *px;

	if (o < 2 || o > 8)
		return 0;
	if ((px = img_alloc_px(im->w, im->h, im->c, err, errlen)) == NULL)
		return -1;
	for (size_t y = 0; y < h; y++)
		for (size_t x = 0; x < w; x++)
			memcpy(px + oriented_index(o, w, h, x, y) * c, im->px + (y * w + x) * c, c);
	free(im->px);
	im->px = px;
	if (o >= 5) {
		im->w = (int)h;
		im->h = (int)w;
	}
	return 0;
}

int
img_decode(const void *buf, size_t n, image *out, char *err, size_t errlen)
{
	return decode(buf, n, out, 0, NULL, err, errlen);
}

int
img_info(const void *buf, size_t n, int *w, int *h, int *c, char *err, size_t errlen)
{
	image im;

	if (decode(buf, n, &im, 1, NULL, err, errlen) == -1)
		return -1;
	if (w)
		*w = im.w;
	if (h)
		*h = im.h;
	if (c)
		*c = im.c;
	return 0;
}

void
img_free(image *im)
{
	if (im == NULL)
		return;
	free(im->px);
	im->px = NULL;
}
