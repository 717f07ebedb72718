/* depthwise2d: each input channel convolved with `multiplier` kernels of its own (Keras'
 * DepthwiseConv2D, PyTorch's Conv2d with groups = channels); output channel c * m + j comes
 * from input channel c.  Weights (C * m) x 1 x kh x kw. */
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"
#include "util/util.h"

static int
dw_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_arg_pair(a, "kernel", 0, 3, 1, 64, &l->kh, &l->kw, err, errlen) != 0 ||
	    nn_arg_pair(a, "stride", -1, 1, 1, 64, &l->sh, &l->sw, err, errlen) != 0 ||
	    nn_arg_int(a, "multiplier", -1, 1, 1, 64, &l->units, err, errlen) != 0 ||
	    nn_arg_int(a, "bias", -1, 1, 0, 1, &l->bias, err, errlen) != 0)
		return -1;
	return nn_parse_pad(l, a, err, errlen);
}

static int
dw_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	if (l->in.h + 2 * l->ph < l->kh || l->in.w + 2 * l->pw < l->kw)
		return errorf(err, errlen, "kernel %dx%d is larger than the padded input", l->kh, l->kw);
	l->out = (nn_shape){ l->in.c * l->units, (l->in.h + 2 * l->ph - l->kh) / l->sh + 1,
	                     (l->in.w + 2 * l->pw - l->kw) / l->sw + 1 };
	int d[4] = { l->out.c, 1, l->kh, l->kw };
	nn_add_param(l, net, "weight", 4, d, 1);
	if (l->bias)
		nn_add_param(l, net, "bias", 1, d, 0);
	return 0;
}

static void
dw_init(nn_layer *l, rng *r)
{
	int rf = l->kh * l->kw;

	nn_glorot(&l->param[0], rf, l->units * rf, r);
	if (l->bias)
		memset(l->param[1].w, 0, l->param[1].n * sizeof(float));
}

/* Calls body(x offset, kernel offset) for every tap of output (oy, ox) inside the image. */
#define TAPS(l, oy, ox, body) \
	for (int i_ = 0; i_ < (l)->kh; i_++) { \
		int y_ = (oy) * (l)->sh - (l)->ph + i_; \
		if (y_ < 0 || y_ >= (l)->in.h) \
			continue; \
		for (int j_ = 0; j_ < (l)->kw; j_++) { \
			int x_ = (ox) * (l)->sw - (l)->pw + j_; \
			if (x_ < 0 || x_ >= (l)->in.w) \
				continue; \
			body(y_ * (l)->in.w + x_, i_ * (l)->kw + j_); \
		} \
	}

static void
dw_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t hw = (size_t)l->in.h * l->in.w, ohw = (size_t)l->out.h * l->out.w, kk = (size_t)l->kh * l->kw;

	(void)t;
	for (size_t q = b; q < e; q++) {              /* one output plane: sample n, channel oc */
		size_t n = q / l->out.c, oc = q % l->out.c, ic = oc / l->units;
		const float *x = p->x + (n * l->in.c + ic) * hw, *w = l->param[0].w + oc * kk;
		float *y = p->out + q * ohw, bias = l->bias ? l->param[1].w[oc] : 0;
		for (int oy = 0; oy < l->out.h; oy++)
			for (int ox = 0; ox < l->out.w; ox++) {
				float s = bias;
#define ACC(xi, ki) s += x[xi] * w[ki]
				TAPS(l, oy, ox, ACC)
#undef ACC
				y[oy * l->out.w + ox] = s;
			}
	}
}

static void
dw_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * l->out.c, dw_forward_part, &p);
}

/* By output channel, every sample: each thread owns its channels' weight gradients. */
static void
dw_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t hw = (size_t)l->in.h * l->in.w, ohw = (size_t)l->out.h * l->out.w, kk = (size_t)l->kh * l->kw;

	(void)t;
	for (size_t oc = b; oc < e; oc++) {
		size_t ic = oc / l->units;
		const float *w = l->param[0].w + oc * kk;
		float *gw = l->param[0].g + oc * kk, gb = 0;
		for (int n = 0; n < p->run->n; n++) {
			const float *x = p->x + ((size_t)n * l->in.c + ic) * hw;
			const float *dy = p->dy + ((size_t)n * l->out.c + oc) * ohw;
			float *dx = p->dx ? p->dx + ((size_t)n * l->in.c + ic) * hw : NULL;
			for (int oy = 0; oy < l->out.h; oy++)
				for (int ox = 0; ox < l->out.w; ox++) {
					float g = dy[oy * l->out.w + ox];
					gb += g;
#define GRAD(xi, ki) do { gw[ki] += g * x[xi]; if (dx) dx[xi] += g * w[ki]; } while (0)
					TAPS(l, oy, ox, GRAD)
#undef GRAD
				}
		}
		if (l->bias)
			l->param[1].g[oc] += gb;
	}
}

static void
dw_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .y = y, .dy = dy, .dx = dx };

	if (dx)
		memset(dx, 0, (size_t)run->n * nn_shape_size(l->in) * sizeof(float));
	if (dx && l->units > 1) {
		/* channels sharing an input would race on dx: one thread */
		struct nn_pass q = p;
		dw_backward_part(&q, 0, (size_t)l->out.c, 0);
		return;
	}
	nn_pool_for(run->pool, (size_t)l->out.c, dw_backward_part, &p);
}

const struct nn_layer_ops nn_layer_depthwise2d = {
	.type = "depthwise2d",
	.parse = dw_parse,
	.setup = dw_setup,
	.init = dw_init,
	.forward = dw_forward,
	.backward = dw_backward,
};
