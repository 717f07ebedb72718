/* WebP decoding (and encoding) with libwebp: stills, and the first frame of an animation. */
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include "image.h"
#include "image_int.h"

static const char *
status_text(VP8StatusCode st)
{
	switch (st) {
	case VP8_STATUS_NOT_ENOUGH_DATA:     return "truncated WebP";
	case VP8_STATUS_OUT_OF_MEMORY:       return "out of memory";
	case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported WebP feature";
	default:                             return "corrupt WebP";
	}
}

/* EXIF orientation from the file's EXIF chunk, 1 when it has none. */
static int
orientation(const WebPDemuxer *dmx)
{
	WebPChunkIterator it;
	int o = 1;

	if (!(WebPDemuxGetI(dmx, WEBP_FF_FORMAT_FLAGS) & EXIF_FLAG) || !WebPDemuxGetChunk(dmx, "EXIF", 1, &it))
		return 1;
	if (it.chunk.size >= 6 && memcmp(it.chunk.bytes, "Exif\0\0", 6) == 0)
		o = img_exif_orientation(it.chunk.bytes + 6, it.chunk.size - 6);
	else
		o = img_exif_orientation(it.chunk.bytes, it.chunk.size);
	WebPDemuxReleaseChunkIterator(&it);
	return o;
}

/* The first frame of an animation, composited on its canvas, as RGBA. */
static int
first_frame(const WebPData *data, image *out, char *err, size_t errlen)
{
	WebPAnimDecoderOptions opt;
	WebPAnimDecoder *dec;
	uint8_t *px;
	int ts;

	if (!WebPAnimDecoderOptionsInit(&opt)) {
		img_err(err, errlen, "WebP library version mismatch");
		return -1;
	}
	opt.color_mode = MODE_RGBA;
	opt.use_threads = 0;
	if ((dec = WebPAnimDecoderNew(data, &opt)) == NULL) {
		img_err(err, errlen, "corrupt WebP animation");
		return -1;
	}
	if (!WebPAnimDecoderGetNext(dec, &px, &ts)) {
		WebPAnimDecoderDelete(dec);
		img_err(err, errlen, "corrupt WebP animation: first frame");
		return -1;
	}
	if ((out->px = img_alloc_px(out->w, out->h, 4, err, errlen)) == NULL) {
		WebPAnimDecoderDelete(dec);
		return -1;
	}
	memcpy(out->px, px, (size_t)out->w * (size_t)out->h * 4);
	out->c = 4;
	WebPAnimDecoderDelete(dec);
	return 0;
}

static int
still(const unsigned char *buf, size_t n, const WebPBitstreamFeatures *f, image *out,
      char *err, size_t errlen)
{
	size_t stride = (size_t)out->w * (size_t)out->c, size = stride * (size_t)out->h;

	if ((out->px = img_alloc_px(out->w, out->h, out->c, err, errlen)) == NULL)
		return -1;
	if ((f->has_alpha ? WebPDecodeRGBAInto(buf, n, out->px, size, (int)stride)
	                  : WebPDecodeRGBInto(buf, n, out->px, size, (int)stride)) == NULL) {
		img_free(out);
		img_err(err, errlen, "corrupt WebP");
		return -1;
	}
	return 0;
}

int
img_webp_decode(const unsigned char *buf, size_t n, image *out, int info_only, int *frames,
                char *err, size_t errlen)
{
	WebPBitstreamFeatures f;
	WebPData data = { buf, n };
	WebPDemuxer *dmx;
	VP8StatusCode st;
	int o, rc;

	if ((st = WebPGetFeatures(buf, n, &f)) != VP8_STATUS_OK) {
		img_err(err, errlen, "%s", status_text(st));
		return -1;
	}
	/* The demuxer needs the whole file: a RIFF size beyond the data is truncation. */
	if ((dmx = WebPDemux(&data)) == NULL) {
		uint32_t riff = n >= 8 ? (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 |
		                         (uint32_t)buf[7] << 24 : 0;
		img_err(err, errlen, n < 8 || (uint64_t)riff + 8 > n ? "truncated WebP" : "corrupt WebP");
		return -1;
	}
	out->w = (int)WebPDemuxGetI(dmx, WEBP_FF_CANVAS_WIDTH);
	out->h = (int)WebPDemuxGetI(dmx, WEBP_FF_CANVAS_HEIGHT);
	out->c = f.has_alpha || f.has_animation ? 4 : 3;
	if (frames)
		*frames = (int)WebPDemuxGetI(dmx, WEBP_FF_FRAME_COUNT);
	o = orientation(dmx);
	WebPDemuxDelete(dmx);
	if (img_check_size((uint64_t)out->w, (uint64_t)out->h, !info_only, err, errlen) == -1)
		return -1;
	if (info_only) {
		if (o >= 5) {
			int t = out->w;
			out->w = out->h;
			out->h = t;
		}
		return 0;
	}
	if (f.has_animation)
		rc = first_frame(&data, out, err, errlen);
	else if (f.width != out->w || f.height != out->h) {
		img_err(err, errlen, "corrupt WebP: canvas and image sizes differ");
		rc = -1;
	} else
		rc = still(buf, n, &f, out, err, errlen);
	if (rc == 0 && img_orient(out, o, err, errlen) == -1) {
		img_free(out);
		rc = -1;
	}
	return rc;
}

int
img_encode_webp(const image *im, int quality, unsigned char **out, size_t *outlen,
                char *err, size_t errlen)
{
	unsigned char *rgb = NULL, *enc = NULL;
	const unsigned char *src = im->px;
	size_t len, npx;
	int alpha;

	*out = NULL;
	*outlen = 0;
	if (img_check_image(im, err, errlen) == -1)
		return -1;
	if (im->w > WEBP_MAX_DIMENSION || im->h > WEBP_MAX_DIMENSION) {
		img_err(err, errlen, "image %dx%d is larger than WebP's %d pixels on a side", im->w, im->h,
		        WEBP_MAX_DIMENSION);
		return -1;
	}
	if (quality < 1 || quality > 100) {
		img_err(err, errlen, "WebP quality %d is not in 1..100", quality);
		return -1;
	}
	alpha = im->c == 2 || im->c == 4;
	npx = (size_t)im->w * (size_t)im->h;
	if (im->c <= 2) {       /* gray: WebP holds RGB(A) only */
		if ((rgb = img_alloc_px(im->w, im->h, alpha ? 4 : 3, err, errlen)) == NULL)
			return -1;
		for (size_t i = 0; i < npx; i++) {
			unsigned char *d = rgb + i * (alpha ? 4 : 3);
			d[0] = d[1] = d[2] = im->px[i * (size_t)im->c];
			if (alpha)
				d[3] = im->px[i * 2 + 1];
		}
		src = rgb;
	}
	len = alpha ? WebPEncodeRGBA(src, im->w, im->h, im->w * 4, (float)quality, &enc)
	            : WebPEncodeRGB(src, im->w, im->h, im->w * 3, (float)quality, &enc);
	free(rgb);
	if (len == 0) {
		WebPFree(enc);
		img_err(err, errlen, "WebP encoding failed");
		return -1;
	}
	if ((*out = malloc(len)) == NULL) {
		WebPFree(enc);
		img_err(err, errlen, "out of memory");
		return -1;
	}
	memcpy(*out, enc, len);
	WebPFree(enc);
	*outlen = len;
	return 0;
}
