/* Model records: a round trip keeps every weight and the classes; newer versions,
 * missing and misshapen tensors are refused with a message.  Extra inputs: a features
 * layer's values from metadata, its standardisation kept in the model, its errors. */
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "nn/nn_features.h"
#include "nn/nn_model.h"

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

static void
features(void)
{
	static const char *fa = "input 1x4x4\nflatten name=img\nfeatures a b name=f\nconcat img f\ndense 2\nsoftmax\n";
	char err[256];
	nn_model_info m = { .nclass = 2, .norm = { .method = NN_NORM_SCALE, .c = 1 } }, back;
	static char *classes[] = { "x", "y" };
	nn_net *net = nn_build(fa, "f", 2, 1, err, sizeof err), *got;
	ts_record rec, model;
	float v[2];

	CHECK(net && net->nfeat == 2 && strcmp(net->feat_key[1], "b") == 0 && net->layer[1].out.c == 2 &&
	      net->layer[2].out.c == 18, "a features layer of two keys joins the image by concat (%s)", net ? "" : err);
	if (!net)
		return;
	nn_init_params(net, 3);
	ts_record_init(&rec);
	ts_set(&rec, "a", "12.5");
	ts_set(&rec, "b", "-3e-2");
	CHECK(nn_read_features(net, &rec, v, err, sizeof err) == 0 && v[0] == 12.5f && v[1] == -3e-2f,
	      "values are read from the metadata");
	ts_set(&rec, "b", "abc");
	CHECK(nn_read_features(net, &rec, v, err, sizeof err) != 0 && strcmp(err, "b=abc is not a finite number") == 0,
	      "a value that is no number is refused: %s", err);
	ts_set(&rec, "b", "1e400");
	CHECK(nn_read_features(net, &rec, v, err, sizeof err) != 0 && strstr(err, "not a finite"),
	      "a value out of float's range is refused: %s", err);
	ts_set(&rec, "b", "nan");
	CHECK(nn_read_features(net, &rec, v, err, sizeof err) != 0, "nan is refused");
	ts_record_free(&rec);
	ts_record_init(&rec);
	CHECK(nn_read_features(net, &rec, v, err, sizeof err) != 0 && strstr(err, "no a in the metadata"),
	      "a missing key is named: %s", err);
	ts_record_free(&rec);

	/* standardisation: (value - mean) / deviation, kept in the model */
	net->layer[1].state[0] = 10, net->layer[1].state[1] = 1;
	net->layer[1].state[2] = 2, net->layer[1].state[3] = 0.5f;
	memset(nn_input(net), 0, 16 * sizeof(float));
	nn_feature_input(net, 0)[0] = 14, nn_feature_input(net, 0)[1] = 2;
	nn_run run = { .n = 1 };
	nn_forward(net, &run);
	/* read where concat put them (after the 16 pixels): the features' own output buffer serves
	 * later layers once concat has run (the training plan of buffers, nn_net.c) */
	CHECK(net->act[3][16] == 2 && net->act[3][17] == 2, "the layer standardises (%g, %g)", net->act[3][16],
	      net->act[3][17]);
	m.classes = classes;
	ts_record_init(&model);
	nn_model_put(&model, net, &m);
	got = nn_model_get(&model, "f.model", 2, 1, &back, err, sizeof err);
	CHECK(got && got->layer[1].state[0] == 10 && got->layer[1].state[3] == 0.5f && got->nfeat == 2,
	      "the model keeps the features' statistics (%s)", got ? "" : err);
	if (got)
		nn_model_info_free(&back);
	nn_free(got);
	ts_record_free(&model);
	nn_free(net);

	static const struct { const char *arch, *want; } bad[] = {
		{ "input 1x4x4\nflatten\nfeatures\n", "features wants the metadata keys it reads" },
		{ "input 1x4x4\nflatten name=i\nfeatures a name=f\nfeatures b\n", "a network has one features layer" },
		{ "input 1x4x4\nflatten name=i\nfeatures a a\n", "'a' is named twice" },
		{ "input 1x4x4\nflatten name=i\nfeatures a from=i\n", "reads record metadata, not from=" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		net = nn_build(bad[i].arch, "b", 2, 1, err, sizeof err);
		CHECK(!net && strstr(err, bad[i].want), "refused: %s", err);
		nn_free(net);
	}
}

int
main(void)
{
	nn_model_info m, back;
	ts_record rec;
	char err[512];
	nn_net *net, *got;

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
	features();
	return CHECK_DONE();
}
