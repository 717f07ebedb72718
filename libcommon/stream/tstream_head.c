/* The stream header: the skippable frame every stream starts with (tensorstream(5)). */
#include <stdio.h>
#include <string.h>

#include "tstream_int.h"
#include "bytes.h"

void
ts_head_bytes(unsigned char out[8 + TS_HEAD_SIZE])
{
	put_le32(out, TS_HEAD_MAGIC);
	put_le32(out + 4, TS_HEAD_SIZE);
	memcpy(out + 8, TS_END_TAG, 8);
	put_le32(out + 16, TS_STREAM_VERSION);
	put_le32(out + 20, 0);
}

int
ts_head_check(const unsigned char *p, char *err, size_t errlen)
{
	if (memcmp(p, TS_END_TAG, 8) != 0) {
		snprintf(err, errlen, "malformed stream header");
		return -1;
	}
	if (get_le32(p + 8) != TS_STREAM_VERSION) {
		snprintf(err, errlen, "stream version %u: this reader knows version %d (a later revision?)",
		         get_le32(p + 8), TS_STREAM_VERSION);
		return -1;
	}
	if (get_le32(p + 12) != 0) {
		snprintf(err, errlen, "unsupported stream header flags 0x%08x", get_le32(p + 12));
		return -1;
	}
	return 0;
}
