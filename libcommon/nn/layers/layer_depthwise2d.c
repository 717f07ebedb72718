/* depthwise2d: each input channel convolved with `multiplier` kernels of its own (Keras'
 * DepthwiseConv2D, PyTorch's Conv2d with groups = channels); output channel c * m + j comes
 * from input channel c.  Weights (C * m) x 1 x kh x kw. */
#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_im2col.h"
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

/*
 * Both passes go tap by tap: for kernel tap (i, j), output row oy reads input row
 * oy * sh - ph + i at columns ox * sw - pw + j, and the outputs whose column falls inside the
 * image form one run [lo, hi).  So each tap is a multiply-add along a row with no bounds
 * checks inside, which the compiler vectorises; each output still sums bias then taps in
 * kernel order, as a pixel-by-pixel loop would.
 */

/* The outputs [lo, hi) of a row whose input column ox * sw - pw + j lies in [0, w). */
static void
tap_columns(const nn_layer *l, int j, int *lo, int *hi)
{
	int a = l->pw - j, b = l->in.w - 1 + l->pw - j;

	*lo = a > 0 ? (a + l->sw - 1) / l->sw : 0;
	*hi = b < 0 ? 0 : b / l->sw + 1;
	if (*hi > l->out.w)
		*hi = l->out.w;
	if (*lo > *hi)
		*lo = *hi;
}

/* y[lo..hi) += v * x[ox * sw + off] */
static inline __attribute__((always_inline)) void
row_axpy(float *y, const float *x, float v, int lo, int hi, int sw, int off)
{
	if (sw == 1) {
		const float *xs = x + off;
		for (int ox = lo; ox < hi; ox++)
			y[ox] += v * xs[ox];
	} else {
		for (int ox = lo; ox < hi; ox++)
			y[ox] += v * x[ox * sw + off];
	}
}

/* The start [a, and end z) of the outputs all three taps of a row reach. */
static inline __attribute__((always_inline)) void
common_columns(const int *lo, const int *hi, int *a, int *z)
{
	*a = lo[0] > lo[1] ? lo[0] : lo[1];
	*a = *a > lo[2] ? *a : lo[2];
	*z = hi[0] < hi[1] ? hi[0] : hi[1];
	*z = *z < hi[2] ? *z : hi[2];
	if (*z < *a)
		*z = *a;
}

/* The three taps of one kernel row at stride 1 (w[0..2], input columns ox - pw .. ox - pw + 2):
 * where all three fall inside the row, one pass adds them in order, ((y + a) + b) + c, so the
 * output row is read and written once instead of three times; at the edges tap by tap, as
 * row_axpy.  Each output gets the same sums in the same order either way. */
static inline __attribute__((always_inline)) void
row_taps3(float *y, const float *x, const float *w, const int *lo, const int *hi, int pw)
{
	int a, z;
	float w0 = w[0], w1 = w[1], w2 = w[2];

	common_columns(lo, hi, &a, &z);
	for (int j = 0; j < 3; j++) {
		row_axpy(y, x, w[j], lo[j], a < hi[j] ? a : hi[j], 1, j - pw);
		row_axpy(y, x, w[j], z > lo[j] ? z : lo[j], hi[j], 1, j - pw);
	}
	const float *xs = x - pw;
	for (int ox = a; ox < z; ox++)
		y[ox] = ((y[ox] + w0 * xs[ox]) + w1 * xs[ox + 1]) + w2 * xs[ox + 2];
}

/* A 3x3 kernel at stride 1 whose three input rows (x, x + w, x + 2w) all lie inside the image:
 * one pass adds the nine taps in kernel order where all reach, the edges tap by tap in the
 * same order. */
static inline __attribute__((always_inline)) void
row_taps9(float *y, const float *x, int w, const float *k, const int *lo, const int *hi, int pw)
{
	int a, z;

	common_columns(lo, hi, &a, &z);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			row_axpy(y, x + (size_t)i * w, k[i * 3 + j], lo[j], a < hi[j] ? a : hi[j], 1, j - pw);
			row_axpy(y, x + (size_t)i * w, k[i * 3 + j], z > lo[j] ? z : lo[j], hi[j], 1, j - pw);
		}
	const float *x0 = x - pw, *x1 = x0 + w, *x2 = x1 + w;
	float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
	for (int ox = a; ox < z; ox++) {
		float v = ((y[ox] + k0 * x0[ox]) + k1 * x0[ox + 1]) + k2 * x0[ox + 2];
		v = ((v + k3 * x1[ox]) + k4 * x1[ox + 1]) + k5 * x1[ox + 2];
		y[ox] = ((v + k6 * x2[ox]) + k7 * x2[ox + 1]) + k8 * x2[ox + 2];
	}
}

/* The sum over [lo, hi) of dy[ox] * x[ox * sw + off], in eight running sums. */
static inline __attribute__((always_inline)) float
row_dot(const float *dy, const float *x, int lo, int hi, int sw, int off)
{
	float s[8] = { 0 };
	int ox = lo;

	if (sw == 1) {
		const float *xs = x + off;
		for (; ox + 8 <= hi; ox += 8)
			for (int k = 0; k < 8; k++)
				s[k] += dy[ox + k] * xs[ox + k];
	}
	for (; ox < hi; ox++)
		s[0] += dy[ox] * x[ox * sw + off];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* dx[ox * sw + off] += v * dy[ox] over [lo, hi) */
static inline __attribute__((always_inline)) void
dx_row(float *dx, const float *dy, float v, int lo, int hi, int sw, int off)
{
	if (sw == 1) {
		float *ds = dx + off;
		for (int ox = lo; ox < hi; ox++)
			ds[ox] += v * dy[ox];
	} else {
		for (int ox = lo; ox < hi; ox++)
			dx[ox * sw + off] += v * dy[ox];
	}
}

/* A relu, leakyrelu or relu6 folded into this layer for inference (nn_fold.h), on one row. */
static inline __attribute__((always_inline)) void
fused_activation(const nn_layer *l, float *y)
{
	float s = l->fused_slope, hi = l->fused_max > 0 ? l->fused_max : INFINITY;

	for (int ox = 0; ox < l->out.w; ox++) {
		float v = y[ox], pos = v > 0 ? v : 0, neg = v < 0 ? v : 0;
		v = pos + s * neg;
		y[ox] = v < hi ? v : hi;
	}
}

/* AVX2 clones of the passes: the same operations in the same order on wider vectors (no
 * contraction into FMA in ISO C), so results do not depend on the instruction set. */
__attribute__((target_clones("avx2", "default"))) static void
dw_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t hw = (size_t)l->in.h * l->in.w, ohw = (size_t)l->out.h * l->out.w, kk = (size_t)l->kh * l->kw;
	int lo[64], hi[64];

	int three = l->kw == 3 && l->sw == 1;

	(void)t;
	for (int j = 0; j < l->kw; j++)
		tap_columns(l, j, &lo[j], &hi[j]);
	for (size_t q = b; q < e; q++) {              /* one output plane: sample n, channel oc */
		size_t n = q / l->out.c, oc = q % l->out.c, ic = oc / l->units;
		const float *x = p->x + (n * l->in.c + ic) * hw, *w = l->param[0].w + oc * kk;
		float *y = p->out + q * ohw, bias = l->bias ? l->param[1].w[oc] : 0;
		for (int oy = 0; oy < l->out.h; oy++) {
			float *yr = y + (size_t)oy * l->out.w;
			for (int ox = 0; ox < l->out.w; ox++)
				yr[ox] = bias;
			int iy0 = oy * l->sh - l->ph;
			if (three && l->kh == 3 && iy0 >= 0 && iy0 + 2 < l->in.h) {
				row_taps9(yr, x + (size_t)iy0 * l->in.w, l->in.w, w, lo, hi, l->pw);
				if (l->fuse_relu)
					fused_activation(l, yr);
				continue;
			}
			for (int i = 0; i < l->kh; i++) {
				int iy = oy * l->sh - l->ph + i;
				if (iy < 0 || iy >= l->in.h)
					continue;
				if (three)
					row_taps3(yr, x + (size_t)iy * l->in.w, w + i * 3, lo, hi, l->pw);
				else
					for (int j = 0; j < l->kw; j++)
						row_axpy(yr, x + (size_t)iy * l->in.w, w[i * l->kw + j], lo[j], hi[j],
						         l->sw, j - l->pw);
			}
			if (l->fuse_relu)
				fused_activation(l, yr);
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
__attribute__((target_clones("avx2", "default"))) static void
dw_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	size_t hw = (size_t)l->in.h * l->in.w, ohw = (size_t)l->out.h * l->out.w, kk = (size_t)l->kh * l->kw;
	int lo[64], hi[64];

	(void)t;
	for (int j = 0; j < l->kw; j++)
		tap_columns(l, j, &lo[j], &hi[j]);
	for (size_t oc = b; oc < e; oc++) {
		size_t ic = oc / l->units;
		const float *w = l->param[0].w + oc * kk;
		float *gw = l->param[0].g + oc * kk, gb = 0;
		for (int n = 0; n < p->run->n; n++) {
			const float *x = p->x + ((size_t)n * l->in.c + ic) * hw;
			const float *dy = p->dy + ((size_t)n * l->out.c + oc) * ohw;
			float *dx = p->dx ? p->dx + ((size_t)n * l->in.c + ic) * hw : NULL;
			for (int oy = 0; oy < l->out.h; oy++) {
				const float *dyr = dy + (size_t)oy * l->out.w;
				gb += nn_sum_floats(dyr, l->out.w);
				for (int i = 0; i < l->kh; i++) {
					int iy = oy * l->sh - l->ph + i;
					if (iy < 0 || iy >= l->in.h)
						continue;
					for (int j = 0; j < l->kw; j++) {
						int off = j - l->pw;
						gw[i * l->kw + j] += row_dot(dyr, x + (size_t)iy * l->in.w, lo[j], hi[j], l->sw, off);
						if (dx)
							dx_row(dx + (size_t)iy * l->in.w, dyr, w[i * l->kw + j], lo[j], hi[j], l->sw, off);
					}
				}
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
