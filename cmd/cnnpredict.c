/* cnnpredict: apply a trained model (or a classical baseline) to streams or image files. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "nn/nn.h"
#include "nn/nn_device.h"
#include "nn/nn_features.h"
#include "nn/nn_fold.h"
#include "nn/nn_loss.h"
#include "nn/nn_model.h"
#include "nn/nn_prep.h"
#include "util/parallel.h"
#include "pipeline/names.h"
#include "pipeline/prep.h"
#include "pipeline/source.h"
#include "tile/tile_grid.h"
#include "tile/tile_merge.h"
#include "stream/tstream.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: cnnpredict -m MODEL [-qv] [--progress] [-o OUT] [--stream] [--no-resize | --short N] [--baseline laplacian]\n" \
"                  [--masks DIR] [--threshold T] [--overlap N] [--no-tile] [--batch N]\n" \
"                  [--threads N] [--max-errors N] [--device cpu|cuda|cuda:N|auto]\n" \
"                  [--precision fp32|tf32|bf16] [FILE | DIR | -]...\n" \
"       cnnpredict --baseline laplacian [-qv] [--progress] [-o OUT] [--stream] [--max-errors N] [FILE | DIR | -]...\n" \
"       cnnpredict -h | --help | --version\n"

#define HELP \
"Options:\n" \
"  -m, --model MODEL           the model file (required)\n" \
"  -o, --output OUT            write there, atomically (default: stdout)\n" \
"      --stream                write the records with pred, score, p_CLASS added (default: a table)\n" \
"      --no-resize             an image whose size is not the model's is an error\n" \
"      --short N               the shorter side to N, then the centre (default: cover the input)\n" \
"      --baseline laplacian    add the variance of the Laplacian (alone: without a model)\n" \
"      --masks DIR             segmentation: write each predicted mask to DIR/NAME.png\n" \
"      --threshold T           segmentation: 0/255 masks at probability T (default: probabilities)\n" \
"      --overlap N             segmentation: pixels shared by neighbouring tiles (default: a quarter)\n" \
"      --no-tile               segmentation: resize large frames to the input instead of tiling\n" \
"      --batch N               images (or tiles) per forward pass (default 64)\n" \
"      --threads N             threads (default: the number of CPUs)\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"      --device DEV            cpu, cuda, cuda:N or auto: the GPU when there is one and this build\n" \
"                              has the CUDA backend, else the CPU (default auto)\n" \
"      --precision P           fp32, tf32 or bf16 math on the GPU (default tf32 where the card has\n" \
"                              it); the CPU computes in fp32 only\n" \
"  -v, --verbose               say which device and why; end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

struct opts {
	const char *model, *out, *masks;
	int stream, resize, laplacian, batch, threads, verbose;
	int device, device_index, precision;    /* nn_device.h; precision -1: the default */
	int short_side;         /* > 0: images of another size get the shorter side this long, then the centre */
	int tile, overlap;      /* segmentation: frames larger than the input are tiled; overlap < 0: a quarter */
	double threshold;       /* segmentation: < 0 writes probabilities, else 0/255 masks */
};

struct run {
	const struct opts *o;
	nn_net *net;
	nn_model_info mi;
	nn_loss loss;
	nn_device dev;
	nn_cuda_net *cuda;      /* the model on the GPU; NULL: on the CPU */
	double t0;              /* when it started (records/s of the summary line) */
	ts_record *pending;     /* the batch being gathered */
	double *lap;
	int npending;
	int files;              /* inputs are image files or directories: a `file` column */
	int header_done, with_label;
	int tiles;              /* segmentation with a mask the input's size: large frames are tiled */
	prep_opts prep[PREP_MAX_STEPS]; /* the model's "resize": how its training images were made */
	int nprep;
	ts_record prepared;     /* an undecoded image prepared so */
	outfile of;
	name_set masknames;     /* --masks: the files written */
	ts_writer *w;
	const char *input;
	size_t nin, nout, nrec;
	char err[1024];
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

/* True when arg names a directory or an image file, whose records are best named by path. */
static int
is_image_input(const char *arg)
{
	struct stat st;
	unsigned char buf[16];
	FILE *f;
	size_t n;

	if (strcmp(arg, "-") == 0 || stat(arg, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return 1;
	if (!(f = fopen(arg, "rb")))
		return 0;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return img_sniff(buf, n) != IMG_UNKNOWN;
}

/* Column names must not hold tabs or newlines: those become spaces. */
static void
put_field(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void
write_header(struct run *r)
{
	FILE *f = r->of.f;

	fputs(r->files ? "file" : "id", f);
	if (r->with_label)
		fputs("\tlabel", f);
	if (r->net && r->loss.kind == NN_LOSS_PIXEL) {
		fputs("\tmask_pixels\tmask_mean", f);
		if (r->o->masks)
			fputs("\tmask_file", f);
	} else if (r->net) {
		fputs("\tpred", f);
		if (r->mi.nclass == 2)
			fputs("\tscore", f);
		for (int c = 0; c < r->mi.nclass; c++) {
			fputs("\tp_", f);
			put_field(f, r->mi.classes[c]);
		}
	}
	if (r->o->laplacian)
		fputs("\tlaplacian_var", f);
	fputc('\n', f);
}

static const char *
record_name(const struct run *r, const ts_record *rec, char *buf, size_t len)
{
	const char *s = r->files ? ts_get(rec, "source") : NULL;

	if (!s)
		s = ts_get(rec, "id");
	if (!s) {
		snprintf(buf, len, "%zu", r->nout + 1);
		s = buf;
	}
	return s;
}

/* The class probabilities of row i of the output. */
static void
probabilities(const struct run *r, const float *out, int i, double *p)
{
	if (r->loss.kind == NN_LOSS_BCE) {
		p[1] = out[i];
		p[0] = 1 - p[1];
		return;
	}
	for (int c = 0; c < r->mi.nclass; c++)
		p[c] = out[(size_t)i * r->mi.nclass + c];
}

/* The record with its predictions in the metadata, to the output stream. */
static int
write_out(struct run *r, ts_record *rec)
{
	if (ts_write(r->w, rec) != 0) {
		if (is_epipe(ts_writer_errno(r->w)))
			exit(0);        /* the reader is gone: not an error */
		snprintf(r->err, sizeof r->err, "%s", ts_writer_error(r->w));
		return -1;
	}
	r->nout++;
	return 0;
}

/* A table row's first fields: the header before the first row, the name, the label. */
static void
row_start(struct run *r, const ts_record *rec)
{
	FILE *f = r->of.f;
	char name[64];

	if (!r->header_done) {
		r->with_label = ts_get(rec, "label") != NULL;
		write_header(r);
		r->header_done = 1;
	}
	put_field(f, record_name(r, rec, name, sizeof name));
	if (r->with_label) {
		fputc('\t', f);
		put_field(f, ts_get(rec, "label") ? ts_get(rec, "label") : "");
	}
}

/* The row's last field (the baseline's) and its end. */
static int
row_end(struct run *r, int i)
{
	FILE *f = r->of.f;

	if (r->o->laplacian)
		fprintf(f, "\t%.9g", r->lap[i]);
	fputc('\n', f);
	r->nout++;
	if (ferror(f)) {
		if (is_epipe(errno))
			exit(0);
		snprintf(r->err, sizeof r->err, "%s: %s", r->o->out ? r->o->out : "stdout", strerror(errno));
		return -1;
	}
	return 0;
}

/* --masks: DIR/NAME.png, NAME from the record's name (file or id) as imgcat --export makes
 * it, numbered when two records would share it; the path, as imgcat DIR names the record
 * it reads from it, into path. */
static int
write_mask_png(struct run *r, const ts_record *rec, const unsigned char *m, nn_shape s, char *path,
               size_t pathlen)
{
	static const char *const suffix[] = { ".png", NULL };
	char base[NAME_MAX_BYTES + 1], stem[NAME_MAX_BYTES + 24], err[256], name[64];
	const char *dir = r->o->masks;
	size_t dl = strlen(dir);

	name_safe(record_name(r, rec, name, sizeof name), "record", base, sizeof base);
	name_strip_image_ext(base);
	name_claim(&r->masknames, "", base, suffix, stem, sizeof stem);
	snprintf(path, pathlen, "%s%s%s.png", dir, dl && dir[dl - 1] == '/' ? "" : "/", stem);
	image im = { .w = s.w, .h = s.h, .c = 1, .px = (unsigned char *)m };
	unsigned char *png = NULL;
	size_t len;
	outfile of;
	int bad = img_encode_png(&im, &png, &len, err, sizeof err) != 0;
	if (bad || outfile_open(&of, path) != 0) {
		snprintf(r->err, sizeof r->err, "%.700s: %.200s", path, bad ? err : strerror(errno));
		free(png);
		return -1;
	}
	fwrite(png, 1, len, of.f);
	free(png);
	if (outfile_commit(&of) != 0) {
		snprintf(r->err, sizeof r->err, "%.900s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A segmentation model's probabilities p (s.h x s.w) for the record in slot i: a u8 mask
 * (probability x 255, or 0/255 past the threshold), into the stream, a PNG file and/or the
 * table's pixel count and mean. */
static int
emit_mask(struct run *r, ts_record *rec, const float *p, nn_shape s, int i)
{
	size_t hw = (size_t)s.h * s.w, on = 0;
	unsigned char *m = xmalloc(hw);
	double sum = 0, t = r->o->threshold;
	char path[4096];

	for (size_t k = 0; k < hw; k++) {
		sum += p[k];
		on += p[k] >= (t >= 0 ? t : 0.5);
		m[k] = t >= 0 ? (p[k] >= t ? 255 : 0) : (unsigned char)(p[k] * 255 + 0.5f);
	}
	if (r->o->masks && write_mask_png(r, rec, m, s, path, sizeof path) != 0) {
		free(m);
		return -1;
	}
	if (r->w) {
		uint64_t dims[2] = { (uint64_t)s.h, (uint64_t)s.w };
		ts_tensor_take(rec, "pred_mask", TS_U8, 2, dims, m, hw);
		ts_setf(rec, "mask_pixels", "%zu", on);
		ts_setf(rec, "mask_mean", "%.6f", sum / hw);
		if (r->o->masks)
			ts_set(rec, "mask_file", path);
		return write_out(r, rec);
	}
	free(m);
	row_start(r, rec);
	fprintf(r->of.f, "\t%zu\t%.6f", on, sum / hw);
	if (r->o->masks) {
		fputc('\t', r->of.f);
		put_field(r->of.f, path);
	}
	return row_end(r, i);
}

static int
emit(struct run *r, ts_record *rec, const float *out, int i)
{
	double p[NN_MAX_CLASSES];
	int pred = 0;
	char key[300];

	if (r->net && r->loss.kind == NN_LOSS_PIXEL) {
		nn_shape s = nn_output_shape(r->net);
		return emit_mask(r, rec, out + (size_t)i * s.h * s.w, s, i);
	}
	if (r->net) {
		probabilities(r, out, i, p);
		for (int c = 1; c < r->mi.nclass; c++)
			if (p[c] > p[pred])
				pred = c;
	}
	if (r->w) {
		if (r->net) {
			ts_set(rec, "pred", r->mi.classes[pred]);
			if (r->mi.nclass == 2)
				ts_setf(rec, "score", "%.9g", p[1]);
			for (int c = 0; c < r->mi.nclass; c++) {
				snprintf(key, sizeof key, "p_%s", r->mi.classes[c]);
				ts_setf(rec, key, "%.9g", p[c]);
			}
		}
		if (r->o->laplacian)
			ts_setf(rec, "laplacian_var", "%.17g", r->lap[i]);
		return write_out(r, rec);
	}
	FILE *f = r->of.f;
	row_start(r, rec);
	if (r->net) {
		fputc('\t', f);
		put_field(f, r->mi.classes[pred]);
		if (r->mi.nclass == 2)
			fprintf(f, "\t%.9g", p[1]);
		for (int c = 0; c < r->mi.nclass; c++)
			fprintf(f, "\t%.9g", p[c]);
	}
	return row_end(r, i);
}

/* The forward pass of the batch in the network's input, on the device chosen. */
static const float *
forward(struct run *r, int n)
{
	nn_run run = { .n = n };
	char err[400];

	if (!r->cuda)
		return nn_forward(r->net, &run);
	if (r->dev.api->forward(r->cuda, &run, err, sizeof err) != 0)
		die("%s: %s", nn_device_spec(r->o->device, r->o->device_index), err);
	return r->net->act[r->net->nlayer];
}

/* Runs the model on the pending records and writes them out. */
static int
flush_batch(struct run *r)
{
	const float *out = NULL;
	int rc = 0;

	if (r->npending == 0)
		return 0;
	if (r->net)
		out = forward(r, r->npending);
	for (int i = 0; i < r->npending && rc == 0; i++)
		rc = emit(r, &r->pending[i], out, i);
	for (int i = 0; i < r->npending; i++)
		ts_record_clear(&r->pending[i]);
	r->npending = 0;
	return rc;
}

static int skip(struct run *r, const ts_record *rec, const char *why);

/* Tile positions along an axis of len pixels: overlapping by the option's amount, the last
 * one moved back inside (or one tile, padded, when len is shorter).  With pos NULL, only
 * their number; otherwise a malloc'd array. */
static int *
tile_positions(const struct run *r, int len, int tile, int *n, int count_only)
{
	int overlap = r->o->overlap >= 0 ? r->o->overlap : tile / 4;
	int stride = tile - overlap > 0 ? tile - overlap : 1;
	enum tile_edge edge = len >= tile ? TILE_EDGE_SHIFT : TILE_EDGE_PAD;

	*n = tile_axis(len, tile, stride, edge, NULL, 0);
	if (count_only)
		return NULL;
	int *pos = xcalloc((size_t)*n, sizeof *pos);
	tile_axis(len, tile, stride, edge, pos, *n);
	return pos;
}

/*
 * A frame may take at most MAX_TILE_FACTOR times the tiles that cover it side by
 * side (an overlap of up to three quarters of the input always fits: at most 4
 * times as many tiles along each axis); more is refused, as a bad record, with
 * the numbers, instead of running for hours (an overlap of 127 on a 128-pixel
 * input is one tile per pixel).
 */
#define MAX_TILE_FACTOR 16

static int
check_tile_count(struct run *r, const ts_record *rec, const image *im, size_t *ntile)
{
	const char *id = ts_get(rec, "id");
	nn_shape in = r->net->input;
	int nx, ny;
	size_t cover = (size_t)((im->w + in.w - 1) / in.w) * (size_t)((im->h + in.h - 1) / in.h);

	tile_positions(r, im->w, in.w, &nx, 1);
	tile_positions(r, im->h, in.h, &ny, 1);
	*ntile = (size_t)nx * (size_t)ny;
	if (*ntile <= MAX_TILE_FACTOR * cover)
		return 0;
	snprintf(r->err, sizeof r->err, "%s: record %zu (%s): a %dx%d frame would take %zu tiles of %dx%d "
	         "with --overlap %d, more than the limit of %zu (%d times the %zu tiles that cover it "
	         "without overlap); give a smaller --overlap (up to %d is always accepted)",
	         r->input, r->nrec, id ? id : "no id", im->w, im->h, *ntile,
	         in.w, in.h, r->o->overlap >= 0 ? r->o->overlap : in.w / 4, (size_t)MAX_TILE_FACTOR * cover,
	         MAX_TILE_FACTOR, cover, (in.w < in.h ? in.w : in.h) * 3 / 4);
	return -1;
}

/* Progress of a frame's tiles, on the progress line (util.h). */
static void
tile_progress(struct run *r, size_t done, size_t ntile)
{
	if (done < ntile)
		progress_line(0, "record %zu: tile %zu of %zu", r->nrec, done, ntile);
}

/* The input window at (x, y) of an image, zero outside it, prepared and normalised into slot j. */
static int
put_tile(struct run *r, const image *im, int x, int y, int j, char *err, size_t errlen)
{
	nn_shape in = r->net->input;
	image t = { .w = in.w, .h = in.h, .c = im->c };
	image prep;

	t.px = xcalloc((size_t)in.w * in.h, (size_t)im->c);
	for (int yy = 0; yy < in.h && y + yy < im->h; yy++) {
		int w = im->w - x < in.w ? im->w - x : in.w;
		memcpy(t.px + (size_t)yy * in.w * im->c, im->px + ((size_t)(y + yy) * im->w + x) * im->c,
		       (size_t)w * im->c);
	}
	int rc = nn_prepare_image(&t, in, 0, 0, &prep, err, errlen);
	free(t.px);
	if (rc != 0)
		return -1;
	nn_norm_apply(&r->mi.norm, prep.px, in.h, in.w, in.c, nn_input(r->net) + (size_t)j * nn_shape_size(in));
	img_free(&prep);
	return 0;
}

/*
 * Segmentation of a frame larger than the model's input: overlapping tiles in batches, their
 * probabilities averaged where they overlap (imgtile --merge's canvas), one mask of the frame.
 */
static int
predict_tiled(struct run *r, ts_record *rec, const image *im)
{
	nn_shape in = r->net->input;
	int nx, ny, rc = 0;
	size_t ntile, hw = (size_t)in.h * in.w;
	tile_acc acc;
	char reason[512];

	if (check_tile_count(r, rec, im, &ntile) != 0)
		return -1;
	int *px = tile_positions(r, im->w, in.w, &nx, 0), *py = tile_positions(r, im->h, in.h, &ny, 0);
	if (tile_acc_init(&acc, im->w, im->h, 1, TS_F32, reason, sizeof reason) != 0) {
		free(px), free(py);
		return skip(r, rec, reason);
	}
	for (size_t b = 0; b < ntile && rc == 0; b += (size_t)r->net->batch) {
		int m = (int)(ntile - b < (size_t)r->net->batch ? ntile - b : (size_t)r->net->batch);
		for (int j = 0; j < m && rc == 0; j++)
			rc = put_tile(r, im, px[(b + j) % nx], py[(b + j) / nx], j, reason, sizeof reason);
		if (rc != 0)
			break;
		const float *out = forward(r, m);
		for (int j = 0; j < m; j++)
			tile_acc_add(&acc, out + (size_t)j * hw, px[(b + j) % nx], py[(b + j) / nx], in.w, in.h);
		tile_progress(r, b + (size_t)m, ntile);
	}
	free(px), free(py);
	if (rc != 0) {
		tile_acc_free(&acc);
		return skip(r, rec, reason);
	}
	uint64_t nbytes;
	float *p = tile_acc_result(&acc, &nbytes);
	tile_acc_free(&acc);
	if (!p) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return -1;
	}
	if (r->o->laplacian)
		r->lap[0] = laplacian_variance(im);
	rc = emit_mask(r, rec, p, (nn_shape){ 1, im->h, im->w }, 0);
	free(p);
	return rc;
}

static int
wants_feature(const nn_net *net, const char *key)
{
	for (int k = 0; k < net->nfeat; k++)
		if (strcmp(net->feat_key[k], key) == 0)
			return 1;
	return 0;
}

/* Skips a record that cannot be predicted (the bad-record policy, util.h): 0 to go on. */
static int
skip(struct run *r, const ts_record *rec, const char *why)
{
	if (skip_record(r->input, r->nrec, ts_get(rec, "id"), "%s", why) == -1) {
		flush_batch(r);         /* the records before it go out; the output is not closed */
		skip_stop();
	}
	return 0;
}

static int
take_record(ts_record *rec, void *ctx)
{
	struct run *r = ctx;
	const ts_tensor *t;
	image im, prep;
	char reason[512];
	int i = r->npending;

	if (r->nin > 0)
		progress_tick(r->nin);  /* the records before this one; the first line can show its tiles */
	r->nin++;
	const ts_tensor *enc = ts_tensor_get(rec, "encoded");
	int decoded = 0;
	/* an image file, or an image record not yet prepared: as the training images were */
	if (r->nprep && enc && !ts_tensor_get(rec, "image") && !ts_get(rec, "resize")) {
		if (ts_record_copy(&r->prepared, rec) != 0) {
			snprintf(r->err, sizeof r->err, "out of memory");
			return -1;
		}
		for (int k = 0; k < r->nprep; k++)
			if (prep_record(&r->prepared, &r->prep[k], reason, sizeof reason) != 0)
				return skip(r, rec, reason);
		enc = ts_tensor_get(&r->prepared, "encoded");   /* the last step may encode */
		t = ts_tensor_get(&r->prepared, "image");
	} else {
		t = ts_tensor_get(rec, "image");
	}
	if (t) {
		if (tensor_as_image(t, &im, reason, sizeof reason) != 0)
			return skip(r, rec, reason);
	} else if (enc) {
		if (img_decode(enc->data, enc->nbytes, &im, reason, sizeof reason) != 0)
			return skip(r, rec, reason);
		decoded = 1;
	} else {
		return skip(r, rec, "no image");
	}
	if (r->net && r->tiles && (im.w > r->net->input.w || im.h > r->net->input.h)) {
		int rc = flush_batch(r);
		if (rc == 0)
			rc = predict_tiled(r, rec, &im);
		if (decoded)
			img_free(&im);
		return rc;
	}
	if (r->net) {
		nn_shape in = r->net->input;
		if (nn_prepare_image(&im, in, r->o->resize, r->o->short_side, &prep, reason, sizeof reason) != 0) {
			if (decoded)
				img_free(&im);
			return skip(r, rec, reason);
		}
		nn_norm_apply(&r->mi.norm, prep.px, in.h, in.w, in.c, nn_input(r->net) + (size_t)i * nn_shape_size(in));
		img_free(&prep);
		if (r->net->nfeat && !ts_get(rec, "laplacian_var") && wants_feature(r->net, "laplacian_var"))
			ts_setf(rec, "laplacian_var", "%.17g", laplacian_variance(&im));
		if (r->net->nfeat && nn_read_features(r->net, rec, nn_feature_input(r->net, i), reason, sizeof reason) != 0) {
			if (decoded)
				img_free(&im);
			return skip(r, rec, reason);
		}
	}
	if (r->o->laplacian)
		r->lap[i] = laplacian_variance(&im);
	if (decoded)
		img_free(&im);
	if (ts_record_copy(&r->pending[i], rec) != 0) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return -1;
	}
	if (++r->npending == r->o->batch) {
		if (flush_batch(r) != 0)
			return -1;
	}
	return 0;
}

/* A file or record the source skips: counted; past --max-errors, the records
 * before it are predicted and written, then the program stops. */
static void
warn_cb(const char *msg, void *ctx)
{
	struct run *r = ctx;

	if (skip_report(msg) == -1) {
		flush_batch(r);
		skip_stop();
	}
}

/* --device and --precision: the model on the GPU, or one line and exit 1 when the device asked
 * for is not there. */
static void
pick_device(struct run *r)
{
	const struct opts *o = r->o;
	char err[400];

	if (nn_device_open(&r->dev, o->device, o->device_index, o->precision, err, sizeof err) != 0) {
		if (strncmp(err, "--precision", 11) == 0)
			die("%s", err);
		die("--device %s: %s", nn_device_spec(o->device, o->device_index), err);
	}
}

/* After pick_device and the network's buffer plan: the network on the device picked. */
static void
open_device(struct run *r)
{
	const struct opts *o = r->o;
	char err[400];

	if (r->dev.kind != NN_DEV_CUDA)
		return;
	r->cuda = r->dev.api->open(r->net, r->dev.index, r->dev.precision, err, sizeof err);
	if (!r->cuda && nn_device_fallback(&r->dev, err) == 0)
		return;         /* auto: the CPU, as the summary line says */
	if (!r->cuda || r->dev.api->load(r->cuda, NULL, err, sizeof err) != 0)
		die("--device %s: %s", nn_device_spec(o->device, o->device_index), err);
}

/* Whether an option that only a segmentation model uses was given. */
static int
seg_options(const struct opts *o)
{
	return o->masks || o->threshold >= 0 || o->overlap >= 0 || !o->tile;
}

/* Whether the file cnnpredict was given as a model is an architecture (what cnntrain -m takes). */
static int
is_architecture(const char *path)
{
	size_t len;
	unsigned char *text = strcmp(path, "-") == 0 ? NULL : read_file(path, &len, 1 << 20);
	char err[256];
	nn_net *net;

	if (text == NULL)
		return 0;
	net = memchr(text, 0, len) ? NULL : nn_build((char *)text, path, 1, 1, err, sizeof err);
	nn_free(net);
	free(text);
	return net != NULL;
}

static int
run(const struct opts *o, int argc, char **argv)
{
	struct run r = { .o = o, .t0 = now_seconds() };
	struct source_opts so = { .emit = take_record, .warn = warn_cb, .ctx = &r, .recno = &r.nrec };
	char err[1024], *dash[] = { "-" };
	int stopped = 0;

	if (o->model) {
		ts_record mrec;
		ts_record_init(&mrec);
		if (nn_model_read(o->model, &mrec, err, sizeof err) != 0) {
			if (is_architecture(o->model))
				die("%s: an architecture, not a trained model: train one first, e.g. "
				    "'cnntrain -m %s -o MODEL STREAM', then 'cnnpredict -m MODEL'", o->model, o->model);
			die("%s", err);
		}
		r.net = nn_model_get(&mrec, o->model, o->batch, o->threads, &r.mi, err, sizeof err);
		if (!r.net)
			die("%s", err);
		pick_device(&r);
		if (r.dev.kind != NN_DEV_CUDA)
			nn_fold_for_inference(r.net);   /* batchnorms and activations into the layer before */
		nn_share_activations(r.net);    /* inference only: outputs reuse freed buffers */
		open_device(&r);
		if (nn_loss_setup(&r.loss, r.net, r.mi.nclass, err, sizeof err) != 0)
			die("%s: %s", o->model, err);
		/* a classifier prepares image files as its training images were, unless told otherwise */
		const char *prep = ts_get(&mrec, "resize");
		if (prep && o->resize && !o->short_side && r.loss.kind != NN_LOSS_PIXEL &&
		    (r.nprep = prep_parse(prep, r.prep, PREP_MAX_STEPS, err, sizeof err)) < 0)
			die("%s: %s", o->model, err);
		ts_record_free(&mrec);
		if (r.loss.kind != NN_LOSS_PIXEL && seg_options(o))
			usage("--masks, --threshold, --overlap and --no-tile are for segmentation models; this "
			      "one classifies");
		nn_shape out = nn_output_shape(r.net), in = r.net->input;
		r.tiles = o->tile && r.loss.kind == NN_LOSS_PIXEL && out.h == in.h && out.w == in.w;
		if (r.tiles && (o->overlap >= in.w || o->overlap >= in.h))
			usage("--overlap must be smaller than the model's input");
		if (o->short_side && (o->short_side < in.w || o->short_side < in.h))
			usage("--short must be at least the model's input side");
	}
	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	r.files = 1;
	for (int i = 0; i < argc; i++)
		if (!is_image_input(argv[i]))
			r.files = 0;
	r.pending = xcalloc((size_t)o->batch, sizeof *r.pending);
	name_set_init(&r.masknames);
	r.lap = xcalloc((size_t)o->batch, sizeof *r.lap);
	for (int i = 0; i < o->batch; i++)
		ts_record_init(&r.pending[i]);
	ts_record_init(&r.prepared);
	if (o->stream && !o->out)
		refuse_terminal_stdout();
	if (!o->stream && (!o->out || strcmp(o->out, "-") == 0))
		progress_text_stdout();         /* scores as they come */
	if (outfile_open(&r.of, o->out ? o->out : "-") != 0)
		die("%s: %s", o->out, strerror(errno));
	if (o->stream)
		r.w = ts_writer_open(r.of.f, o->out ? o->out : "stdout", TS_LEVEL_AUTO);
	progress_start(progress_enabled() ? source_count(argc, argv, &so) : 0);
	for (int i = 0; i < argc && !stopped; i++) {
		r.input = strcmp(argv[i], "-") == 0 ? "stdin" : argv[i];
		r.nrec = 0;
		r.err[0] = 0;
		int rc = source_read(argv[i], &so, err, sizeof err);
		if (rc < 0) {
			if (r.err[0] || err[0]) {       /* emit stops with "" for a closed pipe */
				outfile_abort(&r.of);
				die("%s", r.err[0] ? r.err : err);
			}
			stopped = 1;
		}
	}
	if (!stopped && flush_batch(&r) < 0) {
		outfile_abort(&r.of);
		die("%s", r.err);
	}
	progress_tick(r.nin);
	progress_done();
	if (!r.header_done && !r.w)
		write_header(&r);
	if (r.w) {
		if (ts_writer_close(r.w) != 0) {
			if (is_epipe(ts_writer_errno(r.w)))
				exit(0);
			outfile_abort(&r.of);
			die("%s", ts_writer_error(r.w));
		}
		ts_writer_free(r.w);
	}
	if (outfile_commit(&r.of) != 0) {
		if (is_epipe(errno))
			exit(0);
		die("%s: %s", o->out ? o->out : "stdout", strerror(errno));
	}
	if (o->verbose && r.net) {      /* the summary line with the device */
		char d[800];
		double s = now_seconds() - r.t0;
		nn_device_summary(&r.dev, r.cuda ? r.dev.api->peak(r.cuda) : 0, d, sizeof d);
		summary_printf("%zu record%s in, %zu out, %zu skipped, %.1f records/s, %s", r.nin, plural(r.nin),
		               r.nout, skip_count(), s > 0 ? r.nin / s : 0.0, d);
	} else if (o->verbose) {
		summary_print(r.nin, r.nout);
	}
	if (r.cuda)
		r.dev.api->close(r.cuda);
	nn_device_close(&r.dev);
	for (int i = 0; i < o->batch; i++)
		ts_record_free(&r.pending[i]);
	ts_record_free(&r.prepared);
	free(r.pending);
	free(r.lap);
	name_set_free(&r.masknames);
	nn_model_info_free(&r.mi);
	nn_free(r.net);
	return skip_status();
}

int
main(int argc, char **argv)
{
	enum { O_BASELINE = 256, O_BATCH, O_HELP, O_VERSION, O_MASKS, O_NO_RESIZE, O_NO_TILE, O_OVERLAP, O_SHORT, O_STREAM,
	       O_THREADS, O_THRESHOLD, O_MAX_ERRORS, O_PROGRESS, O_DEVICE, O_PRECISION };
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, O_BASELINE },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "help", no_argument, NULL, O_HELP },
		{ "masks", required_argument, NULL, O_MASKS },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "model", required_argument, NULL, 'm' },
		{ "no-resize", no_argument, NULL, O_NO_RESIZE },
		{ "no-tile", no_argument, NULL, O_NO_TILE },
		{ "output", required_argument, NULL, 'o' },
		{ "overlap", required_argument, NULL, O_OVERLAP },
		{ "precision", required_argument, NULL, O_PRECISION },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "short", required_argument, NULL, O_SHORT },
		{ "stream", no_argument, NULL, O_STREAM },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .resize = 1, .batch = 64, .threads = pmap_cpus(), .threshold = -1,
	                 .tile = 1, .overlap = -1, .device = NN_DEV_AUTO, .precision = -1 };
	int c;

	prog_init(argv[0]);
	env_require();
	while ((c = getopt_long(argc, argv, "hm:o:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.model = optarg; break;
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_STREAM: o.stream = 1; break;
		case O_MASKS: o.masks = optarg; break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_THRESHOLD: o.threshold = parse_double(optarg, 0, 1, "--threshold"); break;
		case O_NO_RESIZE: o.resize = 0; break;
		case O_NO_TILE: o.tile = 0; break;
		case O_SHORT: o.short_side = (int)parse_int(optarg, 1, 65535, "--short"); break;
		case O_OVERLAP: o.overlap = (int)parse_int(optarg, 0, 8191, "--overlap"); break;
		case O_BASELINE:
			if (strcmp(optarg, "laplacian") != 0)
				usage("--baseline wants laplacian");
			o.laplacian = 1;
			break;
		case O_BATCH: o.batch = (int)parse_int(optarg, 1, 65536, "--batch"); break;
		case O_THREADS: o.threads = (int)parse_int(optarg, 1, 256, "--threads"); break;
		case O_DEVICE:
			if (nn_device_parse(optarg, &o.device, &o.device_index) != 0)
				usage("--device wants cpu, cuda, cuda:N or auto");
			break;
		case O_PRECISION:
			if ((o.precision = nn_precision_parse(optarg)) < 0)
				usage("--precision wants fp32, tf32 or bf16");
			break;
		case 'h':
		case O_HELP:
			help_exit(USAGE, HELP);
		case O_VERSION:
			version_exit();
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (!o.model && !o.laplacian)
		usage("-m MODEL or --baseline laplacian is required");
	if (o.short_side && !o.resize)
		usage("--short and --no-resize exclude each other");
	if (!o.model && seg_options(&o))
		usage("--masks, --threshold, --overlap and --no-tile are for segmentation models");
	summary_start();
	c = run(&o, argc, argv);
	finish_stdout();
	return c;
}
