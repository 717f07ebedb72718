/* TIFF decoding with libtiff, from memory: the first page, strips or tiles. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "image.h"
#include "image_int.h"

#define TIFF_MAX_ALLOC ((tmsize_t)1 << 30)     /* largest single allocation libtiff may make */

struct tiffd {
	const unsigned char *buf;
	size_t n;
	toff_t pos;
	int short_read;         /* a read went past the end: the file is truncated */
	char msg[200];
};

static tmsize_t
mem_read(thandle_t h, void *out, tmsize_t len)
{
	struct tiffd *d = h;
	size_t k = len < 0 ? 0 : (size_t)len;

	if (d->pos >= d->n)
		k = 0;
	else if (k > d->n - d->pos)
		k = d->n - (size_t)d->pos;
	if (k < (size_t)(len < 0 ? 0 : len))
		d->short_read = 1;
	if (k)
		memcpy(out, d->buf + d->pos, k);
	d->pos += k;
	return (tmsize_t)k;
}

static tmsize_t
mem_write(thandle_t h, void *p, tmsize_t len)
{
	(void)h, (void)p, (void)len;
	return -1;
}

static toff_t
mem_seek(thandle_t h, toff_t off, int whence)
{
	struct tiffd *d = h;

	switch (whence) {
	case SEEK_SET: d->pos = off; break;
	case SEEK_CUR: d->pos += off; break;
	case SEEK_END: d->pos = d->n + off; break;
	default:       return (toff_t)-1;
	}
	return d->pos;
}

static int
mem_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t
mem_size(thandle_t h)
{
	return ((struct tiffd *)h)->n;
}

static int
mem_map(thandle_t h, void **base, toff_t *size)
{
	(void)h, (void)base, (void)size;
	return 0;
}

static void
mem_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h, (void)base, (void)size;
}

/* The first error libtiff reports, on one line. */
static int
on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct tiffd *d = user;
	char m[160];

	(void)tif, (void)module;
	if (d->msg[0])
		return 1;
	vsnprintf(m, sizeof m, fmt, ap);
	for (char *p = m; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	snprintf(d->msg, sizeof d->msg, "corrupt TIFF: %s", m);
	return 1;
}

static int
on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)tif, (void)user, (void)module, (void)fmt, (void)ap;
	return 1;
}

/* The layout of a page that we read ourselves; otherwise libtiff's RGBA reader. */
struct layout {
	uint32_t w, h;
	uint16_t bps, spp, photo, planar, format, orient;
	int direct;             /* contiguous 1/2/4/8/16-bit gray, 8/16-bit RGB, 1/2/4/8-bit palette */
	int palette;
	int c;                  /* channels out */
	unsigned char map[256][3];      /* the palette, 16-bit entries rounded to 8 */
};

/* The colour map of a palette page, rounded to 8 bits as v/257 (libtiff's RGBA
 * reader truncates); 0, or -1 when the page has none. */
static int
get_map(TIFF *tif, struct layout *l)
{
	uint16_t *r, *g, *b;

	if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b))
		return -1;
	for (unsigned i = 0; i < (1u << l->bps); i++) {
		l->map[i][0] = (unsigned char)((r[i] + 128u) / 257u);
		l->map[i][1] = (unsigned char)((g[i] + 128u) / 257u);
		l->map[i][2] = (unsigned char)((b[i] + 128u) / 257u);
	}
	return 0;
}

static void
get_layout(TIFF *tif, struct layout *l)
{
	uint16_t nextra = 0, *extra = NULL;

	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l->w);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l->h);
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &l->bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &l->spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &l->planar);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &l->format);
	TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &l->orient);
	TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra);
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &l->photo))
		l->photo = l->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
	if (l->orient < 1 || l->orient > 8)
		l->orient = 1;
	l->direct = l->palette = 0;
	if (l->format == SAMPLEFORMAT_UINT && (l->planar == PLANARCONFIG_CONTIG || l->spp == 1)) {
		if ((l->photo == PHOTOMETRIC_MINISBLACK || l->photo == PHOTOMETRIC_MINISWHITE) &&
		    ((l->spp == 1 && (l->bps == 1 || l->bps == 2 || l->bps == 4)) ||
		     (l->spp <= 2 && (l->bps == 8 || l->bps == 16))))
			l->direct = 1;
		if (l->photo == PHOTOMETRIC_RGB && (l->spp == 3 || l->spp == 4) &&
		    (l->bps == 8 || l->bps == 16))
			l->direct = 1;
		if (l->photo == PHOTOMETRIC_PALETTE && l->spp == 1 && l->bps <= 8 && (8 % l->bps) == 0 &&
		    get_map(tif, l) == 0)
			l->direct = l->palette = 1;
	}
	if (l->palette)
		l->c = 3;
	else if (l->direct)
		l->c = l->spp;
	else
		l->c = nextra > 0 ? 4 : 3;
}

/* One row of n pixels of l's layout from src to 8-bit samples at dst. */
static void
convert_row(const struct layout *l, const unsigned char *src, unsigned char *dst, uint32_t n)
{
	size_t count = (size_t)n * l->spp;
	int invert = l->photo == PHOTOMETRIC_MINISWHITE;

	if (l->palette) {
		unsigned per = 8u / l->bps, max = (1u << l->bps) - 1;
		for (size_t i = 0; i < n; i++)
			memcpy(dst + 3 * i, l->map[src[i / per] >> (8 - l->bps * (1 + i % per)) & max], 3);
		return;
	}
	if (l->bps == 8) {
		memcpy(dst, src, count);
	} else if (l->bps == 16) {
		for (size_t i = 0; i < count; i++) {
			uint16_t v;
			memcpy(&v, src + 2 * i, 2);     /* libtiff gives native byte order */
			dst[i] = (unsigned char)((v + 128u) / 257u);
		}
	} else {
		unsigned max = (1u << l->bps) - 1, per = 8u / l->bps;
		for (size_t i = 0; i < count; i++) {
			unsigned v = src[i / per] >> (8 - l->bps * (1 + i % per)) & max;
			dst[i] = (unsigned char)(v * 255 / max);
		}
	}
	if (invert)     /* the gray sample only, never alpha */
		for (size_t i = 0; i < count; i += l->spp)
			dst[i] = (unsigned char)(255 - dst[i]);
}

static int
read_tiles(TIFF *tif, struct tiffd *d, const struct layout *l, image *im)
{
	uint32_t tw = 0, th = 0;
	tmsize_t size = TIFFTileSize(tif);
	size_t stride = (size_t)l->w * (size_t)l->c, tstride;
	unsigned char *tile;

	TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
	TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
	tstride = (size_t)TIFFTileRowSize(tif);
	if (tw == 0 || th == 0 || size <= 0 || tstride == 0 || (size_t)size < tstride * th ||
	    (tile = malloc((size_t)size)) == NULL) {
		if (!d->msg[0])
			snprintf(d->msg, sizeof d->msg, "corrupt TIFF: bad tile size");
		return -1;
	}
	for (uint32_t y = 0; y < l->h; y += th)
		for (uint32_t x = 0; x < l->w; x += tw) {
			uint32_t nx = l->w - x < tw ? l->w - x : tw, ny = l->h - y < th ? l->h - y : th;
			if (TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, 0), tile, size) == -1) {
				free(tile);
				return -1;
			}
			for (uint32_t r = 0; r < ny; r++)
				convert_row(l, tile + r * tstride, im->px + (y + r) * stride + (size_t)x * l->c, nx);
		}
	free(tile);
	return 0;
}

static int
read_strips(TIFF *tif, struct tiffd *d, const struct layout *l, image *im)
{
	uint32_t rps = 0;
	tmsize_t size = TIFFStripSize(tif), got;
	size_t stride = (size_t)l->w * (size_t)l->c, sstride = (size_t)TIFFScanlineSize(tif);
	unsigned char *strip;

	TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
	if (rps == 0 || rps > l->h)
		rps = l->h;
	if (size <= 0 || sstride == 0 || (strip = malloc((size_t)size)) == NULL) {
		if (!d->msg[0])
			snprintf(d->msg, sizeof d->msg, "corrupt TIFF: bad strip size");
		return -1;
	}
	for (uint32_t y = 0, s = 0; y < l->h; y += rps, s++) {
		uint32_t ny = l->h - y < rps ? l->h - y : rps;
		if ((got = TIFFReadEncodedStrip(tif, s, strip, size)) == -1 || (size_t)got < sstride * ny) {
			if (!d->msg[0])
				snprintf(d->msg, sizeof d->msg, "corrupt TIFF: short strip %u", s);
			free(strip);
			return -1;
		}
		for (uint32_t r = 0; r < ny; r++)
			convert_row(l, strip + r * sstride, im->px + (y + r) * stride, l->w);
	}
	free(strip);
	return 0;
}

/* Other layouts through libtiff's RGBA reader, in the file's own orientation. */
static int
read_rgba(TIFF *tif, struct tiffd *d, const struct layout *l, image *im)
{
	TIFFRGBAImage ri;
	char emsg[1024];
	uint32_t *raster;
	size_t npx = (size_t)l->w * l->h;
	int ok;

	if (!TIFFRGBAImageOK(tif, emsg) || !TIFFRGBAImageBegin(&ri, tif, 0, emsg)) {
		if (!d->msg[0])
			snprintf(d->msg, sizeof d->msg, "unsupported TIFF: %.150s", emsg);
		return -1;
	}
	ri.req_orientation = l->orient;
	if ((raster = malloc(npx * sizeof *raster)) == NULL) {
		TIFFRGBAImageEnd(&ri);
		snprintf(d->msg, sizeof d->msg, "out of memory");
		return -1;
	}
	ok = TIFFRGBAImageGet(&ri, raster, l->w, l->h);
	TIFFRGBAImageEnd(&ri);
	if (!ok) {
		free(raster);
		return -1;
	}
	for (size_t i = 0; i < npx; i++) {
		unsigned char *o = im->px + i * (size_t)l->c;
		o[0] = (unsigned char)TIFFGetR(raster[i]);
		o[1] = (unsigned char)TIFFGetG(raster[i]);
		o[2] = (unsigned char)TIFFGetB(raster[i]);
		if (l->c == 4)
			o[3] = (unsigned char)TIFFGetA(raster[i]);
	}
	free(raster);
	return 0;
}

static int
run(TIFF *tif, struct tiffd *d, int info_only, image *out, int *frames)
{
	struct layout l;
	int rc;

	get_layout(tif, &l);
	if (img_check_size(l.w, l.h, !info_only, d->msg, sizeof d->msg) == -1)
		return -1;
	out->w = (int)(l.orient >= 5 ? l.h : l.w);
	out->h = (int)(l.orient >= 5 ? l.w : l.h);
	out->c = l.c;
	if (info_only) {
		if (frames)
			*frames = (int)TIFFNumberOfDirectories(tif);
		return 0;
	}
	out->w = (int)l.w;
	out->h = (int)l.h;
	if ((out->px = img_alloc_px(out->w, out->h, out->c, d->msg, sizeof d->msg)) == NULL)
		return -1;
	if (!l.direct)
		rc = read_rgba(tif, d, &l, out);
	else if (TIFFIsTiled(tif))
		rc = read_tiles(tif, d, &l, out);
	else
		rc = read_strips(tif, d, &l, out);
	if (rc == 0 && img_orient(out, l.orient, d->msg, sizeof d->msg) == -1)
		rc = -1;
	if (frames)
		*frames = (int)TIFFNumberOfDirectories(tif);
	return rc;
}

int
img_tiff_decode(const unsigned char *buf, size_t n, image *out, int info_only, int *frames,
                char *err, size_t errlen)
{
	struct tiffd d;
	TIFFOpenOptions *opts;
	TIFF *tif;
	int rc = -1;

	memset(&d, 0, sizeof d);
	d.buf = buf;
	d.n = n;
	if ((opts = TIFFOpenOptionsAlloc()) == NULL) {
		img_err(err, errlen, "out of memory");
		return -1;
	}
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_ALLOC);
	TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &d);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &d);
	tif = TIFFClientOpenExt("TIFF", "rm", &d, mem_read, mem_write, mem_seek, mem_close, mem_size,
	                        mem_map, mem_unmap, opts);
	TIFFOpenOptionsFree(opts);
	if (tif != NULL) {
		rc = run(tif, &d, info_only, out, frames);
		TIFFClose(tif);
	}
	if (rc == -1) {
		img_free(out);
		if (d.short_read)
			img_err(err, errlen, "truncated TIFF");
		else
			img_err(err, errlen, "%s", d.msg[0] ? d.msg : "corrupt TIFF");
		return -1;
	}
	return 0;
}
