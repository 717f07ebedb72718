/* Channel conversions for resizing: gray <-> RGB, alpha composited over a background. */
#include <stdlib.h>

#include "resize.h"

/* v over bg with alpha a, all 0..255, rounded. */
static unsigned char
over(unsigned v, unsigned a, unsigned bg)
{
	return (unsigned char)((v * a + bg * (255 - a) + 127) / 255);
}

static unsigned char
luma(unsigned r, unsigned g, unsigned b)
{
	return (unsigned char)((r * 19595 + g * 38470 + b * 7471 + 32768) >> 16);
}

/* Converts im to c channels, in place when it shrinks, into a new buffer when it grows. */
static int
convert(image *im, int c, const unsigned char bg[3])
{
	size_t n = (size_t)im->w * (size_t)im->h;
	unsigned char *src = im->px, *dst = src;
	unsigned char bgl = luma(bg[0], bg[1], bg[2]);

	if (im->c == c)
		return 0;
	if (c > im->c && (dst = malloc(n * (size_t)c)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = src + i * (size_t)im->c;
		unsigned char *q = dst + i * (size_t)c;
		unsigned r, g, b;
		switch (im->c) {
		case 1: r = g = b = p[0]; break;
		case 2: r = g = b = over(p[0], p[1], bgl); break;
		case 3: r = p[0], g = p[1], b = p[2]; break;
		default:
			r = over(p[0], p[3], bg[0]);
			g = over(p[1], p[3], bg[1]);
			b = over(p[2], p[3], bg[2]);
		}
		if (c == 1)
			q[0] = im->c <= 2 ? (unsigned char)r : luma(r, g, b);
		else
			q[0] = (unsigned char)r, q[1] = (unsigned char)g, q[2] = (unsigned char)b;
	}
	if (dst != src) {
		free(src);
	} else {
		unsigned char *p = realloc(src, n * (size_t)c);
		if (p)
			dst = p;
	}
	im->px = dst;
	im->c = c;
	return 0;
}

int
img_to_gray(image *im, const unsigned char bg[3])
{
	return convert(im, 1, bg);
}

int
img_to_rgb(image *im, const unsigned char bg[3])
{
	return convert(im, 3, bg);
}
