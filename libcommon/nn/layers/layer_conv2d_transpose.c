/* conv2d_transpose: the adjoint of a convolution (PyTorch's ConvTranspose2d, Keras'
 * Conv2DTranspose): each input pixel spreads a kernel-sized patch over the output, so a
 * stride of 2 doubles the size.  Output (H - 1) * stride - 2 * pad + kernel. */
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_gemm.h"
#include "nn/nn_im2col.h"
#include "nn/nn_layer_util.h"
#include "util/util.h"

struct tconv {
	nn_conv_geom g;         /* the convolution from the output back to the input */
	int k, p;               /* F * kh * kw, H * W */
	float **col, **dw, **db;
};

static int
tconv_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_arg_int(a, "filters", 0, 0, 1, 65536, &l->filters, err, errlen) != 0 ||
	    nn_arg_pair(a, "kernel", 1, 2, 1, 64, &l->kh, &l->kw, err, errlen) != 0 ||
	    nn_arg_pair(a, "stride", -1, 2, 1, 64, &l->sh, &l->sw, err, errlen) != 0 ||
	    nn_arg_pair(a, "pad", -1, 0, 0, 64, &l->ph, &l->pw, err, errlen) != 0 ||
	    nn_arg_int(a, "bias", -1, 1, 0, 1, &l->bias, err, errlen) != 0)
		return -1;
	if (l->filters == 0)
		return errorf(err, errlen, "conv2d_transpose wants filters=N");
	return 0;
}

static int
tconv_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	struct tconv *c = nn_alloc(net, sizeof *c);
	int ho = (l->in.h - 1) * l->sh - 2 * l->ph + l->kh, wo = (l->in.w - 1) * l->sw - 2 * l->pw + l->kw;

	if (ho < 1 || wo < 1)
		return errorf(err, errlen, "padding %dx%d leaves no output", l->ph, l->pw);
	if (ho > 16384 || wo > 16384)
		return errorf(err, errlen, "output %dx%d is too large", ho, wo);
	l->out = (nn_shape){ l->filters, ho, wo };
	c->g = (nn_conv_geom){ l->filters, ho, wo, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->in.h, l->in.w };
	c->k = l->filters * l->kh * l->kw;
	c->p = l->in.h * l->in.w;
	c->col = nn_alloc(net, (size_t)net->nthreads * sizeof *c->col);
	c->dw = nn_alloc(net, (size_t)net->nthreads * sizeof *c->dw);
	c->db = nn_alloc(net, (size_t)net->nthreads * sizeof *c->db);
	for (int t = 0; t < net->nthreads; t++) {
		nn_scratch(net, &c->col[t], (size_t)c->k * c->p * sizeof(float));
		nn_scratch(net, &c->dw[t], (size_t)l->in.c * c->k * sizeof(float));
		nn_scratch(net, &c->db[t], (size_t)l->filters * sizeof(float));
	}
	int d[4] = { l->in.c, l->filters, l->kh, l->kw };
	nn_add_param(l, net, "weight", 4, d, 1);
	if (l->bias)
		nn_add_param(l, net, "bias", 1, &l->filters, 0);
	l->priv = c;
	return 0;
}

static void
tconv_init(nn_layer *l, rng *r)
{
	int rf = l->kh * l->kw;

	nn_glorot(&l->param[0], l->filters * rf, l->in.c * rf, r);
	if (l->bias)
		memset(l->param[1].w, 0, l->param[1].n * sizeof(float));
}

struct pass { nn_layer *l; const float *x, *dy; float *y, *dx; };

static void
tconv_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *ps = ctx;
	nn_layer *l = ps->l;
	struct tconv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out), hw = (size_t)l->out.h * l->out.w;

	for (size_t n = b; n < e; n++) {
		float *y = ps->y + n * out;
		nn_sgemm(1, 0, c->k, c->p, l->in.c, 1, l->param[0].w, c->k, ps->x + n * in, c->p, 0, c->col[t], c->p);
		nn_col2im(&c->g, c->col[t], y);
		if (l->bias)
			for (int f = 0; f < l->filters; f++)
				for (size_t i = 0; i < hw; i++)
					y[f * hw + i] += l->param[1].w[f];
	}
}

static void
tconv_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct pass ps = { .l = l, .x = x, .y = y };
	nn_pool_for(run->pool, (size_t)run->n, tconv_forward_part, &ps);
}

static void
tconv_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *ps = ctx;
	nn_layer *l = ps->l;
	struct tconv *c = l->priv;
	size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out), hw = (size_t)l->out.h * l->out.w;

	memset(c->dw[t], 0, (size_t)l->in.c * c->k * sizeof(float));
	memset(c->db[t], 0, (size_t)l->filters * sizeof(float));
	for (size_t n = b; n < e; n++) {
		const float *dy = ps->dy + n * out;
		nn_im2col(&c->g, dy, c->col[t]);
		nn_sgemm(0, 1, l->in.c, c->k, c->p, 1, ps->x + n * in, c->p, c->col[t], c->p, 1, c->dw[t], c->k);
		if (ps->dx)
			nn_sgemm(0, 0, l->in.c, c->p, c->k, 1, l->param[0].w, c->k, c->col[t], c->p, 0,
			         ps->dx + n * in, c->p);
		for (int f = 0; f < l->filters; f++)
			c->db[t][f] += nn_sum_floats(dy + f * hw, (int)hw);
	}
}

static void
tconv_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct tconv *c = l->priv;
	struct pass ps = { .l = l, .x = x, .dy = dy, .dx = dx };
	(void)y;
	nn_pool_for(run->pool, (size_t)run->n, tconv_backward_part, &ps);
	nn_add_partials(l, run, c->dw, c->db);
}

const struct nn_layer_ops nn_layer_conv2d_transpose = {
	.type = "conv2d_transpose",
	.parse = tconv_parse,
	.setup = tconv_setup,
	.init = tconv_init,
	.forward = tconv_forward,
	.backward = tconv_backward,
};
