/* Winograd F(2x2, 3x3) forward convolution (see nn_winograd.h). */
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "nn_gemm.h"
#include "nn_winograd.h"

int nn_winograd_mode = -1;

/* A block of tiles is transformed, multiplied and transformed back while its transformed
 * inputs (16 x C per tile) and products (16 x F per tile) stay in the cache: about this many
 * bytes of them (tests shrink it to cover many blocks). */
size_t nn_wino_block_bytes = (size_t)1 << 20;

struct nn_wino {
	int c, h, w, ph, pw, f, ho, wo;
	int th, tw;             /* tiles down and across: 2x2 outputs each */
	int rows;               /* tile rows (of any samples) per block */
	int cap;                /* tiles per block: rows * tw */
	int width;              /* a padded input row: 2 tw + 2 floats */
	float *u;               /* the transformed weights: 16 x F x C */
	float *wsrc;            /* the weights u was made from (F x C x 9), to skip unchanged ones */
	int fresh;              /* u matches wsrc */
	float **v, **m;         /* per thread: 16 x C x cap inputs, 16 x F x cap products */
	float **d;              /* per thread: 4 rows of B^T d, 2 output rows, a row of zeros */
};

struct wpass {
	nn_wino *wn;
	const nn_layer *l;
	const float *x;
	float *y;
};

/* Winograd pays for its transforms with the GEMMs it saves, and its GEMMs are 16 of inner
 * dimension C instead of one of 9 C, which the BLAS runs at a lower rate: with few channels or
 * filters the transforms dominate, and on small planes the products are too small.  Measured
 * layer by layer (batch 32, one thread, CPU time) on this project's machine: it wins by 5 to
 * 40% from 16 channels, 32 filters and 12x12 outputs on, and loses up to 2 times below. */
static int
wanted(const nn_layer *l)
{
	int mode = nn_winograd_mode;

	if (mode < 0) {
		const char *e = getenv("NN_WINOGRAD");
		mode = e && *e ? atoi(e) : 1;
	}
	if (mode <= 0 || l->kh != 3 || l->kw != 3 || l->sh != 1 || l->sw != 1)
		return 0;
	return mode >= 2 || (l->in.c >= 16 && l->filters >= 32 && l->out.h * l->out.w >= 144);
}

nn_wino *
nn_wino_setup(const nn_layer *l, nn_net *net)
{
	if (!wanted(l))
		return NULL;
	nn_wino *wn = nn_alloc(net, sizeof *wn);
	*wn = (nn_wino){ .c = l->in.c, .h = l->in.h, .w = l->in.w, .ph = l->ph, .pw = l->pw, .f = l->filters,
	                 .ho = l->out.h, .wo = l->out.w };
	wn->th = (wn->ho + 1) / 2;
	wn->tw = (wn->wo + 1) / 2;
	wn->width = 2 * wn->tw + 2;
	size_t per_tile = (size_t)16 * (wn->c + wn->f) * sizeof(float);
	size_t cap = nn_wino_block_bytes / per_tile;
	wn->rows = cap / wn->tw > 1 ? (int)(cap / wn->tw) : 1;
	if (wn->rows > wn->th * l->batch)
		wn->rows = wn->th * l->batch;
	wn->cap = wn->rows * wn->tw;
	wn->u = nn_alloc(net, (size_t)16 * wn->f * wn->c * sizeof(float));
	wn->wsrc = nn_alloc(net, (size_t)9 * wn->f * wn->c * sizeof(float));
	wn->v = nn_alloc(net, (size_t)net->nthreads * sizeof *wn->v);
	wn->m = nn_alloc(net, (size_t)net->nthreads * sizeof *wn->m);
	wn->d = nn_alloc(net, (size_t)net->nthreads * sizeof *wn->d);
	for (int t = 0; t < net->nthreads; t++) {
		wn->v[t] = nn_alloc(net, (size_t)16 * wn->c * wn->cap * sizeof(float));
		wn->m[t] = nn_alloc(net, (size_t)16 * wn->f * wn->cap * sizeof(float));
		wn->d[t] = nn_alloc(net, (size_t)7 * wn->width * sizeof(float));
	}
	return wn;
}

/* U = G g G^T for each filter and channel, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]:
 * u[(i * 4 + j) * F * C + f * C + c]. */
static void
transform_weights(nn_wino *wn, const float *w)
{
	size_t fc = (size_t)wn->f * wn->c;

	for (size_t q = 0; q < fc; q++) {
		const float *g = w + q * 9;
		float t[4][3], u[4][4];
		for (int j = 0; j < 3; j++) {
			t[0][j] = g[j];
			t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
			t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
			t[3][j] = g[6 + j];
		}
		for (int i = 0; i < 4; i++) {
			u[i][0] = t[i][0];
			u[i][1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
			u[i][2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
			u[i][3] = t[i][2];
		}
		for (int k = 0; k < 16; k++)
			wn->u[k * fc + q] = u[k / 4][k % 4];
	}
}

/*
 * V = B^T d B for the tw tiles of one tile row and channel, B^T = [1 0 -1 0; 0 1 1 0;
 * 0 -1 1 0; 0 1 0 -1]: r[0..3] are the tile row's 4 input rows (w floats; a row of zeros
 * above and below the image), padded by pw zeros on the left and zeros on the right to width
 * floats; t has room for 4 such rows; tile tx's value k goes to v[k * ks + tx].  The AVX2
 * clone does the same operations in the same order on wider vectors.
 */
__attribute__((target_clones("avx2", "default"))) static void
input_tiles(const float *const r[4], int pw, int w, float *restrict t, int width, int tw, float *restrict v,
            size_t ks)
{
	const float *d0 = r[0], *d1 = r[1], *d2 = r[2], *d3 = r[3];
	float *t0 = t + pw, *t1 = t0 + width, *t2 = t1 + width, *t3 = t2 + width;

	for (int i = 0; i < 4; i++) {
		memset(t + (size_t)i * width, 0, (size_t)pw * sizeof(float));
		memset(t + (size_t)i * width + pw + w, 0, (size_t)(width - pw - w) * sizeof(float));
	}
	for (int s = 0; s < w; s++) {
		t0[s] = d0[s] - d2[s];
		t1[s] = d1[s] + d2[s];
		t2[s] = d2[s] - d1[s];
		t3[s] = d1[s] - d3[s];
	}
	for (int i = 0; i < 4; i++) {
		const float *ti = t + (size_t)i * width;
		float *v0 = v + (size_t)4 * i * ks, *v1 = v0 + ks, *v2 = v1 + ks, *v3 = v2 + ks;
		for (int x = 0; x < tw; x++) {
			float a = ti[2 * x], b = ti[2 * x + 1], c = ti[2 * x + 2], e = ti[2 * x + 3];
			v0[x] = a - c;
			v1[x] = b + c;
			v2[x] = c - b;
			v3[x] = b - e;
		}
	}
}

/* act(v + bias): a relu (slope 0), leaky relu or relu6 (hi 6, else infinite), or none. */
static inline __attribute__((always_inline)) float
act(float v, float bias, int relu, float slope, float hi)
{
	v += bias;
	if (!relu)
		return v;
	float pos = v > 0 ? v : 0, neg = v < 0 ? v : 0;
	pos = pos < hi ? pos : hi;
	return pos + slope * neg;
}

/* y = act(A^T M A + bias) for the tw tiles of one tile row and filter, A^T = [1 1 1 0;
 * 0 1 -1 -1]: tile tx's value k at m[k * ks + tx]; rows o0 and o1 get 2 tw values each. */
static inline __attribute__((always_inline)) void
output_tiles_act(const float *restrict m, size_t ks, int tw, float *restrict o0, float *restrict o1, float bias,
                 int relu, float slope, float hi)
{
	for (int x = 0; x < tw; x++) {
		float a[2][4];
		for (int j = 0; j < 4; j++) {
			float m0 = m[j * ks + x], m1 = m[(4 + j) * ks + x], m2 = m[(8 + j) * ks + x],
			      m3 = m[(12 + j) * ks + x];
			a[0][j] = m0 + m1 + m2;
			a[1][j] = m1 - m2 - m3;
		}
		o0[2 * x] = act(a[0][0] + a[0][1] + a[0][2], bias, relu, slope, hi);
		o0[2 * x + 1] = act(a[0][1] - a[0][2] - a[0][3], bias, relu, slope, hi);
		o1[2 * x] = act(a[1][0] + a[1][1] + a[1][2], bias, relu, slope, hi);
		o1[2 * x + 1] = act(a[1][1] - a[1][2] - a[1][3], bias, relu, slope, hi);
	}
}

/* The AVX2 clone does the same operations in the same order on wider vectors. */
__attribute__((target_clones("avx2", "default"))) static void
output_tiles(const float *restrict m, size_t ks, int tw, float *restrict o0, float *restrict o1, float bias,
             int relu, float slope, float hi)
{
	if (relu)
		output_tiles_act(m, ks, tw, o0, o1, bias, 1, slope, hi);
	else
		output_tiles_act(m, ks, tw, o0, o1, bias, 0, slope, hi);
}

/* The 4 input rows of tile row ty in channel plane xc, zero rows outside the image. */
static void
tile_rows(const nn_wino *wn, const float *xc, int ty, const float *zero, const float *r[4])
{
	for (int i = 0; i < 4; i++) {
		int iy = 2 * ty - wn->ph + i;
		r[i] = iy < 0 || iy >= wn->h ? zero : xc + (size_t)iy * wn->w;
	}
}

static void
forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct wpass *ps = ctx;
	nn_wino *wn = ps->wn;
	const nn_layer *l = ps->l;
	size_t in = (size_t)wn->c * wn->h * wn->w, out = (size_t)wn->f * wn->ho * wn->wo, fc = (size_t)wn->f * wn->c;
	size_t units = (e - b) * (size_t)wn->th;
	float *v = wn->v[t], *m = wn->m[t], *d = wn->d[t], *o = d + 4 * (size_t)wn->width;
	const float *zero = d + 6 * (size_t)wn->width;
	size_t vs = (size_t)wn->c * wn->cap, ms = (size_t)wn->f * wn->cap;

	for (size_t u0 = 0; u0 < units; u0 += (size_t)wn->rows) {
		int nu = units - u0 < (size_t)wn->rows ? (int)(units - u0) : wn->rows, T = nu * wn->tw;
		for (int q = 0; q < nu; q++) {
			size_t n = b + (u0 + q) / wn->th;
			int ty = (int)((u0 + q) % wn->th);
			for (int ch = 0; ch < wn->c; ch++) {
				const float *r[4];
				tile_rows(wn, ps->x + n * in + (size_t)ch * wn->h * wn->w, ty, zero, r);
				input_tiles(r, wn->pw, wn->w, d, wn->width, wn->tw,
				            v + (size_t)ch * wn->cap + (size_t)q * wn->tw, vs);
			}
		}
		for (int k = 0; k < 16; k++)
			nn_sgemm(0, 0, wn->f, T, wn->c, 1, wn->u + k * fc, wn->c, v + k * vs, wn->cap, 0, m + k * ms,
			         wn->cap);
		for (int q = 0; q < nu; q++) {
			size_t n = b + (u0 + q) / wn->th;
			int ty = (int)((u0 + q) % wn->th), nr = wn->ho - 2 * ty < 2 ? 1 : 2;
			for (int f = 0; f < wn->f; f++) {
				float bias = l->bias ? l->param[1].w[f] : 0, hi = l->fused_max > 0 ? l->fused_max : INFINITY;
				float *yf = ps->y + n * out + ((size_t)f * wn->ho + 2 * ty) * wn->wo;
				const float *mf = m + (size_t)f * wn->cap + (size_t)q * wn->tw;
				/* whole tiles straight into y, else through o */
				if (nr == 2 && 2 * wn->tw == wn->wo) {
					output_tiles(mf, ms, wn->tw, yf, yf + wn->wo, bias, l->fuse_relu, l->fused_slope, hi);
					continue;
				}
				output_tiles(mf, ms, wn->tw, o, o + 2 * wn->tw, bias, l->fuse_relu, l->fused_slope, hi);
				for (int r = 0; r < nr; r++)
					memcpy(yf + (size_t)r * wn->wo, o + (size_t)r * 2 * wn->tw, (size_t)wn->wo * sizeof(float));
			}
		}
	}
}

void
nn_wino_forward(nn_wino *wn, nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct wpass ps = { wn, l, x, y };

	/* once per change of the weights: each training step, once for inference (comparing
	 * costs a fraction of transforming, and needs no help from whatever writes weights) */
	size_t bytes = (size_t)9 * wn->f * wn->c * sizeof(float);
	if (!wn->fresh || memcmp(wn->wsrc, l->param[0].w, bytes) != 0) {
		transform_weights(wn, l->param[0].w);
		memcpy(wn->wsrc, l->param[0].w, bytes);
		wn->fresh = 1;
	}
	nn_pool_for(run->pool, (size_t)run->n, forward_part, &ps);
}
