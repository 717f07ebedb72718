/* The engine's matrix products, behind one function so measurement can change the kernel. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

/* Row-major C = alpha * op(A) * op(B) + beta * C, op(A) M x K, op(B) K x N; single-threaded
 * (the engine's loops run on its own threads). */
void nn_sgemm(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

#endif
