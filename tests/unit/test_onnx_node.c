/*
 * ONNX's own node tests (Debian's libonnx-testdata: a model, inputs and expected outputs per
 * operator and attribute combination) for the operators cnnconvert imports.  Inputs after the
 * first become initializers (the importer wants weights as constants); the first goes straight
 * into the network's input, without normalisation.  Every test the importer accepts must give
 * the expected output; the ones it refuses are counted and named (an operator or attribute the
 * engine cannot run), and at least MIN_PASS must pass.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onnx.pb-c.h>

#include "check.h"
#include "nn/nn.h"
#include "nn/nn_model.h"
#include "onnx/onnx.h"
#include "util/util.h"

#define NODE_DIR "/usr/share/libonnx-testdata/data/node"
#define MIN_PASS 38             /* what passes now (of 165 run): a floor against regressions */

static const char *const prefixes[] = {
	"test_add", "test_averagepool", "test_basic_conv", "test_batchnorm", "test_clip", "test_concat",
	"test_conv_", "test_convtranspose", "test_dropout", "test_flatten", "test_gemm", "test_globalaveragepool",
	"test_identity", "test_leakyrelu", "test_matmul_", "test_maxpool", "test_relu", "test_reshape",
	"test_resize", "test_sigmoid", "test_softmax", "test_sum", "test_training_dropout", "test_upsample",
};

static Onnx__TensorProto *
read_pb(const char *path)
{
	size_t len;
	unsigned char *buf = read_file(path, &len, (size_t)1 << 30);
	Onnx__TensorProto *t = buf ? onnx__tensor_proto__unpack(NULL, len, buf) : NULL;
	free(buf);
	return t;
}

static const float *
data(const Onnx__TensorProto *t, size_t *n)
{
	*n = 1;
	for (size_t i = 0; i < t->n_dims; i++)
		*n *= (size_t)t->dims[i];
	if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		return NULL;
	if (t->has_raw_data && t->raw_data.len == *n * sizeof(float))
		return (const float *)t->raw_data.data;
	return t->n_float_data == *n ? t->float_data : NULL;
}

/* The model with inputs 1.. of the data set as initializers, serialised again. */
static unsigned char *
with_constants(const char *dir, Onnx__ModelProto *m, size_t *len, Onnx__TensorProto **extra, int *nextra)
{
	Onnx__GraphProto *g = m->graph;
	char path[2048];
	size_t ninit = g->n_initializer;
	Onnx__TensorProto **init = xcalloc(ninit + g->n_input + 1, sizeof *init);

	if (ninit)
		memcpy(init, g->initializer, ninit * sizeof *init);
	*nextra = 0;
	for (size_t i = 1; i < g->n_input; i++) {
		snprintf(path, sizeof path, "%s/test_data_set_0/input_%zu.pb", dir, i);
		Onnx__TensorProto *t = read_pb(path);
		if (!t)
			continue;
		free(t->name);
		t->name = xstrdup(g->input[i]->name);
		init[ninit++] = extra[(*nextra)++] = t;
	}
	Onnx__TensorProto **keep = g->initializer;
	size_t nkeep = g->n_initializer;
	g->initializer = init;
	g->n_initializer = ninit;
	*len = protobuf_c_message_get_packed_size(&m->base);
	unsigned char *buf = xmalloc(*len);
	protobuf_c_message_pack(&m->base, buf);
	g->initializer = keep;
	g->n_initializer = nkeep;
	free(init);
	return buf;
}

/* 1 passed, 0 refused (why in err), -1 wrong output. */
static int
run_test(const char *dir, char *err, size_t errlen)
{
	char path[2048];
	size_t len, n = 0, nw = 0;
	int rc = 0, nextra = 0;

	snprintf(path, sizeof path, "%s/model.onnx", dir);
	unsigned char *buf = read_file(path, &len, (size_t)1 << 30);
	Onnx__ModelProto *m = buf ? onnx__model_proto__unpack(NULL, len, buf) : NULL;
	free(buf);
	if (!m || !m->graph || m->graph->n_input < 1) {
		snprintf(err, errlen, "cannot read the model");
		onnx__model_proto__free_unpacked(m, NULL);
		return 0;
	}
	Onnx__TensorProto *extra[16] = { 0 };
	if (m->graph->n_input > 16) {
		snprintf(err, errlen, "too many inputs");
		onnx__model_proto__free_unpacked(m, NULL);
		return 0;
	}
	buf = with_constants(dir, m, &len, extra, &nextra);
	snprintf(path, sizeof path, "%s/test_data_set_0/input_0.pb", dir);
	Onnx__TensorProto *x = read_pb(path);
	snprintf(path, sizeof path, "%s/test_data_set_0/output_0.pb", dir);
	Onnx__TensorProto *y = read_pb(path);
	ts_record rec;
	nn_model_info mi;
	onnx_import_opts o = { 0 };
	nn_net *net = NULL;
	const float *xv = x ? data(x, &n) : NULL, *yv = y ? data(y, &nw) : NULL;

	ts_record_init(&rec);
	if (!xv || !yv || x->n_dims < 2)
		snprintf(err, errlen, "input or output is not float of rank 2 or more");
	else if (onnx_import(buf, len, &o, &rec, err, errlen) != 0)
		;
	else if (!(net = nn_model_get(&rec, dir, (int)x->dims[0], 1, &mi, err, errlen)))
		;
	else if (n != (size_t)x->dims[0] * nn_shape_size(net->input) ||
	         nw != (size_t)x->dims[0] * nn_shape_size(nn_output_shape(net)))
		snprintf(err, errlen, "sizes: input %zu, output %zu values do not fit the network", n, nw);
	else {
		nn_run run = { .n = (int)x->dims[0] };
		memcpy(nn_input(net), xv, n * sizeof(float));
		const float *out = nn_forward(net, &run);
		double worst = 0;
		for (size_t i = 0; i < nw; i++) {
			double d = fabs((double)out[i] - yv[i]) / (1 + fabs(yv[i]));
			worst = d > worst ? d : worst;
		}
		rc = worst <= 1e-4 ? 1 : -1;
		snprintf(err, errlen, "worst relative difference %.3g", worst);
	}
	if (net) {
		nn_free(net);
		nn_model_info_free(&mi);
	}
	ts_record_free(&rec);
	for (int i = 0; i < nextra; i++)
		onnx__tensor_proto__free_unpacked(extra[i], NULL);
	onnx__tensor_proto__free_unpacked(x, NULL);
	onnx__tensor_proto__free_unpacked(y, NULL);
	onnx__model_proto__free_unpacked(m, NULL);
	free(buf);
	return rc;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	DIR *d = opendir(NODE_DIR);
	char *names[1024], err[512], path[1024];
	int nn = 0, pass = 0, refused = 0, wrong = 0;
	struct dirent *e;

	if (!d) {
		SKIP("onnx node tests: %s is missing (Debian's libonnx-testdata)", NODE_DIR);
		return 0;
	}
	while ((e = readdir(d)) && nn < 1024)
		for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++)
			if (strncmp(e->d_name, prefixes[k], strlen(prefixes[k])) == 0 && !strstr(e->d_name, "expanded")) {
				names[nn++] = xstrdup(e->d_name);
				break;
			}
	closedir(d);
	qsort(names, (size_t)nn, sizeof *names, cmp);
	for (int i = 0; i < nn; i++) {
		snprintf(path, sizeof path, "%s/%s", NODE_DIR, names[i]);
		int r = run_test(path, err, sizeof err);
		if (r > 0) {
			pass++;
			printf("# %s: passes (%s)\n", names[i], err);
		} else if (r == 0) {
			refused++;
			printf("# %s: refused: %s\n", names[i], err);
		} else {
			wrong++;
			CHECK(0, "%s: the imported network gives the expected output (%s)", names[i], err);
		}
		free(names[i]);
	}
	CHECK(wrong == 0, "onnx node tests of the imported operators: %d run, %d pass, %d refused, %d wrong",
	      nn, pass, refused, wrong);
	CHECK(pass >= MIN_PASS, "at least %d node tests pass (%d)", MIN_PASS, pass);
	return CHECK_DONE();
}
