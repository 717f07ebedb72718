/* cnnconvert: models out to ONNX and ONNX models in, for serving and for fine-tuning. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_model.h"
#include "onnx/onnx.h"
#include "pipeline/env.h"
#include "stream/tstream.h"
#include "util/util.h"

#define USAGE \
"usage: cnnconvert [-o OUT] [--normalize METHOD] [--mean LIST] [--std LIST] [--classes LIST] INPUT\n" \
"       cnnconvert --summary INPUT\n" \
"       cnnconvert -h | --help | --version\n"

#define HELP \
"INPUT is a model (written as ONNX) or an ONNX file (read into a model); - is stdin.\n" \
"Options:\n" \
"  -o, --output OUT            write there, atomically (default: stdout)\n" \
"      --summary               list the layers, output shapes and parameter counts\n" \
"      --normalize METHOD      ONNX in: the input's normalisation (scale, mean-std, per-image, standardize)\n" \
"      --mean LIST             ONNX in: per-channel means on [0, 1] for mean-std (0.485,0.456,0.406)\n" \
"      --std LIST              ONNX in: per-channel deviations for mean-std (0.229,0.224,0.225)\n" \
"      --classes LIST          ONNX in: the class names, comma-separated\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

#define MAX_INPUT ((size_t)2 << 30)

struct opts {
	const char *out;
	int summary;
	onnx_import_opts imp;
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

static void
write_bytes(const char *path, const unsigned char *buf, size_t len)
{
	outfile of;

	if (outfile_open(&of, path) != 0)
		die("%s: %s", path, strerror(errno));
	if (fwrite(buf, 1, len, of.f) != len || outfile_commit(&of) != 0) {
		if (is_epipe(errno))
			exit(0);
		die("%s: %s", path, strerror(errno));
	}
}

static void
write_model(const char *path, ts_record *rec)
{
	outfile of;
	ts_writer *w;

	if (outfile_open(&of, path) != 0)
		die("%s: %s", path, strerror(errno));
	if (!(w = ts_writer_open(of.f, path, TS_DEFAULT_LEVEL)))
		die("out of memory");
	if (ts_write(w, rec) != 0 || ts_writer_close(w) != 0) {
		int e = ts_writer_errno(w);
		if (is_epipe(e))
			exit(0);
		die("%s", ts_writer_error(w));
	}
	ts_writer_free(w);
	if (outfile_commit(&of) != 0) {
		if (is_epipe(errno))
			exit(0);
		die("%s: %s", path, strerror(errno));
	}
}

/* The model record of a stream already read (so that standard input works too); a model is
 * one record. */
static void
model_from_bytes(const char *in, unsigned char *buf, size_t len, ts_record *rec)
{
	FILE *f = fmemopen(buf, len, "rb");
	ts_reader *r;
	ts_record more;
	int rc;

	if (!f || !(r = ts_reader_open(f, in)))
		die("out of memory");
	ts_record_init(&more);
	if ((rc = ts_read(r, rec)) == 1 && (rc = ts_read(r, &more)) == 1)
		die("%s: record 2: a model file holds one record", in);
	if (rc == -1)
		die("%s", ts_reader_error(r));
	if (ts_reader_nrec(r) == 0)
		die("%s: empty stream, not a model", in);
	ts_record_free(&more);
	ts_reader_free(r);
	fclose(f);
}

/* A model record, from the model file or by importing the ONNX file. */
static void
load(const char *in, const struct opts *o, ts_record *rec, int *from_onnx)
{
	char err[512];
	size_t len;
	unsigned char *buf = read_file(in, &len, MAX_INPUT);

	if (!buf)
		die("%s: %s", in, strerror(errno));
	*from_onnx = !ts_is_stream(buf, len);
	if (!*from_onnx) {
		model_from_bytes(in, buf, len, rec);
		free(buf);
		return;
	}
	if (len == 0)
		die("%s: empty input, neither a model nor an ONNX file", in);
	if (!onnx_sniff(buf, len))
		die("%s: neither a model nor an ONNX file", in);
	if (onnx_import(buf, len, &o->imp, rec, err, sizeof err) != 0)
		die("%s: %s", in, err);
	free(buf);
}

static int
run(const struct opts *o, const char *in)
{
	ts_record rec;
	nn_model_info mi = { 0 };
	char err[512];
	int from_onnx;

	ts_record_init(&rec);
	load(in, o, &rec, &from_onnx);
	nn_net *net = nn_model_get(&rec, in, 1, 1, &mi, err, sizeof err);
	if (!net)
		die("%s", err);
	if (o->summary) {
		nn_summary(net, stdout);
	} else if (from_onnx) {
		if (!o->out || strcmp(o->out, "-") == 0)
			refuse_terminal_stdout();
		write_model(o->out ? o->out : "-", &rec);
	} else {
		unsigned char *buf;
		size_t len;
		if (!o->out || strcmp(o->out, "-") == 0)
			refuse_terminal_stdout();
		if (onnx_export(net, &rec, &mi, &buf, &len, err, sizeof err) != 0)
			die("%s: %s", in, err);
		write_bytes(o->out ? o->out : "-", buf, len);
		free(buf);
	}
	nn_free(net);
	nn_model_info_free(&mi);
	ts_record_free(&rec);
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_CLASSES = 256, O_HELP, O_MEAN, O_NORMALIZE, O_STD, O_SUMMARY, O_VERSION };
	static const struct option longopts[] = {
		{ "classes", required_argument, NULL, O_CLASSES },
		{ "help", no_argument, NULL, O_HELP },
		{ "mean", required_argument, NULL, O_MEAN },
		{ "normalize", required_argument, NULL, O_NORMALIZE },
		{ "output", required_argument, NULL, 'o' },
		{ "std", required_argument, NULL, O_STD },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c;

	prog_init(argv[0]);
	env_require();
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case O_SUMMARY: o.summary = 1; break;
		case O_NORMALIZE: o.imp.normalize = optarg; break;
		case O_MEAN: o.imp.mean = optarg; break;
		case O_STD: o.imp.std = optarg; break;
		case O_CLASSES: o.imp.classes = optarg; break;
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
	if (argc != 1)
		usage(argc ? "one INPUT, please" : "INPUT is required");
	if (o.summary && o.out)
		usage("--summary writes no output file");
	c = run(&o, argv[0]);
	finish_stdout();
	return c;
}
