/* The orientation tag of EXIF data, read with bounds checks on every access. */
#include "image_int.h"

static unsigned
rd16(const unsigned char *p, int le)
{
	return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

static uint32_t
rd32(const unsigned char *p, int le)
{
	return le ? (uint32_t)rd16(p, 1) | (uint32_t)rd16(p + 2, 1) << 16
	          : (uint32_t)rd16(p, 0) << 16 | rd16(p + 2, 0);
}

int
img_exif_orientation(const unsigned char *p, size_t n)
{
	int le;
	uint32_t ifd;
	unsigned count;

	if (p == NULL || n < 8)
		return 1;
	if (p[0] == 'I' && p[1] == 'I')
		le = 1;
	else if (p[0] == 'M' && p[1] == 'M')
		le = 0;
	else
		return 1;
	if (rd16(p + 2, le) != 42)
		return 1;
	ifd = rd32(p + 4, le);
	if (ifd < 8 || ifd > n - 2)
		return 1;
	count = rd16(p + ifd, le);
	for (unsigned i = 0; i < count; i++) {
		size_t e = (size_t)ifd + 2 + (size_t)i * 12;
		unsigned type, v;
		if (e > n || n - e < 12)
			break;
		if (rd16(p + e, le) != 0x0112)
			continue;
		type = rd16(p + e + 2, le);
		if (rd32(p + e + 4, le) < 1)
			return 1;
		if (type == 3)                  /* SHORT, the standard type */
			v = rd16(p + e + 8, le);
		else if (type == 4)             /* LONG, seen from some writers */
			v = rd32(p + e + 8, le) > 8 ? 0 : rd32(p + e + 8, le);
		else
			return 1;
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
	return 1;
}
