/*
 * Image decoding and encoding (libcommon/image/image.h), checked against ImageMagick.
 *
 * Test images are made in a temporary directory with /usr/bin/convert from real
 * photos (visp-images-data), cropped to 64x48 so the whole test runs in seconds.
 * Expected pixels come from ImageMagick's own decoding (convert FILE -auto-orient
 * -depth 8 rgb:- and friends).  PNG must match exactly; JPEG within 1 per sample
 * (ImageMagick uses the same libjpeg: in practice the difference is 0).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <jpeglib.h>
#include <zlib.h>

#include "check.h"
#include "image/image.h"

#define CONVERT "/usr/bin/convert"
#define KLIMT "/usr/share/visp-images-data/ViSP-images/Klimt/Klimt.jpeg"
#define SOLVAY "/usr/share/visp-images-data/ViSP-images/Solvay/Solvay_conference_1927_Version2_640x440.jpg"
#define W 64
#define H 48

typedef struct {
	unsigned char *p;
	size_t n;
} blob;

static char dir[64];

static const char *
path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

static blob
slurp(const char *p)
{
	blob b = { NULL, 0 };
	FILE *f = fopen(p, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b.p = malloc((size_t)n + 1)) == NULL ||
	    fread(b.p, 1, (size_t)n, f) != (size_t)n) {
		printf("FAIL cannot read %s\n", p);
		exit(1);
	}
	b.n = (size_t)n;
	fclose(f);
	return b;
}

static void
spit(const char *p, const void *data, size_t n)
{
	FILE *f = fopen(p, "wb");

	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		printf("FAIL cannot write %s\n", p);
		exit(1);
	}
}

/* ImageMagick's decoding of file as raw samples (map: gray, graya, rgb, rgba, cmyk).
 * -endian MSB: without it, 16-bit samples read from a PNG come out little-endian. */
static unsigned char *
im_pixels(const char *file, const char *map, int depth, size_t n)
{
	char cmd[1024];
	unsigned char *p = malloc(n + 1);
	FILE *f;
	size_t got;

	snprintf(cmd, sizeof cmd, CONVERT " '%s' -auto-orient -endian MSB -depth %d %s:-", file, depth, map);
	if (p == NULL || (f = popen(cmd, "r")) == NULL) {
		printf("FAIL cannot run %s\n", cmd);
		exit(1);
	}
	got = fread(p, 1, n + 1, f);
	if (pclose(f) != 0 || got != n) {
		printf("FAIL %s gave %zu bytes, not %zu\n", cmd, got, n);
		free(p);
		return NULL;
	}
	return p;
}

static double
max_diff(const unsigned char *a, const unsigned char *b, size_t n, double *mean)
{
	double m = 0, s = 0;

	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]);
		s += d;
		if (d > m)
			m = d;
	}
	if (mean)
		*mean = n ? s / (double)n : 0;
	return m;
}

/* ---- sniffing ---- */

static void
test_sniff(void)
{
	static const struct {
		const char *bytes;
		size_t n;
		enum img_format f;
		const char *name;
	} t[] = {
		{ "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, IMG_PNG, "png" },
		{ "\xff\xd8\xff\xe0", 4, IMG_JPEG, "jpeg" },
		{ "GIF89a\1\0\1\0", 10, IMG_GIF, "gif" },
		{ "GIF87a\1\0\1\0", 10, IMG_GIF, "gif" },
		{ "RIFF\0\0\0\0WEBPVP8 ", 16, IMG_WEBP, "webp" },
		{ "BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0", 18, IMG_BMP, "bmp" },
		{ "II*\0\x08\0\0\0", 8, IMG_TIFF, "tiff" },
		{ "MM\0*\0\0\0\x08", 8, IMG_TIFF, "tiff" },
		{ "P5\n4 4\n255\n", 11, IMG_PNM, "pnm" },
		{ "P6 4 4 255\n", 11, IMG_PNM, "pnm" },
		{ "P5x", 3, IMG_UNKNOWN, "unknown" },
		{ "\x89PNG\r\n\x1a", 7, IMG_UNKNOWN, "unknown" },
		{ "\xff\xd8", 2, IMG_UNKNOWN, "unknown" },
		{ "RIFF\0\0\0\0WAVE", 12, IMG_UNKNOWN, "unknown" },
		{ "BMP is not enough", 17, IMG_UNKNOWN, "unknown" },
		{ "hello, world", 12, IMG_UNKNOWN, "unknown" },
	};
	int ok = 1;

	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		enum img_format f = img_sniff(t[i].bytes, t[i].n);
		if (f != t[i].f || strcmp(img_format_name(f), t[i].name) != 0) {
			printf("  case %zu: got %s, want %s\n", i, img_format_name(f), t[i].name);
			ok = 0;
		}
	}
	CHECK(ok && img_sniff(NULL, 0) == IMG_UNKNOWN, "img_sniff: png, jpeg, gif, webp, bmp, tiff, pnm by magic bytes");
	{
		image im;
		char err[256] = "";
		int rc = img_decode("GIF89a\1\0\1\0\0\0\0;", 14, &im, err, sizeof err);
		CHECK(rc == -1 && (strncmp(err, "corrupt GIF", 11) == 0 || strcmp(err, "truncated GIF") == 0),
		      "img_decode of a broken GIF: \"%s\"", err);
		rc = img_decode("hello, world", 12, &im, err, sizeof err);
		CHECK(rc == -1 && strcmp(err, "not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image") == 0, "img_decode of text: \"%s\"", err);
	}
}

/* ---- decoding against ImageMagick ---- */

/* Decodes file and compares it with ImageMagick's map output of c channels. */
static void
compare(const char *what, const char *file, const char *map, int c, int w, int h,
        int depth16, int tol)
{
	blob b = slurp(path(file));
	image im;
	char err[256] = "";
	int iw = 0, ih = 0, ic = 0;
	size_t n = (size_t)w * h * c;
	unsigned char *want;
	double md = -1, mean = 0;

	if (img_decode(b.p, b.n, &im, err, sizeof err) == -1) {
		CHECK(0, "%s: decode failed: %s", what, err);
		free(b.p);
		return;
	}
	if (img_info(b.p, b.n, &iw, &ih, &ic, err, sizeof err) == -1)
		iw = -1;
	want = im_pixels(path(file), map, depth16 ? 16 : 8, depth16 ? 2 * n : n);
	if (want && depth16) {
		/* 16-bit samples (big-endian) to round(v / 257), as libpng's png_set_scale_16. */
		size_t odd = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned v = (unsigned)want[2 * i] << 8 | want[2 * i + 1];
			odd += v % 257 != 0;
			want[i] = (unsigned char)((v + 128) / 257);
		}
		if (odd < n / 2) {
			printf("  %s: only %zu of %zu samples are not multiples of 257\n", file, odd, n);
			md = 1000;
		}
	}
	if (want && im.w == w && im.h == h && im.c == c && md == -1)
		md = max_diff(im.px, want, n, &mean);
	if (tol == 0)
		CHECK(im.w == w && im.h == h && im.c == c && md == 0 && iw == w && ih == h && ic == c,
		      "%s: %dx%dx%d, identical to ImageMagick's %s (got %dx%dx%d, max diff %g)",
		      what, w, h, c, map, im.w, im.h, im.c, md);
	else
		CHECK(im.w == w && im.h == h && im.c == c && md >= 0 && md <= tol && mean < 0.05 &&
		      iw == w && ih == h && ic == c,
		      "%s: %dx%dx%d, within %d of ImageMagick's %s (max diff %g, mean %.4f)",
		      what, w, h, c, tol, map, md, mean);
	free(want);
	img_free(&im);
	free(b.p);
}

static void
make_pngs(void)
{
	char s[256], g[256], s2[256];

	snprintf(s, sizeof s, "%s", path("src.png"));
	snprintf(s2, sizeof s2, "%s", path("src2.png"));
	snprintf(g, sizeof g, "%s", path("gray.png"));

	sh(CONVERT " " KLIMT " -resize 64x64! -crop 64x48+0+8 +repage %s", s);
	sh(CONVERT " " KLIMT " -resize 64x64! -crop 64x48+0+16 +repage %s", s2);
	sh(CONVERT " " SOLVAY " -resize 64x48! -colorspace Gray -define png:color-type=0 %s", g);
	sh(CONVERT " %s -define png:color-type=0 -define png:bit-depth=8 %s", g, path("g8.png"));
	/* (ImageMagick 6 refuses png:color-type=0 with a low bit depth; -type does it.) */
	for (int d = 1; d <= 4; d *= 2)
		sh(CONVERT " %s -depth %d -type Grayscale -define png:bit-depth=%d %s/g%d.png",
		   g, d, d, dir, d);
	sh(CONVERT " %s -colorspace Gray -alpha set -channel A -fx 'i/w' +channel "
	   "-define png:color-type=4 %s", s, path("ga.png"));
	sh(CONVERT " %s -fuzz 5%% -transparent 'gray(50%%)' -define png:color-type=0 %s", g, path("gt.png"));
	sh(CONVERT " %s -define png:color-type=2 %s", s, path("rgb.png"));
	sh(CONVERT " %s -fuzz 10%% -transparent 'rgb(200,150,80)' -define png:color-type=2 %s", s, path("rgbt.png"));
	sh(CONVERT " %s -alpha set -channel A -fx 'j/h' +channel -define png:color-type=6 %s", s, path("rgba.png"));
	sh(CONVERT " %s -colors 200 -define png:color-type=3 %s", s2, path("pal.png"));
	sh(CONVERT " %s -colors 16 -define png:bit-depth=4 PNG8:%s", s2, path("pal4.png"));
	sh(CONVERT " %s -colors 100 -fuzz 10%% -transparent 'rgb(200,150,80)' PNG8:%s", s2, path("palt.png"));
	/* 16-bit: resized from the photos at ImageMagick's 16-bit depth, so that most
	 * samples are not multiples of 257 and the rounding to 8 bits is exercised. */
	sh(CONVERT " " KLIMT " -resize 64x48! -depth 16 -define png:bit-depth=16 -define png:color-type=2 %s",
	   path("rgb16.png"));
	sh(CONVERT " " KLIMT " -resize 64x48! -alpha set -channel A -fx 'i/w' +channel -depth 16 "
	   "-define png:bit-depth=16 -define png:color-type=6 %s", path("rgba16.png"));
	sh(CONVERT " " SOLVAY " -resize 64x48! -colorspace Gray -depth 16 -define png:bit-depth=16 "
	   "-define png:color-type=0 %s", path("g16.png"));
	sh(CONVERT " %s -interlace PNG -define png:color-type=2 %s", s, path("inter.png"));
	sh(CONVERT " %s -interlace PNG -depth 2 -type Grayscale -define png:bit-depth=2 %s",
	   g, path("inter2.png"));
}

/* The PNG header's colour type and bit depth, to be sure ImageMagick wrote what we test. */
static int
png_type(const char *file, int *depth)
{
	blob b = slurp(path(file));
	int t = b.n > 25 ? b.p[25] : -1;

	*depth = b.n > 24 ? b.p[24] : -1;
	free(b.p);
	return t;
}

static void
test_png(void)
{
	static const struct {
		const char *file, *what, *map;
		int c, ctype, depth, depth16;
	} t[] = {
		{ "g8.png", "PNG gray 8-bit", "gray", 1, 0, 8, 0 },
		{ "g1.png", "PNG gray 1-bit", "gray", 1, 0, 1, 0 },
		{ "g2.png", "PNG gray 2-bit", "gray", 1, 0, 2, 0 },
		{ "g4.png", "PNG gray 4-bit", "gray", 1, 0, 4, 0 },
		{ "ga.png", "PNG gray+alpha", "graya", 2, 4, 8, 0 },
		{ "gt.png", "PNG gray with tRNS -> gray+alpha", "graya", 2, 0, 8, 0 },
		{ "rgb.png", "PNG RGB", "rgb", 3, 2, 8, 0 },
		{ "rgbt.png", "PNG RGB with tRNS -> RGBA", "rgba", 4, 2, 8, 0 },
		{ "rgba.png", "PNG RGBA", "rgba", 4, 6, 8, 0 },
		{ "pal.png", "PNG palette 8-bit -> RGB", "rgb", 3, 3, 8, 0 },
		{ "pal4.png", "PNG palette 4-bit -> RGB", "rgb", 3, 3, 4, 0 },
		{ "palt.png", "PNG palette with tRNS -> RGBA", "rgba", 4, 3, 8, 0 },
		{ "rgb16.png", "PNG RGB 16-bit -> round(v/257)", "rgb", 3, 2, 16, 1 },
		{ "rgba16.png", "PNG RGBA 16-bit -> round(v/257)", "rgba", 4, 6, 16, 1 },
		{ "g16.png", "PNG gray 16-bit -> round(v/257)", "gray", 1, 0, 16, 1 },
		{ "inter.png", "PNG RGB interlaced (Adam7)", "rgb", 3, 2, 8, 0 },
		{ "inter2.png", "PNG gray 2-bit interlaced", "gray", 1, 0, 2, 0 },
	};

	make_pngs();
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		int depth, type = png_type(t[i].file, &depth);
		char what[128];
		if (type != t[i].ctype || depth != t[i].depth) {
			CHECK(0, "%s: ImageMagick wrote colour type %d depth %d, not %d/%d", t[i].what,
			      type, depth, t[i].ctype, t[i].depth);
			continue;
		}
		snprintf(what, sizeof what, "%s (%s)", t[i].what, t[i].file);
		compare(what, t[i].file, t[i].map, t[i].c, W, H, t[i].depth16, 0);
	}
}

/* ---- JPEG ---- */

static void
put_be16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* A copy of the JPEG at src with an APP1 Exif segment holding orientation o inserted
 * after SOI; le picks II (little-endian) TIFF data.  bad_offset breaks the IFD pointer. */
static void
add_exif(const char *src, const char *dst, int o, int le, int bad_offset)
{
	blob b = slurp(path(src));
	unsigned char seg[64], *out = malloc(b.n + sizeof seg);
	unsigned char *t = seg + 10;    /* TIFF header */
	size_t len = 10 + 8 + 2 + 12 + 4;

	memset(seg, 0, sizeof seg);
	seg[0] = 0xff, seg[1] = 0xe1;
	put_be16(seg + 2, (unsigned)len - 2);
	memcpy(seg + 4, "Exif\0\0", 6);
#define P16(p, v) (le ? ((p)[0] = (unsigned char)(v), (p)[1] = (unsigned char)((v) >> 8)) \
                      : ((p)[0] = (unsigned char)((v) >> 8), (p)[1] = (unsigned char)(v)))
	memcpy(t, le ? "II" : "MM", 2);
	P16(t + 2, 42);
	P16(t + (le ? 4 : 6), bad_offset ? 200 : 8);      /* IFD0 offset, 32 bits */
	P16(t + 8, 1);                                  /* one entry */
	P16(t + 10, 0x0112);                            /* Orientation */
	P16(t + 12, 3);                                 /* SHORT */
	P16(t + (le ? 14 : 16), 1);                     /* count, 32 bits */
	P16(t + 18, o);
#undef P16
	memcpy(out, b.p, 2);
	memcpy(out + 2, seg, len);
	memcpy(out + 2 + len, b.p + 2, b.n - 2);
	spit(path(dst), out, b.n + len);
	free(out);
	free(b.p);
}

/* Writes a W x H JPEG with libjpeg itself: for what ImageMagick cannot make. */
static void
write_jpeg(const char *dst, unsigned char *px, int ncomp, J_COLOR_SPACE in, J_COLOR_SPACE out,
           int restart)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *buf = NULL;
	unsigned long n = 0;

	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &buf, &n);
	ci.image_width = W;
	ci.image_height = H;
	ci.input_components = ncomp;
	ci.in_color_space = in;
	jpeg_set_defaults(&ci);
	jpeg_set_colorspace(&ci, out);
	jpeg_set_quality(&ci, 90, TRUE);
	ci.restart_interval = (unsigned)restart;
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < H) {
		JSAMPROW row = px + (size_t)ci.next_scanline * W * ncomp;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	spit(path(dst), buf, n);
	free(buf);
}

/* A YCCK JPEG from ImageMagick's CMYK samples of src (stored inverted, as Adobe does),
 * and an RGB one with a restart marker after every MCU. */
static int
make_libjpeg_files(void)
{
	unsigned char *cmyk = im_pixels(path("cmyk.jpg"), "cmyk", 8, (size_t)W * H * 4);
	unsigned char *rgb = im_pixels(path("src.png"), "rgb", 8, (size_t)W * H * 3);

	if (cmyk == NULL || rgb == NULL) {
		free(cmyk);
		free(rgb);
		return -1;
	}
	for (size_t i = 0; i < (size_t)W * H * 4; i++)
		cmyk[i] = (unsigned char)(255 - cmyk[i]);
	write_jpeg("ycck.jpg", cmyk, 4, JCS_CMYK, JCS_YCCK, 0);
	write_jpeg("restart.jpg", rgb, 3, JCS_RGB, JCS_YCbCr, 1);
	free(cmyk);
	free(rgb);
	return 0;
}

/* CMYK and YCCK: expected RGB from ImageMagick's CMYK samples (ink amounts, 0 = none)
 * with R = C'*K'/255 rounded, where C' = 255 - C is the inverted (Adobe) value. */
static void
compare_cmyk(const char *what, const char *file)
{
	blob b = slurp(path(file));
	unsigned char *cmyk = im_pixels(path(file), "cmyk", 8, (size_t)W * H * 4);
	unsigned char want[W * H * 3];
	image im;
	char err[256] = "";
	double md = -1, mean = 0;

	if (img_decode(b.p, b.n, &im, err, sizeof err) == -1 || cmyk == NULL) {
		CHECK(0, "%s: decode failed: %s", what, err);
		free(cmyk);
		free(b.p);
		return;
	}
	for (int i = 0; i < W * H; i++) {
		unsigned k = 255u - cmyk[4 * i + 3];
		for (int j = 0; j < 3; j++)
			want[3 * i + j] = (unsigned char)(((255u - cmyk[4 * i + j]) * k + 127) / 255);
	}
	if (im.w == W && im.h == H && im.c == 3)
		md = max_diff(im.px, want, sizeof want, &mean);
	CHECK(md >= 0 && md <= 1 && mean < 0.05,
	      "%s: %dx%dx%d, within 1 of C*K/255 from ImageMagick's cmyk (max diff %g, mean %.4f)",
	      what, im.w, im.h, im.c, md, mean);
	img_free(&im);
	free(cmyk);
	free(b.p);
}

static void
test_jpeg(void)
{
	static const char *names[9] = { NULL, "TopLeft", "TopRight", "BottomRight", "BottomLeft",
	                                "LeftTop", "RightTop", "RightBottom", "LeftBottom" };
	char s[256];

	snprintf(s, sizeof s, "%s", path("src.png"));
	sh(CONVERT " %s -quality 90 %s", s, path("base.jpg"));
	sh(CONVERT " %s -quality 90 -interlace JPEG %s", s, path("prog.jpg"));
	sh(CONVERT " %s -quality 90 -colorspace Gray %s", path("gray.png"), path("gray.jpg"));
	sh(CONVERT " %s -quality 90 -sampling-factor 1x1 %s", s, path("s444.jpg"));
	sh(CONVERT " %s -quality 90 -colorspace CMYK %s", s, path("cmyk.jpg"));
	compare("JPEG baseline RGB 4:2:0", "base.jpg", "rgb", 3, W, H, 0, 1);
	compare("JPEG baseline RGB 4:4:4", "s444.jpg", "rgb", 3, W, H, 0, 1);
	compare("JPEG progressive", "prog.jpg", "rgb", 3, W, H, 0, 1);
	compare("JPEG gray -> 1 channel", "gray.jpg", "gray", 1, W, H, 0, 1);
	compare_cmyk("JPEG CMYK (Adobe)", "cmyk.jpg");
	if (make_libjpeg_files() == 0) {
		compare_cmyk("JPEG YCCK (Adobe)", "ycck.jpg");
		compare("JPEG with restart markers", "restart.jpg", "rgb", 3, W, H, 0, 1);
	}

	/* EXIF orientation: ImageMagick rewrites the tag of an existing EXIF segment. */
	add_exif("base.jpg", "exif.jpg", 1, 0, 0);
	for (int o = 1; o <= 8; o++) {
		char f[32], what[64];
		snprintf(f, sizeof f, "o%d.jpg", o);
		sh(CONVERT " %s -orient %s -quality 90 %s", path("exif.jpg"), names[o], path(f));
		snprintf(what, sizeof what, "JPEG EXIF orientation %d (%s, MM)", o, names[o]);
		compare(what, f, "rgb", 3, o >= 5 ? H : W, o >= 5 ? W : H, 0, 1);
	}
	add_exif("gray.jpg", "gray6.jpg", 6, 1, 0);
	compare("JPEG gray with EXIF orientation 6 (II)", "gray6.jpg", "gray", 1, H, W, 0, 1);
	add_exif("cmyk.jpg", "cmyk8.jpg", 8, 1, 0);
	{
		int w = 0, h = 0, c = 0;
		blob b = slurp(path("cmyk8.jpg"));
		char err[256];
		CHECK(img_info(b.p, b.n, &w, &h, &c, err, sizeof err) == 0 && w == H && h == W && c == 3,
		      "img_info: CMYK JPEG with orientation 8 is %dx%dx%d", w, h, c);
		free(b.p);
	}
	add_exif("base.jpg", "badexif.jpg", 6, 1, 1);
	compare("JPEG with malformed EXIF (bad IFD offset) is orientation 1", "badexif.jpg", "rgb", 3,
	        W, H, 0, 1);
}

/* ---- errors: every check also runs with stderr captured, which must stay empty ---- */

static int
cut_fails(const blob *b, size_t from, size_t step, const char *want, size_t *bad)
{
	int ok = 1;

	for (size_t cut = from; cut < b->n; cut += step) {
		image im;
		char err[256] = "";
		if (img_decode(b->p, cut, &im, err, sizeof err) != -1) {
			img_free(&im);
			ok = 0;
			*bad = cut;
		} else if (err[0] == '\0' || strchr(err, '\n') || (want && !strstr(err, want))) {
			printf("  cut at %zu: \"%s\"\n", cut, err);
			ok = 0;
			*bad = cut;
		}
	}
	return ok;
}

static blob
png_header(uint32_t w, uint32_t h)
{
	static unsigned char p[8 + 25 + 12 + 12];
	unsigned char *c = p + 8;
	uint32_t crc;

	memcpy(p, "\x89PNG\r\n\x1a\n", 8);
	memcpy(c, "\0\0\0\x0dIHDR", 8);
	for (int i = 0; i < 4; i++) {
		c[8 + i] = (unsigned char)(w >> (24 - 8 * i));
		c[12 + i] = (unsigned char)(h >> (24 - 8 * i));
	}
	c[16] = 8, c[17] = 2, c[18] = c[19] = c[20] = 0;
	crc = (uint32_t)crc32(0, c + 4, 17);
	for (int i = 0; i < 4; i++)
		c[21 + i] = (unsigned char)(crc >> (24 - 8 * i));
	memcpy(p + 33, "\0\0\0\0IDAT\x35\xaf\x06\x1e", 12);
	memcpy(p + 45, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
	return (blob){ p, sizeof p };
}

static void
test_errors(void)
{
	blob g4 = slurp(path("g4.png")), rgb = slurp(path("rgb.png"));
	blob jpg = slurp(path("base.jpg")), prog = slurp(path("prog.jpg"));
	image im;
	char err[256];
	size_t bad = 0;
	int saved = dup(2), fd;
	char errfile[128];

	snprintf(errfile, sizeof errfile, "%s/stderr", dir);
	fflush(stderr);
	fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);

	CHECK(cut_fails(&g4, 0, 1, NULL, &bad) && cut_fails(&g4, 8, 1, "truncated PNG", &bad),
	      "truncated PNG: all %zu cuts of a %zu-byte file fail, with \"truncated PNG\" after "
	      "the signature (bad %zu)", g4.n, g4.n, bad);
	CHECK(cut_fails(&rgb, 0, 7, "PNG", &bad),
	      "truncated PNG: every 7th cut of a %zu-byte RGB file fails (bad %zu)", rgb.n, bad);
	CHECK(cut_fails(&jpg, 0, 1, NULL, &bad),
	      "truncated JPEG: all %zu cuts fail (bad %zu)", jpg.n, bad);
	CHECK(cut_fails(&prog, 0, 3, NULL, &bad),
	      "truncated progressive JPEG: every 3rd cut fails (bad %zu)", bad);
	err[0] = '\0';
	CHECK(img_decode(jpg.p, jpg.n - 100, &im, err, sizeof err) == -1 &&
	      strcmp(err, "corrupt JPEG: Premature end of JPEG file") == 0,
	      "truncated JPEG is an error, not gray padding: \"%s\"", err);
	err[0] = '\0';
	CHECK(img_decode(prog.p, prog.n / 2, &im, err, sizeof err) == -1 &&
	      strcmp(err, "corrupt JPEG: Premature end of JPEG file") == 0,
	      "progressive JPEG cut in half: \"%s\"", err);

	{
		unsigned char *p = malloc(jpg.n);
		memcpy(p, jpg.p, jpg.n);
		p[1] = 0xd9;
		err[0] = '\0';
		CHECK(img_decode(p, jpg.n, &im, err, sizeof err) == -1 &&
		      strcmp(err, "not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image") == 0, "JPEG with wrong magic: \"%s\"", err);
		memcpy(p, jpg.p, jpg.n);
		for (size_t i = 2; i + 1 < jpg.n; i++)
			if (p[i] == 0xff && p[i + 1] == 0xc0) {
				p[i + 1] = 0xc3;        /* SOF0 -> SOF3, lossless */
				break;
			}
		err[0] = '\0';
		CHECK(img_decode(p, jpg.n, &im, err, sizeof err) == -1 &&
		      strncmp(err, "corrupt JPEG: ", 14) == 0, "JPEG of an unsupported process: \"%s\"", err);
		/* Damaged entropy-coded data: must not crash; decoding may or may not notice. */
		int fails = 0;
		for (size_t i = jpg.n / 2; i < jpg.n - 2; i += 13) {
			memcpy(p, jpg.p, jpg.n);
			p[i] ^= 0x5a;
			if (img_decode(p, jpg.n, &im, err, sizeof err) == 0)
				img_free(&im);
			else
				fails++;
		}
		CHECK(1, "JPEG with damaged data: no crash (%d of %zu flagged)", fails, (jpg.n / 2) / 13);
		free(p);
	}
	{
		unsigned char *p = malloc(rgb.n);
		memcpy(p, rgb.p, rgb.n);
		p[29] ^= 1;             /* IHDR CRC */
		err[0] = '\0';
		CHECK(img_decode(p, rgb.n, &im, err, sizeof err) == -1 && strncmp(err, "corrupt PNG: ", 13) == 0,
		      "PNG with a bad IHDR CRC: \"%s\"", err);
		memcpy(p, rgb.p, rgb.n);
		p[rgb.n / 2] ^= 0xff;   /* inside IDAT */
		err[0] = '\0';
		CHECK(img_decode(p, rgb.n, &im, err, sizeof err) == -1 && strncmp(err, "corrupt PNG: ", 13) == 0,
		      "PNG with a damaged IDAT: \"%s\"", err);
		free(p);
	}

	/* The pixel budget: refused before any pixel memory is allocated (under ASan a
	 * 30 GB malloc would abort the test). */
	blob big = png_header(100000, 100000);
	err[0] = '\0';
	CHECK(img_decode(big.p, big.n, &im, err, sizeof err) == -1 &&
	      strcmp(err, "image 100000x100000 exceeds the pixel budget of 100000000 (IMG_MAX_PIXELS)") == 0,
	      "PNG header claiming 100000x100000: \"%s\"", err);
	big = png_header(65536, 1);
	err[0] = '\0';
	CHECK(img_decode(big.p, big.n, &im, err, sizeof err) == -1 && strstr(err, "65535"),
	      "PNG 65536 pixels wide: \"%s\"", err);
	big = png_header(0, 10);
	err[0] = '\0';
	CHECK(img_decode(big.p, big.n, &im, err, sizeof err) == -1 && err[0],
	      "PNG 0 pixels wide: \"%s\"", err);
	{
		unsigned char *p = malloc(jpg.n);
		size_t i;
		memcpy(p, jpg.p, jpg.n);
		for (i = 2; i + 9 < jpg.n && !(p[i] == 0xff && p[i + 1] == 0xc0); i++)
			;
		put_be16(p + i + 5, 60000);     /* SOF0 height */
		put_be16(p + i + 7, 60000);     /* width */
		err[0] = '\0';
		CHECK(i + 9 < jpg.n && img_decode(p, jpg.n, &im, err, sizeof err) == -1 &&
		      strcmp(err, "image 60000x60000 exceeds the pixel budget of 100000000 (IMG_MAX_PIXELS)") == 0,
		      "JPEG header claiming 60000x60000: \"%s\"", err);
		free(p);
	}
	img_set_max_pixels(1000);
	err[0] = '\0';
	CHECK(img_decode(rgb.p, rgb.n, &im, err, sizeof err) == -1 &&
	      strcmp(err, "image 64x48 exceeds the pixel budget of 1000 (IMG_MAX_PIXELS)") == 0,
	      "img_set_max_pixels(1000): \"%s\"", err);
	CHECK(img_decode(jpg.p, jpg.n, &im, err, sizeof err) == -1, "img_set_max_pixels(1000) refuses a JPEG");
	setenv("IMG_MAX_PIXELS", "3072", 1);
	img_set_max_pixels(0);
	CHECK(img_max_pixels() == 3072 && img_decode(rgb.p, rgb.n, &im, err, sizeof err) == 0,
	      "IMG_MAX_PIXELS=3072 allows 64x48 (budget %llu)", (unsigned long long)img_max_pixels());
	img_free(&im);
	unsetenv("IMG_MAX_PIXELS");
	img_set_max_pixels(0);
	CHECK(img_max_pixels() == IMG_DEFAULT_MAX_PIXELS, "default budget %llu",
	      (unsigned long long)img_max_pixels());

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	{
		struct stat st;
		CHECK(stat(errfile, &st) == 0 && st.st_size == 0,
		      "the decoders printed nothing on stderr (%lld bytes)", (long long)st.st_size);
	}
	free(g4.p);
	free(rgb.p);
	free(jpg.p);
	free(prog.p);
}

/* ---- img_extent ---- */

static void
check_extent(const char *what, const char *const files[3])
{
	blob b[3], cat;
	size_t off = 0, total = 0;
	int ok = 1, zeros = 1;

	for (int i = 0; i < 3; i++) {
		b[i] = slurp(path(files[i]));
		total += b[i].n;
	}
	cat.p = malloc(total + 8);
	cat.n = total;
	for (int i = 0; i < 3; i++) {
		memcpy(cat.p + off, b[i].p, b[i].n);
		off += b[i].n;
	}
	off = 0;
	for (int i = 0; i < 3; i++) {
		long long e = img_extent(cat.p + off, cat.n - off);
		if (e != (long long)b[i].n) {
			printf("  %s: image %d: extent %lld, want %zu\n", files[i], i, e, b[i].n);
			ok = 0;
		}
		for (size_t k = 0; k < b[i].n; k++)
			if (img_extent(cat.p + off, k) != 0) {
				zeros = 0;
				printf("  %s: prefix %zu: %lld\n", files[i], k, img_extent(cat.p + off, k));
				break;
			}
		off += b[i].n;
	}
	CHECK(ok && zeros && img_extent(cat.p, 0) == 0,
	      "img_extent: %s split exactly, every shorter prefix gives 0", what);
	for (int i = 0; i < 3; i++)
		free(b[i].p);
	free(cat.p);
}

static void
test_extent(void)
{
	static const char *const pngs[3] = { "rgb.png", "g1.png", "inter.png" };
	static const char *const jpgs[3] = { "base.jpg", "prog.jpg", "o6.jpg" };
	static const char *const mixed[3] = { "restart.jpg", "palt.png", "ycck.jpg" };

	check_extent("3 concatenated PNGs", pngs);
	check_extent("3 concatenated JPEGs (one progressive, one with EXIF)", jpgs);
	check_extent("JPEG, PNG, JPEG", mixed);
	CHECK(img_extent("hello, world", 12) == -1 && img_extent("\x89PNX", 4) == -1 &&
	      img_extent("\xff\xd8\x00", 3) == -1 && img_extent("\x89PN", 3) == 0 &&
	      img_extent("\xff", 1) == 0,
	      "img_extent: -1 on bytes that cannot start an image, 0 on a short prefix");
	CHECK(img_extent("\x89PNG\r\n\x1a\n\0\0\0\x0dIHD!", 16) == -1 &&
	      img_extent("\x89PNG\r\n\x1a\n\x80\0\0\x0dIHDR", 16) == -1,
	      "img_extent: -1 on a bad PNG chunk type or length");
	{
		/* A hand-made JPEG: stuffing, RSTn and fill bytes in the entropy-coded data. */
		static const unsigned char j[] = {
			0xff, 0xd8, 0xff, 0xdb, 0x00, 0x04, 0x01, 0x02,
			0xff, 0xda, 0x00, 0x03, 0x01,
			0x12, 0xff, 0x00, 0x34, 0xff, 0xd3, 0x56, 0xff, 0xff, 0xff, 0xd9,
			0xff, 0xd8,
		};
		CHECK(img_extent(j, sizeof j) == 24 && img_extent(j, 22) == 0 && img_extent(j, 23) == 0,
		      "img_extent: JPEG stuffing, RSTn and fill bytes (%lld)", img_extent(j, sizeof j));
	}
}

/* ---- encoders ---- */

static void
test_encode(void)
{
	static const char *files[4] = { "g8.png", "ga.png", "rgb.png", "rgba.png" };
	image im[4], back;
	char err[256];
	int ok = 1;

	for (int i = 0; i < 4; i++) {
		blob b = slurp(path(files[i]));
		unsigned char *out = NULL;
		size_t n = 0;
		if (img_decode(b.p, b.n, &im[i], err, sizeof err) == -1 ||
		    img_encode_png(&im[i], &out, &n, err, sizeof err) == -1 ||
		    img_decode(out, n, &back, err, sizeof err) == -1) {
			CHECK(0, "PNG round trip of %s: %s", files[i], err);
			ok = 0;
		} else {
			CHECK(back.w == im[i].w && back.h == im[i].h && back.c == i + 1 &&
			      memcmp(back.px, im[i].px, (size_t)back.w * back.h * back.c) == 0 &&
			      img_extent(out, n) == (long long)n,
			      "PNG round trip, %d channels: identical (%zu bytes)", i + 1, n);
			img_free(&back);
		}
		free(out);
		free(b.p);
	}
	if (!ok)
		return;
	for (int i = 0; i < 4; i++) {
		unsigned char *out = NULL;
		size_t n = 0;
		double se = 0, psnr;
		int wc = i < 2 ? 1 : 3;
		if (img_encode_jpeg(&im[i], 95, &out, &n, err, sizeof err) == -1 ||
		    img_decode(out, n, &back, err, sizeof err) == -1) {
			CHECK(0, "JPEG encode of %d channels: %s", i + 1, err);
			free(out);
			continue;
		}
		for (int p = 0; p < W * H; p++)
			for (int k = 0; k < wc; k++) {
				double d = (double)back.px[p * wc + k] - im[i].px[p * im[i].c + k];
				se += d * d;
			}
		psnr = 10 * log10(255.0 * 255.0 / (se / (W * H * wc) + 1e-12));
		CHECK(back.w == W && back.h == H && back.c == wc && psnr > 35,
		      "JPEG quality 95, %d channels -> %d: PSNR %.1f dB > 35 (%zu bytes)", i + 1, wc, psnr, n);
		img_free(&back);
		free(out);
	}
	{
		/* Quality 100 outgrows the encoder's first buffer guess (raw size / 8). */
		unsigned char *out = NULL;
		size_t n = 0;
		int ok = img_encode_jpeg(&im[2], 100, &out, &n, err, sizeof err) == 0 &&
		         img_decode(out, n, &back, err, sizeof err) == 0;
		double md = ok ? max_diff(back.px, im[2].px, (size_t)W * H * 3, NULL) : -1;
		CHECK(ok && n > (size_t)W * H * 3 / 8 + 4096 && md >= 0 && md <= 8,
		      "JPEG quality 100: %zu bytes, max diff %g <= 8", n, md);
		if (ok)
			img_free(&back);
		free(out);
	}
	{
		unsigned char *out = (unsigned char *)1;
		size_t n = 1;
		image bad = im[2];
		CHECK(img_encode_jpeg(&im[2], 0, &out, &n, err, sizeof err) == -1 && out == NULL && n == 0,
		      "JPEG quality 0 refused: \"%s\"", err);
		bad.c = 5;
		CHECK(img_encode_png(&bad, &out, &n, err, sizeof err) == -1, "PNG of 5 channels refused: \"%s\"", err);
	}
	for (int i = 0; i < 4; i++)
		img_free(&im[i]);
	img_free(NULL);
}

/* ---- Netpbm edge cases: hand-made files ---- */

/* Decodes the n bytes of s: 0 with its pixels in px (at most 16 bytes), or -1 with err. */
static int
pnm(const char *s, size_t n, image *im, char *err, size_t errlen)
{
	return img_decode(s, n, im, err, errlen);
}

static void
test_pnm(void)
{
	image im;
	char err[256];
	static const char pam[] = "P7\nWIDTH 2\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n\x10\x20\x30\x40";

	CHECK(pnm("P1\n# a comment\n3 2\n010\n1 0 1", 28, &im, err, sizeof err) == 0 && im.w == 3 && im.h == 2 &&
	      im.c == 1 && memcmp(im.px, "\xff\0\xff\0\xff\0", 6) == 0,
	      "plain PBM: comment, digits with and without spaces, 1 is black");
	img_free(&im);
	CHECK(pnm("P2 3 1 1000 0 500 1000 ", 23, &im, err, sizeof err) == 0 &&
	      memcmp(im.px, "\0\x80\xff", 3) == 0, "plain PGM, maxval 1000: round(v*255/1000)");
	img_free(&im);
	CHECK(pnm("P5 2 1 65535\n\x01\x00\xff\xff", 17, &im, err, sizeof err) == 0 &&
	      memcmp(im.px, "\x01\xff", 2) == 0, "raw 16-bit PGM: big-endian, round(v/257)");
	img_free(&im);
	CHECK(pnm("P4 10 1\n\x80\x40", 10, &im, err, sizeof err) == 0 && im.w == 10 && im.px[0] == 0 &&
	      im.px[1] == 255 && im.px[9] == 0, "raw PBM: rows of bits, MSB first");
	img_free(&im);
	CHECK(pnm(pam, sizeof pam - 1, &im, err, sizeof err) == 0 && im.c == 2 &&
	      memcmp(im.px, "\x10\x20\x30\x40", 4) == 0, "PAM gray+alpha: 2 channels");
	img_free(&im);
	CHECK(pnm("P5 2 1 255\n\x01", 12, &im, err, sizeof err) == -1 && strcmp(err, "truncated PGM") == 0,
	      "raw PGM cut short: \"%s\"", err);
	CHECK(pnm("P3 1 1 255 1 2", 14, &im, err, sizeof err) == -1 && strcmp(err, "truncated PPM") == 0,
	      "plain PPM cut short: \"%s\"", err);
	CHECK(pnm("P6 1 1 100\n\x01\x02\xc8", 14, &im, err, sizeof err) == -1 &&
	      strncmp(err, "corrupt PPM: sample 200 above maxval 100", 40) == 0, "sample above maxval: \"%s\"", err);
	CHECK(pnm("P5 0 1 255\n", 11, &im, err, sizeof err) == -1 && strstr(err, "bad image size"),
	      "width 0: \"%s\"", err);
	CHECK(pnm("P2 1 1 0 0", 10, &im, err, sizeof err) == -1 && strcmp(err, "corrupt PGM: maxval 0") == 0,
	      "maxval 0: \"%s\"", err);
	CHECK(pnm("P7\nWIDTH 1\nHEIGHT 1\nENDHDR\n", 28, &im, err, sizeof err) == -1 && strstr(err, "corrupt PAM"),
	      "PAM without DEPTH and MAXVAL: \"%s\"", err);
	CHECK(pnm("P5 70000 70000 255\n", 19, &im, err, sizeof err) == -1 && strstr(err, "pixel budget"),
	      "70000x70000: refused by the pixel budget before allocating: \"%s\"", err);
}

static void
cleanup(void)
{
	sh("rm -rf '%s'", dir);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	if (access(CONVERT, X_OK) != 0 || access(KLIMT, R_OK) != 0 || access(SOLVAY, R_OK) != 0) {
		test_sniff();
		SKIP("image decoding tests need imagemagick and visp-images-data");
		return CHECK_DONE();
	}
	snprintf(dir, sizeof dir, "%s/test_image.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("FAIL mkdtemp %s\n", dir);
		return 1;
	}
	atexit(cleanup);        /* also after a FAIL that exits early */
	test_sniff();
	test_png();
	test_jpeg();
	test_errors();
	test_extent();
	test_encode();
	test_pnm();
	return CHECK_DONE();
}
