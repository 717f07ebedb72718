/* Fuzz target: PNG decoding, img_info and img_extent on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	image im, back;
	char err[256];
	int w, h, c, ok;
	long long ext;

	img_set_max_pixels((uint64_t)1 << 22);
	ext = img_extent(data, size);
	if (ext > (long long)size)
		abort();
	ok = img_info(data, size, &w, &h, &c, err, sizeof err) == 0;
	if (img_decode(data, size, &im, err, sizeof err) == 0) {
		unsigned char *png;
		size_t n;
		/* What decodes was complete (IEND read), agrees with img_info, and survives
		 * a round trip through the encoder. */
		if (!ok || im.w != w || im.h != h || im.c != c ||
		    (img_sniff(data, size) == IMG_PNG && ext <= 0))
			abort();
		if ((uint64_t)im.w * (uint64_t)im.h <= 1 << 16 &&
		    img_encode_png(&im, &png, &n, err, sizeof err) == 0) {
			if (img_decode(png, n, &back, err, sizeof err) != 0 || back.c != im.c ||
			    memcmp(back.px, im.px, (size_t)im.w * (size_t)im.h * (size_t)im.c) != 0)
				abort();
			img_free(&back);
			free(png);
		}
		img_free(&im);
	}
	return 0;
}
