/*
 * For bench_peers.sh: the rate of a large single-precision GEMM through oneDNN (dnnl_sgemm,
 * which the engine links), the machine's reference for the networks' GFLOP/s: sgemm_rate N
 * times C = A B with N x N matrices, best of 10 after one untimed call, on the threads that
 * OMP_NUM_THREADS gives oneDNN.  Prints GFLOP/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2048;
	size_t sz = (size_t)n * (size_t)n;
	float *a = malloc(sz * sizeof *a), *b = malloc(sz * sizeof *b), *c = malloc(sz * sizeof *c);
	double best = 1e30;

	if (n < 1 || !a || !b || !c) {
		fprintf(stderr, "usage: sgemm_rate [N]\n");
		return 2;
	}
	for (size_t i = 0; i < sz; i++)
		a[i] = (float)rand() / (float)RAND_MAX, b[i] = (float)rand() / (float)RAND_MAX;
	for (int r = 0; r < 11; r++) {
		double t = now();
		if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n) != dnnl_success) {
			fprintf(stderr, "sgemm_rate: dnnl_sgemm failed\n");
			return 1;
		}
		t = now() - t;
		if (r > 0 && t < best)
			best = t;
	}
	printf("%.1f\n", 2.0 * n * n * n / best / 1e9);
	free(a), free(b), free(c);
	return 0;
}
