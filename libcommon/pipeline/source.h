/* Inputs as records: streams, image files, directories, image concatenations on
 * a pipe, NumPy arrays.  Every program that reads records goes through here. */
#ifndef SOURCE_H
#define SOURCE_H

#include "stream/tstream.h"
#include "image/image.h"

struct labels;

struct source_opts {
	int decode;                     /* decode encoded images into an "image" u8 tensor */
	int label_from_dir;             /* label = name of the file's parent directory */
	struct labels *labels;          /* labels by file path / name (labels_match), or by order for arrays */
	size_t max_image_bytes;         /* bound on one encoded image read from a pipe or file */
	/* Masks of image files and directory images: NAME.png (or NAME.mask.png, NAME_mask.png,
	 * NAME-mask.png) in this directory for NAME.jpg; NULL: only masks beside images in
	 * directories (x.jpg + x.mask.png, x_mask.png or x-mask.png).  See attach_mask in source.c. */
	const char *masks_dir;
	/* Called for every record; returns 0 to go on, -1 to stop everything. */
	int (*emit)(ts_record *rec, void *ctx);
	/* Called for a record or operand that is skipped (the run goes on), with one line:
	 * "INPUT: record N (id ID): what", or "INPUT: what" for an operand that cannot be
	 * read.  It may end the program (skip_stop) but does not return an error. */
	void (*warn)(const char *msg, void *ctx);
	void *ctx;
	/* When not NULL: set before each emit to the record's number in its input, from 1,
	 * counting the records skipped before it (so messages agree with the warnings). */
	size_t *recno;
};

/* A warn callback for the bad-record policy (util.h): skip_report, and skip_stop past
 * --max-errors. */
void source_warn_stderr(const char *msg, void *ctx);

/*
 * Reads one argument: "-" (stdin), a stream file, an image file, a directory
 * (recursively), or a .npy/.npz file.  Images from files and directories get
 * their mask as a u8 "mask" tensor (see masks_dir).  What cannot be read or
 * decoded is skipped through warn: an operand that cannot be opened or is of no
 * known kind, an image file (in a directory too) that is empty, truncated, of
 * another format or whose mask is missing (with masks_dir), unreadable or of
 * another size, a record whose image cannot be decoded (with decode).  Returns
 * 0 when all went well, 1 when something was skipped, -1 on a fatal error (err
 * says it, naming the input and record: a damaged stream) or when emit asked
 * to stop (err is "").
 */
int source_read(const char *arg, const struct source_opts *o, char *err, size_t errlen);

/*
 * The number of records the operands will give, counted cheaply for the progress
 * line: image files by their names (directories walked, masks left out), none
 * read.  0 when it cannot be known up front: stdin, a stream, an array, no
 * operand, or an operand that cannot be read.
 */
size_t source_count(int argc, char **argv, const struct source_opts *o);

/* IDX (MNIST) images with optional labels, as imported by source_read. */
int source_read_idx(const char *images, const char *labels, const char *const *classes, int nclass,
                    const struct source_opts *o, char *err, size_t errlen);

/* Builds the record for one encoded image (id, source, sha256, format, label; decoded when asked). */
int source_image_record(ts_record *rec, const unsigned char *buf, size_t n, const char *id,
                        const char *path, const struct source_opts *o, char *err, size_t errlen);

/*
 * Metadata that stays true.  "sha256" and "format" describe the record's encoded
 * bytes; a record that no longer holds them (decoded, resized, cut, augmented)
 * gets them as "parent_sha256" and "parent_format", unless it has those already:
 * they then name the file its pixels first came from, and are kept.
 */
void record_mark_decoded(ts_record *rec);
/* Pixels that changed: the perceptual hashes of the old ones (phash, dhash) are dropped. */
void record_mark_new_pixels(ts_record *rec);

/* Replaces the "encoded" tensor by a decoded "image" tensor (u8 HxWxC) plus width/height/channels;
 * sha256 and format become parent_sha256 and parent_format (record_mark_decoded). */
int record_decode_image(ts_record *rec, char *err, size_t errlen);

/* Replaces a u8 "image" tensor by an "encoded" PNG, JPEG or WebP (quality 1..100), with the
 * sha256 and format of the new bytes (a stale sha256 becomes parent_sha256 first). */
int record_encode_image(ts_record *rec, const char *format, int quality, char *err, size_t errlen);

/* Views a u8 HxW or HxWxC tensor as an image (no copy); -1 if it is not one, or if it
 * has more pixels than the budget (tensor_check_pixels). */
int tensor_as_image(const ts_tensor *t, image *im, char *err, size_t errlen);
/* -1 with a reason naming its size and the limit when an image-like tensor (H x W, or
 * H x W x C) has more pixels than img_max_pixels() (--max-pixels, IMG_MAX_PIXELS):
 * a decoded image in a stream is bounded as a file's is, before anything is allocated
 * for its pixels. */
int tensor_check_pixels(const ts_tensor *t, char *err, size_t errlen);

#endif
