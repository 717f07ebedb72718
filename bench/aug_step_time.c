/*
 * For bench_aug_steps.sh: the seconds that imgaug's pipeline code takes for one step on each
 * of N images, in the process (no stream): aug_step_time STEP FILE N W H C, FILE holding the
 * N images' pixels one after another.  CPU time of the process (one thread), which a loaded
 * machine disturbs less than wall time.  Each image is lent to the pipeline (aug_img_borrow, as
 * imgaug does: the first step reads it from there or it is copied) and augmented with seed i.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aug/aug.h"

int
main(int argc, char **argv)
{
	struct aug_step s;
	struct aug_img im = { 0 };
	struct aug_run r;
	struct timespec a, b;
	char err[256];
	int n, w, h, c;
	size_t sz;
	unsigned char *px;
	FILE *f;

	if (argc != 7 || aug_parse(argv[1], &s, err, sizeof err) == -1) {
		fprintf(stderr, "usage: aug_step_time STEP FILE N W H C\n");
		return 2;
	}
	n = atoi(argv[3]), w = atoi(argv[4]), h = atoi(argv[5]), c = atoi(argv[6]);
	sz = (size_t)w * (size_t)h * (size_t)c;
	px = malloc(sz * (size_t)n);
	if (px == NULL || (f = fopen(argv[2], "rb")) == NULL || fread(px, sz, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "aug_step_time: %s: cannot read %d images\n", argv[2], n);
		return 1;
	}
	fclose(f);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (int i = 0; i < n; i++)
		if (aug_img_borrow(&im, px + (size_t)i * sz, w, h, c, NULL) == -1 ||
		    aug_apply(&s, 1, &im, (uint64_t)i, &r) == -1) {
			fprintf(stderr, "aug_step_time: %s: %s\n", argv[1], r.err);
			return 1;
		}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	aug_img_free(&im);
	free(px);
	return 0;
}
