/*
 * conv2d's Winograd forward pass (3x3, stride 1) against the direct path (im2col and GEMM,
 * or by kernel rows) on random inputs: channels 1 to 64, odd and even sides, padding 0 and
 * 1, batches of 1 and 5, with and without a fused relu, with and without bias, blocks of
 * tiles that span samples, in inference and in training's forward pass.
 *
 * Tolerance: Winograd F(2x2, 3x3) adds and subtracts inputs and weights before the products
 * (the weights' transform halves them), so its rounding differs from the direct sum's; on
 * values uniform in [-1, 1] it is below 1e-7 times 9 C (the largest the window's sum of
 * |w| |x| can be), and the check allows 1e-6 of it; the program prints the worst absolute
 * and relative errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "nn/nn_winograd.h"
#include "util/rng.h"

extern size_t nn_wino_block_bytes;

static void
fill(float *x, size_t n, rng *r)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(2 * rng_uniform(r) - 1);
}

/* The architecture on one line, for messages. */
static const char *
flat(const char *arch)
{
	static char buf[256];

	snprintf(buf, sizeof buf, "%s", arch);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ';';
	return buf;
}

/* The network built with Winograd off (mode 0) or forced (mode 2), the same weights. */
static nn_net *
build(const char *arch, int mode, int batch)
{
	char err[256];

	nn_winograd_mode = mode;
	nn_net *net = nn_build(arch, "wino", batch, 2, err, sizeof err);
	nn_winograd_mode = -1;
	if (!net) {
		CHECK(0, "%s: builds (%s)", arch, err);
		return NULL;
	}
	nn_init_params(net, 7);
	if (net->layer[0].bias) {
		rng r;
		rng_seed(&r, 11);
		fill(net->layer[0].param[1].w, net->layer[0].param[1].n, &r);
	}
	return net;
}

/* Worst error of Winograd's output against the direct one, relative to the scale of the
 * sum (sum of |w| |x| over a window, at most 9 C); *rel gets the worst relative error. */
static double
compare(const char *arch, int batch, int train, double *rel)
{
	nn_net *a = build(arch, 0, batch), *b = build(arch, 2, batch);
	double worst = -1;

	*rel = 0;
	if (a && b) {
		rng r;
		nn_shape in = a->input;
		rng_seed(&r, 5);
		fill(nn_input(a), (size_t)batch * nn_shape_size(in), &r);
		memcpy(nn_input(b), nn_input(a), (size_t)batch * nn_shape_size(in) * sizeof(float));
		nn_pool *pool = nn_pool_new(2);
		nn_run run = { .n = batch, .train = train, .pool = pool };
		const float *ya = nn_forward(a, &run), *yb = nn_forward(b, &run);
		size_t n = (size_t)batch * nn_shape_size(nn_output_shape(a));
		double scale = 9.0 * in.c;
		worst = 0;
		for (size_t i = 0; i < n; i++) {
			double d = fabs((double)ya[i] - yb[i]);
			if (d / scale > worst)
				worst = d / scale;
			if (fabs(ya[i]) > 1e-2 && d / fabs(ya[i]) > *rel)
				*rel = d / fabs(ya[i]);
		}
		nn_pool_free(pool);
	}
	nn_free(a);
	nn_free(b);
	return worst;
}

static void
check_shapes(void)
{
	static const int chans[] = { 1, 2, 3, 7, 16, 33, 64 };
	static const int sides[][2] = { { 5, 5 }, { 8, 8 }, { 9, 14 }, { 17, 11 }, { 3, 3 } };
	double worst = 0, rel = 0;
	int cases = 0;

	for (size_t c = 0; c < sizeof chans / sizeof *chans; c++)
		for (size_t s = 0; s < sizeof sides / sizeof *sides; s++)
			for (int pad = 0; pad <= 2; pad++)
				for (int relu = 0; relu <= 1; relu++) {
					int f = (int)(c * 5 + s * 3 + pad) % 19 + 1, batch = (relu + pad) % 2 ? 5 : 1;
					char arch[200];
					snprintf(arch, sizeof arch, "input %dx%dx%d\nconv2d %d kernel=3 pad=%d bias=%d\n%s",
					         chans[c], sides[s][0], sides[s][1], f, pad, (int)(s + c) % 3 != 0,
					         relu ? "relu\n" : "");
					double r, e = compare(arch, batch, (int)(c + s) % 2, &r);
					CHECK(e >= 0 && e < 1e-6, "Winograd against direct: %s batch %d: worst error %.3g of "
					      "the window's scale", flat(arch), batch, e);
					if (e > worst)
						worst = e;
					if (r > rel)
						rel = r;
					cases++;
				}
	printf("winograd: %d shapes, worst error %.3g of the window's scale, worst relative %.3g\n", cases,
	       worst, rel);
}

/* Real-sized layers of the seed networks, and blocks of one tile row (every block boundary). */
static void
check_real(void)
{
	static const char *archs[] = {
		"input 16x64x64\nconv2d 32 kernel=3 pad=1\nrelu\n",       /* m2's second */
		"input 32x48x48\nconv2d 32 kernel=3 pad=1\nrelu\n",       /* m3's second */
		"input 64x12x12\nconv2d 128 kernel=3 pad=1\nrelu\n",      /* m3's fourth */
		"input 32x26x26\nconv2d 64 kernel=3\nrelu\n",             /* m4's second */
	};
	size_t saved = nn_wino_block_bytes;

	for (size_t a = 0; a < sizeof archs / sizeof *archs; a++) {
		double rel, e = compare(archs[a], 4, 0, &rel);
		CHECK(e >= 0 && e < 1e-6, "Winograd against direct, %s: worst error %.3g of the window's scale",
		      flat(archs[a]), e);
		printf("winograd: %s: max abs error / (9 C) %.3g, max rel error (|y| > 0.01) %.3g\n",
		       flat(archs[a]), e, rel);
	}
	nn_wino_block_bytes = 1;
	double rel, e = compare("input 5x7x9\nconv2d 6 kernel=3 pad=1\nrelu\n", 3, 1, &rel);
	CHECK(e >= 0 && e < 1e-6, "Winograd with a block per tile row: worst error %.3g", e);
	nn_wino_block_bytes = saved;
}

/* The transformed weights are kept while the weights stay the same: a weight written between
 * two passes (as an optimiser step, or a test's perturbation) is seen by the next one. */
static void
check_weights_change(void)
{
	const char *arch = "input 4x6x6\nconv2d 5 kernel=3 pad=1\n";
	nn_net *a = build(arch, 0, 2), *b = build(arch, 2, 2);

	if (a && b) {
		rng r;
		size_t n = 2 * nn_shape_size(a->input), no = 2 * nn_shape_size(nn_output_shape(a));
		rng_seed(&r, 9);
		fill(nn_input(a), n, &r);
		memcpy(nn_input(b), nn_input(a), n * sizeof(float));
		nn_run run = { .n = 2 };
		nn_forward(b, &run);
		for (int k = 0; k < 3; k++) {
			a->layer[0].param[0].w[17 * k] += 0.5f;
			b->layer[0].param[0].w[17 * k] += 0.5f;
			const float *ya = nn_forward(a, &run), *yb = nn_forward(b, &run);
			double worst = 0;
			for (size_t i = 0; i < no; i++)
				if (fabs(ya[i] - yb[i]) > worst)
					worst = fabs(ya[i] - yb[i]);
			CHECK(worst < 1e-5, "a weight changed between passes (%d): Winograd follows (worst error %.3g)", k,
			      worst);
		}
	}
	nn_free(a);
	nn_free(b);
}

/* Where it does not apply, or loses: no Winograd state, so the direct path runs. */
static void
check_choice(void)
{
	char err[256];
	static const struct { const char *arch; int mode, want; } cases[] = {
		{ "input 32x20x20\nconv2d 32 kernel=3 pad=1\n", -1, 1 },
		{ "input 32x20x20\nconv2d 32 kernel=3 pad=1\n", 0, 0 },
		{ "input 32x20x20\nconv2d 32 kernel=3 stride=2 pad=1\n", 2, 0 },
		{ "input 32x20x20\nconv2d 32 kernel=5 pad=1\n", 2, 0 },
		{ "input 1x20x20\nconv2d 32 kernel=3 pad=1\n", -1, 0 },
		{ "input 32x20x20\nconv2d 16 kernel=3 pad=1\n", -1, 0 },
		{ "input 32x10x10\nconv2d 32 kernel=3 pad=1\n", -1, 0 },
		{ "input 1x20x20\nconv2d 32 kernel=3 pad=1\n", 2, 1 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		nn_winograd_mode = cases[i].mode;
		nn_net *net = nn_build(cases[i].arch, "choice", 2, 1, err, sizeof err);
		nn_winograd_mode = -1;
		if (!net) {
			CHECK(0, "choice: builds (%s)", err);
			continue;
		}
		nn_layer *l = &net->layer[0];
		nn_winograd_mode = cases[i].mode;
		int got = nn_wino_setup(l, net) != NULL;
		nn_winograd_mode = -1;
		CHECK(got == cases[i].want, "%s mode %d: Winograd %s", flat(cases[i].arch), cases[i].mode,
		      cases[i].want ? "chosen" : "not chosen");
		nn_free(net);
	}
}

int
main(void)
{
	unsetenv("NN_WINOGRAD");
	check_shapes();
	check_real();
	check_weights_change();
	check_choice();
	return CHECK_DONE();
}
