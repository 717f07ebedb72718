/* The column matrix of a convolution and its adjoint. */
#include <string.h>

#include "nn_im2col.h"

float
nn_sum_floats(const float *v, int n)
{
	float part[8] = { 0 };
	int i = 0;

	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			part[k] += v[i + k];
	for (; i < n; i++)
		part[0] += v[i];
	return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

void
nn_im2col(const nn_conv_geom *l, const float *x, float *col)
{
	nn_im2col_rows(l, x, col, (size_t)l->ho * l->wo, 0, l->ho);
}

void
nn_im2col_ld(const nn_conv_geom *l, const float *x, float *col, size_t ld)
{
	nn_im2col_rows(l, x, col, ld, 0, l->ho);
}

/*
 * Without padding at the sides, each source row is read once for all kw kernel columns: the
 * kw destination rows are written together, which beats kw passes over short rows.
 */
static inline __attribute__((always_inline)) void
im2col_unpadded(const nn_conv_geom *l, const float *x, float *col, size_t ld, int oy0, int oy1)
{
	int H = l->h, W = l->w, wo = l->wo, kw = l->kw, sw = l->sw;

	for (int ch = 0; ch < l->c; ch++) {
		const float *xc = x + (size_t)ch * H * W;
		for (int i = 0; i < l->kh; i++) {
			float *rows = col + (size_t)(ch * l->kh + i) * kw * ld;
			for (int oy = oy0; oy < oy1; oy++) {
				int y = oy * l->sh - l->ph + i;
				float *d = rows + (size_t)(oy - oy0) * wo;
				if (y < 0 || y >= H) {
					for (int j = 0; j < kw; j++)
						memset(d + j * ld, 0, (size_t)wo * sizeof(float));
					continue;
				}
				const float *src = xc + (size_t)y * W;
				if (kw == 3 && sw == 1) {
					float *d0 = d, *d1 = d + ld, *d2 = d + 2 * ld;
					for (int ox = 0; ox < wo; ox++) {
						d0[ox] = src[ox];
						d1[ox] = src[ox + 1];
						d2[ox] = src[ox + 2];
					}
				} else if (kw == 3 && sw == 2) {
					float *d0 = d, *d1 = d + ld, *d2 = d + 2 * ld;
					for (int ox = 0; ox < wo; ox++) {
						const float *s = src + 2 * ox;
						d0[ox] = s[0];
						d1[ox] = s[1];
						d2[ox] = s[2];
					}
				} else {
					for (int ox = 0; ox < wo; ox++)
						for (int j = 0; j < kw; j++)
							d[j * ld + ox] = src[ox * sw + j];
				}
			}
		}
	}
}

/* an AVX2 clone: copies only, so the same values whatever the instruction set */
__attribute__((target_clones("avx2", "default"))) void
nn_im2col_rows(const nn_conv_geom *l, const float *x, float *col, size_t ld, int oy0, int oy1)
{
	int H = l->h, W = l->w, wo = l->wo;

	if (l->pw == 0 && (wo - 1) * l->sw + l->kw <= W) {
		im2col_unpadded(l, x, col, ld, oy0, oy1);
		return;
	}

	for (int ch = 0; ch < l->c; ch++) {
		const float *xc = x + (size_t)ch * H * W;
		for (int i = 0; i < l->kh; i++) {
			for (int j = 0; j < l->kw; j++) {
				float *row = col;
				int x0 = j - l->pw;
				/* the ox whose column x0 + ox * sw lies inside [0, W) */
				int a = x0 < 0 ? (-x0 + l->sw - 1) / l->sw : 0;
				int b = W - x0 > 0 ? (W - x0 + l->sw - 1) / l->sw : 0;
				if (b > wo)
					b = wo;
				if (a > b)
					a = b;
				col += ld;
				for (int oy = oy0; oy < oy1; oy++) {
					int y = oy * l->sh - l->ph + i;
					float *dst = row + (size_t)(oy - oy0) * wo;
					if (y < 0 || y >= H) {
						memset(dst, 0, (size_t)wo * sizeof(float));
						continue;
					}
					const float *src = xc + (size_t)y * W + x0;
					/* rows are short: plain loops beat calls to memset and memcpy */
					for (int ox = 0; ox < a; ox++)
						dst[ox] = 0;
					if (l->sw == 1)
						for (int ox = a; ox < b; ox++)
							dst[ox] = src[ox];
					else if (l->sw == 2)
						for (int ox = a; ox < b; ox++)
							dst[ox] = src[2 * ox];
					else
						for (int ox = a; ox < b; ox++)
							dst[ox] = src[ox * l->sw];
					for (int ox = b; ox < wo; ox++)
						dst[ox] = 0;
				}
			}
		}
	}
}

void
nn_col2im(const nn_conv_geom *l, const float *col, float *dx)
{
	int H = l->h, W = l->w, ho = l->ho, wo = l->wo;

	memset(dx, 0, (size_t)l->c * H * W * sizeof(float));
	for (int ch = 0; ch < l->c; ch++) {
		float *xc = dx + (size_t)ch * H * W;
		for (int i = 0; i < l->kh; i++) {
			for (int j = 0; j < l->kw; j++) {
				const float *row = col;
				int x0 = j - l->pw;
				/* the ox whose column x0 + ox * sw lies inside [0, W) */
				int a = x0 < 0 ? (-x0 + l->sw - 1) / l->sw : 0;
				int b = W - x0 > 0 ? (W - x0 + l->sw - 1) / l->sw : 0;
				if (b > wo)
					b = wo;
				col += (size_t)ho * wo;
				for (int oy = 0; oy < ho; oy++) {
					int y = oy * l->sh - l->ph + i;
					if (y < 0 || y >= H)
						continue;
					const float *src = row + (size_t)oy * wo;
					float *dst = xc + (size_t)y * W + x0;
					if (l->sw == 1) {
						for (int ox = a; ox < b; ox++)
							dst[ox] += src[ox];
					} else {
						for (int ox = a; ox < b; ox++)
							dst[ox * l->sw] += src[ox];
					}
				}
			}
		}
	}
}

