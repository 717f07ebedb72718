/*
 * The parallel, order-keeping main loop of record filters (see filter.h).
 *
 * With threads, records go to the workers in batches (one pmap item holds up to
 * BATCH_MAX jobs, or BATCH_BYTES of tensor data): a hand-off (a lock, a condition
 * signal, a worker woken on another core) costs a good part of a light
 * augmentation of a small image, and a batch pays it once.  A batch is submitted
 * when full, at the end of each input, and before a skipped operand or record is
 * reported, so the records and the skip lines keep their order.  From a pipe
 * (stdin), whenever no input is waiting, it is submitted and every record read
 * goes out (pmap_finish), so that a slow producer's records are not held back
 * until its next ones; from another file that is not a regular one or a folder
 * (a FIFO), records go one by one.  What a record becomes depends on it alone,
 * so the output is the same whatever the batching.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "filter.h"
#include "util/parallel.h"
#include "source.h"
#include "util/util.h"

enum {
	BATCH_MAX = 16,                 /* jobs in one hand-off */
	BATCH_BYTES = 1 << 20,          /* or this much tensor data */
};

/* One pmap item: n jobs of job_size bytes each, from jobs on. */
struct batch {
	size_t n;
	uint64_t bytes;
	_Alignas(16) unsigned char jobs[];
};

struct run {
	const struct filter_ops *ops;
	void *ctx;
	pmap *map;
	size_t job_size;                /* ops->job_size, rounded up to 16 */
	size_t batch_max;               /* 1 without threads */
	size_t batch_now;               /* for the current input: batch_max, or 1 */
	int poll_fd;                    /* >= 0: a pipe; submit when it has nothing waiting */
	struct batch *fill;             /* the batch being filled (n > 0), or NULL */
	stage *sink;
	const char *input;
	size_t recno, nin, nout, ndone;
	int stop;               /* past --max-errors: stop once the records before are out */
	char err[1024];         /* the error that stopped the run */
};

static struct filter_job *
job_at(const struct run *r, struct batch *b, size_t i)
{
	return (struct filter_job *)(b->jobs + i * r->job_size);
}

static void
work(void *item, int worker, void *ctx)
{
	struct run *r = ctx;
	struct batch *b = item;

	for (size_t i = 0; i < b->n; i++)
		r->ops->work(job_at(r, b, i), worker, r->ctx);
}

static int
done_one(struct run *r, struct filter_job *j)
{
	const char *id = ts_get(&j->rec, "id");
	int rc;

	progress_tick(++r->ndone);
	if (j->failed) {                /* skipped (the bad-record policy, util.h) */
		if (r->stop)
			return -1;      /* already past --max-errors: no more lines */
		if (skip_record(j->input, j->recno, id, "%s", j->err) == -1) {
			r->stop = 1;
			return -1;
		}
		return 0;
	}
	if (r->ops->push)
		rc = r->ops->push(j, r->sink, &r->nout, r->ctx);
	else if ((rc = stage_push(r->sink, &j->rec)) != -1)
		r->nout++;
	if (rc == -1)
		snprintf(r->err, sizeof r->err, "%s", stage_error(r->sink));
	return rc;
}

/* The batch's jobs in order; the first non-zero result stops it (and the map). */
static int
done(void *item, void *ctx)
{
	struct run *r = ctx;
	struct batch *b = item;
	int rc = 0;

	for (size_t i = 0; i < b->n && rc == 0; i++)
		rc = done_one(r, job_at(r, b, i));
	return rc;
}

/* Every job of the item, used or not (a zeroed job holds nothing). */
static void
clear(void *item, void *ctx)
{
	struct run *r = ctx;
	struct batch *b = item;

	for (size_t i = 0; i < r->batch_max; i++) {
		struct filter_job *j = job_at(r, b, i);
		ts_record_free(&j->rec);
		if (r->ops->clear)
			r->ops->clear(j, r->ctx);
	}
}

/* Hands the batch being filled to the workers; 0, or what pmap_submit returned. */
static int
flush(struct run *r)
{
	if (r->fill == NULL)
		return 0;
	r->fill = NULL;
	return pmap_submit(r->map);
}

/* The record's tensor data (read from a stream, it lies in rec->raw: not counted twice). */
static uint64_t
tensor_bytes(const ts_record *rec)
{
	uint64_t n = 0;

	for (size_t i = 0; i < rec->ntensor; i++)
		n += rec->tensor[i].nbytes;
	return n;
}

/* Nothing to read on fd right now (an end of file or an error is something). */
static int
idle(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

/* From the source: the record moves into a job (its buffers swapped with the job's old ones). */
static int
emit(ts_record *rec, void *ctx)
{
	struct run *r = ctx;
	struct batch *b = r->fill;
	struct filter_job *j;
	ts_record t;
	int stall;

	if (b == NULL) {
		b = r->fill = pmap_slot(r->map);
		b->n = 0;
		b->bytes = 0;
	}
	j = job_at(r, b, b->n++);
	t = j->rec;
	j->rec = *rec;
	*rec = t;
	j->input = r->input;
	j->recno = r->recno;            /* set by the source */
	j->failed = 0;
	r->nin++;
	b->bytes += tensor_bytes(&j->rec);
	stall = r->poll_fd >= 0 && idle(r->poll_fd);
	if (!stall && b->n < r->batch_now && b->bytes < BATCH_BYTES)
		return 0;
	/* a producer slower than the workers: what it gave goes out before waiting for more */
	if (flush(r) != 0 || (stall && pmap_finish(r->map) != 0))
		return -1;
	return 0;
}

/* How records of input arg are batched: regular files and folders fully; stdin, when
 * a pipe or terminal, by what is waiting in it; other files (a FIFO) one by one. */
static void
batching(struct run *r, const char *arg)
{
	struct stat st;

	r->batch_now = r->batch_max;
	r->poll_fd = -1;
	if (r->batch_max == 1)
		return;
	if (strcmp(arg, "-") == 0) {
		if (fstat(0, &st) == 0 && !S_ISREG(st.st_mode))
			r->poll_fd = 0;
	} else if (stat(arg, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		r->batch_now = 1;
}

/* Ends the run on an error: quietly on a closed pipe.  Past --max-errors, the
 * records before the last error are written first; the output is never closed. */
static void __attribute__((noreturn))
fail(struct run *r, const char *msg)
{
	int epipe = stage_epipe(r->sink);

	pmap_free(r->map);
	if (epipe)
		exit(0);
	if (r->stop)
		skip_stop();
	die("%s", msg);
}

static void
warn_cb(const char *msg, void *ctx)
{
	struct run *r = ctx;

	/* the records read before it go out before its line */
	if (flush(r) != 0 || pmap_finish(r->map) != 0)
		fail(r, r->err[0] ? r->err : "");
	if (skip_report(msg) == -1) {
		r->stop = 1;
		fail(r, "");
	}
}

int
filter_run(const struct filter_ops *ops, void *ctx, stage *sink, int threads, int verbose, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	static const struct pmap_ops pops = { work, done, clear };
	struct run r = { .ops = ops, .ctx = ctx, .sink = sink };
	size_t item;
	struct source_opts so = { .emit = emit, .warn = warn_cb, .ctx = &r, .recno = &r.recno };
	char err[1024];

	if (sink->err[0])
		die("%s", sink->err);
	r.job_size = (ops->job_size + 15) & ~(size_t)15;
	r.batch_max = threads > 1 ? BATCH_MAX : 1;
	item = sizeof(struct batch) + r.batch_max * r.job_size;
	/* two batches per thread: one worked on, one waiting (fewer buffers, a smaller working set) */
	if ((r.map = pmap_new(&pops, &r, threads, threads > 1 ? 2 * (size_t)threads + 1 : 0, item)) == NULL)
		die("cannot start %d threads", threads);
	if (verbose)
		summary_start();
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	progress_start(progress_enabled() ? source_count(argc, argv, &so) : 0);
	for (int i = 0; i < argc; i++) {
		int rc;
		r.input = argv[i];
		r.recno = 0;
		batching(&r, argv[i]);
		rc = source_read(argv[i], &so, err, sizeof err);
		/* a damaged input: the records read before the damage still go out, then the run stops */
		if (rc == -1 && !r.err[0] && (flush(&r) != 0 || pmap_finish(r.map) != 0))
			fail(&r, r.err);
		if (rc == -1)
			fail(&r, r.err[0] ? r.err : err);
	}
	if (flush(&r) != 0 || pmap_finish(r.map) != 0)
		fail(&r, r.err);
	pmap_free(r.map);
	if (stage_finish(sink) == -1) {
		if (stage_epipe(sink))
			exit(0);
		die("%s", stage_error(sink));
	}
	progress_done();
	stage_free(sink);
	if (verbose)
		summary_print(r.nin, r.nout);
	return skip_status();
}
