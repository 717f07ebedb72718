/* GIF decoding with giflib: the first frame on the logical screen; later frames counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

#include "image.h"
#include "image_int.h"

struct gifd {
	const unsigned char *buf;
	size_t n, pos;
	int info_only;
	int transparent;        /* the first frame's transparent index, or -1 */
	int frames;
	image im;
	GifByteType *row;
	char msg[200];
};

static int
read_mem(GifFileType *gif, GifByteType *out, int len)
{
	struct gifd *d = gif->UserData;
	size_t k = len < 0 ? 0 : (size_t)len;

	if (k > d->n - d->pos)
		k = d->n - d->pos;
	memcpy(out, d->buf + d->pos, k);
	d->pos += k;
	return (int)k;
}

static int
gif_fail(struct gifd *d, int code)
{
	if (code == D_GIF_ERR_READ_FAILED || code == D_GIF_ERR_EOF_TOO_SOON)
		snprintf(d->msg, sizeof d->msg, "truncated GIF");
	else if (code == D_GIF_ERR_NOT_ENOUGH_MEM)
		snprintf(d->msg, sizeof d->msg, "out of memory");
	else {
		const char *s = GifErrorString(code);
		snprintf(d->msg, sizeof d->msg, "corrupt GIF: %s", s ? s : "error");
	}
	return -1;
}

/* Skips the compressed data of a frame that is not decoded. */
static int
skip_frame(GifFileType *gif, struct gifd *d)
{
	int size;
	GifByteType *block;

	if (DGifGetCode(gif, &size, &block) == GIF_ERROR)
		return gif_fail(d, gif->Error);
	while (block != NULL)
		if (DGifGetCodeNext(gif, &block) == GIF_ERROR)
			return gif_fail(d, gif->Error);
	return 0;
}

/* The first frame: rows decoded onto the screen, through the colour map. */
static int
draw_frame(GifFileType *gif, struct gifd *d)
{
	static const int start[] = { 0, 4, 2, 1 }, step[] = { 8, 8, 4, 2 };
	const GifImageDesc *id = &gif->Image;
	const ColorMapObject *map = id->ColorMap ? id->ColorMap : gif->SColorMap;
	int c = d->im.c, passes = id->Interlace ? 4 : 1;

	if (map == NULL) {
		snprintf(d->msg, sizeof d->msg, "corrupt GIF: no colour map");
		return -1;
	}
	if ((d->im.px = img_alloc_px(d->im.w, d->im.h, c, d->msg, sizeof d->msg)) == NULL ||
	    (d->row = malloc((size_t)id->Width)) == NULL) {
		snprintf(d->msg, sizeof d->msg, "out of memory");
		return -1;
	}
	memset(d->im.px, 0, (size_t)d->im.w * (size_t)d->im.h * (size_t)c);
	for (int p = 0; p < passes; p++) {
		for (int y = id->Interlace ? start[p] : 0; y < id->Height; y += id->Interlace ? step[p] : 1) {
			int sy = id->Top + y;
			if (DGifGetLine(gif, d->row, id->Width) == GIF_ERROR)
				return gif_fail(d, gif->Error);
			if (sy >= d->im.h)
				continue;
			for (int x = 0; x < id->Width && id->Left + x < d->im.w; x++) {
				int k = d->row[x];
				unsigned char *o = d->im.px + ((size_t)sy * (size_t)d->im.w + (size_t)(id->Left + x)) * c;
				if (k == d->transparent)
					continue;
				if (k < map->ColorCount) {
					o[0] = map->Colors[k].Red;
					o[1] = map->Colors[k].Green;
					o[2] = map->Colors[k].Blue;
				}
				if (c == 4)
					o[3] = 255;
			}
		}
	}
	return 0;
}

/* The first image descriptor: the channels, the pixels unless info_only. */
static int
first_frame(GifFileType *gif, struct gifd *d)
{
	const GifImageDesc *id = &gif->Image;
	int covers = id->Left == 0 && id->Top == 0 && id->Width >= d->im.w && id->Height >= d->im.h;

	if (id->Width <= 0 || id->Height <= 0) {
		snprintf(d->msg, sizeof d->msg, "corrupt GIF: empty frame");
		return -1;
	}
	d->im.c = covers && d->transparent < 0 ? 3 : 4;
	return d->info_only ? skip_frame(gif, d) : draw_frame(gif, d);
}

static int
run(GifFileType *gif, struct gifd *d)
{
	GifRecordType type;

	d->im.w = gif->SWidth;
	d->im.h = gif->SHeight;
	if (img_check_size((uint64_t)d->im.w, (uint64_t)d->im.h, !d->info_only, d->msg, sizeof d->msg) == -1)
		return -1;
	do {
		int code;
		GifByteType *ext;
		if (DGifGetRecordType(gif, &type) == GIF_ERROR)
			return gif_fail(d, gif->Error);
		switch (type) {
		case IMAGE_DESC_RECORD_TYPE:
			if (DGifGetImageDesc(gif) == GIF_ERROR)
				return gif_fail(d, gif->Error);
			/* giflib keeps every descriptor; we need none of them */
			if (gif->ImageCount > 0 && gif->SavedImages[gif->ImageCount - 1].ImageDesc.ColorMap) {
				GifFreeMapObject(gif->SavedImages[gif->ImageCount - 1].ImageDesc.ColorMap);
				gif->SavedImages[gif->ImageCount - 1].ImageDesc.ColorMap = NULL;
			}
			if (d->frames++ == 0 ? first_frame(gif, d) == -1 : skip_frame(gif, d) == -1)
				return -1;
			break;
		case EXTENSION_RECORD_TYPE:
			if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR)
				return gif_fail(d, gif->Error);
			if (code == GRAPHICS_EXT_FUNC_CODE && d->frames == 0 && ext != NULL) {
				GraphicsControlBlock gcb;
				if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
					d->transparent = gcb.TransparentColor;
			}
			while (ext != NULL)
				if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR)
					return gif_fail(d, gif->Error);
			break;
		default:
			break;
		}
	} while (type != TERMINATE_RECORD_TYPE);
	if (d->frames == 0) {
		snprintf(d->msg, sizeof d->msg, "corrupt GIF: no image");
		return -1;
	}
	return 0;
}

int
img_gif_decode(const unsigned char *buf, size_t n, image *out, int info_only, int *frames,
               char *err, size_t errlen)
{
	struct gifd d;
	GifFileType *gif;
	int code = 0, rc;

	memset(&d, 0, sizeof d);
	d.buf = buf;
	d.n = n;
	d.info_only = info_only;
	d.transparent = -1;
	if ((gif = DGifOpen(&d, read_mem, &code)) == NULL) {
		gif_fail(&d, code);
		img_err(err, errlen, "%s", d.msg);
		return -1;
	}
	rc = run(gif, &d);
	DGifCloseFile(gif, &code);
	free(d.row);
	if (rc == -1) {
		free(d.im.px);
		img_err(err, errlen, "%s", d.msg[0] ? d.msg : "corrupt GIF");
		return -1;
	}
	*out = d.im;
	if (frames)
		*frames = d.frames;
	return 0;
}
