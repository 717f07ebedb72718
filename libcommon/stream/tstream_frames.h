/*
 * Decompressing the zstd frames of a stream on worker threads, for the
 * stream reader (tstream_read.c); not part of the API.
 *
 * The reader finds where each frame ends (tf_scan, from the block headers,
 * without decompressing), fills the slots of a ring in stream order
 * (tf_head, tf_push) and takes them back in the same order (tf_tail, tf_pop).
 * Worker threads (and the reader, while it waits) decompress the frames in
 * between; a frame that fails (a zstd error, or room for more than dmax bytes
 * of content) comes back with ok = 0 and the reader decodes it again with its
 * streaming decoder, which reports the error where it is, or bounds the
 * memory by the record.
 */
#ifndef TSTREAM_FRAMES_H
#define TSTREAM_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define TF_MAX_CFRAME ((size_t)32 << 20)   /* larger compressed frames are streamed */
#define TF_MAX_DFRAME ((size_t)32 << 20)   /* and so are frames that may hold more content */

enum { TF_MORE, TF_DONE, TF_ODD };

typedef struct {
	size_t pos;             /* bytes walked: header, then whole blocks */
	int hdr, last, known;   /* header read, last block seen, content size given */
	unsigned chk;           /* checksum bytes after the last block */
	unsigned bmax;          /* the most a block holds */
	uint64_t size;          /* the content size from the header, or a bound from the blocks */
} tf_scanner;

/*
 * Walks the zstd frame at p, of which avail bytes are at hand, starting from a
 * zeroed scanner and resuming where it stopped.  TF_DONE: the frame is
 * s->pos bytes long and holds at most s->size bytes of content; TF_MORE: it
 * needs *need bytes from p to go on; TF_ODD: something for the streaming
 * decoder to judge (a bad header or block type, a window larger than it
 * accepts).
 */
int tf_scan(tf_scanner *s, const unsigned char *p, size_t avail, size_t *need);

typedef struct {
	/* the reader's, set before tf_push */
	int kind;
	unsigned char *cbuf;    /* the frame is cbuf[coff, coff + clen) */
	size_t ccap, coff, clen;
	uint64_t size;          /* tf_scanner.size: more content is an error */
	uint64_t count;
	char msg[96];
	/* the pool's, set when tf_tail returns it */
	unsigned char *dbuf;    /* the content, dlen bytes, when ok */
	size_t dcap, dlen;
	int ok;
	int state;
} tf_job;

typedef struct tf_pool tf_pool;

/* nthreads workers (0 is fine), nslots slots; NULL if out of memory.  The caller helps in tf_tail. */
tf_pool *tf_pool_new(int nthreads, int nslots, size_t dmax);
/* Stops the workers (each finishes the frame it holds), joins them, frees every buffer. */
void tf_pool_free(tf_pool *p);
/* The next free slot, to fill and push; NULL when all are in use. */
tf_job *tf_head(tf_pool *p);
/* Appends the head slot to the ring: to be decompressed, or passed back as it is. */
void tf_push(tf_pool *p, int decompress);
/*
 * The oldest slot, once decompressed; NULL when none.  While it waits, it
 * decompresses here the oldest frame that no worker took yet.
 */
tf_job *tf_tail(tf_pool *p);
/* Frees the oldest slot. */
void tf_pop(tf_pool *p);
/* Slots in use. */
int tf_used(const tf_pool *p);
/*
 * 1 if tf_tail would not wait for a worker.  Otherwise 0, and tf_wake_fd
 * turns readable when a worker finishes a frame, so that the caller can wait
 * for that and for its input at once (poll); tf_wake_clear then resets it.
 */
int tf_tail_ready(tf_pool *p);
int tf_wake_fd(const tf_pool *p);
void tf_wake_clear(tf_pool *p);

#endif
