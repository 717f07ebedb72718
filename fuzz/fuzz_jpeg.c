/* Fuzz target: JPEG decoding (EXIF included), img_info and img_extent on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	image im;
	char err[256];
	int w, h, c, ok;

	img_set_max_pixels((uint64_t)1 << 22);
	if (img_extent(data, size) > (long long)size)
		abort();
	ok = img_info(data, size, &w, &h, &c, err, sizeof err) == 0;
	if (img_decode(data, size, &im, err, sizeof err) == 0) {
		unsigned char *jpg;
		size_t n;
		if (!ok || im.w != w || im.h != h || im.c != c)
			abort();
		if ((uint64_t)im.w * (uint64_t)im.h <= 1 << 16 &&
		    img_encode_jpeg(&im, 75, &jpg, &n, err, sizeof err) == 0)
			free(jpg);
		img_free(&im);
	}
	return 0;
}
