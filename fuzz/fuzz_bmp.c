/* Fuzz target: BMP decoding, img_info and img_frames on arbitrary bytes (see image_target.h). */
#include "image_target.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return image_target(data, size);
}
