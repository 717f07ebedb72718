/*
 * Every layer's and every loss's backward pass against central finite differences.
 *
 * The layers compute in float32, so the reference is the central difference
 * (f(v + h) - f(v - h)) / 2h of the float32 forward pass with h = 1e-2 scaled to
 * the value (1e-3 for max pooling, whose window values may lie closer), accumulated in double; a gradient passes when
 * |analytic - numeric| <= 2e-2 * max(|analytic|, |numeric|) + 2e-3 for every
 * checked coordinate (all of the input, up to 64 coordinates of each parameter).
 * The scalar checked is sum(r * y) for a fixed random r, so dy = r.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "nn/nn_im2col.h"
#include "nn/nn_loss.h"
#include "nn/nn_optim.h"
#include "nn/nn_winograd.h"
#include "util/rng.h"
#include "util/util.h"

#define BATCH 3

static double
uniform(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

/* Fills x with values away from 0 and from each other, so no kink of relu or max is crossed. */
static void
fill(float *x, size_t n, rng *r)
{
	for (size_t i = 0; i < n; i++) {
		double v = uniform(r, 0.05, 1.0);
		x[i] = (float)(rng_uniform(r) < 0.5 ? -v : v);
	}
}

static double
objective(nn_layer *l, const nn_run *run, const float *x, float *y, const float *rr)
{
	double s = 0;

	l->ops->forward(l, run, x, y);
	for (size_t i = 0; i < (size_t)run->n * nn_shape_size(l->out); i++)
		s += (double)rr[i] * y[i];
	return s;
}

static int
close_enough(double a, double n)
{
	double m = fabs(a) > fabs(n) ? fabs(a) : fabs(n);
	return fabs(a - n) <= 2e-2 * m + 2e-3;
}

static float step_size = 1e-2f;

static double
numeric(nn_layer *l, const nn_run *run, float *v, const float *x, float *y, const float *rr)
{
	float keep = *v;
	float h = step_size * (fabsf(keep) > 1 ? fabsf(keep) : 1);
	*v = keep + h;
	double fp = objective(l, run, x, y, rr);
	*v = keep - h;
	double fm = objective(l, run, x, y, rr);
	*v = keep;
	return (fp - fm) / (2.0 * h);
}

static void
check_layer(const char *what, const char *arch, int train)
{
	char err[512];
	nn_net *net = nn_build(arch, what, BATCH, 2, err, sizeof err);
	rng r;

	if (!net) {
		CHECK(0, "%s: builds (%s)", what, err);
		return;
	}
	nn_init_params(net, 7);
	nn_layer *l = &net->layer[0];
	nn_run run = { .n = BATCH, .train = train, .pool = NULL, .seed = 99, .step = 3 };
	size_t nin = BATCH * nn_shape_size(l->in), nout = BATCH * nn_shape_size(l->out);
	float *x = calloc(nin, sizeof *x), *y = calloc(nout, sizeof *y), *rr = calloc(nout, sizeof *rr);
	float *dx = calloc(nin, sizeof *dx);

	rng_seed(&r, 12345);
	fill(x, nin, &r);
	fill(rr, nout, &r);
	for (int p = 0; p < l->nparam; p++)
		if (strstr(l->param[p].name, "bias") || strstr(l->param[p].name, "beta"))
			fill(l->param[p].w, l->param[p].n, &r);       /* nonzero biases */
	objective(l, &run, x, y, rr);
	nn_zero_grad(net);
	l->ops->backward(l, &run, x, y, rr, dx);

	int bad = 0, checked = 0;
	double worst = 0;
	for (size_t i = 0; i < nin; i++) {
		double n = numeric(l, &run, &x[i], x, y, rr);
		checked++;
		if (!close_enough(dx[i], n)) {
			if (!bad)
				printf("# %s: dx[%zu] analytic %g numeric %g\n", what, i, dx[i], n);
			bad++;
		}
		if (fabs(dx[i] - n) > worst)
			worst = fabs(dx[i] - n);
	}
	CHECK(bad == 0, "%s: input gradient, %d coordinates (worst abs error %.2g)", what, checked, worst);
	for (int p = 0; p < l->nparam; p++) {
		nn_param *pr = &l->param[p];
		size_t step = pr->n > 64 ? pr->n / 64 : 1;
		bad = checked = 0;
		for (size_t i = 0; i < pr->n; i += step) {
			double n = numeric(l, &run, &pr->w[i], x, y, rr);
			checked++;
			if (!close_enough(pr->g[i], n)) {
				if (!bad)
					printf("# %s: %s[%zu] analytic %g numeric %g\n", what, pr->name, i, pr->g[i], n);
				bad++;
			}
		}
		CHECK(bad == 0, "%s: %s gradient, %d coordinates", what, pr->name, checked);
	}
	/* Two threads give the same forward pass and gradients as one. */
	float *y2 = calloc(nout, sizeof *y2), *dx2 = calloc(nin, sizeof *dx2);
	nn_run run2 = run;
	run2.pool = net->pool;
	objective(l, &run, x, y, rr);
	l->ops->forward(l, &run2, x, y2);
	int same = 1;
	for (size_t i = 0; i < nout; i++)
		if (fabsf(y[i] - y2[i]) > 1e-5f * (1 + fabsf(y[i])))
			same = 0;
	nn_zero_grad(net);
	l->ops->backward(l, &run2, x, y2, rr, dx2);
	for (size_t i = 0; i < nin; i++)
		if (fabsf(dx[i] - dx2[i]) > 1e-4f * (1 + fabsf(dx[i])))
			same = 0;
	CHECK(same, "%s: two threads agree with one", what);
	if (strcmp(l->ops->type, "conv2d") == 0 || strcmp(l->ops->type, "maxpool") == 0) {
		/* inference computes small outputs several samples per GEMM, and pools without
		 * recording where each maximum was */
		nn_run eval = run2;
		eval.train = 0;
		objective(l, &run, x, y, rr);
		l->ops->forward(l, &eval, x, y2);
		int agree = 1;
		for (size_t i = 0; i < nout; i++)
			if (fabsf(y[i] - y2[i]) > 1e-5f * (1 + fabsf(y[i])))
				agree = 0;
		CHECK(agree, "%s: inference gives what training gives", what);
	}
	free(y2);
	free(dx2);
	free(x);
	free(y);
	free(rr);
	free(dx);
	nn_free(net);
}

/* The fused losses: d loss / d logits against central differences in double. */
static void
check_loss(const char *what, int kind, int k, int weighted)
{
	enum { N = 5 };
	float z[N * 4], p[N * 4], dz[N * 4], w[4] = { 0.5f, 2.0f, 1.0f, 3.0f };
	int label[N] = { 0, 1, 1, 0, 1 };
	nn_loss loss = { .kind = kind, .nclass = kind == NN_LOSS_BCE ? 2 : k, .weight = weighted ? w : NULL };
	int units = kind == NN_LOSS_BCE ? 1 : k;
	rng r;

	rng_seed(&r, 5);
	for (int i = 0; i < N * units; i++)
		z[i] = (float)uniform(&r, -3, 3);
	if (k > 2)
		label[2] = 2;
	for (int i = 0; i < N; i++) {
		if (kind == NN_LOSS_BCE) {
			p[i] = 1 / (1 + expf(-z[i]));
			continue;
		}
		double s = 0;
		for (int c = 0; c < units; c++)
			s += exp(z[i * units + c]);
		for (int c = 0; c < units; c++)
			p[i * units + c] = (float)(exp(z[i * units + c]) / s);
	}
	nn_loss_eval(&loss, z, p, label, N, dz, NULL);
	int bad = 0;
	for (int i = 0; i < N * units; i++) {
		float keep = z[i], pp[N * 4];
		double h = 1e-3, f[2];
		for (int sgn = 0; sgn < 2; sgn++) {
			z[i] = (float)(keep + (sgn ? -h : h));
			/* p is only used for the gradient; the loss itself comes from z */
			memcpy(pp, p, sizeof pp);
			f[sgn] = nn_loss_eval(&loss, z, pp, label, N, NULL, NULL);
		}
		z[i] = keep;
		double n = (f[0] - f[1]) / (2 * h);
		if (!close_enough(dz[i], n)) {
			printf("# %s: dz[%d] analytic %g numeric %g\n", what, i, dz[i], n);
			bad++;
		}
	}
	CHECK(bad == 0, "%s: gradient at the logits", what);
}

/* Per-pixel binary cross-entropy with a positive weight, and with Dice added. */
static void
check_mask_loss(const char *what, float pos_weight, int dice)
{
	enum { N = 2, HW = 12 };
	float z[N * HW], p[N * HW], dz[N * HW];
	unsigned char m[N][HW];
	const unsigned char *mask[N] = { m[0], m[1] };
	nn_loss loss = { .kind = NN_LOSS_PIXEL, .pos_weight = pos_weight, .dice = dice, .pixels = HW };
	rng r;
	int bad = 0;

	rng_seed(&r, 21);
	for (int i = 0; i < N * HW; i++) {
		z[i] = (float)uniform(&r, -3, 3);
		m[i / HW][i % HW] = rng_uniform(&r) < 0.3 ? 255 : 0;
	}
	for (int i = 0; i < N * HW; i++)
		p[i] = 1 / (1 + expf(-z[i]));
	nn_loss_eval_masks(&loss, z, p, mask, N, dz, NULL);
	for (int i = 0; i < N * HW; i++) {
		float keep = z[i], pp[N * HW];
		double h = 1e-3, f[2];
		for (int sgn = 0; sgn < 2; sgn++) {
			z[i] = (float)(keep + (sgn ? -h : h));
			for (int j = 0; j < N * HW; j++)
				pp[j] = 1 / (1 + expf(-z[j]));
			f[sgn] = nn_loss_eval_masks(&loss, z, pp, mask, N, NULL, NULL);
		}
		z[i] = keep;
		double n = (f[0] - f[1]) / (2 * h);
		if (!close_enough(dz[i], n)) {
			printf("# %s: dz[%d] analytic %g numeric %g\n", what, i, dz[i], n);
			bad++;
		}
	}
	CHECK(bad == 0, "%s: gradient at the logits", what);
}

/* A whole network through nn_backward and the loss: smooth layers only, so no perturbation
 * crosses a kink of relu or max deep inside (those layers are checked on their own above). */
static void
check_network(const char *what, const char *arch)
{
	char err[512];
	nn_net *net = nn_build(arch, what, BATCH, 2, err, sizeof err);
	nn_loss loss;
	int label[BATCH] = { 0, 2, 1 };
	rng r;

	if (!net || nn_loss_setup(&loss, net, 3, err, sizeof err) != 0) {
		CHECK(0, "%s builds (%s)", what, err);
		nn_free(net);
		return;
	}
	nn_init_params(net, 3);
	rng_seed(&r, 8);
	fill(nn_input(net), BATCH * nn_shape_size(net->input), &r);
	if (net->nfeat)
		fill(net->feat, (size_t)BATCH * net->nfeat, &r);
	nn_run run = { .n = BATCH, .train = 1, .seed = 1 };
	float dz[BATCH * 3];
	int L = net->nlayer;
	float *p = nn_forward(net, &run);
	nn_loss_eval(&loss, net->act[L - 1], p, label, BATCH, dz, NULL);
	nn_zero_grad(net);
	nn_backward(net, &run, L - 2, dz);
	int bad = 0, checked = 0;
	for (int i = 0; i < net->nparams; i++) {
		nn_param *pr = net->params[i];
		size_t step = pr->n > 16 ? pr->n / 16 : 1;
		for (size_t j = 0; j < pr->n; j += step) {
			float keep = pr->w[j], h = 1e-2f, g = pr->g[j];
			double f[2];
			for (int s = 0; s < 2; s++) {
				pr->w[j] = keep + (s ? -h : h);
				p = nn_forward(net, &run);
				f[s] = nn_loss_eval(&loss, net->act[L - 1], p, label, BATCH, NULL, NULL);
			}
			pr->w[j] = keep;
			double n = (f[0] - f[1]) / (2 * h);
			checked++;
			if (!close_enough(g, n)) {
				printf("# %s: %s[%zu] analytic %g numeric %g\n", what, pr->name, j, g, n);
				bad++;
			}
		}
	}
	CHECK(bad == 0, "%s: %d parameter gradients through the loss", what, checked);
	nn_free(net);
}

/* Numeric against analytic gradients of every trainable parameter; frozen ones must get none. */
static int
frozen_grads(nn_net *net, nn_loss *loss, const int *label, const nn_run *run, int *checked, int *leaked)
{
	float dz[BATCH * 3];
	int L = net->nlayer, bad = 0;
	float *p = nn_forward(net, run);

	nn_loss_eval(loss, net->act[L - 1], p, label, BATCH, dz, NULL);
	nn_zero_grad(net);
	nn_backward(net, run, L - 2, dz);
	for (int i = 0; i < net->nparams; i++) {
		nn_param *pr = net->params[i];
		for (size_t j = 0; j < pr->n; j++) {
			if (pr->frozen) {
				*leaked += pr->g[j] != 0;
				continue;
			}
			float keep = pr->w[j], h = 1e-2f, g = pr->g[j];
			double f[2];
			for (int s = 0; s < 2; s++) {
				pr->w[j] = keep + (s ? -h : h);
				p = nn_forward(net, run);
				f[s] = nn_loss_eval(loss, net->act[L - 1], p, label, BATCH, NULL, NULL);
			}
			pr->w[j] = keep;
			(*checked)++;
			if (!close_enough(g, (f[0] - f[1]) / (2 * h))) {
				printf("# frozen: %s[%zu] analytic %g numeric %g\n", pr->name, j, g, (f[0] - f[1]) / (2 * h));
				bad++;
			}
		}
	}
	return bad;
}

/* Fine-tuning: layers frozen by nn_freeze get no gradient, no optimiser state and no update, their
 * batch normalisation keeps its running statistics in training; the rest still have the right
 * gradients, and so has everything once unfrozen. */
static void
check_frozen(void)
{
	const char *arch = "input 2x5x5\nconv2d 3 kernel=3\nbatchnorm\nflatten\ndense 4\nbatchnorm\ndense 3\nsoftmax\n";
	char err[512];
	nn_net *net = nn_build(arch, "frozen", BATCH, 2, err, sizeof err);
	nn_loss loss;
	nn_optim opt;
	int label[BATCH] = { 0, 2, 1 }, checked = 0, leaked = 0;
	float state[6], w[27];
	rng r;

	if (!net || nn_loss_setup(&loss, net, 3, err, sizeof err) != 0) {
		CHECK(0, "frozen: builds (%s)", err);
		nn_free(net);
		return;
	}
	nn_init_params(net, 3);
	rng_seed(&r, 8);
	fill(nn_input(net), BATCH * nn_shape_size(net->input), &r);
	for (int i = 0; i < 6; i++)
		net->layer[1].state[i] = 0.1f * (float)(i + 1);       /* running statistics of a trained net */
	nn_freeze(net, 2);                                         /* conv2d_1 and batchnorm_1 */
	memcpy(state, net->layer[1].state, sizeof state);
	memcpy(w, net->layer[0].param[0].w, sizeof w);
	nn_run run = { .n = BATCH, .train = 1, .seed = 1 };
	int bad = frozen_grads(net, &loss, label, &run, &checked, &leaked);
	CHECK(bad == 0 && checked > 0, "frozen: %d gradients of the trainable layers through the loss", checked);
	CHECK(leaked == 0, "frozen: no gradient in the frozen layers (%d)", leaked);
	CHECK(memcmp(state, net->layer[1].state, sizeof state) == 0,
	      "frozen: batch norm keeps its running statistics in training");
	nn_optim_init(&opt, net, NN_ADAM, 0, 0.01f);
	CHECK(opt.m[0] == NULL && opt.v[1] == NULL && opt.m[3] == NULL && opt.m[4] && opt.v[4],
	      "frozen: no optimiser state for them");
	nn_optim_step(&opt, net, 0.1f);
	CHECK(memcmp(w, net->layer[0].param[0].w, sizeof w) == 0, "frozen: a step leaves their weights alone");
	nn_optim_free(&opt);
	nn_unfreeze(net, 0.5f);
	checked = leaked = 0;
	bad = frozen_grads(net, &loss, label, &run, &checked, &leaked);
	CHECK(bad == 0 && checked == (int)net->nweights, "unfrozen: %d gradients, all of them", checked);
	CHECK(memcmp(state, net->layer[1].state, sizeof state) == 0 && net->layer[0].param[0].lr_scale == 0.5f &&
	      net->layer[3].param[0].lr_scale == 1,
	      "unfrozen: batch norm stays in inference mode, the backbone's rate is scaled");
	nn_free(net);
}

/* concat puts the first input's channels first, per sample. */
static void
check_concat(void)
{
	char err[256];
	nn_net *net = nn_build("input 1x1x2\nconv2d 2 kernel=1 bias=0 name=a\nconv2d 1 kernel=1 bias=0 from=input "
	                       "name=b\nconcat a b\n", "concat", 2, 1, err, sizeof err);
	float *in, *y;
	nn_run run = { .n = 2 };

	if (!net) {
		CHECK(0, "concat builds (%s)", err);
		return;
	}
	/* a: channel 0 = x, channel 1 = 2x; b: 10x */
	net->params[0]->w[0] = 1;
	net->params[0]->w[1] = 2;
	net->params[1]->w[0] = 10;
	in = nn_input(net);
	in[0] = 1, in[1] = 2, in[2] = 3, in[3] = 4;
	y = nn_forward(net, &run);
	float want[12] = { 1, 2, 2, 4, 10, 20, 3, 4, 6, 8, 30, 40 };
	CHECK(memcmp(y, want, sizeof want) == 0 && net->layer[2].out.c == 3, "concat joins channels in order, sample by sample");
	nn_free(net);
	net = nn_build("input 1x4x4\nconv2d 2 name=a\nconcat a input\n", "c", 2, 1, err, sizeof err);
	CHECK(!net && strstr(err, "line 3: concat: input 2 is 1x4x4, input 1 is 2x2x2"), "concat of other sizes: %s", err);
	net = nn_build("input 1x4x4\nconv2d 2 kernel=1 name=a\nconv2d 2 kernel=1 from=a\nconv2d 2 kernel=1 from=a\n", "c", 2, 1, err, sizeof err);
	CHECK(!net && strstr(err, "line 3: the output of conv2d_2 goes nowhere"), "a dead branch: %s", err);
	net = nn_build("input 1x4x4\nconv2d 2 from=zz\n", "c", 2, 1, err, sizeof err);
	CHECK(!net && strstr(err, "line 2: no earlier layer is named 'zz'"), "an unknown input: %s", err);
	net = nn_build("input 1x4x4\nconv2d 2\nadd conv2d_1\n", "c", 2, 1, err, sizeof err);
	CHECK(!net && strstr(err, "add wants the names of at least two"), "add of one input: %s", err);
}

/* Layers run in place (relu, dropout, flatten over their input's buffer; a dropout even over
 * a relu's, itself over a convolution's) give exactly what they give in buffers of their own. */
static void
check_inplace(void)
{
	const char *arch = "input 2x8x8\nconv2d 4 kernel=3\nrelu\ndropout 0.3\nmaxpool 2\ndropout 0.2\n"
	                   "flatten\ndense 6\nleakyrelu 0.1\ndense 3\nsoftmax\n";
	float out[2][BATCH * 3], grad[2][64];
	int label[BATCH] = { 0, 1, 2 };
	char err[256];
	int shared = 0;

	for (int k = 0; k < 2; k++) {
		setenv("NN_NO_INPLACE", k ? "1" : "0", 1);
		nn_net *net = nn_build(arch, "inplace", BATCH, 2, err, sizeof err);
		nn_loss loss;
		rng r;
		nn_init_params(net, 5);
		nn_loss_setup(&loss, net, 3, err, sizeof err);
		rng_seed(&r, 4);
		fill(nn_input(net), BATCH * nn_shape_size(net->input), &r);
		nn_run run = { .n = BATCH, .train = 1, .seed = 9 };
		float dz[BATCH * 3];
		int L = net->nlayer;
		for (int i = 0; i < L; i++)
			shared += net->act[i + 1] == net->act[i];
		memcpy(out[k], nn_forward(net, &run), sizeof out[k]);
		nn_loss_eval(&loss, net->act[L - 1], out[k], label, BATCH, dz, NULL);
		nn_zero_grad(net);
		nn_backward(net, &run, L - 2, dz);
		memcpy(grad[k], net->params[0]->g, sizeof grad[k] < net->params[0]->n * 4 ? sizeof grad[k]
		       : net->params[0]->n * 4);
		nn_free(net);
	}
	unsetenv("NN_NO_INPLACE");
	CHECK(shared == 5, "relu, dropout after relu, dropout after pooling, flatten and leakyrelu share their "
	      "input's buffer (%d)", shared);
	CHECK(memcmp(out[0], out[1], sizeof out[0]) == 0 && memcmp(grad[0], grad[1], sizeof grad[0]) == 0,
	      "in place or not, the same outputs and gradients");
}

/* The column matrix against its definition, for every path of nn_im2col_ld. */
static void
check_im2col(void)
{
	static const nn_conv_geom gs[] = {
		{ 3, 9, 9, 3, 3, 2, 2, 0, 0, 4, 4 }, { 2, 7, 8, 3, 3, 1, 1, 0, 0, 5, 6 },
		{ 2, 7, 8, 2, 2, 3, 3, 0, 0, 2, 3 }, { 2, 6, 6, 3, 3, 2, 2, 1, 1, 3, 3 },
		{ 1, 5, 7, 3, 5, 1, 2, 1, 0, 5, 2 }, { 2, 6, 6, 3, 3, 1, 1, 1, 1, 6, 6 },
	};
	rng r;

	rng_seed(&r, 4);
	for (size_t k = 0; k < sizeof gs / sizeof *gs; k++) {
		const nn_conv_geom *g = &gs[k];
		size_t p = (size_t)g->ho * g->wo, ld = p + 3, rows = (size_t)g->c * g->kh * g->kw;
		float *x = calloc((size_t)g->c * g->h * g->w, sizeof *x), *col = calloc(rows * ld, sizeof *col);
		int bad = 0;
		fill(x, (size_t)g->c * g->h * g->w, &r);
		for (size_t i = 0; i < rows * ld; i++)
			col[i] = 99;
		nn_im2col_ld(g, x, col, ld);
		for (int c = 0; c < g->c; c++)
			for (int i = 0; i < g->kh; i++)
				for (int j = 0; j < g->kw; j++)
					for (int oy = 0; oy < g->ho; oy++)
						for (int ox = 0; ox < g->wo; ox++) {
							int y = oy * g->sh - g->ph + i, xx = ox * g->sw - g->pw + j;
							float want = y >= 0 && y < g->h && xx >= 0 && xx < g->w ?
							             x[((size_t)c * g->h + y) * g->w + xx] : 0;
							size_t row = ((size_t)c * g->kh + i) * g->kw + j;
							bad += col[row * ld + (size_t)oy * g->wo + ox] != want;
							bad += j == 0 && i == 0 && c == 0 && oy == 0 && ox == 0 &&
							       col[rows * ld - 1] != 99;     /* the gap past each row stays */
						}
		CHECK(bad == 0, "im2col %dx%dx%d, kernel %dx%d, stride %dx%d, pad %dx%d: the column matrix",
		      g->c, g->h, g->w, g->kh, g->kw, g->sh, g->sw, g->ph, g->pw);
		free(x);
		free(col);
	}
}

/* Inference builds large column matrices a band of output rows at a time: the result is the
 * direct sum, for a padded and an unpadded strided geometry spanning several bands. */
static void
check_conv_bands(void)
{
	static const char *archs[] = { "input 8x40x40\nconv2d 5 kernel=3 pad=1\n",
	                               "input 6x81x81\nconv2d 3 kernel=3 stride=2\n",
	                               /* kernel rows as GEMMs of their own (C * kw >= 32) */
	                               "input 12x120x120\nconv2d 5 kernel=3 pad=1\n",
	                               "input 8x100x37\nconv2d 4 kernel=3x5 pad=1x2\n",
	                               "input 16x9x50\nconv2d 3 kernel=5x2 pad=0x1\n" };
	char err[256];
	rng r;

	rng_seed(&r, 8);
	for (size_t a = 0; a < sizeof archs / sizeof *archs; a++) {
		nn_net *net = nn_build(archs[a], "bands", 2, 1, err, sizeof err);
		if (!net) {
			CHECK(0, "bands: builds (%s)", err);
			continue;
		}
		nn_init_params(net, 3);
		nn_layer *l = &net->layer[0];
		fill(l->param[1].w, l->param[1].n, &r);
		size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);
		fill(nn_input(net), 2 * in, &r);
		nn_run run = { .n = 2, .train = 0 };
		const float *x = nn_input(net), *y = nn_forward(net, &run), *w = l->param[0].w;
		double worst = 0;
		for (int n = 0; n < 2; n++)
			for (int f = 0; f < l->out.c; f++)
				for (int oy = 0; oy < l->out.h; oy++)
					for (int ox = 0; ox < l->out.w; ox++) {
						double want = l->param[1].w[f];
						for (int c = 0; c < l->in.c; c++)
							for (int i = 0; i < l->kh; i++)
								for (int j = 0; j < l->kw; j++) {
									int yy = oy * l->sh - l->ph + i, xx = ox * l->sw - l->pw + j;
									if (yy >= 0 && yy < l->in.h && xx >= 0 && xx < l->in.w)
										want += (double)w[((f * l->in.c + c) * l->kh + i) * l->kw + j] *
										        x[n * in + ((size_t)c * l->in.h + yy) * l->in.w + xx];
								}
						double got = y[n * out + ((size_t)f * l->out.h + oy) * l->out.w + ox];
						if (fabs(got - want) > worst)
							worst = fabs(got - want);
					}
		CHECK(worst < 1e-4, "conv2d %dx%dx%d kernel %dx%d stride %d pad %dx%d, inference in bands: the direct "
		      "sum (worst error %.2g)", l->in.c, l->in.h, l->in.w, l->kh, l->kw, l->sh, l->ph, l->pw, worst);
		nn_free(net);
	}
}

/* The depthwise forward pass (by kernel taps along rows) against the direct sum, over
 * geometries where a tap's run of columns is cut by padding on either side, strides, a
 * multiplier and a kernel wider than the input. */
static void
check_depthwise_direct(void)
{
	static const char *arch[] = {
		"input 3x9x11\ndepthwise2d 3 pad=1\n",
		"input 2x10x9\ndepthwise2d 5 stride=2 pad=2\n",
		"input 2x7x8\ndepthwise2d 3x2 stride=2x3 pad=0x1 multiplier=3\n",
		"input 1x5x3\ndepthwise2d 5x7 pad=2x3\n",
		"input 4x12x17\ndepthwise2d 3 bias=0\n",
	};
	char err[512];
	rng r;

	rng_seed(&r, 5);
	for (size_t a = 0; a < sizeof arch / sizeof *arch; a++) {
		nn_net *net = nn_build(arch[a], "dw", 2, 2, err, sizeof err);
		if (!net) {
			CHECK(0, "depthwise: builds (%s)", err);
			continue;
		}
		nn_init_params(net, 3);
		nn_layer *l = &net->layer[0];
		if (l->bias)
			fill(l->param[1].w, l->param[1].n, &r);
		size_t in = nn_shape_size(l->in), out = nn_shape_size(l->out);
		fill(nn_input(net), 2 * in, &r);
		nn_run run = { .n = 2, .train = 0, .pool = net->pool };
		const float *x = nn_input(net), *y = nn_forward(net, &run), *w = l->param[0].w;
		double worst = 0;
		for (int n = 0; n < 2; n++)
			for (int f = 0; f < l->out.c; f++)
				for (int oy = 0; oy < l->out.h; oy++)
					for (int ox = 0; ox < l->out.w; ox++) {
						double want = l->bias ? l->param[1].w[f] : 0;
						int c = f / l->units;
						for (int i = 0; i < l->kh; i++)
							for (int j = 0; j < l->kw; j++) {
								int yy = oy * l->sh - l->ph + i, xx = ox * l->sw - l->pw + j;
								if (yy >= 0 && yy < l->in.h && xx >= 0 && xx < l->in.w)
									want += (double)w[(f * l->kh + i) * l->kw + j] *
									        x[n * in + ((size_t)c * l->in.h + yy) * l->in.w + xx];
							}
						double got = y[n * out + ((size_t)f * l->out.h + oy) * l->out.w + ox];
						if (fabs(got - want) > worst)
							worst = fabs(got - want);
					}
		CHECK(worst < 1e-5, "depthwise2d %dx%dx%d kernel %dx%d stride %dx%d pad %dx%d multiplier %d: the "
		      "direct sum (worst error %.2g)", l->in.c, l->in.h, l->in.w, l->kh, l->kw, l->sh, l->sw, l->ph,
		      l->pw, l->units, worst);
		nn_free(net);
	}
}

/* Inference's 2x2 pooling takes rows in pieces of 256 windows: a row of 265 and its direct
 * maxima. */
static void
check_maxpool_wide(void)
{
	char err[256];
	nn_net *net = nn_build("input 2x3x531\nmaxpool 2\n", "wide", 2, 2, err, sizeof err);
	rng r;
	int bad = 0;

	rng_seed(&r, 8);
	fill(nn_input(net), 2 * nn_shape_size(net->input), &r);
	nn_run run = { .n = 2, .train = 0, .pool = net->pool };
	const float *x = nn_input(net), *y = nn_forward(net, &run);
	for (int pl = 0; pl < 4; pl++)
		for (int ox = 0; ox < 265; ox++) {
			const float *w = x + (size_t)pl * 3 * 531 + 2 * ox;
			float m = fmaxf(fmaxf(w[0], w[1]), fmaxf(w[531], w[532]));
			bad += y[pl * 265 + ox] != m;
		}
	CHECK(net->layer[0].out.w == 265 && bad == 0, "maxpool 2 in inference, rows of 265 windows: the maxima (%d wrong)", bad);
	nn_free(net);
}

/* Dropout's masks come from rng_next seeded by the run's seed and step, the layer and the
 * sample (its own inlined copy of the generator must give the same values). */
/* Batch normalisation in training against a double-precision reference, on planes larger than
 * its summing blocks (37 x 41 = 1517 values, not a multiple of the vector width) and channels
 * whose values sit far from 0, one with a first sample far from the rest: the float sums must
 * lose nothing to cancellation.  Forward output, running statistics, dx, dgamma and dbeta. */
static void
check_batchnorm_reference(void)
{
	enum { N = 4, C = 3, HW = 37 * 41 };
	char err[256];
	nn_net *net = nn_build("input 3x37x41\nbatchnorm\n", "bn", N, 2, err, sizeof err);
	static float x[N * C * HW], y[N * C * HW], dy[N * C * HW], dx[N * C * HW];
	static const double offset[C] = { 0, 100, -30 };
	rng r;

	if (!net) {
		CHECK(0, "batchnorm reference: builds (%s)", err);
		return;
	}
	nn_init_params(net, 7);
	nn_layer *l = &net->layer[0];
	rng_seed(&r, 5);
	for (int c = 0; c < C; c++) {
		l->param[0].w[c] = (float)uniform(&r, 0.5, 2);
		l->param[1].w[c] = (float)uniform(&r, -1, 1);
	}
	for (int k = 0; k < N; k++)
		for (int c = 0; c < C; c++)
			for (int i = 0; i < HW; i++) {
				size_t j = ((size_t)k * C + c) * HW + i;
				x[j] = (float)(offset[c] + (c == 2 && k == 0 ? 3 : 0) + uniform(&r, -1, 1));
				dy[j] = (float)uniform(&r, -1, 1);
			}
	nn_run run = { .n = N, .train = 1, .pool = net->pool, .seed = 1, .step = 1 };
	l->ops->forward(l, &run, x, y);
	nn_zero_grad(net);
	l->ops->backward(l, &run, x, y, dy, dx);
	double worst_y = 0, worst_dx = 0, worst_p = 0, worst_s = 0;
	for (int c = 0; c < C; c++) {
		double m = (double)N * HW, s = 0, v = 0, sdy = 0, sdyx = 0;
		for (int k = 0; k < N; k++)
			for (int i = 0; i < HW; i++)
				s += x[((size_t)k * C + c) * HW + i];
		double mean = s / m;
		for (int k = 0; k < N; k++)
			for (int i = 0; i < HW; i++) {
				double d = x[((size_t)k * C + c) * HW + i] - mean;
				v += d * d;
			}
		v /= m;
		double inv = 1 / sqrt(v + 1e-5), g = l->param[0].w[c], b = l->param[1].w[c];
		for (int k = 0; k < N; k++)
			for (int i = 0; i < HW; i++) {
				size_t j = ((size_t)k * C + c) * HW + i;
				double xh = (x[j] - mean) * inv, e = fabs(y[j] - (xh * g + b));
				worst_y = e > worst_y ? e : worst_y;
				sdy += dy[j];
				sdyx += dy[j] * xh;
			}
		for (int k = 0; k < N; k++)
			for (int i = 0; i < HW; i++) {
				size_t j = ((size_t)k * C + c) * HW + i;
				double xh = (x[j] - mean) * inv;
				double e = fabs(dx[j] - g * inv * (dy[j] - sdy / m - xh * sdyx / m));
				worst_dx = e > worst_dx ? e : worst_dx;
			}
		double ep = fabs(l->param[0].g[c] - sdyx) / (1 + fabs(sdyx));
		double eb = fabs(l->param[1].g[c] - sdy) / (1 + fabs(sdy));
		worst_p = ep > worst_p ? ep : worst_p;
		worst_p = eb > worst_p ? eb : worst_p;
		double rm = 0.1 * mean, rv = 0.9 + 0.1 * v * m / (m - 1);
		double es = fabs(l->state[c] - rm) / (1 + fabs(rm)) + fabs(l->state[C + c] - rv) / rv;
		worst_s = es > worst_s ? es : worst_s;
	}
	CHECK(worst_y < 1e-4, "batchnorm reference: output within 1e-4 of double precision (worst %.2g)", worst_y);
	CHECK(worst_s < 1e-5, "batchnorm reference: running statistics within 1e-5 (worst %.2g)", worst_s);
	CHECK(worst_dx < 1e-5, "batchnorm reference: dx within 1e-5 (worst %.2g)", worst_dx);
	CHECK(worst_p < 1e-4, "batchnorm reference: gamma and beta gradients within 1e-4 (worst %.2g)", worst_p);
	nn_free(net);
}

/* Inference with shared activation buffers (nn_share_activations) gives what separate buffers
 * give, over two batches (so stale values from the first would show), and a chain needs few. */
static int
share_case(const char *what, const char *arch, int maxbufs)
{
	char err[256];
	nn_net *net[2];
	int same = 1, distinct = 0;

	for (int k = 0; k < 2; k++) {
		net[k] = nn_build(arch, what, BATCH, 2, err, sizeof err);
		if (!net[k]) {
			CHECK(0, "%s: builds (%s)", what, err);
			return 0;
		}
		nn_init_params(net[k], 11);
	}
	nn_share_activations(net[1]);
	int L = net[1]->nlayer;
	for (int a = 1; a <= L; a++) {
		int seen = 0;
		for (int b = 0; b < a; b++)
			seen |= net[1]->act[b] == net[1]->act[a];
		distinct += !seen;
	}
	size_t nout = BATCH * nn_shape_size(nn_output_shape(net[0]));
	for (int pass = 0; pass < 2; pass++) {
		const float *y[2];
		for (int k = 0; k < 2; k++) {
			rng r;
			rng_seed(&r, 40 + pass);
			fill(nn_input(net[k]), BATCH * nn_shape_size(net[k]->input), &r);
			for (int i = 0; i < BATCH * net[k]->nfeat; i++)
				net[k]->feat[i] = (float)(i + pass);
			nn_run run = { .n = BATCH, .train = 0, .seed = 9 };
			y[k] = nn_forward(net[k], &run);
		}
		same &= memcmp(y[0], y[1], nout * sizeof(float)) == 0;
	}
	CHECK(same, "%s: shared activation buffers give the same outputs, two batches", what);
	CHECK(distinct <= maxbufs, "%s: %d buffers for %d layer outputs (at most %d)", what, distinct, L, maxbufs);
	nn_free(net[0]);
	nn_free(net[1]);
	return 0;
}

static void
check_share_activations(void)
{
	share_case("a chain", "input 2x8x8\nconv2d 4 kernel=3 pad=1\nbatchnorm\nrelu\nconv2d 4 kernel=3 pad=1\n"
	           "sigmoid\nconv2d 4 kernel=3 pad=1\nbatchnorm\nmaxpool 2\nconv2d 3 kernel=1\nflatten\ndense 5\n"
	           "dropout 0.5\ndense 3\nsoftmax\n", 3);
	share_case("branches, concat and add", "input 2x6x6\nconv2d 3 kernel=3 pad=1 name=a\nsigmoid name=s1\n"
	           "conv2d 3 kernel=3 pad=1 from=a name=b\nsigmoid name=s2\nconcat s1 s2\n"
	           "conv2d 3 kernel=1 name=c\nadd c s1\nconcat s1 add_1\navgpool 2\nflatten\ndense 3\n"
	           "softmax\n", 6);
	share_case("separable with a residual add", "input 3x8x8\nconv2d 4 kernel=3 pad=1 name=entry\nbatchnorm\n"
	           "relu name=s\nseparable2d 4 3 pad=1\nbatchnorm\nadd s batchnorm_2\nrelu\nglobalavgpool\ndense 3\n"
	           "softmax\n", 4);
	share_case("a small U-Net", "input 1x8x8\nconv2d 2 kernel=3 pad=1\nrelu name=e1\nmaxpool 2\n"
	           "conv2d 4 kernel=3 pad=1\nrelu\nconv2d_transpose 2 kernel=2 stride=2\nconcat conv2d_transpose_1 e1\n"
	           "conv2d 3 kernel=3 pad=1\nupsample 2 mode=bilinear\nconv2d 1 kernel=1\nsigmoid\n", 7);
	share_case("features joined by concat", "input 2x4x4\nconv2d 2 kernel=3\nsigmoid\nflatten name=img\n"
	           "features a b name=f\ndense 2 name=fd\nsigmoid name=fs\nconcat img f fs\ndense 3\nsoftmax\n", 6);
}

static void
check_dropout_mask(void)
{
	char err[256];
	nn_net *net = nn_build("input 3x5x7\ndropout 0.3\n", "mask", 3, 2, err, sizeof err);
	size_t size = nn_shape_size(net->input);
	uint64_t keep = (uint64_t)((1.0 - 0.3f) * 18446744073709551616.0);
	float scale = 1 / (1 - 0.3f);
	int bad = 0, kept = 0;
	rng r;

	rng_seed(&r, 6);
	fill(nn_input(net), 3 * size, &r);
	nn_run run = { .n = 3, .train = 1, .pool = net->pool, .seed = 77, .step = 5 };
	const float *x = nn_input(net), *y = nn_forward(net, &run);
	for (int n = 0; n < 3; n++) {
		rng_seed(&r, 77 ^ (5 * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)0 << 48) ^ ((uint64_t)n << 32));
		for (size_t i = 0; i < size; i++) {
			int k = rng_next(&r) < keep;
			kept += k;
			bad += y[n * size + i] != (k ? x[n * size + i] * scale : 0);
		}
	}
	CHECK(bad == 0 && kept > 0 && kept < 3 * (int)size, "dropout's masks follow rng_next (%d of %zu kept, %d wrong)",
	      kept, 3 * size, bad);
	nn_free(net);
}

static void
check_shapes(void)
{
	char err[512];
	nn_net *net = nn_build("input 3x63x63\nconv2d 32 kernel=3 stride=2\nconv2d 64 kernel=3 stride=2\n"
	                       "conv2d 128 kernel=3 stride=2\nflatten\ndense 128\n", "m1", 4, 1, err, sizeof err);
	CHECK(net && net->layer[0].out.h == 31 && net->layer[1].out.h == 15 && net->layer[2].out.h == 7 &&
	      net->layer[3].out.c == 128 * 49, "stride-2 convolutions: 63 -> 31 -> 15 -> 7");
	nn_free(net);
	net = nn_build("input 1x4x4\nmaxpool 5\n", "small.arch", 4, 1, err, sizeof err);
	CHECK(!net && strstr(err, "small.arch: line 2: maxpool") && strstr(err, "1x4x4"),
	      "a window larger than its input names the line and the shape: %s", err);
	nn_free(net);
	net = nn_build("input 1x4x4\nconv3d 5\n", "a", 4, 1, err, sizeof err);
	CHECK(!net && strstr(err, "line 2: unknown layer type 'conv3d'"), "unknown layer: %s", err);
	net = nn_build("input 1x4x4\ndense 5 colour=red\n", "a", 4, 1, err, sizeof err);
	CHECK(!net && strstr(err, "unknown argument 'colour'"), "unknown argument: %s", err);
	net = nn_build("dense 5\n", "a", 4, 1, err, sizeof err);
	CHECK(!net && strstr(err, "line 1: the first line must be 'input"), "no input line: %s", err);
	net = nn_build("input 1x4x4\ndense 0\n", "a", 4, 1, err, sizeof err);
	CHECK(!net && strstr(err, "units"), "zero units: %s", err);
}

/* Training with buffers shared by liveness (nn_net.c's plan) gives, bit for bit, what a buffer
 * for every activation, gradient and scratch gradient gives (NN_NO_SHARE=1): two steps, the
 * second with the weights the first changed, so a buffer that two live values share shows.
 * The seed models from share/models and a network of the layer types the plan treats apart. */
static void
share_train_case(const char *what, const char *arch, int batch)
{
	char err[256];
	nn_net *net[2];
	size_t bytes[2];
	int same = 1;

	for (int k = 0; k < 2; k++) {
		setenv("NN_NO_SHARE", k ? "1" : "0", 1);
		net[k] = nn_build(arch, what, batch, 2, err, sizeof err);
		if (!net[k]) {
			CHECK(0, "%s: builds (%s)", what, err);
			unsetenv("NN_NO_SHARE");
			if (k)
				nn_free(net[0]);
			return;
		}
		nn_init_params(net[k], 13);
		bytes[k] = net[k]->train_bytes;
	}
	unsetenv("NN_NO_SHARE");
	int L = net[0]->nlayer;
	size_t nin = (size_t)batch * nn_shape_size(net[0]->input);
	size_t ndz = (size_t)batch * nn_shape_size(net[0]->layer[L - 2].out);
	size_t nout = (size_t)batch * nn_shape_size(nn_output_shape(net[0]));
	float *dz = xcalloc(ndz, sizeof *dz);
	for (int step = 0; step < 2; step++) {
		const float *y[2];
		for (int k = 0; k < 2; k++) {
			rng r;
			rng_seed(&r, 70 + step);
			fill(nn_input(net[k]), nin, &r);
			fill(dz, ndz, &r);
			nn_run run = { .n = batch, .train = 1, .seed = 9, .step = (uint64_t)step };
			y[k] = nn_forward(net[k], &run);
			nn_zero_grad(net[k]);
			nn_backward(net[k], &run, L - 2, dz);
		}
		same &= memcmp(y[0], y[1], nout * sizeof(float)) == 0;
		for (int i = 0; i < net[0]->nparams; i++) {
			nn_param *p0 = net[0]->params[i], *p1 = net[1]->params[i];
			same &= memcmp(p0->g, p1->g, p0->n * sizeof(float)) == 0;
			for (size_t j = 0; j < p0->n; j++) {
				p0->w[j] -= 0.01f * p0->g[j];
				p1->w[j] -= 0.01f * p1->g[j];
			}
		}
	}
	CHECK(same, "%s: shared training buffers give the same outputs and gradients, two steps", what);
	CHECK(bytes[0] < bytes[1], "%s: sharing plans %.1f MiB of activations and gradients instead of %.1f",
	      what, bytes[0] / 1048576.0, bytes[1] / 1048576.0);
	free(dz);
	nn_free(net[0]);
	nn_free(net[1]);
}

static void
check_share_training(void)
{
	static const struct { const char *file; int batch; } seed[] = {
		{ "m1-pixelerror", 4 }, { "m2-keyframe", 4 }, { "m3-blur", 2 }, { "m4-fashion", 4 },
		{ "m5-unet", 2 }, { "m6-twotower", 2 }, { "m7-separable", 2 },
	};
	char path[256];

	share_train_case("types apart", "input 3x8x8\nconv2d 4 kernel=3 pad=1 name=a\nrelu6\nupsample 2 name=u\n"
	                 "conv2d 4 kernel=3 pad=1 from=a\nsigmoid\nupsample 2 mode=bilinear\nconcat u upsample_2\n"
	                 "avgpool 2\nbatchnorm\nrelu\ndropout 0.3\nmaxpool 2 name=p\nconv2d 8 kernel=1 from=a\n"
	                 "maxpool 2\nadd p maxpool_2\nleakyrelu\nglobalavgpool\nflatten\ndense 5\nsoftmax\n", 3);
	for (size_t i = 0; i < sizeof seed / sizeof *seed; i++) {
		size_t len;
		snprintf(path, sizeof path, "share/models/%s.arch", seed[i].file);    /* run from the root */
		char *arch = (char *)read_file(path, &len, 1 << 20);
		CHECK(arch != NULL, "%s: reads %s", seed[i].file, path);
		if (!arch)
			continue;
		share_train_case(seed[i].file, arch, seed[i].batch);
		free(arch);
	}
}

/* A window of more than 256 cells keeps its maxima's places in two bytes: the gradient goes to
 * the largest cell of each (the numeric check above cannot tell ties in windows this large). */
static void
check_maxpool_places(void)
{
	char err[256];
	nn_net *net = nn_build("input 1x17x19\nmaxpool 17 stride=1\n", "wide", 1, 1, err, sizeof err);
	int at[3] = { 16 * 19, 5 * 19 + 17, 8 * 19 + 18 };     /* columns 0, 17, 18 */

	CHECK(net != NULL, "maxpool 17: builds (%s)", net ? "" : err);
	if (!net)
		return;
	float *x = nn_input(net), dy[3] = { 1, 2, 4 }, dx[17 * 19];
	for (int i = 0; i < 17 * 19; i++)
		x[i] = (float)(i % 7) / 10;
	x[at[0]] = 5, x[at[1]] = 4, x[at[2]] = 3;   /* windows: columns 0-16, 1-17, 2-18 */
	nn_run run = { .n = 1, .train = 1 };
	const float *y = nn_forward(net, &run);
	CHECK(y[0] == 5 && y[1] == 4 && y[2] == 4, "maxpool 17: the maxima (%g %g %g)", y[0], y[1], y[2]);
	net->layer[0].ops->backward(&net->layer[0], &(nn_run){ .n = 1, .train = 1, .pool = net->pool },
	                            x, y, dy, dx);
	int bad = 0;
	for (int i = 0; i < 17 * 19; i++)
		bad += dx[i] != (i == at[0] ? 1 : i == at[1] ? 6 : 0);
	CHECK(bad == 0, "maxpool 17: the gradient goes to each window's maximum (%d wrong)", bad);
	nn_free(net);
}

int
main(void)
{
	check_layer("conv2d 3x3", "input 2x6x7\nconv2d 3 kernel=3\n", 1);
	check_layer("conv2d stride 2 pad 1", "input 3x7x6\nconv2d 4 kernel=3 stride=2 pad=1\n", 1);
	check_layer("conv2d 1x1", "input 3x4x4\nconv2d 2 kernel=1\n", 1);
	check_layer("conv2d 2x3 no bias", "input 2x5x6\nconv2d 2 kernel=2x3 stride=1x2 pad=1x0 bias=0\n", 1);
	/* stride 1 with C * kw and filters * kw >= 32: by kernel rows, forward, weights and dx */
	check_layer("conv2d by rows 3x3 pad 1", "input 12x6x7\nconv2d 11 kernel=3 pad=1\n", 1);
	check_layer("conv2d by rows 3x5 pad 1x2 no bias", "input 8x5x9\nconv2d 7 kernel=3x5 pad=1x2 bias=0\n", 1);
	check_layer("conv2d by rows 2x3, dx by columns", "input 11x5x6\nconv2d 3 kernel=2x3\n", 1);
	check_layer("conv2d dx by rows only", "input 2x6x5\nconv2d 12 kernel=3 pad=1\n", 1);
	size_t band_bytes = nn_conv_band_bytes;
	nn_conv_band_bytes = 1;         /* one output row per band */
	check_layer("conv2d by rows, a band per row", "input 12x6x7\nconv2d 11 kernel=3 pad=1\n", 1);
	nn_conv_band_bytes = band_bytes;
	/* the forward pass by Winograd (nn_winograd.c), the backward passes as ever */
	nn_winograd_mode = 2;
	check_layer("conv2d Winograd 3x3 pad 1", "input 3x6x7\nconv2d 4 kernel=3 pad=1\n", 1);
	check_layer("conv2d Winograd 3x3, by rows", "input 12x5x6\nconv2d 11 kernel=3\n", 1);
	nn_winograd_mode = -1;
	check_layer("conv2d_transpose 2x2 stride 2", "input 3x3x4\nconv2d_transpose 2 kernel=2 stride=2\n", 1);
	check_layer("conv2d_transpose 3x3 stride 2 pad 1", "input 2x4x3\nconv2d_transpose 3 kernel=3 stride=2 pad=1\n", 1);
	check_layer("depthwise2d 3x3 pad 1", "input 3x5x5\ndepthwise2d 3 pad=1\n", 1);
	check_layer("depthwise2d stride 2 multiplier 2", "input 2x6x5\ndepthwise2d 3 stride=2 multiplier=2\n", 1);
	check_layer("depthwise2d 5x3 stride 1x2 pad 2x1", "input 2x7x9\ndepthwise2d 5x3 stride=1x2 pad=2x1\n", 1);
	check_layer("depthwise2d 3x3 rows of 19, no bias", "input 2x4x19\ndepthwise2d 3 pad=1 bias=0\n", 1);
	check_layer("upsample nearest", "input 2x3x4\nupsample 2\n", 1);
	check_layer("upsample bilinear", "input 2x3x4\nupsample 2 mode=bilinear\n", 1);
	check_layer("upsample bilinear 3x2", "input 1x3x3\nupsample 3x2 mode=bilinear\n", 1);
	check_layer("dense", "input 2x3x3\ndense 37\n", 1);
	step_size = 1e-3f;
	check_layer("maxpool 2", "input 2x6x6\nmaxpool 2\n", 1);
	check_layer("maxpool 3 stride 2", "input 2x7x7\nmaxpool 3 stride=2\n", 1);
	check_layer("maxpool 2, odd sides", "input 2x7x9\nmaxpool 2\n", 1);
	check_layer("maxpool 3 stride 2 pad 1 (ResNet's)", "input 2x6x7\nmaxpool 3 stride=2 pad=1\n", 1);
	step_size = 1e-2f;
	check_layer("avgpool 2", "input 2x5x4\navgpool 2\n", 1);
	check_layer("globalavgpool", "input 3x4x5\nglobalavgpool\n", 1);
	check_layer("flatten", "input 2x3x3\nflatten\n", 1);
	check_layer("dropout (training)", "input 4x3x3\ndropout 0.3\n", 1);
	check_layer("dropout (inference)", "input 4x3x3\ndropout 0.3\n", 0);
	check_layer("batchnorm (training)", "input 3x4x4\nbatchnorm\n", 1);
	check_layer("batchnorm (inference)", "input 3x4x4\nbatchnorm\n", 0);
	check_layer("batchnorm of a vector", "input 5x1x1\nbatchnorm\n", 1);
	check_layer("batchnorm, planes of 575", "input 2x23x25\nbatchnorm\n", 1);
	check_layer("relu", "input 2x4x4\nrelu\n", 1);
	check_layer("leakyrelu", "input 2x4x4\nleakyrelu 0.2\n", 1);
	check_layer("relu6 (max 6)", "input 2x4x4\nrelu6\n", 1);
	check_layer("relu6 max=0.5: both bounds", "input 2x4x4\nrelu6 max=0.5\n", 1);
	check_layer("sigmoid", "input 2x4x4\nsigmoid\n", 1);
	check_layer("softmax", "input 4x1x1\nsoftmax\n", 1);
	check_layer("softmax per position", "input 3x2x2\nsoftmax\n", 1);
	check_frozen();
	check_loss("softmax cross-entropy", NN_LOSS_CE, 3, 0);
	check_loss("weighted softmax cross-entropy", NN_LOSS_CE, 4, 1);
	check_loss("binary cross-entropy", NN_LOSS_BCE, 1, 0);
	check_loss("weighted binary cross-entropy", NN_LOSS_BCE, 1, 1);
	check_mask_loss("per-pixel binary cross-entropy", 1, 0);
	check_mask_loss("per-pixel binary cross-entropy, positive weight 10", 10, 0);
	check_mask_loss("per-pixel binary cross-entropy + Dice", 3, 1);
	check_network("a network of 11 layers",
	              "input 2x9x9\nconv2d 3 kernel=3 pad=1\nbatchnorm\nsigmoid\navgpool 2\n"
	              "conv2d 4 kernel=2 stride=2\nsigmoid\nflatten\ndense 5\nsigmoid\ndense 3\nsoftmax\n");
	/* branches: a read twice, s1 three times, joined by concat and add */
	check_network("a network with branches, concat and add",
	              "input 2x6x6\nconv2d 3 kernel=3 pad=1 name=a\nsigmoid name=s1\n"
	              "conv2d 3 kernel=3 pad=1 from=a name=b\nsigmoid name=s2\nconcat s1 s2\n"
	              "conv2d 3 kernel=1 name=c\nadd c s1\nconcat s1 add_1\navgpool 2\nflatten\ndense 3\n"
	              "softmax\n");
	check_network("a separable convolution with a residual add",
	              "input 3x6x6\nconv2d 4 kernel=3 pad=1 name=entry\nsigmoid name=s\nseparable2d 4 3 pad=1\n"
	              "add s separable2d_1\nglobalavgpool\ndense 3\nsoftmax\n");
	check_network("a small U-Net", "input 1x8x8\nconv2d 2 kernel=3 pad=1\nsigmoid name=e1\nmaxpool 2\n"
	              "conv2d 4 kernel=3 pad=1\nsigmoid\nconv2d_transpose 2 kernel=2 stride=2\nconcat conv2d_transpose_1 e1\n"
	              "conv2d 1 kernel=1\nupsample 2 mode=bilinear\navgpool 4\nflatten\ndense 3\nsoftmax\n");
	check_network("metadata features joined to the image by concat",
	              "input 2x4x4\nconv2d 2 kernel=3\nsigmoid\nflatten name=img\nfeatures a b name=f\n"
	              "dense 2 name=fd\nsigmoid name=fs\nconcat img f fs\ndense 3\nsoftmax\n");
	check_concat();
	check_inplace();
	check_shapes();
	check_im2col();
	check_conv_bands();
	check_depthwise_direct();
	check_maxpool_wide();
	check_dropout_mask();
	check_batchnorm_reference();
	check_share_activations();
	check_share_training();
	check_maxpool_places();
	return CHECK_DONE();
}
