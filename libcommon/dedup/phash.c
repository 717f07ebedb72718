#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "phash.h"

#define GRID 32                 /* the DCT's input size */
#define NFREQ 9                 /* frequencies 0..8 computed, 1..8 hashed */

/* One axis of an area average: source pixel src adds weight w to output cell dst. */
struct contrib { int src, dst; float w; };

/* The contributions of a line of n source pixels to m cells, in source order;
 * at most n + m of them.  Cell i covers [i n / m, (i + 1) n / m). */
static int
axis_contribs(int n, int m, struct contrib *c)
{
	int k = 0;
	double step = (double)n / m;

	for (int j = 0; j < n; j++) {
		int i0 = (int)(j / step), i1 = (int)((j + 1) / step);
		if (i1 >= m)
			i1 = m - 1;
		for (int i = i0; i <= i1; i++) {
			double lo = i * step > j ? i * step : j;
			double hi = (i + 1) * step < j + 1 ? (i + 1) * step : j + 1;
			if (hi > lo) {
				c[k].src = j;
				c[k].dst = i;
				c[k].w = (float)((hi - lo) / step);
				k++;
			}
		}
	}
	return k;
}

static inline float
luma(const unsigned char *p, int c)
{
	if (c <= 2)
		return p[0];
	return (19595.0f * p[0] + 38470.0f * p[1] + 7471.0f * p[2]) / 65536.0f;
}

/* The mean gray level over each of mw x mh cells of im, into out (row-major). */
static void
area_gray(const image *im, int mw, int mh, float *out)
{
	struct contrib *cx = malloc(sizeof *cx * (size_t)(im->w + mw + 1));
	struct contrib *cy = malloc(sizeof *cy * (size_t)(im->h + mh + 1));
	float *row = malloc(sizeof *row * (size_t)im->w), bins[GRID + 1];
	int nx, ny, k = 0;

	memset(out, 0, sizeof *out * (size_t)mw * (size_t)mh);
	if (cx == NULL || cy == NULL || row == NULL)
		abort();
	nx = axis_contribs(im->w, mw, cx);
	ny = axis_contribs(im->h, mh, cy);
	for (int y = 0; y < im->h; y++) {
		const unsigned char *p = im->px + (size_t)y * (size_t)im->w * (size_t)im->c;
		if (k >= ny || cy[k].src != y)
			continue;
		for (int x = 0; x < im->w; x++)
			row[x] = luma(p + (size_t)x * (size_t)im->c, im->c);
		memset(bins, 0, sizeof bins);
		for (int i = 0; i < nx; i++)
			bins[cx[i].dst] += cx[i].w * row[cx[i].src];
		for (; k < ny && cy[k].src == y; k++)
			for (int x = 0; x < mw; x++)
				out[cy[k].dst * mw + x] += cy[k].w * bins[x];
	}
	free(cx);
	free(cy);
	free(row);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Bits of 64 values above their median, the first value in the top bit. */
static uint64_t
above_median(const float *v)
{
	float s[64];
	float med;
	uint64_t h = 0;

	memcpy(s, v, sizeof s);
	qsort(s, 64, sizeof *s, cmp_float);
	med = (s[31] + s[32]) / 2;
	for (int i = 0; i < 64; i++)
		h = h << 1 | (v[i] > med);
	return h;
}

static float cosines[NFREQ][GRID];      /* the DCT-II basis, unnormalised */
static pthread_once_t cosines_once = PTHREAD_ONCE_INIT;

static void
cosines_init(void)
{
	for (int u = 0; u < NFREQ; u++)
		for (int x = 0; x < GRID; x++)
			cosines[u][x] = (float)cos((2 * x + 1) * u * M_PI / (2 * GRID));
}

static void
dct_hashes(const image *im, uint64_t *out, int n)
{
	float g[GRID * GRID], t[GRID][NFREQ], d[NFREQ][NFREQ], v[64];

	pthread_once(&cosines_once, cosines_init);
	area_gray(im, GRID, GRID, g);
	for (int y = 0; y < GRID; y++)
		for (int u = 0; u < NFREQ; u++) {
			float s = 0;
			for (int x = 0; x < GRID; x++)
				s += g[y * GRID + x] * cosines[u][x];
			t[y][u] = s;
		}
	for (int fv = 0; fv < NFREQ; fv++)
		for (int u = 0; u < NFREQ; u++) {
			float s = 0;
			for (int y = 0; y < GRID; y++)
				s += cosines[fv][y] * t[y][u];
			d[fv][u] = s;
		}
	/* A mirror image negates the odd frequencies along its axis; a transpose swaps the axes. */
	for (int o = 0; o < n; o++) {
		for (int fv = 1; fv < NFREQ; fv++)
			for (int u = 1; u < NFREQ; u++) {
				float c = o & 4 ? d[u][fv] : d[fv][u];
				if ((o & 1) && (u & 1))
					c = -c;
				if ((o & 2) && (fv & 1))
					c = -c;
				v[(fv - 1) * 8 + u - 1] = c;
			}
		out[o] = above_median(v);
	}
}

static void
diff_hashes(const image *im, uint64_t *out, int n)
{
	float a[8 * 9], b[9 * 8];       /* 9 wide x 8 high; 8 wide x 9 high */

	area_gray(im, 9, 8, a);
	if (n > 1)
		area_gray(im, 8, 9, b);
	for (int o = 0; o < n; o++) {
		uint64_t h = 0;
		for (int y = 0; y < 8; y++)
			for (int x = 0; x < 8; x++) {
				float p, q;
				int x0 = o & 1 ? 8 - x : x, x1 = o & 1 ? 7 - x : x + 1, yy = o & 2 ? 7 - y : y;
				if (o & 4) {    /* the transposed image's (x, y) is (y, x) of b */
					p = b[x0 * 8 + yy];
					q = b[x1 * 8 + yy];
				} else {
					p = a[yy * 9 + x0];
					q = a[yy * 9 + x1];
				}
				h = h << 1 | (p > q);
			}
		out[o] = h;
	}
}

void
phash_image(const image *im, int kind, uint64_t *out, int n)
{
	if (kind == PHASH_DIFF)
		diff_hashes(im, out, n);
	else
		dct_hashes(im, out, n);
}

void
phash_format(uint64_t h, char out[17])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++)
		out[i] = hex[(h >> (60 - 4 * i)) & 15];
	out[16] = '\0';
}

int
phash_parse(const char *s, uint64_t *h)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (s[i] != '\0')
		return -1;
	*h = v;
	return 0;
}
