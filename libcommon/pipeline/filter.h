/*
 * filter: the main loop of a program that transforms every record on its
 * own, in parallel, keeping the input order (imgresize, imgaug).
 *
 * The records of the operands (source_read; none means stdin) go one by one
 * into jobs, work() transforms each on a worker thread (pmap), and in input
 * order the job's records go into the sink: job->rec, or what push() gives.
 * A job that failed is skipped with "INPUT: record N (id ID): what", as a file
 * the source skips is (the bad-record policy, util.h): the status is then 1,
 * and past --max-errors the program stops, its output not closed, once the
 * records before the error are written; a closed pipe ends the program
 * quietly with 0.
 *
 *	struct job { struct filter_job f; ...more... };
 *	static const struct filter_ops ops = { work, NULL, clear, sizeof(struct job) };
 *	status = filter_run(&ops, &opts, sink, threads, verbose, argc, argv);
 */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>

#include "stage.h"
#include "stream/tstream.h"

/* The first member of every program's job. */
struct filter_job {
	ts_record rec;          /* the input record (its buffers are reused from job to job) */
	const char *input;      /* the operand it came from */
	size_t recno;           /* its number in that input, from 1 */
	int failed;             /* set by work(), with err */
	char err[512];
};

struct filter_ops {
	void (*work)(void *job, int worker, void *ctx);
	/* Optional: pushes the job's records into the sink (stage_push), counting them in
	 * *nout; returns what stage_push returned (0, 1 to stop, -1). NULL: job->rec alone. */
	int (*push)(void *job, stage *sink, size_t *nout, void *ctx);
	/* Optional: frees what the job holds besides rec. */
	void (*clear)(void *job, void *ctx);
	size_t job_size;
};

/* Runs the filter into sink (freed here) and dies on errors; returns 0, or 1 when
 * some records or operands were skipped. */
int filter_run(const struct filter_ops *ops, void *ctx, stage *sink, int threads, int verbose,
               int argc, char **argv);

#endif
