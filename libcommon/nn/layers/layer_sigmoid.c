/* sigmoid: 1 / (1 + exp(-x)). */
#include <math.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static void
sigmoid_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;

	(void)t;
	for (size_t i = b; i < e; i++) {
		float x = p->x[i];
		p->out[i] = x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x));
	}
}

static void
sigmoid_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), sigmoid_forward_part, &p);
}

static void
sigmoid_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;

	(void)t;
	for (size_t i = b; i < e; i++)
		p->dx[i] = p->dy[i] * p->y[i] * (1 - p->y[i]);
}

static void
sigmoid_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), sigmoid_backward_part, &p);
}

const struct nn_layer_ops nn_layer_sigmoid = {
	.needs_output = 1,
	.type = "sigmoid",
	.setup = nn_same_shape,
	.forward = sigmoid_forward,
	.backward = sigmoid_backward,
};
