/* Recognises image formats by their magic bytes. */
#include <string.h>

#include "image.h"

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum img_format
img_sniff(const void *buf, size_t n)
{
	const unsigned char *p = buf;

	if (p == NULL)
		return IMG_UNKNOWN;
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return IMG_PNG;
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMG_JPEG;
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return IMG_GIF;
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return IMG_WEBP;
	if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0 ||
	               memcmp(p, "II+\0", 4) == 0 || memcmp(p, "MM\0+", 4) == 0))
		return IMG_TIFF;
	/* Netpbm: P1..P6 (PBM, PGM, PPM), P7 (PAM), then white space */
	if (n >= 3 && p[0] == 'P' && p[1] >= '1' && p[1] <= '7' &&
	    (p[2] == ' ' || p[2] == '\t' || p[2] == '\n' || p[2] == '\r'))
		return IMG_PNM;
	if (n >= 18 && p[0] == 'B' && p[1] == 'M') {
		/* "BM" alone is too weak: also ask for a known DIB header size. */
		switch (le32(p + 14)) {
		case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124:
			return IMG_BMP;
		}
	}
	return IMG_UNKNOWN;
}

const char *
img_format_name(enum img_format f)
{
	switch (f) {
	case IMG_PNG:  return "png";
	case IMG_JPEG: return "jpeg";
	case IMG_GIF:  return "gif";
	case IMG_WEBP: return "webp";
	case IMG_BMP:  return "bmp";
	case IMG_TIFF: return "tiff";
	case IMG_PNM:  return "pnm";
	default:       return "unknown";
	}
}
