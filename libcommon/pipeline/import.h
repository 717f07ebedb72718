/*
 * Importing array datasets as records: MNIST-style IDX files and NumPy
 * .npy/.npz files.  Both stream: one image in memory at a time.
 *
 * Every record is handed to emit and belongs to the importer: it is cleared
 * (and its tensors freed) after emit returns, so emit copies or writes what
 * it keeps.  emit returns 0 to go on, or -1 to stop: the importer then
 * returns -1 at once (err then says only "stopped"; the callee reported why).
 *
 * Errors return -1 with one line in err that starts with the file's path
 * (and, in an npz, the member), e.g. "t.idx: images file truncated at image 57".
 * Nothing is printed.
 */
#ifndef IMPORT_H
#define IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include "stream/tstream.h"

struct labels;

typedef int (*import_emit)(ts_record *rec, void *ctx);

#define IMPORT_MAXDIM 65535     /* largest image height or width */
#define IMPORT_MAX_IMAGE_BYTES ((uint64_t)1 << 30)     /* largest .npy image: records stay below 2 GiB */

/*
 * IDX (MNIST, Fashion-MNIST, ...): images is an idx3 u8 file (magic
 * 0x00000803, N x H x W), labels (or NULL) an idx1 u8 file (0x00000801, N).
 * Either may be gzip-compressed (recognised by its magic, not its name).
 *
 * One record per image:
 *   tensor "image"  u8 H x W x 1
 *   id              BASE:I (BASE: the images file's name without directory and ".gz"; I from 0)
 *   index           I
 *   source          the images path as given
 *   width, height, channels (1)
 *   label           the label number in decimal, or with class_names (n names,
 *                   class_names[k] for label k) the name, plus label_index=k
 */
int import_idx(const char *images, const char *labels, const char *const *class_names, int nclass,
               import_emit emit, void *ctx, char *err, size_t errlen);

/*
 * NumPy: path is a .npy file (format 1.0, 2.0 or 3.0) or a .npz archive
 * (stored or deflated members), told apart by magic, never by name.
 * Arrays are C-order, dtype uint8 ('|u1') or float32 ('<f4', '>f4'), of
 * shape N x H x W or N x H x W x C with C 1, 3 or 4.
 *
 * In an npz, every member is imported in archive order (each must be a .npy
 * array), or only the member key (given with or without ".npy"); key is
 * ignored for a .npy file.  One image may take at most IMPORT_MAX_IMAGE_BYTES.
 *
 * One record per image (the first axis):
 *   tensor "image"  u8 H x W x C for uint8 arrays; f32 H x W x C for float32
 *                   arrays, values unchanged (not scaled to 0..255); C = 1 for
 *                   3-D arrays
 *   id              BASE:I, or BASE:ARRAY:I when the npz holds several arrays
 *                   (even when key picks one, so ids do not depend on it);
 *                   BASE is the file name without directory, I counts from 0
 *                   within the array
 *   index           I
 *   array           ARRAY, the member name without ".npy" (npz only)
 *   source          path as given
 *   width, height, channels
 *   label           labels->label[J] for the J-th record of the whole file
 *                   (all arrays, in order), when labels is not NULL; the
 *                   number of labels must equal the number of records.
 *
 * All headers are read and checked before the first record is emitted, so a
 * bad shape, dtype or label count emits nothing; truncated data of a regular
 * .npy file or of an npz member is also found before.
 */
int import_npy(const char *path, const char *key, struct labels *labels,
               import_emit emit, void *ctx, char *err, size_t errlen);

#endif
