#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "source.h"
#include "image/image.h"
#include "import.h"
#include "labels.h"
#include "net/net.h"
#include "util/hash.h"
#include "walk.h"
#include "util/util.h"

#define DEFAULT_MAX_IMAGE_BYTES ((size_t)256 << 20)

static size_t
max_bytes(const struct source_opts *o)
{
	return o->max_image_bytes ? o->max_image_bytes : DEFAULT_MAX_IMAGE_BYTES;
}

/* Moves key to parent_key unless the record has one already (which names an older ancestor). */
static void
to_parent(ts_record *rec, const char *key, const char *parent_key)
{
	const char *v = ts_get(rec, key);

	if (v == NULL)
		return;
	if (ts_get(rec, parent_key) == NULL)
		ts_set(rec, parent_key, v);
	ts_unset(rec, key);
}

void
record_mark_decoded(ts_record *rec)
{
	to_parent(rec, "sha256", "parent_sha256");
	to_parent(rec, "format", "parent_format");
}

void
record_mark_new_pixels(ts_record *rec)
{
	ts_unset(rec, "phash");
	ts_unset(rec, "dhash");
}

int
record_decode_image(ts_record *rec, char *err, size_t errlen)
{
	ts_tensor *t = ts_tensor_get(rec, "encoded");
	image im;
	uint64_t dims[3];

	if (t == NULL)
		return ts_tensor_get(rec, "image") ? 0 : (snprintf(err, errlen, "record has no image"), -1);
	if (img_decode(t->data, t->nbytes, &im, err, errlen) == -1)
		return -1;
	dims[0] = (uint64_t)im.h;
	dims[1] = (uint64_t)im.w;
	dims[2] = (uint64_t)im.c;
	ts_tensor_remove(rec, "encoded");
	if (ts_tensor_take(rec, "image", TS_U8, 3, dims, im.px, dims[0] * dims[1] * dims[2]) == NULL) {
		img_free(&im);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ts_setf(rec, "width", "%d", im.w);
	ts_setf(rec, "height", "%d", im.h);
	ts_setf(rec, "channels", "%d", im.c);
	record_mark_decoded(rec);
	return 0;
}

/* The name of the directory holding path ("a/b/c.jpg" -> "b"), or NULL. */
static char *
parent_name(const char *path)
{
	const char *end = strrchr(path, '/'), *start;

	if (end == NULL)
		return NULL;
	while (end > path && end[-1] == '/')
		end--;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	if (start == end || (end - start == 1 && *start == '.'))
		return NULL;
	return strndup(start, (size_t)(end - start));
}

/* The label of the image at path: by its path, without "./", by its file name. */
static const char *
lookup_label(struct labels *l, const char *path)
{
	const char *keys[4], *base = strrchr(path, '/');
	int n = 0;

	keys[n++] = path;
	if (strncmp(path, "./", 2) == 0)
		keys[n++] = path + 2;
	if (base)
		keys[n++] = base + 1;
	keys[n] = NULL;
	return labels_match(l, keys);
}

int
source_image_record(ts_record *rec, const unsigned char *buf, size_t n, const char *id,
                    const char *path, const struct source_opts *o, char *err, size_t errlen)
{
	enum img_format f = img_sniff(buf, n);
	char sha[65];
	uint64_t dims[1] = { n };

	ts_record_clear(rec);
	int frames;

	if (f == IMG_UNKNOWN) {
		snprintf(err, errlen, "not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image");
		return -1;
	}
	sha256_hex(buf, n, sha);
	ts_set(rec, "id", id);
	ts_set(rec, "source", path);
	ts_set(rec, "sha256", sha);
	ts_set(rec, "format", img_format_name(f));
	if ((frames = img_frames(buf, n)) > 1)
		ts_setf(rec, "frames", "%d", frames);     /* an animation or a multi-page TIFF */
	if (o->label_from_dir) {
		char *p = parent_name(path);
		if (p) {
			ts_set(rec, "label", p);
			free(p);
		}
	}
	if (o->labels) {
		const char *l = lookup_label(o->labels, path);
		if (l)
			ts_set(rec, "label", l);
	}
	if (ts_tensor_put(rec, "encoded", TS_BYTES, 1, dims, buf, n) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->decode)
		return record_decode_image(rec, err, errlen);
	return 0;
}

struct walk_ctx {
	const struct source_opts *o;
	ts_record rec;
	int problems;
	char *err;
	size_t errlen;
	const char *top;
	size_t nrec;            /* image files met so far: the record number */
};

static void
warn_msg(const struct source_opts *o, const char *fmt, const char *a, const char *b)
{
	char msg[1024];

	snprintf(msg, sizeof msg, fmt, a, b);
	if (o->warn)
		o->warn(msg, o->ctx);
}

/* Skips record recno of input (id: its id): "INPUT: record N (id ID): why". */
static void
warn_record(const struct source_opts *o, const char *input, size_t recno, const char *id, const char *why)
{
	char msg[1536];

	snprintf(msg, sizeof msg, "%s: record %zu%s%s%s: %s", input, recno, id ? " (id " : "", id ? id : "",
	         id ? ")" : "", why);
	if (o->warn)
		o->warn(msg, o->ctx);
}

/* Emits rec, record recno of its input. */
static int
emit_at(const struct source_opts *o, ts_record *rec, size_t recno)
{
	if (o->recno)
		*o->recno = recno;
	return o->emit(rec, o->ctx);
}

/* Names that images have: a file by such a name is an image, reported when it is skipped. */
static int
has_image_name(const char *path)
{
	static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp", ".bmp",
	                                   ".tif", ".tiff", ".pgm", ".ppm", ".pbm", ".pnm", ".pam", ".pfm",
	                                   ".avif", ".heic", ".heif", ".jxl", ".jp2", ".ico", ".tga", NULL };
	const char *dot = strrchr(path, '.');

	for (int i = 0; dot && ext[i]; i++)
		if (strcasecmp(dot, ext[i]) == 0)
			return 1;
	return 0;
}

static int read_stream(FILE *f, const char *name, const void *prefix, size_t n,
                       const struct source_opts *o, char *err, size_t errlen);

/* Masks: named like their image plus one of these, beside it or in masks_dir. */
static const char *const mask_suffix[] = { ".mask.png", "_mask.png", "-mask.png", NULL };
static const char *const mask_image_ext[] = { ".png", ".jpg", ".jpeg", ".jpe", ".PNG", ".JPG", ".JPEG", NULL };

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Length of path without the extension of its last component. */
static size_t
stem_len(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path, *dot = strrchr(base, '.');

	return dot && dot > base ? (size_t)(dot - path) : strlen(path);
}

/* True for x.mask.png (x_mask.png, x-mask.png) beside an image x.png or x.jpg: not an image of its own. */
static int
is_sibling_mask(const char *path)
{
	size_t n = strlen(path);
	char buf[4096];

	for (int i = 0; mask_suffix[i]; i++) {
		size_t sl = strlen(mask_suffix[i]);
		if (n <= sl || strcmp(path + n - sl, mask_suffix[i]) != 0 || path[n - sl - 1] == '/')
			continue;
		for (int j = 0; mask_image_ext[j]; j++)
			if (snprintf(buf, sizeof buf, "%.*s%s", (int)(n - sl), path, mask_image_ext[j]) <
			    (int)sizeof buf && is_file(buf))
				return 1;
	}
	return 0;
}

/* True when path lies below dir (compared as given). */
static int
is_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/*
 * The mask file of the image at path (malloc'd), or NULL: with dir, DIR/NAME.png,
 * then DIR/NAME.mask.png, DIR/NAME_mask.png, DIR/NAME-mask.png for an image NAME.EXT;
 * without, NAME.mask.png, NAME_mask.png or NAME-mask.png beside the image.
 */
static char *
find_mask(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/'), *name = dir && slash ? slash + 1 : path;
	int n = (int)(stem_len(path) - (size_t)(name - path));
	char buf[4096];

	for (int i = dir ? -1 : 0; i < 0 || mask_suffix[i]; i++) {
		const char *suffix = i < 0 ? ".png" : mask_suffix[i];
		if (snprintf(buf, sizeof buf, "%s%s%.*s%s", dir ? dir : "", dir ? "/" : "", n, name, suffix) <
		    (int)sizeof buf && is_file(buf))
			return xstrdup(buf);
	}
	return NULL;
}

/*
 * Adds the mask in the PNG (or JPEG) file mpath to rec as a u8 "mask" tensor
 * height x width, decoded whether or not the image is, plus "mask_source"
 * metadata.  Gray masks keep their values (gray+alpha: the gray channel);
 * colour masks become the largest of R, G and B at each pixel, so that any
 * colour marks the object; alpha is ignored.  The mask must have the size of
 * the image (after EXIF orientation).
 */
static int
attach_mask(ts_record *rec, const char *mpath, const struct source_opts *o, char *err, size_t errlen)
{
	const ts_tensor *img = ts_tensor_get(rec, "image"), *enc = ts_tensor_get(rec, "encoded");
	unsigned char *buf;
	char why[256];
	uint64_t dims[2];
	size_t n, npx;
	image m;
	int w, h, c, rc;

	if (img) {
		h = (int)img->dims[0];
		w = (int)img->dims[1];
	} else if (enc == NULL || img_info(enc->data, enc->nbytes, &w, &h, &c, why, sizeof why) == -1)
		return errorf(err, errlen, "%s", enc ? why : "record has no image");
	if ((buf = read_file(mpath, &n, max_bytes(o))) == NULL)
		return errorf(err, errlen, "mask %s: %s", mpath,
		              errno == EFBIG ? "file too large" : strerror(errno));
	rc = img_decode(buf, n, &m, why, sizeof why);
	free(buf);
	if (rc == -1)
		return errorf(err, errlen, "mask %s: %s", mpath, why);
	if (m.w != w || m.h != h) {
		img_free(&m);
		return errorf(err, errlen, "mask %s is %dx%d but the image is %dx%d", mpath, m.w, m.h, w, h);
	}
	npx = (size_t)w * (size_t)h;
	for (size_t i = 0; i < npx && m.c > 1; i++) {
		const unsigned char *p = m.px + i * (size_t)m.c;
		unsigned char v = p[0];
		if (m.c >= 3) {
			v = p[1] > v ? p[1] : v;
			v = p[2] > v ? p[2] : v;
		}
		m.px[i] = v;
	}
	if (m.c > 1) {
		unsigned char *shrunk = realloc(m.px, npx);
		if (shrunk)
			m.px = shrunk;
	}
	dims[0] = (uint64_t)h;
	dims[1] = (uint64_t)w;
	if (ts_tensor_take(rec, "mask", TS_U8, 2, dims, m.px, npx) == NULL) {
		img_free(&m);
		return errorf(err, errlen, "out of memory");
	}
	ts_set(rec, "mask_source", mpath);
	return 0;
}

/* Attaches the mask of the image file path, when there is one (or must be). */
static int
image_mask(ts_record *rec, const char *path, int in_dir, const struct source_opts *o,
           char *err, size_t errlen)
{
	char *mpath;
	int rc;

	if (o->masks_dir == NULL && !in_dir)
		return 0;
	if ((mpath = find_mask(path, o->masks_dir)) == NULL)
		return o->masks_dir ? errorf(err, errlen, "no mask in %s", o->masks_dir) : 0;
	rc = attach_mask(rec, mpath, o, err, errlen);
	free(mpath);
	return rc;
}

static int
file_in_dir(const char *path, void *vctx)
{
	struct walk_ctx *c = vctx;
	unsigned char *buf;
	size_t n;
	char why[512];

	if ((buf = read_file(path, &n, max_bytes(c->o))) == NULL) {
		const char *e = errno == EFBIG ? "file too large" : strerror(errno);
		if (has_image_name(path))
			warn_record(c->o, c->top, ++c->nrec, path, e);
		else
			warn_msg(c->o, "%s: %s", path, e);
		c->problems++;
		return 0;
	}
	if ((img_sniff(buf, n) == IMG_UNKNOWN && !has_image_name(path)) || is_sibling_mask(path) ||
	    (c->o->masks_dir && is_below(path, c->o->masks_dir))) {
		free(buf);      /* not an image: a sidecar file such as a README, or a mask */
		return 0;
	}
	c->nrec++;
	if (n == 0)
		snprintf(why, sizeof why, "empty file");
	if (n == 0 || source_image_record(&c->rec, buf, n, path, path, c->o, why, sizeof why) == -1 ||
	    image_mask(&c->rec, path, 1, c->o, why, sizeof why) == -1) {
		warn_record(c->o, c->top, c->nrec, path, why);
		c->problems++;
		free(buf);
		return 0;
	}
	free(buf);
	return emit_at(c->o, &c->rec, c->nrec);
}

static void
dir_warn(const char *path, const char *why, void *vctx)
{
	struct walk_ctx *c = vctx;

	warn_msg(c->o, "%s: %s", path, why);
}

/* Splits a concatenation of PNG/JPEG files (e.g. ffmpeg -f image2pipe) into records. */
static int
read_image_concat(FILE *f, const char *name, const unsigned char *prefix, size_t plen,
                  const struct source_opts *o, char *err, size_t errlen)
{
	size_t cap = 1 << 20, len = plen, frame = 0;
	unsigned char *buf = malloc(cap);
	ts_record rec;
	int rc = 0, eof = 0;

	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	ts_record_init(&rec);
	memcpy(buf, prefix, plen);
	for (;;) {
		long long ext = img_extent(buf, len);
		if (ext < 0 || (ext == 0 && eof)) {
			if (len == 0 && eof)
				break;
			snprintf(err, errlen, "%s: image %zu: %s", name, frame + 1,
			         ext < 0 ? "not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image" : "truncated image");
			rc = -1;
			break;
		}
		if (ext > 0) {
			char id[64], why[256];
			snprintf(id, sizeof id, "%s:%zu", name, frame);
			if (source_image_record(&rec, buf, (size_t)ext, id, name, o, why, sizeof why) == -1) {
				warn_record(o, name, frame + 1, id, why);   /* undecodable: skipped */
				rc = 1;
			} else {
				ts_setf(&rec, "frame", "%zu", frame);
				if (emit_at(o, &rec, frame + 1) == -1) {
					rc = -1;
					err[0] = '\0';
					break;
				}
			}
			frame++;
			memmove(buf, buf + ext, len - (size_t)ext);
			len -= (size_t)ext;
			continue;
		}
		if (len == cap) {
			if (cap >= max_bytes(o)) {
				snprintf(err, errlen, "%s: image %zu: larger than %zu bytes", name, frame + 1, cap);
				rc = -1;
				break;
			}
			unsigned char *nb = realloc(buf, cap *= 2);
			if (nb == NULL) {
				snprintf(err, errlen, "%s: out of memory", name);
				rc = -1;
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		if (got == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
				rc = -1;
				break;
			}
			eof = 1;
		}
		len += got;
	}
	ts_record_free(&rec);
	free(buf);
	return rc;
}

static int
read_stream(FILE *f, const char *name, const void *prefix, size_t n,
            const struct source_opts *o, char *err, size_t errlen)
{
	ts_reader *r = ts_reader_open_prefix(f, name, prefix, n);
	ts_record rec;
	int rc;
	char why[256];

	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	ts_record_init(&rec);
	int skipped = 0;
	while ((rc = ts_read(r, &rec)) == 1) {
		if (o->decode && ts_tensor_get(&rec, "encoded") &&
		    record_decode_image(&rec, why, sizeof why) == -1) {
			warn_record(o, name, ts_reader_nrec(r), ts_get(&rec, "id"), why);
			skipped = 1;
			continue;
		}
		if (emit_at(o, &rec, ts_reader_nrec(r)) == -1) {
			err[0] = '\0';
			rc = -1;
			break;
		}
	}
	if (rc == -1 && err[0] == '\0' && ts_reader_error(r)[0])
		snprintf(err, errlen, "%s", ts_reader_error(r));
	ts_record_free(&rec);
	ts_reader_free(r);
	return rc == -1 ? -1 : skipped;
}

static int
read_image_file(FILE *f, const char *path, const unsigned char *prefix, size_t plen,
                const struct source_opts *o, char *err, size_t errlen)
{
	size_t cap = 1 << 16, len = plen, got;
	unsigned char *buf = malloc(cap);
	ts_record rec;
	char why[512];
	int rc;

	if (buf == NULL)
		goto nomem;
	memcpy(buf, prefix, plen);
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			unsigned char *nb;
			if (cap >= max_bytes(o)) {
				snprintf(why, sizeof why, "larger than %zu bytes", cap);
				warn_record(o, path, 1, path, why);
				free(buf);
				return 1;
			}
			if ((nb = realloc(buf, cap *= 2)) == NULL)
				goto nomem;
			buf = nb;
		}
	}
	if (ferror(f)) {
		snprintf(why, sizeof why, "read error: %s", strerror(errno));
		warn_record(o, path, 1, path, why);
		free(buf);
		return 1;
	}
	long long ext = img_extent(buf, len);
	if (ext > 0 && (size_t)ext < len && img_sniff(buf + ext, len - (size_t)ext) != IMG_UNKNOWN) {
		char at[96];
		/* a second image after the first: a file of concatenated images (MPO pictures too) */
		snprintf(at, sizeof at, "%lld of %zu", ext, len);
		warn_msg(o, "%s: another image begins at byte %s and is ignored (a concatenation of images is "
		         "split when read from standard input: imgcat - < FILE)", path, at);
	}
	ts_record_init(&rec);
	rc = source_image_record(&rec, buf, len, path, path, o, why, sizeof why);
	free(buf);
	if (rc == 0)
		rc = image_mask(&rec, path, 0, o, why, sizeof why);
	if (rc == -1) {
		warn_record(o, path, 1, path, why);
		rc = 1;
	} else if ((rc = emit_at(o, &rec, 1)) == -1)
		err[0] = '\0';
	ts_record_free(&rec);
	return rc;
nomem:
	free(buf);
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}

struct array_ctx {
	const struct source_opts *o;
	char *err;
	size_t errlen;
	int failed;
	size_t nrec;
};

static int
emit_array(ts_record *rec, void *vctx)
{
	struct array_ctx *c = vctx;

	if (emit_at(c->o, rec, ++c->nrec) == -1) {
		c->failed = 1;
		return -1;
	}
	return 0;
}

int
source_read_idx(const char *images, const char *labels, const char *const *classes, int nclass,
                const struct source_opts *o, char *err, size_t errlen)
{
	struct array_ctx c = { o, err, errlen, 0, 0 };
	char why[512];

	err[0] = '\0';
	if (import_idx(images, labels, classes, nclass, emit_array, &c, why, sizeof why) == -1) {
		if (!c.failed)
			snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

/* Images under dir, counted as walk() would find them (no dot names, no symbolic links
 * to directories) but from the directory entries' types, without a stat per file. */
static size_t
count_dir(const char *dir, const struct source_opts *o, int depth)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	size_t n = 0, len = strlen(dir);
	char path[4096];

	if (depth > 64 || (d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		int type = e->d_type;
		if (e->d_name[0] == '.' || snprintf(path, sizeof path, "%s%s%s", dir,
		                                     len && dir[len - 1] == '/' ? "" : "/", e->d_name) >= (int)sizeof path)
			continue;
		if (type == DT_UNKNOWN) {
			if (lstat(path, &st) == -1)
				continue;
			type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : 0;
		}
		if (type == DT_LNK)     /* a link to a file is one, a link to a directory is not followed */
			type = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? DT_REG : 0;
		if (type == DT_DIR)
			n += count_dir(path, o, depth + 1);
		else if (type == DT_REG && has_image_name(path) && !is_sibling_mask(path) &&
		         !(o->masks_dir && is_below(path, o->masks_dir)))
			n++;
	}
	closedir(d);
	return n;
}

size_t
source_count(int argc, char **argv, const struct source_opts *o)
{
	struct stat st;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0 || stat(argv[i], &st) == -1)
			return 0;
		if (S_ISDIR(st.st_mode))
			n += count_dir(argv[i], o, 0);
		else if (S_ISREG(st.st_mode) && has_image_name(argv[i]))
			n++;
		else
			return 0;       /* a stream or an array: its records are not known up front */
	}
	return n;
}

static int stdin_unbuffered;     /* setvbuf is allowed only before the first read */

int
source_read(const char *arg, const struct source_opts *o, char *err, size_t errlen)
{
	unsigned char magic[32];        /* 8 bytes tell streams, PNG, JPEG, NumPy; other formats want more */
	size_t n;
	FILE *f;
	int rc;
	struct stat st;
	const char *name = strcmp(arg, "-") == 0 ? "-" : arg;
	net_stream *remote = NULL;

	err[0] = '\0';
	if (strcmp(arg, "-") != 0 && stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct walk_ctx c = { .o = o, .err = err, .errlen = errlen, .top = arg };
		ts_record_init(&c.rec);
		rc = walk(arg, file_in_dir, dir_warn, &c);
		ts_record_free(&c.rec);
		if (rc == -1)
			return -1;
		return (rc + c.problems) > 0 ? 1 : 0;
	}
	if (net_is_url(arg)) {
		char why[1024];
		if ((remote = net_open(arg, why, sizeof why)) == NULL) {
			warn_msg(o, "%s%s", why, "");  /* like a missing file: skipped */
			return 1;
		}
		f = net_file(remote);
	} else {
		f = strcmp(arg, "-") == 0 ? stdin : fopen(arg, "rb");
	}
	if (f != NULL && (f != stdin || !stdin_unbuffered)) {
		setvbuf(f, NULL, _IONBF, 0);   /* the stream reader then takes bytes as they arrive */
		stdin_unbuffered |= f == stdin;
	}
	if (f == NULL) {
		warn_msg(o, "%s: %s", arg, strerror(errno));   /* a missing operand: skipped */
		return 1;
	}
	n = fread(magic, 1, 8, f);
	if (n == 8 && (memcmp(magic, "RIFF", 4) == 0 || memcmp(magic, "BM", 2) == 0))
		n += fread(magic + 8, 1, sizeof magic - 8, f);  /* WebP and BMP say so further on */
	if (n == 0 && ferror(f)) {
		warn_msg(o, "%s: read error: %s", name, strerror(errno));
		rc = 1;
	} else if (n == 0 && f != stdin && has_image_name(arg)) {
		warn_record(o, arg, 1, arg, "empty file");     /* x.jpg of 0 bytes: no stream */
		rc = 1;
	} else if (n == 0 || ts_is_stream(magic, n)) {
		rc = read_stream(f, name, magic, n, o, err, errlen);
	} else if ((img_sniff(magic, n) == IMG_PNG || img_sniff(magic, n) == IMG_JPEG) && f == stdin) {
		rc = read_image_concat(f, name, magic, n, o, err, errlen);
	} else if (img_sniff(magic, n) != IMG_UNKNOWN) {
		rc = read_image_file(f, name, magic, n, o, err, errlen);
	} else if ((n >= 6 && memcmp(magic, "\x93NUMPY", 6) == 0) ||
	           (n >= 4 && memcmp(magic, "PK\x03\x04", 4) == 0)) {
		struct array_ctx c = { o, err, errlen, 0, 0 };
		char why[512];
		if (f == stdin || remote) {
			snprintf(err, errlen, "%s: NumPy arrays must be given as files", name);
			if (remote)
				net_close(remote, why, sizeof why);
			return -1;
		}
		fclose(f);
		f = NULL;
		rc = import_npy(arg, NULL, o->labels, emit_array, &c, why, sizeof why);
		if (rc == -1 && !c.failed)
			snprintf(err, errlen, "%s", why);
	} else {
		enum img_format fmt = img_sniff(magic, n);
		char why[128];
		if (fmt != IMG_UNKNOWN || (f != stdin && has_image_name(arg))) {
			if (fmt != IMG_UNKNOWN)
				snprintf(why, sizeof why, "unsupported image format %s", img_format_name(fmt));
			else
				snprintf(why, sizeof why, "not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image");
			warn_record(o, name, 1, f != stdin ? arg : NULL, why);
		} else {
			warn_msg(o, "%s: %s", name, "not a tensor stream, an image or a NumPy file");
		}
		rc = 1;
	}
	if (remote) {
		char why[1024];
		/* a body cut short is an error, also where it ended between records */
		if (net_close(remote, why, sizeof why) == -1 && !(rc == -1 && err[0] == '\0')) {
			snprintf(err, errlen, "%s", why);
			rc = -1;
		}
	} else if (f && f != stdin) {
		fclose(f);
	}
	return rc;
}

int
tensor_check_pixels(const ts_tensor *t, char *err, size_t errlen)
{
	uint64_t max = img_max_pixels(), h, w;

	if (t->ndim < 2)
		return 0;
	h = t->dims[0];
	w = t->dims[1];
	if (h == 0 || w == 0 || w <= max / h)
		return 0;
	if (w <= UINT64_MAX / h)
		snprintf(err, errlen, "image %llux%llu (%llu pixels) exceeds the pixel budget of %llu (IMG_MAX_PIXELS)",
		         (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
		         (unsigned long long)max);
	else
		snprintf(err, errlen, "image %llux%llu exceeds the pixel budget of %llu (IMG_MAX_PIXELS)",
		         (unsigned long long)w, (unsigned long long)h, (unsigned long long)max);
	return -1;
}

int
tensor_as_image(const ts_tensor *t, image *im, char *err, size_t errlen)
{
	if (tensor_check_pixels(t, err, errlen) == -1)
		return -1;
	if (t->dtype != TS_U8 || t->ndim < 2 || t->ndim > 3 || t->dims[0] < 1 || t->dims[0] > IMG_MAXDIM ||
	    t->dims[1] < 1 || t->dims[1] > IMG_MAXDIM || (t->ndim == 3 && (t->dims[2] < 1 || t->dims[2] > 4))) {
		snprintf(err, errlen, "tensor '%s' (%s) is not a u8 HxW or HxWxC image of at most %d pixels a side",
		         t->name, ts_dtype_name(t->dtype), IMG_MAXDIM);
		return -1;
	}
	im->h = (int)t->dims[0];
	im->w = (int)t->dims[1];
	im->c = t->ndim == 3 ? (int)t->dims[2] : 1;
	im->px = t->data;
	return 0;
}

int
record_encode_image(ts_record *rec, const char *format, int quality, char *err, size_t errlen)
{
	ts_tensor *t = ts_tensor_get(rec, "image");
	image im;
	unsigned char *buf;
	char sha[65];
	size_t n;
	uint64_t dims[1];
	int rc;

	if (t == NULL)
		return ts_tensor_get(rec, "encoded") ? 0 : (snprintf(err, errlen, "record has no image"), -1);
	if (tensor_as_image(t, &im, err, errlen) == -1)
		return -1;
	if (strcmp(format, "png") == 0)
		rc = img_encode_png(&im, &buf, &n, err, errlen);
	else if (strcmp(format, "webp") == 0)
		rc = img_encode_webp(&im, quality, &buf, &n, err, errlen);
	else
		rc = img_encode_jpeg(&im, quality, &buf, &n, err, errlen);
	if (rc == -1)
		return -1;
	dims[0] = n;
	ts_tensor_remove(rec, "image");
	if (ts_tensor_take(rec, "encoded", TS_BYTES, 1, dims, buf, n) == NULL) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	record_mark_decoded(rec);       /* a sha256 beside pixels is stale: at most a parent's */
	sha256_hex(buf, n, sha);
	ts_set(rec, "sha256", sha);
	ts_set(rec, "format", format);
	return 0;
}

void
source_warn_stderr(const char *msg, void *ctx)
{
	(void)ctx;
	if (skip_report(msg) == -1)
		skip_stop();
}
