/* --export DIR: image files with safe names, plus DIR/index.tsv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "stage.h"
#include "image.h"
#include "source.h"
#include "strmap.h"
#include "util.h"

struct export {
	stage st;
	char *dir;
	int by_label;
	strmap used;            /* file names already written, relative to dir */
	outfile index;
	uint64_t n;
};

/* Keeps [A-Za-z0-9._+-], replaces anything else (slashes included) by '_', never starts with '.'. */
static void
safe_name(const char *in, char *out, size_t outlen)
{
	size_t j = 0;

	if (*in == '.' && outlen > 1)
		out[j++] = '_';
	for (; *in && j + 1 < outlen; in++) {
		unsigned char c = (unsigned char)*in;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		         c == '.' || c == '_' || c == '-' || c == '+';
		out[j++] = ok ? (char)c : '_';
	}
	out[j] = '\0';
	if (j == 0)
		snprintf(out, outlen, "record");
}

static void
strip_image_ext(char *name)
{
	static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".jpe", NULL };
	char *dot = strrchr(name, '.');

	for (int i = 0; dot && dot != name && ext[i]; i++)
		if (strcasecmp(dot, ext[i]) == 0)
			*dot = '\0';
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

static int
export_push(stage *s, ts_record *rec)
{
	struct export *x = (struct export *)s;
	const char *id = ts_get(rec, "id"), *label = ts_get(rec, "label"), *fmt = ts_get(rec, "format");
	const ts_tensor *img = ts_tensor_get(rec, "image"), *enc = ts_tensor_get(rec, "encoded");
	const ts_tensor *mask = ts_tensor_get(rec, "mask");
	char base[160], sub[160] = "", rel[400], path[4096], idbuf[32];
	const char *ext;
	int rc;

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
	safe_name(id, base, sizeof base);
	strip_image_ext(base);
	ext = img ? "png" : fmt && strcmp(fmt, "jpeg") == 0 ? "jpg" : fmt ? fmt : "bin";
	if (x->by_label) {
		safe_name(label ? label : "unlabelled", sub, sizeof sub);
		snprintf(path, sizeof path, "%s/%s", x->dir, sub);
		if (mkdir(path, 0777) == -1 && errno != EEXIST) {
			snprintf(s->err, sizeof s->err, "%.400s: %s", path, strerror(errno));
			return -1;
		}
	}
	snprintf(rel, sizeof rel, "%s%s%s.%s", sub, *sub ? "/" : "", base, ext);
	for (int k = 2; strmap_find(&x->used, rel) >= 0; k++)
		snprintf(rel, sizeof rel, "%s%s%s-%d.%s", sub, *sub ? "/" : "", base, k, ext);
	strmap_add(&x->used, rel);
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
		fprintf(x->index.f, "\t%s\n", mrel);
	} else {
		fputs("\t\n", x->index.f);
	}
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
	strmap_free(&x->used);
	free(x->dir);
	free(x);
}

stage *
sink_export(const char *dir, int by_label)
{
	struct export *x = xcalloc(1, sizeof *x);
	char path[4096];

	x->st.push = export_push;
	x->st.finish = export_finish;
	x->st.free = export_free;
	x->dir = xstrdup(dir);
	x->by_label = by_label;
	strmap_init(&x->used);
	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		snprintf(x->st.err, sizeof x->st.err, "%s: %s", dir, strerror(errno));
		return &x->st;
	}
	snprintf(path, sizeof path, "%s/index.tsv", dir);
	if (outfile_open(&x->index, path) == -1) {
		snprintf(x->st.err, sizeof x->st.err, "%.400s: %s", path, strerror(errno));
		return &x->st;
	}
	fputs("file\tid\tlabel\tmask\n", x->index.f);
	return &x->st;
}
