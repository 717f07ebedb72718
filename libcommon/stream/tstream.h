/*
 * tstream: the tensor stream every program reads and writes.
 *
 * The byte layout is specified in man/tensorstream.5; in short:
 *
 *   stream  = part+ ; part = head zstd-frame* end   (any other skippable frame anywhere is skipped)
 *   head    = zstd skippable frame, magic 0x184D2A5D, size 16: "TSTREAM\0" u32 version=1 u32 flags=0
 *   zstd frames: content checksum on; writers end frames between records, readers do not rely on it
 *   payload = record*                (the concatenated decompressed frames)
 *   record  = header body trailer
 *   header  = "TSR1" u16 version=1 u16 flags=0 u32 nmeta u32 ntensor u64 body_len   (24 bytes)
 *   body    = meta[nmeta] tensor[ntensor]                                           (body_len bytes)
 *   meta    = u32 klen u32 vlen key NUL value NUL pad8
 *   tensor  = u16 nlen u8 dtype u8 ndim u32 0 u64 nbytes u64 dim[ndim] name NUL pad8 data pad8
 *   trailer = u64 XXH3_64bits(header body)
 *   end     = zstd skippable frame, magic 0x184D2A5E, size 16: "TSTREAM\0" u64 nrecords
 *
 * A writer starts its output with the header as it opens it and ends it with
 * the end frame when it is closed; a reader reports 0 bytes as no stream, and
 * a stream that stops without its end frame as truncated.  Concatenated
 * streams carry one header and one end frame per part.
 *
 * All integers little-endian; pad8 = zero bytes to the next multiple of 8 from the record start.
 * Readers check that padding and the reserved u32 are zero, so the encoding is canonical.
 */
#ifndef TSTREAM_H
#define TSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TS_VERSION 1
#define TS_MAXDIMS 4
#define TS_HEADER_SIZE 24
#define TS_TRAILER_SIZE 8
#define TS_MAX_META 65536
#define TS_MAX_TENSORS 4096
#define TS_MAX_STRING (1u << 20)
#define TS_DEFAULT_MAX_RECORD ((uint64_t)1 << 31)   /* 2 GiB; TS_MAX_RECORD env overrides */
#define TS_DEFAULT_LEVEL (-1)   /* see tensorstream(5), "Compression levels" */
#define TS_LEVEL_AUTO (-1000)   /* ts_writer_open: TS_LEVEL when set, else TS_DEFAULT_LEVEL */
#define TS_MIN_LEVEL (-7)       /* the levels --level and TS_LEVEL accept (0 excepted for TS_LEVEL) */
#define TS_MAX_LEVEL 19

enum ts_dtype {
	TS_U8 = 1,
	TS_I32 = 2,
	TS_F32 = 3,
	TS_BYTES = 4,   /* opaque bytes, e.g. an encoded PNG or JPEG; ndim 1 */
	TS_U16 = 5,
	TS_I64 = 6,
	TS_F64 = 7,
};

typedef struct {
	char *key, *val;
	unsigned char own;      /* bit 0: key malloc'd, bit 1: val malloc'd */
} ts_meta;

typedef struct {
	char *name;
	int dtype;              /* enum ts_dtype, or an unknown code kept as is */
	int ndim;
	uint64_t dims[TS_MAXDIMS];
	uint64_t nbytes;
	void *data;             /* 8-byte aligned when read from a stream */
	unsigned char own;      /* bit 0: name malloc'd, bit 1: data malloc'd */
} ts_tensor;

typedef struct {
	ts_meta *meta;
	size_t nmeta, capmeta;
	ts_tensor *tensor;
	size_t ntensor, captensor;
	unsigned char *raw;     /* the record as read: header, body, trailer */
	size_t rawlen, rawcap;
	int dirty;              /* changed since read: the writer re-serialises */
} ts_record;

typedef struct ts_reader ts_reader;
typedef struct ts_writer ts_writer;

/* Records */
void ts_record_init(ts_record *rec);
void ts_record_clear(ts_record *rec);          /* empties it, keeps buffers for reuse */
void ts_record_free(ts_record *rec);
const char *ts_get(const ts_record *rec, const char *key);
int ts_set(ts_record *rec, const char *key, const char *val);   /* replaces or appends */
int ts_setf(ts_record *rec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ts_unset(ts_record *rec, const char *key);
ts_tensor *ts_tensor_get(const ts_record *rec, const char *name);
/* Adds (or replaces) a tensor; the data is copied. Returns the tensor or NULL. */
ts_tensor *ts_tensor_put(ts_record *rec, const char *name, int dtype, int ndim,
                         const uint64_t *dims, const void *data, uint64_t nbytes);
/* Like ts_tensor_put, but takes ownership of malloc'd data. */
ts_tensor *ts_tensor_take(ts_record *rec, const char *name, int dtype, int ndim,
                          const uint64_t *dims, void *data, uint64_t nbytes);
int ts_tensor_remove(ts_record *rec, const char *name);
int ts_record_copy(ts_record *dst, const ts_record *src);
/* Call after changing tensor data in place, so the writer re-encodes the record
 * (and its checksum) instead of copying the bytes as read. */
static inline void ts_record_touch(ts_record *rec) { rec->dirty = 1; }

size_t ts_dtype_size(int dtype);                /* 0 for bytes and unknown codes */
const char *ts_dtype_name(int dtype);           /* "u8", "i32", ...; "dtype17" for unknown */
int ts_dtype_parse(const char *name);            /* -1 if unknown */

/* Serialises rec (header, body, trailer) into *buf, growing it; sets *len. */
int ts_record_encode(const ts_record *rec, unsigned char **buf, size_t *cap, size_t *len);
/* Encodes a record built from nothing (not read) into its raw bytes now, e.g. on a worker
 * thread, so that the writer only compresses them; change it afterwards with ts_set & co.
 * (or ts_record_touch after changing tensor data in place).  0, or -1 when out of memory. */
int ts_record_seal(ts_record *rec);
/* Parses and verifies a complete record in buf (taken over by rec). 0 ok, -1 error. */
int ts_record_decode(ts_record *rec, unsigned char *buf, size_t len, size_t cap,
                     char *err, size_t errlen);

/*
 * Reading: never seeks; memory bounded by the largest record and a few frames.
 * From the second zstd frame on, frames are decompressed on as many threads
 * as CPUs, at most 4, the caller's included (TS_THREADS=N sets N; 1: no
 * threads), started then and joined by ts_reader_free.  When f buffers nothing (never read, or made
 * unbuffered with setvbuf before any read), the reader uses read(2) on its
 * descriptor and returns each record as soon as its bytes have arrived.
 */
ts_reader *ts_reader_open(FILE *f, const char *name);
/* Sets up a reader whose first bytes were already consumed (e.g. by format sniffing). */
ts_reader *ts_reader_open_prefix(FILE *f, const char *name, const void *prefix, size_t n);
/* 1: a record was read; 0: clean end of stream; -1: error (see ts_reader_error). */
int ts_read(ts_reader *r, ts_record *rec);
const char *ts_reader_error(const ts_reader *r);  /* "NAME: record N: what" */
size_t ts_reader_nrec(const ts_reader *r);       /* records read so far */
uint64_t ts_reader_bytes(const ts_reader *r);    /* decompressed payload bytes so far */
void ts_reader_free(ts_reader *r);
void ts_set_max_record(uint64_t bytes);          /* overrides TS_MAX_RECORD */

/*
 * Writing: the header at once, then records whole within frames; a frame ends
 * every ~4 MiB, at close, and, when f is not a regular file (a pipe, a
 * terminal), a second after its first record, so a slow producer does not hold
 * the reader back (into a file, the bytes do not depend on timing).  A writer
 * freed without ts_writer_close, or alive when the program dies (die()), ends
 * its open frame so the records written reach the output, but writes no end
 * frame: the next reader reports the stream as truncated.  level TS_LEVEL_AUTO
 * takes TS_LEVEL (-7..19, not 0) when set, else TS_DEFAULT_LEVEL; a bad TS_LEVEL
 * fails the first ts_write.  Any other level is the caller's explicit choice.
 */
ts_writer *ts_writer_open(FILE *f, const char *name, int level);
int ts_write(ts_writer *w, ts_record *rec);
int ts_writer_flush(ts_writer *w);               /* ends the current frame, flushes the FILE */
/* Ends the frame and flushes; -1 on error (errno kept: EPIPE for a closed pipe). */
int ts_writer_close(ts_writer *w);
const char *ts_writer_error(const ts_writer *w);
int ts_writer_errno(const ts_writer *w);
size_t ts_writer_nrec(const ts_writer *w);
void ts_writer_free(ts_writer *w);

/* True when the first 4 bytes are those a stream may start with: a skippable frame (its
 * header, or another before it) or a zstd frame (a stream without its header, which the
 * reader refuses with a message that says so). */
int ts_is_stream(const void *buf, size_t n);

/* Checks TS_LEVEL, TS_THREADS and TS_MAX_RECORD; 0, or -1 with "VAR='value': what". */
int ts_env_check(char *err, size_t errlen);

#endif
