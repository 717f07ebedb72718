/* The decoded training set, in memory or in a mapped temporary file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nn_data.h"
#include "util/util.h"

void
nn_data_init(nn_data *d, size_t sample, size_t budget)
{
	memset(d, 0, sizeof *d);
	d->sample = sample;
	d->budget = budget;
}

size_t
nn_data_default_budget(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return (size_t)1 << 30;
	return (size_t)pages * (size_t)size / 4;
}

static int
spill(nn_data *d, char *err, size_t errlen)
{
	d->spill = tmpfile();
	if (!d->spill)
		return errorf(err, errlen, "cannot create a temporary file for the training set: %s",
		              strerror(errno));
	if (d->n && fwrite(d->px, d->sample, d->n, d->spill) != d->n)
		return errorf(err, errlen, "writing the training set to a temporary file: %s", strerror(errno));
	free(d->px);
	d->px = NULL;
	return 0;
}

int
nn_data_add(nn_data *d, const unsigned char *px, int label, char *err, size_t errlen)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		d->label = xreallocarray(d->label, cap, sizeof *d->label);
		if (!d->spill && cap * d->sample > d->budget) {
			if (spill(d, err, errlen) != 0)
				return -1;
		}
		if (!d->spill)
			d->px = xreallocarray(d->px, cap, d->sample);
		d->cap = cap;
	}
	if (d->spill) {
		if (fwrite(px, d->sample, 1, d->spill) != 1)
			return errorf(err, errlen, "writing the training set to a temporary file: %s",
			              strerror(errno));
	} else {
		memcpy(d->px + d->n * d->sample, px, d->sample);
	}
	d->label[d->n++] = label;
	return 0;
}

int
nn_data_finish(nn_data *d, char *err, size_t errlen)
{
	if (!d->spill)
		return 0;
	if (fflush(d->spill) != 0)
		return errorf(err, errlen, "writing the training set to a temporary file: %s", strerror(errno));
	d->mapped = d->n * d->sample;
	if (d->mapped) {
		void *p = mmap(NULL, d->mapped, PROT_READ, MAP_PRIVATE, fileno(d->spill), 0);
		if (p == MAP_FAILED)
			return errorf(err, errlen, "mapping the training set: %s", strerror(errno));
		d->px = p;
	}
	fclose(d->spill);
	d->spill = NULL;
	return 0;
}

void
nn_data_free(nn_data *d)
{
	if (d->mapped)
		munmap(d->px, d->mapped);
	else
		free(d->px);
	if (d->spill)
		fclose(d->spill);
	free(d->label);
	memset(d, 0, sizeof *d);
}
