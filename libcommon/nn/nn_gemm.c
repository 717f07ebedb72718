/* GEMM through oneDNN's dnnl_sgemm: on this project's machines (AVX-512) its JIT kernels run
 * about twice as fast per thread as OpenBLAS's AVX2 kernels, which OpenBLAS is made to use
 * where it miscomputes with its own AVX-512 ones (bench/bench_cnn.sh prints both rates). */
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include "nn_gemm.h"

void
nn_sgemm(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
         const float *b, int ldb, float beta, float *c, int ldc)
{
	/* the engine's own threads split the work: each call runs on the calling thread alone
	 * (OpenMP keeps the thread count per thread, so each thread says so once) */
	static _Thread_local int single;

	if (m <= 0 || n <= 0)
		return;
	if (!single) {
		omp_set_num_threads(1);
		single = 1;
	}
	dnnl_sgemm(transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
