/* Model records: a round trip keeps every weight and the classes; newer versions,
 * missing and misshapen tensors are refused with a message. */
#include <string.h>

#include "check.h"
#include "nn.h"
#include "nn_gemm.h"
#include "nn_model.h"

static const char *arch = "input 3x8x8 normalize=standardize\nconv2d 4 kernel=3\nbatchnorm\nrelu\n"
                          "globalavgpool\ndense 2\nsoftmax\n";

static nn_net *
make(nn_model_info *m, ts_record *rec)
{
	char err[256];
	nn_net *net = nn_build(arch, "t", 4, 1, err, sizeof err);
	static char *classes[] = { "cat", "dog" };

	nn_init_params(net, 11);
	net->layer[1].state[0] = 0.25f;         /* running mean of channel 0 */
	*m = (nn_model_info){ .classes = classes, .nclass = 2,
	                      .norm = { .method = NN_NORM_STANDARDIZE, .c = 3, .mean = { 0.1f, 0.2f, 0.3f },
	                                .std = { 0.5f, 0.25f, 0.125f } } };
	ts_record_init(rec);
	nn_model_put(rec, net, m);
	return net;
}

int
main(void)
{
	nn_model_info m, back;
	ts_record rec;
	char err[512];
	nn_net *net, *got;

	nn_gemm_init();
	net = make(&m, &rec);
	got = nn_model_get(&rec, "t.model", 4, 1, &back, err, sizeof err);
	CHECK(got != NULL, "a model record builds its network (%s)", got ? "" : err);
	if (got) {
		int same = got->nparams == net->nparams;
		for (int i = 0; same && i < net->nparams; i++)
			same = memcmp(got->params[i]->w, net->params[i]->w, net->params[i]->n * sizeof(float)) == 0;
		CHECK(same, "every weight survives the round trip");
		CHECK(got->layer[1].state[0] == 0.25f, "batch norm statistics survive");
		CHECK(back.nclass == 2 && strcmp(back.classes[1], "dog") == 0, "classes survive");
		CHECK(back.norm.method == NN_NORM_STANDARDIZE && back.norm.std[2] == 0.125f &&
		      back.norm.mean[1] == 0.2f, "normalisation survives");
		nn_model_info_free(&back);
		nn_free(got);
	}
	ts_set(&rec, "model_version", "2");
	got = nn_model_get(&rec, "t.model", 4, 1, &back, err, sizeof err);
	CHECK(!got && strstr(err, "t.model: model version 2 is not one this program reads"),
	      "a newer model version is refused: %s", err);
	ts_set(&rec, "model_version", "1");
	ts_tensor_remove(&rec, "dense_1.bias");
	got = nn_model_get(&rec, "t.model", 4, 1, &back, err, sizeof err);
	CHECK(!got && strstr(err, "no tensor 'dense_1.bias'"), "a missing tensor is named: %s", err);
	uint64_t d[1] = { 3 };
	float v[3] = { 0 };
	ts_tensor_put(&rec, "dense_1.bias", TS_F32, 1, d, v, sizeof v);
	got = nn_model_get(&rec, "t.model", 4, 1, &back, err, sizeof err);
	CHECK(!got && strstr(err, "dense_1.bias"), "a tensor of the wrong shape is named: %s", err);
	ts_set(&rec, "kind", "something");
	got = nn_model_get(&rec, "t.model", 4, 1, &back, err, sizeof err);
	CHECK(!got && strstr(err, "not a model file"), "a record of another kind is refused: %s", err);
	ts_record_free(&rec);
	nn_free(net);
	return CHECK_DONE();
}
