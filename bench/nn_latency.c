/*
 * For bench_peers.sh: the serving latency of a trained model, one image at a time, in the
 * process (no stream, no program start): nn_latency MODEL N THREADS.  Loads the model as
 * cnnpredict does (nn_model_read, nn_model_get, then nn_fold_for_inference unless NN_FOLD=0
 * and nn_share_activations) for batches of one, fills the input with
 * random prepared values (what normalisation leaves: 0..1), and times N forward passes of
 * one image after 5 untimed ones.  Prints the median and 99th percentile in milliseconds and
 * the peak RSS.  Reading, decoding and normalising the record are not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn/nn.h"
#include "nn/nn_fold.h"
#include "nn/nn_model.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One forward pass of one image; its wall time in seconds. */
static double
pass(nn_net *net)
{
	nn_run run = { .n = 1 };
	double t = now();

	nn_forward(net, &run);
	return now() - t;
}

int
main(int argc, char **argv)
{
	ts_record rec;
	nn_model_info mi;
	struct rusage ru;
	char err[1024];
	nn_net *net;
	double *t;
	float *x;
	int n, threads;

	if (argc != 4 || (n = atoi(argv[2])) < 1 || (threads = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: nn_latency MODEL N THREADS\n");
		return 2;
	}
	ts_record_init(&rec);
	memset(&mi, 0, sizeof mi);
	if (nn_model_read(argv[1], &rec, err, sizeof err) != 0 ||
	    (net = nn_model_get(&rec, argv[1], 1, threads, &mi, err, sizeof err)) == NULL) {
		fprintf(stderr, "nn_latency: %s\n", err);
		return 1;
	}
	nn_fold_for_inference(net);     /* as cnnpredict does (NN_FOLD=0: not) */
	nn_share_activations(net);
	x = nn_input(net);
	for (size_t i = 0; i < nn_shape_size(net->input); i++)
		x[i] = (float)rand() / (float)RAND_MAX;
	if (net->nfeat > 0)
		memset(nn_feature_input(net, 0), 0, (size_t)net->nfeat * sizeof(float));
	t = malloc((size_t)n * sizeof *t);
	if (t == NULL)
		return 1;
	for (int i = 0; i < 5; i++)
		pass(net);
	for (int i = 0; i < n; i++)
		t[i] = pass(net);
	qsort(t, (size_t)n, sizeof *t, cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("median_ms=%.4f p99_ms=%.4f peak_rss_mib=%.1f\n", 1e3 * t[n / 2],
	       1e3 * t[(size_t)(0.99 * (n - 1) + 0.5)], ru.ru_maxrss / 1024.0);
	free(t);
	nn_free(net);
	nn_model_info_free(&mi);
	ts_record_free(&rec);
	return 0;
}
