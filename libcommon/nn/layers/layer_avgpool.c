/* avgpool: the mean of each window. */
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static void
avgpool_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;
	float scale = 1.0f / (float)(l->kh * l->kw);

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		const float *x = p->x + pl * H * W;
		float *y = p->out + pl * ho * wo;
		for (int oy = 0; oy < ho; oy++) {
			for (int ox = 0; ox < wo; ox++) {
				float s = 0;
				for (int i = 0; i < l->kh; i++)
					for (int j = 0; j < l->kw; j++)
						s += x[(oy * l->sh + i) * W + ox * l->sw + j];
				y[oy * wo + ox] = s * scale;
			}
		}
	}
}

static void
avgpool_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * l->in.c, avgpool_forward_part, &p);
}

static void
avgpool_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;
	float scale = 1.0f / (float)(l->kh * l->kw);

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		float *dx = p->dx + pl * H * W;
		const float *dy = p->dy + pl * ho * wo;
		memset(dx, 0, (size_t)H * W * sizeof(float));
		for (int oy = 0; oy < ho; oy++)
			for (int ox = 0; ox < wo; ox++) {
				float g = dy[oy * wo + ox] * scale;
				for (int i = 0; i < l->kh; i++)
					for (int j = 0; j < l->kw; j++)
						dx[(oy * l->sh + i) * W + ox * l->sw + j] += g;
			}
	}
}

static void
avgpool_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy,
                 float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * l->in.c, avgpool_backward_part, &p);
}

static int
avgpool_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)net;
	return nn_pool_shape(l, err, errlen);
}

const struct nn_layer_ops nn_layer_avgpool = {
	.type = "avgpool",
	.parse = nn_pool_parse,
	.setup = avgpool_setup,
	.forward = avgpool_forward,
	.backward = avgpool_backward,
};
