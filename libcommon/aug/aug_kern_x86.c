/*
 * The AVX2 and AVX-512 kernels of aug_kern.h, each function compiled for its instruction set
 * (target attributes: the rest of the build stays plain x86-64) and called only where the CPU
 * has it (aug_kern.c).  They compute exactly what the plain C ones do.
 *
 * inside3 takes 8 (AVX2) or 16 (AVX-512) pixels at a time in 32-bit lanes: for each pixel one
 * 64-bit gather of its top row (the bytes p .. p + 7, of which p .. p + 5 are the pixel and its
 * right neighbour) and one of its bottom row from two bytes before (q - 2 .. q + 5, so that no
 * read goes past the image's last byte; q - 2 is at least a row in).  Byte shuffles make 16-bit
 * pairs (p, p') of each channel, and pmaddwd with (256 - ax, ax) gives top and bottom in 32
 * bits, both in [0, 65280].  Packed to 16 bits less 32768 they pair again, and pmaddwd with
 * (256 - ay, ay) gives (256 - ay) top + ay bottom - 256 * 32768, from which the output byte
 * is (+ 256 * 32768 + 32768) >> 16, the plain formula exactly.  Offsets are 32-bit: images of
 * 2 GiB or more, or over 32767 pixels a side, take the plain loop.
 */
#include "aug_kern.h"
#include "aug_kern_loops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* 16.16 coordinates and byte offsets of the source fit in 32 bits (see above). */
static int
fits32(int sw, int sh)
{
	return sw <= 32767 && sh <= 32767 && (int64_t)sw * 3 * sh <= INT32_MAX - 64;
}

#define Z (-128)        /* pshufb: a zero byte */

/*
 * AVX2, 8 pixels 0..7.  The gathers put pixels (0, 1 | 4, 5) in one register, (2, 3 | 6, 7) in
 * another (| between the 128-bit lanes, which byte shuffles and packs do not cross), so that
 * after the packs each lane holds its four pixels' 12 bytes.
 */
__attribute__((target("avx2"))) static void
inside3_avx2(const unsigned char *src, int sw, int sh, int64_t fx, int64_t dx, int64_t fy, int64_t dy, int n,
             unsigned char *o)
{
	size_t stride = (size_t)sw * 3;
	int i = 0;

	if (n >= 8 && fits32(sw, sh)) {
		/* for channel k: from top qwords, dword 0 = (p_k, p_k+3) of the lane's first pixel,
		 * dword 2 of its second; from bottom qwords (2 bytes in), dwords 1 and 3 */
#define TOPK(k) k, Z, k + 3, Z, Z, Z, Z, Z, 8 + k, Z, 11 + k, Z, Z, Z, Z, Z
#define BOTK(k) Z, Z, Z, Z, k + 2, Z, k + 5, Z, Z, Z, Z, Z, 10 + k, Z, 13 + k, Z
		const __m256i mt0 = _mm256_setr_epi8(TOPK(0), TOPK(0)), mb0 = _mm256_setr_epi8(BOTK(0), BOTK(0));
		const __m256i mt1 = _mm256_setr_epi8(TOPK(1), TOPK(1)), mb1 = _mm256_setr_epi8(BOTK(1), BOTK(1));
		const __m256i mt2 = _mm256_setr_epi8(TOPK(2), TOPK(2)), mb2 = _mm256_setr_epi8(BOTK(2), BOTK(2));
#undef TOPK
#undef BOTK
		/* the lane's bytes c0p0 c0p1 c1p0 c1p1 c0p2 c0p3 c1p2 c1p3 c2p0 c2p1 c2p2 c2p3 in RGB order */
#define RGB 0, 2, 8, 1, 3, 9, 4, 6, 10, 5, 7, 11, Z, Z, Z, Z
		const __m256i rgb = _mm256_setr_epi8(RGB, RGB);
#undef RGB
		const __m256i gorder = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
		const __m256i w1lo = _mm256_setr_epi32(0, 0, 1, 1, 4, 4, 5, 5), w1hi = _mm256_setr_epi32(2, 2, 3, 3, 6, 6, 7, 7);
		const __m256i w2lo = _mm256_setr_epi32(0, 1, 0, 1, 4, 5, 4, 5), w2hi = _mm256_setr_epi32(2, 3, 2, 3, 6, 7, 6, 7);
		const __m256i pack = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
		const __m256i b255 = _mm256_set1_epi32(255), k256 = _mm256_set1_epi32(256);
		const __m256i flip = _mm256_set1_epi16(-32768), round = _mm256_set1_epi32(256 * 32768 + 32768);
		const __m256i vstride = _mm256_set1_epi32((int)stride), down = _mm256_set1_epi32((int)stride - 2);
		const __m256i stepx = _mm256_set1_epi32((int)(uint32_t)(8 * dx)), stepy = _mm256_set1_epi32((int)(uint32_t)(8 * dy));
		__m256i vx = _mm256_setr_epi32((int)(uint32_t)fx, (int)(uint32_t)(fx + dx), (int)(uint32_t)(fx + 2 * dx),
		                               (int)(uint32_t)(fx + 3 * dx), (int)(uint32_t)(fx + 4 * dx),
		                               (int)(uint32_t)(fx + 5 * dx), (int)(uint32_t)(fx + 6 * dx),
		                               (int)(uint32_t)(fx + 7 * dx));
		__m256i vy = _mm256_setr_epi32((int)(uint32_t)fy, (int)(uint32_t)(fy + dy), (int)(uint32_t)(fy + 2 * dy),
		                               (int)(uint32_t)(fy + 3 * dy), (int)(uint32_t)(fy + 4 * dy),
		                               (int)(uint32_t)(fy + 5 * dy), (int)(uint32_t)(fy + 6 * dy),
		                               (int)(uint32_t)(fy + 7 * dy));
		const long long *base = (const long long *)(const void *)src;

		for (; i + 8 <= n; i += 8, o += 24) {
			__m256i ix = _mm256_srai_epi32(vx, 16), iy = _mm256_srai_epi32(vy, 16);
			__m256i ax = _mm256_and_si256(_mm256_srli_epi32(vx, 8), b255);
			__m256i ay = _mm256_and_si256(_mm256_srli_epi32(vy, 8), b255);
			__m256i off = _mm256_add_epi32(_mm256_mullo_epi32(iy, vstride),
			                               _mm256_add_epi32(ix, _mm256_add_epi32(ix, ix)));
			__m256i ot = _mm256_permutevar8x32_epi32(off, gorder), ob = _mm256_add_epi32(ot, down);
			__m256i tlo = _mm256_i32gather_epi64(base, _mm256_castsi256_si128(ot), 1);
			__m256i thi = _mm256_i32gather_epi64(base, _mm256_extracti128_si256(ot, 1), 1);
			__m256i blo = _mm256_i32gather_epi64(base, _mm256_castsi256_si128(ob), 1);
			__m256i bhi = _mm256_i32gather_epi64(base, _mm256_extracti128_si256(ob, 1), 1);
			/* (256 - a, a) as two 16-bit words */
			__m256i w1 = _mm256_add_epi32(_mm256_sub_epi32(_mm256_slli_epi32(ax, 16), ax), k256);
			__m256i w2 = _mm256_add_epi32(_mm256_sub_epi32(_mm256_slli_epi32(ay, 16), ay), k256);
			__m256i wlo = _mm256_permutevar8x32_epi32(w1, w1lo), whi = _mm256_permutevar8x32_epi32(w1, w1hi);
			/* top and bottom of each channel, 32 bits */
#define H(t, b, mt, mb, w) \
	_mm256_madd_epi16(_mm256_or_si256(_mm256_shuffle_epi8(t, mt), _mm256_shuffle_epi8(b, mb)), w)
			__m256i h0lo = H(tlo, blo, mt0, mb0, wlo), h1lo = H(tlo, blo, mt1, mb1, wlo);
			__m256i h2lo = H(tlo, blo, mt2, mb2, wlo), h0hi = H(thi, bhi, mt0, mb0, whi);
			__m256i h1hi = H(thi, bhi, mt1, mb1, whi), h2hi = H(thi, bhi, mt2, mb2, whi);
#undef H
#define V(a, b, w) \
	_mm256_srli_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_xor_si256(_mm256_packus_epi32(a, b), flip), w), \
	                                   round), 16)
			__m256i r01lo = V(h0lo, h1lo, _mm256_permutevar8x32_epi32(w2, w2lo));
			__m256i r01hi = V(h0hi, h1hi, _mm256_permutevar8x32_epi32(w2, w2hi));
			__m256i r2 = V(h2lo, h2hi, w2);
#undef V
			__m256i b = _mm256_packus_epi16(_mm256_packus_epi32(r01lo, r01hi), _mm256_packus_epi32(r2, r2));
			b = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(b, rgb), pack);
			_mm_storeu_si128((__m128i *)(void *)o, _mm256_castsi256_si128(b));
			_mm_storel_epi64((__m128i *)(void *)(o + 16), _mm256_extracti128_si256(b, 1));
			vx = _mm256_add_epi32(vx, stepx);
			vy = _mm256_add_epi32(vy, stepy);
		}
	}
	aug_kern_c.inside3(src, sw, sh, fx + i * dx, dx, fy + i * dy, dy, n - i, o);
}

/* noise: the plain loop of aug_kern_loops.h, vectorised by the compiler for ISA. */
#define LOOPS(isa, suffix) \
	__attribute__((target(isa))) static void \
	noise_##suffix(unsigned char *px, size_t n, uint32_t first, uint32_t k0, uint32_t k1, float sigma, \
	               const float *table) \
	{ \
		aug_noise_loop(px, n, first, k0, k1, sigma, table); \
	} \
	__attribute__((target(isa))) static uint64_t \
	lumasum3_##suffix(const unsigned char *src, size_t n) \
	{ \
		return aug_lumasum3_loop(src, n); \
	}

/*
 * blur, AVX2: 32 values at a time in four registers over all the taps (a multiply, then an
 * add: the plain loops' operations in their order), the tail by the plain formula.  Rounding:
 * for x in [0.5, 255], x + 0.5f rounded to float truncates to floor(x + 0.5) (the rounding can
 * reach an integer only from exactly half an ulp below it, which x + 0.5 is not when it crosses
 * no power of 2 below the integer); below 0.5 the answer is 0.
 */
__attribute__((target("avx2"))) static void
blur_h_avx2(const unsigned char *src, int w, int c, const float *k, int rad, float *pad, float *out)
{
	size_t row = (size_t)w * (size_t)c, cz = (size_t)c, ntap = 2 * (size_t)rad + 1, j = 0;

	aug_blur_pad(src, w, c, rad, pad);
	for (; j + 32 <= row; j += 32) {
		const float *p = pad + j;
		__m256 kt = _mm256_broadcast_ss(k);
		__m256 a0 = _mm256_mul_ps(kt, _mm256_loadu_ps(p)), a1 = _mm256_mul_ps(kt, _mm256_loadu_ps(p + 8));
		__m256 a2 = _mm256_mul_ps(kt, _mm256_loadu_ps(p + 16)), a3 = _mm256_mul_ps(kt, _mm256_loadu_ps(p + 24));
		for (size_t t = 1; t < ntap; t++) {
			p += cz;
			kt = _mm256_broadcast_ss(k + t);
			a0 = _mm256_add_ps(a0, _mm256_mul_ps(kt, _mm256_loadu_ps(p)));
			a1 = _mm256_add_ps(a1, _mm256_mul_ps(kt, _mm256_loadu_ps(p + 8)));
			a2 = _mm256_add_ps(a2, _mm256_mul_ps(kt, _mm256_loadu_ps(p + 16)));
			a3 = _mm256_add_ps(a3, _mm256_mul_ps(kt, _mm256_loadu_ps(p + 24)));
		}
		_mm256_storeu_ps(out + j, a0);
		_mm256_storeu_ps(out + j + 8, a1);
		_mm256_storeu_ps(out + j + 16, a2);
		_mm256_storeu_ps(out + j + 24, a3);
	}
	for (; j < row; j++) {
		float v = k[0] * pad[j];
		for (size_t t = 1; t < ntap; t++)
			v += k[t] * pad[j + t * cz];
		out[j] = v;
	}
}

__attribute__((target("avx2"))) static inline __m256i
round8_avx2(__m256 v)
{
	__m256 x = _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(255));
	__m256 low = _mm256_cmp_ps(x, _mm256_set1_ps(0.5f), _CMP_LT_OQ);

	return _mm256_cvttps_epi32(_mm256_andnot_ps(low, _mm256_add_ps(x, _mm256_set1_ps(0.5f))));
}

__attribute__((target("avx2"))) static void
blur_v_avx2(const float *const *rows, const float *k, int ntap, size_t n, float *acc, unsigned char *dst, int c,
            int cc)
{
	size_t i = 0;

	if (cc != c) {
		aug_blur_v_loop(rows, k, ntap, n, acc, dst, c, cc);
		return;
	}
	for (; i + 32 <= n; i += 32) {
		const float *p = rows[0] + i;
		__m256 kt = _mm256_broadcast_ss(k);
		__m256 a0 = _mm256_mul_ps(kt, _mm256_loadu_ps(p)), a1 = _mm256_mul_ps(kt, _mm256_loadu_ps(p + 8));
		__m256 a2 = _mm256_mul_ps(kt, _mm256_loadu_ps(p + 16)), a3 = _mm256_mul_ps(kt, _mm256_loadu_ps(p + 24));
		for (int t = 1; t < ntap; t++) {
			p = rows[t] + i;
			kt = _mm256_broadcast_ss(k + t);
			a0 = _mm256_add_ps(a0, _mm256_mul_ps(kt, _mm256_loadu_ps(p)));
			a1 = _mm256_add_ps(a1, _mm256_mul_ps(kt, _mm256_loadu_ps(p + 8)));
			a2 = _mm256_add_ps(a2, _mm256_mul_ps(kt, _mm256_loadu_ps(p + 16)));
			a3 = _mm256_add_ps(a3, _mm256_mul_ps(kt, _mm256_loadu_ps(p + 24)));
		}
		__m256i b = _mm256_packus_epi16(_mm256_packus_epi32(round8_avx2(a0), round8_avx2(a1)),
		                                _mm256_packus_epi32(round8_avx2(a2), round8_avx2(a3)));
		b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)(void *)(dst + i), b);
	}
	for (; i < n; i++) {
		float v = k[0] * rows[0][i];
		for (int t = 1; t < ntap; t++)
			v += k[t] * rows[t][i];
		dst[i] = aug_round_f(v);
	}
}

LOOPS("avx2", avx2)

/*
 * grayscale, AVX2: 8 pixels at a time in 32-bit lanes as hue3 spreads them; R and G as a 16-bit
 * pair, so that pmaddwd gives 19595 R + 5702 G, plus G << 15 (38470 = 32768 + 5702, which
 * does not fit a signed 16-bit weight), plus 7471 B: aug_luma's sum exactly.  Stores of 16 + 8
 * bytes: dst may be src.
 */
__attribute__((target("avx2"))) static void
gray3_avx2(const unsigned char *src, unsigned char *dst, size_t n)
{
	const __m256i spread = _mm256_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0);
#define RG 0, Z, 1, Z, 3, Z, 4, Z, 6, Z, 7, Z, 9, Z, 10, Z
#define BB 2, Z, Z, Z, 5, Z, Z, Z, 8, Z, Z, Z, 11, Z, Z, Z
#define YYY 2, 2, 2, 6, 6, 6, 10, 10, 10, 14, 14, 14, Z, Z, Z, Z
	const __m256i mrg = _mm256_setr_epi8(RG, RG), mb = _mm256_setr_epi8(BB, BB), my = _mm256_setr_epi8(YYY, YYY);
#undef RG
#undef BB
#undef YYY
	const __m256i w1 = _mm256_set1_epi32(19595 | 5702 << 16), w2 = _mm256_set1_epi32(7471);
	const __m256i round = _mm256_set1_epi32(32768), gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
	size_t i = 0;

	for (; 3 * i + 32 <= 3 * n; i += 8) {
		__m256i v = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(src + 3 * i)), spread);
		__m256i rg = _mm256_shuffle_epi8(v, mrg), b = _mm256_shuffle_epi8(v, mb);
		__m256i y = _mm256_add_epi32(_mm256_madd_epi16(rg, w1), _mm256_slli_epi32(_mm256_srli_epi32(rg, 16), 15));
		y = _mm256_add_epi32(_mm256_add_epi32(y, _mm256_madd_epi16(b, w2)), round);
		/* the luma is byte 2 of each lane: three copies of it, 12 bytes a 128-bit lane */
		__m256i o = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(y, my), gather);
		_mm_storeu_si128((__m128i *)(void *)(dst + 3 * i), _mm256_castsi256_si128(o));
		_mm_storel_epi64((__m128i *)(void *)(dst + 3 * i + 16), _mm256_extracti128_si256(o, 1));
	}
	aug_gray3_loop(src + 3 * i, dst + 3 * i, n - i);
}

/*
 * hue, AVX2: 8 pixels at a time in 32-bit lanes (4 a 128-bit lane: a dword permute, then
 * pshufb), aug_hue_px's operations in its order; its 0/1 products become blends, which give
 * the same values (a product by 1 plus products by 0 is the value).  Stores of 16 + 8 bytes,
 * never past the 8 pixels: dst may be src.
 */
__attribute__((target("avx2"))) static void
hue3_avx2(const unsigned char *src, unsigned char *dst, size_t n, float s6)
{
	const __m256i spread = _mm256_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0);
#define CH(k) k, Z, Z, Z, k + 3, Z, Z, Z, k + 6, Z, Z, Z, k + 9, Z, Z, Z
	const __m256i mr = _mm256_setr_epi8(CH(0), CH(0)), mg = _mm256_setr_epi8(CH(1), CH(1));
	const __m256i mb = _mm256_setr_epi8(CH(2), CH(2));
#undef CH
#define PK 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z
	const __m256i pk = _mm256_setr_epi8(PK, PK), gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
#undef PK
	const __m256 vs6 = _mm256_set1_ps(s6), six = _mm256_set1_ps(6.0f), two = _mm256_set1_ps(2.0f);
	const __m256 three = _mm256_set1_ps(3.0f), four = _mm256_set1_ps(4.0f), five = _mm256_set1_ps(5.0f);
	const __m256 zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f);
	size_t i = 0;

	for (; 3 * i + 32 <= 3 * n; i += 8) {
		__m256i v = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(src + 3 * i)), spread);
		__m256i r = _mm256_shuffle_epi8(v, mr), g = _mm256_shuffle_epi8(v, mg), b = _mm256_shuffle_epi8(v, mb);
		__m256i mx = _mm256_max_epi32(_mm256_max_epi32(r, g), b), mn = _mm256_min_epi32(_mm256_min_epi32(r, g), b);
		__m256i d = _mm256_sub_epi32(mx, mn), d2 = _mm256_add_epi32(d, d);
		__m256i isr = _mm256_cmpeq_epi32(mx, r), isg = _mm256_andnot_si256(isr, _mm256_cmpeq_epi32(mx, g));
		__m256i xr = _mm256_sub_epi32(g, b), xg = _mm256_add_epi32(_mm256_sub_epi32(b, r), d2);
		__m256i xb = _mm256_add_epi32(_mm256_sub_epi32(r, g), _mm256_add_epi32(d2, d2));
		__m256i x = _mm256_blendv_epi8(_mm256_blendv_epi8(xb, xg, isg), xr, isr);
		__m256 fd = _mm256_cvtepi32_ps(d), d6 = _mm256_mul_ps(six, fd);
		__m256 hd = _mm256_add_ps(_mm256_cvtepi32_ps(x), _mm256_mul_ps(vs6, fd));
		hd = _mm256_add_ps(hd, _mm256_and_ps(d6, _mm256_cmp_ps(hd, zero, _CMP_LT_OQ)));
		hd = _mm256_sub_ps(hd, _mm256_and_ps(d6, _mm256_cmp_ps(hd, d6, _CMP_GE_OQ)));
		/* sec: minus the sum of the all-ones masks */
		__m256i sec = _mm256_castps_si256(_mm256_cmp_ps(hd, fd, _CMP_GE_OQ));
		sec = _mm256_add_epi32(sec, _mm256_castps_si256(_mm256_cmp_ps(hd, _mm256_mul_ps(two, fd), _CMP_GE_OQ)));
		sec = _mm256_add_epi32(sec, _mm256_castps_si256(_mm256_cmp_ps(hd, _mm256_mul_ps(three, fd), _CMP_GE_OQ)));
		sec = _mm256_add_epi32(sec, _mm256_castps_si256(_mm256_cmp_ps(hd, _mm256_mul_ps(four, fd), _CMP_GE_OQ)));
		sec = _mm256_add_epi32(sec, _mm256_castps_si256(_mm256_cmp_ps(hd, _mm256_mul_ps(five, fd), _CMP_GE_OQ)));
		sec = _mm256_sub_epi32(_mm256_setzero_si256(), sec);
		__m256 f = _mm256_sub_ps(hd, _mm256_mul_ps(_mm256_cvtepi32_ps(sec), fd));
		__m256 fmx = _mm256_cvtepi32_ps(mx), fmn = _mm256_cvtepi32_ps(mn);
		__m256 rise = _mm256_add_ps(fmn, f), fall = _mm256_sub_ps(fmx, f);
		__m256 k0 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(sec, _mm256_setzero_si256()));
		__m256 k1 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(sec, _mm256_set1_epi32(1)));
		__m256 k2 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(sec, _mm256_set1_epi32(2)));
		__m256 k3 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(sec, _mm256_set1_epi32(3)));
		__m256 k4 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(sec, _mm256_set1_epi32(4)));
		__m256 k5 = _mm256_castsi256_ps(_mm256_cmpeq_epi32(sec, _mm256_set1_epi32(5)));
		/* r: mx in sectors 0 and 5, fall in 1, rise in 4, mn in 2 and 3; g and b likewise */
		__m256 ro = _mm256_blendv_ps(_mm256_blendv_ps(_mm256_blendv_ps(fmn, rise, k4), fall, k1), fmx,
		                             _mm256_or_ps(k0, k5));
		__m256 go = _mm256_blendv_ps(_mm256_blendv_ps(_mm256_blendv_ps(fmn, fall, k3), rise, k0), fmx,
		                             _mm256_or_ps(k1, k2));
		__m256 bo = _mm256_blendv_ps(_mm256_blendv_ps(_mm256_blendv_ps(fmn, fall, k5), rise, k2), fmx,
		                             _mm256_or_ps(k3, k4));
		__m256i o = _mm256_cvttps_epi32(_mm256_add_ps(ro, half));
		o = _mm256_or_si256(o, _mm256_slli_epi32(_mm256_cvttps_epi32(_mm256_add_ps(go, half)), 8));
		o = _mm256_or_si256(o, _mm256_slli_epi32(_mm256_cvttps_epi32(_mm256_add_ps(bo, half)), 16));
		o = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(o, pk), gather);
		_mm_storeu_si128((__m128i *)(void *)(dst + 3 * i), _mm256_castsi256_si128(o));
		_mm_storel_epi64((__m128i *)(void *)(dst + 3 * i + 16), _mm256_extracti128_si256(o, 1));
	}
	for (; i < n; i++)
		aug_hue_px(src[3 * i], src[3 * i + 1], src[3 * i + 2], s6, dst + 3 * i);
}

/* AVX2: a 256-entry table as 16 pshufb tables of 16, chosen by the high nibble bit by bit. */
__attribute__((target("avx2"))) static void
lut_avx2(const unsigned char lut[256], const unsigned char *src, unsigned char *dst, size_t n)
{
	size_t i = 0;

	if (n >= 32) {
		__m256i t[16];
		const __m256i lo = _mm256_set1_epi8(15);
		for (int h = 0; h < 16; h++)
			t[h] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(lut + 16 * h)));
		for (; i + 32 <= n; i += 32) {
			__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(src + i)), v[8];
			__m256i l = _mm256_and_si256(x, lo), s4 = _mm256_slli_epi16(x, 3);
			__m256i s5 = _mm256_slli_epi16(x, 2), s6 = _mm256_slli_epi16(x, 1);
			for (int h = 0; h < 8; h++)     /* by bit 4 */
				v[h] = _mm256_blendv_epi8(_mm256_shuffle_epi8(t[2 * h], l), _mm256_shuffle_epi8(t[2 * h + 1], l), s4);
			for (int h = 0; h < 4; h++)     /* bit 5 */
				v[h] = _mm256_blendv_epi8(v[2 * h], v[2 * h + 1], s5);
			for (int h = 0; h < 2; h++)     /* bit 6 */
				v[h] = _mm256_blendv_epi8(v[2 * h], v[2 * h + 1], s6);
			_mm256_storeu_si256((__m256i *)(void *)(dst + i), _mm256_blendv_epi8(v[0], v[1], x));
		}
	}
	for (; i < n; i++)
		dst[i] = lut[src[i]];
}

/* AVX2 (SSSE3 in fact): five pixels a pshufb, from 16 bytes that start a byte before them (so no
 * read passes the row's end), walking src forwards (dst backwards: the source, in memory, is
 * read in the order the prefetchers like best).  Each store's first byte is garbage that the
 * next store (or the plain tail) overwrites; dst's last pixel comes first, by the plain loop, so
 * that no read reaches before src. */
__attribute__((target("avx2"))) static void
flip3_avx2(const unsigned char *restrict src, unsigned char *restrict dst, size_t n)
{
	const __m128i rev = _mm_setr_epi8(Z, 13, 14, 15, 10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3);
	size_t hi = n;          /* dst's pixels from hi on are done */

	if (n < 7) {
		aug_kern_c.flip3(src, dst, n);
		return;
	}
	aug_kern_c.flip3(src, dst + 3 * (n - 1), 1);
	for (hi = n - 1; hi >= 6; hi -= 5) {
		size_t i = hi - 5;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + 3 * (n - i - 5) - 1));
		_mm_storeu_si128((__m128i *)(void *)(dst + 3 * i - 1), _mm_shuffle_epi8(v, rev));
	}
	aug_kern_c.flip3(src + 3 * (n - hi), dst, hi);        /* src's last hi pixels */
}

/*
 * resized-crop's horizontal pass, AVX2: 8 output values of a pair at a time.  Where the taps of
 * each 4 lie within 16 bytes of the row (gbase), those bytes in each 128-bit lane and one byte
 * shuffle (gmask) make the 16-bit pairs (row[off], row[off + 3]); else a gather of the dwords
 * at row + off (bytes off .. off + 3, in the row) and a fixed shuffle.  pmaddwd with the weight
 * pairs: the plain loop's integer sums.  When one window serves each group of 8 (t->one, as
 * enlarging), one 16-byte load broadcast to both lanes; else a load a lane.
 */
__attribute__((target("avx2"), always_inline)) static inline void
hpair_loop_avx2(const unsigned char *row, const struct aug_hpair *t, uint16_t *o, int one)
{
	const __m256i pairs = _mm256_setr_epi8(0, Z, 3, Z, 4, Z, 7, Z, 8, Z, 11, Z, 12, Z, 15, Z,
	                                       0, Z, 3, Z, 4, Z, 7, Z, 8, Z, 11, Z, 12, Z, 15, Z);
	const __m256i half = _mm256_set1_epi32(1 << 6);
	const int *base = (const int *)(const void *)row;
	size_t len = t->len;

	for (size_t j = 0; j < len; j += 8) {
		__m256i acc = half;
		for (int p = 0; p < t->npair; p++) {
			size_t at = (size_t)p * len + j;
			int32_t g0 = t->gbase[at / 4], g1 = t->gbase[at / 4 + 1];
			__m256i v;
			if (g0 >= 0) {
				__m256i b = one ? _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(row + g0)))
				                : _mm256_loadu2_m128i((const __m128i *)(const void *)(row + g1),
				                                      (const __m128i *)(const void *)(row + g0));
				v = _mm256_shuffle_epi8(b, _mm256_loadu_si256((const __m256i *)(const void *)(t->gmask + 4 * at)));
			} else {
				__m256i g = _mm256_i32gather_epi32(base, _mm256_loadu_si256((const __m256i *)(const void *)(t->off + at)), 1);
				v = _mm256_shuffle_epi8(g, pairs);
			}
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(v, _mm256_loadu_si256((const __m256i *)(const void *)(t->wp + at))));
		}
		acc = _mm256_srli_epi32(acc, 7);
		acc = _mm256_permute4x64_epi64(_mm256_packus_epi32(acc, acc), 0x08);
		_mm_storeu_si128((__m128i *)(void *)(o + j), _mm256_castsi256_si128(acc));
	}
}

__attribute__((target("avx2"))) static void
hpair_avx2(const unsigned char *row, const struct aug_hpair *t, uint16_t *o)
{
	if (t->one)
		hpair_loop_avx2(row, t, o, 1);         /* the broadcasts */
	else
		hpair_loop_avx2(row, t, o, 0);
}

/*
 * resized-crop's vertical pass, AVX2: 16 values at a time in registers over all the rows, two
 * rows a pmaddwd (their values interleaved as 16-bit pairs, both below 2^15; the weights too):
 * the plain loop's integer sums; packs with unsigned saturation clamp to 255.  The tail (under
 * 16 values) by the plain loop.
 */
__attribute__((target("avx2"))) static void
vsum16_avx2(const uint16_t *r0, size_t stride, const int32_t *w, int n, size_t len, unsigned char *out)
{
	const __m256i half = _mm256_set1_epi32(1 << 20), zero = _mm256_setzero_si256();
	size_t j = 0;

	for (; j + 16 <= len; j += 16) {
		__m256i lo = half, hi = half;
		for (int t = 0; t < n; t += 2) {
			const uint16_t *p = r0 + (size_t)t * stride + j;
			__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
			__m256i b = t + 1 < n ? _mm256_loadu_si256((const __m256i *)(const void *)(p + stride)) : zero;
			__m256i wt = _mm256_set1_epi32((int)((uint32_t)w[t] | (t + 1 < n ? (uint32_t)w[t + 1] : 0) << 16));
			lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), wt));
			hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), wt));
		}
		__m256i v = _mm256_packus_epi32(_mm256_srai_epi32(lo, 21), _mm256_srai_epi32(hi, 21));
		v = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08);
		_mm_storeu_si128((__m128i *)(void *)(out + j), _mm256_castsi256_si128(v));
	}
	if (j < len)
		aug_vsum16_loop(r0 + j, stride, w, n, len - j, out + j);
}

static const struct aug_kernels avx2 = { "avx2", inside3_avx2, lut_avx2, flip3_avx2, blur_h_avx2, blur_v_avx2,
					noise_avx2, gray3_avx2, lumasum3_avx2, hue3_avx2, vsum16_avx2, hpair_avx2 };

#define AVX512 "avx512f,avx512bw,avx512vl,avx512vbmi"

/*
 * AVX-512, 16 pixels 0..15: gathers of pixels (0, 1 | 4, 5 | 8, 9 | 12, 13) and (2, 3 | 6, 7 |
 * 10, 11 | 14, 15), so that each 128-bit lane ends with four pixels' bytes, which one vpermb
 * puts in order.  The last pixels of a run take masked stores, their gathers offset 0.
 */
__attribute__((target(AVX512))) static void
inside3_avx512(const unsigned char *src, int sw, int sh, int64_t fx, int64_t dx, int64_t fy, int64_t dy, int n,
               unsigned char *o)
{
	size_t stride = (size_t)sw * 3;

	if (n < 4 || !fits32(sw, sh)) {
		aug_kern_c.inside3(src, sw, sh, fx, dx, fy, dy, n, o);
		return;
	}
	/* qword i of a channel's pairs: (p_k, p_k+3) from top qword i, (q_k, q_k+3) from bottom
	 * qword i two bytes in (bytes 64.. of the two-register table); the odd bytes are zeroed */
#define PK(k, i) 8 * i + k, 0, 8 * i + k + 3, 0, 64 + 8 * i + k + 2, 0, 64 + 8 * i + k + 5, 0
#define PAIRS(k) { PK(k, 0), PK(k, 1), PK(k, 2), PK(k, 3), PK(k, 4), PK(k, 5), PK(k, 6), PK(k, 7) }
	static const unsigned char pairs[3][64] = { PAIRS(0), PAIRS(1), PAIRS(2) };
#undef PK
#undef PAIRS
	const __m512i p0 = _mm512_loadu_si512(pairs[0]), p1 = _mm512_loadu_si512(pairs[1]);
	const __m512i p2 = _mm512_loadu_si512(pairs[2]);
	const __mmask64 even = 0x5555555555555555ull;
	/* lane L's bytes c0p0 c0p1 c1p0 c1p1 c0p2 c0p3 c1p2 c1p3 c2p0 c2p1 c2p2 c2p3 (pixels 4L..) */
	static const unsigned char rgbidx[64] = {
		0, 2, 8, 1, 3, 9, 4, 6, 10, 5, 7, 11,
		16, 18, 24, 17, 19, 25, 20, 22, 26, 21, 23, 27,
		32, 34, 40, 33, 35, 41, 36, 38, 42, 37, 39, 43,
		48, 50, 56, 49, 51, 57, 52, 54, 58, 53, 55, 59,
	};
	const __m512i rgb = _mm512_loadu_si512(rgbidx);
	const __m512i gorder = _mm512_setr_epi32(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
	const __m512i w1lo = _mm512_setr_epi32(0, 0, 1, 1, 4, 4, 5, 5, 8, 8, 9, 9, 12, 12, 13, 13);
	const __m512i w1hi = _mm512_setr_epi32(2, 2, 3, 3, 6, 6, 7, 7, 10, 10, 11, 11, 14, 14, 15, 15);
	const __m512i w2lo = _mm512_setr_epi32(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13);
	const __m512i w2hi = _mm512_setr_epi32(2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15);
	const __m512i b255 = _mm512_set1_epi32(255), k256 = _mm512_set1_epi32(256);
	const __m512i flip = _mm512_set1_epi16(-32768), round = _mm512_set1_epi32(256 * 32768 + 32768);
	const __m512i vstride = _mm512_set1_epi32((int)stride), down = _mm512_set1_epi32((int)stride - 2);
	const __m512i stepx = _mm512_set1_epi32((int)(uint32_t)(16 * dx)), stepy = _mm512_set1_epi32((int)(uint32_t)(16 * dy));
	const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m512i vx = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)fx),
	                              _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)(uint32_t)dx)));
	__m512i vy = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)fy),
	                              _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)(uint32_t)dy)));

	for (int i = 0; i < n; i += 16, o += 48) {
		int m = n - i < 16 ? n - i : 16;
		__mmask16 valid = (__mmask16)((1u << m) - 1);
		__m512i ix = _mm512_srai_epi32(vx, 16), iy = _mm512_srai_epi32(vy, 16);
		__m512i ax = _mm512_and_si512(_mm512_srli_epi32(vx, 8), b255);
		__m512i ay = _mm512_and_si512(_mm512_srli_epi32(vy, 8), b255);
		__m512i off = _mm512_maskz_add_epi32(valid, _mm512_mullo_epi32(iy, vstride),
		                                     _mm512_add_epi32(ix, _mm512_add_epi32(ix, ix)));
		/* off 0 past the run: reads the image's first bytes, which are there */
		__m512i ot = _mm512_permutexvar_epi32(gorder, off), ob = _mm512_add_epi32(ot, down);
		__m512i tlo = _mm512_i32gather_epi64(_mm512_castsi512_si256(ot), src, 1);
		__m512i thi = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(ot, 1), src, 1);
		__m512i blo = _mm512_i32gather_epi64(_mm512_castsi512_si256(ob), src, 1);
		__m512i bhi = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(ob, 1), src, 1);
		__m512i w1 = _mm512_add_epi32(_mm512_sub_epi32(_mm512_slli_epi32(ax, 16), ax), k256);
		__m512i w2 = _mm512_add_epi32(_mm512_sub_epi32(_mm512_slli_epi32(ay, 16), ay), k256);
		__m512i wlo = _mm512_permutexvar_epi32(w1lo, w1), whi = _mm512_permutexvar_epi32(w1hi, w1);
#define H(t, b, p, w) _mm512_madd_epi16(_mm512_maskz_permutex2var_epi8(even, t, p, b), w)
		__m512i h0lo = H(tlo, blo, p0, wlo), h1lo = H(tlo, blo, p1, wlo), h2lo = H(tlo, blo, p2, wlo);
		__m512i h0hi = H(thi, bhi, p0, whi), h1hi = H(thi, bhi, p1, whi), h2hi = H(thi, bhi, p2, whi);
#undef H
#define V(a, b, w) \
	_mm512_srli_epi32(_mm512_add_epi32(_mm512_madd_epi16(_mm512_xor_si512(_mm512_packus_epi32(a, b), flip), w), \
	                                   round), 16)
		__m512i r01lo = V(h0lo, h1lo, _mm512_permutexvar_epi32(w2lo, w2));
		__m512i r01hi = V(h0hi, h1hi, _mm512_permutexvar_epi32(w2hi, w2));
		__m512i r2 = V(h2lo, h2hi, w2);
#undef V
		__m512i b = _mm512_packus_epi16(_mm512_packus_epi32(r01lo, r01hi), _mm512_packus_epi32(r2, r2));
		b = _mm512_permutexvar_epi8(rgb, b);
		_mm512_mask_storeu_epi8(o, (__mmask64)((1ull << (3 * m)) - 1), b);
		vx = _mm512_add_epi32(vx, stepx);
		vy = _mm512_add_epi32(vy, stepy);
	}
}

/* AVX-512 VBMI: the table in four registers, two vpermi2b of 128 entries chosen by bit 7. */
__attribute__((target(AVX512))) static void
lut_avx512(const unsigned char lut[256], const unsigned char *src, unsigned char *dst, size_t n)
{
	const __m512i t0 = _mm512_loadu_si512(lut), t1 = _mm512_loadu_si512(lut + 64);
	const __m512i t2 = _mm512_loadu_si512(lut + 128), t3 = _mm512_loadu_si512(lut + 192);

	for (size_t i = 0; i < n; i += 64) {
		__mmask64 m = n - i >= 64 ? ~0ull : (1ull << (n - i)) - 1;
		__m512i x = _mm512_maskz_loadu_epi8(m, src + i);
		__m512i v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), _mm512_permutex2var_epi8(t0, x, t1),
		                                   _mm512_permutex2var_epi8(t2, x, t3));
		_mm512_mask_storeu_epi8(dst + i, m, v);
	}
}

/* AVX-512 VBMI: sixteen pixels a vpermb, 48-byte masked loads and stores. */
__attribute__((target(AVX512))) static void
flip3_avx512(const unsigned char *restrict src, unsigned char *restrict dst, size_t n)
{
	static const unsigned char revidx[64] = {
		45, 46, 47, 42, 43, 44, 39, 40, 41, 36, 37, 38, 33, 34, 35, 30, 31, 32, 27, 28, 29, 24, 25, 26,
		21, 22, 23, 18, 19, 20, 15, 16, 17, 12, 13, 14, 9, 10, 11, 6, 7, 8, 3, 4, 5, 0, 1, 2,
	};
	const __m512i rev = _mm512_loadu_si512(revidx);
	const __mmask64 m48 = (1ull << 48) - 1;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m512i v = _mm512_maskz_loadu_epi8(m48, src + 3 * (n - i - 16));
		_mm512_mask_storeu_epi8(dst + 3 * i, m48, _mm512_permutexvar_epi8(rev, v));
	}
	aug_kern_c.flip3(src, dst + 3 * i, n - i);        /* src's first n - i pixels */
}

LOOPS(AVX512, avx512)

/* blur and hue: the AVX2 loops (a CPU with AVX-512 has AVX2) */
static const struct aug_kernels avx512 = { "avx512", inside3_avx512, lut_avx512, flip3_avx512, blur_h_avx2,
					  blur_v_avx2, noise_avx512, gray3_avx2, lumasum3_avx512, hue3_avx2,
					  vsum16_avx2, hpair_avx2 };

const struct aug_kernels *const aug_kern_avx2 = &avx2, *const aug_kern_avx512 = &avx512;
#else
const struct aug_kernels *const aug_kern_avx2 = NULL, *const aug_kern_avx512 = NULL;
#endif
