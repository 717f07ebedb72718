/* imgcat: concatenate, import, inspect, convert, filter, split and export records. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stream/tstream.h"
#include "pipeline/source.h"
#include "image/image.h"
#include "pipeline/labels.h"
#include "pipeline/stage.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: imgcat [-clqv] [--progress] [-o OUT] [--decode] [--max-pixels N] [--encode png|jpeg|webp] [--quality Q]\n" \
"              [--level N] [--label LABEL] [--label-from-dir] [--labels FILE] [--masks DIR] [--idx]\n" \
"              [--classes A,B,...] [--where KEY=VALUE] [--head N] [--sample N] [--shuffle]\n" \
"              [--shuffle-memory BYTES] [--balance] [--seed S] [--stats]\n" \
"              [--export DIR [--by-label] [--overlay] [--force]]\n" \
"              [--split NAME=FRACTION,...] [--shard N] [--by KEY] [--max-errors N]\n" \
"              [FILE | DIR | -]...\n" \
"       imgcat -h | --help | --version\n"

#define HELP \
"Import:\n" \
"      --decode                decode encoded images into 'image' tensors\n" \
"      --max-pixels N          refuse images over N pixels (default 100000000, or IMG_MAX_PIXELS)\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"      --encode png|jpeg       encode 'image' tensors as 'encoded' ones (default: keep them)\n" \
"      --quality Q             JPEG quality for --encode jpeg, 1 to 100 (default 90)\n" \
"      --label LABEL           set the label of every record (default: none)\n" \
"      --label-from-dir        label each image file with the name of its directory\n" \
"      --labels FILE           labels from a CSV or TSV file (default: none)\n" \
"      --masks DIR             take each image's mask from DIR/NAME.png (default: no masks)\n" \
"      --idx                   the operands are an IDX (MNIST) images file and its labels file\n" \
"      --classes A,B,...       with --idx, name the classes by label number\n" \
"\n" \
"Inspect:\n" \
"  -l, --list                  one line per record: id, label, tensors, metadata\n" \
"  -c, --count                 print the number of records\n" \
"      --stats                 print counts per label, tensor shapes and image sizes\n" \
"\n" \
"Export:\n" \
"      --export DIR            write each record's image into DIR as a file\n" \
"      --by-label              with --export, one subdirectory per label\n" \
"      --overlay               with --export, also write NAME-overlay.png with the masks drawn\n" \
"      --force                 with --export, write into a folder that is not empty\n" \
"\n" \
"Select and reorder:\n" \
"      --where KEY=VALUE       keep records whose KEY is VALUE (with != is not); repeatable\n" \
"      --head N                stop after N records (default: all)\n" \
"      --sample N              a uniform random sample of N records, in input order\n" \
"      --shuffle               all records in a random order\n" \
"      --shuffle-memory BYTES  bytes to shuffle in memory, the rest via temp files (default 1073741824)\n" \
"      --balance               undersample every label (or --by value) to the rarest one's count\n" \
"      --seed S                seed for --sample, --shuffle, --balance, --split, --shard (default 0)\n" \
"\n" \
"Output:\n" \
"  -o, --output OUT            write the stream to OUT, atomically (default: stdout)\n" \
"      --level N               zstd compression level, -7 to 19 (default -1, or TS_LEVEL)\n" \
"      --split NAME=FRACTION,...\n" \
"                              write one stream per part, OUT + NAME.tsr, by hash of the --by key\n" \
"      --shard N               write N streams named by -o PATTERN (one %d)\n" \
"      --by KEY                the key of --split, --shard (default id) and --balance (default label)\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

struct opts {
	int list, count, stats, verbose, decode, by_label, overlay, label_from_dir, idx, shuffle, balance, force;
	int level, quality, nwhere, nshard;
	const char *out, *encode, *label, *labels_path, *masks_dir, *classes, *export_dir, *split, *by;
	char **where;
	long long head, sample;
	unsigned long long seed, shuffle_mem;
};

struct run {
	const struct opts *o;
	stage *chain;
	const char *input;      /* the operand being read */
	size_t nin, nout, recno;
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

static int
emit(ts_record *rec, void *ctx)
{
	struct run *r = ctx;
	char why[512];
	int rc;

	r->nin++;
	progress_tick(r->nin);
	if (r->o->encode || r->o->export_dir) {
		/* the pixels are read: a decoded image is held to the pixel budget as a file is */
		const ts_tensor *t = ts_tensor_get(rec, "image");
		if (t && tensor_check_pixels(t, why, sizeof why) == -1) {
			skip_or_stop(r->input, r->recno, ts_get(rec, "id"), "%s", why);
			return 0;
		}
	}
	if (r->o->label)
		ts_set(rec, "label", r->o->label);
	if (r->o->encode && record_encode_image(rec, r->o->encode, r->o->quality, why, sizeof why) == -1) {
		skip_or_stop(r->input, r->recno, ts_get(rec, "id"), "%s", why);
		return 0;
	}
	rc = stage_push(r->chain, rec);
	if (rc == -1) {
		if (stage_epipe(r->chain))
			exit(0);
		die("%s", stage_error(r->chain));
	}
	return rc == 1 ? -1 : 0;       /* 1: enough records (--head); stop reading */
}

/* A note that changes nothing to the exit status. */
static void
note_cb(const char *msg, void *ctx)
{
	(void)ctx;
	warnx("%s", msg);
}

/* Counts what reaches the sink, for -v. */
struct counter {
	stage st;
	size_t *n;
};

static int
counter_push(stage *s, ts_record *rec)
{
	int rc = stage_push(s->next, rec);

	if (rc != -1)
		(*((struct counter *)s)->n)++;
	return rc;
}

static stage *
add_counter(size_t *n, stage *next)
{
	struct counter *c = xcalloc(1, sizeof *c);

	c->st.push = counter_push;
	c->st.next = next;
	c->n = n;
	return &c->st;
}

static int
valid_shard_pattern(const char *p)
{
	int conv = 0;

	for (; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		p++;
		if (*p == '0')
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p != 'd')
			return 0;
		conv++;
	}
	return conv == 1;
}

static stage *
build_split(const struct opts *o)
{
	char *spec = xstrdup(o->split), *tok, *save = NULL;
	char **names = NULL;
	double *frac = NULL, sum = 0;
	int n = 0;
	stage *s;

	for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (eq == NULL || eq == tok)
			usage("--split wants NAME=FRACTION,...");
		*eq = '\0';
		if (strchr(tok, '/'))
			usage("--split: a part name may not contain '/'");
		for (int i = 0; i < n; i++)
			if (strcmp(names[i], tok) == 0) {
				char why[300];
				snprintf(why, sizeof why, "--split: part '%.200s' named twice", tok);
				usage(why);
			}
		names = xreallocarray(names, (size_t)n + 1, sizeof *names);
		frac = xreallocarray(frac, (size_t)n + 1, sizeof *frac);
		names[n] = tok;
		frac[n] = parse_double(eq + 1, 0, 1, "--split");
		sum += frac[n++];
	}
	if (n == 0 || sum > 1 + 1e-9)
		usage("--split: fractions must add up to at most 1");
	if (o->out == NULL || strcmp(o->out, "-") == 0)
		usage("--split writes files: give -o PREFIX");
	s = sink_split(o->out, names, frac, n, o->by ? o->by : "id", o->seed, o->level);
	free(names);
	free(frac);
	free(spec);
	return s;
}

static stage *
build_chain(const struct opts *o, struct run *r)
{
	stage *s;

	if (o->split)
		s = build_split(o);
	else if (o->nshard) {
		if (o->out == NULL || !valid_shard_pattern(o->out))
			usage("--shard wants -o PATTERN with one %d, e.g. -o shard-%03d.tsr");
		s = sink_shard(o->out, o->nshard, o->by, o->seed, o->level);
	} else if (o->export_dir)
		s = sink_export(o->export_dir, o->by_label, o->overlay, note_cb, NULL);
	else if (o->stats)
		s = sink_stats(stdout);
	else if (o->count)
		s = sink_count(stdout);
	else if (o->list) {
		progress_text_stdout();
		s = sink_list(stdout);
	}
	else {
		if (o->out == NULL || strcmp(o->out, "-") == 0)
			refuse_terminal_stdout();
		s = sink_stream(o->out ? o->out : "-", o->level);
	}
	if (s->err[0])
		die("%s", s->err);
	s = add_counter(&r->nout, s);
	if (o->head >= 0)
		s = stage_head((uint64_t)o->head, s);
	if (o->shuffle)
		s = stage_shuffle(o->seed, o->shuffle_mem, s);
	if (o->sample >= 0)
		s = stage_sample((uint64_t)o->sample, o->seed, s);
	if (o->balance)
		s = stage_balance(o->by ? o->by : "label", o->seed, s);
	if (o->nwhere && (s = stage_where(o->where, o->nwhere, s)) == NULL)
		usage("--where wants KEY=VALUE or KEY!=VALUE");
	return s;
}

static char **
split_names(const char *list, int *n)
{
	char *copy = xstrdup(list), *tok, *save = NULL, **v = NULL;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = xreallocarray(v, (size_t)*n + 1, sizeof *v);
		v[(*n)++] = xstrdup(tok);
	}
	free(copy);
	return v;
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct run r = { .o = o };
	struct labels labels = { 0 };
	struct source_opts so = { 0 };
	char err[1024];
	struct stat st;
	int rc;

	if (o->labels_path && labels_read(o->labels_path, &labels, err, sizeof err) == -1)
		die("%s", err);
	if (o->masks_dir && stat(o->masks_dir, &st) == -1)
		die("--masks: %s: %s", o->masks_dir, strerror(errno));
	if (o->masks_dir && !S_ISDIR(st.st_mode))
		die("--masks: %s: not a directory", o->masks_dir);
	so.decode = o->decode;
	so.label_from_dir = o->label_from_dir;
	so.labels = o->labels_path ? &labels : NULL;
	so.masks_dir = o->masks_dir;
	so.emit = emit;
	so.warn = source_warn_stderr;
	so.ctx = &r;
	so.recno = &r.recno;
	r.chain = build_chain(o, &r);
	if (o->verbose)
		summary_start();
	if (o->idx) {
		char **classes = NULL;
		int nclass = 0;
		if (argc < 1 || argc > 2)
			usage("--idx wants IMAGES [LABELS]");
		if (o->classes)
			classes = split_names(o->classes, &nclass);
		r.input = argv[0];
		rc = source_read_idx(argv[0], argc > 1 ? argv[1] : NULL, (const char *const *)classes,
		                     nclass, &so, err, sizeof err);
		if (rc == -1 && err[0])
			die("%s", err);
		for (int i = 0; i < nclass; i++)
			free(classes[i]);
		free(classes);
	} else {
		if (argc == 0) {
			argc = 1;
			argv = stdin_only;
		}
		progress_start(progress_enabled() ? source_count(argc, argv, &so) : 0);
		for (int i = 0; i < argc; i++) {
			r.input = argv[i];
			rc = source_read(argv[i], &so, err, sizeof err);
			if (rc == -1 && err[0])
				die("%s", err);
			if (rc == -1)
				break;          /* --head has what it wants */
		}
	}
	if (stage_finish(r.chain) == -1) {
		if (stage_epipe(r.chain))
			exit(0);
		die("%s", stage_error(r.chain));
	}
	progress_done();
	stage_free(r.chain);
	if (o->labels_path && labels_report(&labels, o->labels_path, err, sizeof err))
		warnx("--labels %s", err);
	labels_free(&labels);
	if (o->verbose)
		summary_print(r.nin, r.nout);
	return skip_status();
}

/* Whether path is a folder with nothing in it; 1 too when it is no folder that can be
 * read (the export then says why it cannot write there). */
static int
dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 1;
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int
main(int argc, char **argv)
{
	enum { O_DECODE = 256, O_ENCODE, O_QUALITY, O_LEVEL, O_LABEL, O_LABEL_FROM_DIR, O_LABELS, O_IDX,
	       O_CLASSES, O_WHERE, O_HEAD, O_SAMPLE, O_SHUFFLE, O_BALANCE, O_SEED, O_STATS, O_EXPORT,
	       O_BY_LABEL, O_SPLIT, O_SHARD, O_BY, O_HELP, O_VERSION, O_SHUFFLE_MEM, O_MAX_PIXELS, O_MASKS, O_OVERLAY,
	       O_MAX_ERRORS, O_FORCE, O_PROGRESS };
	static const struct option longopts[] = {
		{ "balance", no_argument, NULL, O_BALANCE },
		{ "by", required_argument, NULL, O_BY },
		{ "by-label", no_argument, NULL, O_BY_LABEL },
		{ "classes", required_argument, NULL, O_CLASSES },
		{ "count", no_argument, NULL, 'c' },
		{ "decode", no_argument, NULL, O_DECODE },
		{ "encode", required_argument, NULL, O_ENCODE },
		{ "export", required_argument, NULL, O_EXPORT },
		{ "force", no_argument, NULL, O_FORCE },
		{ "head", required_argument, NULL, O_HEAD },
		{ "help", no_argument, NULL, O_HELP },
		{ "idx", no_argument, NULL, O_IDX },
		{ "label", required_argument, NULL, O_LABEL },
		{ "label-from-dir", no_argument, NULL, O_LABEL_FROM_DIR },
		{ "labels", required_argument, NULL, O_LABELS },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "list", no_argument, NULL, 'l' },
		{ "masks", required_argument, NULL, O_MASKS },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "max-pixels", required_argument, NULL, O_MAX_PIXELS },
		{ "output", required_argument, NULL, 'o' },
		{ "overlay", no_argument, NULL, O_OVERLAY },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quality", required_argument, NULL, O_QUALITY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sample", required_argument, NULL, O_SAMPLE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "shuffle", no_argument, NULL, O_SHUFFLE },
		{ "shuffle-memory", required_argument, NULL, O_SHUFFLE_MEM },
		{ "split", required_argument, NULL, O_SPLIT },
		{ "stats", no_argument, NULL, O_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ "where", required_argument, NULL, O_WHERE },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .level = TS_LEVEL_AUTO, .quality = 90, .head = -1, .sample = -1,
	                  .shuffle_mem = 1ull << 30 };
	int c;

	prog_init(argv[0]);
	env_require();
	while ((c = getopt_long(argc, argv, "hclo:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.count = 1; break;
		case 'l': o.list = 1; break;
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_DECODE: o.decode = 1; break;
		case O_MAX_PIXELS:
			img_set_max_pixels((uint64_t)parse_int(optarg, 1, INT64_MAX, "--max-pixels"));
			break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_ENCODE:
			if (strcmp(optarg, "png") != 0 && strcmp(optarg, "jpeg") != 0 && strcmp(optarg, "webp") != 0)
				usage("--encode wants png, jpeg or webp");
			o.encode = optarg;
			break;
		case O_QUALITY: o.quality = (int)parse_int(optarg, 1, 100, "--quality"); break;
		case O_LEVEL: o.level = (int)parse_int(optarg, -7, 19, "--level"); break;
		case O_LABEL: o.label = optarg; break;
		case O_LABEL_FROM_DIR: o.label_from_dir = 1; break;
		case O_LABELS: o.labels_path = optarg; break;
		case O_MASKS: o.masks_dir = optarg; break;
		case O_IDX: o.idx = 1; break;
		case O_CLASSES: o.classes = optarg; break;
		case O_WHERE:
			o.where = xreallocarray(o.where, (size_t)o.nwhere + 1, sizeof *o.where);
			o.where[o.nwhere++] = optarg;
			break;
		case O_HEAD: o.head = parse_int(optarg, 0, INT64_MAX, "--head"); break;
		case O_SAMPLE: o.sample = parse_int(optarg, 0, INT64_MAX, "--sample"); break;
		case O_SHUFFLE: o.shuffle = 1; break;
		case O_SHUFFLE_MEM:
			o.shuffle_mem = (unsigned long long)parse_int(optarg, 0, INT64_MAX, "--shuffle-memory");
			break;
		case O_BALANCE: o.balance = 1; break;
		case O_SEED: o.seed = (unsigned long long)parse_int(optarg, 0, INT64_MAX, "--seed"); break;
		case O_STATS: o.stats = 1; break;
		case O_EXPORT: o.export_dir = optarg; break;
		case O_FORCE: o.force = 1; break;
		case O_BY_LABEL: o.by_label = 1; break;
		case O_OVERLAY: o.overlay = 1; break;
		case O_SPLIT: o.split = optarg; break;
		case O_SHARD: o.nshard = (int)parse_int(optarg, 1, 4096, "--shard"); break;
		case O_BY: o.by = optarg; break;
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
	if (o.decode && o.encode)
		usage("--decode and --encode exclude each other");
	if (o.masks_dir && o.idx)
		usage("--masks goes with image files and directories, not --idx");
	if (o.by_label && !o.export_dir)
		usage("--by-label goes with --export DIR");
	if (o.overlay && !o.export_dir)
		usage("--overlay goes with --export DIR");
	if (o.force && !o.export_dir)
		usage("--force goes with --export DIR");
	if (o.classes && !o.idx)
		usage("--classes names the classes of --idx labels; without --idx it does nothing");
	if (o.export_dir && !o.force && !dir_empty(o.export_dir))
		die("%s: not empty: --export writes into an empty or new folder (--force to write there anyway)",
		    o.export_dir);
	if ((o.split != NULL) + (o.nshard > 0) + (o.export_dir != NULL) + o.stats + o.count + o.list > 1)
		usage("choose one of -l, -c, --stats, --export, --split, --shard");
	c = run(&o, argc, argv);
	free(o.where);
	finish_stdout();
	return c;
}
