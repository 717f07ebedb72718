/*
 * NumPy import: .npy files and .npz archives (through libzip), one image at a
 * time.  The .npy format: "\x93NUMPY", major, minor, a header length (u16 LE
 * in 1.0, u32 LE in 2.0 and 3.0), then a Python dict literal such as
 *   {'descr': '|u1', 'fortran_order': False, 'shape': (10, 28, 28), }
 * padded with spaces and a newline, then the data in C order.  The header is
 * parsed as that small grammar, never evaluated, and every number in it is
 * checked before it sizes anything.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "import.h"
#include "util/util.h"
#include "labels.h"

#define NPY_MAX_HEADER 65536
#define NPY_MAX_NDIM 32

/* Where array bytes come from: a file (after a few bytes already read) or an npz member. */
struct src {
	FILE *f;
	zip_file_t *zf;
	unsigned char pre[8];
	size_t npre, ppre;
	const char *why;        /* after a read error */
};

/* Reads n bytes; returns how many (fewer at the end), -1 on an error (s->why). */
static int64_t
src_read(struct src *s, void *buf, uint64_t n)
{
	unsigned char *p = buf;
	uint64_t got = 0;

	while (got < n && s->ppre < s->npre)
		p[got++] = s->pre[s->ppre++];
	while (got < n) {
		if (s->zf) {
			zip_int64_t k = zip_fread(s->zf, p + got, n - got);
			if (k < 0) {
				s->why = zip_file_strerror(s->zf);
				return -1;
			}
			if (k == 0)
				break;
			got += (uint64_t)k;
		} else {
			size_t k = fread(p + got, 1, n - got > SIZE_MAX ? SIZE_MAX : (size_t)(n - got), s->f);
			if (k == 0) {
				if (ferror(s->f)) {
					s->why = strerror(errno ? errno : EIO);
					return -1;
				}
				break;
			}
			got += k;
		}
	}
	return (int64_t)got;
}

struct npyhdr {
	int dtype;              /* TS_U8 or TS_F32 */
	int swap;               /* float32 of the other byte order */
	uint64_t n, h, w, c;
	uint64_t offset;        /* where the data starts */
	uint64_t image;         /* bytes of one image */
	char shape[96];         /* as text, for messages */
};

static int
little_endian(void)
{
	uint16_t x = 1;
	unsigned char b;

	memcpy(&b, &x, 1);
	return b == 1;
}

/* The header dict, as a tiny recursive-descent parser over a NUL-terminated buffer. */
struct parser {
	const char *start, *p, *end;
	const char *what;
	char *err;
	size_t errlen;
};

static void
ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
bad(struct parser *ps, const char *what)
{
	return errorf(ps->err, ps->errlen, "%s: bad .npy header: %s at byte %td of the dictionary", ps->what, what,
	            ps->p - ps->start);
}

static int
expect(struct parser *ps, char c)
{
	ws(ps);
	if (ps->p >= ps->end || *ps->p != c) {
		char what[32];
		snprintf(what, sizeof what, "'%c' expected", c);
		return bad(ps, what);
	}
	ps->p++;
	return 0;
}

static int
string(struct parser *ps, char *out, size_t outsz)
{
	char q;
	size_t n = 0;

	ws(ps);
	if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
		return bad(ps, "string expected");
	q = *ps->p++;
	while (ps->p < ps->end && *ps->p != q) {
		if (*ps->p == '\\' || *ps->p == '\0')
			return bad(ps, "escape or NUL in a string");
		if (n + 1 >= outsz)
			return bad(ps, "string too long");
		out[n++] = *ps->p++;
	}
	if (ps->p >= ps->end)
		return bad(ps, "string not closed");
	ps->p++;
	out[n] = '\0';
	return 0;
}

static int
boolean(struct parser *ps, int *v)
{
	ws(ps);
	if ((size_t)(ps->end - ps->p) >= 4 && memcmp(ps->p, "True", 4) == 0) {
		ps->p += 4;
		*v = 1;
	} else if ((size_t)(ps->end - ps->p) >= 5 && memcmp(ps->p, "False", 5) == 0) {
		ps->p += 5;
		*v = 0;
	} else {
		return bad(ps, "True or False expected");
	}
	return 0;
}

static int
tuple(struct parser *ps, uint64_t *dims, int *ndim)
{
	*ndim = 0;
	if (expect(ps, '(') == -1)
		return -1;
	for (;;) {
		uint64_t v = 0;
		ws(ps);
		if (ps->p < ps->end && *ps->p == ')')
			break;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return bad(ps, "dimension expected (a non-negative integer)");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			unsigned d = (unsigned)(*ps->p++ - '0');
			if (v > (UINT64_MAX - d) / 10)
				return bad(ps, "dimension too large");
			v = v * 10 + d;
		}
		if (ps->p < ps->end && (*ps->p == 'L' || *ps->p == 'l'))
			ps->p++;                /* Python 2 longs */
		if (*ndim >= NPY_MAX_NDIM)
			return bad(ps, "too many dimensions");
		dims[(*ndim)++] = v;
		ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p >= ps->end || *ps->p != ')')
			return bad(ps, "',' or ')' expected in the shape");
	}
	ps->p++;
	return 0;
}

static int
dict(struct parser *ps, char *descr, size_t dsz, int *fortran, uint64_t *dims, int *ndim)
{
	int have_descr = 0, have_fortran = 0, have_shape = 0;
	char key[32];

	if (expect(ps, '{') == -1)
		return -1;
	for (;;) {
		ws(ps);
		if (ps->p < ps->end && *ps->p == '}')
			break;
		if (string(ps, key, sizeof key) == -1 || expect(ps, ':') == -1)
			return -1;
		ws(ps);
		if (strcmp(key, "descr") == 0 && !have_descr) {
			if (ps->p < ps->end && *ps->p == '[')
				return errorf(ps->err, ps->errlen, "%s: structured arrays (a list of fields) are not supported",
				            ps->what);
			if (string(ps, descr, dsz) == -1)
				return -1;
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
			if (boolean(ps, fortran) == -1)
				return -1;
			have_fortran = 1;
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			if (tuple(ps, dims, ndim) == -1)
				return -1;
			have_shape = 1;
		} else {
			return errorf(ps->err, ps->errlen, "%s: bad .npy header: %s key '%s'", ps->what,
			            strcmp(key, "descr") && strcmp(key, "fortran_order") && strcmp(key, "shape") ?
			            "unknown" : "repeated", key);
		}
		ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p >= ps->end || *ps->p != '}')
			return bad(ps, "',' or '}' expected");
	}
	ps->p++;
	ws(ps);
	if (ps->p != ps->end)
		return bad(ps, "text after the dictionary");
	if (!have_descr || !have_fortran || !have_shape)
		return errorf(ps->err, ps->errlen, "%s: bad .npy header: no '%s'", ps->what,
		            !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
	return 0;
}

static void
shape_text(char *buf, size_t n, const uint64_t *dims, int ndim)
{
	size_t k = 0;

	k += (size_t)snprintf(buf, n, "(");
	for (int i = 0; i < ndim && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%" PRIu64, i ? ", " : "", dims[i]);
	if (k < n)
		k += (size_t)snprintf(buf + k, n - k, ndim == 1 ? ",)" : ")");
	if (k >= n && n > 4)
		memcpy(buf + n - 5, "...)", 5);
}

/*
 * Reads and checks a .npy header from s.  avail: the bytes the array has from
 * its start (file or member size), or UINT64_MAX when unknown.  exact: the
 * data must end where the array ends (npz members).
 */
static int
read_header(struct src *s, struct npyhdr *h, uint64_t avail, int exact, const char *what,
            char *err, size_t errlen)
{
	unsigned char m[12];
	char *text, descr[64];
	uint64_t dims[NPY_MAX_NDIM], hlen, data;
	int64_t k;
	int lenbytes, fortran = 0, ndim = 0, es;
	struct parser ps;

	memset(h, 0, sizeof *h);
	if ((k = src_read(s, m, 8)) < 0)
		return errorf(err, errlen, "%s: %s", what, s->why);
	if (k < 6 || memcmp(m, "\x93NUMPY", 6) != 0)
		return errorf(err, errlen, "%s: not a .npy array (no \\x93NUMPY magic)", what);
	if (k < 8)
		return errorf(err, errlen, "%s: .npy file truncated in its header", what);
	if (m[6] < 1 || m[6] > 3 || m[7] != 0)
		return errorf(err, errlen, "%s: .npy format version %d.%d not supported (1.0, 2.0 or 3.0)",
		            what, m[6], m[7]);
	lenbytes = m[6] == 1 ? 2 : 4;
	if ((k = src_read(s, m + 8, (uint64_t)lenbytes)) < 0)
		return errorf(err, errlen, "%s: %s", what, s->why);
	if (k < lenbytes)
		return errorf(err, errlen, "%s: .npy file truncated in its header", what);
	hlen = (uint64_t)m[8] | (uint64_t)m[9] << 8;
	if (lenbytes == 4)
		hlen |= (uint64_t)m[10] << 16 | (uint64_t)m[11] << 24;
	if (hlen > NPY_MAX_HEADER)
		return errorf(err, errlen, "%s: .npy header of %" PRIu64 " bytes: more than %d", what, hlen, NPY_MAX_HEADER);
	h->offset = 8 + (uint64_t)lenbytes + hlen;
	if (h->offset > avail)
		return errorf(err, errlen, "%s: .npy file truncated in its header", what);
	if ((text = malloc((size_t)hlen + 1)) == NULL)
		return errorf(err, errlen, "%s: out of memory", what);
	if ((k = src_read(s, text, hlen)) < 0 || (uint64_t)k < hlen) {
		free(text);
		return k < 0 ? errorf(err, errlen, "%s: %s", what, s->why) :
		       errorf(err, errlen, "%s: .npy file truncated in its header", what);
	}
	text[hlen] = '\0';
	ps = (struct parser){ text, text, text + hlen, what, err, errlen };
	k = dict(&ps, descr, sizeof descr, &fortran, dims, &ndim);
	free(text);
	if (k == -1)
		return -1;

	shape_text(h->shape, sizeof h->shape, dims, ndim);
	if (strcmp(descr, "|u1") == 0 || strcmp(descr, "<u1") == 0 || strcmp(descr, ">u1") == 0 ||
	    strcmp(descr, "=u1") == 0 || strcmp(descr, "u1") == 0) {
		h->dtype = TS_U8;
		es = 1;
	} else if (strcmp(descr, "<f4") == 0 || strcmp(descr, ">f4") == 0) {
		h->dtype = TS_F32;
		h->swap = (descr[0] == '<') != little_endian();
		es = 4;
	} else {
		return errorf(err, errlen, "%s: dtype '%s' not supported: arrays must be uint8 ('|u1') or float32 ('<f4');"
		            " convert with a.astype(numpy.uint8) or a.astype(numpy.float32)", what, descr);
	}
	if (fortran)
		return errorf(err, errlen, "%s: Fortran-order array not supported: save numpy.ascontiguousarray(a) instead",
		            what);
	if (ndim != 3 && ndim != 4)
		return errorf(err, errlen, "%s: shape %s: want N x H x W or N x H x W x C images", what, h->shape);
	h->n = dims[0];
	h->h = dims[1];
	h->w = dims[2];
	h->c = ndim == 4 ? dims[3] : 1;
	if (h->c != 1 && h->c != 3 && h->c != 4)
		return errorf(err, errlen, "%s: shape %s: %" PRIu64 " channels, want 1, 3 or 4%s", what, h->shape, h->c,
		            ndim == 4 && (dims[1] == 1 || dims[1] == 3 || dims[1] == 4) ?
		            " (channels first? use a.transpose(0, 2, 3, 1))" : "");
	if (h->h == 0 || h->w == 0 || h->h > IMPORT_MAXDIM || h->w > IMPORT_MAXDIM)
		return errorf(err, errlen, "%s: shape %s: image height and width must be 1 to %d", what, h->shape,
		            IMPORT_MAXDIM);
	h->image = h->h * h->w * h->c * (uint64_t)es;      /* < 2^32 * 16: no overflow */
	if (h->image > IMPORT_MAX_IMAGE_BYTES)
		return errorf(err, errlen, "%s: shape %s: images of %" PRIu64 " bytes are too large", what, h->shape,
		            h->image);
	if (h->n > UINT64_MAX / h->image || h->n * h->image > UINT64_MAX - h->offset)
		return errorf(err, errlen, "%s: shape %s: too large", what, h->shape);
	data = h->n * h->image;
	if (avail != UINT64_MAX && h->offset + data > avail)
		return errorf(err, errlen, "%s: truncated: shape %s needs %" PRIu64 " bytes of data, there are %" PRIu64,
		            what, h->shape, data, avail - h->offset);
	if (exact && avail != UINT64_MAX && h->offset + data < avail)
		return errorf(err, errlen, "%s: %" PRIu64 " bytes after the data of shape %s", what,
		            avail - h->offset - data, h->shape);
	return 0;
}

/* What every record of one import shares. */
struct job {
	const char *path, *base;
	struct labels *labels;
	import_emit emit;
	void *ctx;
	ts_record rec;
	uint64_t nrec;          /* records emitted so far, across arrays */
	int multi;              /* several arrays: ids name them */
	char *err;
	size_t errlen;
};

static void
swap32(unsigned char *p, uint64_t n)
{
	for (uint64_t i = 0; i + 4 <= n; i += 4) {
		unsigned char a = p[i], b = p[i + 1];
		p[i] = p[i + 3];
		p[i + 1] = p[i + 2];
		p[i + 2] = b;
		p[i + 3] = a;
	}
}

/* Emits the h->n images that follow the header in s.  array: the npz member name, or NULL. */
static int
emit_images(struct job *j, struct src *s, const struct npyhdr *h, const char *array, const char *what)
{
	ts_record *rec = &j->rec;

	for (uint64_t i = 0; i < h->n; i++) {
		uint64_t dims[3] = { h->h, h->w, h->c };
		unsigned char *px = malloc((size_t)h->image);
		int64_t k;

		if (px == NULL)
			goto nomem;
		if ((k = src_read(s, px, h->image)) < 0 || (uint64_t)k < h->image) {
			free(px);
			if (k < 0)
				return errorf(j->err, j->errlen, "%s: image %" PRIu64 ": %s", what, i, s->why);
			return errorf(j->err, j->errlen, "%s: truncated at image %" PRIu64 " (of %" PRIu64 ")",
			            what, i, h->n);
		}
		if (h->swap)
			swap32(px, h->image);
		ts_record_clear(rec);
		if (ts_tensor_take(rec, "image", h->dtype, 3, dims, px, h->image) == NULL) {
			free(px);
			goto nomem;
		}
		if ((j->multi ? ts_setf(rec, "id", "%s:%s:%" PRIu64, j->base, array, i) :
		                ts_setf(rec, "id", "%s:%" PRIu64, j->base, i)) == -1 ||
		    ts_setf(rec, "index", "%" PRIu64, i) == -1 ||
		    (array && ts_set(rec, "array", array) == -1) ||
		    ts_set(rec, "source", j->path) == -1 ||
		    ts_setf(rec, "width", "%" PRIu64, h->w) == -1 ||
		    ts_setf(rec, "height", "%" PRIu64, h->h) == -1 ||
		    ts_setf(rec, "channels", "%" PRIu64, h->c) == -1 ||
		    (j->labels && ts_set(rec, "label", labels_row(j->labels, j->nrec)) == -1))
			goto nomem;
		if (j->emit(rec, j->ctx) == -1)
			return errorf(j->err, j->errlen, "stopped");
		ts_record_clear(rec);
		j->nrec++;
	}
	return 0;
nomem:
	return errorf(j->err, j->errlen, "%s: out of memory", what);
}

static int
check_count(struct job *j, uint64_t n)
{
	if (j->labels && j->labels->n != n)
		return errorf(j->err, j->errlen, "%s: %zu labels for %" PRIu64 " images", j->path, j->labels->n, n);
	return 0;
}

static int
import_file(struct job *j, FILE *f, const unsigned char *magic, size_t nmagic)
{
	struct src s = { .f = f };
	struct npyhdr h;
	struct stat st;
	uint64_t avail = UINT64_MAX;

	memcpy(s.pre, magic, nmagic);
	s.npre = nmagic;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		avail = (uint64_t)st.st_size;
	if (read_header(&s, &h, avail, 0, j->path, j->err, j->errlen) == -1 || check_count(j, h.n) == -1)
		return -1;
	return emit_images(j, &s, &h, NULL, j->path);
}

struct member {
	zip_uint64_t index;
	char *array;            /* the name without ".npy" */
	char what[512];         /* "PATH: NAME" for messages */
	struct npyhdr h;
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Opens member m, reads its header into m->h (first pass) or past it (second). */
static zip_file_t *
open_member(struct job *j, zip_t *z, struct member *m, struct src *s, int first)
{
	zip_stat_t st;
	zip_file_t *zf;
	uint64_t avail = UINT64_MAX;

	zip_stat_init(&st);
	if (zip_stat_index(z, m->index, 0, &st) == -1) {
		errorf(j->err, j->errlen, "%s: %s", m->what, zip_strerror(z));
		return NULL;
	}
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
		errorf(j->err, j->errlen, "%s: encrypted members are not supported", m->what);
		return NULL;
	}
	if (st.valid & ZIP_STAT_SIZE)
		avail = st.size;
	if ((zf = zip_fopen_index(z, m->index, 0)) == NULL) {
		errorf(j->err, j->errlen, "%s: %s", m->what, zip_strerror(z));
		return NULL;
	}
	memset(s, 0, sizeof *s);
	s->zf = zf;
	if (first) {
		if (read_header(s, &m->h, avail, 1, m->what, j->err, j->errlen) == -1) {
			zip_fclose(zf);
			return NULL;
		}
	} else {
		struct npyhdr again;
		if (read_header(s, &again, avail, 1, m->what, j->err, j->errlen) == -1) {
			zip_fclose(zf);
			return NULL;
		}
	}
	return zf;
}

static int
import_zip(struct job *j, const char *key)
{
	struct member *m = NULL;
	size_t nm = 0, cap = 0;
	zip_int64_t nent;
	zip_t *z;
	int ze, rc = -1, narrays = 0;
	uint64_t total = 0;

	if ((z = zip_open(j->path, ZIP_RDONLY, &ze)) == NULL) {
		zip_error_t e;
		zip_error_init_with_code(&e, ze);
		errorf(j->err, j->errlen, "%s: not a readable .npz archive: %s", j->path, zip_error_strerror(&e));
		zip_error_fini(&e);
		return -1;
	}
	nent = zip_get_num_entries(z, 0);
	for (zip_int64_t i = 0; i < nent; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
		size_t len;
		if (name == NULL) {
			errorf(j->err, j->errlen, "%s: member %" PRId64 ": %s", j->path, (int64_t)i, zip_strerror(z));
			goto out;
		}
		len = strlen(name);
		if (len == 0 || name[len - 1] == '/')
			continue;               /* a directory */
		narrays += ends_with(name, ".npy");
		if (key && (nm > 0 || (strcmp(name, key) != 0 &&
		    !(ends_with(name, ".npy") && len - 4 == strlen(key) && strncmp(name, key, len - 4) == 0))))
			continue;       /* not the one asked for (or it was found already) */
		if (!key && !ends_with(name, ".npy")) {
			errorf(j->err, j->errlen, "%s: member '%s' is not a .npy array", j->path, name);
			goto out;
		}
		if (nm == cap) {
			size_t nc = cap ? 2 * cap : 8;
			struct member *nmv = reallocarray(m, nc, sizeof *m);
			if (nmv == NULL)
				goto nomem;
			m = nmv;
			cap = nc;
		}
		memset(&m[nm], 0, sizeof m[nm]);
		m[nm].index = (zip_uint64_t)i;
		if ((m[nm].array = strndup(name, ends_with(name, ".npy") ? len - 4 : len)) == NULL)
			goto nomem;
		snprintf(m[nm].what, sizeof m[nm].what, "%s: %s", j->path, name);
		nm++;
	}
	if (nm == 0) {
		if (key)
			errorf(j->err, j->errlen, "%s: no array '%s' in the archive", j->path, key);
		else
			errorf(j->err, j->errlen, "%s: no arrays in the archive", j->path);
		goto out;
	}
	j->multi = narrays > 1;
	/* First pass: every header checked, and the labels counted, before any record. */
	for (size_t i = 0; i < nm; i++) {
		struct src s;
		zip_file_t *zf = open_member(j, z, &m[i], &s, 1);
		if (zf == NULL)
			goto out;
		zip_fclose(zf);
		if (m[i].h.n > UINT64_MAX - total) {
			errorf(j->err, j->errlen, "%s: too many images", j->path);
			goto out;
		}
		total += m[i].h.n;
	}
	if (check_count(j, total) == -1)
		goto out;
	for (size_t i = 0; i < nm; i++) {
		struct src s;
		unsigned char extra;
		int64_t k;
		zip_file_t *zf = open_member(j, z, &m[i], &s, 0);
		if (zf == NULL)
			goto out;
		if (emit_images(j, &s, &m[i].h, m[i].array, m[i].what) == -1) {
			zip_fclose(zf);
			goto out;
		}
		/* reading on to the end makes libzip check the CRC; s.why lives as long as zf */
		if ((k = src_read(&s, &extra, 1)) != 0)
			errorf(j->err, j->errlen, "%s: %s", m[i].what, k < 0 ? s.why : "data after the array");
		zip_fclose(zf);
		if (k != 0)
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	errorf(j->err, j->errlen, "%s: out of memory", j->path);
out:
	for (size_t i = 0; i < nm; i++)
		free(m[i].array);
	free(m);
	zip_discard(z);
	return rc;
}

int
import_npy(const char *path, const char *key, struct labels *labels,
           import_emit emit, void *ctx, char *err, size_t errlen)
{
	struct job j = { .path = path, .labels = labels, .emit = emit, .ctx = ctx, .err = err, .errlen = errlen };
	unsigned char magic[8];
	size_t n;
	FILE *f;
	int rc;

	j.base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if ((f = fopen(path, "rb")) == NULL)
		return errorf(err, errlen, "%s: %s", path, strerror(errno));
	n = fread(magic, 1, sizeof magic, f);
	if (n == 0 && ferror(f)) {
		errorf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		fclose(f);
		return -1;
	}
	ts_record_init(&j.rec);
	if (n >= 6 && memcmp(magic, "\x93NUMPY", 6) == 0) {
		rc = import_file(&j, f, magic, n);
		fclose(f);
	} else if (n >= 4 && memcmp(magic, "PK\x03\x04", 4) == 0) {
		fclose(f);
		rc = import_zip(&j, key);
	} else {
		fclose(f);
		rc = errorf(err, errlen, "%s: %s", path, n == 0 ? "empty file" : "not a NumPy .npy or .npz file");
	}
	ts_record_free(&j.rec);
	return rc;
}
