/* Shared between the stream reader and writer; not part of the API. */
#ifndef TSTREAM_INT_H
#define TSTREAM_INT_H

#include <stddef.h>
#include <stdint.h>

#define TS_END_MAGIC 0x184D2A5Eu   /* a zstd skippable frame */
#define TS_END_SIZE 16
#define TS_END_TAG "TSTREAM"       /* 8 bytes with its NUL */

int ts_header_check(const unsigned char *h, uint64_t maxrec, uint64_t *total, char *err, size_t errlen);

#endif
