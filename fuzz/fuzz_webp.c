/* Fuzz target: WEBP decoding, img_info and img_frames on arbitrary bytes. */
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
	if (img_frames(data, size) < 1)
		abort();
	ok = img_info(data, size, &w, &h, &c, err, sizeof err) == 0;
	if (img_decode(data, size, &im, err, sizeof err) == 0) {
		/* What decodes agrees with img_info and touches every byte it claims. */
		unsigned sum = 0;
		if (!ok || im.w != w || im.h != h || im.c != c || im.c < 1 || im.c > 4)
			abort();
		for (size_t i = 0; i < (size_t)im.w * (size_t)im.h * (size_t)im.c; i++)
			sum += im.px[i];
		(void)sum;
		img_free(&im);
	}
	return 0;
}
