/* dropout: in training, zeroes each value with probability rate and scales the rest by
 * 1 / (1 - rate) (inverted dropout, as PyTorch and Keras); identity otherwise.  Masks come
 * from the run's seed, step, the layer and the sample, so they do not depend on threads. */
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static int
dropout_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	return nn_arg_float(a, "rate", 0, 0.5f, 0, 0.99f, &l->rate, err, errlen);
}

static int
dropout_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	nn_same_shape(l, net, err, errlen);
	l->priv = nn_alloc(net, (size_t)l->batch * nn_shape_size(l->in));
	return 0;
}

/* rng_next (xoshiro256**) on a state in registers: the same sequence, without a call per value. */
static inline uint64_t
next(uint64_t s[4])
{
	uint64_t v = s[1] * 5, res = ((v << 7) | (v >> 57)) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

static void
dropout_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t size = nn_shape_size(l->in);
	uint64_t keep = (uint64_t)((1.0 - l->rate) * 18446744073709551616.0);
	float scale = 1 / (1 - l->rate);
	unsigned char *mask = l->priv;

	(void)t;
	for (size_t n = b; n < e; n++) {
		rng r;
		rng_seed(&r, p->run->seed ^ (p->run->step * 0x9e3779b97f4a7c15ull) ^
		             ((uint64_t)l->index << 48) ^ ((uint64_t)(n + p->run->sample0) << 32));
		uint64_t s[4] = { r.s[0], r.s[1], r.s[2], r.s[3] };
		const float *x = p->x + n * size;
		float *y = p->out + n * size;
		unsigned char *restrict m = mask + n * size;
		for (size_t i = 0; i < size; i++)
			m[i] = next(s) < keep;
		for (size_t i = 0; i < size; i++)
			y[i] = m[i] ? x[i] * scale : 0;
	}
}

static void
dropout_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .out = y };

	if (!run->train || l->rate == 0) {
		if (y != x)
			memcpy(y, x, (size_t)run->n * nn_shape_size(l->in) * sizeof(float));
		return;
	}
	nn_pool_for(run->pool, (size_t)run->n, dropout_forward_part, &p);
}

static void
dropout_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	const unsigned char *restrict m = p->l->priv;
	const float *restrict dy = p->dy;
	float *restrict dx = p->dx, scale = 1 / (1 - p->l->rate);

	(void)t;
	if (!p->run->train || p->l->rate == 0) {
		memcpy(dx + b, dy + b, (e - b) * sizeof(float));
		return;
	}
	for (size_t i = b; i < e; i++)
		dx[i] = m[i] ? dy[i] * scale : 0;
}

static void
dropout_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), dropout_backward_part, &p);
}

const struct nn_layer_ops nn_layer_dropout = {
	.inplace = 1,
	.type = "dropout",
	.parse = dropout_parse,
	.setup = dropout_setup,
	.forward = dropout_forward,
	.backward = dropout_backward,
};
