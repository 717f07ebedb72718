/* The parallel, order-keeping main loop of record filters (see filter.h). */
#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "util/parallel.h"
#include "source.h"
#include "util/util.h"

struct run {
	const struct filter_ops *ops;
	void *ctx;
	pmap *map;
	stage *sink;
	const char *input;
	size_t recno, nin, nout, ndone;
	int stop;               /* past --max-errors: stop once the records before are out */
	char err[1024];         /* the error that stopped the run */
};

static void
work(void *item, int worker, void *ctx)
{
	struct run *r = ctx;

	r->ops->work(item, worker, r->ctx);
}

static int
done(void *item, void *ctx)
{
	struct filter_job *j = item;
	struct run *r = ctx;
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
		rc = r->ops->push(item, r->sink, &r->nout, r->ctx);
	else if ((rc = stage_push(r->sink, &j->rec)) != -1)
		r->nout++;
	if (rc == -1)
		snprintf(r->err, sizeof r->err, "%s", stage_error(r->sink));
	return rc;
}

static void
clear(void *item, void *ctx)
{
	struct run *r = ctx;

	ts_record_free(&((struct filter_job *)item)->rec);
	if (r->ops->clear)
		r->ops->clear(item, r->ctx);
}

/* From the source: the record moves into a job (its buffers swapped with the job's old ones). */
static int
emit(ts_record *rec, void *ctx)
{
	struct run *r = ctx;
	struct filter_job *j = pmap_slot(r->map);
	ts_record t = j->rec;

	j->rec = *rec;
	*rec = t;
	j->input = r->input;
	j->recno = r->recno;            /* set by the source */
	j->failed = 0;
	r->nin++;
	return pmap_submit(r->map) == 0 ? 0 : -1;
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

	if (skip_report(msg) == -1) {
		r->stop = 1;
		pmap_finish(r->map);    /* the records read before it go out */
		fail(r, "");
	}
}

int
filter_run(const struct filter_ops *ops, void *ctx, stage *sink, int threads, int verbose, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	static const struct pmap_ops pops = { work, done, clear };
	struct run r = { .ops = ops, .ctx = ctx, .sink = sink };
	struct source_opts so = { .emit = emit, .warn = warn_cb, .ctx = &r, .recno = &r.recno };
	char err[1024];

	if (sink->err[0])
		die("%s", sink->err);
	if ((r.map = pmap_new(&pops, &r, threads, 0, ops->job_size)) == NULL)
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
		rc = source_read(argv[i], &so, err, sizeof err);
		/* a damaged input: the records read before the damage still go out, then the run stops */
		if (rc == -1 && !r.err[0] && pmap_finish(r.map) != 0)
			fail(&r, r.err);
		if (rc == -1)
			fail(&r, r.err[0] ? r.err : err);
	}
	if (pmap_finish(r.map) != 0)
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
