/* softmax: over the channels, at every position (for a dense output: over its units). */
#include <math.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static void
softmax_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t hw = (size_t)l->in.h * l->in.w, size = nn_shape_size(l->in);

	(void)t;
	for (size_t q = b; q < e; q++) {              /* one position of one sample */
		size_t n = q / hw, pos = q % hw;
		const float *x = p->x + n * size + pos;
		float *y = p->out + n * size + pos;
		float m = x[0], s = 0;
		for (int c = 1; c < l->in.c; c++)
			if (x[c * hw] > m)
				m = x[c * hw];
		for (int c = 0; c < l->in.c; c++)
			s += y[c * hw] = expf(x[c * hw] - m);
		for (int c = 0; c < l->in.c; c++)
			y[c * hw] /= s;
	}
}

static void
softmax_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * l->in.h * l->in.w, softmax_forward_part, &p);
}

static void
softmax_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t hw = (size_t)l->in.h * l->in.w, size = nn_shape_size(l->in);

	(void)t;
	for (size_t q = b; q < e; q++) {
		size_t off = q / hw * size + q % hw;
		const float *y = p->y + off, *dy = p->dy + off;
		float *dx = p->dx + off, dot = 0;
		for (int c = 0; c < l->in.c; c++)
			dot += dy[c * hw] * y[c * hw];
		for (int c = 0; c < l->in.c; c++)
			dx[c * hw] = y[c * hw] * (dy[c * hw] - dot);
	}
}

static void
softmax_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * l->in.h * l->in.w, softmax_backward_part, &p);
}

const struct nn_layer_ops nn_layer_softmax = {
	.needs_output = 1,
	.type = "softmax",
	.setup = nn_same_shape,
	.forward = softmax_forward,
	.backward = softmax_backward,
};
