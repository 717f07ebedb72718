/* batchnorm: per channel, over the batch and positions.  Training normalises with the batch's
 * mean and (biased) variance and updates running statistics (momentum 0.1, unbiased variance,
 * as PyTorch); inference, and training of a layer frozen for fine-tuning (l->infer), use the
 * running statistics.  eps 1e-5.  With run->sync (--sync-bn), the batch's sums are those of
 * the global batch over every rank, as PyTorch's SyncBatchNorm. */
#include <math.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_layer_util.h"

struct bn { float *mean, *invstd; double *sum; };   /* sum: per channel, 2 sums */

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

/* The batch's sum and sum of squares of each channel (training). */
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
		for (int k = 0; k < n; k++) {
			const float *x = p->x + k * size + c * hw;
			for (size_t i = 0; i < hw; i++) {
				s += x[i];
				s2 += (double)x[i] * x[i];
			}
		}
		bn->sum[c] = s;
		bn->sum[C + c] = s2;
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
			double m = batch_count(l, p->run);
			mean = bn->sum[c] / m;
			var = bn->sum[C + c] / m - mean * mean;
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
		float g = l->param[0].w[c], be = l->param[1].w[c];
		bn->mean[c] = mu;
		bn->invstd[c] = inv;
		for (int k = 0; k < n; k++) {
			const float *x = p->x + k * size + c * hw;
			float *y = p->out + k * size + c * hw;
			for (size_t i = 0; i < hw; i++)
				y[i] = (x[i] - mu) * inv * g + be;
		}
	}
}

static void
bn_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .run = run, .x = x, .out = y };
	struct bn *bn = l->priv;

	if (run->train && !l->infer) {
		nn_pool_for(run->pool, (size_t)l->in.c, batchnorm_sums_part, &p);
		if (run->sync)
			run->sync(bn->sum, 2 * l->in.c);
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
		for (int k = 0; k < n; k++) {
			const float *x = p->x + k * size + c * hw, *dy = p->dy + k * size + c * hw;
			for (size_t i = 0; i < hw; i++) {
				sdy += dy[i];
				sdyx += dy[i] * (x[i] - mu) * inv;
			}
		}
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
	int n = p->run->n, C = l->in.c;
	double m = batch_count(l, p->run);

	(void)t;
	for (size_t c = b; c < e; c++) {
		float mu = bn->mean[c], inv = bn->invstd[c], g = l->param[0].w[c];
		double sdy = bn->sum[c], sdyx = bn->sum[C + c];
		for (int k = 0; k < n; k++) {
			const float *x = p->x + k * size + c * hw, *dy = p->dy + k * size + c * hw;
			float *dx = p->dx + k * size + c * hw;
			for (size_t i = 0; i < hw; i++) {
				if (p->run->train && !l->infer) {
					float xh = (x[i] - mu) * inv;
					dx[i] = (float)(g * inv * (dy[i] - sdy / m - xh * sdyx / m));
				} else {
					dx[i] = g * inv * dy[i];
				}
			}
		}
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
