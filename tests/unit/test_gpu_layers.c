/*
 * Every layer type on the GPU (libcommon/nn/cuda/) against the host layer: small networks built
 * by nn_build, random inputs, weights and output gradients; each layer runs forward (training
 * and inference) and backward on both, from the same host inputs, and its output, input
 * gradients, parameter gradients and running statistics must agree within ATOL + RTOL * |host|
 * (fp32 math on the device); then again with TF32 tensor-core math allowed, within TF32_TOL +
 * TF32_TOL * |host| (10-bit mantissas).  Without a CUDA device it checks only that every layer type has
 * a device implementation, and says it skipped the rest.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "nn/cuda/cu_util.h"
#include "nn/nn.h"
#include "util/rng.h"

#define BATCH 4
#define ATOL 1e-4
#define RTOL 1e-3
#define TF32_TOL 2e-2

static double tol_abs = ATOL, tol_rel = RTOL;
static const char *prec = "fp32";

static const char *archs[] = {
	"input 3x9x9\nconv2d 4 kernel=3 pad=1\n",
	"input 3x9x9\nconv2d 5 kernel=3x2 stride=2 bias=0\n",
	"input 3x8x8\nconv2d 4 kernel=3 pad=same\nrelu\n",
	"input 3x8x8\nconv2d 4 kernel=1\nleakyrelu 0.1\n",
	"input 2x3x3\nflatten\ndense 6\nrelu\n",
	"input 10x1x1\ndense 7 bias=0\nleakyrelu 0.2\n",
	"input 3x6x6\nbatchnorm\n",
	"input 3x6x6\nbatchnorm momentum=0.3 eps=1e-3\n",
	"input 2x8x8\nmaxpool 2\n",
	"input 2x9x9\nmaxpool size=3 stride=2 pad=1\n",
	"input 2x8x8\navgpool 2\n",
	"input 2x9x9\navgpool size=3 stride=2\n",
	"input 3x5x5\nglobalavgpool\n",
	"input 7x1x1\nsoftmax\n",
	"input 4x3x3\nsoftmax\n",
	"input 3x4x4\nsigmoid\n",
	"input 3x4x4\nrelu6 max=0.5\n",
	"input 3x6x6\ndropout 0.4\n",
	"input 3x6x6\nconv2d 3 kernel=1\nrelu\ndropout 0.3\n",
	"input 2x3x4\nupsample 2\n",
	"input 2x3x4\nupsample 3x2 mode=bilinear\n",
	"input 3x7x7\ndepthwise2d 3 pad=1\n",
	"input 2x8x8\ndepthwise2d 3 stride=2 multiplier=2 bias=0\n",
	"input 3x4x4\nconv2d_transpose 2 kernel=2 stride=2\n",
	"input 3x4x4\nconv2d_transpose 2 kernel=3 stride=2 pad=1\n",
	"input 2x4x4\nconv2d 3 kernel=1 name=a\nconv2d 2 kernel=1 from=input name=b\nconcat a b\n",
	"input 2x4x4\nconv2d 3 kernel=1 name=a\nconv2d 3 kernel=1 from=input name=b\nadd a b\n",
	"input 2x1x1\nfeatures k1 k2 k3 name=f\nconcat input f\n",
};

/* the host's layer types, each of which the networks above use */
static const char *types[] = { "add", "avgpool", "batchnorm", "concat", "conv2d", "conv2d_transpose", "dense",
                               "depthwise2d", "dropout", "features", "flatten", "globalavgpool", "leakyrelu",
                               "maxpool", "relu", "relu6", "sigmoid", "softmax", "upsample" };

static void
fill(float *x, size_t n, rng *r, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		x[i] = lo + (hi - lo) * (float)rng_uniform(r);
}

static nn_net *
build(int a, rng *r)
{
	char err[256];
	nn_net *net = nn_build(archs[a], "gpu", BATCH, 1, err, sizeof err);

	CHECK(net != NULL, "network %d builds %s", a, net ? "" : err);
	if (!net)
		return NULL;
	nn_init_params(net, 7 + a);
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		int bn = strcmp(l->ops->type, "batchnorm") == 0;
		for (int j = 0; j < l->nparam; j++)
			if (bn && j == 0)
				fill(l->param[j].w, l->param[j].n, r, 0.5f, 1.5f);
			else if (j > 0)
				fill(l->param[j].w, l->param[j].n, r, -0.5f, 0.5f);     /* biases, beta */
		if (l->state) {                 /* running mean (features: mean), then variance (sd) */
			size_t h = l->nstate / 2;
			fill(l->state, h, r, -0.3f, 0.3f);
			fill(l->state + h, h, r, 0.5f, 1.5f);
		}
	}
	if (net->feat)
		fill(net->feat, (size_t)BATCH * net->nfeat, r, -2, 2);
	fill(nn_input(net), (size_t)BATCH * nn_shape_size(net->input), r, -1, 1);
	return net;
}

/* CPU only: every type in the networks and in types[] has a device implementation */
static void
coverage(void)
{
	int seen[sizeof types / sizeof *types] = { 0 };
	rng r;

	rng_seed(&r, 1);
	for (size_t a = 0; a < sizeof archs / sizeof *archs; a++) {
		nn_net *net = build((int)a, &r);
		for (int i = 0; net && i < net->nlayer; i++) {
			const char *t = net->layer[i].ops->type;
			CHECK(cu_layer_type(t) != NULL, "network %zu: %s has a CUDA implementation", a, t);
			for (size_t k = 0; k < sizeof types / sizeof *types; k++)
				seen[k] |= strcmp(types[k], t) == 0;
		}
		nn_free(net);
	}
	for (size_t k = 0; k < sizeof types / sizeof *types; k++)
		CHECK(seen[k] && cu_layer_type(types[k]), "layer type %s is tested and has a CUDA implementation", types[k]);
}

static float *
dev_copy(const float *h, size_t n)
{
	float *d = NULL;

	if (cudaMalloc((void **)&d, (n ? n : 1) * sizeof(float)) != cudaSuccess)
		return NULL;
	if (h)
		cudaMemcpy(d, h, n * sizeof(float), cudaMemcpyHostToDevice);
	else
		cudaMemset(d, 0, (n ? n : 1) * sizeof(float));
	return d;
}

static float *
host_copy(const float *d, size_t n)
{
	float *h = malloc((n ? n : 1) * sizeof(float));

	cudaMemcpy(h, d, n * sizeof(float), cudaMemcpyDeviceToHost);
	return h;
}

/* device values d against host values h: CHECKs and returns how many differ */
static int
compare(const char *what, int a, const nn_layer *l, const float *d, const float *h, size_t n)
{
	float *g = host_copy(d, n);
	double worst = 0, wrel = 0;
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)g[i] - h[i]), rel = e / (fabs(h[i]) > 1e-6 ? fabs(h[i]) : 1e-6);
		if (!(e <= tol_abs + tol_rel * fabs(h[i])))
			bad++;
		if (e > worst || e != e)
			worst = e;
		if (rel > wrel)
			wrel = rel;
	}
	CHECK(bad == 0, "network %d, %s: %s (%s) %s: %zu values, max abs error %.2g, rel %.2g", a, prec, l->name,
	      l->ops->type, what, n, worst, wrel);
	free(g);
	return bad;
}

static void
set_params(cu_layer *cl, nn_layer *l)
{
	memset(cl, 0, sizeof *cl);
	cl->l = l;
	for (int j = 0; j < l->nparam; j++) {
		cl->w[j] = dev_copy(l->param[j].w, l->param[j].n);
		cl->g[j] = dev_copy(NULL, l->param[j].n);
	}
	if (l->state)
		cl->state = dev_copy(l->state, l->nstate);
}

static void
free_params(cu_layer *cl)
{
	for (int j = 0; j < cl->l->nparam; j++) {
		cudaFree(cl->w[j]);
		cudaFree(cl->g[j]);
	}
	cudaFree(cl->state);
}

/* Layer i of net, from the host's inputs: forward, and backward in training. */
static void
one_layer(cu_ctx *c, int a, nn_net *net, int i, cu_layer *cl, const nn_run *run, rng *r)
{
	nn_layer *l = &net->layer[i];
	const struct cu_layer_ops *ops = cu_layer_type(l->ops->type);
	const float *hx[NN_MAX_INPUTS];
	float *dx[NN_MAX_INPUTS] = { 0 }, *ddx[NN_MAX_INPUTS] = { 0 }, *hdx[NN_MAX_INPUTS] = { 0 };
	size_t out = (size_t)run->n * nn_shape_size(l->out);
	int inplace = !l->ops->multi && net->act[i + 1] == net->act[l->src[0]], rc;

	for (int k = 0; k < l->nin; k++) {
		hx[k] = net->act[l->src[k]];
		dx[k] = dev_copy(hx[k], (size_t)run->n * nn_shape_size(l->ins[k]));
	}
	float *dy_out = inplace ? dx[0] : dev_copy(NULL, out);
	if (l->ops->multi) {
		l->ops->forward_multi(l, run, hx, net->act[i + 1]);
		rc = ops->forward_multi(cl, c, run, (const float *const *)dx, dy_out);
	} else {
		l->ops->forward(l, run, hx[0], net->act[i + 1]);
		rc = ops->forward(cl, c, run, dx[0], dy_out);
	}
	CHECK(rc == 0 && cudaStreamSynchronize(c->stream) == cudaSuccess, "network %d: %s forward runs %s", a, l->name,
	      rc ? c->err : "");
	compare(run->train ? "forward (training)" : "forward (inference)", a, l, dy_out, net->act[i + 1], out);
	if (l->state)
		compare("running statistics", a, l, cl->state, l->state, l->nstate);
	if (run->train) {
		float *hdy = malloc(out * sizeof(float)), *ddy;
		fill(hdy, out, r, -1, 1);
		ddy = dev_copy(hdy, out);
		for (int j = 0; j < l->nparam; j++)
			memset(l->param[j].g, 0, l->param[j].n * sizeof(float));
		for (int k = 0; k < l->nin; k++) {
			size_t m = (size_t)run->n * nn_shape_size(l->ins[k]);
			hdx[k] = calloc(m ? m : 1, sizeof(float));
			ddx[k] = dev_copy(NULL, m);
		}
		if (l->ops->multi) {
			l->ops->backward_multi(l, run, hx, net->act[i + 1], hdy, hdx);
			rc = ops->backward_multi(cl, c, run, (const float *const *)dx, dy_out, ddy, ddx);
		} else {
			l->ops->backward(l, run, inplace ? net->act[i + 1] : hx[0], net->act[i + 1], hdy, hdx[0]);
			rc = ops->backward(cl, c, run, dx[0], dy_out, ddy, ddx[0]);
		}
		CHECK(rc == 0 && cudaStreamSynchronize(c->stream) == cudaSuccess, "network %d: %s backward runs %s", a,
		      l->name, rc ? c->err : "");
		for (int k = 0; k < l->nin && !l->ops->source; k++)
			compare("input gradient", a, l, ddx[k], hdx[k], (size_t)run->n * nn_shape_size(l->ins[k]));
		for (int j = 0; j < l->nparam; j++)
			compare(l->param[j].name, a, l, cl->g[j], l->param[j].g, l->param[j].n);
		free(hdy);
		cudaFree(ddy);
		for (int k = 0; k < l->nin; k++) {
			free(hdx[k]);
			cudaFree(ddx[k]);
		}
	}
	for (int k = 0; k < l->nin; k++)
		cudaFree(dx[k]);
	if (!inplace)
		cudaFree(dy_out);
}

static void
one_network(cu_ctx *c, int a, int train)
{
	cu_layer cl[8];
	size_t most = 0;
	rng r;

	rng_seed(&r, 100 + a);
	nn_net *net = build(a, &r);
	if (!net || net->nlayer > 8)
		return;
	if (a == 7)
		net->layer[0].infer = 1;        /* a frozen batch norm: running statistics in training */
	nn_run run = { .n = BATCH - (a % 2), .train = train, .pool = net->pool, .seed = 77, .step = 5, .sample0 = 3 };
	for (int i = 0; i < net->nlayer; i++) {
		size_t wb = 0;
		set_params(&cl[i], &net->layer[i]);
		int rc = cu_layer_type(net->layer[i].ops->type)->setup(&cl[i], c, &wb);
		CHECK(rc == 0, "network %d: %s setup %s", a, net->layer[i].name, rc ? c->err : "");
		most = wb > most ? wb : most;
	}
	if (most > c->work_bytes) {
		cudaFree(c->work);
		c->work = NULL;
		cudaMalloc(&c->work, most);
		c->work_bytes = most;
	}
	for (int i = 0; i < net->nlayer; i++)
		one_layer(c, a, net, i, &cl[i], &run, &r);
	for (int i = 0; i < net->nlayer; i++) {
		cu_layer_type(net->layer[i].ops->type)->release(&cl[i], c);
		free_params(&cl[i]);
	}
	nn_free(net);
}

int
main(void)
{
	int ndev = 0;
	cu_ctx c = { .work_limit = (size_t)256 << 20, .precision = NN_PREC_FP32 };

	coverage();
	if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
		printf("test_gpu_layers: no CUDA device: skipped\n");
		return CHECK_DONE();
	}
	if (cudaStreamCreate(&c.stream) != cudaSuccess || cudnnCreate(&c.dnn) != CUDNN_STATUS_SUCCESS ||
	    cublasCreate(&c.blas) != CUBLAS_STATUS_SUCCESS) {
		CHECK(0, "CUDA, cuDNN and cuBLAS start");
		return CHECK_DONE();
	}
	for (int a = 0; a < (int)(sizeof archs / sizeof *archs); a++) {
		one_network(&c, a, 1);
		one_network(&c, a, 0);
	}
	c.precision = NN_PREC_TF32;
	tol_abs = tol_rel = TF32_TOL;
	prec = "tf32";
	for (int a = 0; a < (int)(sizeof archs / sizeof *archs); a++)
		one_network(&c, a, 1);
	cudaFree(c.work);
	cublasDestroy(c.blas);
	cudnnDestroy(c.dnn);
	cudaStreamDestroy(c.stream);
	return CHECK_DONE();
}
