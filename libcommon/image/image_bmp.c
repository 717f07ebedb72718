/* BMP decoding: 1/4/8-bit palette (uncompressed, RLE4, RLE8), 16/24/32-bit (BI_RGB,
 * BI_BITFIELDS).  Embedded JPEG/PNG are refused as unsupported. */
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_int.h"

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6 };

struct bmp {
	uint32_t offset, hsize, compression, ncolors;
	int32_t w, h;
	int topdown;
	unsigned bpp;
	uint32_t mask[4];       /* R, G, B, A */
	unsigned char pal[256][3];
	int gray;               /* every palette entry gray: one channel out */
};

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* Reads the masks of a BI_BITFIELDS file, or sets the BI_RGB defaults. */
static int
masks(struct bmp *b, const unsigned char *buf, size_t n, char *err, size_t errlen)
{
	size_t at = 14 + (size_t)b->hsize;
	int nmask;

	memset(b->mask, 0, sizeof b->mask);
	if (b->compression == BI_RGB) {
		if (b->bpp == 16)
			b->mask[0] = 0x7c00, b->mask[1] = 0x03e0, b->mask[2] = 0x001f;
		else
			b->mask[0] = 0xff0000, b->mask[1] = 0xff00, b->mask[2] = 0xff;
		return 0;
	}
	if (b->bpp != 16 && b->bpp != 32) {
		img_err(err, errlen, "corrupt BMP: bit fields with %u bits per pixel", b->bpp);
		return -1;
	}
	nmask = b->compression == BI_ALPHABITFIELDS || b->hsize >= 56 ? 4 : 3;
	if (b->hsize >= 52)
		at = 14 + 40;           /* inside a V2 or later header */
	if (at + 4 * (size_t)nmask > n) {
		img_err(err, errlen, "truncated BMP");
		return -1;
	}
	for (int i = 0; i < nmask; i++)
		b->mask[i] = le32(buf + at + 4 * (size_t)i);
	if (b->mask[0] == 0 && b->mask[1] == 0 && b->mask[2] == 0) {
		img_err(err, errlen, "corrupt BMP: empty colour masks");
		return -1;
	}
	return 0;
}

static int
palette(struct bmp *b, const unsigned char *buf, size_t n, char *err, size_t errlen)
{
	size_t at = 14 + (size_t)b->hsize, entry = b->hsize == 12 ? 3 : 4;
	uint32_t max = 1u << b->bpp;

	if (b->hsize == 40 && b->compression == BI_BITFIELDS)
		at += 12;
	if (b->ncolors == 0 || b->ncolors > max)
		b->ncolors = max;
	if (at + entry * b->ncolors > n || at + entry * b->ncolors > b->offset) {
		img_err(err, errlen, at + entry * b->ncolors > n ? "truncated BMP" : "corrupt BMP: palette overlaps the pixels");
		return -1;
	}
	memset(b->pal, 0, sizeof b->pal);
	b->gray = 1;
	for (uint32_t i = 0; i < b->ncolors; i++) {
		const unsigned char *p = buf + at + entry * i;
		b->pal[i][0] = p[2], b->pal[i][1] = p[1], b->pal[i][2] = p[0];
		b->gray &= p[0] == p[1] && p[1] == p[2];
	}
	return 0;
}

static int
header(struct bmp *b, const unsigned char *buf, size_t n, char *err, size_t errlen)
{
	if (n < 26 || n < 14 + (size_t)le32(buf + 14)) {
		img_err(err, errlen, "truncated BMP");
		return -1;
	}
	b->offset = le32(buf + 10);
	b->hsize = le32(buf + 14);
	if (b->hsize == 12) {
		b->w = (int32_t)le16(buf + 18);
		b->h = (int32_t)le16(buf + 20);
		b->bpp = le16(buf + 24);
		b->compression = BI_RGB;
		b->ncolors = 0;
	} else if (b->hsize >= 40) {
		b->w = (int32_t)le32(buf + 18);
		b->h = (int32_t)le32(buf + 22);
		b->bpp = le16(buf + 28);
		b->compression = le32(buf + 30);
		b->ncolors = le32(buf + 46);
	} else {
		img_err(err, errlen, "unsupported BMP header of %u bytes", b->hsize);
		return -1;
	}
	b->topdown = b->h < 0;
	if (b->h == INT32_MIN || b->w <= 0 || b->h == 0) {
		img_err(err, errlen, "corrupt BMP: bad size");
		return -1;
	}
	if (b->h < 0)
		b->h = -b->h;
	if ((b->compression == BI_RLE8 && b->bpp != 8) || (b->compression == BI_RLE4 && b->bpp != 4) ||
	    (b->compression <= BI_RLE4 && b->compression != BI_RGB && b->topdown)) {
		img_err(err, errlen, "corrupt BMP: RLE with %u bits per pixel", b->bpp);
		return -1;
	}
	if (b->compression != BI_RGB && b->compression != BI_RLE8 && b->compression != BI_RLE4 &&
	    b->compression != BI_RGB && b->compression != BI_BITFIELDS && b->compression != BI_ALPHABITFIELDS) {
		img_err(err, errlen, "unsupported BMP compression %u", b->compression);
		return -1;
	}
	switch (b->bpp) {
	case 1: case 4: case 8:
		if (b->compression != BI_RGB && b->compression != BI_RLE8 && b->compression != BI_RLE4) {
			img_err(err, errlen, "corrupt BMP: bit fields with a palette");
			return -1;
		}
		return palette(b, buf, n, err, errlen);
	case 16: case 24: case 32:
		if (b->bpp == 24 && b->compression != BI_RGB) {
			img_err(err, errlen, "corrupt BMP: bit fields with 24 bits per pixel");
			return -1;
		}
		return masks(b, buf, n, err, errlen);
	default:
		img_err(err, errlen, "corrupt BMP: %u bits per pixel", b->bpp);
		return -1;
	}
}

/* A masked field scaled to 0..255. */
static unsigned char
field(uint32_t v, uint32_t mask)
{
	unsigned shift = 0;
	uint32_t max;

	if (mask == 0)
		return 0;
	while (!(mask >> shift & 1))
		shift++;
	max = mask >> shift;
	return (unsigned char)((((uint64_t)(v & mask) >> shift) * 255 * 2 / max + 1) / 2);
}

static void
decode_row(const struct bmp *b, const unsigned char *src, unsigned char *dst, int c)
{
	for (int32_t x = 0; x < b->w; x++, dst += c) {
		uint32_t v;
		switch (b->bpp) {
		case 1: case 4: case 8: {
			unsigned per = 8 / b->bpp, bit = 8 - b->bpp * (1 + (unsigned)x % per);
			unsigned k = src[(unsigned)x / per] >> bit & ((1u << b->bpp) - 1);
			if (c == 1)
				dst[0] = b->pal[k][0];
			else
				memcpy(dst, b->pal[k], 3);
			continue;
		}
		case 16: v = le16(src + 2 * (size_t)x); break;
		case 24: v = (uint32_t)src[3 * x] | (uint32_t)src[3 * x + 1] << 8 | (uint32_t)src[3 * x + 2] << 16; break;
		default: v = le32(src + 4 * (size_t)x); break;
		}
		dst[0] = field(v, b->mask[0]);
		dst[1] = field(v, b->mask[1]);
		dst[2] = field(v, b->mask[2]);
		if (c == 4)
			dst[3] = field(v, b->mask[3]);
	}
}

/* Palette indices of an RLE4 or RLE8 file, bottom row first, into idx (w x h, zeroed). */
static int
unpack_rle(const struct bmp *b, const unsigned char *p, size_t n, unsigned char *idx, char *err, size_t errlen)
{
	size_t pos = b->offset, x = 0, y = 0, w = (size_t)b->w, h = (size_t)b->h;
	int rle4 = b->compression == BI_RLE4;

	for (;;) {
		unsigned count, v;
		if (n - pos < 2 || pos > n)
			goto truncated;
		count = p[pos];
		v = p[pos + 1];
		pos += 2;
		if (count > 0) {                /* a run: count pixels of v (RLE4: two nibbles in turn) */
			for (unsigned i = 0; i < count && x < w; i++, x++)
				if (y < h)
					idx[y * w + x] = (unsigned char)(rle4 ? (i & 1 ? v & 15 : v >> 4) : v);
		} else if (v == 0) {            /* end of line */
			x = 0;
			y++;
		} else if (v == 1) {            /* end of bitmap */
			return 0;
		} else if (v == 2) {            /* delta */
			if (n - pos < 2)
				goto truncated;
			x += p[pos];
			y += p[pos + 1];
			pos += 2;
		} else {                        /* absolute: v pixels, padded to 16 bits */
			size_t bytes = rle4 ? (v + 1) / 2 : v;
			if (n - pos < bytes + (bytes & 1))
				goto truncated;
			for (unsigned i = 0; i < v; i++, x++)
				if (x < w && y < h)
					idx[y * w + x] = (unsigned char)(rle4 ? (i & 1 ? p[pos + i / 2] & 15 : p[pos + i / 2] >> 4)
					                                      : p[pos + i]);
			pos += bytes + (bytes & 1);
		}
		if (y > h) {
			img_err(err, errlen, "corrupt BMP: RLE data beyond the image");
			return -1;
		}
	}
truncated:
	img_err(err, errlen, "truncated BMP");
	return -1;
}

/* An RLE file: indices, then colours through the palette, bottom-up. */
static int
decode_rle(const struct bmp *b, const unsigned char *buf, size_t n, image *out, char *err, size_t errlen)
{
	size_t npx = (size_t)b->w * (size_t)b->h;
	unsigned char *idx;

	if (b->offset > n) {
		img_err(err, errlen, "truncated BMP");
		return -1;
	}
	if ((idx = calloc(npx, 1)) == NULL) {
		img_err(err, errlen, "out of memory");
		return -1;
	}
	if (unpack_rle(b, buf, n, idx, err, errlen) == -1) {
		free(idx);
		return -1;
	}
	for (size_t y = 0; y < (size_t)b->h; y++) {
		const unsigned char *src = idx + y * (size_t)b->w;
		unsigned char *dst = out->px + ((size_t)b->h - 1 - y) * (size_t)b->w * (size_t)out->c;
		for (size_t x = 0; x < (size_t)b->w; x++)
			if (out->c == 1)
				dst[x] = b->pal[src[x]][0];
			else
				memcpy(dst + 3 * x, b->pal[src[x]], 3);
	}
	free(idx);
	return 0;
}

int
img_bmp_decode(const unsigned char *buf, size_t n, image *out, int info_only,
               char *err, size_t errlen)
{
	struct bmp b;
	size_t stride;

	memset(&b, 0, sizeof b);
	if (header(&b, buf, n, err, errlen) == -1 ||
	    img_check_size((uint64_t)b.w, (uint64_t)b.h, !info_only, err, errlen) == -1)
		return -1;
	out->w = b.w;
	out->h = b.h;
	out->c = b.bpp <= 8 ? (b.gray ? 1 : 3) : b.mask[3] ? 4 : 3;
	if (info_only)
		return 0;
	if (b.compression == BI_RLE8 || b.compression == BI_RLE4) {
		if ((out->px = img_alloc_px(out->w, out->h, out->c, err, errlen)) == NULL)
			return -1;
		if (decode_rle(&b, buf, n, out, err, errlen) == -1) {
			img_free(out);
			return -1;
		}
		return 0;
	}
	stride = ((size_t)b.w * b.bpp + 31) / 32 * 4;
	if (b.offset > n || (n - b.offset) / stride < (size_t)b.h) {
		/* the last row may lack its padding */
		if (b.offset > n || n - b.offset < stride * ((size_t)b.h - 1) + ((size_t)b.w * b.bpp + 7) / 8) {
			img_err(err, errlen, "truncated BMP");
			return -1;
		}
	}
	if ((out->px = img_alloc_px(out->w, out->h, out->c, err, errlen)) == NULL)
		return -1;
	for (int32_t y = 0; y < b.h; y++) {
		int32_t row = b.topdown ? y : b.h - 1 - y;
		decode_row(&b, buf + b.offset + (size_t)y * stride, out->px + (size_t)row * (size_t)b.w * (size_t)out->c,
		           out->c);
	}
	return 0;
}
