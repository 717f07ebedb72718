/* --export DIR: image files with safe names, plus DIR/index.tsv; with --overlay, the true
 * and predicted masks drawn over each image as well. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage.h"
#include "image/image.h"
#include "names.h"
#include "source.h"
#include "util/strmap.h"
#include "util/util.h"

struct export {
	stage st;
	char *dir;
	int by_label, overlay;
	name_set files;         /* file names already written, relative to dir */
	name_set folders;       /* --by-label: folder names already given to a label */
	strmap labels;          /* --by-label: "L" label, or "N" for none; index i -> folder[i] */
	char **folder;
	size_t nfolder;
	void (*warn)(const char *msg, void *ctx);
	void *ctx;
	outfile index;
	uint64_t n;
};

/* The folder of a label (NULL: none), made the first time: its name_safe name, or that name
 * with a number when another label has it already (with a warning). */
static const char *
label_folder(struct export *x, const char *label)
{
	static const char *const bare[] = { "", NULL };
	char *key, base[NAME_MAX_BYTES + 1], name[NAME_MAX_BYTES + 24], path[4096];
	size_t i;

	key = xmalloc(strlen(label ? label : "") + 2);
	sprintf(key, "%s%s", label ? "L" : "N", label ? label : "");
	i = strmap_add(&x->labels, key);
	free(key);
	if (i < x->nfolder)
		return x->folder[i];
	name_safe(label ? label : "unlabelled", "unlabelled", base, sizeof base);
	if (name_claim(&x->folders, "", base, bare, name, sizeof name) > 1 && x->warn) {
		char msg[1024];
		snprintf(msg, sizeof msg, "--export --by-label: the folder name %s is taken: %s%.300s%s go to %s",
		         base, label ? "records labelled '" : "records without a label", label ? label : "",
		         label ? "'" : "", name);
		x->warn(msg, x->ctx);
	}
	x->folder = xreallocarray(x->folder, i + 1, sizeof *x->folder);
	x->folder[i] = xstrdup(name);
	x->nfolder = i + 1;
	snprintf(path, sizeof path, "%s/%s", x->dir, name);
	if (mkdir(path, 0777) == -1 && errno != EEXIST) {
		snprintf(x->st.err, sizeof x->st.err, "%.400s: %s", path, strerror(errno));
		return NULL;
	}
	return x->folder[i];
}

static int
write_file(stage *s, const char *path, const void *buf, size_t n)
{
	outfile o;

	if (outfile_open(&o, path) == -1 || fwrite(buf, 1, n, o.f) != n || outfile_commit(&o) == -1) {
		int e = errno;
		outfile_abort(&o);
		snprintf(s->err, sizeof s->err, "%.400s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

static int
write_png(stage *s, const char *path, const ts_tensor *t, uint64_t recno)
{
	image im;
	unsigned char *png;
	size_t n;
	char why[256];
	int rc;

	if (tensor_as_image(t, &im, why, sizeof why) == -1) {
		snprintf(s->err, sizeof s->err, "record %llu: %s", (unsigned long long)recno, why);
		return -1;
	}
	if (img_encode_png(&im, &png, &n, why, sizeof why) == -1) {
		snprintf(s->err, sizeof s->err, "record %llu: %s", (unsigned long long)recno, why);
		return -1;
	}
	rc = write_file(s, path, png, n);
	free(png);
	return rc;
}

/* A mask's pixels when it is u8 or f32 of h x w (also h x w x 1 or 1 x h x w), else NULL. */
static const void *
mask_plane(const ts_tensor *t, int h, int w)
{
	uint64_t d0 = t->dims[0], d1 = t->ndim > 1 ? t->dims[1] : 0, d2 = t->ndim > 2 ? t->dims[2] : 1;

	if ((t->dtype != TS_U8 && t->dtype != TS_F32) || t->ndim < 2 || t->ndim > 3)
		return NULL;
	if (t->ndim == 3 && d0 == 1 && d2 != 1) {
		d0 = d1;
		d1 = d2;
	} else if (d2 != 1)
		return NULL;
	return d0 == (uint64_t)h && d1 == (uint64_t)w ? t->data : NULL;
}

static int
mask_on(const ts_tensor *t, const void *plane, size_t i)
{
	if (plane == NULL)
		return 0;
	return t->dtype == TS_U8 ? ((const unsigned char *)plane)[i] >= 128 : ((const float *)plane)[i] >= 0.5f;
}

/*
 * NAME-overlay.png: the image as RGB, each pixel of the true mask only (a miss) mixed with
 * green, of the predicted mask only (a false alarm) with red, of both with yellow, a quarter
 * the pixel and three quarters the colour.  A pixel is in a mask where it is at least 0.5
 * (u8 128), as cnneval --masks counts it at its default threshold.
 */
static int
write_overlay(stage *s, const char *path, const ts_record *rec, const ts_tensor *img, const ts_tensor *enc,
              uint64_t recno)
{
	static const unsigned char colour[4][3] = { { 0, 0, 0 }, { 0, 255, 0 }, { 255, 0, 0 }, { 255, 255, 0 } };
	const ts_tensor *truth = ts_tensor_get(rec, "mask"), *pred = ts_tensor_get(rec, "pred_mask");
	const void *tp = NULL, *pp = NULL;
	image src = { 0 }, out;
	unsigned char *png;
	size_t len;
	char why[256];
	int rc, decoded = img == NULL;

	rc = img ? tensor_as_image(img, &src, why, sizeof why)
	         : img_decode(enc->data, enc->nbytes, &src, why, sizeof why);
	if (rc == -1) {
		snprintf(s->err, sizeof s->err, "record %llu: %s", (unsigned long long)recno, why);
		return -1;
	}
	if ((truth && (tp = mask_plane(truth, src.h, src.w)) == NULL) ||
	    (pred && (pp = mask_plane(pred, src.h, src.w)) == NULL)) {
		snprintf(s->err, sizeof s->err, "record %llu: --overlay: tensor '%s' is not a u8 or f32 %dx%d mask "
		         "of the image's size", (unsigned long long)recno, (truth && !tp ? truth : pred)->name,
		         src.w, src.h);
		if (decoded)
			img_free(&src);
		return -1;
	}
	out.w = src.w;
	out.h = src.h;
	out.c = 3;
	out.px = xmalloc((size_t)src.w * src.h * 3);
	for (size_t i = 0, n = (size_t)src.w * src.h; i < n; i++) {
		const unsigned char *p = src.px + i * src.c;
		unsigned char *q = out.px + i * 3;
		int k = mask_on(truth, tp, i) | mask_on(pred, pp, i) << 1;
		for (int c = 0; c < 3; c++) {
			int v = src.c >= 3 ? p[c] : p[0];
			q[c] = k ? (unsigned char)((v + 3 * colour[k][c]) / 4) : (unsigned char)v;
		}
	}
	if (decoded)
		img_free(&src);
	rc = img_encode_png(&out, &png, &len, why, sizeof why);
	free(out.px);
	if (rc == -1) {
		snprintf(s->err, sizeof s->err, "record %llu: %s", (unsigned long long)recno, why);
		return -1;
	}
	rc = write_file(s, path, png, len);
	free(png);
	return rc;
}

/* The file extension of encoded bytes, from their magic; "bin" when they are no image. */
static const char *
encoded_ext(const ts_tensor *enc)
{
	const unsigned char *p = enc->data;

	switch (img_sniff(enc->data, enc->nbytes)) {
	case IMG_PNG:  return "png";
	case IMG_JPEG: return "jpg";
	case IMG_WEBP: return "webp";
	case IMG_GIF:  return "gif";
	case IMG_TIFF: return "tif";
	case IMG_BMP:  return "bmp";
	case IMG_PNM:  return p[1] == '1' || p[1] == '4' ? "pbm" : p[1] == '2' || p[1] == '5' ? "pgm"
	                    : p[1] == '3' || p[1] == '6' ? "ppm" : "pam";
	default:       return "bin";
	}
}

static int
export_push(stage *s, ts_record *rec)
{
	struct export *x = (struct export *)s;
	const char *id = ts_get(rec, "id"), *label = ts_get(rec, "label");
	const ts_tensor *img = ts_tensor_get(rec, "image"), *enc = ts_tensor_get(rec, "encoded");
	const ts_tensor *mask = ts_tensor_get(rec, "mask");
	char base[NAME_MAX_BYTES + 1], stem[NAME_MAX_BYTES + 24], prefix[NAME_MAX_BYTES + 32] = "";
	char rel[400], path[4096], idbuf[32], dotext[8];
	const char *ext, *sub = "", *suffixes[4];
	int rc, ns = 0;

	x->n++;
	if (img == NULL && enc == NULL) {
		snprintf(s->err, sizeof s->err, "record %llu: no image or encoded tensor to export",
		         (unsigned long long)x->n);
		return -1;
	}
	if (id == NULL) {
		snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)x->n);
		id = idbuf;
	}
	name_safe(id, "record", base, sizeof base);
	name_strip_image_ext(base);
	ext = img ? "png" : encoded_ext(enc);
	if (x->by_label) {
		if ((sub = label_folder(x, label)) == NULL)
			return -1;
		snprintf(prefix, sizeof prefix, "%s/", sub);
	}
	/* the image, its mask and its overlay: names no other record has */
	snprintf(dotext, sizeof dotext, ".%s", ext);
	suffixes[ns++] = dotext;
	if (mask)
		suffixes[ns++] = "-mask.png";
	if (x->overlay)
		suffixes[ns++] = "-overlay.png";
	suffixes[ns] = NULL;
	name_claim(&x->files, prefix, base, suffixes, stem, sizeof stem);
	snprintf(rel, sizeof rel, "%s%s.%s", prefix, stem, ext);
	snprintf(path, sizeof path, "%s/%s", x->dir, rel);
	if (img)
		rc = write_png(s, path, img, x->n);
	else
		rc = write_file(s, path, enc->data, enc->nbytes);
	if (rc == -1)
		return -1;
	fprintf(x->index.f, "%s\t", rel);
	for (const char *p = id; *p; p++)
		putc(*p == '\t' || *p == '\n' ? ' ' : *p, x->index.f);
	putc('\t', x->index.f);
	for (const char *p = label ? label : ""; *p; p++)
		putc(*p == '\t' || *p == '\n' ? ' ' : *p, x->index.f);
	if (mask) {
		char mrel[420];
		snprintf(mrel, sizeof mrel, "%.*s-mask.png", (int)(strlen(rel) - strlen(ext) - 1), rel);
		snprintf(path, sizeof path, "%s/%s", x->dir, mrel);
		if (write_png(s, path, mask, x->n) == -1)
			return -1;
		fprintf(x->index.f, "\t%s", mrel);
	} else {
		putc('\t', x->index.f);
	}
	if (x->overlay) {
		char orel[420];
		snprintf(orel, sizeof orel, "%.*s-overlay.png", (int)(strlen(rel) - strlen(ext) - 1), rel);
		snprintf(path, sizeof path, "%s/%s", x->dir, orel);
		if (write_overlay(s, path, rec, img, enc, x->n) == -1)
			return -1;
		fprintf(x->index.f, "\t%s", orel);
	}
	putc('\n', x->index.f);
	return 0;
}

static int
export_finish(stage *s)
{
	struct export *x = (struct export *)s;

	if (outfile_commit(&x->index) == -1) {
		snprintf(s->err, sizeof s->err, "%s/index.tsv: %s", x->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void
export_free(stage *s)
{
	struct export *x = (struct export *)s;

	outfile_abort(&x->index);
	name_set_free(&x->files);
	name_set_free(&x->folders);
	strmap_free(&x->labels);
	for (size_t i = 0; i < x->nfolder; i++)
		free(x->folder[i]);
	free(x->folder);
	free(x->dir);
	free(x);
}

stage *
sink_export(const char *dir, int by_label, int overlay, void (*warn)(const char *msg, void *ctx), void *ctx)
{
	struct export *x = xcalloc(1, sizeof *x);
	char path[4096];

	x->st.push = export_push;
	x->st.finish = export_finish;
	x->st.free = export_free;
	x->dir = xstrdup(dir);
	x->by_label = by_label;
	x->overlay = overlay;
	x->warn = warn;
	x->ctx = ctx;
	name_set_init(&x->files);
	name_set_init(&x->folders);
	name_set_take(&x->folders, "index.tsv");       /* a label of that name is no folder */
	strmap_init(&x->labels);
	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		snprintf(x->st.err, sizeof x->st.err, "%s: %s", dir, strerror(errno));
		return &x->st;
	}
	snprintf(path, sizeof path, "%s/index.tsv", dir);
	if (outfile_open(&x->index, path) == -1) {
		snprintf(x->st.err, sizeof x->st.err, "%.400s: %s", path, strerror(errno));
		return &x->st;
	}
	fputs(overlay ? "file\tid\tlabel\tmask\toverlay\n" : "file\tid\tlabel\tmask\n", x->index.f);
	return &x->st;
}
