/* Convolution geometry and the column matrix: row (c * kh + i) * kw + j, column oy * wo + ox
 * holds x[c][oy * sh - ph + i][ox * sw - pw + j] (0 outside the image). */
#ifndef NN_IM2COL_H
#define NN_IM2COL_H

typedef struct {
	int c, h, w;            /* the image the kernel slides over */
	int kh, kw, sh, sw, ph, pw;
	int ho, wo;             /* positions of the kernel */
} nn_conv_geom;

void nn_im2col(const nn_conv_geom *g, const float *x, float *col);
/* The same with row r of the matrix at col + r * ld (ld >= ho * wo), so several samples'
 * matrices can sit side by side. */
void nn_im2col_ld(const nn_conv_geom *g, const float *x, float *col, size_t ld);
/* Only the columns of output rows oy0 <= oy < oy1, the first of them at col's column 0. */
void nn_im2col_rows(const nn_conv_geom *g, const float *x, float *col, size_t ld, int oy0, int oy1);
/* The adjoint: dx (zeroed first) receives the sum of every column entry at its pixel. */
void nn_col2im(const nn_conv_geom *g, const float *col, float *dx);
/* conv2d builds its column matrices in bands of about this many bytes, so the GEMM reads
 * them from the cache (tests shrink it to cover many bands). */
extern size_t nn_conv_band_bytes;
/* A sum in eight fixed lanes (vectorises, repeats exactly). */
float nn_sum_floats(const float *v, int n);

#endif
