/* Fuzz target: NumPy import (.npy and .npz through libzip) and label files, on arbitrary bytes.
 * The bytes go to a temporary file, since both readers take a path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/import.h"
#include "pipeline/labels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp[64];

static void
cleanup(void)
{
	if (tmp[0])
		unlink(tmp);
}

/* Touches every byte of every tensor, so the sanitizers see a bad buffer. */
static int
emit(ts_record *rec, void *ctx)
{
	unsigned *sum = ctx;

	for (size_t i = 0; i < rec->ntensor; i++) {
		const unsigned char *p = rec->tensor[i].data;
		for (uint64_t k = 0; k < rec->tensor[i].nbytes; k++)
			*sum += p[k];
	}
	if (ts_get(rec, "id") == NULL || ts_get(rec, "source") == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct labels l;
	char err[512];
	unsigned sum = 0;
	FILE *f;

	if (tmp[0] == '\0') {
		int fd;
		snprintf(tmp, sizeof tmp, "/tmp/fuzz_npy.XXXXXX");
		if ((fd = mkstemp(tmp)) == -1)
			abort();
		close(fd);
		atexit(cleanup);
	}
	if ((f = fopen(tmp, "wb")) == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	err[0] = '\0';
	if (import_npy(tmp, NULL, NULL, emit, &sum, err, sizeof err) == -1 && err[0] == '\0')
		abort();                        /* every failure says why */
	import_npy(tmp, "arr_0", NULL, emit, &sum, err, sizeof err);
	if (labels_read(tmp, &l, err, sizeof err) == 0) {
		for (size_t i = 0; i < l.n; i++)
			if (l.label[i][0] == '\0' || (l.key && labels_lookup(&l, l.key[i]) == NULL))
				abort();
		import_npy(tmp, NULL, &l, emit, &sum, err, sizeof err);
		labels_free(&l);
	} else if (err[0] == '\0') {
		abort();
	}
	return 0;
}
