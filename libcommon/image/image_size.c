/* The WxH size syntax of the programs' options (--crop, --grid, --size, ...). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "image.h"

static int
parse_side(const char *s, char **end)
{
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, end, 10);
	if (errno || v < 1 || v > IMG_MAXDIM)
		return -1;
	return (int)v;
}

int
img_parse_size(const char *s, int *w, int *h, int square_ok)
{
	char *end;
	int a, b;

	if ((a = parse_side(s, &end)) == -1)
		return -1;
	if (*end == '\0' && square_ok)
		b = a;
	else if ((*end != 'x' && *end != 'X') || (b = parse_side(end + 1, &end)) == -1 || *end != '\0')
		return -1;
	*w = a;
	*h = b;
	return 0;
}
