/* The code the CUDA kernels share with the host (libcommon/nn/cuda/cu_hd.h), compiled here for
 * the CPU: the device's dropout masks are the host layer's (layer_dropout.c), and upsample's
 * bilinear taps are layer_upsample.c's.  Runs without CUDA. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "nn/cuda/cu_hd.h"
#include "nn/nn.h"
#include "util/rng.h"

#define BATCH 3

static void
dropout_masks(void)
{
	static const char *archs[] = { "input 2x5x7\ndropout 0.3\n", "input 40x1x1\ndropout rate=0.5\n",
	                               "input 3x4x4\nconv2d 2 kernel=1\nrelu\ndropout 0.7\n" };
	char err[256];

	for (size_t a = 0; a < sizeof archs / sizeof *archs; a++) {
		nn_net *net = nn_build(archs[a], "drop", BATCH, 1, err, sizeof err);
		CHECK(net != NULL, "dropout network %zu builds %s", a, net ? "" : err);
		if (!net)
			continue;
		nn_layer *l = &net->layer[net->nlayer - 1];
		size_t size = nn_shape_size(l->in);
		float *x = malloc((size_t)BATCH * size * sizeof(float)), *y = malloc((size_t)BATCH * size * sizeof(float));
		unsigned char *m = malloc(size);
		for (size_t i = 0; i < (size_t)BATCH * size; i++)
			x[i] = 1 + (float)(i % 7);
		int bad = 0, kept = 0;
		for (uint64_t step = 0; step < 3; step++) {
			nn_run run = { .n = BATCH, .train = 1, .pool = net->pool, .seed = 12345 + a, .step = step,
			               .sample0 = 5 * step };
			l->ops->forward(l, &run, x, y);
			uint64_t keep = (uint64_t)((1.0 - l->rate) * 18446744073709551616.0);
			for (int n = 0; n < BATCH; n++) {
				cu_dropout_mask(cu_dropout_seed(run.seed, run.step, l->index, (uint64_t)n + run.sample0), keep,
				                m, size);
				for (size_t i = 0; i < size; i++) {
					bad += m[i] != (y[n * size + i] != 0);
					kept += m[i];
				}
			}
		}
		CHECK(bad == 0 && kept > 0 && kept < 3 * BATCH * (int)size,
		      "dropout network %zu: the device generator's masks are the host layer's (%d differ, %d of %zu kept)",
		      a, bad, kept, (size_t)3 * BATCH * size);
		free(x);
		free(y);
		free(m);
		nn_free(net);
	}
}

/* the seeding is rng_seed's */
static void
seeding(void)
{
	rng r;
	uint64_t s[4], seed = 0xdeadbeefcafef00dull, x = seed;
	int same = 1;

	rng_seed(&r, seed);
	for (int i = 0; i < 4; i++)
		s[i] = cu_splitmix64(&x);
	for (int i = 0; i < 1000; i++)
		same &= rng_next(&r) == cu_xoshiro(s);
	CHECK(same, "cu_splitmix64 and cu_xoshiro give rng_seed's and rng_next's sequence");
}

/* bilinear upsampling of an input that is its own coordinates: the layer's outputs are the
 * taps' interpolation */
static void
upsample_taps(void)
{
	char err[256];
	nn_net *net = nn_build("input 1x3x5\nupsample 3x2 mode=bilinear\n", "up", 1, 1, err, sizeof err);

	CHECK(net != NULL, "upsample network builds %s", net ? "" : err);
	if (!net)
		return;
	nn_layer *l = &net->layer[0];
	int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w, bad = 0;
	float *x = nn_input(net);
	for (int i = 0; i < H * W; i++)
		x[i] = (float)(i * i % 11) - 3;
	nn_run run = { .n = 1 };
	const float *y = nn_forward(net, &run);
	for (int oy = 0; oy < ho; oy++)
		for (int ox = 0; ox < wo; ox++) {
			int y0, y1, x0, x1;
			float fy, fx;
			cu_upsample_tap(oy, l->sh, H, &y0, &y1, &fy);
			cu_upsample_tap(ox, l->sw, W, &x0, &x1, &fx);
			float top = x[y0 * W + x0] * (1 - fx) + x[y0 * W + x1] * fx;
			float bot = x[y1 * W + x0] * (1 - fx) + x[y1 * W + x1] * fx;
			bad += y[oy * wo + ox] != top * (1 - fy) + bot * fy;
		}
	CHECK(bad == 0, "cu_upsample_tap reproduces the host layer's bilinear outputs (%d differ of %d)", bad, ho * wo);
	nn_free(net);
}

/*
 * The device kernels' per-output arithmetic (cu_hd.h) against the host layers, on inputs of
 * small integers (many ties: the first maximum in row order must win and get the gradient, on
 * every path of layer_maxpool.c: 2x2, general, padded).  Forward outputs and input gradients
 * must be equal, not just close: the sums run in the host's order.
 */
static void
windows(void)
{
	static const char *archs[] = { "input 2x6x8\nmaxpool 2\n", "input 2x7x9\nmaxpool size=3 stride=2\n",
	                               "input 2x9x9\nmaxpool size=3 stride=2 pad=1\n", "input 1x8x8\nmaxpool size=2x3 stride=1x2 pad=1\n",
	                               "input 2x6x8\navgpool 2\n", "input 2x9x7\navgpool size=3 stride=2\n",
	                               "input 2x3x4\nupsample 2\n", "input 2x3x4\nupsample 3x2\n",
	                               "input 2x3x4\nupsample 2x3 mode=bilinear\n" };
	char err[256];
	rng r;

	rng_seed(&r, 5);
	for (size_t a = 0; a < sizeof archs / sizeof *archs; a++) {
		nn_net *net = nn_build(archs[a], "win", 2, 1, err, sizeof err);
		CHECK(net != NULL, "window network %zu builds %s", a, net ? "" : err);
		if (!net)
			continue;
		nn_layer *l = &net->layer[0];
		const char *t = l->ops->type;
		int H = l->in.h, W = l->in.w, ho = l->out.h, wo = l->out.w, planes = 2 * l->in.c;
		int maxp = strcmp(t, "maxpool") == 0, avgp = strcmp(t, "avgpool") == 0;
		size_t in = (size_t)planes * H * W, out = (size_t)planes * ho * wo;
		float *x = nn_input(net), *dy = malloc(out * sizeof(float)), *dx = malloc(in * sizeof(float));
		float *gx = calloc(in, sizeof(float));
		for (size_t i = 0; i < in; i++)
			x[i] = (float)rng_below(&r, 4);
		for (size_t i = 0; i < out; i++)
			dy[i] = (float)rng_uniform(&r) - 0.5f;
		nn_run run = { .n = 2, .train = 1, .pool = net->pool };
		const float *y = nn_forward(net, &run);
		l->ops->backward(l, &run, x, y, dy, dx);
		int bad = 0, badg = 0;
		for (int p = 0; p < planes; p++)
			for (int oy = 0; oy < ho; oy++)
				for (int ox = 0; ox < wo; ox++) {
					const float *xp = x + (size_t)p * H * W;
					size_t o = ((size_t)p * ho + oy) * wo + ox;
					float v;
					int arg = 0;
					if (maxp)
						v = cu_maxpool_at(xp, H, W, oy, ox, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, &arg);
					else if (avgp)
						v = cu_avgpool_at(xp, W, oy, ox, l->kh, l->kw, l->sh, l->sw);
					else
						v = cu_upsample_at(xp, H, W, l->sh, l->sw, l->bias, oy, ox);
					bad += v != y[o];
					if (maxp)
						gx[(size_t)p * H * W + arg] += dy[o];
				}
		if (maxp)
			for (size_t i = 0; i < in; i++)
				badg += gx[i] != dx[i];
		if (strcmp(t, "upsample") == 0 && !l->bias)
			for (int p = 0; p < planes; p++)
				for (int iy = 0; iy < H; iy++)
					for (int ix = 0; ix < W; ix++)
						badg += cu_upsample_nearest_grad(dy + (size_t)p * ho * wo, wo, l->sh, l->sw, iy, ix) !=
						        dx[((size_t)p * H + iy) * W + ix];
		CHECK(bad == 0 && badg == 0, "window network %zu (%s): the device's outputs are the host's (%d of %zu differ), "
		      "and its input gradients (%d of %zu differ)", a, t, bad, out, badg, in);
		free(dy);
		free(dx);
		free(gx);
		nn_free(net);
	}
}

int
main(void)
{
	seeding();
	dropout_masks();
	upsample_taps();
	windows();
	return CHECK_DONE();
}
