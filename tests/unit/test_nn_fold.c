/* Folding for inference (nn_fold.h): a network folded (batchnorms into the convolution,
 * depthwise or dense layer before them, activations into its bias pass) predicts what the
 * same network unfolded does, within a relative 1e-4 of the largest output (float rounding
 * of the scaled weights), on every foldable pattern and on m6 and m7; NN_FOLD=0 folds nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "nn/nn_fold.h"
#include "util/rng.h"

#define TOL 1e-4

/* Every pattern: conv+bn, conv+bn+relu, conv without bias+bn+leakyrelu, depthwise+bn+relu6,
 * depthwise+relu6 (no bn), a separable conv (depthwise, pointwise 1x1)+bn+relu whose output
 * two layers read, dense+bn, dense without bias+bn+relu. */
static const char *patterns =
	"input 3x12x12\n"
	"conv2d 8 kernel=3 pad=1\nbatchnorm\n"
	"conv2d 8 kernel=3 pad=1\nbatchnorm\nrelu\n"
	"conv2d 6 kernel=3 stride=2 pad=1 bias=0\nbatchnorm\nleakyrelu 0.1\n"
	"depthwise2d 3 pad=1\nbatchnorm\nrelu6\n"
	"depthwise2d 3 pad=1 multiplier=2\nrelu6 max=4\n"
	"separable2d 16 3 pad=same\nbatchnorm\nrelu name=sep\n"
	"conv2d 16 kernel=1 name=a\n"
	"add a sep\n"
	"globalavgpool\n"
	"dense 10\nbatchnorm\n"
	"dense 7 bias=0\nbatchnorm\nrelu\n"
	"dense 3\nsoftmax\n";

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* Trained-looking batch norms: statistics and affine parameters away from 0 and 1, and
 * biases away from 0, the same in any network built from the same text. */
static void
perturb(nn_net *net)
{
	rng r;

	rng_seed(&r, 5);
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		if (strcmp(l->ops->type, "batchnorm") == 0) {
			int C = l->in.c;
			for (int c = 0; c < C; c++) {
				l->param[0].w[c] = 0.5f + (float)rng_uniform(&r);
				l->param[1].w[c] = (float)rng_uniform(&r) - 0.5f;
				l->state[c] = (float)rng_uniform(&r) - 0.5f;
				l->state[C + c] = 0.5f + 1.5f * (float)rng_uniform(&r);
			}
		} else if (l->nparam > 1 && l->bias) {
			for (size_t k = 0; k < l->param[1].n; k++)
				l->param[1].w[k] = 0.2f * ((float)rng_uniform(&r) - 0.5f);
		}
	}
}

static nn_net *
make(const char *arch, int batch)
{
	char err[512];
	nn_net *net = nn_build(arch, "t", batch, 2, err, sizeof err);

	if (!net) {
		printf("FAIL build: %s\n", err);
		exit(1);
	}
	nn_init_params(net, 3);
	perturb(net);
	return net;
}

static void
fill(nn_net *net, int n)
{
	rng r;
	float *x = nn_input(net);

	rng_seed(&r, 9);
	for (size_t i = 0; i < (size_t)n * nn_shape_size(net->input); i++)
		x[i] = (float)rng_uniform(&r) * 2 - 1;
}

/* The largest difference of the last layer's outputs and of its input's (the logits), relative
 * to the largest output of each. */
static double
compare(const char *what, const char *arch, int n, int share, int want)
{
	nn_net *a = make(arch, n), *b = make(arch, n);
	int L = a->nlayer, folded, absorbed = 0;
	size_t out = (size_t)n * nn_shape_size(nn_output_shape(a));
	size_t lg = (size_t)n * nn_shape_size(a->layer[L - 1].in);
	double worst = 0;

	folded = nn_fold_for_inference(b);
	if (share)
		nn_share_activations(b);
	for (int i = 0; i < L; i++)
		absorbed += b->layer[i].absorbed && !a->layer[i].absorbed;
	CHECK(folded == want && absorbed == want, "%s: %d layers folded (want %d), %d marked absorbed",
	      what, folded, want, absorbed);
	fill(a, n);
	fill(b, n);
	nn_run run = { .n = n };
	const float *ya = nn_forward(a, &run), *yb = nn_forward(b, &run);
	const float *la = a->act[L - 1], *lb = b->act[L - 1];
	double m = 0, ml = 0, d = 0, dl = 0;
	for (size_t i = 0; i < out; i++) {
		m = fmax(m, fabs(ya[i]));
		d = fmax(d, fabs(ya[i] - yb[i]));
	}
	for (size_t i = 0; i < lg; i++) {
		ml = fmax(ml, fabs(la[i]));
		dl = fmax(dl, fabs(la[i] - lb[i]));
	}
	worst = fmax(d / (m > 0 ? m : 1), dl / (ml > 0 ? ml : 1));
	CHECK(worst <= TOL, "%s: folded and unfolded outputs agree (largest difference %.2g of the "
	      "largest output %.3g, logits %.2g of %.3g)", what, d, m, dl, ml);
	nn_free(a);
	nn_free(b);
	return worst;
}

static void
model(const char *file, int want)
{
	char path[256], *arch;

	snprintf(path, sizeof path, "share/models/%s", file);
	arch = slurp(path);
	if (!arch) {
		SKIP("%s: cannot read", path);
		return;
	}
	compare(file, arch, 2, 1, want);
	free(arch);
}

int
main(void)
{
	char err[256];

	/* conv+bn, conv+bn+relu, conv+bn+leakyrelu, dw+bn+relu6, dw+relu6, pointwise+bn+relu
	 * (the depthwise half has no bn), dense+bn, dense+bn+relu: 8 bn and 5 activations */
	compare("patterns", patterns, 3, 0, 13);
	compare("patterns, activations shared", patterns, 3, 1, 13);
	compare("patterns, one sample", patterns, 1, 1, 13);
	/* m7: 2 conv+bn+relu, 4 separable pointwise+bn (2 with relu) */
	model("m7-separable.arch", 10);
	model("m6-twotower.arch", 0);   /* no batch norm; its relus fused already */
	/* conv+bn+relu6 through the Winograd forward (NN_WINOGRAD=2: wherever it applies), whose
	 * output transform applies the fused clamp itself */
	setenv("NN_WINOGRAD", "2", 1);
	compare("conv+bn+relu6, Winograd", "input 16x12x12\nconv2d 32 kernel=3 pad=1\nbatchnorm\nrelu6 max=0.5\n"
	        "globalavgpool\ndense 3\nsoftmax\n", 2, 1, 2);
	unsetenv("NN_WINOGRAD");

	setenv("NN_FOLD", "0", 1);
	nn_net *net = nn_build(patterns, "t", 1, 1, err, sizeof err);
	CHECK(net && nn_fold_for_inference(net) == 0, "NN_FOLD=0 folds nothing");
	int any = 0;
	for (int i = 0; net && i < net->nlayer; i++)
		any |= strcmp(net->layer[i].ops->type, "batchnorm") == 0 && net->layer[i].absorbed;
	CHECK(!any, "NN_FOLD=0 leaves every batchnorm in place");
	nn_free(net);
	unsetenv("NN_FOLD");
	return CHECK_DONE();
}
