/*
 * The body shared by the fuzz targets of the image formats that have nothing of
 * their own to check (fuzz_bmp, fuzz_gif, fuzz_pnm, fuzz_tiff, fuzz_webp): each
 * has its own corpus, and img_decode finds the format by its bytes, so one
 * harness serves them all.
 */
#include <stdint.h>
#include <stdlib.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* img_frames, img_info and img_decode on arbitrary bytes: what decodes agrees with
 * img_info and every pixel it claims is read. */
static int
image_target(const uint8_t *data, size_t size)
{
	image im;
	char err[256];
	int w, h, c, ok;

	img_set_max_pixels((uint64_t)1 << 22);
	if (img_frames(data, size) < 1)
		abort();
	ok = img_info(data, size, &w, &h, &c, err, sizeof err) == 0;
	if (img_decode(data, size, &im, err, sizeof err) == 0) {
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
