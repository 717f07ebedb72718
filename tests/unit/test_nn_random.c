/*
 * The random parts of training against the recipe PyTorch's side of bench/bench_fashion.sh
 * uses (issue 19): Glorot uniform weights (xavier_uniform_: U(-a, a), a = sqrt(6 / (fan_in +
 * fan_out)), fan = channels * kernel area for a convolution) and zero biases; inverted
 * dropout (each value kept with probability 1 - rate, kept values scaled by 1 / (1 - rate)),
 * its masks independent across samples, steps and layers.  The checks are statistical, with
 * bounds of at least 4 standard errors, on fixed seeds.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"

struct moments { double mean, var, absmax; size_t n; };

static struct moments
moments(const float *w, size_t n)
{
	struct moments m = { .n = n };
	double s = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		s += w[i];
		s2 += (double)w[i] * w[i];
		if (fabs(w[i]) > m.absmax)
			m.absmax = fabs(w[i]);
	}
	m.mean = s / n;
	m.var = s2 / n - m.mean * m.mean;
	return m;
}

static void
check_glorot(const char *what, const char *arch, int layer, int fan_in, int fan_out)
{
	char err[256];
	nn_net *net = nn_build(arch, what, 2, 1, err, sizeof err);

	CHECK(net != NULL, "%s: builds%s%s", what, net ? "" : ": ", net ? "" : err);
	if (!net)
		return;
	nn_init_params(net, 11);
	nn_layer *l = &net->layer[layer];
	double a = sqrt(6.0 / (fan_in + fan_out)), want = a * a / 3;
	struct moments m = moments(l->param[0].w, l->param[0].n);
	/* the variance of the sample variance of U(-a, a) is (a^4 / 5 - a^4 / 9) / n */
	double se_var = sqrt((pow(a, 4) / 5 - pow(a, 4) / 9) / m.n), se_mean = sqrt(want / m.n);
	CHECK(m.absmax <= a && m.absmax > 0.99 * a, "%s: weights within +-%.4f and reaching it (largest %.4f)",
	      what, a, m.absmax);
	CHECK(fabs(m.mean) < 5 * se_mean, "%s: weight mean %.2g, 0 within 5 standard errors (%.2g)", what,
	      m.mean, se_mean);
	CHECK(fabs(m.var - want) < 5 * se_var, "%s: weight variance %.5f, a^2/3 = %.5f within 5 standard "
	      "errors (%.2g)", what, m.var, want, se_var);
	struct moments b = moments(l->param[1].w, l->param[1].n);
	CHECK(b.absmax == 0, "%s: biases start at 0", what);
	nn_free(net);
}

/* Dropout alone on 32 samples of 2048 values of 1: kept fraction, scale, independence. */
static void
check_dropout(float rate)
{
	enum { N = 32, C = 32, H = 8, W = 8, STEPS = 4 };
	char arch[128], err[256];
	size_t size = (size_t)C * H * W, total = 0, kept = 0, both_step = 0, both_sample = 0, pairs = 0;
	int badscale = 0;
	static unsigned char prev[N][C * H * W];

	snprintf(arch, sizeof arch, "input %dx%dx%d\ndropout %g\n", C, H, W, rate);
	nn_net *net = nn_build(arch, "dropout", N, 2, err, sizeof err);
	CHECK(net != NULL, "dropout %g: builds%s%s", rate, net ? "" : ": ", net ? "" : err);
	if (!net)
		return;
	for (int step = 0; step < STEPS; step++) {
		nn_run run = { .n = N, .train = 1, .seed = 1, .step = (uint64_t)step };
		float *x = nn_input(net);
		for (size_t i = 0; i < (size_t)N * size; i++)
			x[i] = 1;
		const float *y = nn_forward(net, &run);
		for (int n = 0; n < N; n++) {
			for (size_t i = 0; i < size; i++) {
				float v = y[n * size + i];
				int k = v != 0;
				badscale += k && fabsf(v - 1 / (1 - rate)) > 1e-6f;
				kept += k;
				total++;
				if (step > 0)
					both_step += k && prev[n][i];
				if (n > 0)
					both_sample += k && prev[n - 1][i];   /* prev[n - 1] is already this step's */
				pairs += n > 0;
				prev[n][i] = (unsigned char)k;
			}
		}
	}
	double q = 1 - rate, f = (double)kept / total, se = sqrt(q * (1 - q) / total);
	size_t step_pairs = (size_t)(STEPS - 1) * N * size;
	double fs = (double)both_step / step_pairs, fn = (double)both_sample / pairs;
	double se2s = sqrt(q * q * (1 - q * q) / step_pairs), se2n = sqrt(q * q * (1 - q * q) / pairs);
	CHECK(fabs(f - q) < 5 * se, "dropout %g: kept fraction %.4f, %.4f within 5 standard errors", rate, f, q);
	CHECK(badscale == 0, "dropout %g: kept values scaled by 1 / (1 - rate) (%d not)", rate, badscale);
	CHECK(fabs(fs - q * q) < 5 * se2s, "dropout %g: kept at the same place in consecutive steps %.4f, "
	      "(1 - rate)^2 = %.4f as for independent masks", rate, fs, q * q);
	CHECK(fabs(fn - q * q) < 5 * se2n, "dropout %g: kept at the same place in neighbouring samples %.4f, "
	      "(1 - rate)^2 = %.4f as for independent masks", rate, fn, q * q);
	nn_run eval = { .n = N, .train = 0 };
	const float *y = nn_forward(net, &eval);
	int same = 1;
	for (size_t i = 0; i < (size_t)N * size; i++)
		same &= y[i] == 1;
	CHECK(same, "dropout %g: the identity in inference", rate);
	nn_free(net);
}

/* m4's two dropout layers draw different masks for the same sample and step. */
static void
check_dropout_layers(void)
{
	const char *arch = "input 16x8x8\ndropout 0.5\nflatten\ndropout 0.5\n";
	char err[256];
	nn_net *net = nn_build(arch, "two dropouts", 4, 1, err, sizeof err);
	size_t size = 16 * 8 * 8, same = 0;

	CHECK(net != NULL, "two dropouts: builds");
	if (!net)
		return;
	nn_run run = { .n = 4, .train = 1, .seed = 3, .step = 5 };
	float *x = nn_input(net);
	for (size_t i = 0; i < 4 * size; i++)
		x[i] = 1;
	nn_forward(net, &run);
	const float *a = net->act[1], *b = net->act[3];
	/* b = the second mask applied over the first: where the first kept, the second's own draw */
	size_t k1 = 0, k12 = 0;
	for (size_t i = 0; i < 4 * size; i++) {
		k1 += a[i] != 0;
		k12 += a[i] != 0 && b[i] != 0;
		same += a[i] != 0 && b[i] == 0;
	}
	double f = (double)k12 / k1, se = sqrt(0.25 / k1);
	CHECK(fabs(f - 0.5) < 5 * se && same > 0, "two dropouts: the second keeps %.3f of what the first "
	      "kept, 0.5 as for independent masks", f);
	nn_free(net);
}

int
main(void)
{
	check_glorot("conv2d 32 3x3 on 1 channel (m4's first)", "input 1x28x28\nconv2d 32 kernel=3\n", 0,
	             9, 288);
	check_glorot("conv2d 64 3x3 on 32 channels (m4's second)", "input 32x26x26\nconv2d 64 kernel=3\n", 0,
	             288, 576);
	check_glorot("dense 128 on 2304", "input 16x12x12\nflatten\ndense 128\n", 1, 2304, 128);
	check_dropout(0.25f);
	check_dropout(0.5f);
	check_dropout_layers();
	return CHECK_DONE();
}
