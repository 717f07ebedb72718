/* upsample: enlarge by an integer factor, nearest neighbour or bilinear (PyTorch's Upsample,
 * align_corners=False: source position (x + 0.5) / factor - 0.5, clamped at the edges). */
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"
#include "util/util.h"

static int
upsample_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	const char *mode = nn_arg_str(a, "mode", -1);

	if (nn_arg_pair(a, "factor", 0, 2, 1, 64, &l->sh, &l->sw, err, errlen) != 0)
		return -1;
	l->bias = 0;                    /* reused as the mode: 0 nearest, 1 bilinear */
	if (mode && strcmp(mode, "bilinear") == 0)
		l->bias = 1;
	else if (mode && strcmp(mode, "nearest") != 0)
		return errorf(err, errlen, "mode wants nearest or bilinear, not '%s'", mode);
	return 0;
}

static int
upsample_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)net;
	if ((long)l->in.h * l->sh > 16384 || (long)l->in.w * l->sw > 16384)
		return errorf(err, errlen, "output is too large");
	l->out = (nn_shape){ l->in.c, l->in.h * l->sh, l->in.w * l->sw };
	return 0;
}

/* One axis of bilinear sampling: output o reads i0 and i1 with weight 1 - f and f. */
static void
tap(int o, int factor, int n, int *i0, int *i1, float *f)
{
	float s = ((float)o + 0.5f) / (float)factor - 0.5f;
	if (s < 0)
		s = 0;
	*i0 = (int)s;
	if (*i0 > n - 1)
		*i0 = n - 1;
	*i1 = *i0 + 1 < n ? *i0 + 1 : n - 1;
	*f = s - (float)*i0;
}

static void
upsample_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		const float *x = p->x + pl * H * W;
		float *y = p->out + pl * ho * wo;
		for (int oy = 0; oy < ho; oy++) {
			if (!l->bias) {
				const float *row = x + (oy / l->sh) * W;
				for (int ox = 0; ox < wo; ox++)
					y[oy * wo + ox] = row[ox / l->sw];
				continue;
			}
			int y0, y1, x0, x1;
			float fy, fx;
			tap(oy, l->sh, H, &y0, &y1, &fy);
			for (int ox = 0; ox < wo; ox++) {
				tap(ox, l->sw, W, &x0, &x1, &fx);
				float top = x[y0 * W + x0] * (1 - fx) + x[y0 * W + x1] * fx;
				float bot = x[y1 * W + x0] * (1 - fx) + x[y1 * W + x1] * fx;
				y[oy * wo + ox] = top * (1 - fy) + bot * fy;
			}
		}
	}
}

static void
upsample_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * l->in.c, upsample_forward_part, &p);
}

static void
upsample_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		float *dx = p->dx + pl * H * W;
		const float *dy = p->dy + pl * ho * wo;
		memset(dx, 0, (size_t)H * W * sizeof(float));
		for (int oy = 0; oy < ho; oy++) {
			if (!l->bias) {
				float *row = dx + (oy / l->sh) * W;
				for (int ox = 0; ox < wo; ox++)
					row[ox / l->sw] += dy[oy * wo + ox];
				continue;
			}
			int y0, y1, x0, x1;
			float fy, fx;
			tap(oy, l->sh, H, &y0, &y1, &fy);
			for (int ox = 0; ox < wo; ox++) {
				tap(ox, l->sw, W, &x0, &x1, &fx);
				float g = dy[oy * wo + ox];
				dx[y0 * W + x0] += g * (1 - fy) * (1 - fx);
				dx[y0 * W + x1] += g * (1 - fy) * fx;
				dx[y1 * W + x0] += g * fy * (1 - fx);
				dx[y1 * W + x1] += g * fy * fx;
			}
		}
	}
}

static void
upsample_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy,
                  float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * l->in.c, upsample_backward_part, &p);
}

const struct nn_layer_ops nn_layer_upsample = {
	.type = "upsample",
	.parse = upsample_parse,
	.setup = upsample_setup,
	.forward = upsample_forward,
	.backward = upsample_backward,
};
