/* imgresize: decode and resize images for training, in parallel, in input order. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tstream.h"
#include "pipeline/source.h"
#include "image/image.h"
#include "pipeline/filter.h"
#include "pipeline/prep.h"
#include "util/parallel.h"
#include "resize/resize.h"
#include "pipeline/stage.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: imgresize [-qv] [--progress] [-o OUT] [--short N | --long N | --fit WxH | --fill WxH | --pad WxH |\n" \
"                 --stretch WxH] [--crop WxH] [--shrink-only] [--filter area|triangle|lanczos3]\n" \
"                 [--gray | --rgb] [--background COLOR] [--full-decode] [--threads N]\n" \
"                 [--encode png|jpeg|webp] [--quality Q] [--level N] [--max-pixels N]\n" \
"                 [--max-errors N] [FILE | DIR | -]...\n" \
"       imgresize -h | --help | --version\n"

#define HELP \
"Size:\n" \
"      --short N               the shorter side becomes N, aspect ratio kept\n" \
"      --long N                the longer side becomes N, aspect ratio kept\n" \
"      --fit WxH               the largest size inside WxH, aspect ratio kept\n" \
"      --fill WxH              the smallest size covering WxH, then its centre WxH\n" \
"      --pad WxH               as --fit, then centred on a WxH --background\n" \
"      --stretch WxH           exactly WxH\n" \
"      --crop WxH              then keep the centre WxH (default: no crop)\n" \
"      --shrink-only           never enlarge an image\n" \
"\n" \
"Resampling:\n" \
"      --filter area|triangle|lanczos3\n" \
"                              the resampling filter (default area)\n" \
"      --full-decode           decode JPEGs whole (default: shrink large JPEGs on load)\n" \
"\n" \
"Channels:\n" \
"      --gray                  one channel: the luma of colour images\n" \
"      --rgb                   three channels: gray is repeated\n" \
"      --background COLOR      padding, and what alpha is composited over (default black)\n" \
"\n" \
"Running:\n" \
"      --threads N             resize N images at a time (default: the number of CPUs)\n" \
"      --encode png|jpeg|webp  encode the resized image again (default: an 'image' tensor)\n" \
"      --quality Q             JPEG quality for --encode jpeg, 1 to 100 (default 90)\n" \
"      --level N               zstd compression level, -7 to 19 (default -1, or TS_LEVEL)\n" \
"      --max-pixels N          refuse images over N pixels (default 100000000, or IMG_MAX_PIXELS)\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"  -o, --output OUT            write to OUT, atomically (default: stdout)\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

struct opts {
	prep_opts p;
	int threads, level, verbose;
	const char *out;
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

static void
work(void *item, int worker, void *ctx)
{
	struct filter_job *j = item;

	(void)worker;
	j->failed = prep_record(&j->rec, &((const struct opts *)ctx)->p, j->err, sizeof j->err) == -1;
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static const struct filter_ops ops = { work, NULL, NULL, sizeof(struct filter_job) };

	if (o->out == NULL || strcmp(o->out, "-") == 0)
		refuse_terminal_stdout();
	return filter_run(&ops, (void *)o, sink_stream(o->out ? o->out : "-", o->level), o->threads, o->verbose,
	                  argc, argv);
}

static void
set_mode(struct opts *o, int mode, const char *arg, const char *opt)
{
	resize_opts *r = &o->p.r;

	if (r->mode != RESIZE_KEEP)
		usage("choose one of --short, --long, --fit, --fill, --pad, --stretch");
	r->mode = mode;
	if (mode == RESIZE_SHORT || mode == RESIZE_LONG)
		r->w = r->h = (int)parse_int(arg, 1, IMG_MAXDIM, opt);
	else if (img_parse_size(arg, &r->w, &r->h, 0) == -1) {
		fprintf(stderr, "%s: %s wants WxH, each 1..%d: '%s'\n", progname, opt, IMG_MAXDIM, arg);
		usage(NULL);
	}
}

int
main(int argc, char **argv)
{
	enum { O_BACKGROUND = 256, O_CROP, O_ENCODE, O_FILL, O_FILTER, O_FIT, O_FULL, O_GRAY, O_HELP, O_VERSION,
	       O_LEVEL, O_LONG, O_MAX_PIXELS, O_PAD, O_QUALITY, O_RGB, O_SHORT, O_SHRINK_ONLY,
	       O_STRETCH, O_THREADS, O_MAX_ERRORS, O_PROGRESS };
	static const struct option longopts[] = {
		{ "background", required_argument, NULL, O_BACKGROUND },
		{ "crop", required_argument, NULL, O_CROP },
		{ "encode", required_argument, NULL, O_ENCODE },
		{ "fill", required_argument, NULL, O_FILL },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "fit", required_argument, NULL, O_FIT },
		{ "full-decode", no_argument, NULL, O_FULL },
		{ "gray", no_argument, NULL, O_GRAY },
		{ "help", no_argument, NULL, O_HELP },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "long", required_argument, NULL, O_LONG },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "max-pixels", required_argument, NULL, O_MAX_PIXELS },
		{ "output", required_argument, NULL, 'o' },
		{ "pad", required_argument, NULL, O_PAD },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quality", required_argument, NULL, O_QUALITY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rgb", no_argument, NULL, O_RGB },
		{ "short", required_argument, NULL, O_SHORT },
		{ "shrink-only", no_argument, NULL, O_SHRINK_ONLY },
		{ "stretch", required_argument, NULL, O_STRETCH },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .level = TS_LEVEL_AUTO };
	int c;

	prep_init(&o.p);
	prog_init(argv[0]);
	env_require();
	o.threads = pmap_cpus();
	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_BACKGROUND:
			if (resize_parse_color(optarg, o.p.bg) == -1)
				usage("--background wants a colour name, #RRGGBB or R,G,B");
			break;
		case O_CROP:
			if (img_parse_size(optarg, &o.p.r.crop_w, &o.p.r.crop_h, 0) == -1) {
				fprintf(stderr, "%s: --crop wants WxH, each 1..%d: '%s'\n", progname, IMG_MAXDIM, optarg);
				usage(NULL);
			}
			break;
		case O_ENCODE:
			if (strcmp(optarg, "png") != 0 && strcmp(optarg, "jpeg") != 0 && strcmp(optarg, "webp") != 0)
				usage("--encode wants png, jpeg or webp");
			snprintf(o.p.encode, sizeof o.p.encode, "%s", optarg);
			break;
		case O_FILL: set_mode(&o, RESIZE_FILL, optarg, "--fill"); break;
		case O_FILTER:
			if (strcmp(optarg, "area") == 0)
				o.p.filter = RESIZE_AREA;
			else if (strcmp(optarg, "triangle") == 0)
				o.p.filter = RESIZE_TRIANGLE;
			else if (strcmp(optarg, "lanczos3") == 0)
				o.p.filter = RESIZE_LANCZOS3;
			else
				usage("--filter wants area, triangle or lanczos3");
			break;
		case O_FIT: set_mode(&o, RESIZE_FIT, optarg, "--fit"); break;
		case O_FULL: o.p.full_decode = 1; break;
		case O_GRAY: o.p.gray = 1; break;
		case 'h':
		case O_HELP:
			help_exit(USAGE, HELP);
		case O_VERSION:
			version_exit();
		case O_LEVEL: o.level = (int)parse_int(optarg, -7, 19, "--level"); break;
		case O_LONG: set_mode(&o, RESIZE_LONG, optarg, "--long"); break;
		case O_MAX_PIXELS:
			img_set_max_pixels((uint64_t)parse_int(optarg, 1, INT64_MAX, "--max-pixels"));
			break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_PAD: set_mode(&o, RESIZE_PAD, optarg, "--pad"); break;
		case O_QUALITY: o.p.quality = (int)parse_int(optarg, 1, 100, "--quality"); break;
		case O_RGB: o.p.rgb = 1; break;
		case O_SHORT: set_mode(&o, RESIZE_SHORT, optarg, "--short"); break;
		case O_SHRINK_ONLY: o.p.r.shrink_only = 1; break;
		case O_STRETCH: set_mode(&o, RESIZE_STRETCH, optarg, "--stretch"); break;
		case O_THREADS: o.threads = (int)parse_int(optarg, 1, 1024, "--threads"); break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.p.gray && o.p.rgb)
		usage("--gray and --rgb exclude each other");
	if (o.p.r.mode == RESIZE_KEEP && o.p.r.crop_w == 0 && !o.p.gray && !o.p.rgb && !o.p.encode[0])
		usage("nothing to do: give a size (--short, --long, --fit, --fill, --pad, --stretch), --crop, --gray, "
		      "--rgb or --encode");
	c = run(&o, argc, argv);
	finish_stdout();
	return c;
}
