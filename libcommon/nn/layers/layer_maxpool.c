/* maxpool: the largest value of each window; backward routes the gradient to it.  pad= adds
 * rows and columns that no window's maximum comes from (PyTorch's and ONNX's padding).  Where
 * the maximum was is recorded in training only (backward follows a training pass): inference
 * takes the maxima alone, the 2x2 windows as a vertical then a horizontal maximum, which
 * vectorise.  The place is kept as the cell in the window (row * kw + column), one byte per
 * output where the window has at most 256 cells, else two. */
#include <stdint.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"
#include "util/util.h"

/* y (ho x wo) = the maxima of x's 2x2 windows, rows of x w apart; a row in pieces of up to
 * 256 outputs. */
static void
max2x2(const float *x, int w, float *y, int ho, int wo)
{
	float v[512];

	for (int oy = 0; oy < ho; oy++) {
		const float *r0 = x + (size_t)2 * oy * w, *r1 = r0 + w;
		float *yr = y + (size_t)oy * wo;
		for (int o0 = 0; o0 < wo; o0 += 256) {
			int m = wo - o0 < 256 ? wo - o0 : 256;
			for (int i = 0; i < 2 * m; i++)
				v[i] = r1[2 * o0 + i] > r0[2 * o0 + i] ? r1[2 * o0 + i] : r0[2 * o0 + i];
			for (int ox = 0; ox < m; ox++)
				yr[o0 + ox] = v[2 * ox + 1] > v[2 * ox] ? v[2 * ox + 1] : v[2 * ox];
		}
	}
}

/* Where output i's maximum is in its window; `wide`: two bytes each. */
static inline void
put_arg(void *a, int wide, size_t i, int cell)
{
	if (wide)
		((uint16_t *)a)[i] = (uint16_t)cell;
	else
		((uint8_t *)a)[i] = (uint8_t)cell;
}

static inline int
get_arg(const void *a, int wide, size_t i)
{
	return wide ? ((const uint16_t *)a)[i] : ((const uint8_t *)a)[i];
}

static int
wide_args(const nn_layer *l)
{
	return l->kh * l->kw > 256;
}

/* One plane with padding: the window's cells inside the input only. */
static void
padded_plane(const nn_layer *l, const float *x, float *y, void *a)
{
	int wide = wide_args(l);
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;

	for (int oy = 0; oy < ho; oy++)
		for (int ox = 0; ox < wo; ox++) {
			int y0 = oy * l->sh - l->ph, x0 = ox * l->sw - l->pw, mi = -1;
			float m = 0;
			for (int i = y0 < 0 ? 0 : y0; i < y0 + l->kh && i < H; i++)
				for (int j = x0 < 0 ? 0 : x0; j < x0 + l->kw && j < W; j++)
					if (mi < 0 || x[i * W + j] > m) {
						m = x[i * W + j];
						mi = (i - y0) * l->kw + j - x0;
					}
			y[oy * wo + ox] = m;
			put_arg(a, wide, (size_t)oy * wo + ox, mi);
		}
}

static void
maxpool_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w;
	int wide = wide_args(l);

	(void)t;
	for (size_t pl = b; pl < e; pl++) {           /* one plane: a sample's channel */
		const float *x = p->x + pl * H * W;
		float *y = p->out + pl * ho * wo;
		void *a = (char *)l->priv + (pl * ho * wo << wide);
		if (l->ph || l->pw) {
			padded_plane(l, x, y, a);
			continue;
		}
		if (l->kh == 2 && l->kw == 2 && l->sh == 2 && l->sw == 2 && !p->run->train) {
			max2x2(x, W, y, ho, wo);
			continue;
		}
		if (l->kh == 2 && l->kw == 2 && l->sh == 2 && l->sw == 2) {
			uint8_t *a8 = a;
			for (int oy = 0; oy < ho; oy++) {
				const float *r0 = x + 2 * oy * W, *r1 = r0 + W;
				for (int ox = 0; ox < wo; ox++) {
					float a0 = r0[2 * ox], a1 = r0[2 * ox + 1], b0 = r1[2 * ox], b1 = r1[2 * ox + 1];
					float ma = a1 > a0 ? a1 : a0, mb = b1 > b0 ? b1 : b0;
					int ia = a1 > a0, ib = b1 > b0 ? 3 : 2;
					y[oy * wo + ox] = mb > ma ? mb : ma;
					a8[oy * wo + ox] = (uint8_t)(mb > ma ? ib : ia);
				}
			}
			continue;
		}
		for (int oy = 0; oy < ho; oy++) {
			for (int ox = 0; ox < wo; ox++) {
				int mi = 0;
				float m = x[oy * l->sh * W + ox * l->sw];
				/* branch-free selects: which value wins is unpredictable */
				for (int i = 0; i < l->kh; i++) {
					int row = (oy * l->sh + i) * W + ox * l->sw;
					for (int j = 0; j < l->kw; j++) {
						float v = x[row + j];
						int gt = v > m;
						m = gt ? v : m;
						mi = gt ? i * l->kw + j : mi;
					}
				}
				y[oy * wo + ox] = m;
				if (p->run->train)
					put_arg(a, wide, (size_t)oy * wo + ox, mi);
			}
		}
	}
}

static void
maxpool_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * l->in.c, maxpool_forward_part, &p);
}

static void
maxpool_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	int W = l->in.w, wo = l->out.w, wide = wide_args(l);
	size_t in = (size_t)l->in.h * l->in.w, out = (size_t)l->out.h * l->out.w;

	(void)t;
	for (size_t pl = b; pl < e; pl++) {
		float *dx = p->dx + pl * in;
		const float *dy = p->dy + pl * out;
		const void *a = (const char *)l->priv + (pl * out << wide);
		memset(dx, 0, in * sizeof(float));
		/* the window's origin (padding: before the input's) plus the cell */
		for (size_t i = 0; i < out; i++) {
			int oy = (int)(i / (size_t)wo), ox = (int)(i % (size_t)wo), c = get_arg(a, wide, i);
			dx[(oy * l->sh - l->ph + c / l->kw) * W + ox * l->sw - l->pw + c % l->kw] += dy[i];
		}
	}
}

static void
maxpool_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy,
                 float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * l->in.c, maxpool_backward_part, &p);
}

static int
maxpool_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_pool_parse(l, a, err, errlen) != 0 ||
	    nn_arg_pair(a, "pad", -1, 0, 0, 128, &l->ph, &l->pw, err, errlen) != 0)
		return -1;
	if (2 * l->ph > l->kh || 2 * l->pw > l->kw)
		return errorf(err, errlen, "pad=%dx%d: at most half the window %dx%d", l->ph, l->pw, l->kh, l->kw);
	return 0;
}

static int
maxpool_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	if (nn_pool_shape(l, err, errlen) != 0)
		return -1;
	l->priv = nn_alloc(net, (size_t)l->batch * nn_shape_size(l->out) << wide_args(l));
	return 0;
}

const struct nn_layer_ops nn_layer_maxpool = {
	.type = "maxpool",
	.parse = maxpool_parse,
	.setup = maxpool_setup,
	.forward = maxpool_forward,
	.backward = maxpool_backward,
};
