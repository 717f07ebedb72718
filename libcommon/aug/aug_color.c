/* Photometric steps: they change pixel values, never where pixels are, so the mask stays.
 * Alpha (the last of 2 or 4 channels) is left alone. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "aug.h"
#include "aug_kern.h"
#include "aug_kern_loops.h"
#include "image/image.h"

static int
colour_channels(int c)
{
	return c == 2 || c == 4 ? c - 1 : c;
}

/* Into px, from im->src when set (AUG_FROMSRC: alpha copied), else in place. */
static void
apply_lut(struct aug_img *im, const unsigned char *restrict lut)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c, cc = (size_t)colour_channels(im->c);
	unsigned char *restrict p = im->px;

	if (im->src) {
		const unsigned char *restrict q = im->src;
		if (cc == c)
			aug_kern()->lut(lut, q, p, n * c);
		else
			for (size_t i = 0; i < n; i++, p += c, q += c) {
				for (size_t k = 0; k < cc; k++)
					p[k] = lut[q[k]];
				p[cc] = q[cc];
			}
		im->src = NULL;
		return;
	}
	if (cc == c) {
		aug_kern()->lut(lut, p, p, n * c);
		return;
	}
	for (size_t i = 0; i < n; i++, p += c)
		for (size_t k = 0; k < cc; k++)
			p[k] = lut[p[k]];
}

/* The mean gray level: luma of RGB, or the gray channel. */
static double
mean_gray(const struct aug_img *im)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;
	const unsigned char *px = aug_pixels(im);
	uint64_t sum = 0;

	if (c == 3)
		sum = aug_kern()->lumasum3(px, n);
	else
		for (size_t i = 0; i < n; i++)
			sum += c >= 3 ? aug_luma(px + i * c) : px[i * c];
	return (double)sum / (double)n;
}

static int
brightness(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double d = aug_draw(r, s, 0), f = 1 + d;
	unsigned char lut[256];

	for (int v = 0; v < 256; v++)
		lut[v] = aug_clamp(v * f);
	apply_lut(im, lut);
	aug_say(r, "%s=%+.10g", s->k->name, d);
	return 0;
}

static int
contrast(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double d = aug_draw(r, s, 0), f = 1 + d, mean = mean_gray(im);
	unsigned char lut[256];

	for (int v = 0; v < 256; v++)
		lut[v] = aug_clamp(f * v + (1 - f) * mean);
	apply_lut(im, lut);
	aug_say(r, "%s=%+.10g", s->k->name, d);
	return 0;
}

static int
gamma_(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double g = aug_draw(r, s, 0);
	unsigned char lut[256];

	for (int v = 0; v < 256; v++)
		lut[v] = aug_clamp(255 * pow(v / 255.0, g));
	apply_lut(im, lut);
	aug_say(r, "%s=%.10g", s->k->name, g);
	return 0;
}

static int
saturation(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double d = aug_draw(r, s, 0), f = 1 + d;
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;
	unsigned char *p = im->px;

	for (size_t i = 0; i < n; i++, p += c) {
		double y = (1 - f) * aug_luma(p);
		for (int k = 0; k < 3; k++)
			p[k] = aug_clamp(f * p[k] + y);
	}
	aug_say(r, "%s=%+.10g", s->k->name, d);
	return 0;
}

/* Turns the hue by h turns (HSV, as torchvision's adjust_hue): aug_hue_px (aug_kern_loops.h). */
static int
hue(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double h = aug_draw(r, s, 0);
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;
	float s6 = (float)(6 * (h - floor(h)));

	if (c == 3 && im->src) {
		aug_kern()->hue3(im->src, im->px, n, s6);
		im->src = NULL;
	} else if (c == 3) {
		aug_kern()->hue3(im->px, im->px, n, s6);
	} else {
		aug_img_fill(im);
		for (unsigned char *p = im->px; n-- > 0; p += c)
			aug_hue_px(p[0], p[1], p[2], s6, p);
	}
	aug_say(r, "%s=%+.10g", s->k->name, h);
	return 0;
}

static int
grayscale(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;

	if (c == 3) {
		aug_kern()->gray3(aug_pixels(im), im->px, n);
		im->src = NULL;
	} else {
		aug_img_fill(im);
		if (c == 4)
			for (unsigned char *p = im->px; n-- > 0; p += c)
				p[0] = p[1] = p[2] = aug_luma(p);
	}
	aug_say(r, "%s", s->k->name);
	return 0;
}

/*
 * Gaussian noise without a log or a square root per pixel: the normal distribution cut into
 * NOISE_N slices of equal probability, each standing for its mean, 4096 (phi(a) - phi(b))
 * between its bounds a and b; the table is then scaled to a variance of exactly 1 (its mean
 * is 0: it is symmetric).  The largest value is 3.74.
 */
#define NOISE_N 4096
static float noise_table[NOISE_N];
static pthread_once_t noise_once = PTHREAD_ONCE_INIT;

static double
normal_cdf(double z)
{
	return 0.5 * erfc(-z / sqrt(2));
}

static double
normal_pdf(double z)
{
	return exp(-0.5 * z * z) / sqrt(2 * 3.14159265358979323846);
}

static void
noise_init(void)
{
	double b[NOISE_N / 2 + 1], m[NOISE_N / 2], var = 0, z = 0;

	b[0] = -INFINITY;
	b[NOISE_N / 2] = 0;
	/* Newton from the bound to the right: the CDF is convex below 0, so it comes down to the
	 * root without passing it */
	for (int j = NOISE_N / 2 - 1; j > 0; j--) {
		double p = (double)j / NOISE_N;
		for (int it = 0; it < 100; it++) {
			double dz = (p - normal_cdf(z)) / normal_pdf(z);
			z += dz;
			if (fabs(dz) < 1e-13)
				break;
		}
		b[j] = z;
	}
	for (int j = 0; j < NOISE_N / 2; j++) {
		double lo = j == 0 ? 0 : normal_pdf(b[j]);
		m[j] = NOISE_N * (lo - normal_pdf(b[j + 1]));
		var += 2 * m[j] * m[j] / NOISE_N;
	}
	for (int j = 0; j < NOISE_N / 2; j++) {
		noise_table[j] = (float)(m[j] / sqrt(var));
		noise_table[NOISE_N - 1 - j] = -noise_table[j];
	}
}

/*
 * Sample i of a record's noise (i = pixel * colour channels + channel) is noise_table[index]
 * with the index from a counter-based hash of i under a key drawn from the record's generator
 * (aug_kern_loops.h): the same for a seed whatever the threads, and vectorised.
 */
static int
noise(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double sigma = aug_draw(r, s, 0);
	uint64_t key = rng_next(&r->g);
	uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c, cc = (size_t)colour_channels(im->c);
	float sg = (float)sigma;

	pthread_once(&noise_once, noise_init);
	if (cc == c) {
		const struct aug_kernels *kern = aug_kern();
		for (size_t done = 0, total = n * c; done < total;) {
			/* 2^32 samples a key: the counter is 32 bits */
			uint64_t hi = (uint64_t)done >> 32, left = total - done, m = left < (1ull << 32) ? left : 1ull << 32;
			kern->noise(im->px + done, (size_t)m, 0, k0, k1 ^ (uint32_t)(hi * 0x9e3779b9u), sg, noise_table);
			done += (size_t)m;
		}
	} else
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < cc; k++) {
				uint64_t j = (uint64_t)(i * cc + k);
				unsigned char *p = im->px + i * c + k;
				uint32_t t = aug_noise_index((uint32_t)j, k0, k1 ^ (uint32_t)((j >> 32) * 0x9e3779b9u));
				*p = aug_round_f((float)*p + sg * noise_table[t]);
			}
	aug_say(r, "%s=%.10g", s->k->name, sigma);
	return 0;
}

static int
saltpepper(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double amount = aug_draw(r, s, 0);
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c, cc = (size_t)colour_channels(im->c);
	double lq = log1p(-amount);

	aug_say(r, "%s=%.10g", s->k->name, amount);
	if (amount <= 0)
		return 0;
	/* geometric gaps between the hit pixels: each pixel is hit with probability amount */
	for (size_t i = 0;;) {
		double gap = amount >= 1 ? 0 : floor(log1p(-rng_uniform(&r->g)) / lq);
		if (gap >= (double)(n - i))
			break;
		i += (size_t)gap;
		memset(im->px + i * c, rng_next(&r->g) >> 63 ? 255 : 0, cc);
		if (++i >= n)
			break;
	}
	return 0;
}

/*
 * Gaussian blur, separable, the edge pixel repeated: a horizontal pass into floats, then a
 * vertical one, each vectorised across the row (aug_kern).  The taps reach 3 sigma.  The
 * horizontal rows live in a ring of 2 rad + 1 (row y in slot y mod that), made as the
 * vertical pass comes to need them, so that they stay in the cache.
 */
static int
blur(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double sigma = aug_draw(r, s, 0);
	int rad = (int)ceil(3 * sigma), w = im->w, h = im->h, c = im->c, ntap = 2 * rad + 1, made = 0;
	int nring = ntap < h ? ntap : h;
	size_t row = (size_t)w * (size_t)c;
	float *k = malloc((size_t)ntap * sizeof *k), *t = malloc(row * (size_t)nring * sizeof *t);
	float *pad = malloc(((size_t)w + 2 * (size_t)rad) * (size_t)c * sizeof *pad), *acc = malloc(row * sizeof *acc);
	const float **rows = malloc((size_t)ntap * sizeof *rows);
	const struct aug_kernels *kern = aug_kern();
	double sum = 0;
	int rc = -1;

	if (k == NULL || t == NULL || pad == NULL || acc == NULL || rows == NULL)
		goto out;
	for (int i = -rad; i <= rad; i++)
		sum += k[i + rad] = (float)exp(-0.5 * i * i / (sigma * sigma));
	for (int i = 0; i < ntap; i++)
		k[i] /= (float)sum;
	for (int y = 0; y < h; y++) {
		/* rows y - rad .. y + rad (clamped) are needed: the ones before are no longer */
		for (; made < h && made <= y + rad; made++)
			kern->blur_h(im->px + (size_t)made * row, w, c, k, rad, pad, t + (size_t)(made % nring) * row);
		for (int j = 0; j < ntap; j++) {
			int yy = y + j - rad < 0 ? 0 : y + j - rad >= h ? h - 1 : y + j - rad;
			rows[j] = t + (size_t)(yy % nring) * row;
		}
		kern->blur_v(rows, k, ntap, row, acc, im->px + (size_t)y * row, c, colour_channels(c));
	}
	aug_say(r, "%s=%.10g", s->k->name, sigma);
	rc = 0;
out:
	free(k);
	free(t);
	free(pad);
	free(acc);
	free(rows);
	return rc;
}

static int
jpeg(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int q = (int)aug_draw(r, s, 0);

	if (img_jpeg_trip(im->px, im->w, im->h, im->c, q, r->err, sizeof r->err) == -1)
		return -1;
	aug_say(r, "%s=%d", s->k->name, q);
	return 0;
}

/* torchvision's RandomErasing: ten tries at a box of random area and aspect ratio. */
static int
cutout(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double area = (double)im->w * im->h, lr0 = log(s->lo[1]), lr1 = log(s->hi[1]);
	size_t c = (size_t)im->c, cc = (size_t)colour_channels(im->c);

	for (int t = 0; t < 10; t++) {
		double a = area * (s->lo[0] + (s->hi[0] - s->lo[0]) * rng_uniform(&r->g));
		double ratio = exp(lr0 + (lr1 - lr0) * rng_uniform(&r->g));
		int bh = (int)lround(sqrt(a * ratio)), bw = (int)lround(sqrt(a / ratio)), x, y;
		if (bh < 1 || bw < 1 || bh >= im->h || bw >= im->w)
			continue;
		y = (int)rng_below(&r->g, (uint64_t)(im->h - bh) + 1);
		x = (int)rng_below(&r->g, (uint64_t)(im->w - bw) + 1);
		for (int j = y; j < y + bh; j++)
			for (int i = x; i < x + bw; i++)
				memset(im->px + ((size_t)j * (size_t)im->w + (size_t)i) * c, (int)s->lo[2], cc);
		aug_say(r, "%s=%d,%d,%d,%d", s->k->name, x, y, bw, bh);
		return 0;
	}
	aug_say(r, "%s=none", s->k->name);
	return 0;
}

#define SIGNED(name, lo, hi, min, max) \
	{ { name, AUG_RANGE, lo, hi, min, max, 3, 0, NULL, NULL } }

const struct aug_kind aug_brightness = {
	"brightness", AUG_POSITIONAL | AUG_FROMSRC, "multiply by 1 + factor", SIGNED("factor", -0.2, 0.2, -1, 10), brightness,
};
const struct aug_kind aug_contrast = {
	"contrast", AUG_POSITIONAL | AUG_FROMSRC, "away from (or towards) the mean gray by 1 + factor",
	SIGNED("factor", -0.2, 0.2, -1, 10), contrast,
};
const struct aug_kind aug_gamma = {
	"gamma", AUG_POSITIONAL | AUG_FROMSRC, "255 (v / 255) ^ gamma",
	{ { "gamma", AUG_RANGE, 0.8, 1.25, 0.01, 100, 3, 0, NULL, NULL } }, gamma_,
};
const struct aug_kind aug_saturation = {
	"saturation", AUG_POSITIONAL | AUG_COLOR, "away from (or towards) the pixel's gray by 1 + factor",
	SIGNED("factor", -0.3, 0.3, -1, 10), saturation,
};
const struct aug_kind aug_hue = {
	"hue", AUG_POSITIONAL | AUG_COLOR | AUG_FROMSRC, "turn the hue by a fraction of the colour circle",
	SIGNED("shift", -0.05, 0.05, -0.5, 0.5), hue,
};
const struct aug_kind aug_grayscale = {
	"grayscale", AUG_FROMSRC, "RGB to its luma, channels kept", { { NULL } }, grayscale,
};
const struct aug_kind aug_noise = {
	"noise", AUG_POSITIONAL, "add gaussian noise of this standard deviation",
	{ { "sigma", AUG_RANGE, 2, 10, 0, 255, 2, 0, NULL, NULL } }, noise,
};
const struct aug_kind aug_saltpepper = {
	"saltpepper", AUG_POSITIONAL, "this fraction of the pixels white or black",
	{ { "amount", AUG_RANGE, 0.001, 0.01, 0, 1, 4, 0, NULL, NULL } }, saltpepper,
};
const struct aug_kind aug_blur = {
	"blur", AUG_POSITIONAL, "gaussian blur of this standard deviation in pixels",
	{ { "sigma", AUG_RANGE, 0.1, 2, 0.01, 50, 2, 0, NULL, NULL } }, blur,
};
const struct aug_kind aug_jpeg = {
	"jpeg", AUG_POSITIONAL | AUG_NOALPHA, "JPEG compression at this quality, decoded again",
	{ { "quality", AUG_RANGE, 30, 90, 1, 100, 0, 0, NULL, NULL } }, jpeg,
};
const struct aug_kind aug_cutout = {
	"cutout", AUG_POSITIONAL, "fill a box of random area (scale) and aspect ratio",
	{ { "scale", AUG_RANGE, 0.02, 0.33, 1e-6, 1, 4, 0, NULL, NULL },
	  { "ratio", AUG_RANGE, 0.3, 3.3, 0.01, 100, 4, 0, NULL, NULL },
	  { "fill", AUG_RANGE, 0, 0, 0, 255, 0, 0, NULL, NULL } }, cutout,
};
