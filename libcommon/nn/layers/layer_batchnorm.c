/* batchnorm: per channel, over the batch and positions.  Training normalises with the batch's
 * mean and (biased) variance and updates running statistics (momentum 0.1, unbiased variance,
 * as PyTorch); inference, and training of a layer frozen for fine-tuning (l->infer), use the
 * running statistics.  eps 1e-5.  With run->sync (--sync-bn), the batch's sums are those of
 * the global batch over every rank, as PyTorch's SyncBatchNorm. */
#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"

struct bn { float *mean, *invstd; double *sum, *shift; };   /* sum: per channel, 2 sums of x - shift */

static int
bn_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_arg_float(a, "momentum", -1, 0.1f, 0, 1, &l->momentum, err, errlen) != 0)
		return -1;
	return nn_arg_float(a, "eps", -1, 1e-5f, 1e-12f, 1, &l->eps, err, errlen);
}

static int
bn_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	struct bn *b = nn_alloc(net, sizeof *b);
	int c = l->in.c;

	nn_same_shape(l, net, err, errlen);
	nn_add_param(l, net, "gamma", 1, &c, 0);
	nn_add_param(l, net, "beta", 1, &c, 0);
	l->nstate = 2 * (size_t)c;              /* running mean, then running variance */
	l->state = nn_alloc(net, l->nstate * sizeof(float));
	b->mean = nn_alloc(net, (size_t)c * sizeof(float));
	b->invstd = nn_alloc(net, (size_t)c * sizeof(float));
	b->sum = nn_alloc(net, 2 * (size_t)c * sizeof(double));
	b->shift = nn_alloc(net, (size_t)c * sizeof(double));
	l->priv = b;
	return 0;
}

static void
bn_init(nn_layer *l, rng *r)
{
	(void)r;
	for (int c = 0; c < l->in.c; c++) {
		l->param[0].w[c] = 1;
		l->param[1].w[c] = 0;
		l->state[c] = 0;
		l->state[l->in.c + c] = 1;
	}
}

/*
 * The channel sums run in float, in 16 running sums (two vectors of 8) over blocks of BLOCK
 * values, each block's total then added in double: vectorised, as accurate as a double loop
 * for planes of any size, and in one fixed order whatever the thread count or instruction set
 * (the AVX2 clone only computes the same lanes wider; no contraction into FMA in ISO C).
 */
#define BLOCK 512

typedef float v8f __attribute__((vector_size(32)));

/* the vector at p, aligned or not (a macro: no vector arguments, whose ABI differs by ISA) */
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8f))

static double
lanes_total(const v8f *a, const v8f *b)
{
	double t = 0;

	for (int k = 0; k < 8; k++)
		t += (*a)[k];
	for (int k = 0; k < 8; k++)
		t += (*b)[k];
	return t;
}

/* s += the sum of x[0, n) - K, s2 += that of its squares */
__attribute__((target_clones("avx2", "default"))) static void
plane_sums(const float *restrict x, size_t n, float K, double *s, double *s2)
{
	v8f k8 = { K, K, K, K, K, K, K, K };

	for (size_t b = 0; b < n; b += BLOCK) {
		size_t e = n - b < BLOCK ? n : b + BLOCK, i = b;
		v8f a0 = { 0 }, a1 = { 0 }, q0 = { 0 }, q1 = { 0 };
		for (; i + 16 <= e; i += 16) {
			v8f x0, x1;
			LOAD8(x0, x + i);
			LOAD8(x1, x + i + 8);
			x0 -= k8;
			x1 -= k8;
			a0 += x0;
			a1 += x1;
			q0 += x0 * x0;
			q1 += x1 * x1;
		}
		for (; i < e; i++) {
			float v = x[i] - K;
			a0[0] += v;
			q0[0] += v * v;
		}
		*s += lanes_total(&a0, &a1);
		*s2 += lanes_total(&q0, &q1);
	}
}

/* s += the sum of dy[0, n), sx += that of dy * (x - mu) */
__attribute__((target_clones("avx2", "default"))) static void
plane_grad_sums(const float *restrict dy, const float *restrict x, float mu, size_t n, double *s,
                double *sx)
{
	v8f m = { mu, mu, mu, mu, mu, mu, mu, mu };

	for (size_t b = 0; b < n; b += BLOCK) {
		size_t e = n - b < BLOCK ? n : b + BLOCK, i = b;
		v8f a0 = { 0 }, a1 = { 0 }, q0 = { 0 }, q1 = { 0 };
		for (; i + 16 <= e; i += 16) {
			v8f d0, d1, x0, x1;
			LOAD8(d0, dy + i);
			LOAD8(d1, dy + i + 8);
			LOAD8(x0, x + i);
			LOAD8(x1, x + i + 8);
			a0 += d0;
			a1 += d1;
			q0 += d0 * (x0 - m);
			q1 += d1 * (x1 - m);
		}
		for (; i < e; i++) {
			a0[0] += dy[i];
			q0[0] += dy[i] * (x[i] - mu);
		}
		*s += lanes_total(&a0, &a1);
		*sx += lanes_total(&q0, &q1);
	}
}

/* y = (x - mu) * a + be over [0, n) */
__attribute__((target_clones("avx2", "default"))) static void
plane_affine(const float *restrict x, float *restrict y, size_t n, float mu, float a, float be)
{
	for (size_t i = 0; i < n; i++)
		y[i] = (x[i] - mu) * a + be;
}

/* dx = A * dy + B * (x - mu) + D over [0, n) */
__attribute__((target_clones("avx2", "default"))) static void
plane_dx(const float *restrict dy, const float *restrict x, float *restrict dx, size_t n, float mu,
         float A, float B, float D)
{
	for (size_t i = 0; i < n; i++)
		dx[i] = A * dy[i] + B * (x[i] - mu) + D;
}

/* The batch's sums of x - K and of its squares for each channel (training), K the first
 * sample's mean of the channel: near the batch's, so the variance as the mean square less the
 * squared mean loses nothing to cancellation. */
static void
batchnorm_sums_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	struct bn *bn = l->priv;
	size_t hw = (size_t)l->in.h * l->in.w, size = nn_shape_size(l->in);
	int n = p->run->n, C = l->in.c;

	(void)t;
	for (size_t c = b; c < e; c++) {
		double s = 0, s2 = 0;
		float K = 0;
		if (n > 0) {
			plane_sums(p->x + c * hw, hw, 0, &s, &s2);
			K = (float)(s / hw);
		}
		s = s2 = 0;
		for (int k = 0; k < n; k++)
			plane_sums(p->x + k * size + c * hw, hw, K, &s, &s2);
		bn->sum[c] = s;
		bn->sum[C + c] = s2;
		bn->shift[c] = K;
	}
}

/* Before the sums of the ranks are added (--sync-bn): sums of x itself, shift 0. */
static void
unshift_sums(const nn_layer *l, const nn_run *run)
{
	struct bn *bn = l->priv;
	int C = l->in.c;
	double m = (double)run->n * l->in.h * l->in.w;

	for (int c = 0; c < C; c++) {
		double K = bn->shift[c], s = bn->sum[c];
		bn->sum[c] = s + m * K;
		bn->sum[C + c] += 2 * K * s + m * K * K;
		bn->shift[c] = 0;
	}
}

/* The samples the batch statistics are over, times positions. */
static double
batch_count(const nn_layer *l, const nn_run *run)
{
	return (double)(run->sync ? run->ntotal : run->n) * l->in.h * l->in.w;
}

static void
batchnorm_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	struct bn *bn = l->priv;
	size_t hw = (size_t)l->in.h * l->in.w, size = nn_shape_size(l->in);
	int n = p->run->n, C = l->in.c;

	(void)t;
	for (size_t c = b; c < e; c++) {
		double mean, var;
		if (p->run->train && !l->infer) {
			double m = batch_count(l, p->run), d = bn->sum[c] / m;
			mean = bn->shift[c] + d;
			var = bn->sum[C + c] / m - d * d;
			if (var < 0)
				var = 0;
			double unbiased = m > 1 ? var * m / (m - 1) : var;
			l->state[c] = (float)((1 - l->momentum) * l->state[c] + l->momentum * mean);
			l->state[C + c] = (float)((1 - l->momentum) * l->state[C + c] + l->momentum * unbiased);
		} else {
			mean = l->state[c];
			var = l->state[C + c];
		}
		float inv = (float)(1 / sqrt(var + l->eps)), mu = (float)mean;
		float a = inv * l->param[0].w[c], be = l->param[1].w[c];
		bn->mean[c] = mu;
		bn->invstd[c] = inv;
		for (int k = 0; k < n; k++)
			plane_affine(p->x + k * size + c * hw, p->out + k * size + c * hw, hw, mu, a, be);
	}
}

static void
bn_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .out = y };
	struct bn *bn = l->priv;

	if (run->train && !l->infer) {
		nn_pool_for(run->pool, (size_t)l->in.c, batchnorm_sums_part, &p);
		if (run->sync) {
			unshift_sums(l, run);
			run->sync(bn->sum, 2 * l->in.c);
		}
	}
	nn_pool_for(run->pool, (size_t)l->in.c, batchnorm_forward_part, &p);
}

/* Each channel's sums of dy and dy * x-hat; they are the gradients of beta and gamma. */
static void
batchnorm_dsums_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	struct bn *bn = l->priv;
	size_t hw = (size_t)l->in.h * l->in.w, size = nn_shape_size(l->in);
	int n = p->run->n, C = l->in.c;

	(void)t;
	for (size_t c = b; c < e; c++) {
		float mu = bn->mean[c], inv = bn->invstd[c];
		double sdy = 0, sdyx = 0;
		for (int k = 0; k < n; k++)
			plane_grad_sums(p->dy + k * size + c * hw, p->x + k * size + c * hw, mu, hw, &sdy, &sdyx);
		sdyx *= inv;            /* the sum of dy times the normalised x */
		l->param[0].g[c] += (float)sdyx;
		l->param[1].g[c] += (float)sdy;
		bn->sum[c] = sdy;
		bn->sum[C + c] = sdyx;
	}
}

static void
batchnorm_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	nn_layer *l = p->l;
	struct bn *bn = l->priv;
	size_t hw = (size_t)l->in.h * l->in.w, size = nn_shape_size(l->in);
	int n = p->run->n, C = l->in.c, batch = p->run->train && !l->infer;
	double m = batch_count(l, p->run);

	(void)t;
	for (size_t c = b; c < e; c++) {
		float mu = bn->mean[c], inv = bn->invstd[c], g = l->param[0].w[c];
		double sdy = bn->sum[c], sdyx = bn->sum[C + c];
		/* training: dx = g inv (dy - sdy / m - xh sdyx / m), xh = (x - mu) inv, as
		 * dx = A dy + B (x - mu) + D; inference: dx = g inv dy */
		float A = g * inv;
		float B = batch ? (float)(-(double)g * inv * inv * sdyx / m) : 0;
		float D = batch ? (float)(-(double)g * inv * sdy / m) : 0;
		for (int k = 0; k < n; k++)
			plane_dx(p->dy + k * size + c * hw, p->x + k * size + c * hw, p->dx + k * size + c * hw,
			         hw, mu, A, B, D);
	}
}

static void
bn_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .y = y, .dy = dy, .dx = dx };
	struct bn *bn = l->priv;
	int C = l->in.c;

	nn_pool_for(run->pool, (size_t)C, batchnorm_dsums_part, &p);
	if (run->train && !l->infer && run->sync) {
		/* this rank's dy is of its mean loss over n samples: in units of the global batch's
		 * mean, summed over the ranks, and back (dx goes on in this rank's units) */
		double share = (double)run->n / run->ntotal;
		for (int c = 0; c < 2 * C; c++)
			bn->sum[c] *= share;
		run->sync(bn->sum, 2 * C);
		for (int c = 0; c < 2 * C; c++)
			bn->sum[c] /= share;
	}
	if (dx)
		nn_pool_for(run->pool, (size_t)C, batchnorm_backward_part, &p);
}

const struct nn_layer_ops nn_layer_batchnorm = {
	.type = "batchnorm",
	.parse = bn_parse,
	.setup = bn_setup,
	.init = bn_init,
	.forward = bn_forward,
	.backward = bn_backward,
};
