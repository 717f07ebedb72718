/* PNG decoding and encoding with libpng, from and to memory. */
#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_int.h"

#define CHUNK_MALLOC_MAX  ((png_alloc_size_t)8 << 20)  /* largest ancillary chunk kept */
#define CHUNK_CACHE_MAX   1000                         /* ancillary chunks kept */
/*
 * Encoding: SUB filter + zlib's Z_RLE strategy.  Measured (2 cores, zlib 1.2.13) on a
 * 1920x1080 RGB photo, a 2126x1463 gray photo and a 1920x1080 binary mask against
 * level 1-3 with Z_FILTERED and the SUB/UP/Paeth/all filters: 1.3-1.6x faster than
 * level 1 + SUB (the next fastest) at sizes within 5% (smaller on gray and masks);
 * Paeth + Z_RLE is 5-10% smaller and 15-40% slower; level 6 with all filters is 6x
 * slower for 5-15% less.  Overridable at compile time for measurement.
 */
#ifndef PNG_ENCODE_LEVEL
#define PNG_ENCODE_LEVEL 1              /* with Z_RLE, any level but 0 is the same */
#endif
#ifndef PNG_ENCODE_STRATEGY
#define PNG_ENCODE_STRATEGY Z_RLE
#endif
#ifndef PNG_ENCODE_FILTER
#define PNG_ENCODE_FILTER PNG_FILTER_SUB
#endif

/* Decoder state; it lives in the caller of the function holding setjmp. */
struct pngd {
	png_structp png;
	png_infop info;
	const unsigned char *buf;
	size_t n, pos;
	int info_only;
	image im;
	png_bytep *rows;
	char msg[200];
};

static void
on_error(png_structp png, png_const_charp msg)
{
	struct pngd *d = png_get_error_ptr(png);

	if (strcmp(msg, "truncated PNG") == 0)
		snprintf(d->msg, sizeof d->msg, "%s", msg);
	else
		snprintf(d->msg, sizeof d->msg, "corrupt PNG: %s", msg);
	png_longjmp(png, 1);
}

static void
on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
read_mem(png_structp png, png_bytep out, size_t len)
{
	struct pngd *d = png_get_io_ptr(png);

	if (len > d->n - d->pos)
		png_error(png, "truncated PNG");
	memcpy(out, d->buf + d->pos, len);
	d->pos += len;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
run_decode(struct pngd *d)
{
	/* Chunks we never use: skipped, not decompressed or stored. */
	static const png_byte ignore[] =
		"bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0"
		"sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0tIME\0zTXt";
	png_uint_32 w, h;
	int depth, ctype, interlace;
	size_t rowbytes;

	if (setjmp(png_jmpbuf(d->png)))
		return -1;
	png_set_user_limits(d->png, IMG_MAXDIM, IMG_MAXDIM);
	png_set_chunk_malloc_max(d->png, CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(d->png, CHUNK_CACHE_MAX);
	png_set_keep_unknown_chunks(d->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
	png_set_keep_unknown_chunks(d->png, PNG_HANDLE_CHUNK_NEVER, ignore, (int)(sizeof ignore / 5));
	png_set_read_fn(d->png, d, read_mem);
	png_read_info(d->png, d->info);
	png_get_IHDR(d->png, d->info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
	if (img_check_size(w, h, !d->info_only, d->msg, sizeof d->msg) == -1)
		return -1;
	if (ctype == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(d->png);
	if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(d->png);
	if (png_get_valid(d->png, d->info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(d->png);
	if (depth == 16)
		png_set_scale_16(d->png);
	png_set_interlace_handling(d->png);
	png_read_update_info(d->png, d->info);
	d->im.w = (int)w;
	d->im.h = (int)h;
	d->im.c = png_get_channels(d->png, d->info);
	rowbytes = png_get_rowbytes(d->png, d->info);
	if (d->im.c < 1 || d->im.c > 4 || png_get_bit_depth(d->png, d->info) != 8 ||
	    rowbytes != (size_t)w * (size_t)d->im.c) {
		snprintf(d->msg, sizeof d->msg, "unsupported PNG layout");
		return -1;
	}
	if (d->info_only)
		return 0;
	if ((d->im.px = img_alloc_px(d->im.w, d->im.h, d->im.c, d->msg, sizeof d->msg)) == NULL ||
	    (d->rows = malloc(h * sizeof *d->rows)) == NULL) {
		snprintf(d->msg, sizeof d->msg, "out of memory for a %ux%u image", w, h);
		return -1;
	}
	for (png_uint_32 y = 0; y < h; y++)
		d->rows[y] = d->im.px + (size_t)y * rowbytes;
	png_read_image(d->png, d->rows);
	png_read_end(d->png, NULL);     /* checks the rest of the file, up to IEND */
	return 0;
}

int
img_png_decode(const unsigned char *buf, size_t n, image *out, int info_only,
               char *err, size_t errlen)
{
	struct pngd d;
	int rc;

	memset(&d, 0, sizeof d);
	d.buf = buf;
	d.n = n;
	d.info_only = info_only;
	/* The size from IHDR, checked before libpng looks at the rest. */
	if (n < 33) {
		img_err(err, errlen, "truncated PNG");
		return -1;
	}
	if (be32(buf + 8) == 13 && memcmp(buf + 12, "IHDR", 4) == 0 &&
	    img_check_size(be32(buf + 16), be32(buf + 20), !info_only, err, errlen) == -1)
		return -1;
	d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, on_error, on_warning);
	if (d.png == NULL || (d.info = png_create_info_struct(d.png)) == NULL) {
		png_destroy_read_struct(d.png ? &d.png : NULL, NULL, NULL);
		img_err(err, errlen, "out of memory");
		return -1;
	}
	rc = run_decode(&d);
	png_destroy_read_struct(&d.png, &d.info, NULL);
	free(d.rows);
	if (rc == -1) {
		free(d.im.px);
		img_err(err, errlen, "%s", d.msg[0] ? d.msg : "corrupt PNG");
		return -1;
	}
	*out = d.im;
	return 0;
}

/* Encoder state: a growing output buffer. */
struct pnge {
	png_structp png;
	png_infop info;
	const image *im;
	unsigned char *out;
	size_t len, cap;
	png_bytep *rows;
	char msg[200];
};

static void
write_mem(png_structp png, png_bytep data, size_t len)
{
	struct pnge *e = png_get_io_ptr(png);

	if (len > e->cap - e->len) {
		size_t cap = e->cap ? e->cap : 4096;
		unsigned char *p;
		while (cap - e->len < len) {
			if (cap > SIZE_MAX / 2)
				png_error(png, "out of memory");
			cap *= 2;
		}
		if ((p = realloc(e->out, cap)) == NULL)
			png_error(png, "out of memory");
		e->out = p;
		e->cap = cap;
	}
	memcpy(e->out + e->len, data, len);
	e->len += len;
}

static void
flush_mem(png_structp png)
{
	(void)png;
}

static void
on_encode_error(png_structp png, png_const_charp msg)
{
	struct pnge *e = png_get_error_ptr(png);

	snprintf(e->msg, sizeof e->msg, "PNG encoder: %s", msg);
	png_longjmp(png, 1);
}

static int
run_encode(struct pnge *e)
{
	static const int types[] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
	                             PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
	const image *im = e->im;
	size_t stride = (size_t)im->w * (size_t)im->c;

	if (setjmp(png_jmpbuf(e->png)))
		return -1;
	/* Worst case is about the raw size; start near half of it. */
	e->cap = stride * (size_t)im->h / 2 + 1024;
	if ((e->out = malloc(e->cap)) == NULL ||
	    (e->rows = malloc((size_t)im->h * sizeof *e->rows)) == NULL) {
		snprintf(e->msg, sizeof e->msg, "out of memory");
		return -1;
	}
	for (int y = 0; y < im->h; y++)
		e->rows[y] = im->px + (size_t)y * stride;
	png_set_write_fn(e->png, e, write_mem, flush_mem);
	png_set_IHDR(e->png, e->info, (png_uint_32)im->w, (png_uint_32)im->h, 8, types[im->c],
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(e->png, PNG_ENCODE_LEVEL);
	png_set_compression_strategy(e->png, PNG_ENCODE_STRATEGY);
	png_set_filter(e->png, PNG_FILTER_TYPE_BASE, PNG_ENCODE_FILTER);
	png_write_info(e->png, e->info);
	png_write_image(e->png, e->rows);
	png_write_end(e->png, NULL);
	return 0;
}

int
img_encode_png(const image *im, unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	struct pnge e;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (img_check_image(im, err, errlen) == -1)
		return -1;
	memset(&e, 0, sizeof e);
	e.im = im;
	e.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, on_encode_error, on_warning);
	if (e.png == NULL || (e.info = png_create_info_struct(e.png)) == NULL) {
		png_destroy_write_struct(e.png ? &e.png : NULL, NULL);
		img_err(err, errlen, "out of memory");
		return -1;
	}
	rc = run_encode(&e);
	png_destroy_write_struct(&e.png, &e.info);
	free(e.rows);
	if (rc == -1) {
		free(e.out);
		img_err(err, errlen, "%s", e.msg);
		return -1;
	}
	*out = e.out;
	*outlen = e.len;
	return 0;
}
