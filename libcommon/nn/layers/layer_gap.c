/* globalavgpool: the mean of each channel, CxHxW -> Cx1x1. */
#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static int
gap_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)net;
	(void)err;
	(void)errlen;
	l->out = (nn_shape){ l->in.c, 1, 1 };
	return 0;
}

static void
gap_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	size_t hw = (size_t)p->l->in.h * p->l->in.w;

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		const float *x = p->x + pl * hw;
		float s = 0;
		for (size_t i = 0; i < hw; i++)
			s += x[i];
		p->out[pl] = s / (float)hw;
	}
}

static void
gap_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * l->in.c, gap_forward_part, &p);
}

static void
gap_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	size_t hw = (size_t)p->l->in.h * p->l->in.w;

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		float g = p->dy[pl] / (float)hw, *dx = p->dx + pl * hw;
		for (size_t i = 0; i < hw; i++)
			dx[i] = g;
	}
}

static void
gap_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * l->in.c, gap_backward_part, &p);
}

const struct nn_layer_ops nn_layer_globalavgpool = {
	.type = "globalavgpool",
	.setup = gap_setup,
	.forward = gap_forward,
	.backward = gap_backward,
};
