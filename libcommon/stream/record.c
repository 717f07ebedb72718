/* In-memory records and their byte encoding (see man/tensorstream.5). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "tstream.h"
#include "bytes.h"

static const char TS_MAGIC[4] = { 'T', 'S', 'R', '1' };

size_t
ts_dtype_size(int dtype)
{
	switch (dtype) {
	case TS_U8: return 1;
	case TS_U16: return 2;
	case TS_I32: case TS_F32: return 4;
	case TS_I64: case TS_F64: return 8;
	default: return 0;
	}
}

static const char *const dtype_names[] = {
	[TS_U8] = "u8", [TS_I32] = "i32", [TS_F32] = "f32", [TS_BYTES] = "bytes",
	[TS_U16] = "u16", [TS_I64] = "i64", [TS_F64] = "f64",
};

const char *
ts_dtype_name(int dtype)
{
	static _Thread_local char buf[16];

	if (dtype > 0 && dtype < (int)(sizeof dtype_names / sizeof *dtype_names) && dtype_names[dtype])
		return dtype_names[dtype];
	snprintf(buf, sizeof buf, "dtype%d", dtype);
	return buf;
}

int
ts_dtype_parse(const char *name)
{
	for (size_t i = 0; i < sizeof dtype_names / sizeof *dtype_names; i++)
		if (dtype_names[i] && strcmp(dtype_names[i], name) == 0)
			return (int)i;
	return -1;
}

void
ts_record_init(ts_record *rec)
{
	memset(rec, 0, sizeof *rec);
}

void
ts_record_clear(ts_record *rec)
{
	for (size_t i = 0; i < rec->nmeta; i++) {
		if (rec->meta[i].own & 1) free(rec->meta[i].key);
		if (rec->meta[i].own & 2) free(rec->meta[i].val);
	}
	for (size_t i = 0; i < rec->ntensor; i++) {
		if (rec->tensor[i].own & 1) free(rec->tensor[i].name);
		if (rec->tensor[i].own & 2) free(rec->tensor[i].data);
	}
	rec->nmeta = rec->ntensor = 0;
	rec->rawlen = 0;
	rec->dirty = 0;
}

void
ts_record_free(ts_record *rec)
{
	if (rec == NULL)
		return;
	ts_record_clear(rec);
	free(rec->meta);
	free(rec->tensor);
	free(rec->raw);
	ts_record_init(rec);
}

static int
grow(void **p, size_t *cap, size_t need, size_t elsize)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	if ((q = realloc(*p, n * elsize)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

const char *
ts_get(const ts_record *rec, const char *key)
{
	for (size_t i = 0; i < rec->nmeta; i++)
		if (strcmp(rec->meta[i].key, key) == 0)
			return rec->meta[i].val;
	return NULL;
}

int
ts_set(ts_record *rec, const char *key, const char *val)
{
	char *v;

	if (*key == '\0' || strlen(key) >= TS_MAX_STRING || strlen(val) >= TS_MAX_STRING)
		return -1;
	if ((v = strdup(val)) == NULL)
		return -1;
	rec->dirty = 1;
	for (size_t i = 0; i < rec->nmeta; i++) {
		ts_meta *m = &rec->meta[i];
		if (strcmp(m->key, key) == 0) {
			if (m->own & 2)
				free(m->val);
			m->val = v;
			m->own |= 2;
			return 0;
		}
	}
	if (rec->nmeta >= TS_MAX_META ||
	    grow((void **)&rec->meta, &rec->capmeta, rec->nmeta + 1, sizeof *rec->meta) == -1) {
		free(v);
		return -1;
	}
	if ((rec->meta[rec->nmeta].key = strdup(key)) == NULL) {
		free(v);
		return -1;
	}
	rec->meta[rec->nmeta].val = v;
	rec->meta[rec->nmeta].own = 3;
	rec->nmeta++;
	return 0;
}

int
ts_setf(ts_record *rec, const char *key, const char *fmt, ...)
{
	char buf[256], *p = buf;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof buf) {
		if ((p = malloc((size_t)n + 1)) == NULL)
			return -1;
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = ts_set(rec, key, p);
	if (p != buf)
		free(p);
	return rc;
}

int
ts_unset(ts_record *rec, const char *key)
{
	for (size_t i = 0; i < rec->nmeta; i++) {
		ts_meta *m = &rec->meta[i];
		if (strcmp(m->key, key) == 0) {
			if (m->own & 1) free(m->key);
			if (m->own & 2) free(m->val);
			memmove(m, m + 1, (rec->nmeta - i - 1) * sizeof *m);
			rec->nmeta--;
			rec->dirty = 1;
			return 0;
		}
	}
	return -1;
}

ts_tensor *
ts_tensor_get(const ts_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->ntensor; i++)
		if (strcmp(rec->tensor[i].name, name) == 0)
			return &rec->tensor[i];
	return NULL;
}

static int
shape_ok(int dtype, int ndim, const uint64_t *dims, uint64_t nbytes)
{
	uint64_t n = 1;
	size_t es = ts_dtype_size(dtype);

	if (dtype <= 0 || dtype > 255 || ndim < 0 || ndim > TS_MAXDIMS)
		return 0;
	if (es == 0 && dtype != TS_BYTES)
		return 1;       /* an unknown code: opaque, nbytes alone is authoritative */
	for (int i = 0; i < ndim; i++)
		if (dims[i] == 0)
			n = 0;          /* empty, whatever the other dimensions */
	for (int i = 0; i < ndim && n != 0; i++) {
		if (n > UINT64_MAX / dims[i])
			return 0;       /* more than 2^64 - 1 elements: no nbytes matches */
		n *= dims[i];
	}
	if (es == 0)
		return ndim == 1 && dims[0] == nbytes;
	return n <= UINT64_MAX / es && n * es == nbytes;
}

ts_tensor *
ts_tensor_take(ts_record *rec, const char *name, int dtype, int ndim,
               const uint64_t *dims, void *data, uint64_t nbytes)
{
	ts_tensor *t;
	char *nm;
	uint64_t d[TS_MAXDIMS];

	if (*name == '\0' || strlen(name) > 65535 || !shape_ok(dtype, ndim, dims, nbytes))
		return NULL;
	/* dims (and name) may point into the tensor being replaced: copy them first */
	memcpy(d, dims, (size_t)ndim * sizeof *dims);
	if ((nm = strdup(name)) == NULL)
		return NULL;
	if ((t = ts_tensor_get(rec, name)) != NULL) {
		if (t->own & 1) free(t->name);
		if (t->own & 2) free(t->data);
	} else {
		if (rec->ntensor >= TS_MAX_TENSORS ||
		    grow((void **)&rec->tensor, &rec->captensor, rec->ntensor + 1, sizeof *rec->tensor) == -1) {
			free(nm);
			return NULL;
		}
		t = &rec->tensor[rec->ntensor++];
	}
	memset(t, 0, sizeof *t);
	t->name = nm;
	t->dtype = dtype;
	t->ndim = ndim;
	memcpy(t->dims, d, (size_t)ndim * sizeof *d);
	t->nbytes = nbytes;
	t->data = data;
	t->own = 3;
	rec->dirty = 1;
	return t;
}

ts_tensor *
ts_tensor_put(ts_record *rec, const char *name, int dtype, int ndim,
              const uint64_t *dims, const void *data, uint64_t nbytes)
{
	void *copy;
	ts_tensor *t;

	if (nbytes > SIZE_MAX - 1 || (copy = malloc(nbytes ? nbytes : 1)) == NULL)
		return NULL;
	if (nbytes)
		memcpy(copy, data, nbytes);
	if ((t = ts_tensor_take(rec, name, dtype, ndim, dims, copy, nbytes)) == NULL)
		free(copy);
	return t;
}

int
ts_tensor_remove(ts_record *rec, const char *name)
{
	ts_tensor *t = ts_tensor_get(rec, name);

	if (t == NULL)
		return -1;
	if (t->own & 1) free(t->name);
	if (t->own & 2) free(t->data);
	memmove(t, t + 1, (size_t)(rec->tensor + rec->ntensor - t - 1) * sizeof *t);
	rec->ntensor--;
	rec->dirty = 1;
	return 0;
}

static uint64_t
pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

int
ts_record_encode(const ts_record *rec, unsigned char **bufp, size_t *cap, size_t *lenp)
{
	uint64_t body = 0, total;
	unsigned char *b, *p;

	if (!rec->dirty && rec->rawlen) {
		if (grow((void **)bufp, cap, rec->rawlen, 1) == -1)
			return -1;
		memcpy(*bufp, rec->raw, rec->rawlen);
		*lenp = rec->rawlen;
		return 0;
	}
	for (size_t i = 0; i < rec->nmeta; i++)
		body += pad8(8 + strlen(rec->meta[i].key) + 1 + strlen(rec->meta[i].val) + 1);
	for (size_t i = 0; i < rec->ntensor; i++) {
		const ts_tensor *t = &rec->tensor[i];
		body += pad8(16 + 8 * (uint64_t)t->ndim + strlen(t->name) + 1) + pad8(t->nbytes);
	}
	total = TS_HEADER_SIZE + body + TS_TRAILER_SIZE;
	if (total > SIZE_MAX || grow((void **)bufp, cap, total, 1) == -1)
		return -1;
	b = *bufp;
	memcpy(b, TS_MAGIC, 4);
	put_le16(b + 4, TS_VERSION);
	put_le16(b + 6, 0);
	put_le32(b + 8, (uint32_t)rec->nmeta);
	put_le32(b + 12, (uint32_t)rec->ntensor);
	put_le64(b + 16, body);
	p = b + TS_HEADER_SIZE;
	for (size_t i = 0; i < rec->nmeta; i++) {
		size_t kl = strlen(rec->meta[i].key), vl = strlen(rec->meta[i].val);
		memset(p, 0, pad8(8 + kl + 1 + vl + 1));      /* the NULs and padding */
		put_le32(p, (uint32_t)kl);
		put_le32(p + 4, (uint32_t)vl);
		memcpy(p + 8, rec->meta[i].key, kl);
		memcpy(p + 8 + kl + 1, rec->meta[i].val, vl);
		p += pad8(8 + kl + 1 + vl + 1);
	}
	for (size_t i = 0; i < rec->ntensor; i++) {
		const ts_tensor *t = &rec->tensor[i];
		size_t nl = strlen(t->name);
		memset(p, 0, pad8(16 + 8 * (uint64_t)t->ndim + nl + 1));
		put_le16(p, (uint16_t)nl);
		p[2] = (unsigned char)t->dtype;
		p[3] = (unsigned char)t->ndim;
		put_le64(p + 8, t->nbytes);
		for (int d = 0; d < t->ndim; d++)
			put_le64(p + 16 + 8 * d, t->dims[d]);
		memcpy(p + 16 + 8 * t->ndim, t->name, nl);
		p += pad8(16 + 8 * (uint64_t)t->ndim + nl + 1);
		if (t->nbytes)
			memcpy(p, t->data, t->nbytes);
		memset(p + t->nbytes, 0, pad8(t->nbytes) - t->nbytes);
		p += pad8(t->nbytes);
	}
	put_le64(p, XXH3_64bits(b, TS_HEADER_SIZE + body));
	*lenp = total;
	return 0;
}

int
ts_record_seal(ts_record *rec)
{
	size_t len;

	if (rec->rawlen)
		return 0;       /* as read, or read and changed (its data may lie in raw: the writer encodes it) */
	if (ts_record_encode(rec, &rec->raw, &rec->rawcap, &len) == -1)
		return -1;
	rec->rawlen = len;
	rec->dirty = 0;
	return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* Checks the fixed header; on success sets *total to the whole record's length. */
int
ts_header_check(const unsigned char *h, uint64_t maxrec, uint64_t *total, char *err, size_t errlen)
{
	uint64_t body;

	if (memcmp(h, TS_MAGIC, 4) != 0)
		FAIL("not a tensor stream record (bad magic)");
	if (get_le16(h + 4) != TS_VERSION)
		FAIL("unsupported record version %u (this reader knows %d)", get_le16(h + 4), TS_VERSION);
	if (get_le16(h + 6) != 0)
		FAIL("unsupported record flags 0x%04x", get_le16(h + 6));
	if (get_le32(h + 8) > TS_MAX_META)
		FAIL("%u metadata entries exceed the limit of %d", get_le32(h + 8), TS_MAX_META);
	if (get_le32(h + 12) > TS_MAX_TENSORS)
		FAIL("%u tensors exceed the limit of %d", get_le32(h + 12), TS_MAX_TENSORS);
	body = get_le64(h + 16);
	if (body % 8 != 0)
		FAIL("body length %llu is not a multiple of 8", (unsigned long long)body);
	if (maxrec < TS_HEADER_SIZE + TS_TRAILER_SIZE || body > maxrec - TS_HEADER_SIZE - TS_TRAILER_SIZE)
		FAIL("record body of %llu bytes exceeds the record limit of %llu bytes (TS_MAX_RECORD)",
		     (unsigned long long)body, (unsigned long long)maxrec);
	*total = TS_HEADER_SIZE + body + TS_TRAILER_SIZE;
	return 0;
}

/* True when the n bytes at p are all zero (padding and reserved fields). */
static int
zeros(const unsigned char *p, uint64_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* Reads a NUL-terminated string of length len at p, within end. */
static int
string_ok(const unsigned char *p, uint64_t len, const unsigned char *end)
{
	return len < TS_MAX_STRING && (uint64_t)(end - p) > len && p[len] == '\0' &&
	       memchr(p, '\0', len) == NULL;
}

static int decode(ts_record *rec, unsigned char *buf, size_t len, char *err, size_t errlen);

int
ts_record_decode(ts_record *rec, unsigned char *buf, size_t len, size_t cap,
                 char *err, size_t errlen)
{
	ts_record_clear(rec);
	if (rec->raw != buf) {
		free(rec->raw);
		rec->raw = buf;
		rec->rawcap = cap;
	}
	rec->rawlen = 0;
	if (decode(rec, buf, len, err, errlen) == -1) {
		rec->nmeta = rec->ntensor = 0;      /* never half a record */
		return -1;
	}
	rec->rawlen = len;
	return 0;
}

static int
decode(ts_record *rec, unsigned char *buf, size_t len, char *err, size_t errlen)
{
	uint64_t total;
	uint32_t nmeta, nten;
	unsigned char *p, *end;

	if (len < TS_HEADER_SIZE + TS_TRAILER_SIZE)
		FAIL("record too short");
	if (ts_header_check(buf, UINT64_MAX, &total, err, errlen) == -1)
		return -1;
	if (total != len)
		FAIL("record length mismatch");
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  /* fuzz/run.sh: let the fuzzer past it */
	if (XXH3_64bits(buf, len - TS_TRAILER_SIZE) != get_le64(buf + len - TS_TRAILER_SIZE))
		FAIL("record checksum mismatch (corrupt data)");
#endif
	nmeta = get_le32(buf + 8);
	nten = get_le32(buf + 12);
	if (grow((void **)&rec->meta, &rec->capmeta, nmeta, sizeof *rec->meta) == -1 ||
	    grow((void **)&rec->tensor, &rec->captensor, nten, sizeof *rec->tensor) == -1)
		FAIL("out of memory");
	p = buf + TS_HEADER_SIZE;
	end = buf + len - TS_TRAILER_SIZE;
	for (uint32_t i = 0; i < nmeta; i++) {
		uint64_t kl, vl;
		if (end - p < 8)
			FAIL("metadata entry %u runs past the record", i + 1);
		kl = get_le32(p);
		vl = get_le32(p + 4);
		if (kl == 0 || !string_ok(p + 8, kl, end) || !string_ok(p + 8 + kl + 1, vl, end) ||
		    pad8(8 + kl + 1 + vl + 1) > (uint64_t)(end - p) ||
		    !zeros(p + 8 + kl + 1 + vl + 1, pad8(8 + kl + 1 + vl + 1) - (8 + kl + 1 + vl + 1)))
			FAIL("metadata entry %u is malformed", i + 1);
		rec->meta[i].key = (char *)p + 8;
		rec->meta[i].val = (char *)p + 8 + kl + 1;
		rec->meta[i].own = 0;
		rec->nmeta = i + 1;
		p += pad8(8 + kl + 1 + vl + 1);
	}
	for (uint32_t i = 0; i < nten; i++) {
		ts_tensor *t = &rec->tensor[i];
		uint64_t nl, hl;
		if (end - p < 16)
			FAIL("tensor %u runs past the record", i + 1);
		nl = get_le16(p);
		t->dtype = p[2];
		t->ndim = p[3];
		t->nbytes = get_le64(p + 8);
		if (t->ndim > TS_MAXDIMS)
			FAIL("tensor %u has %d dimensions (at most %d)", i + 1, t->ndim, TS_MAXDIMS);
		hl = pad8(16 + 8 * (uint64_t)t->ndim + nl + 1);
		if (nl == 0 || hl > (uint64_t)(end - p) || !string_ok(p + 16 + 8 * t->ndim, nl, end) ||
		    !zeros(p + 4, 4) || !zeros(p + 16 + 8 * t->ndim + nl + 1, hl - (16 + 8 * t->ndim + nl + 1)))
			FAIL("tensor %u header is malformed", i + 1);
		for (int d = 0; d < TS_MAXDIMS; d++)
			t->dims[d] = d < t->ndim ? get_le64(p + 16 + 8 * d) : 0;
		t->name = (char *)p + 16 + 8 * t->ndim;
		if (t->nbytes > (uint64_t)(end - p) - hl || pad8(t->nbytes) > (uint64_t)(end - p) - hl)
			FAIL("tensor '%s' data runs past the record", t->name);
		if (t->dtype == 0)
			FAIL("tensor '%s' has dtype code 0 (reserved)", t->name);
		if (!shape_ok(t->dtype, t->ndim, t->dims, t->nbytes))
			FAIL("tensor '%s': shape does not match its %llu bytes", t->name,
			     (unsigned long long)t->nbytes);
		if (!zeros(p + hl + t->nbytes, pad8(t->nbytes) - t->nbytes))
			FAIL("tensor '%s': nonzero padding after its data", t->name);
		t->data = p + hl;
		t->own = 0;
		rec->ntensor = i + 1;
		p += hl + pad8(t->nbytes);
	}
	if (p != end)
		FAIL("%lld stray bytes after the last tensor", (long long)(end - p));
	return 0;
}

int
ts_record_copy(ts_record *dst, const ts_record *src)
{
	unsigned char *buf = NULL;
	size_t cap = 0, len;
	char err[128];

	if (ts_record_encode(src, &buf, &cap, &len) == -1)
		return -1;
	if (ts_record_decode(dst, buf, len, cap, err, sizeof err) == -1)
		return -1;
	return 0;
}
