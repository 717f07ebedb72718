/* GEMM through OpenBLAS's cblas_sgemm. */
#include <cblas.h>

#include "nn_gemm.h"

void
nn_gemm_init(void)
{
	openblas_set_num_threads(1);
}

void
nn_sgemm(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
         const float *b, int ldb, float beta, float *c, int ldc)
{
	if (m <= 0 || n <= 0)
		return;
	cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans, transb ? CblasTrans : CblasNoTrans,
	            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
