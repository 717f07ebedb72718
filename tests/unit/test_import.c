/*
 * IDX, .npy and .npz import (libcommon/pipeline/import.h) and label files (labels.h).
 *
 * Inputs are written here in C (IDX plain and gzip through zlib, .npy headers
 * by hand, .npz archives through libzip, stored and deflated) in a temporary
 * directory.  When /usr/bin/python3 has numpy, the same kinds of files are
 * also made by numpy.save/savez/savez_compressed and the imported values are
 * compared with numpy's.  Fashion-MNIST (Debian's dataset-fashion-mnist) is
 * imported whole and checked against numpy reading the same gzip file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zip.h>
#include <zlib.h>

#include "check.h"
#include "pipeline/import.h"
#include "pipeline/labels.h"

#define PY "/usr/bin/python3"
#define FMNIST "/usr/share/datasets/fashion-mnist"

static char dir[64];

static const char *
path(const char *name)
{
	static char buf[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void
put(const char *name, const void *buf, size_t n)
{
	FILE *f = fopen(path(name), "wb");

	if (f == NULL || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
		printf("FAIL cannot write %s\n", name);
		exit(1);
	}
}

static void
puts_file(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

static unsigned char *
slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	unsigned char *b;
	long k;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (k = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (b = malloc((size_t)k + 1)) == NULL || fread(b, 1, (size_t)k, f) != (size_t)k) {
		printf("FAIL cannot read %s\n", p);
		exit(1);
	}
	fclose(f);
	*n = (size_t)k;
	return b;
}

/* ---- what the importers emit ---- */

struct got {
	size_t n, nkept;
	ts_record *rec;         /* copies, when keep */
	int keep;
	size_t stop_at;         /* emit fails at this record (counting from 1); 0: never */
	long class_count[16];
	const long *keep_index; /* keep only these indices (sorted, -1 ends) */
};

static int
collect(ts_record *rec, void *ctx)
{
	struct got *g = ctx;
	const char *li = ts_get(rec, "label_index");

	if (g->stop_at && g->n + 1 == g->stop_at)
		return -1;
	if (li && atoi(li) >= 0 && atoi(li) < 16)
		g->class_count[atoi(li)]++;
	if (g->keep) {
		int want = 1;
		if (g->keep_index) {
			want = 0;
			for (const long *k = g->keep_index; *k >= 0; k++)
				want |= (size_t)*k == g->n;
		}
		if (want) {
			ts_record *nr = realloc(g->rec, (g->nkept + 1) * sizeof *nr);
			if (nr == NULL)
				exit(1);
			g->rec = nr;
			ts_record_init(&g->rec[g->nkept]);
			ts_record_copy(&g->rec[g->nkept++], rec);
		}
	}
	g->n++;
	return 0;
}

static void
got_free(struct got *g)
{
	for (size_t i = 0; i < g->nkept; i++)
			ts_record_free(&g->rec[i]);
	free(g->rec);
	memset(g, 0, sizeof *g);
}

static int
meta_is(const ts_record *r, const char *key, const char *want)
{
	const char *v = ts_get(r, key);

	if (v == NULL && want == NULL)
		return 1;
	if (v == NULL || want == NULL || strcmp(v, want) != 0) {
		printf("  %s is '%s', want '%s'\n", key, v ? v : "(none)", want ? want : "(none)");
		return 0;
	}
	return 1;
}

static int
tensor_is(const ts_record *r, int dtype, uint64_t h, uint64_t w, uint64_t c, const void *data)
{
	const ts_tensor *t = ts_tensor_get(r, "image");
	size_t es = dtype == TS_F32 ? 4 : 1;

	if (t == NULL || t->dtype != dtype || t->ndim != 3 || t->dims[0] != h || t->dims[1] != w ||
	    t->dims[2] != c || t->nbytes != h * w * c * es) {
		printf("  bad tensor\n");
		return 0;
	}
	return data == NULL || memcmp(t->data, data, t->nbytes) == 0;
}

static int
contains(const char *s, const char *sub)
{
	if (strstr(s, sub))
		return 1;
	printf("  message '%s' lacks '%s'\n", s, sub);
	return 0;
}

/* ---- IDX ---- */

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Writes an IDX file: magic, dims, data; the first cut bytes only if cut >= 0; gzip if gz. */
static void
write_idx(const char *name, uint32_t magic, const uint32_t *dims, int ndim, const unsigned char *data,
          size_t n, long cut, int gz)
{
	unsigned char *b = malloc(4 + 4 * (size_t)ndim + n);
	size_t len = 4 + 4 * (size_t)ndim + n;

	be32(b, magic);
	for (int i = 0; i < ndim; i++)
		be32(b + 4 + 4 * i, dims[i]);
	memcpy(b + 4 + 4 * ndim, data, n);
	if (cut >= 0 && (size_t)cut < len)
		len = (size_t)cut;
	if (gz) {
		gzFile f = gzopen(path(name), "wb");
		if (f == NULL || (len && gzwrite(f, b, (unsigned)len) != (int)len) || gzclose(f) != Z_OK) {
			printf("FAIL gzip %s\n", name);
			exit(1);
		}
	} else {
		put(name, b, len);
	}
	free(b);
}

static int
idx(const char *img, const char *lab, const char *const *cls, int ncls, struct got *g, char *err)
{
	char li[512], ll[512];

	snprintf(li, sizeof li, "%s", path(img));
	if (lab)
		snprintf(ll, sizeof ll, "%s", path(lab));
	err[0] = '\0';
	return import_idx(li, lab ? ll : NULL, cls, ncls, collect, g, err, 512);
}

static void
test_idx(void)
{
	enum { N = 5, H = 3, W = 4 };
	unsigned char px[N * H * W], lab[N] = { 7, 0, 2, 9, 2 };
	uint32_t idims[3] = { N, H, W }, ldims[1] = { N };
	static const char *const cls[] = { "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9" };
	struct got g = { .keep = 1 };
	char err[512], want[64];
	int rc, ok;

	for (int i = 0; i < N * H * W; i++)
		px[i] = (unsigned char)(i * 37 + 11);
	write_idx("img.idx", 0x803, idims, 3, px, sizeof px, -1, 0);
	write_idx("lab.idx", 0x801, ldims, 1, lab, sizeof lab, -1, 0);
	write_idx("img-idx3-ubyte.gz", 0x803, idims, 3, px, sizeof px, -1, 1);
	write_idx("lab-idx1-ubyte.gz", 0x801, ldims, 1, lab, sizeof lab, -1, 1);

	rc = idx("img.idx", "lab.idx", NULL, 0, &g, err);
	CHECK(rc == 0 && g.n == N, "idx: %d images read (%s)", N, err);
	ok = g.n == N;
	for (size_t i = 0; ok && i < N; i++) {
		char id[32], ix[8], l[8];
		snprintf(id, sizeof id, "img.idx:%zu", i);
		snprintf(ix, sizeof ix, "%zu", i);
		snprintf(l, sizeof l, "%d", lab[i]);
		ok = meta_is(&g.rec[i], "id", id) && meta_is(&g.rec[i], "index", ix) &&
		     meta_is(&g.rec[i], "label", l) && meta_is(&g.rec[i], "label_index", NULL) &&
		     meta_is(&g.rec[i], "width", "4") && meta_is(&g.rec[i], "height", "3") &&
		     meta_is(&g.rec[i], "source", path("img.idx")) &&
		     tensor_is(&g.rec[i], TS_U8, H, W, 1, px + i * H * W);
	}
	CHECK(ok, "idx: id, index, label, size, source and pixels of every image");
	got_free(&g);

	g.keep = 1;
	rc = idx("img-idx3-ubyte.gz", "lab-idx1-ubyte.gz", cls, 10, &g, err);
	CHECK(rc == 0 && g.n == N, "idx.gz with class names: %d images (%s)", N, err);
	ok = g.n == N;
	for (size_t i = 0; ok && i < N; i++) {
		char id[48], li[8];
		snprintf(id, sizeof id, "img-idx3-ubyte:%zu", i);
		snprintf(li, sizeof li, "%d", lab[i]);
		ok = meta_is(&g.rec[i], "id", id) && meta_is(&g.rec[i], "label", cls[lab[i]]) &&
		     meta_is(&g.rec[i], "label_index", li) && tensor_is(&g.rec[i], TS_U8, H, W, 1, px + i * H * W);
	}
	CHECK(ok, "idx.gz: id without .gz, label names and label_index, pixels");
	got_free(&g);

	/* a gzip images file with plain labels, no labels at all */
	rc = idx("img-idx3-ubyte.gz", NULL, cls, 10, &g, err);
	CHECK(rc == 0 && g.n == N, "idx without labels");
	got_free(&g);
	g.keep = 1;
	rc = idx("img-idx3-ubyte.gz", "lab.idx", NULL, 0, &g, err);
	CHECK(rc == 0 && g.n == N && meta_is(&g.rec[3], "label", "9"), "idx: gzip images, plain labels");
	got_free(&g);

	/* emit stops */
	g.stop_at = 3;
	rc = idx("img.idx", "lab.idx", NULL, 0, &g, err);
	CHECK(rc == -1 && g.n == 2, "idx: emit returning -1 stops the import (%zu emitted)", g.n);
	got_free(&g);

	/* wrong magic */
	rc = idx("lab.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == -1 && g.n == 0 && contains(err, "labels file, not images"), "idx: labels given as images: %s", err);
	write_idx("bad.idx", 0x0802, idims, 3, px, sizeof px, -1, 0);
	rc = idx("bad.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == -1 && contains(err, "magic 0x00000802") && contains(err, path("bad.idx")), "idx: bad magic: %s", err);
	rc = idx("img.idx", "img.idx", NULL, 0, &g, err);
	CHECK(rc == -1 && g.n == 0 && contains(err, "not an IDX u8 labels file"), "idx: images given as labels: %s", err);
	rc = idx("missing.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == -1 && contains(err, "missing.idx"), "idx: missing file: %s", err);

	/* truncation, plain and gzip, at several offsets */
	static const long cuts[] = { 0, 3, 10, 16, 16 + 5, 16 + H * W * 2 + 7, 16 + H * W * N - 1 };
	for (int gz = 0; gz < 2; gz++) {
		for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
			long c = cuts[i];
			long image = c < 16 ? -1 : (c - 16) / (H * W);
			write_idx("cut.idx", 0x803, idims, 3, px, sizeof px, c, gz);
			rc = idx("cut.idx", "lab.idx", NULL, 0, &g, err);
			if (image < 0) {
				CHECK(rc == -1 && g.n == 0 && (strstr(err, c ? "too short" : "empty file") != NULL),
				      "idx%s cut at %ld: %s", gz ? ".gz" : "", c, err);
			} else {
				snprintf(want, sizeof want, "images file truncated at image %ld (of 5)", image);
				CHECK(rc == -1 && g.n == (size_t)image && contains(err, want),
				      "idx%s cut at %ld: %zu images, then: %s", gz ? ".gz" : "", c, g.n, err);
			}
			got_free(&g);
		}
	}
	/* a gzip stream cut short (the compressed bytes) */
	{
		size_t n;
		unsigned char *b = slurp(path("img-idx3-ubyte.gz"), &n);
		put("cutz.gz", b, n - 9);
		rc = idx("cutz.gz", NULL, NULL, 0, &g, err);
		CHECK(rc == -1 || g.n == N, "idx: gzip without its trailer: %s", rc ? err : "all read");
		got_free(&g);
		put("cutz.gz", b, n / 2);
		rc = idx("cutz.gz", NULL, NULL, 0, &g, err);
		CHECK(rc == -1 && g.n < N, "idx: gzip cut in half: %s", err);
		got_free(&g);
		b[n / 2] ^= 0x55;
		put("badz.gz", b, n);
		rc = idx("badz.gz", NULL, NULL, 0, &g, err);
		CHECK(rc == -1 || g.n == N, "idx: corrupt gzip: %s", rc ? err : "(undetected)");
		got_free(&g);
		free(b);
	}

	/* labels that do not match */
	ldims[0] = 4;
	write_idx("lab4.idx", 0x801, ldims, 1, lab, 4, -1, 0);
	rc = idx("img.idx", "lab4.idx", NULL, 0, &g, err);
	CHECK(rc == -1 && g.n == 0 && contains(err, "4 labels") && contains(err, "5 images"), "idx: count mismatch: %s", err);
	ldims[0] = 5;
	write_idx("labcut.idx", 0x801, ldims, 1, lab, 5, 8 + 3, 1);
	rc = idx("img.idx", "labcut.idx", NULL, 0, &g, err);
	CHECK(rc == -1 && g.n == 3 && contains(err, "labels file truncated at label 3"), "idx: labels truncated: %s", err);
	got_free(&g);
	rc = idx("img.idx", "lab.idx", cls, 9, &g, err);
	CHECK(rc == -1 && g.n == 3 && contains(err, "label 3 is 9") && contains(err, "9 class names"),
	      "idx: label beyond the class names: %s", err);
	got_free(&g);

	/* bad dimensions */
	uint32_t d0[3] = { 1, 0, 4 }, dbig[3] = { 1, 70000, 4 }, dhuge[3] = { 0xffffffff, 65535, 65535 };
	write_idx("d0.idx", 0x803, d0, 3, px, 4, -1, 0);
	rc = idx("d0.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == -1 && contains(err, "bad image size"), "idx: zero height: %s", err);
	write_idx("dbig.idx", 0x803, dbig, 3, px, sizeof px, -1, 0);
	rc = idx("dbig.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == -1 && contains(err, "bad image size"), "idx: height 70000: %s", err);
	write_idx("dhuge.idx", 0x803, dhuge, 3, px, sizeof px, -1, 1);
	rc = idx("dhuge.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == -1 && g.n == 0 && contains(err, "truncated at image 0"), "idx: 2^32 huge images claimed: %s", err);
	uint32_t dz[3] = { 0, 28, 28 };
	write_idx("dz.idx", 0x803, dz, 3, px, 0, -1, 0);
	rc = idx("dz.idx", NULL, NULL, 0, &g, err);
	CHECK(rc == 0 && g.n == 0, "idx: zero images");
}

/* ---- labels ---- */

static int
rd(const char *text, struct labels *l, char *err)
{
	puts_file("l.csv", text);
	err[0] = '\0';
	return labels_read(path("l.csv"), l, err, 512);
}

static int
row_is(const struct labels *l, size_t i, const char *key, const char *label)
{
	const char *k = l->key ? l->key[i] : NULL;

	if (i >= l->n) {
		printf("  only %zu rows\n", l->n);
		return 0;
	}
	if ((key == NULL) != (k == NULL) || (key && strcmp(key, k) != 0) || strcmp(label, l->label[i]) != 0) {
		printf("  row %zu is '%s' '%s', want '%s' '%s'\n", i, k ? k : "(null)", l->label[i],
		       key ? key : "(null)", label);
		return 0;
	}
	return 1;
}

static void
test_labels(void)
{
	struct labels l;
	char err[512];
	int rc;

	rc = rd("a.png,cat\nb.png,dog\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "a.png", "cat") && row_is(&l, 1, "b.png", "dog") &&
	      strcmp(labels_lookup(&l, "b.png"), "dog") == 0 && labels_lookup(&l, "c.png") == NULL,
	      "labels: plain CSV, no header; lookup");
	labels_free(&l);
	CHECK(l.n == 0 && l.key == NULL, "labels: labels_free zeroes");
	labels_free(&l);
	labels_free(NULL);
	{
		static const char *const k1[] = { "x/a.png", "a.png", NULL }, *const k2[] = { "c.png", NULL },
		                         *const k3[] = { "a.png", NULL };
		char msg[256];
		rc = rd("a.png,cat\nb.png,dog\na.png,cat\nd.png,dog\n", &l, err);
		int q = labels_report(&l, "l.csv", msg, sizeof msg);
		const char *v1 = labels_match(&l, k1), *v2 = labels_match(&l, k2), *v3 = labels_match(&l, k3);
		CHECK(rc == 0 && q == 1 && v1 && strcmp(v1, "cat") == 0 && v2 == NULL && v3 && strcmp(v3, "cat") == 0 &&
		      labels_report(&l, "l.csv", msg, sizeof msg) == 1 &&
		      strcmp(msg, "l.csv: 1 of 3 images has no label, 2 of 4 rows match no image") == 0,
		      "labels: labels_match by any key; labels_report counts images without a label and unused rows "
		      "(a repeated key is used with its first row)");
		if (strcmp(msg, "l.csv: 1 of 3 images has no label, 2 of 4 rows match no image") != 0)
			printf("  got '%s'\n", msg);
		labels_free(&l);
		rc = rd("a.png,cat\n", &l, err);
		labels_match(&l, k3);
		CHECK(rc == 0 && labels_report(&l, "l.csv", msg, sizeof msg) == 0, "labels: labels_report quiet when all match");
		labels_free(&l);
	}

	rc = rd("file\tlabel\na b.png\t3\nc.png\t4", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "a b.png", "3") && row_is(&l, 1, "c.png", "4"),
	      "labels: TSV with header, no final newline");
	labels_free(&l);

	rc = rd("id\tscore\tpath\tLabel\n7\t0.5\tx/1.png\tcat\n8\t0.1\tx/2.png\tdog\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "x/1.png", "cat") && row_is(&l, 1, "x/2.png", "dog"),
	      "labels: header names the label and key columns (path before id)");
	labels_free(&l);

	rc = rd("LABEL,Score\ncat,1\n", &l, err);
	CHECK(rc == 0 && l.n == 1 && row_is(&l, 0, "1", "cat"), "labels: label first; key is the other column");
	labels_free(&l);

	rc = rd("label\ncat\ndog\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && l.key == NULL && row_is(&l, 1, NULL, "dog") && labels_lookup(&l, "dog") == NULL,
	      "labels: a label column alone");
	labels_free(&l);

	rc = rd("\"a,b.png\",\"say \"\"hi\"\"\"\n\"two\nlines.png\" , plain \n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "a,b.png", "say \"hi\"") && row_is(&l, 1, "two\nlines.png", "plain"),
	      "labels: RFC 4180 quotes, doubled quotes, a line break in quotes, spaces trimmed");
	labels_free(&l);

	rc = rd("a,1\r\nb,2\r\n\r\n\r\nc,3\r\n", &l, err);
	CHECK(rc == 0 && l.n == 3 && row_is(&l, 0, "a", "1") && row_is(&l, 1, "b", "2") && row_is(&l, 2, "c", "3"),
	      "labels: CR LF and blank lines");
	labels_free(&l);

	rc = rd("a,1\rb,2\r", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 1, "b", "2"), "labels: old Mac CR line ends");
	labels_free(&l);

	rc = rd("\xef\xbb\xbf" "filename,label\r\n./img/a.jpg,ok\r\n  \r\n./img/b.jpg,blurry\r\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "img/a.jpg", "ok") &&
	      strcmp(labels_lookup(&l, "img/b.jpg"), "blurry") == 0, "labels: BOM, header, ./ removed from keys");
	labels_free(&l);

	rc = rd(",label\n0,cat\n1,dog\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "0", "cat") && row_is(&l, 1, "1", "dog"),
	      "labels: pandas df.to_csv() with a 'label' column");
	labels_free(&l);

	rc = rd(",0\n0,3\n1,5\n2,3\n", &l, err);
	CHECK(rc == 0 && l.n == 3 && row_is(&l, 0, "0", "3") && row_is(&l, 2, "2", "3") &&
	      strcmp(labels_lookup(&l, "1"), "5") == 0, "labels: pandas Series.to_csv() ',0' header");
	labels_free(&l);

	rc = rd("Unnamed: 0,0\n0,1\n", &l, err);
	CHECK(rc == 0 && l.n == 1 && row_is(&l, 0, "0", "1"), "labels: 'Unnamed: 0' header");
	labels_free(&l);

	rc = rd("name,class\na.png,3\nb.png,4\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "a.png", "3"), "labels: header found by a non-numeric label above a number");
	labels_free(&l);

	rc = rd("a,cat\nb,dog\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "a", "cat"), "labels: no header when both are words");
	labels_free(&l);

	rc = rd("class\n1\n2\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && l.key == NULL && row_is(&l, 0, NULL, "1"), "labels: one column with a header");
	labels_free(&l);

	rc = rd("cat\ndog\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && l.key == NULL && row_is(&l, 0, NULL, "cat"), "labels: one column, no header");
	labels_free(&l);

	rc = rd("a.png,x,1e-3\nb.png,y,-2.5\n", &l, err);
	CHECK(rc == 0 && l.n == 2 && row_is(&l, 0, "a.png", "1e-3"), "labels: first column key, last column label");
	labels_free(&l);

	rc = rd("a,1\na,1\n", &l, err);
	CHECK(rc == 0 && l.n == 2, "labels: a key twice with the same label");
	labels_free(&l);

	rc = rd("", &l, err);
	CHECK(rc == 0 && l.n == 0 && labels_lookup(&l, "x") == NULL, "labels: empty file");
	labels_free(&l);

	/* errors */
	rc = rd("a,1\n\"b,2\nc,3\n", &l, err);
	CHECK(rc == -1 && contains(err, "line 2: quoted field not closed"), "labels: unclosed quote: %s", err);
	rc = rd("a,1\n\"b\"x,2\n", &l, err);
	CHECK(rc == -1 && contains(err, "line 2"), "labels: text after a closing quote: %s", err);
	rc = rd("a,1\nb,2\n\nc\n", &l, err);
	CHECK(rc == -1 && contains(err, "line 4: 1 field, but the first row has 2"), "labels: ragged row: %s", err);
	rc = rd("a,1\nb,\n", &l, err);
	CHECK(rc == -1 && contains(err, "line 2: empty label"), "labels: empty label: %s", err);
	rc = rd("file,label\n\"\",x\n", &l, err);
	CHECK(rc == -1 && contains(err, "line 2: empty key"), "labels: empty key: %s", err);
	rc = rd("a,1\nb,2\n\"a\",3\n", &l, err);
	CHECK(rc == -1 && contains(err, "line 3") && contains(err, "line 1"), "labels: a key with two labels: %s", err);
	put("l.csv", "a,1\nb\0,2\n", 9);
	rc = labels_read(path("l.csv"), &l, err, sizeof err);
	CHECK(rc == -1 && contains(err, "line 2: NUL"), "labels: NUL byte: %s", err);
	rc = labels_read(path("none.csv"), &l, err, sizeof err);
	CHECK(rc == -1 && contains(err, "none.csv"), "labels: missing file: %s", err);

	/* 100k rows: reading and looking every key up stays fast */
	{
		FILE *f = fopen(path("big.csv"), "w");
		struct timespec t0, t1;
		int ok = 1;
		fprintf(f, "path,label\n");
		for (int i = 0; i < 100000; i++)
			fprintf(f, "dir/img%06d.png,%d\n", i, i % 7);
		fclose(f);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = labels_read(path("big.csv"), &l, err, sizeof err);
		for (int i = 0; rc == 0 && i < 100000 && ok; i++) {
			char k[32], v[8];
			const char *got;
			snprintf(k, sizeof k, "dir/img%06d.png", (i * 7919) % 100000);
			snprintf(v, sizeof v, "%d", ((i * 7919) % 100000) % 7);
			got = labels_lookup(&l, k);
			ok = got && strcmp(got, v) == 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		CHECK(rc == 0 && l.n == 100000 && ok && labels_lookup(&l, "dir/img100000.png") == NULL,
		      "labels: 100000 rows read and looked up");
		CHECK(s < 3, "labels: 100000 rows in %.3f s", s);
		labels_free(&l);
	}
}

/* ---- .npy, written by hand ---- */

/* A .npy file: version major, the dict text, padded to 64 bytes, then data. */
static void
write_npy(const char *name, int major, const char *dict, const void *data, size_t n)
{
	size_t pre = major == 1 ? 10 : 12, dl = strlen(dict), hl = dl + 1;
	unsigned char *b;

	while ((pre + hl) % 64)
		hl++;
	b = malloc(pre + hl + n);
	memcpy(b, "\x93NUMPY", 6);
	b[6] = (unsigned char)major;
	b[7] = 0;
	b[8] = (unsigned char)hl;
	b[9] = (unsigned char)(hl >> 8);
	if (major > 1) {
		b[10] = (unsigned char)(hl >> 16);
		b[11] = (unsigned char)(hl >> 24);
	}
	memcpy(b + pre, dict, dl);
	memset(b + pre + dl, ' ', hl - dl - 1);
	b[pre + hl - 1] = '\n';
	if (n)
		memcpy(b + pre + hl, data, n);
	put(name, b, pre + hl + n);
	free(b);
}

static int
npy(const char *name, const char *key, struct labels *l, struct got *g, char *err)
{
	err[0] = '\0';
	return import_npy(path(name), key, l, collect, g, err, 512);
}

static void
test_npy(void)
{
	unsigned char u8[2 * 3 * 4 * 3];
	float f32[3 * 2 * 2 * 1];
	unsigned char f32be[sizeof f32];
	struct got g = { .keep = 1 };
	struct labels lab;
	char err[512];
	int rc, ok;

	for (size_t i = 0; i < sizeof u8; i++)
		u8[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < sizeof f32 / sizeof *f32; i++)
		f32[i] = (float)i * 0.25f - 1.0f;
	for (size_t i = 0; i < sizeof f32; i += 4)
		for (int k = 0; k < 4; k++)
			f32be[i + (size_t)k] = ((unsigned char *)f32)[i + 3 - (size_t)k];

	write_npy("a.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }", u8, 24);
	rc = npy("a.npy", NULL, NULL, &g, err);
	CHECK(rc == 0 && g.n == 2 && meta_is(&g.rec[1], "id", "a.npy:1") && meta_is(&g.rec[1], "index", "1") &&
	      meta_is(&g.rec[1], "width", "4") && meta_is(&g.rec[1], "height", "3") &&
	      meta_is(&g.rec[1], "channels", "1") && meta_is(&g.rec[1], "array", NULL) &&
	      meta_is(&g.rec[1], "source", path("a.npy")) && meta_is(&g.rec[1], "label", NULL) &&
	      tensor_is(&g.rec[0], TS_U8, 3, 4, 1, u8) && tensor_is(&g.rec[1], TS_U8, 3, 4, 1, u8 + 12),
	      "npy: u8 N x H x W (%s)", err);
	got_free(&g);

	g.keep = 1;
	write_npy("rgb.npy", 2, "{\"descr\":\"<u1\",\"fortran_order\":False,\"shape\":(2,3,4,3)}", u8, sizeof u8);
	rc = npy("rgb.npy", NULL, NULL, &g, err);
	CHECK(rc == 0 && g.n == 2 && meta_is(&g.rec[0], "channels", "3") &&
	      tensor_is(&g.rec[1], TS_U8, 3, 4, 3, u8 + 36), "npy: v2 header, u8 N x H x W x 3 (%s)", err);
	got_free(&g);

	g.keep = 1;
	write_npy("f.npy", 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 2L, 2L, 1L), }", f32, sizeof f32);
	write_npy("fbe.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2, 2, 1), }", f32be, sizeof f32);
	rc = npy("f.npy", NULL, NULL, &g, err);
	rc |= npy("fbe.npy", NULL, NULL, &g, err);
	ok = rc == 0 && g.n == 6;
	for (int i = 0; ok && i < 6; i++)
		ok = tensor_is(&g.rec[i], TS_F32, 2, 2, 1, f32 + (i % 3) * 4);
	CHECK(ok, "npy: v3 header, float32 little- and big-endian, Python 2 longs, values unchanged (%s)", err);
	got_free(&g);

	/* labels by order */
	g.keep = 1;
	puts_file("ab.csv", "label\ncat\ndog\n");
	labels_read(path("ab.csv"), &lab, err, sizeof err);
	rc = npy("a.npy", "ignored", &lab, &g, err);
	CHECK(rc == 0 && g.n == 2 && meta_is(&g.rec[0], "label", "cat") && meta_is(&g.rec[1], "label", "dog"),
	      "npy: the i-th label for the i-th image");
	got_free(&g);
	rc = npy("f.npy", NULL, &lab, &g, err);
	CHECK(rc == -1 && g.n == 0 && contains(err, "2 labels for 3 images"), "npy: label count mismatch: %s", err);
	labels_free(&lab);

	/* emit stops */
	g.stop_at = 2;
	rc = npy("f.npy", NULL, NULL, &g, err);
	CHECK(rc == -1 && g.n == 1, "npy: emit returning -1 stops");
	got_free(&g);

	/* hostile and unsupported headers */
	static const struct {
		const char *dict, *want;
	} bad[] = {
		{ "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3, 4), }", "Fortran-order" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1099511627776, 65535, 65535), }", "too large" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (4611686018427387904, 4, 4, 4), }", "too large" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1000000, 28, 28), }", "truncated: shape (1000000, 28, 28) needs 784000000 bytes" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999999, 1, 1), }", "dimension too large" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, -4), }", "dimension expected" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 70000, 1), }", "height and width" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 0, 4), }", "height and width" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (24,), }", "want N x H x W" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (), }", "shape ()" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3, 2), }", "2 channels" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3, 2, 2), }", "transpose" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", "dtype '<f8' not supported" },
		{ "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2, 3), }", "dtype '|i1'" },
		{ "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 2, 3), }", "structured" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), 'extra': 1}", "unknown key 'extra'" },
		{ "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3)}", "repeated key 'descr'" },
		{ "{'descr': '|u1', 'shape': (1, 2, 3)}", "no 'fortran_order'" },
		{ "{'descr': '|u1', 'fortran_order': Maybe, 'shape': (1, 2, 3)}", "True or False" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3)", "'}' expected" },
		{ "{'descr': '|u1, 'fortran_order': False, 'shape': (1, 2, 3)}", "bad .npy header" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3)} junk", "text after" },
		{ "['descr', '|u1']", "'{' expected" },
		{ "", "'{' expected" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1 2 3)}", "',' or ')'" },
		{ "{'descr': '|u1', 'fortran_order': False, 'shape': (1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"
		  "20,21,22,23,24,25,26,27,28,29,30,31,32,33)}", "too many dimensions" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		write_npy("bad.npy", 1, bad[i].dict, u8, 24);
		rc = npy("bad.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, bad[i].want) && contains(err, "bad.npy"),
		      "npy refused: %s", err);
		got_free(&g);
	}

	/* broken preambles */
	{
		unsigned char b[16];
		put("x.npy", "\x93NUMPY\x01", 7);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "truncated in its header"), "npy: cut in the magic: %s", err);
		put("x.npy", "\x93NUMPY\x04\x00\x10\x00", 10);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "version 4.0"), "npy: version 4.0: %s", err);
		memcpy(b, "\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
		put("x.npy", b, 12);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "header of 4294967295 bytes"), "npy: 4 GiB header: %s", err);
		put("x.npy", "\x93NUMPY\x01\x00\x40\x00{'descr'", 17);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "truncated in its header"), "npy: cut in the header: %s", err);
		put("x.npy", "hello, world\n", 13);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "not a NumPy .npy or .npz file"), "npy: not NumPy: %s", err);
		put("x.npy", "", 0);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "empty file"), "npy: empty file: %s", err);
		rc = npy("none.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "none.npy"), "npy: missing file: %s", err);
		write_npy("x.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }", u8, 23);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, "truncated: shape (2, 3, 4) needs 24 bytes of data, there are 23"),
		      "npy: data cut short, found before any record: %s", err);
		write_npy("x.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 3, 4), }", u8, 0);
		rc = npy("x.npy", NULL, NULL, &g, err);
		CHECK(rc == 0 && g.n == 0, "npy: no images");
		got_free(&g);
	}

	/* from a pipe (no size known): truncation found at the image it cuts */
	if (mkfifo(path("fifo.npy"), 0600) == 0) {
		pid_t pid;
		write_npy("src.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }", u8, 24);
		pid = fork();
		if (pid == 0) {
			size_t n;
			unsigned char *b = slurp(path("src.npy"), &n);
			FILE *f = fopen(path("fifo.npy"), "wb");
			fwrite(b, 1, n - 5, f);
			fclose(f);
			free(b);
			_exit(0);
		}
		rc = npy("fifo.npy", NULL, NULL, &g, err);
		waitpid(pid, NULL, 0);
		CHECK(rc == -1 && g.n == 1 && contains(err, "truncated at image 1 (of 2)"), "npy from a pipe, cut: %s", err);
		got_free(&g);
	}
}

/* ---- .npz, built with libzip ---- */

struct blob {
	const char *name;
	unsigned char *p;
	size_t n;
};

static struct blob
npy_blob(const char *name, const char *dict, const void *data, size_t n)
{
	struct blob b = { name, NULL, 0 };
	size_t len;

	write_npy("tmp.npy", 1, dict, data, n);
	b.p = slurp(path("tmp.npy"), &len);
	b.n = len;
	return b;
}

static void
write_npz(const char *name, const struct blob *m, int nm, int deflate)
{
	int ze;
	zip_t *z = zip_open(path(name), ZIP_CREATE | ZIP_TRUNCATE, &ze);

	for (int i = 0; z && i < nm; i++) {
		zip_source_t *s = zip_source_buffer(z, m[i].p, m[i].n, 0);
		zip_int64_t k = s ? zip_file_add(z, m[i].name, s, ZIP_FL_OVERWRITE) : -1;
		if (k < 0 || zip_set_file_compression(z, (zip_uint64_t)k, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) < 0) {
			printf("FAIL libzip: %s\n", zip_strerror(z));
			exit(1);
		}
	}
	if (z == NULL || zip_close(z) != 0) {
		printf("FAIL cannot write %s\n", name);
		exit(1);
	}
}

static void
test_npz(void)
{
	unsigned char a[2 * 2 * 3], b[3 * 2 * 3 * 4], rnd[64 * 64];
	struct blob m[4];
	struct got g = { .keep = 1 };
	struct labels lab;
	char err[512];
	int rc, ok;

	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (unsigned char)(200 + i);
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (unsigned char)(i * 3);
	srand(7);
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (unsigned char)rand();
	m[0] = npy_blob("a.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 3), }", a, sizeof a);
	m[1] = npy_blob("b.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 2, 3, 4), }", b, sizeof b);
	m[2] = (struct blob){ "readme.txt", (unsigned char *)"not an array\n", 13 };
	m[3] = npy_blob("r.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 64, 64), }", rnd, sizeof rnd);

	puts_file("five.csv", "label\nl0\nl1\nl2\nl3\nl4\n");
	labels_read(path("five.csv"), &lab, err, sizeof err);
	for (int deflate = 0; deflate < 2; deflate++) {
		const char *how = deflate ? "deflated" : "stored";
		write_npz("ab.npz", m, 2, deflate);
		g.keep = 1;
		rc = npy("ab.npz", NULL, &lab, &g, err);
		ok = rc == 0 && g.n == 5 &&
		     meta_is(&g.rec[0], "id", "ab.npz:a:0") && meta_is(&g.rec[0], "array", "a") &&
		     meta_is(&g.rec[0], "label", "l0") && meta_is(&g.rec[1], "index", "1") &&
		     meta_is(&g.rec[2], "id", "ab.npz:b:0") && meta_is(&g.rec[2], "index", "0") &&
		     meta_is(&g.rec[2], "array", "b") && meta_is(&g.rec[4], "label", "l4") &&
		     meta_is(&g.rec[4], "channels", "4") && meta_is(&g.rec[4], "source", path("ab.npz"));
		for (int i = 0; ok && i < 2; i++)
			ok = tensor_is(&g.rec[i], TS_U8, 2, 3, 1, a + 6 * i);
		for (int i = 0; ok && i < 3; i++)
			ok = tensor_is(&g.rec[2 + i], TS_U8, 2, 3, 4, b + 24 * i);
		CHECK(ok, "npz %s: two arrays in order, ids name them, labels across both (%s)", how, err);
		got_free(&g);

		g.keep = 1;
		rc = npy("ab.npz", "b", NULL, &g, err);
		CHECK(rc == 0 && g.n == 3 && meta_is(&g.rec[0], "id", "ab.npz:b:0") && meta_is(&g.rec[0], "array", "b") &&
		      tensor_is(&g.rec[2], TS_U8, 2, 3, 4, b + 48), "npz %s: key b picks one array (%s)", how, err);
		got_free(&g);
		rc = npy("ab.npz", "a.npy", NULL, &g, err);
		CHECK(rc == 0 && g.n == 2, "npz %s: key a.npy", how);
		got_free(&g);
		rc = npy("ab.npz", "zz", NULL, &g, err);
		CHECK(rc == -1 && contains(err, "no array 'zz'"), "npz %s: a missing key: %s", how, err);

		rc = npy("ab.npz", "a", &lab, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, "5 labels for 2 images"), "npz %s: label count: %s", how, err);

		write_npz("one.npz", m + 1, 1, deflate);
		g.keep = 1;
		rc = npy("one.npz", NULL, NULL, &g, err);
		CHECK(rc == 0 && g.n == 3 && meta_is(&g.rec[1], "id", "one.npz:1") && meta_is(&g.rec[1], "array", "b"),
		      "npz %s: one array: ids without its name", how);
		got_free(&g);

		write_npz("txt.npz", m, 3, deflate);
		rc = npy("txt.npz", NULL, NULL, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, "member 'readme.txt' is not a .npy array"),
		      "npz %s: a member that is not .npy: %s", how, err);
		rc = npy("txt.npz", "b", NULL, &g, err);
		CHECK(rc == 0 && g.n == 3, "npz %s: ... but a key can pick an array beside it", how);
		got_free(&g);

		struct blob fake[2] = { m[0], { "c.npy", (unsigned char *)"PK not numpy", 12 } };
		write_npz("fake.npz", fake, 2, deflate);
		rc = npy("fake.npz", NULL, NULL, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, "c.npy: not a .npy array"), "npz %s: garbage .npy member: %s", how, err);

		struct blob cut[2] = { m[0], { "b.npy", m[1].p, m[1].n - 1 } };
		write_npz("cut.npz", cut, 2, deflate);
		rc = npy("cut.npz", NULL, NULL, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, "b.npy: truncated"), "npz %s: member data cut: %s", how, err);

		struct blob longer[1] = { { "a.npy", NULL, m[0].n + 3 } };
		longer[0].p = calloc(1, longer[0].n);
		memcpy(longer[0].p, m[0].p, m[0].n);
		write_npz("long.npz", longer, 1, deflate);
		rc = npy("long.npz", NULL, NULL, &g, err);
		CHECK(rc == -1 && g.n == 0 && contains(err, "3 bytes after the data"), "npz %s: member too long: %s", how, err);
		free(longer[0].p);

		/* a flipped byte in the data: libzip's CRC check (or zlib) catches it */
		{
			size_t n, at = 0;
			unsigned char *z;
			write_npz("r.npz", m + 3, 1, deflate);
			z = slurp(path("r.npz"), &n);
			for (size_t i = 0; i + 8 < n; i++)
				if (memcmp(z + i, rnd + 2000, 8) == 0)
					at = i;
			if (at == 0)
				at = n / 2;
			z[at] ^= 1;
			put("r.npz", z, n);
			free(z);
			rc = npy("r.npz", NULL, NULL, &g, err);
			CHECK(rc == -1 && contains(err, "r.npy"), "npz %s: a corrupt member is refused: %s", how, err);
			got_free(&g);
		}
	}
	labels_free(&lab);

	write_npz("empty.npz", m, 0, 0);
	{
		struct blob none[1] = { { "dir/", (unsigned char *)"", 0 } };
		write_npz("dir.npz", none, 1, 0);
		rc = npy("dir.npz", NULL, NULL, &g, err);
		CHECK(rc == -1 && contains(err, "no arrays"), "npz: no arrays: %s", err);
	}
	{
		size_t n;
		unsigned char *z;
		write_npz("ab.npz", m, 2, 1);
		z = slurp(path("ab.npz"), &n);
		for (size_t cut = 4; cut < n; cut += n / 7) {
			put("cutz.npz", z, cut);
			rc = npy("cutz.npz", NULL, NULL, &g, err);
			CHECK(rc == -1 && g.n == 0 && contains(err, "cutz.npz"), "npz cut at %zu of %zu: %s", cut, n, err);
			got_free(&g);
		}
		free(z);
	}
	free(m[0].p);
	free(m[1].p);
	free(m[3].p);
}

/* ---- numpy's own files, and Fashion-MNIST ---- */

static int
have_numpy(void)
{
	return access(PY, X_OK) == 0 && sh(PY " -c 'import numpy' >/dev/null 2>&1") == 0;
}

static int
raw_is(const ts_record *r, const unsigned char *raw, size_t *off, size_t n)
{
	const ts_tensor *t = ts_tensor_get(r, "image");

	if (t == NULL || t->nbytes != n || memcmp(t->data, raw + *off, n) != 0)
		return 0;
	*off += n;
	return 1;
}

static void
test_numpy(void)
{
	struct got g = { .keep = 1 };
	unsigned char *raw;
	size_t n, off;
	char err[512];
	int rc, ok;

	if (!have_numpy()) {
		SKIP("numpy tests: no numpy for %s", PY);
		return;
	}
	rc = sh("cd %s && " PY " -c '\n"
	        "import numpy as np\n"
	        "r = np.random.default_rng(5)\n"
	        "u = r.integers(0, 256, (3, 5, 7), dtype=np.uint8)\n"
	        "f = r.standard_normal((2, 4, 4, 3)).astype(np.float32)\n"
	        "c = r.integers(0, 256, (2, 6, 5, 4), dtype=np.uint8)\n"
	        "np.save(\"u.npy\", u); np.save(\"f.npy\", f)\n"
	        "np.save(\"fortran.npy\", np.asfortranarray(u))\n"
	        "np.save(\"f8.npy\", f.astype(np.float64))\n"
	        "np.save(\"nchw.npy\", c.transpose(0, 3, 1, 2).copy())\n"
	        "with open(\"v2.npy\", \"wb\") as o: np.lib.format.write_array(o, c, version=(2, 0))\n"
	        "np.savez(\"s.npz\", u, c)\n"
	        "np.savez_compressed(\"z.npz\", images=u, more=c, floats=f)\n"
	        "open(\"u.raw\", \"wb\").write(u.tobytes()); open(\"f.raw\", \"wb\").write(f.tobytes())\n"
	        "open(\"c.raw\", \"wb\").write(c.tobytes())\n"
	        "open(\"s.raw\", \"wb\").write(u.tobytes() + c.tobytes())\n"
	        "open(\"z.raw\", \"wb\").write(u.tobytes() + c.tobytes() + f.tobytes())\n"
	        "'", dir);
	CHECK(rc == 0, "numpy wrote its test files");
	if (rc != 0)
		return;

	rc = npy("u.npy", NULL, NULL, &g, err);
	raw = slurp(path("u.raw"), &n);
	off = 0;
	ok = rc == 0 && g.n == 3;
	for (size_t i = 0; ok && i < 3; i++)
		ok = tensor_is(&g.rec[i], TS_U8, 5, 7, 1, NULL) && raw_is(&g.rec[i], raw, &off, 35);
	CHECK(ok && off == n, "numpy.save uint8 (3, 5, 7): same values (%s)", err);
	free(raw);
	got_free(&g);

	g.keep = 1;
	rc = npy("f.npy", NULL, NULL, &g, err);
	raw = slurp(path("f.raw"), &n);
	off = 0;
	ok = rc == 0 && g.n == 2;
	for (size_t i = 0; ok && i < 2; i++)
		ok = tensor_is(&g.rec[i], TS_F32, 4, 4, 3, NULL) && raw_is(&g.rec[i], raw, &off, 4 * 4 * 3 * 4);
	CHECK(ok && off == n, "numpy.save float32 (2, 4, 4, 3): same values (%s)", err);
	free(raw);
	got_free(&g);

	g.keep = 1;
	rc = npy("v2.npy", NULL, NULL, &g, err);
	raw = slurp(path("c.raw"), &n);
	off = 0;
	ok = rc == 0 && g.n == 2;
	for (size_t i = 0; ok && i < 2; i++)
		ok = tensor_is(&g.rec[i], TS_U8, 6, 5, 4, NULL) && raw_is(&g.rec[i], raw, &off, 120);
	CHECK(ok && off == n, "numpy format 2.0 RGBA (2, 6, 5, 4): same values (%s)", err);
	free(raw);
	got_free(&g);

	rc = npy("fortran.npy", NULL, NULL, &g, err);
	CHECK(rc == -1 && g.n == 0 && contains(err, "Fortran-order"), "numpy Fortran-order array: %s", err);
	rc = npy("f8.npy", NULL, NULL, &g, err);
	CHECK(rc == -1 && contains(err, "'<f8'"), "numpy float64: %s", err);
	rc = npy("nchw.npy", NULL, NULL, &g, err);
	CHECK(rc == -1 && contains(err, "transpose"), "numpy channels-first: %s", err);

	g.keep = 1;
	rc = npy("s.npz", NULL, NULL, &g, err);
	raw = slurp(path("s.raw"), &n);
	off = 0;
	ok = rc == 0 && g.n == 5 && meta_is(&g.rec[0], "id", "s.npz:arr_0:0") && meta_is(&g.rec[4], "array", "arr_1");
	for (size_t i = 0; ok && i < 5; i++)
		ok = raw_is(&g.rec[i], raw, &off, i < 3 ? 35 : 120);
	CHECK(ok && off == n, "numpy.savez: both arrays, same values (%s)", err);
	free(raw);
	got_free(&g);

	g.keep = 1;
	rc = npy("z.npz", NULL, NULL, &g, err);
	raw = slurp(path("z.raw"), &n);
	off = 0;
	ok = rc == 0 && g.n == 7 && meta_is(&g.rec[0], "array", "images") && meta_is(&g.rec[3], "array", "more") &&
	     meta_is(&g.rec[6], "id", "z.npz:floats:1");
	for (size_t i = 0; ok && i < 7; i++)
		ok = raw_is(&g.rec[i], raw, &off, i < 3 ? 35 : i < 5 ? 120 : 192);
	CHECK(ok && off == n, "numpy.savez_compressed: three arrays, same values (%s)", err);
	free(raw);
	got_free(&g);

	g.keep = 1;
	rc = npy("z.npz", "more", NULL, &g, err);
	CHECK(rc == 0 && g.n == 2 && meta_is(&g.rec[1], "id", "z.npz:more:1"), "numpy.savez_compressed: key 'more'");
	got_free(&g);
}

static void
test_fashion_mnist(void)
{
	static const char *const cls[] = { "tshirt", "trouser", "pullover", "dress", "coat",
	                                   "sandal", "shirt", "sneaker", "bag", "boot" };
	static const long pick[] = { 0, 1, 1234, 5000, 9999, -1 };
	const char *img = FMNIST "/t10k-images-idx3-ubyte.gz", *lab = FMNIST "/t10k-labels-idx1-ubyte.gz";
	struct got g = { .keep = 1, .keep_index = pick };
	unsigned char *raw = NULL;
	char err[512], labs[64];
	size_t n = 0, off = 0;
	int rc, ok;
	FILE *f;

	if (access(img, R_OK) != 0 || access(lab, R_OK) != 0) {
		SKIP("Fashion-MNIST: %s not installed (Debian: dataset-fashion-mnist)", FMNIST);
		return;
	}
	rc = import_idx(img, lab, cls, 10, collect, &g, err, sizeof err);
	ok = rc == 0 && g.n == 10000;
	CHECK(ok, "Fashion-MNIST t10k: 10000 images (%s)", rc ? err : "");
	for (int k = 0; k < 10; k++)
		ok &= g.class_count[k] == 1000;
	CHECK(ok, "Fashion-MNIST t10k: 1000 images of each class");
	/* g.rec holds the picked images, in order: g.rec[i] is image pick[i] */
	ok = rc == 0 && meta_is(&g.rec[0], "id", "t10k-images-idx3-ubyte:0") && meta_is(&g.rec[0], "label", "boot") &&
	     meta_is(&g.rec[4], "index", "9999") && tensor_is(&g.rec[4], TS_U8, 28, 28, 1, NULL);
	CHECK(ok, "Fashion-MNIST t10k: first record boot, 28 x 28 x 1");
	if (have_numpy() && rc == 0) {
		rc = sh(PY " -c '\n"
		        "import gzip, numpy as np\n"
		        "x = np.frombuffer(gzip.open(\"%s\").read(), np.uint8, offset=16).reshape(-1, 28, 28)\n"
		        "y = np.frombuffer(gzip.open(\"%s\").read(), np.uint8, offset=8)\n"
		        "k = [0, 1, 1234, 5000, 9999]\n"
		        "open(\"%s\", \"wb\").write(x[k].tobytes())\n"
		        "open(\"%s\", \"w\").write(\" \".join(str(y[i]) for i in k))\n"
		        "'", img, lab, path("fm.raw"), path("fm.labels"));
		if (rc == 0) {
			raw = slurp(path("fm.raw"), &n);
			f = fopen(path("fm.labels"), "r");
			if (f == NULL || fgets(labs, sizeof labs, f) == NULL)
				labs[0] = '\0';
			if (f)
				fclose(f);
		}
		ok = rc == 0 && n == 5 * 784;
		for (int i = 0; ok && i < 5; i++) {
			const ts_tensor *t = ts_tensor_get(&g.rec[i], "image");
			/* a few pixels named, then the whole image */
			ok = t->dims[0] == 28 && ((unsigned char *)t->data)[14 * 28 + 14] == raw[off + 14 * 28 + 14] &&
			     raw_is(&g.rec[i], raw, &off, 784);
		}
		CHECK(ok, "Fashion-MNIST t10k: images 0, 1, 1234, 5000, 9999 equal numpy's");
		{
			char mine[64] = "";
			size_t k = 0;
			for (int i = 0; i < 5 && g.n == 10000; i++)
				k += (size_t)snprintf(mine + k, sizeof mine - k, "%s%s", i ? " " : "",
				                      ts_get(&g.rec[i], "label_index"));
			CHECK(strcmp(mine, labs) == 0, "Fashion-MNIST t10k: labels %s equal numpy's %s", mine, labs);
		}
		free(raw);
	} else {
		SKIP("Fashion-MNIST against numpy: no numpy");
	}
	got_free(&g);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_import.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("FAIL mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_idx();
	test_labels();
	test_npy();
	test_npz();
	test_numpy();
	test_fashion_mnist();
	sh("rm -rf '%s'", dir);
	return CHECK_DONE();
}
