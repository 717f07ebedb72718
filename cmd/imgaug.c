/* imgaug: seeded augmentation and synthetic defects, K copies per record, in parallel, in input order. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aug/aug.h"
#include "image/image.h"
#include "pipeline/filter.h"
#include "util/parallel.h"
#include "pipeline/source.h"
#include "pipeline/stage.h"
#include "stream/tstream.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: imgaug [-qv] [--progress] [-n K] [--keep] [--seed S] [--threads N] [-o OUT | --preview DIR]\n" \
"              [--level N] [--max-errors N] [-f STEPFILE] ['STEP [VALUE] [KEY=VALUE]...']...\n" \
"              [FILE | DIR | -]...\n" \
"       imgaug --list\n" \
"       imgaug -h | --help | --version\n"

#define HELP \
"Options:\n" \
"  -n, --copies K              copies per record, 1 to 10000 (default 1)\n" \
"      --keep                  also write each record itself, first\n" \
"      --seed S                the seed (default 0)\n" \
"  -f, --steps STEPFILE        read steps from a file\n" \
"      --threads N             augment on N threads (default: one per CPU)\n" \
"  -o, --output OUT            write the stream to OUT, atomically (default: stdout)\n" \
"      --preview DIR           write PNG files into DIR instead of a stream\n" \
"      --level N               zstd compression level, -7 to 19 (default -1, or TS_LEVEL)\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"      --list                  list the steps, their parameters, defaults and bounds\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

#define MAX_COPIES 10000

struct opts {
	struct aug_step steps[AUG_MAXSTEPS];
	int nsteps, ncopies, keep, threads, level, verbose;
	uint64_t seed;
	const char *out, *preview;
};

/* One input record and the records made from it. */
struct job {
	struct filter_job f;
	ts_record *out;
	int nout, capout;
	struct aug_img img;
	struct aug_run run;
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

/* A usage error that is one line: a bad step. */
static void __attribute__((noreturn))
bad_step(const char *why)
{
	fprintf(stderr, "%s: %s\n", progname, why);
	exit(2);
}

static void
list_steps(void)
{
	for (size_t i = 0; i < aug_nkinds; i++) {
		const struct aug_kind *k = aug_kinds[i];
		printf("%-13s %s\n", k->name, k->help);
		for (int j = 0; j < AUG_MAXPAR && k->par[j].name; j++) {
			const struct aug_param *p = &k->par[j];
			printf("    %s%s=", j == 0 && (k->flags & AUG_POSITIONAL) ? "[" : "", p->name);
			if (p->type == AUG_WORD)
				printf("%s (%s)", p->defword, p->words ? p->words : "any text");
			else if (p->type == AUG_SIZE)
				printf("WxH");
			else if (p->lo == p->hi)
				printf("%g", p->lo);
			else
				printf("%g..%g", p->lo, p->hi);
			if (p->type == AUG_RANGE)
				printf("  in [%g, %g]%s", p->min, p->max, p->prec == 0 ? ", integers" : "");
			printf("%s\n", j == 0 && (k->flags & AUG_POSITIONAL) ? "]" : "");
		}
	}
}

/* The record's image: decoded into *own when encoded (img_free it), else a view of the
 * record's tensor (*own stays empty); and its mask. */
static int
load(struct job *j, image *im, image *own, const ts_tensor **mask, int *ndim, char *err, size_t errlen)
{
	ts_tensor *t = ts_tensor_get(&j->f.rec, "encoded");

	*ndim = 3;
	if (t) {
		if (t->dtype != TS_BYTES)
			return errorf(err, errlen, "tensor 'encoded' is %s, not bytes", ts_dtype_name(t->dtype));
		if (img_decode(t->data, t->nbytes, own, err, errlen) == -1)
			return -1;
		*im = *own;
	} else if ((t = ts_tensor_get(&j->f.rec, "image")) != NULL) {
		if (tensor_as_image(t, im, err, errlen) == -1)
			return -1;
		*ndim = t->ndim;
	} else {
		return errorf(err, errlen, "record has no 'encoded' or 'image' tensor");
	}
	if ((*mask = ts_tensor_get(&j->f.rec, "mask")) != NULL) {
		image m;
		if (tensor_as_image(*mask, &m, err, errlen) == -1 || m.c != 1 || m.w != im->w || m.h != im->h) {
			int w = im->w, h = im->h;
			img_free(own);
			return errorf(err, errlen, "the mask is not u8 %dx%d like its image", w, h);
		}
	}
	return 0;
}

/* Builds j->out[j->nout++] from the input and the augmented image. */
static int
emit_copy(struct job *j, const struct opts *o, const char *id, int k, int ndim, char *err, size_t errlen)
{
	struct aug_img *a = &j->img;
	ts_record *out;
	uint64_t dims[3] = { (uint64_t)a->h, (uint64_t)a->w, (uint64_t)a->c }, npx = dims[0] * dims[1];
	int ok = 1;

	if (j->nout == j->capout) {
		int cap = j->capout ? 2 * j->capout : 4;
		j->out = xreallocarray(j->out, (size_t)cap, sizeof *j->out);
		for (int i = j->capout; i < cap; i++)
			ts_record_init(&j->out[i]);
		j->capout = cap;
	}
	out = &j->out[j->nout++];
	ts_record_clear(out);
	for (size_t i = 0; i < j->f.rec.nmeta; i++)
		ok &= ts_set(out, j->f.rec.meta[i].key, j->f.rec.meta[i].val) == 0;
	record_mark_decoded(out);       /* the copy holds pixels: sha256 and format were the file's */
	if (k > 0)
		record_mark_new_pixels(out);
	for (size_t i = 0; i < j->f.rec.ntensor; i++) {
		const ts_tensor *t = &j->f.rec.tensor[i];
		if (strcmp(t->name, "image") != 0 && strcmp(t->name, "mask") != 0 && strcmp(t->name, "encoded") != 0)
			ok &= ts_tensor_put(out, t->name, t->dtype, t->ndim, t->dims, t->data, t->nbytes) != NULL;
	}
	if (ndim == 2 && a->c != 1)
		ndim = 3;
	/* the image buffer moves into the record; the next load makes another */
	if (ts_tensor_take(out, "image", TS_U8, ndim, dims, a->px, npx * dims[2]) != NULL) {
		j->img.px = NULL;
		j->img.cap = 0;
	} else {
		ok = 0;
	}
	if (a->mask)
		ok &= ts_tensor_put(out, "mask", TS_U8, 2, dims, a->mask, npx) != NULL;
	if (k > 0) {
		ok &= ts_setf(out, "id", "%s@aug%d", id, k) == 0;
		ok &= ts_set(out, "aug_parent", id) == 0;
	}
	ok &= ts_set(out, "aug", k > 0 ? j->run.desc : "none") == 0;
	ok &= ts_setf(out, "aug_copy", "%d", k) == 0;
	ok &= ts_setf(out, "aug_seed", "%llu", (unsigned long long)o->seed) == 0;
	if (k > 0 && j->run.label)
		ok &= ts_set(out, "label", j->run.label) == 0;
	ok &= ts_setf(out, "width", "%d", a->w) == 0;
	ok &= ts_setf(out, "height", "%d", a->h) == 0;
	ok &= ts_setf(out, "channels", "%d", a->c) == 0;
	/* serialised here, on the worker: the writer's thread only compresses */
	ok &= ts_record_seal(out) == 0;
	return ok ? 0 : errorf(err, errlen, "out of memory");
}

static int
augment(struct job *j, const struct opts *o, char *err, size_t errlen)
{
	image src = { 0 }, own = { 0 };
	const ts_tensor *mask = NULL;
	const char *id = ts_get(&j->f.rec, "id");
	char idbuf[512];
	int ndim;

	j->nout = 0;
	if (id == NULL) {
		snprintf(idbuf, sizeof idbuf, "%s:%zu", j->f.input, j->f.recno - 1);
		id = idbuf;
	}
	if (load(j, &src, &own, &mask, &ndim, err, errlen) == -1)
		return -1;
	for (int k = o->keep ? 0 : 1; k <= o->ncopies; k++) {
		if (aug_img_borrow(&j->img, src.px, src.w, src.h, src.c, mask ? mask->data : NULL) == -1) {
			img_free(&own);
			return errorf(err, errlen, "out of memory");
		}
		if (k == 0)
			aug_img_fill(&j->img);
		else if (aug_apply(o->steps, o->nsteps, &j->img, aug_record_seed(o->seed, id, k), &j->run) == -1) {
			img_free(&own);
			return errorf(err, errlen, "%s", j->run.err);
		}
		if (emit_copy(j, o, id, k, ndim, err, errlen) == -1) {
			img_free(&own);
			return -1;
		}
	}
	img_free(&own);
	return 0;
}

static void
work(void *item, int worker, void *ctx)
{
	struct job *j = item;

	(void)worker;
	j->f.failed = augment(j, ctx, j->f.err, sizeof j->f.err) == -1;
}

static int
push(void *item, stage *sink, size_t *nout, void *ctx)
{
	struct job *j = item;
	int rc = 0;

	(void)ctx;
	for (int i = 0; i < j->nout && rc == 0; i++)
		if ((rc = stage_push(sink, &j->out[i])) != -1)
			(*nout)++;
	return rc;
}

static void
clear(void *item, void *ctx)
{
	struct job *j = item;

	(void)ctx;
	for (int i = 0; i < j->capout; i++)
		ts_record_free(&j->out[i]);
	free(j->out);
	aug_img_free(&j->img);
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static const struct filter_ops ops = { work, push, clear, sizeof(struct job) };
	stage *sink;

	if (o->preview)
		sink = sink_export(o->preview, 0, 0, NULL, NULL);
	else {
		if (o->out == NULL || strcmp(o->out, "-") == 0)
			refuse_terminal_stdout();
		sink = sink_stream(o->out ? o->out : "-", o->level);
	}
	return filter_run(&ops, (void *)o, sink, o->threads, o->verbose, argc, argv);
}

/* An operand is a step when its first word names one; else an input, which must exist. */
static int
is_step(const char *arg)
{
	char name[64];
	size_t n = strcspn(arg, " \t");
	struct stat st;

	if (n < sizeof name) {
		memcpy(name, arg, n);
		name[n] = '\0';
		if (aug_kind_find(name)) {
			if (arg[n] == '\0' && stat(arg, &st) == 0) {
				char why[512];
				snprintf(why, sizeof why, "'%s' is both a step and a %s here: write ./%s for the %s, "
				         "or '%s p=1' for the step", arg, S_ISDIR(st.st_mode) ? "folder" : "file", arg,
				         S_ISDIR(st.st_mode) ? "folder" : "file", arg);
				bad_step(why);
			}
			return 1;
		}
	}
	if (strcmp(arg, "-") == 0 || stat(arg, &st) == 0)
		return 0;
	/* a word with a dot or a slash, such as x.jpg: a file that is missing (skipped) */
	if (arg[n] == '\0' && strpbrk(arg, "./"))
		return 0;
	return 1;       /* parsed as a step: the error names it */
}

int
main(int argc, char **argv)
{
	enum { O_HELP = 256, O_VERSION, O_KEEP, O_LEVEL, O_LIST, O_PREVIEW, O_SEED, O_THREADS, O_MAX_ERRORS, O_PROGRESS };
	static const struct option longopts[] = {
		{ "copies", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, O_HELP },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "list", no_argument, NULL, O_LIST },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "output", required_argument, NULL, 'o' },
		{ "preview", required_argument, NULL, O_PREVIEW },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "seed", required_argument, NULL, O_SEED },
		{ "steps", required_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	static struct opts o = { .ncopies = 1, .level = TS_LEVEL_AUTO };
	const char *stepfile = NULL;
	char err[512];
	int c, nin = 0;

	prog_init(argv[0]);
	env_require();
	o.threads = pmap_cpus();
	while ((c = getopt_long(argc, argv, "hf:n:o:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': stepfile = optarg; break;
		case 'n': o.ncopies = (int)parse_int(optarg, 1, MAX_COPIES, "-n"); break;
		case 'o': o.out = optarg; break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_KEEP: o.keep = 1; break;
		case O_LEVEL: o.level = (int)parse_int(optarg, -7, 19, "--level"); break;
		case O_LIST:
			list_steps();
			finish_stdout();
			return 0;
		case O_PREVIEW: o.preview = optarg; break;
		case O_SEED: o.seed = (uint64_t)parse_int(optarg, 0, INT64_MAX, "--seed"); break;
		case O_THREADS: o.threads = (int)parse_int(optarg, 1, 1024, "--threads"); break;
		case 'h':
		case O_HELP:
			help_exit(USAGE, HELP);
		case O_VERSION:
			version_exit();
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.out && o.preview)
		usage("-o and --preview exclude each other");
	if (stepfile && (o.nsteps = aug_parse_file(stepfile, o.steps, AUG_MAXSTEPS, err, sizeof err)) < 0) {
		if (o.nsteps == -2)
			die("%s", err);         /* a file that cannot be read: 1, like any input */
		bad_step(err);
	}
	for (int i = 0; i < argc; i++) {
		if (!is_step(argv[i])) {
			argv[nin++] = argv[i];
			continue;
		}
		if (o.nsteps == AUG_MAXSTEPS)
			bad_step("too many steps");
		if (aug_parse(argv[i], &o.steps[o.nsteps], err, sizeof err) == -1) {
			char why[640];
			snprintf(why, sizeof why, "%s%s", err,
			         strchr(argv[i], ' ') || aug_kind_find(argv[i]) ? "" : " and no such input file");
			bad_step(why);
		}
		o.nsteps++;
	}
	if (o.nsteps == 0)
		usage("no steps: give at least one, e.g. 'hflip p=0.5' (imgaug --list shows them)");
	c = run(&o, nin, argv);
	finish_stdout();
	return c;
}
