/* conv2d: 2-D convolution as im2col + GEMM, samples split across threads. */
#include <string.h>

#include "nn.h"
#include "nn_gemm.h"
#include "util.h"

struct conv {
	int k;                  /* C * kh * kw: rows of the column matrix */
	int p;                  /* Ho * Wo */
	int direct;             /* 1x1, stride 1, no padding: the input is its own column matrix */
	int nthreads;
	float **col, **dcol;    /* per thread: k x p */
	float **dw, **db;       /* per thread: partial weight and bias gradients */
	float *cache;           /* batch x k x p: training's column matrices, kept for backward */
};

/* Column matrices of a whole batch up to this size are kept from the forward pass for the
 * backward one instead of being built twice. */
#define COL_CACHE_BYTES ((size_t)64 << 20)

static int
conv_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	const char *pad = nn_arg_str(a, "pad", -1);

	if (nn_arg_int(a, "filters", 0, 0, 1, 65536, &l->filters, err, errlen) != 0 ||
	    nn_arg_pair(a, "kernel", 1, 3, 1, 64, &l->kh, &l->kw, err, errlen) != 0 ||
	    nn_arg_pair(a, "stride", -1, 1, 1, 64, &l->sh, &l->sw, err, errlen) != 0 ||
	    nn_arg_int(a, "bias", -1, 1, 0, 1, &l->bias, err, errlen) != 0)
		return -1;
	if (l->filters == 0)
		return errorf(err, errlen, "conv2d wants filters=N");
	if (pad && strcmp(pad, "same") == 0) {
		l->ph = (l->kh - 1) / 2;
		l->pw = (l->kw - 1) / 2;
		if (l->kh % 2 == 0 || l->kw % 2 == 0)
			return errorf(err, errlen, "pad=same wants an odd kernel");
	} else if (pad) {
		nn_args one = { .n = 1, .key = { "pad" }, .val = { pad } };
		if (nn_arg_pair(&one, "pad", -1, 0, 0, 64, &l->ph, &l->pw, err, errlen) != 0)
			return -1;
	}
	return 0;
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
	c->nthreads = net->nthreads;
	c->col = nn_alloc(net, (size_t)c->nthreads * sizeof *c->col);
	c->dcol = nn_alloc(net, (size_t)c->nthreads * sizeof *c->dcol);
	c->dw = nn_alloc(net, (size_t)c->nthreads * sizeof *c->dw);
	c->db = nn_alloc(net, (size_t)c->nthreads * sizeof *c->db);
	for (int t = 0; t < c->nthreads; t++) {
		if (!c->direct) {
			c->col[t] = nn_alloc(net, (size_t)c->k * c->p * sizeof(float));
			c->dcol[t] = nn_alloc(net, (size_t)c->k * c->p * sizeof(float));
		}
		c->dw[t] = nn_alloc(net, (size_t)l->filters * c->k * sizeof(float));
		c->db[t] = nn_alloc(net, (size_t)l->filters * sizeof(float));
	}
	if (!c->direct && (size_t)l->batch * c->k * c->p * sizeof(float) <= COL_CACHE_BYTES)
		c->cache = nn_alloc(net, (size_t)l->batch * c->k * c->p * sizeof(float));
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

static void
im2col(const nn_layer *l, const float *x, float *col)
{
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;

	for (int ch = 0; ch < l->in.c; ch++) {
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
				col += (size_t)ho * wo;
				for (int oy = 0; oy < ho; oy++) {
					int y = oy * l->sh - l->ph + i;
					float *dst = row + (size_t)oy * wo;
					if (y < 0 || y >= H) {
						memset(dst, 0, (size_t)wo * sizeof(float));
						continue;
					}
					const float *src = xc + (size_t)y * W + x0;
					memset(dst, 0, (size_t)a * sizeof(float));
					if (l->sw == 1)
						memcpy(dst + a, src + a, (size_t)(b - a) * sizeof(float));
					else
						for (int ox = a; ox < b; ox++)
							dst[ox] = src[ox * l->sw];
					memset(dst + b, 0, (size_t)(wo - b) * sizeof(float));
				}
			}
		}
	}
}

static void
col2im(const nn_layer *l, const float *col, float *dx)
{
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;

	memset(dx, 0, nn_shape_size(l->in) * sizeof(float));
	for (int ch = 0; ch < l->in.c; ch++) {
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

/* Eight partial sums, so the loop vectorises (the order is fixed, so results repeat). */
static float
sum_floats(const float *v, int n)
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

struct pass {
	nn_layer *l;
	int train;              /* the column cache is filled and used */
	const float *x, *y, *dy;
	float *out, *dx;
};

static void
conv2d_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *ps = ctx;
	nn_layer *l = ps->l;
	struct conv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);

	for (size_t n = b; n < e; n++) {
		const float *col = ps->x + n * in;
		float *y = ps->out + n * out;
		if (!c->direct) {
			float *dst = c->cache && ps->train ? c->cache + n * c->k * c->p : c->col[t];
			im2col(l, col, dst);
			col = dst;
		}
		nn_sgemm(0, 0, l->filters, c->p, c->k, 1, l->param[0].w, c->k, col, c->p, 0, y, c->p);
		if (l->bias) {
			for (int f = 0; f < l->filters; f++) {
				float bf = l->param[1].w[f], *yf = y + (size_t)f * c->p;
				for (int i = 0; i < c->p; i++)
					yf[i] += bf;
			}
		}
	}
}

static void
conv_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct pass ps = { .l = l, .train = run->train, .x = x, .out = y };
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

	memset(dw, 0, (size_t)l->filters * c->k * sizeof(float));
	memset(db, 0, (size_t)l->filters * sizeof(float));
	for (size_t n = b; n < e; n++) {
		const float *col = ps->x + n * in, *dy = ps->dy + n * out;
		if (!c->direct && c->cache && ps->train) {
			col = c->cache + n * c->k * c->p;
		} else if (!c->direct) {
			im2col(l, col, c->col[t]);
			col = c->col[t];
		}
		nn_sgemm(0, 1, l->filters, c->k, c->p, 1, dy, c->p, col, c->p, 1, dw, c->k);
		for (int f = 0; f < l->filters; f++)
			db[f] += sum_floats(dy + (size_t)f * c->p, c->p);
		if (ps->dx) {
			float *dx = ps->dx + n * in;
			if (c->direct) {
				nn_sgemm(1, 0, c->k, c->p, l->filters, 1, l->param[0].w, c->k, dy, c->p, 0, dx, c->p);
			} else {
				nn_sgemm(1, 0, c->k, c->p, l->filters, 1, l->param[0].w, c->k, dy, c->p, 0,
				         c->dcol[t], c->p);
				col2im(l, c->dcol[t], dx);
			}
		}
	}
}

static void
conv_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct conv *c = l->priv;
	struct pass ps = { .l = l, .train = run->train, .x = x, .y = y, .dy = dy, .dx = dx };
	int nt = nn_pool_threads(run->pool);

	nn_pool_for(run->pool, (size_t)run->n, conv2d_backward_part, &ps);
	for (int t = 0; t < nt; t++) {
		if (!nn_pool_ran(run->n, nt, t))
			continue;
		float *g = l->param[0].g, *d = c->dw[t];
		for (size_t i = 0; i < l->param[0].n; i++)
			g[i] += d[i];
		if (l->bias)
			for (int f = 0; f < l->filters; f++)
				l->param[1].g[f] += c->db[t][f];
	}
}

const struct nn_layer_ops nn_layer_conv2d = {
	.type = "conv2d",
	.parse = conv_parse,
	.setup = conv_setup,
	.init = conv_init,
	.forward = conv_forward,
	.backward = conv_backward,
};
