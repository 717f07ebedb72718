/* Record pipelines inside one program: each stage takes records one at a time
 * and passes what it keeps to the next; finish flushes what a stage held back. */
#ifndef STAGE_H
#define STAGE_H

#include <stdint.h>
#include "stream/tstream.h"

typedef struct stage stage;
struct stage {
	/* 0: go on; 1: this stage wants no more input (e.g. --head reached); -1: error */
	int (*push)(stage *s, ts_record *rec);
	int (*finish)(stage *s);
	void (*free)(stage *s);
	stage *next;
	char err[512];
	int epipe;              /* the error was a closed pipe: end quietly */
};

/* Pushes into s and returns its result; finish and free walk the whole chain. */
int stage_push(stage *s, ts_record *rec);
int stage_finish(stage *s);           /* -1 on error: stage_error names it */
const char *stage_error(stage *s);    /* the first error message along the chain */
int stage_epipe(stage *s);            /* true when the chain stopped on a closed pipe */
void stage_free(stage *s);

/* Keeps records whose metadata match every condition "KEY=VALUE" or "KEY!=VALUE". */
stage *stage_where(char **conds, int n, stage *next);
/* Passes the first n records, then asks for no more. */
stage *stage_head(uint64_t n, stage *next);
/* A uniform random sample of n records, in input order. */
stage *stage_sample(uint64_t n, uint64_t seed, stage *next);
/* All records in a uniformly random order; spills to temporary files past mem bytes. */
stage *stage_shuffle(uint64_t seed, uint64_t mem, stage *next);
/* Undersamples every value of key to the count of the rarest one, keeping input order. */
stage *stage_balance(const char *key, uint64_t seed, stage *next);

/* Sinks: the last stage of a chain. */
stage *sink_stream(const char *path, int level);            /* "-" is stdout */
/* One stream per part, PREFIX NAME ".tsr"; a record goes to the part its hashed key falls in. */
stage *sink_split(const char *prefix, char **names, const double *fractions, int nparts,
                  const char *key, uint64_t seed, int level);
/* N streams named by pattern (one %d, e.g. "shard-%03d.tsr"); round robin, or by hashed key. */
stage *sink_shard(const char *pattern, int n, const char *key, uint64_t seed, int level);
stage *sink_list(FILE *out);        /* -l: one TSV line per record */
stage *sink_count(FILE *out);       /* -c: the number of records */
stage *sink_stats(FILE *out);       /* --stats: counts per label, shapes, sizes */
/* --export: image files and DIR/index.tsv; overlay: also NAME-overlay.png, mask and pred_mask drawn.
 * Names come from names.h; warn (may be NULL) hears of a label whose folder got a number. */
stage *sink_export(const char *dir, int by_label, int overlay, void (*warn)(const char *msg, void *ctx),
                   void *ctx);

#endif
