/* The plain C kernels of aug_kern.h (the reference of the SIMD ones) and the choice of version. */
#include "aug_kern.h"
#include "aug_kern_loops.h"

/* The weighted sum of the four neighbours with weights (256 - ax)(256 - ay), ax(256 - ay),
 * (256 - ax)ay, ax ay is, exactly, 256 top + ay (bottom - top) with top = 256 p + ax (p' - p),
 * the same for bottom. */
static void
inside3_c(const unsigned char *restrict src, int sw, int sh, int64_t fx, int64_t dx, int64_t fy, int64_t dy,
          int n, unsigned char *restrict o)
{
	size_t stride = (size_t)sw * 3;

	(void)sh;
	for (int i = 0; i < n; i++, fx += dx, fy += dy, o += 3) {
		int ax = (int)(fx >> 8) & 255, ay = (int)(fy >> 8) & 255;
		const unsigned char *p = src + (size_t)(fy >> 16) * stride + (size_t)(fx >> 16) * 3, *q = p + stride;
		for (int k = 0; k < 3; k++) {
			int t = 256 * p[k] + ax * (p[k + 3] - p[k]), b = 256 * q[k] + ax * (q[k + 3] - q[k]);
			o[k] = (unsigned char)((256 * t + ay * (b - t) + 32768) >> 16);
		}
	}
}

static void
lut_c(const unsigned char lut[256], const unsigned char *src, unsigned char *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = lut[src[i]];
}

static void
flip3_c(const unsigned char *restrict src, unsigned char *restrict dst, size_t n)
{
	for (size_t x = 0, e = 3 * n - 3; x < 3 * n; x += 3, e -= 3) {
		dst[x] = src[e];
		dst[x + 1] = src[e + 1];
		dst[x + 2] = src[e + 2];
	}
}

static void
blur_h_c(const unsigned char *src, int w, int c, const float *k, int rad, float *pad, float *out)
{
	aug_blur_h_loop(src, w, c, k, rad, pad, out);
}

static void
blur_v_c(const float *const *rows, const float *k, int ntap, size_t n, float *acc, unsigned char *dst, int c,
         int cc)
{
	aug_blur_v_loop(rows, k, ntap, n, acc, dst, c, cc);
}

static void
noise_c(unsigned char *px, size_t n, uint32_t first, uint32_t k0, uint32_t k1, float sigma, const float *table)
{
	aug_noise_loop(px, n, first, k0, k1, sigma, table);
}

static void
gray3_c(const unsigned char *src, unsigned char *dst, size_t n)
{
	aug_gray3_loop(src, dst, n);
}

static uint64_t
lumasum3_c(const unsigned char *src, size_t n)
{
	return aug_lumasum3_loop(src, n);
}

static void
hue3_c(const unsigned char *src, unsigned char *dst, size_t n, float s6)
{
	aug_hue3_loop(src, dst, n, s6);
}

static void
vsum16_c(const uint16_t *r0, size_t stride, const int32_t *w, int n, size_t len, unsigned char *out)
{
	aug_vsum16_loop(r0, stride, w, n, len, out);
}

static void
hpair_c(const unsigned char *row, const struct aug_hpair *t, uint16_t *o)
{
	aug_hpair_loop(row, t->off, t->wp, t->npair, t->len, o);
}

/* The first of 16 bytes of a row of rowbytes bytes that hold bytes off[j] and off[j] + 3 for
 * j < n, and the pshufb mask of their pairs into m (4 n bytes); -1 when no 16 bytes do. */
static int32_t
hpair_window(const int32_t *off, int n, size_t rowbytes, unsigned char *m)
{
	int32_t lo = off[0], hi = off[0], base;

	for (int j = 1; j < n; j++) {
		lo = off[j] < lo ? off[j] : lo;
		hi = off[j] > hi ? off[j] : hi;
	}
	/* the 16 bytes from lo, or the row's last 16 when those pass its end */
	base = (size_t)lo + 16 <= rowbytes ? lo : (int32_t)rowbytes - 16;
	if (hi + 3 - lo > 15 || base < 0)
		return -1;
	for (int j = 0; j < n; j++) {
		m[4 * j] = (unsigned char)(off[j] - base);
		m[4 * j + 1] = 0x80;
		m[4 * j + 2] = (unsigned char)(off[j] - base + 3);
		m[4 * j + 3] = 0x80;
	}
	return base;
}

void
aug_hpair_groups(struct aug_hpair *t, size_t rowbytes)
{
	size_t nh = (size_t)t->npair * t->len / 4;

	t->one = 1;
	for (size_t g = 0; g < nh; g += 2) {
		const int32_t *off = t->off + 4 * g;
		unsigned char *m = t->gmask + 16 * g;
		/* all 8 values from one window (the same in both lanes), else a window each 4 */
		t->gbase[g] = t->gbase[g + 1] = hpair_window(off, 8, rowbytes, m);
		if (t->gbase[g] >= 0)
			continue;
		t->one = 0;
		t->gbase[g] = hpair_window(off, 4, rowbytes, m);
		t->gbase[g + 1] = hpair_window(off + 4, 4, rowbytes, m + 16);
		if (t->gbase[g] < 0 || t->gbase[g + 1] < 0)
			t->gbase[g] = t->gbase[g + 1] = -1;     /* the gather */
	}
}

const struct aug_kernels aug_kern_c = { "c", inside3_c, lut_c, flip3_c, blur_h_c, blur_v_c, noise_c, gray3_c,
					lumasum3_c, hue3_c, vsum16_c, hpair_c };
static int forced = -1;

const struct aug_kernels *
aug_kern_get(int i)
{
	switch (i) {
	case 0:
		return &aug_kern_c;
#if defined(__x86_64__) || defined(__i386__)
	case 1:
		return aug_kern_avx2 && __builtin_cpu_supports("avx2") ? aug_kern_avx2 : NULL;
	case 2:
		return aug_kern_avx512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi") ? aug_kern_avx512 : NULL;
#endif
	default:
		return NULL;
	}
}

int
aug_kern_force(int i)
{
	if (i != -1 && aug_kern_get(i) == NULL)
		return -1;
	forced = i;
	return 0;
}

const struct aug_kernels *
aug_kern(void)
{
	const struct aug_kernels *k;

	if (forced != -1)
		return aug_kern_get(forced);
	for (int i = AUG_NKERN - 1; i > 0; i--)
		if ((k = aug_kern_get(i)) != NULL)
			return k;
	return &aug_kern_c;
}
