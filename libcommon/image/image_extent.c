/* Finds where the first PNG or JPEG file in a buffer ends, to split concatenations
 * such as ffmpeg -f image2pipe output.  Never reads past n. */
#include <string.h>

#include "image.h"

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* PNG: chunks (length, type, data, CRC) from IHDR to IEND. */
static long long
png_extent(const unsigned char *p, size_t n)
{
	size_t pos = 8;

	for (int first = 1;; first = 0) {
		uint32_t len;
		if (n - pos < 8)
			return 0;
		len = (uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 |
		      (uint32_t)p[pos + 2] << 8 | p[pos + 3];
		if (len > 0x7fffffffu)
			return -1;
		for (int i = 4; i < 8; i++)
			if (!is_alpha(p[pos + i]))
				return -1;
		if (first && (memcmp(p + pos + 4, "IHDR", 4) != 0 || len != 13))
			return -1;
		if (n - pos < (size_t)len + 12)
			return 0;
		pos += (size_t)len + 12;
		if (memcmp(p + pos - len - 8, "IEND", 4) == 0)
			return (long long)pos;
	}
}

/* JPEG: marker segments from SOI to EOI; after each SOS, entropy-coded data in which
 * 0xFF is followed by 0x00 (stuffing), RSTn or more 0xFF (fill); progressive files
 * simply have several SOS.  Stray bytes between segments are skipped, as libjpeg does. */
static long long
jpeg_extent(const unsigned char *p, size_t n)
{
	size_t pos = 2;

	for (;;) {
		const unsigned char *q;
		unsigned m, len;

		if (pos >= n || (q = memchr(p + pos, 0xff, n - pos)) == NULL)
			return 0;
		pos = (size_t)(q - p);
		while (pos < n && p[pos] == 0xff)
			pos++;
		if (pos >= n)
			return 0;
		m = p[pos++];
		if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;               /* stuffing out of place, TEM, RSTn: no length */
		if (m == 0xd9)
			return (long long)pos;  /* EOI */
		if (m == 0xd8)
			return -1;              /* a second SOI before EOI */
		if (n - pos < 2)
			return 0;
		len = (unsigned)p[pos] << 8 | p[pos + 1];
		if (len < 2)
			return -1;
		if (n - pos < len)
			return 0;
		pos += len;
		if (m != 0xda)
			continue;
		for (;;) {                      /* entropy-coded data after SOS */
			if ((q = memchr(p + pos, 0xff, n - pos)) == NULL)
				return 0;
			pos = (size_t)(q - p);
			if (n - pos < 2)
				return 0;
			m = p[pos + 1];
			if (m == 0x00 || (m >= 0xd0 && m <= 0xd7))
				pos += 2;
			else if (m == 0xff)
				pos += 1;
			else
				break;          /* a marker: the outer loop reads it */
		}
	}
}

long long
img_extent(const void *buf, size_t n)
{
	const unsigned char *p = buf;

	if (n == 0 || p == NULL)
		return 0;
	if (memcmp(p, png_sig, n < 8 ? n : 8) == 0)
		return n < 8 ? 0 : png_extent(p, n);
	if (p[0] == 0xff) {
		if (n >= 2 && p[1] != 0xd8)
			return -1;
		if (n >= 3 && p[2] != 0xff)
			return -1;
		return n < 3 ? 0 : jpeg_extent(p, n);
	}
	return -1;
}
