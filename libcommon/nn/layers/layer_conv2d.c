/* conv2d: 2-D convolution as im2col + GEMM, samples split across threads. */
#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_gemm.h"
#include "nn/nn_im2col.h"
#include "nn/nn_layer_util.h"
#include "nn/nn_winograd.h"
#include "util/util.h"

struct conv {
	int k;                  /* C * kh * kw: rows of the column matrix */
	int p;                  /* Ho * Wo */
	int direct;             /* 1x1, stride 1, no padding: the input is its own column matrix */
	int nthreads;
	float **col, **dcol;    /* per thread: k x p */
	float **dw, **db;       /* per thread: partial weight and bias gradients */
	float *cache;           /* batch x k x p: training's column matrices, kept for backward */
	int group;              /* samples per GEMM when outputs are small (1: one at a time) */
	float **gcol, **gy;     /* per thread: k x group*p and filters x group*p */
	int rowwise;            /* stride 1: forward and weight gradient by kernel rows (see rowwise_pass) */
	int rowwise_dx;         /* stride 1: the input gradient as such a convolution of dy */
	float *wrow;            /* kh x filters x (C * kw): the weights by kernel row */
	float *wt;              /* kh x C x (filters * kw): the same, flipped and transposed, for dx */
	float **dwrow;          /* per thread: weight gradient partials laid out as wrow */
	float **rbuf;           /* per thread: rowbuf floats for a band's column matrix */
	size_t rowbuf;
	nn_wino *wino;          /* 3x3 stride 1 where it wins: the forward pass by Winograd */
};

/* A stride-1 convolution of one sample by kernel rows: f output planes ho x wo from c input
 * planes h x w, kernel kh x kw, padding ph, pw. */
struct rowconv {
	int c, h, w, kh, kw, ph, pw, f, ho, wo;
};

/* Small outputs are computed for several samples in one GEMM, so the BLAS packs the weights
 * once for them all: up to this many columns. */
#define GROUP_COLUMNS 1024

/* Column matrices of a whole batch up to this size are kept from the forward pass for the
 * backward one instead of being built twice. */
#define COL_CACHE_BYTES ((size_t)64 << 20)

/* A large column matrix is built and multiplied a band of output rows at a time, so it is
 * read back from the cache instead of from memory: bands of about this size. */
size_t nn_conv_band_bytes = (size_t)256 << 10;

/* Kernel rows get a GEMM each when it has at least this inner dimension (C * kw). */
#define ROWWISE_MIN_K 32

static int
conv_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_arg_int(a, "filters", 0, 0, 1, 65536, &l->filters, err, errlen) != 0 ||
	    nn_arg_pair(a, "kernel", 1, 3, 1, 64, &l->kh, &l->kw, err, errlen) != 0 ||
	    nn_arg_pair(a, "stride", -1, 1, 1, 64, &l->sh, &l->sw, err, errlen) != 0 ||
	    nn_arg_int(a, "bias", -1, 1, 0, 1, &l->bias, err, errlen) != 0)
		return -1;
	if (l->filters == 0)
		return errorf(err, errlen, "conv2d wants filters=N");
	return nn_parse_pad(l, a, err, errlen);
}

static int
conv_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	struct conv *c = nn_alloc(net, sizeof *c);
	int ho = (l->in.h + 2 * l->ph - l->kh) / l->sh + 1;
	int wo = (l->in.w + 2 * l->pw - l->kw) / l->sw + 1;

	if (l->in.h + 2 * l->ph < l->kh || l->in.w + 2 * l->pw < l->kw)
		return errorf(err, errlen, "kernel %dx%d is larger than the padded input", l->kh, l->kw);
	if (l->ph >= l->kh || l->pw >= l->kw)
		return errorf(err, errlen, "padding %dx%d must be smaller than the kernel", l->ph, l->pw);
	l->out = (nn_shape){ l->filters, ho, wo };
	c->k = l->in.c * l->kh * l->kw;
	c->p = ho * wo;
	c->direct = l->kh == 1 && l->kw == 1 && l->sh == 1 && l->sw == 1 && l->ph == 0 && l->pw == 0;
	int stride1 = !c->direct && l->sh == 1 && l->sw == 1 && l->kh > 1;
	c->rowwise = stride1 && l->in.c * l->kw >= ROWWISE_MIN_K;
	c->rowwise_dx = stride1 && l->filters * l->kw >= ROWWISE_MIN_K;
	c->nthreads = net->nthreads;
	c->wino = nn_wino_setup(l, net);
	c->col = nn_alloc(net, (size_t)c->nthreads * sizeof *c->col);
	c->dcol = nn_alloc(net, (size_t)c->nthreads * sizeof *c->dcol);
	c->dw = nn_alloc(net, (size_t)c->nthreads * sizeof *c->dw);
	c->db = nn_alloc(net, (size_t)c->nthreads * sizeof *c->db);
	for (int t = 0; t < c->nthreads; t++) {
		/* the full column matrices serve only the paths by columns */
		if (!c->direct && !c->rowwise)
			nn_scratch(net, &c->col[t], (size_t)c->k * c->p * sizeof(float));
		if (!c->direct && !c->rowwise_dx)
			nn_scratch(net, &c->dcol[t], (size_t)c->k * c->p * sizeof(float));
		nn_scratch(net, &c->dw[t], (size_t)l->filters * c->k * sizeof(float));
		nn_scratch(net, &c->db[t], (size_t)l->filters * sizeof(float));
	}
	if (!c->direct && !c->rowwise && !c->wino && (size_t)l->batch * c->k * c->p * sizeof(float) <= COL_CACHE_BYTES)
		c->cache = nn_alloc(net, (size_t)l->batch * c->k * c->p * sizeof(float));
	c->group = c->p < GROUP_COLUMNS && !c->direct && !c->rowwise ? (GROUP_COLUMNS + c->p - 1) / c->p : 1;
	if (c->group > l->batch)
		c->group = l->batch;
	if (c->group > 1) {
		c->gcol = nn_alloc(net, (size_t)c->nthreads * sizeof *c->gcol);
		c->gy = nn_alloc(net, (size_t)c->nthreads * sizeof *c->gy);
		for (int t = 0; t < c->nthreads; t++) {
			nn_scratch(net, &c->gcol[t], (size_t)c->k * c->group * c->p * sizeof(float));
			nn_scratch(net, &c->gy[t], (size_t)l->filters * c->group * c->p * sizeof(float));
		}
	}
	if (c->rowwise || c->rowwise_dx) {
		/* a band of at least one row, forward (C * kw rows) and for dx (filters * kw rows) */
		size_t one = (size_t)l->kh * l->kw * (l->in.c * wo > l->filters * l->in.w ? l->in.c * wo : l->filters * l->in.w);
		c->rowbuf = nn_conv_band_bytes / sizeof(float) > one ? nn_conv_band_bytes / sizeof(float) : one;
		c->rbuf = nn_alloc(net, (size_t)c->nthreads * sizeof *c->rbuf);
		c->dwrow = nn_alloc(net, (size_t)c->nthreads * sizeof *c->dwrow);
		for (int t = 0; t < c->nthreads; t++) {
			nn_scratch(net, &c->rbuf[t], c->rowbuf * sizeof(float));
			if (c->rowwise)
				nn_scratch(net, &c->dwrow[t], (size_t)l->filters * c->k * sizeof(float));
		}
		if (c->rowwise)
			nn_scratch(net, &c->wrow, (size_t)l->filters * c->k * sizeof(float));
		if (c->rowwise_dx)
			nn_scratch(net, &c->wt, (size_t)l->filters * c->k * sizeof(float));
	}
	int wd[4] = { l->filters, l->in.c, l->kh, l->kw };
	nn_add_param(l, net, "weight", 4, wd, 1);
	if (l->bias)
		nn_add_param(l, net, "bias", 1, wd, 0);
	l->priv = c;
	return 0;
}

static void
conv_init(nn_layer *l, rng *r)
{
	int rf = l->kh * l->kw;

	nn_glorot(&l->param[0], l->in.c * rf, l->filters * rf, r);
	if (l->bias)
		memset(l->param[1].w, 0, l->param[1].n * sizeof(float));
}

static nn_conv_geom
geom(const nn_layer *l)
{
	return (nn_conv_geom){ l->in.c, l->in.h, l->in.w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw,
	                       l->out.h, l->out.w };
}

struct pass {
	nn_layer *l;
	int train;              /* the column cache is filled and used */
	const float *x, *y, *dy;
	float *out, *dx;
};

/* y = the activation of (z + bias), plane by plane: p values for each filter, z's rows ld apart. */
static void
finish_ld(const nn_layer *l, const float *z, size_t ld, float *y, int p)
{
	float s = l->fused_slope, hi = l->fused_max > 0 ? l->fused_max : INFINITY;

	for (int f = 0; f < l->filters; f++) {
		float bf = l->bias ? l->param[1].w[f] : 0, *yf = y + (size_t)f * p;
		const float *zf = z + (size_t)f * ld;
		if (l->fuse_relu)
			for (int i = 0; i < p; i++) {
				float v = zf[i] + bf, pos = v > 0 ? v : 0, neg = v < 0 ? v : 0;
				v = pos + s * neg;
				yf[i] = v < hi ? v : hi;        /* relu6 (nn_fold.h) */
			}
		else
			for (int i = 0; i < p; i++)
				yf[i] = zf[i] + bf;
	}
}

static void
finish(const nn_layer *l, const float *z, float *y, int p)
{
	finish_ld(l, z, (size_t)p, y, p);
}

static void forward_grouped(struct pass *ps, size_t b, size_t e, int t);
static void forward_rowwise(struct pass *ps, size_t b, size_t e, int t);

static void
conv2d_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *ps = ctx;
	nn_layer *l = ps->l;
	struct conv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);
	nn_conv_geom g = geom(l);

	if (c->rowwise) {
		forward_rowwise(ps, b, e, t);
		return;
	}
	if (c->group > 1 && !(c->cache && ps->train)) {
		forward_grouped(ps, b, e, t);
		return;
	}
	int band = (int)(nn_conv_band_bytes / ((size_t)c->k * g.wo * sizeof(float)));
	if (band < 1)
		band = 1;
	for (size_t n = b; n < e; n++) {
		const float *col = ps->x + n * in;
		float *y = ps->out + n * out;
		if (c->direct) {
			nn_sgemm(0, 0, l->filters, c->p, c->k, 1, l->param[0].w, c->k, col, c->p, 0, y, c->p);
		} else if (c->cache && ps->train) {
			float *dst = c->cache + n * c->k * c->p;
			nn_im2col(&g, col, dst);
			nn_sgemm(0, 0, l->filters, c->p, c->k, 1, l->param[0].w, c->k, dst, c->p, 0, y, c->p);
		} else {
			for (int oy = 0; oy < g.ho; oy += band) {
				int rows = g.ho - oy < band ? g.ho - oy : band, cols = rows * g.wo;
				nn_im2col_rows(&g, col, c->col[t], (size_t)cols, oy, oy + rows);
				nn_sgemm(0, 0, l->filters, cols, c->k, 1, l->param[0].w, c->k, c->col[t], cols, 0,
				         y + (size_t)oy * g.wo, c->p);
			}
		}
		finish(l, y, y, c->p);
	}
}

/* Several samples' column matrices side by side, one GEMM, then each sample's planes out. */
static void
forward_grouped(struct pass *ps, size_t b, size_t e, int t)
{
	nn_layer *l = ps->l;
	struct conv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);
	nn_conv_geom g = geom(l);

	for (size_t n0 = b; n0 < e; n0 += (size_t)c->group) {
		int m = e - n0 < (size_t)c->group ? (int)(e - n0) : c->group;
		size_t ld = (size_t)m * c->p;
		for (int s = 0; s < m; s++)
			nn_im2col_ld(&g, ps->x + (n0 + s) * in, c->gcol[t] + (size_t)s * c->p, ld);
		nn_sgemm(0, 0, l->filters, (int)ld, c->k, 1, l->param[0].w, c->k, c->gcol[t], (int)ld, 0,
		         c->gy[t], (int)ld);
		for (int s = 0; s < m; s++)
			finish_ld(l, c->gy[t] + (size_t)s * c->p, ld, ps->out + (n0 + s) * out, c->p);
	}
}

/*
 * At stride 1 the rows of the kernel are shifts of one another by whole output rows: with a
 * column matrix for a 1 x kw kernel over the padded rows (C * kw rows, a third of the full
 * one for 3x3), output row oy is the sum over kernel rows i of W_i times that matrix's
 * columns of row oy + i.  So the copying shrinks kh times, and each band of output rows is kh
 * GEMMs into the same output.  The weight gradient takes the same bands, and the input
 * gradient is itself such a convolution, of dy with the kernel flipped and transposed.
 */
static int
rowwise_band(const struct rowconv *r, size_t room)
{
	int kr = r->c * r->kw;
	int band = (int)(nn_conv_band_bytes / ((size_t)kr * r->wo * sizeof(float))) - (r->kh - 1);

	if (band < 1)
		band = 1;
	while (band > 1 && (size_t)kr * (band + r->kh - 1) * r->wo > room)
		band--;
	return band;
}

/* The band's column matrix, rows oy .. oy + rows - 1 of the output: buf gets C * kw rows of
 * (rows + kh - 1) * wo; returns that row length. */
static size_t
rowwise_columns(const struct rowconv *r, const float *x, int oy, int rows, float *buf)
{
	nn_conv_geom g = { r->c, r->h, r->w, 1, r->kw, 1, 1, r->ph, r->pw, r->ho + r->kh - 1, r->wo };
	size_t ld = (size_t)(rows + r->kh - 1) * r->wo;

	nn_im2col_rows(&g, x, buf, ld, oy, oy + rows + r->kh - 1);
	return ld;
}

/* Without grad: y (f x ho x wo) = x convolved with w (laid out as wrow: kh x f x c * kw).
 * With grad: w += the weight gradient of that convolution for the output gradient y.  buf
 * holds room floats. */
static void
rowwise_pass(const struct rowconv *r, const float *x, float *w, float *y, int grad, float *buf, size_t room)
{
	int kr = r->c * r->kw, band = rowwise_band(r, room), p = r->ho * r->wo;

	for (int oy = 0; oy < r->ho; oy += band) {
		int rows = r->ho - oy < band ? r->ho - oy : band;
		size_t ld = rowwise_columns(r, x, oy, rows, buf);
		for (int i = 0; i < r->kh; i++) {
			float *wi = w + (size_t)i * r->f * kr, *yb = y + (size_t)oy * r->wo;
			const float *cols = buf + (size_t)i * r->wo;
			if (grad)
				nn_sgemm(0, 1, r->f, kr, rows * r->wo, 1, yb, p, cols, (int)ld, 1, wi, kr);
			else
				nn_sgemm(0, 0, r->f, rows * r->wo, kr, 1, wi, kr, cols, (int)ld, i > 0, yb, p);
		}
	}
}

static struct rowconv
rowconv_forward(const nn_layer *l)
{
	return (struct rowconv){ l->in.c, l->in.h, l->in.w, l->kh, l->kw, l->ph, l->pw, l->filters, l->out.h, l->out.w };
}

/* dx is dy convolved with the flipped kernel, padded kh - 1 - ph and kw - 1 - pw */
static struct rowconv
rowconv_dx(const nn_layer *l)
{
	return (struct rowconv){ l->filters, l->out.h, l->out.w, l->kh, l->kw, l->kh - 1 - l->ph, l->kw - 1 - l->pw,
	                         l->in.c, l->in.h, l->in.w };
}

static void
forward_rowwise(struct pass *ps, size_t b, size_t e, int t)
{
	nn_layer *l = ps->l;
	struct conv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);
	struct rowconv r = rowconv_forward(l);

	for (size_t n = b; n < e; n++) {
		float *y = ps->out + n * out;
		rowwise_pass(&r, ps->x + n * in, c->wrow, y, 0, c->rbuf[t], c->rowbuf);
		finish(l, y, y, c->p);
	}
}

/* wrow[i][f][ch * kw + j] = weight[f][ch][i][j] */
static void
weights_by_row(nn_layer *l)
{
	struct conv *c = l->priv;
	const float *w = l->param[0].w;
	int kr = l->in.c * l->kw;

	for (int i = 0; i < l->kh; i++)
		for (int f = 0; f < l->filters; f++)
			for (int ch = 0; ch < l->in.c; ch++)
				memcpy(c->wrow + ((size_t)i * l->filters + f) * kr + ch * l->kw,
				       w + (((size_t)f * l->in.c + ch) * l->kh + i) * l->kw, l->kw * sizeof(float));
}

/* wt[i][ch][f * kw + j] = weight[f][ch][kh - 1 - i][kw - 1 - j] */
static void
weights_flipped(nn_layer *l)
{
	struct conv *c = l->priv;
	const float *w = l->param[0].w;
	int kr = l->filters * l->kw;

	for (int i = 0; i < l->kh; i++)
		for (int ch = 0; ch < l->in.c; ch++)
			for (int f = 0; f < l->filters; f++)
				for (int j = 0; j < l->kw; j++)
					c->wt[((size_t)i * l->in.c + ch) * kr + f * l->kw + j] =
						w[(((size_t)f * l->in.c + ch) * l->kh + l->kh - 1 - i) * l->kw + l->kw - 1 - j];
}

static void
conv_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct conv *c = l->priv;
	struct pass ps = { .l = l, .train = run->train, .x = x, .out = y };

	if (c->wino) {
		nn_wino_forward(c->wino, l, run, x, y);
		return;
	}
	if (c->rowwise)
		weights_by_row(l);
	nn_pool_for(run->pool, (size_t)run->n, conv2d_forward_part, &ps);
}

static void
conv2d_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *ps = ctx;
	nn_layer *l = ps->l;
	struct conv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);
	float *dw = c->dw[t], *db = c->db[t];
	nn_conv_geom g = geom(l);

	struct rowconv rf = rowconv_forward(l), rd = rowconv_dx(l);

	memset(dw, 0, (size_t)l->filters * c->k * sizeof(float));
	memset(db, 0, (size_t)l->filters * sizeof(float));
	if (c->rowwise)
		memset(c->dwrow[t], 0, (size_t)l->filters * c->k * sizeof(float));
	for (size_t n = b; n < e; n++) {
		const float *col = ps->x + n * in, *dy = ps->dy + n * out;
		if (c->rowwise) {
			rowwise_pass(&rf, col, c->dwrow[t], (float *)dy, 1, c->rbuf[t], c->rowbuf);
		} else {
			if (!c->direct && c->cache && ps->train) {
				col = c->cache + n * c->k * c->p;
			} else if (!c->direct) {
				nn_im2col(&g, col, c->col[t]);
				col = c->col[t];
			}
			nn_sgemm(0, 1, l->filters, c->k, c->p, 1, dy, c->p, col, c->p, 1, dw, c->k);
		}
		for (int f = 0; f < l->filters; f++)
			db[f] += nn_sum_floats(dy + (size_t)f * c->p, c->p);
		if (ps->dx) {
			float *dx = ps->dx + n * in;
			if (c->rowwise_dx) {
				rowwise_pass(&rd, dy, c->wt, dx, 0, c->rbuf[t], c->rowbuf);
			} else if (c->direct) {
				nn_sgemm(1, 0, c->k, c->p, l->filters, 1, l->param[0].w, c->k, dy, c->p, 0, dx, c->p);
			} else {
				nn_sgemm(1, 0, c->k, c->p, l->filters, 1, l->param[0].w, c->k, dy, c->p, 0,
				         c->dcol[t], c->p);
				nn_col2im(&g, c->dcol[t], dx);
			}
		}
	}
	if (c->rowwise) {
		int kr = l->in.c * l->kw;
		for (int i = 0; i < l->kh; i++)
			for (int f = 0; f < l->filters; f++)
				for (int ch = 0; ch < l->in.c; ch++)
					for (int j = 0; j < l->kw; j++)
						dw[(((size_t)f * l->in.c + ch) * l->kh + i) * l->kw + j] +=
							c->dwrow[t][((size_t)i * l->filters + f) * kr + ch * l->kw + j];
	}
}

static void
conv_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct conv *c = l->priv;
	struct pass ps = { .l = l, .train = run->train, .x = x, .y = y, .dy = dy, .dx = dx };

	if (c->rowwise_dx && dx)
		weights_flipped(l);
	nn_pool_for(run->pool, (size_t)run->n, conv2d_backward_part, &ps);
	nn_add_partials(l, run, c->dw, c->db);
}

const struct nn_layer_ops nn_layer_conv2d = {
	.type = "conv2d",
	.parse = conv_parse,
	.setup = conv_setup,
	.init = conv_init,
	.forward = conv_forward,
	.backward = conv_backward,
};
