#include <string.h>

#include "tile_grid.h"

int
tile_edge_parse(const char *s)
{
	if (strcmp(s, "drop") == 0)
		return TILE_EDGE_DROP;
	if (strcmp(s, "pad") == 0)
		return TILE_EDGE_PAD;
	if (strcmp(s, "shift") == 0)
		return TILE_EDGE_SHIFT;
	return -1;
}

int
tile_axis(int len, int tile, int stride, enum tile_edge edge, int *pos, int max)
{
	int n = 0;

	if (len < 1 || tile < 1 || stride < 1 || (edge == TILE_EDGE_SHIFT && tile > len))
		return -1;
	for (long long p = 0; p < len; p += stride) {
		if (edge == TILE_EDGE_DROP && p + tile > len)
			break;
		if (p > 0 && p - stride + tile >= len)
			break;          /* the previous tile already reached the end */
		if (n < max && pos)
			pos[n] = edge == TILE_EDGE_SHIFT && p + tile > len ? len - tile : (int)p;
		n++;
	}
	return n;
}
