/*
 * Fuzz target for the tensor stream (man/tensorstream.5): the input is read
 * as a stream; every record read must re-encode to the bytes it came from,
 * survive ts_record_copy, and come back unchanged after writing the records
 * to a new stream and reading that.  Errors must name the right record.
 *
 * fuzz/run.sh builds it with libFuzzer and FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
 * (checksums not enforced, so mutations reach the parser); make builds it
 * with fuzz/replay.c to replay fuzz/corpus/stream/ with checksums on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tstream.h"

#define MAX_RECORDS 64
#define MAX_PAYLOAD ((uint64_t)16 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
bug(const char *what, size_t i)
{
	fprintf(stderr, "fuzz_stream: record %zu: %s\n", i + 1, what);
	abort();
}

static int
same(const ts_record *a, const ts_record *b)
{
	if (a->nmeta != b->nmeta || a->ntensor != b->ntensor)
		return 0;
	for (size_t i = 0; i < a->nmeta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) || strcmp(a->meta[i].val, b->meta[i].val))
			return 0;
	for (size_t i = 0; i < a->ntensor; i++) {
		const ts_tensor *s = &a->tensor[i], *t = &b->tensor[i];
		if (strcmp(s->name, t->name) || s->dtype != t->dtype || s->ndim != t->ndim ||
		    s->nbytes != t->nbytes || memcmp(s->dims, t->dims, sizeof s->dims) ||
		    (s->nbytes && memcmp(s->data, t->data, s->nbytes)))
			return 0;
	}
	return 1;
}

/* The message must be "NAME: record N: ..." with N the record that failed. */
static void
check_message(const char *err, const char *name, size_t nread)
{
	char want[64];

	/* before the first record, an input that holds no stream at all is named without a record */
	snprintf(want, sizeof want, "%s: ", name);
	if (nread == 0 && strncmp(err, want, strlen(want)) == 0 && strstr(err, "stream header") &&
	    !strstr(err, ": record "))
		return;
	snprintf(want, sizeof want, "%s: record %zu: ", name, nread + 1);
	if (strncmp(err, want, strlen(want)) != 0 || strlen(err) == strlen(want))
		bug("error message does not name the record", nread);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ts_record recs[MAX_RECORDS];
	ts_record copy, back;
	unsigned char *buf = NULL;
	size_t cap = 0, len, n = 0;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f, *o;
	ts_reader *r;
	ts_writer *w;
	int rc = 0;

	ts_set_max_record((uint64_t)4 << 20);
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	if ((r = ts_reader_open(f, "in")) == NULL)
		abort();
	ts_record_init(&copy);
	ts_record_init(&back);
	while (n < MAX_RECORDS && ts_reader_bytes(r) < MAX_PAYLOAD && (rc = ts_read(r, &recs[n])) == 1) {
		ts_record *rec = &recs[n];
		/* decoding is strict, so the fields re-encode to the bytes read (trailer aside:
		 * fuzzing builds do not enforce checksums) */
		rec->dirty = 1;
		if (ts_record_encode(rec, &buf, &cap, &len) == -1)
			bug("cannot re-encode", n);
		rec->dirty = 0;
		if (len != rec->rawlen || memcmp(buf, rec->raw, len - TS_TRAILER_SIZE) != 0)
			bug("re-encoding differs from the bytes read", n);
		if (ts_record_copy(&copy, rec) == -1 || !same(&copy, rec))
			bug("ts_record_copy", n);
		(void)ts_get(rec, "id");
		(void)ts_tensor_get(rec, "image");
		n++;
	}
	if (rc == -1)
		check_message(ts_reader_error(r), "in", n);
	else if (rc == 0 && ts_reader_nrec(r) != n)
		bug("record count", n);
	ts_reader_free(r);
	fclose(f);

	/* write what was read (odd records re-encoded, even ones passed through) and read it back */
	if ((o = open_memstream(&out, &outlen)) == NULL || (w = ts_writer_open(o, "out", 1)) == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		recs[i].dirty = i % 2;
		if (ts_write(w, &recs[i]) == -1)
			bug(ts_writer_error(w), i);
	}
	if (ts_writer_close(w) == -1)
		bug(ts_writer_error(w), n);
	ts_writer_free(w);
	fclose(o);
	if ((f = fmemopen(out, outlen, "r")) == NULL || (r = ts_reader_open(f, "out")) == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		if (ts_read(r, &back) != 1 || !same(&back, &recs[i]))
			bug("written record does not read back the same", i);
	if (ts_read(r, &back) != 0)
		bug("written stream does not end cleanly", n);
	ts_reader_free(r);
	fclose(f);

	free(out);
	free(buf);
	ts_record_free(&copy);
	ts_record_free(&back);
	for (size_t i = 0; i < MAX_RECORDS; i++)
		ts_record_free(&recs[i]);
	return 0;
}
