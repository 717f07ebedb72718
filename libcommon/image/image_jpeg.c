/* JPEG decoding and encoding with libjpeg(-turbo), from and to memory. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image.h"
#include "image_int.h"

#define MAX_SCANS 500   /* a progressive file with more is hostile (libjpeg-turbo fuzzers use 500) */

/* libjpeg reports through these: errors and corrupt-data warnings longjmp, the rest is silent. */
struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX + 32];
};

static void
fail(j_common_ptr ci)
{
	struct jerr *e = (struct jerr *)ci->err;
	char m[JMSG_LENGTH_MAX];

	(*ci->err->format_message)(ci, m);
	if (ci->err->msg_code == JERR_OUT_OF_MEMORY)
		snprintf(e->msg, sizeof e->msg, "out of memory");
	else
		snprintf(e->msg, sizeof e->msg, "%s JPEG: %s",
		         ci->is_decompressor ? "corrupt" : "encoding", m);
	longjmp(e->jb, 1);
}

static void
emit_message(j_common_ptr ci, int level)
{
	if (level >= 0)
		return;                 /* trace messages */
	switch (ci->err->msg_code) {
	case JWRN_JPEG_EOF:             /* libjpeg pads the rest with gray */
	case JWRN_HIT_MARKER:
	case JWRN_MUST_RESYNC:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_ARITH_BAD_CODE:
	case JWRN_NOT_SEQUENTIAL:
	case JWRN_BOGUS_PROGRESSION:
		fail(ci);
	}
	ci->err->num_warnings++;        /* the others leave the pixels intact */
}

static void
output_message(j_common_ptr ci)
{
	(void)ci;
}

static void
jerr_init(struct jerr *e)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = fail;
	e->pub.emit_message = emit_message;
	e->pub.output_message = output_message;
	e->msg[0] = '\0';
}

static void
scan_limit(j_common_ptr ci)
{
	if (ci->is_decompressor && ((j_decompress_ptr)ci)->input_scan_number > MAX_SCANS) {
		struct jerr *e = (struct jerr *)ci->err;
		snprintf(e->msg, sizeof e->msg, "corrupt JPEG: more than %d scans", MAX_SCANS);
		longjmp(e->jb, 1);
	}
}

/* Decoder state; it lives in the caller of the function holding setjmp. */
struct jpegd {
	struct jpeg_decompress_struct ci;
	struct jerr jerr;
	struct jpeg_progress_mgr progress;
	int created, info_only;
	int min_w, min_h;       /* shrink-on-load: smallest wanted size (after orientation); 0: none */
	int eighths;            /* the DCT scale chosen, M of M/8 */
	const unsigned char *buf;
	size_t n;
	image im;
	unsigned char *row;
};

static int
orientation(j_decompress_ptr ci)
{
	for (jpeg_saved_marker_ptr m = ci->marker_list; m != NULL; m = m->next)
		if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
		    memcmp(m->data, "Exif\0\0", 6) == 0)
			return img_exif_orientation(m->data + 6, m->data_length - 6);
	return 1;
}

/* Where pixel x of source row y goes, for EXIF orientation o: at base + x * step pixels. */
static void
placement(int o, int w, int h, int y, ptrdiff_t *base, ptrdiff_t *step)
{
	ptrdiff_t W = w, H = h, Y = y;

	switch (o) {
	default:
	case 1: *base = Y * W;                   *step = 1;  break;
	case 2: *base = Y * W + W - 1;           *step = -1; break;
	case 3: *base = (H - 1 - Y) * W + W - 1; *step = -1; break;
	case 4: *base = (H - 1 - Y) * W;         *step = 1;  break;
	case 5: *base = Y;                       *step = H;  break;
	case 6: *base = H - 1 - Y;               *step = H;  break;
	case 7: *base = (W - 1) * H + H - 1 - Y; *step = -H; break;
	case 8: *base = (W - 1) * H + Y;         *step = -H; break;
	}
}

/* CMYK (from CMYK or YCCK files) to RGB in place: R = C*K/255, rounded.  Adobe files
 * store inverted values (255 is no ink); others are inverted first. */
static void
cmyk_to_rgb(unsigned char *p, int w, int adobe)
{
	for (int x = 0; x < w; x++) {
		unsigned c = p[4 * x], m = p[4 * x + 1], y = p[4 * x + 2], k = p[4 * x + 3];
		if (!adobe)
			c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
		p[3 * x] = (unsigned char)((c * k + 127) / 255);
		p[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
		p[3 * x + 2] = (unsigned char)((y * k + 127) / 255);
	}
}

/* The smallest M in 1..8 whose M/8 scale of an n-pixel side still gives at least min pixels. */
static int
eighths_for(unsigned n, int min)
{
	int m = 1;

	while (m < 8 && ((unsigned long long)n * (unsigned)m + 7) / 8 < (unsigned long long)min)
		m++;
	return m;
}

static int
run_decode(struct jpegd *d)
{
	j_decompress_ptr ci = &d->ci;
	int o, cmyk, c, mx, my;
	unsigned w, h, sw, sh;

	if (setjmp(d->jerr.jb))
		return -1;
	jpeg_create_decompress(ci);
	d->created = 1;
	jpeg_mem_src(ci, d->buf, (unsigned long)d->n);
	jpeg_save_markers(ci, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(ci, TRUE);
	w = ci->image_width;
	h = ci->image_height;
	/* the pixel budget applies to the pixels decoded: checked below, once the scale is known */
	if (img_check_size(w, h, 0, d->jerr.msg, sizeof d->jerr.msg) == -1)
		return -1;
	switch (ci->jpeg_color_space) {
	case JCS_GRAYSCALE:
		ci->out_color_space = JCS_GRAYSCALE;
		cmyk = 0;
		c = 1;
		break;
	case JCS_YCbCr:
	case JCS_RGB:
		ci->out_color_space = JCS_RGB;
		cmyk = 0;
		c = 3;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		ci->out_color_space = JCS_CMYK;
		cmyk = 1;
		c = 3;
		break;
	default:
		snprintf(d->jerr.msg, sizeof d->jerr.msg,
		         "unsupported JPEG colour space (%d components)", ci->num_components);
		return -1;
	}
	o = orientation(ci);
	d->im.w = (int)(o >= 5 ? h : w);
	d->im.h = (int)(o >= 5 ? w : h);
	d->im.c = c;
	if (d->info_only)
		return 0;
	/* Shrink-on-load: the file's rows and columns are the oriented image's columns
	 * and rows when o >= 5.  One scale for both axes keeps the aspect ratio. */
	d->eighths = 8;
	if (d->min_w > 0 || d->min_h > 0) {
		mx = eighths_for(w, o >= 5 ? d->min_h : d->min_w);
		my = eighths_for(h, o >= 5 ? d->min_w : d->min_h);
		d->eighths = mx > my ? mx : my;
	}
	ci->scale_num = (unsigned)d->eighths;
	ci->scale_denom = 8;
	ci->dct_method = JDCT_ISLOW;
	ci->do_fancy_upsampling = TRUE;
	jpeg_calc_output_dimensions(ci);
	sw = ci->output_width;
	sh = ci->output_height;
	if (sw != (w * (unsigned)d->eighths + 7) / 8 || sh != (h * (unsigned)d->eighths + 7) / 8) {
		snprintf(d->jerr.msg, sizeof d->jerr.msg, "corrupt JPEG: unexpected scaled size");
		return -1;
	}
	/* A progressive file keeps every coefficient of the whole image, whatever the
	 * scale: its full size counts.  Otherwise the pixels decoded count. */
	if (ci->progressive_mode || d->eighths == 8) {
		if (img_check_size(w, h, 1, d->jerr.msg, sizeof d->jerr.msg) == -1)
			return -1;
	} else if ((unsigned long long)sw * sh > img_max_pixels()) {
		snprintf(d->jerr.msg, sizeof d->jerr.msg, "image %ux%u, decoded at %d/8 as %ux%u, exceeds the pixel "
		         "budget of %llu (IMG_MAX_PIXELS)", w, h, d->eighths, sw, sh,
		         (unsigned long long)img_max_pixels());
		return -1;
	}
	/* Progressive files keep every coefficient (whatever the scale): 2 bytes a sample,
	 * at most 4 components. */
	ci->mem->max_memory_to_use = (long)(((unsigned long long)w + 64) * (h + 64) * 8 + (64 << 20));
	w = sw;
	h = sh;
	d->im.w = (int)(o >= 5 ? h : w);
	d->im.h = (int)(o >= 5 ? w : h);
	d->progress.progress_monitor = scan_limit;
	ci->progress = &d->progress;
	jpeg_start_decompress(ci);
	if (ci->output_width != w || ci->output_height != h ||
	    ci->output_components != (cmyk ? 4 : c)) {
		snprintf(d->jerr.msg, sizeof d->jerr.msg, "corrupt JPEG: unexpected output size");
		return -1;
	}
	if ((d->im.px = img_alloc_px(d->im.w, d->im.h, c, d->jerr.msg, sizeof d->jerr.msg)) == NULL)
		return -1;
	if (o == 1 && !cmyk) {
		size_t stride = (size_t)w * (size_t)c;
		while (ci->output_scanline < h) {
			JSAMPROW rows[16];
			unsigned y = ci->output_scanline, k;
			for (k = 0; k < 16 && y + k < h; k++)
				rows[k] = d->im.px + (size_t)(y + k) * stride;
			if (jpeg_read_scanlines(ci, rows, k) == 0) {
				snprintf(d->jerr.msg, sizeof d->jerr.msg, "corrupt JPEG: no scanline");
				return -1;
			}
		}
	} else {
		if ((d->row = malloc((size_t)w * (size_t)ci->output_components)) == NULL) {
			snprintf(d->jerr.msg, sizeof d->jerr.msg, "out of memory");
			return -1;
		}
		while (ci->output_scanline < h) {
			JSAMPROW rows[1] = { d->row };
			int y = (int)ci->output_scanline;
			ptrdiff_t base, step;
			if (jpeg_read_scanlines(ci, rows, 1) != 1) {
				snprintf(d->jerr.msg, sizeof d->jerr.msg, "corrupt JPEG: no scanline");
				return -1;
			}
			if (cmyk)
				cmyk_to_rgb(d->row, (int)w, ci->saw_Adobe_marker);
			placement(o, (int)w, (int)h, y, &base, &step);
			unsigned char *dst = d->im.px + base * c;
			const unsigned char *src = d->row;
			if (c == 1) {
				for (unsigned x = 0; x < w; x++, dst += step)
					*dst = src[x];
			} else {
				for (unsigned x = 0; x < w; x++, dst += step * 3, src += 3)
					dst[0] = src[0], dst[1] = src[1], dst[2] = src[2];
			}
		}
	}
	jpeg_finish_decompress(ci);     /* reads on to EOI: a truncated tail is an error */
	return 0;
}

static int
jpeg_decode(const unsigned char *buf, size_t n, image *out, int info_only, int min_w, int min_h,
            int *eighths, char *err, size_t errlen)
{
	struct jpegd d;
	int rc;

	memset(&d, 0, sizeof d);
	d.buf = buf;
	d.n = n;
	d.info_only = info_only;
	d.min_w = min_w;
	d.min_h = min_h;
	jerr_init(&d.jerr);
	d.ci.err = &d.jerr.pub;
	rc = run_decode(&d);
	if (d.created)
		jpeg_destroy_decompress(&d.ci);
	free(d.row);
	if (rc == -1) {
		free(d.im.px);
		img_err(err, errlen, "%s", d.jerr.msg[0] ? d.jerr.msg : "corrupt JPEG");
		return -1;
	}
	*out = d.im;
	if (eighths)
		*eighths = d.eighths;
	return 0;
}

int
img_jpeg_decode(const unsigned char *buf, size_t n, image *out, int info_only,
                char *err, size_t errlen)
{
	return jpeg_decode(buf, n, out, info_only, 0, 0, NULL, err, errlen);
}

int
img_decode_scaled(const void *buf, size_t n, int min_w, int min_h, image *out, int *eighths,
                  char *err, size_t errlen)
{
	if (img_sniff(buf, n) != IMG_JPEG) {
		if (eighths)
			*eighths = 8;
		return img_decode(buf, n, out, err, errlen);
	}
	out->w = out->h = out->c = 0;
	out->px = NULL;
	return jpeg_decode(buf, n, out, 0, min_w, min_h, eighths, err, errlen);
}

/* Encoder: libjpeg with our own growing memory destination (jpeg_mem_dest loses
 * track of its buffer when an error interrupts it). */
struct jpege {
	struct jpeg_compress_struct ci;
	struct jerr jerr;
	struct jpeg_destination_mgr dest;
	int created;
	const image *im;
	int quality;
	unsigned char *out, *row;
	size_t cap;
};

static void
dest_init(j_compress_ptr ci)
{
	(void)ci;
}

static boolean
dest_grow(j_compress_ptr ci)
{
	struct jpege *e = (struct jpege *)ci;     /* ci is the first member */
	size_t cap = e->cap * 2;
	unsigned char *p = cap > e->cap ? realloc(e->out, cap) : NULL;

	if (p == NULL)
		ERREXIT1(ci, JERR_OUT_OF_MEMORY, 0);    /* does not return */
	e->out = p;
	e->dest.next_output_byte = p + e->cap;
	e->dest.free_in_buffer = cap - e->cap;
	e->cap = cap;
	return TRUE;
}

static void
dest_term(j_compress_ptr ci)
{
	(void)ci;
}

static int
run_encode(struct jpege *e)
{
	j_compress_ptr ci = &e->ci;
	const image *im = e->im;
	size_t stride = (size_t)im->w * (size_t)im->c;

	if (setjmp(e->jerr.jb))
		return -1;
	jpeg_create_compress(ci);
	e->created = 1;
	e->cap = stride * (size_t)im->h / 8 + 4096;
	if ((e->out = malloc(e->cap)) == NULL ||
	    (im->c == 2 && (e->row = malloc((size_t)im->w)) == NULL)) {
		snprintf(e->jerr.msg, sizeof e->jerr.msg, "out of memory");
		return -1;
	}
	e->dest.init_destination = dest_init;
	e->dest.empty_output_buffer = dest_grow;
	e->dest.term_destination = dest_term;
	e->dest.next_output_byte = e->out;
	e->dest.free_in_buffer = e->cap;
	ci->dest = &e->dest;
	ci->image_width = (JDIMENSION)im->w;
	ci->image_height = (JDIMENSION)im->h;
	switch (im->c) {
	case 1: case 2: ci->input_components = 1; ci->in_color_space = JCS_GRAYSCALE; break;
	case 3:         ci->input_components = 3; ci->in_color_space = JCS_RGB; break;
	default:        ci->input_components = 4; ci->in_color_space = JCS_EXT_RGBX; break;
	}
	jpeg_set_defaults(ci);
	jpeg_set_quality(ci, e->quality, TRUE);
	if (e->quality >= 90 && ci->num_components == 3)
		ci->comp_info[0].h_samp_factor = ci->comp_info[0].v_samp_factor = 1;   /* 4:4:4, as ImageMagick */
	ci->dct_method = JDCT_ISLOW;
	jpeg_start_compress(ci, TRUE);
	while (ci->next_scanline < ci->image_height) {
		JSAMPROW rows[1];
		unsigned char *src = im->px + (size_t)ci->next_scanline * stride;
		if (im->c == 2) {
			for (int x = 0; x < im->w; x++)
				e->row[x] = src[2 * x];
			src = e->row;
		}
		rows[0] = src;
		jpeg_write_scanlines(ci, rows, 1);
	}
	jpeg_finish_compress(ci);
	return 0;
}

int
img_encode_jpeg(const image *im, int quality, unsigned char **out, size_t *outlen,
                char *err, size_t errlen)
{
	struct jpege e;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (img_check_image(im, err, errlen) == -1)
		return -1;
	if (quality < 1 || quality > 100) {
		img_err(err, errlen, "JPEG quality %d is not in 1..100", quality);
		return -1;
	}
	memset(&e, 0, sizeof e);
	e.im = im;
	e.quality = quality;
	jerr_init(&e.jerr);
	e.ci.err = &e.jerr.pub;
	rc = run_encode(&e);
	if (rc == 0) {
		*out = e.out;
		*outlen = e.cap - e.dest.free_in_buffer;
		e.out = NULL;
	}
	if (e.created)
		jpeg_destroy_compress(&e.ci);
	free(e.out);
	free(e.row);
	if (rc == -1)
		img_err(err, errlen, "%s", e.jerr.msg[0] ? e.jerr.msg : "JPEG encoding failed");
	return rc;
}
