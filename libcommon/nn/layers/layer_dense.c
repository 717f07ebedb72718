/* dense: a fully connected layer over the flattened sample; GEMMs split by columns across threads. */
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_gemm.h"
#include "util/util.h"

#define BLOCK 16        /* columns per unit of work */

static int
dense_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_arg_int(a, "units", 0, 0, 1, 1 << 20, &l->units, err, errlen) != 0 ||
	    nn_arg_int(a, "bias", -1, 1, 0, 1, &l->bias, err, errlen) != 0)
		return -1;
	if (l->units == 0)
		return errorf(err, errlen, "dense wants units=N");
	return 0;
}

static int
dense_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	size_t in = nn_shape_size(l->in);
	int d[2] = { l->units, (int)in };

	if (in > (1u << 28) / (unsigned)l->units)
		return errorf(err, errlen, "%zu x %d weights are too many (flatten after more pooling?)", in,
		              l->units);
	l->out = (nn_shape){ l->units, 1, 1 };
	nn_add_param(l, net, "weight", 2, d, 1);
	if (l->bias)
		nn_add_param(l, net, "bias", 1, d, 0);
	return 0;
}

static void
dense_init(nn_layer *l, rng *r)
{
	nn_glorot(&l->param[0], (int)nn_shape_size(l->in), l->units, r);
	if (l->bias)
		memset(l->param[1].w, 0, l->param[1].n * sizeof(float));
}

struct pass {
	nn_layer *l;
	int n, in;
	const float *x, *dy;
	float *y, *dx;
};

static void
span(size_t b, size_t e, int total, int *c0, int *c1)
{
	*c0 = (int)b * BLOCK;
	*c1 = (int)e * BLOCK > total ? total : (int)e * BLOCK;
}

static void
dense_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *p = ctx;
	nn_layer *l = p->l;
	int u0, u1;

	(void)t;
	span(b, e, l->units, &u0, &u1);
	nn_sgemm(0, 1, p->n, u1 - u0, p->in, 1, p->x, p->in, l->param[0].w + (size_t)u0 * p->in, p->in, 0,
	         p->y + u0, l->units);
	float slope = l->fused_slope;
	for (int s = 0; s < p->n; s++) {
		float *y = p->y + (size_t)s * l->units;
		for (int u = u0; u < u1; u++) {
			float v = y[u] + (l->bias ? l->param[1].w[u] : 0);
			if (l->fuse_relu) {
				float pos = v > 0 ? v : 0, neg = v < 0 ? v : 0;
				v = pos + slope * neg;
				if (l->fused_max > 0 && v > l->fused_max)
					v = l->fused_max;       /* relu6 (nn_fold.h) */
			}
			y[u] = v;
		}
	}
}

static void
dense_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct pass p = { .l = l, .n = run->n, .in = (int)nn_shape_size(l->in), .x = x, .y = y };
	nn_pool_for(run->pool, (size_t)(l->units + BLOCK - 1) / BLOCK, dense_forward_part, &p);
}

static void
dense_grad_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *p = ctx;
	nn_layer *l = p->l;
	int u0, u1;

	(void)t;
	span(b, e, l->units, &u0, &u1);
	nn_sgemm(1, 0, u1 - u0, p->in, p->n, 1, p->dy + u0, l->units, p->x, p->in, 1,
	         l->param[0].g + (size_t)u0 * p->in, p->in);
	if (l->bias)
		for (int s = 0; s < p->n; s++)
			for (int u = u0; u < u1; u++)
				l->param[1].g[u] += p->dy[(size_t)s * l->units + u];
}

static void
dense_dx_part(void *ctx, size_t b, size_t e, int t)
{
	struct pass *p = ctx;
	nn_layer *l = p->l;
	int i0, i1;

	(void)t;
	span(b, e, p->in, &i0, &i1);
	nn_sgemm(0, 0, p->n, i1 - i0, l->units, 1, p->dy, l->units, l->param[0].w + i0, p->in, 0,
	         p->dx + i0, p->in);
}

static void
dense_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct pass p = { .l = l, .n = run->n, .in = (int)nn_shape_size(l->in), .x = x, .dy = dy, .dx = dx };

	(void)y;
	nn_pool_for(run->pool, (size_t)(l->units + BLOCK - 1) / BLOCK, dense_grad_part, &p);
	if (dx)
		nn_pool_for(run->pool, (size_t)(p.in + BLOCK - 1) / BLOCK, dense_dx_part, &p);
}

const struct nn_layer_ops nn_layer_dense = {
	.type = "dense",
	.parse = dense_parse,
	.setup = dense_setup,
	.init = dense_init,
	.forward = dense_forward,
	.backward = dense_backward,
};
