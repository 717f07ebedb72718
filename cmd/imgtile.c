/* imgtile: cut images (and their masks) into grid tiles or random patches, or merge tiles back. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tstream.h"
#include "pipeline/source.h"
#include "image/image.h"
#include "pipeline/stage.h"
#include "util/hash.h"
#include "util/rng.h"
#include "util/strmap.h"
#include "tile/tile_grid.h"
#include "tile/tile_merge.h"
#include "tile/tile_patch.h"
#include "tile/tile_window.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: imgtile [-qv] [--progress] [-o OUT] [--level N] [--max-errors N] --grid WxH [--stride S|SxT]\n" \
"               [--edge drop|pad|shift] [--label-from-mask [--label-threshold T]] [FILE | DIR | -]...\n" \
"       imgtile [-qv] [--progress] [-o OUT] [--level N] [--max-errors N] --random N --size WxH [--seed S]\n" \
"               [--max-empty F] [--min-positive P] [--label-from-mask [--label-threshold T]]\n" \
"               [FILE | DIR | -]...\n" \
"       imgtile [-qv] [--progress] [-o OUT] [--level N] --merge [--score KEY] [FILE | DIR | -]...\n" \
"       imgtile -h | --help | --version\n"

#define HELP \
"Grid:\n" \
"      --grid WxH              cut tiles W wide and H high, row by row\n" \
"      --stride S|SxT          a tile every S pixels across, T down (default: the tile size)\n" \
"      --edge drop|pad|shift   tiles that stick out of the image (default drop)\n" \
"\n" \
"Random patches:\n" \
"      --random N              cut N random patches from every image, 1 to 100000\n" \
"      --size WxH              the patch size (required with --random)\n" \
"      --seed S                the seed (default 0)\n" \
"      --max-empty F           at most F x N patches with an empty mask (default 1: no limit)\n" \
"      --min-positive P        redraw windows with 1 to P-1 mask pixels (default 1: none)\n" \
"\n" \
"Labels from masks (both modes):\n" \
"      --label-from-mask       label each window 1 when its mask reaches the threshold, else 0\n" \
"      --label-threshold T     non-zero mask pixels that make a positive window (default 1)\n" \
"\n" \
"Merge:\n" \
"      --merge                 put tiles back together into their parent records\n" \
"      --score KEY             the metadata key of the tiles' scores (default score)\n" \
"\n" \
"Output:\n" \
"  -o, --output OUT            write the stream to OUT, atomically (default: stdout)\n" \
"      --level N               zstd compression level, -7 to 19 (default -1, or TS_LEVEL)\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

#define MAX_PATCHES 100000

enum mode { GRID = 1, PATCH, MERGE };

struct opts {
	enum mode mode;
	int verbose, level, edge, label_from_mask;
	int score_given;        /* --score KEY: every parent's tiles must carry KEY */
	int tw, th;             /* tile or patch size */
	int sx, sy;             /* grid stride */
	int npatch;
	double max_empty;
	uint32_t min_positive, label_threshold;
	unsigned long long seed;
	const char *out, *score_key;
};

/* The parent being merged: what its tiles agree on, and the canvases. */
enum { ACC_IMAGE, ACC_MASK, ACC_HEATMAP, NACC };
struct merge {
	char *pid;              /* NULL before the first tile of a parent */
	int w, h;
	ts_record keep;         /* metadata and other tensors equal on every tile so far */
	tile_acc acc[NACC];
	int ndim[NACC];
	strmap done;            /* parents already written */
};

struct run {
	const struct opts *o;
	stage *chain;
	const char *input;      /* the operand being read */
	size_t nin, nout, nrec; /* records in, out, and read from this operand */
	size_t short_images;    /* images that gave fewer patches than asked */
	ts_record out;          /* the record being built */
	int *xs, *ys;
	size_t nxs, nys;
	struct tile_patch *patches;
	struct merge m;
};

/* An input image with its mask, checked. */
struct parent {
	const ts_record *rec;
	const ts_tensor *image, *mask;
	int w, h;
	const char *id;         /* the record's id, or idbuf */
	char idbuf[512];
};

static const char *const tile_keys[] = {
	"tile_x", "tile_y", "tile_row", "tile_col", "tile_width", "tile_height", "patch", "mask_pixels",
	"parent_id", "parent_width", "parent_height", NULL,
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

/* Dies with "INPUT: record N (id ID): what": a tile that cannot be merged (the
 * merged image would lack it). */
static void __attribute__((noreturn, format(printf, 3, 4)))
bad(struct run *r, const ts_record *rec, const char *fmt, ...)
{
	const char *id = ts_get(rec, "id");
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (id)
		die("%s: record %zu (id %s): %s", r->input, r->nrec, id, msg);
	die("%s: record %zu: %s", r->input, r->nrec, msg);
}

/* Skips an image that cannot be cut, with "INPUT: record N (id ID): what" (the
 * bad-record policy, util.h); returns -1. */
static int __attribute__((format(printf, 3, 4)))
skip(struct run *r, const ts_record *rec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vskip_or_stop(r->input, r->nrec, ts_get(rec, "id"), fmt, ap);
	va_end(ap);
	return -1;
}

static void
push(struct run *r, ts_record *rec)
{
	if (stage_push(r->chain, rec) == -1) {
		if (stage_epipe(r->chain))
			exit(0);
		die("%s", stage_error(r->chain));
	}
	r->nout++;
}

static void
parse_size(const char *s, int *w, int *h, const char *opt)
{
	char why[256];

	if (img_parse_size(s, w, h, 1) == -1) {
		snprintf(why, sizeof why, "%s: '%s' is not WxH (or N for NxN) with sides from 1 to %d",
		         opt, s, IMG_MAXDIM);
		usage(why);
	}
}

static long long
meta_int(struct run *r, const ts_record *rec, const char *key, long long min, long long max)
{
	const char *v = ts_get(rec, key);
	char *end;
	long long n;

	if (v == NULL)
		bad(r, rec, "no '%s' metadata: not a tile from imgtile --grid or --random", key);
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || n < min || n > max)
		bad(r, rec, "%s '%s' is not an integer from %lld to %lld", key, v, min, max);
	return n;
}

static int
load_parent(struct run *r, const ts_record *rec, struct parent *p)
{
	const char *id = ts_get(rec, "id");
	char why[256];
	int c, mh, mw, mc;

	p->rec = rec;
	p->id = id;
	if (id == NULL) {
		snprintf(p->idbuf, sizeof p->idbuf, "%s:%zu", r->input, r->nrec - 1);
		p->id = p->idbuf;
	}
	if ((p->image = ts_tensor_get(rec, "image")) == NULL)
		return skip(r, rec, "no image to cut");
	if (tensor_check_pixels(p->image, why, sizeof why) == -1 ||
	    tile_tensor_hwc(p->image, &p->h, &p->w, &c, why, sizeof why) == -1)
		return skip(r, rec, "%s", why);
	if ((p->mask = ts_tensor_get(rec, "mask")) == NULL)
		return 0;
	if (p->mask->dtype != TS_U8 || tile_tensor_hwc(p->mask, &mh, &mw, &mc, why, sizeof why) == -1 || mc != 1)
		return skip(r, rec, "the mask is not a u8 height x width tensor");
	if (mh != p->h || mw != p->w)
		return skip(r, rec, "the mask is %dx%d but the image is %dx%d", mw, mh, p->w, p->h);
	return 0;
}

/* Starts r->out as the window (x, y, w, h) of p: metadata, cut tensors, mask label. */
static ts_record *
tile_record(struct run *r, const struct parent *p, int x, int y, int w, int h)
{
	ts_record *t = &r->out;
	const ts_record *src = p->rec;
	int lfm = r->o->label_from_mask, ok = 1;

	ts_record_clear(t);
	for (size_t i = 0; i < src->nmeta; i++) {
		const char *k = src->meta[i].key;
		if (lfm && strcmp(k, "label") == 0)
			k = "parent_label";
		ok &= ts_set(t, k, src->meta[i].val) == 0;
	}
	record_mark_decoded(t);         /* sha256 and format name the parent's file, not the tile */
	record_mark_new_pixels(t);
	if (lfm && ts_get(src, "label") == NULL)
		ok &= ts_set(t, "parent_label", "") == 0;
	ok &= ts_set(t, "parent_id", p->id) == 0;
	ok &= ts_setf(t, "parent_width", "%d", p->w) == 0;
	ok &= ts_setf(t, "parent_height", "%d", p->h) == 0;
	ok &= ts_setf(t, "tile_x", "%d", x) == 0;
	ok &= ts_setf(t, "tile_y", "%d", y) == 0;
	ok &= ts_setf(t, "tile_width", "%d", w) == 0;
	ok &= ts_setf(t, "tile_height", "%d", h) == 0;
	ok &= ts_setf(t, "width", "%d", w) == 0;
	ok &= ts_setf(t, "height", "%d", h) == 0;
	for (size_t i = 0; i < src->ntensor; i++) {
		const ts_tensor *s = &src->tensor[i];
		if (s == p->image || s == p->mask)
			ok &= tile_cut(t, s->name, s, x, y, w, h) != NULL;
		else
			ok &= ts_tensor_put(t, s->name, s->dtype, s->ndim, s->dims, s->data, s->nbytes) != NULL;
	}
	if (!ok)
		die("out of memory");
	if (p->mask) {
		uint64_t n = tile_count_nonzero(ts_tensor_get(t, "mask"));
		ts_setf(t, "mask_pixels", "%llu", (unsigned long long)n);
		if (lfm)
			ts_set(t, "label", n >= r->o->label_threshold ? "1" : "0");
	}
	return t;
}

/* The tile positions along one axis, in *pos (grown as needed); returns how many. */
static size_t
axis(int len, int tile, int stride, int edge, int **pos, size_t *cap)
{
	int n = tile_axis(len, tile, stride, edge, NULL, 0);

	if (n < 0)
		die("tile_axis(%d, %d, %d): bad arguments", len, tile, stride);
	if ((size_t)n > *cap) {
		*pos = xreallocarray(*pos, (size_t)n, sizeof **pos);
		*cap = (size_t)n;
	}
	tile_axis(len, tile, stride, edge, *pos, n);
	return (size_t)n;
}

static void
grid(struct run *r, const ts_record *rec)
{
	const struct opts *o = r->o;
	struct parent p;
	size_t nx, ny;

	if (load_parent(r, rec, &p) == -1)
		return;
	if (p.mask == NULL && o->label_from_mask) {
		skip(r, rec, "no mask tensor (--label-from-mask needs one)");
		return;
	}
	if (o->edge != TILE_EDGE_PAD && (o->tw > p.w || o->th > p.h)) {
		skip(r, rec, "tile %dx%d is larger than the image %dx%d (--edge pad pads it)",
		     o->tw, o->th, p.w, p.h);
		return;
	}
	nx = axis(p.w, o->tw, o->sx, o->edge, &r->xs, &r->nxs);
	ny = axis(p.h, o->th, o->sy, o->edge, &r->ys, &r->nys);
	for (size_t row = 0; row < ny; row++)
		for (size_t col = 0; col < nx; col++) {
			ts_record *t = tile_record(r, &p, r->xs[col], r->ys[row], o->tw, o->th);
			ts_setf(t, "id", "%s@%zu,%zu", p.id, row, col);
			ts_setf(t, "tile_row", "%zu", row);
			ts_setf(t, "tile_col", "%zu", col);
			push(r, t);
		}
}

static void
patches(struct run *r, const ts_record *rec)
{
	const struct opts *o = r->o;
	struct tile_patch_rule rule = { o->npatch, o->tw, o->th, o->npatch, o->min_positive };
	tile_mask_sums sums = { 0 };
	struct parent p;
	rng g;
	int n;

	if (load_parent(r, rec, &p) == -1)
		return;
	if (o->tw > p.w || o->th > p.h) {
		skip(r, rec, "patch %dx%d is larger than the image %dx%d", o->tw, o->th, p.w, p.h);
		return;
	}
	if (p.mask == NULL && (o->max_empty < 1 || o->min_positive > 1 || o->label_from_mask)) {
		skip(r, rec, "no mask tensor (--max-empty, --min-positive and --label-from-mask need one)");
		return;
	}
	if (p.mask && tile_mask_sums_init(&sums, p.mask->data, p.w, p.h) == -1)
		die("out of memory");
	rule.max_empty = (int)floor(o->max_empty * o->npatch + 1e-9);
	rng_seed(&g, hash_string(p.id, o->seed));
	n = tile_patch_draw(&rule, p.w, p.h, p.mask ? &sums : NULL, &g,
	                    1000 * (uint64_t)o->npatch + 100000, r->patches);
	tile_mask_sums_free(&sums);
	if (n < o->npatch)
		r->short_images++;
	for (int i = 0; i < n; i++) {
		ts_record *t = tile_record(r, &p, r->patches[i].x, r->patches[i].y, o->tw, o->th);
		ts_setf(t, "id", "%s@patch%d", p.id, i);
		ts_setf(t, "patch", "%d", i);
		push(r, t);
	}
}

/* Drops from keep every metadata entry and tensor that rec does not have the
 * same, but the id, which becomes the parent's in its place. */
static void
keep_common(ts_record *keep, const ts_record *rec)
{
	for (size_t i = keep->nmeta; i-- > 0;) {
		const char *v = ts_get(rec, keep->meta[i].key);
		if (strcmp(keep->meta[i].key, "id") == 0)
			continue;
		if (v == NULL || strcmp(v, keep->meta[i].val) != 0)
			ts_unset(keep, keep->meta[i].key);
	}
	for (size_t i = keep->ntensor; i-- > 0;) {
		const ts_tensor *a = &keep->tensor[i], *b = ts_tensor_get(rec, a->name);
		if (b == NULL || b->dtype != a->dtype || b->ndim != a->ndim || b->nbytes != a->nbytes ||
		    memcmp(b->dims, a->dims, (size_t)a->ndim * sizeof *a->dims) != 0 ||
		    memcmp(b->data, a->data, a->nbytes) != 0)
			ts_tensor_remove(keep, a->name);
	}
}

static void
merge_flush(struct run *r)
{
	struct merge *m = &r->m;
	ts_record *out = &r->out, *keep = &m->keep;
	static const char *const names[NACC] = { "image", "mask", "heatmap" };
	const char *plabel = ts_get(keep, "parent_label");
	int ok = 1;

	if (m->pid == NULL)
		return;
	if (r->o->score_given && m->acc[ACC_HEATMAP].sum == NULL)
		die("%s: parent %s: no tile carries '%s' (--score)", r->input, m->pid, r->o->score_key);
	ts_record_clear(out);
	for (size_t i = 0; i < keep->nmeta; i++) {
		const char *k = keep->meta[i].key, *v = keep->meta[i].val;
		int skip = strcmp(k, r->o->score_key) == 0 || (plabel && strcmp(k, "label") == 0);
		for (int j = 0; tile_keys[j] && !skip; j++)
			skip = strcmp(k, tile_keys[j]) == 0;
		if (skip)
			continue;
		if (strcmp(k, "parent_label") == 0) {
			if (*v == '\0')
				continue;       /* the parent had no label */
			k = "label";
		}
		ok &= ts_set(out, k, v) == 0;
	}
	ok &= ts_set(out, "id", m->pid) == 0;
	ok &= ts_setf(out, "width", "%d", m->w) == 0;
	ok &= ts_setf(out, "height", "%d", m->h) == 0;
	for (size_t i = 0; i < keep->ntensor; i++) {
		const ts_tensor *s = &keep->tensor[i];
		ok &= ts_tensor_put(out, s->name, s->dtype, s->ndim, s->dims, s->data, s->nbytes) != NULL;
	}
	for (int k = 0; k < NACC; k++) {
		tile_acc *a = &m->acc[k];
		uint64_t dims[3] = { (uint64_t)m->h, (uint64_t)m->w, (uint64_t)a->c }, nbytes;
		void *px;
		if (a->sum == NULL)
			continue;
		if ((px = tile_acc_result(a, &nbytes)) == NULL ||
		    ts_tensor_take(out, names[k], a->dtype, m->ndim[k], dims, px, nbytes) == NULL)
			die("out of memory");
		if (k == ACC_IMAGE)
			ts_setf(out, "channels", "%d", a->c);
		tile_acc_free(a);
	}
	if (!ok)
		die("out of memory");
	push(r, out);
	strmap_add(&m->done, m->pid);
	free(m->pid);
	m->pid = NULL;
}

/* Adds the tensor name of a tile at (x, y) to canvas k. */
static void
merge_tensor(struct run *r, const ts_record *rec, int k, const char *name, int x, int y)
{
	struct merge *m = &r->m;
	const ts_tensor *t = ts_tensor_get(rec, name);
	tile_acc *a = &m->acc[k];
	const char *tw = ts_get(rec, "tile_width"), *th = ts_get(rec, "tile_height");
	char why[256];
	int h, w, c;

	if (t == NULL)
		return;
	if (tile_tensor_hwc(t, &h, &w, &c, why, sizeof why) == -1)
		bad(r, rec, "%s", why);
	if (k == ACC_MASK && c != 1)
		bad(r, rec, "the mask has %d channels, not 1", c);
	if (tw && th && (w != atoi(tw) || h != atoi(th)))
		bad(r, rec, "the %s is %dx%d but the tile was cut %sx%s: merge tiles at the size they were cut",
		    name, w, h, tw, th);
	if (a->sum == NULL) {
		if (tile_acc_init(a, m->w, m->h, c, t->dtype, why, sizeof why) == -1)
			bad(r, rec, "%s", why);
		m->ndim[k] = t->ndim;
	} else if (a->c != c || a->dtype != t->dtype || m->ndim[k] != t->ndim)
		bad(r, rec, "the %s is %s with %d channels, unlike the earlier tiles' %s with %d",
		    name, ts_dtype_name(t->dtype), c, ts_dtype_name(a->dtype), a->c);
	tile_acc_add(a, t->data, x, y, w, h);
}

static void
merge_score(struct run *r, const ts_record *rec, int x, int y)
{
	struct merge *m = &r->m;
	const char *v = ts_get(rec, r->o->score_key);
	char *end, why[256];
	double s;
	int w, h;

	if (v == NULL)
		return;
	s = strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(s))
		bad(r, rec, "%s '%s' is not a number", r->o->score_key, v);
	if (ts_get(rec, "tile_width"))
		w = (int)meta_int(r, rec, "tile_width", 1, IMG_MAXDIM);
	else
		w = (int)meta_int(r, rec, "width", 1, IMG_MAXDIM);
	if (ts_get(rec, "tile_height"))
		h = (int)meta_int(r, rec, "tile_height", 1, IMG_MAXDIM);
	else
		h = (int)meta_int(r, rec, "height", 1, IMG_MAXDIM);
	if (m->acc[ACC_HEATMAP].sum == NULL) {
		if (tile_acc_init(&m->acc[ACC_HEATMAP], m->w, m->h, 1, TS_F32, why, sizeof why) == -1)
			bad(r, rec, "%s", why);
		m->ndim[ACC_HEATMAP] = 2;
	}
	tile_acc_fill(&m->acc[ACC_HEATMAP], s, x, y, w, h);
}

static void
merge_tile(struct run *r, const ts_record *rec)
{
	struct merge *m = &r->m;
	const char *pid = ts_get(rec, "parent_id");
	int w, h, x, y;

	if (pid == NULL)
		bad(r, rec, "no 'parent_id' metadata: not a tile from imgtile --grid or --random");
	if (m->pid && strcmp(pid, m->pid) != 0)
		merge_flush(r);
	w = (int)meta_int(r, rec, "parent_width", 1, IMG_MAXDIM);
	h = (int)meta_int(r, rec, "parent_height", 1, IMG_MAXDIM);
	if (m->pid == NULL) {
		if (strmap_find(&m->done, pid) >= 0)
			bad(r, rec, "parent %s was already merged: the tiles of a parent must come one after another", pid);
		if ((uint64_t)w * (uint64_t)h > img_max_pixels())
			bad(r, rec, "parent %dx%d exceeds the pixel budget of %llu", w, h,
			    (unsigned long long)img_max_pixels());
		m->pid = xstrdup(pid);
		m->w = w;
		m->h = h;
		ts_record_clear(&m->keep);
		if (ts_record_copy(&m->keep, rec) == -1)
			die("out of memory");
		ts_tensor_remove(&m->keep, "image");
		ts_tensor_remove(&m->keep, "mask");
	} else if (w != m->w || h != m->h) {
		bad(r, rec, "parent size %dx%d differs from the %dx%d of its earlier tiles", w, h, m->w, m->h);
	} else {
		keep_common(&m->keep, rec);
	}
	x = (int)meta_int(r, rec, "tile_x", 0, IMG_MAXDIM);
	y = (int)meta_int(r, rec, "tile_y", 0, IMG_MAXDIM);
	if (x >= w || y >= h)
		bad(r, rec, "tile at %d,%d lies outside its %dx%d parent", x, y, w, h);
	if (!ts_tensor_get(rec, "image") && !ts_tensor_get(rec, "mask") && !ts_get(rec, r->o->score_key))
		bad(r, rec, "nothing to merge: no image or mask tensor and no '%s' metadata", r->o->score_key);
	merge_tensor(r, rec, ACC_IMAGE, "image", x, y);
	merge_tensor(r, rec, ACC_MASK, "mask", x, y);
	merge_score(r, rec, x, y);
}

static int
emit(ts_record *rec, void *ctx)
{
	struct run *r = ctx;

	r->nin++;
	progress_tick(r->nin);
	if (r->o->mode == GRID)
		grid(r, rec);
	else if (r->o->mode == PATCH)
		patches(r, rec);
	else
		merge_tile(r, rec);
	return 0;
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct run r = { .o = o };
	struct source_opts so = { .decode = 1, .emit = emit, .warn = source_warn_stderr, .ctx = &r,
	                          .recno = &r.nrec };
	char err[1024];

	if (o->out == NULL || strcmp(o->out, "-") == 0)
		refuse_terminal_stdout();
	r.chain = sink_stream(o->out ? o->out : "-", o->level);
	if (r.chain->err[0])
		die("%s", r.chain->err);
	ts_record_init(&r.out);
	ts_record_init(&r.m.keep);
	strmap_init(&r.m.done);
	if (o->mode == PATCH)
		r.patches = xcalloc((size_t)o->npatch, sizeof *r.patches);
	if (o->verbose)
		summary_start();
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	progress_start(progress_enabled() ? source_count(argc, argv, &so) : 0);
	for (int i = 0; i < argc; i++) {
		int rc;
		r.input = argv[i];
		r.nrec = 0;
		rc = source_read(argv[i], &so, err, sizeof err);
		if (rc == -1)
			die("%s", err[0] ? err : "stopped");
	}
	merge_flush(&r);
	if (stage_finish(r.chain) == -1) {
		if (stage_epipe(r.chain))
			exit(0);
		die("%s", stage_error(r.chain));
	}
	progress_done();
	if (r.short_images)
		warnx("%zu of %zu images gave fewer than %d patches: too few windows meet --max-empty "
		      "and --min-positive", r.short_images, r.nin, o->npatch);
	if (o->verbose)
		summary_print(r.nin, r.nout);
	stage_free(r.chain);
	ts_record_free(&r.out);
	ts_record_free(&r.m.keep);
	strmap_free(&r.m.done);
	free(r.xs);
	free(r.ys);
	free(r.patches);
	return skip_status();
}

static void
set_mode(struct opts *o, enum mode m)
{
	if (o->mode && o->mode != m)
		usage("choose one of --grid, --random and --merge");
	o->mode = m;
}

int
main(int argc, char **argv)
{
	enum { O_EDGE = 256, O_GRID, O_HELP, O_VERSION, O_LABEL_FROM_MASK, O_LABEL_THRESHOLD, O_LEVEL, O_MAX_EMPTY,
	       O_MERGE, O_MIN_POSITIVE, O_RANDOM, O_SCORE, O_SEED, O_SIZE, O_STRIDE, O_MAX_ERRORS, O_PROGRESS };
	static const struct option longopts[] = {
		{ "edge", required_argument, NULL, O_EDGE },
		{ "grid", required_argument, NULL, O_GRID },
		{ "help", no_argument, NULL, O_HELP },
		{ "label-from-mask", no_argument, NULL, O_LABEL_FROM_MASK },
		{ "label-threshold", required_argument, NULL, O_LABEL_THRESHOLD },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "max-empty", required_argument, NULL, O_MAX_EMPTY },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "merge", no_argument, NULL, O_MERGE },
		{ "min-positive", required_argument, NULL, O_MIN_POSITIVE },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "random", required_argument, NULL, O_RANDOM },
		{ "score", required_argument, NULL, O_SCORE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "size", required_argument, NULL, O_SIZE },
		{ "stride", required_argument, NULL, O_STRIDE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .level = TS_LEVEL_AUTO, .edge = TILE_EDGE_DROP, .max_empty = 1,
	                  .min_positive = 1, .label_threshold = 1, .score_key = "score" };
	int c, size = 0, stride = 0, edge = 0, seed = 0, threshold = 0, score = 0, maskrule = 0;

	prog_init(argv[0]);
	env_require();
	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_GRID:
			set_mode(&o, GRID);
			parse_size(optarg, &o.tw, &o.th, "--grid");
			break;
		case O_RANDOM:
			set_mode(&o, PATCH);
			o.npatch = (int)parse_int(optarg, 1, MAX_PATCHES, "--random");
			break;
		case O_MERGE: set_mode(&o, MERGE); break;
		case O_SIZE:
			parse_size(optarg, &o.tw, &o.th, "--size");
			size = 1;
			break;
		case O_STRIDE:
			parse_size(optarg, &o.sx, &o.sy, "--stride");
			stride = 1;
			break;
		case O_EDGE:
			if ((o.edge = tile_edge_parse(optarg)) == -1)
				usage("--edge wants drop, pad or shift");
			edge = 1;
			break;
		case O_SEED:
			o.seed = (unsigned long long)parse_int(optarg, 0, INT64_MAX, "--seed");
			seed = 1;
			break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_MAX_EMPTY:
			o.max_empty = parse_double(optarg, 0, 1, "--max-empty");
			maskrule = 1;
			break;
		case O_MIN_POSITIVE:
			o.min_positive = (uint32_t)parse_int(optarg, 1, UINT32_MAX, "--min-positive");
			maskrule = 1;
			break;
		case O_LABEL_FROM_MASK: o.label_from_mask = 1; break;
		case O_LABEL_THRESHOLD:
			o.label_threshold = (uint32_t)parse_int(optarg, 1, UINT32_MAX, "--label-threshold");
			threshold = 1;
			break;
		case O_SCORE:
			o.score_key = optarg;
			o.score_given = score = 1;
			break;
		case O_LEVEL: o.level = (int)parse_int(optarg, -7, 19, "--level"); break;
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
	if (o.mode == 0)
		usage("choose one of --grid, --random and --merge");
	if (o.mode == PATCH && !size)
		usage("--random wants --size WxH");
	if (o.mode != PATCH && (size || seed || maskrule))
		usage("--size, --seed, --max-empty and --min-positive go with --random");
	if (o.mode != GRID && (stride || edge))
		usage("--stride and --edge go with --grid");
	if (o.mode == GRID && !stride) {
		o.sx = o.tw;
		o.sy = o.th;
	}
	if (threshold && !o.label_from_mask)
		usage("--label-threshold goes with --label-from-mask");
	if (o.mode == MERGE && o.label_from_mask)
		usage("--label-from-mask goes with --grid or --random");
	if (o.mode != MERGE && score)
		usage("--score goes with --merge");
	c = run(&o, argc, argv);
	finish_stdout();
	return c;
}
