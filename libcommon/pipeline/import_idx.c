/* IDX (MNIST) import: images and labels streamed through zlib, plain or gzip. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "import.h"
#include "util/util.h"

#define IDX_IMAGES 0x00000803u  /* u8, 3 dimensions */
#define IDX_LABELS 0x00000801u  /* u8, 1 dimension */
#define CHUNK ((uint64_t)1 << 24)       /* big images are read, and allocated, piecewise */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Why the last gzread of path failed (zlib's message, without the path it starts with). */
static const char *
gz_why(gzFile f, const char *path)
{
	int e;
	const char *m = gzerror(f, &e);
	size_t n = strlen(path);

	if (e == Z_ERRNO)
		return strerror(errno);
	if (strncmp(m, path, n) == 0 && strncmp(m + n, ": ", 2) == 0)
		m += n + 2;
	return m;
}

/*
 * Reads up to n bytes into buf, growing it (never beyond what was read plus
 * CHUNK, so a lying header cannot make a huge allocation).  Returns the number
 * of bytes read, n unless the file ended; -1 on a read or decompression error.
 */
static int64_t
read_grow(gzFile f, unsigned char **buf, size_t *cap, uint64_t n)
{
	uint64_t got = 0;

	while (got < n) {
		uint64_t want = n - got < CHUNK ? n - got : CHUNK;
		int k;
		if (got + want > *cap) {
			uint64_t c = *cap ? *cap : want;
			unsigned char *nb;
			while (c < got + want)
				c *= 2;
			if (c > n)
				c = n;
			if (c > SIZE_MAX || (nb = realloc(*buf, (size_t)c)) == NULL) {
				errno = ENOMEM;
				return -2;
			}
			*buf = nb;
			*cap = (size_t)c;
		}
		if ((k = gzread(f, *buf + got, (unsigned)want)) < 0)
			return -1;
		if (k == 0)
			break;
		got += (uint64_t)k;
	}
	return (int64_t)got;
}

/* Opens path and reads its header into hdr: n bytes, or fewer when the file is shorter (*got). */
static gzFile
open_idx(const char *path, unsigned char *hdr, size_t n, size_t *got, char *err, size_t errlen)
{
	gzFile f;
	int k;

	errno = 0;
	if ((f = gzopen(path, "rb")) == NULL) {
		errorf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return NULL;
	}
	gzbuffer(f, 1 << 17);
	if ((k = gzread(f, hdr, (unsigned)n)) < 0) {
		errorf(err, errlen, "%s: %s", path, gz_why(f, path));
		gzclose(f);
		return NULL;
	}
	*got = (size_t)k;
	return f;
}

/* Checks the magic number and the length of a header. */
static int
check_header(const char *path, const unsigned char *hdr, size_t got, size_t n, uint32_t want,
             char *err, size_t errlen)
{
	uint32_t m;

	if (got == 0)
		return errorf(err, errlen, "%s: empty file", path);
	if (got >= 4 && (m = be32(hdr)) != want) {
		if (m == IDX_LABELS)
			return errorf(err, errlen, "%s: an IDX labels file, not images (images come first)", path);
		return errorf(err, errlen, "%s: magic 0x%08x: not an IDX u8 %s file (0x%08x)", path, m,
		            want == IDX_IMAGES ? "images" : "labels", want);
	}
	if (got < n)
		return errorf(err, errlen, "%s: too short for an IDX header", path);
	return 0;
}

static const char *
base_name(const char *path, size_t *len)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	*len = strlen(b);
	if (*len > 3 && strcmp(b + *len - 3, ".gz") == 0)
		*len -= 3;
	return b;
}

int
import_idx(const char *images, const char *labels, const char *const *class_names, int nclass,
           import_emit emit, void *ctx, char *err, size_t errlen)
{
	unsigned char ih[16], lh[8], *px = NULL;
	gzFile fi = NULL, fl = NULL;
	uint32_t n, h, w;
	uint64_t size;
	size_t cap = 0, blen, got;
	const char *base = base_name(images, &blen);
	ts_record rec;
	int rc = -1;

	ts_record_init(&rec);
	if (labels && class_names && nclass < 1)
		return errorf(err, errlen, "%s: no class names", labels);
	if ((fi = open_idx(images, ih, sizeof ih, &got, err, errlen)) == NULL)
		return -1;
	if (check_header(images, ih, got, sizeof ih, IDX_IMAGES, err, errlen) == -1)
		goto out;
	n = be32(ih + 4);
	h = be32(ih + 8);
	w = be32(ih + 12);
	if (h == 0 || w == 0 || h > IMPORT_MAXDIM || w > IMPORT_MAXDIM) {
		errorf(err, errlen, "%s: bad image size %" PRIu32 "x%" PRIu32 " (1 to %d)", images, w, h, IMPORT_MAXDIM);
		goto out;
	}
	size = (uint64_t)h * w;             /* < 2^32: no overflow; nor N x size < 2^64 */
	if (labels) {
		if ((fl = open_idx(labels, lh, sizeof lh, &got, err, errlen)) == NULL ||
		    check_header(labels, lh, got, sizeof lh, IDX_LABELS, err, errlen) == -1)
			goto out;
		if (be32(lh + 4) != n) {
			errorf(err, errlen, "%s: %" PRIu32 " labels, but %s has %" PRIu32 " images",
			     labels, be32(lh + 4), images, n);
			goto out;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		int64_t k = read_grow(fi, &px, &cap, size);
		uint64_t dims[3] = { h, w, 1 };
		int lab = -1;
		if (k == -2)
			goto nomem;
		if (k < 0) {
			errorf(err, errlen, "%s: image %" PRIu32 ": %s", images, i, gz_why(fi, images));
			goto out;
		}
		if ((uint64_t)k < size) {
			errorf(err, errlen, "%s: images file truncated at image %" PRIu32 " (of %" PRIu32 ")", images, i, n);
			goto out;
		}
		if (fl) {
			unsigned char c;
			int r = gzread(fl, &c, 1);
			if (r < 0) {
				errorf(err, errlen, "%s: label %" PRIu32 ": %s", labels, i, gz_why(fl, labels));
				goto out;
			}
			if (r == 0) {
				errorf(err, errlen, "%s: labels file truncated at label %" PRIu32 " (of %" PRIu32 ")", labels, i, n);
				goto out;
			}
			lab = c;
			if (class_names && lab >= nclass) {
				errorf(err, errlen, "%s: label %" PRIu32 " is %d, but there are %d class names",
				     labels, i, lab, nclass);
				goto out;
			}
		}
		if (ts_setf(&rec, "id", "%.*s:%" PRIu32, (int)blen, base, i) == -1 ||
		    ts_setf(&rec, "index", "%" PRIu32, i) == -1 ||
		    ts_set(&rec, "source", images) == -1)
			goto nomem;
		if (lab >= 0 && class_names) {
			if (ts_set(&rec, "label", class_names[lab]) == -1 ||
			    ts_setf(&rec, "label_index", "%d", lab) == -1)
				goto nomem;
		} else if (lab >= 0 && ts_setf(&rec, "label", "%d", lab) == -1) {
			goto nomem;
		}
		if (ts_setf(&rec, "width", "%" PRIu32, w) == -1 ||
		    ts_setf(&rec, "height", "%" PRIu32, h) == -1 ||
		    ts_set(&rec, "channels", "1") == -1)
			goto nomem;
		if (ts_tensor_take(&rec, "image", TS_U8, 3, dims, px, size) == NULL)
			goto nomem;
		px = NULL;                      /* the record owns it now */
		cap = 0;
		if (emit(&rec, ctx) == -1) {
			errorf(err, errlen, "stopped");
			goto out;
		}
		ts_record_clear(&rec);
	}
	rc = 0;
	goto out;
nomem:
	errorf(err, errlen, "%s: out of memory", images);
out:
	free(px);
	ts_record_free(&rec);
	if (fi)
		gzclose(fi);
	if (fl)
		gzclose(fl);
	return rc;
}
