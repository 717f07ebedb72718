/* Shared between the stream reader and writer; not part of the API. */
#ifndef TSTREAM_INT_H
#define TSTREAM_INT_H

#include <stddef.h>
#include <stdint.h>

#define TS_END_MAGIC 0x184D2A5Eu   /* a zstd skippable frame */
#define TS_END_SIZE 16
#define TS_END_TAG "TSTREAM"       /* 8 bytes with its NUL */
#define TS_HEAD_MAGIC 0x184D2A5Du  /* a zstd skippable frame: the stream header */
#define TS_HEAD_SIZE 16            /* TS_END_TAG, u32 version, u32 flags */
#define TS_STREAM_VERSION 1

/* The 24 bytes of a stream header frame. */
void ts_head_bytes(unsigned char out[8 + TS_HEAD_SIZE]);
/* The environment's TS_LEVEL, TS_THREADS, TS_MAX_RECORD when set (else the value is left
 * as it is); 0, or -1 with a message naming the variable. */
int ts_env_level(int *level, char *err, size_t errlen);
int ts_env_threads(int *n, char *err, size_t errlen);
int ts_env_max_record(uint64_t *bytes, char *err, size_t errlen);
/* Checks the 16 bytes of a stream header; 0, or -1 with a message. */
int ts_head_check(const unsigned char *p, char *err, size_t errlen);
/* Parses TS_MAX_RECORD's value (see tensorstream(5)); 0, or -1 with a message. */
int ts_parse_max_record(const char *s, uint64_t *bytes, char *err, size_t errlen);

int ts_header_check(const unsigned char *h, uint64_t maxrec, uint64_t *total, char *err, size_t errlen);

#endif
