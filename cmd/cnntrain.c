/* cnntrain: train a convolutional network described by an architecture file on a stream of labelled images. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/hash.h"
#include "nn/nn.h"
#include "nn/nn_data.h"
#include "nn/nn_dist.h"
#include "nn/nn_features.h"
#include "nn/nn_model.h"
#include "nn/nn_train.h"
#include "util/parallel.h"
#include "pipeline/source.h"
#include "util/strmap.h"
#include "stream/tstream.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: cnntrain -m ARCH | --init MODEL -o MODEL [-qv] [--progress] [--epochs N] [--batch N] [--optimizer sgd|adam] [--lr X]\n" \
"                [--momentum X] [--l2 X | --weight-decay X] [--lr-schedule none|step|cosine]\n" \
"                [--lr-step N] [--lr-gamma X] [--val F [--val-by KEY] | --val-stream FILE] [--early-stop N]\n" \
"                [--balance] [--class-weights auto|none]\n" \
"                [--normalize scale|standardize|per-image|mean-std] [--mean M] [--std S]\n" \
"                [--classes A,B,...] [--seed N] [--threads N] [--memory BYTES] [--checkpoint FILE]\n" \
"                [--resume FILE] [--log FILE] [--pos-weight X] [--dice] [--max-errors N]\n" \
"                [--init MODEL [--head N]] [--freeze LAYER [--unfreeze-after N] [--lr-backbone X]]\n" \
"                [--allreduce-bucket BYTES] [--sync-bn] [--device cpu|cuda|cuda:N|auto]\n" \
"                [--precision fp32|tf32|bf16]\n" \
"                [FILE | DIR | -]...\n" \
"       cnntrain -m ARCH | --init MODEL [--head N] [--freeze LAYER] --summary\n" \
"       cnntrain -h | --help | --version\n"

#define HELP \
"Options:\n" \
"  -m, --arch ARCH             the architecture file (required without --init)\n" \
"  -o, --output MODEL          where the model goes (required)\n" \
"      --epochs N              passes over the training set (default 10)\n" \
"      --batch N               images per step (default 32)\n" \
"      --optimizer sgd|adam    the optimiser (default adam)\n" \
"      --lr X                  the learning rate (default 1e-3 for adam, 1e-2 for sgd)\n" \
"      --momentum X            SGD's momentum (default 0)\n" \
"      --l2 X                  L2 regularisation of the weights (default 0)\n" \
"      --weight-decay X        PyTorch's weight_decay, the same as --l2 X/2\n" \
"      --lr-schedule none|step|cosine\n" \
"                              how the rate changes over the epochs (default none)\n" \
"      --lr-step N             with step, epochs between changes (default: a third of --epochs)\n" \
"      --lr-gamma X            with step, the factor of each change (default 0.1)\n" \
"      --val F                 hold out the fraction F of each class for validation (default: none)\n" \
"      --val-by KEY            with --val, hold out whole groups of records sharing KEY\n" \
"      --val-stream FILE       validate on the images of FILE instead\n" \
"      --early-stop N          stop when the validation loss has not improved for N epochs\n" \
"      --balance               undersample every class to the rarest one's count\n" \
"      --class-weights auto|none\n" \
"                              weight each image's loss by its class's rarity (default none)\n" \
"      --normalize METHOD      scale, standardize, per-image, mean-std (default: arch's, or scale)\n" \
"      --mean M                with mean-std, the mean: one, or one per channel, on [0, 1]\n" \
"      --std S                 with mean-std, the standard deviation: one, or one per channel\n" \
"      --classes A,B,...       the classes, in this order (default: sorted labels)\n" \
"      --seed N                seeds weights, split, sampling, order and dropout (default 1)\n" \
"      --threads N             threads (default: the number of CPUs)\n" \
"      --memory BYTES          decoded training set kept in memory (default: a quarter of RAM)\n" \
"      --checkpoint FILE       write a checkpoint after every epoch\n" \
"      --resume FILE           continue the training a checkpoint stopped\n" \
"      --log FILE              write the learning curve, after every epoch\n" \
"      --pos-weight X          segmentation: the weight of positive pixels in the loss (default 1)\n" \
"      --dice                  segmentation: add 1 - soft Dice to the loss\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"      --init MODEL            start from MODEL's weights (and architecture, without -m)\n" \
"      --head N                replace the last dense layer by a fresh one of N units\n" \
"      --freeze LAYER          keep the weights of the layers up to LAYER fixed\n" \
"      --unfreeze-after N      after N epochs, train every layer (default: never)\n" \
"      --lr-backbone X         then, the rate of the formerly frozen layers (default --lr / 10)\n" \
"      --allreduce-bucket BYTES  under mpirun, gradients summed in buckets of BYTES started during\n" \
"                              backward (default 1M); 0: one allreduce after backward\n" \
"      --sync-bn               under mpirun, batch norm statistics of the global batch (default:\n" \
"                              of each rank's share)\n" \
"      --device DEV            cpu, cuda, cuda:N or auto: the GPU when there is one and this build\n" \
"                              has the CUDA backend, else the CPU (default auto)\n" \
"      --precision P           fp32, tf32 or bf16 math on the GPU (default tf32 where the card has\n" \
"                              it); the CPU computes in fp32 only\n" \
"      --summary               print the layers, shapes, parameter counts and the device; do not train\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

enum sched { SCHED_NONE, SCHED_STEP, SCHED_COSINE };

struct opts {
	const char *arch, *out, *val_stream, *checkpoint, *resume, *log, *classes;
	const char *mean, *std, *val_by;
	const char *init, *freeze;      /* fine-tuning */
	int head, unfreeze_after;
	double lr_backbone;
	int epochs, batch, optimizer, schedule, lr_step, early_stop, balance, class_weights;
	int normalize, threads, summary, verbose, dice, sync_bn;
	int device, device_index, precision;    /* nn_device.h; precision -1: the default */
	double lr, momentum, l2, lr_gamma, val, pos_weight;
	uint64_t seed;
	size_t memory, bucket;
};

/* --val-by: each record's group, the seeded hash of its KEY's value */
struct groups {
	uint64_t *h;
	size_t n, cap;
};

/* The labelled images as read, before classes are known. */
/* The preparation ("resize" metadata, imgresize) the training records agree on. */
struct prep_seen {
	char *value;            /* the first record's; NULL: none yet */
	int mixed;              /* a record without it, or with another */
	size_t n;
};

struct reading {
	struct groups *groups;  /* NULL: no --val-by */
	struct prep_seen *prep; /* NULL: not noted (the validation set) */
	const struct opts *o;
	nn_shape in;
	int mh, mw;             /* segmentation: the mask each image needs (the output's size) */
	const nn_net *net;      /* its features layer's metadata keys */
	unsigned char *sample;  /* image, then the mask (segmentation) or the features */
	nn_data *data;
	strmap *names;          /* label names in order of appearance */
	const char *input;
	size_t nrec;
	char err[1024];
};

/* --device and --precision: one line and exit 1 when the device asked for is not there (or
 * does not compute in the precision asked for). */
static void
open_device(const struct opts *o, nn_device *dev)
{
	char err[400];
	int kind = o->device;

	if (nn_dist_size() > 1 && kind == NN_DEV_CUDA)
		die("--device %s: the GPU does not train under mpirun yet", nn_device_spec(o->device, o->device_index));
	if (nn_dist_size() > 1)
		kind = NN_DEV_CPU;
	if (nn_device_open(dev, kind, o->device_index, o->precision, err, sizeof err) != 0) {
		if (strncmp(err, "--precision", 11) == 0)
			die("%s", err);
		die("--device %s: %s", nn_device_spec(o->device, o->device_index), err);
	}
	if (nn_dist_size() > 1 && o->device == NN_DEV_AUTO)
		snprintf(dev->why, sizeof dev->why, "cpu (--device auto: under mpirun, the CPU)");
}

static void
describe_device(const nn_device *dev, FILE *f)
{
	char d[800];

	nn_device_summary(dev, 0, d, sizeof d);
	fprintf(f, "device: %s\n", d);
}

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

/* Skips a record that cannot be trained on (the bad-record policy, util.h): returns 1. */
static int __attribute__((format(printf, 3, 4)))
skip(struct reading *rd, const ts_record *rec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vskip_or_stop(rd->input, rd->nrec, ts_get(rec, "id"), fmt, ap);
	va_end(ap);
	return 1;
}

/* 0, 1 when the record was skipped, -1 on an error. */
static int
note_group(struct reading *rd, ts_record *rec)
{
	struct groups *g = rd->groups;
	const char *v;

	if (!g)
		return 0;
	if (!(v = ts_get(rec, rd->o->val_by)))
		return skip(rd, rec, "no %s (--val-by)", rd->o->val_by);
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 1024;
		g->h = xrealloc(g->h, g->cap * sizeof *g->h);
	}
	g->h[g->n++] = hash_string(v, rd->o->seed ^ 0x9e3779b97f4a7c15ull);
	return 0;
}

/* Notes the record's preparation: the model keeps it if every training record has the same. */
static void
note_prep(struct reading *rd, const ts_record *rec)
{
	struct prep_seen *p = rd->prep;
	const char *v = ts_get(rec, "resize");

	if (p == NULL)
		return;
	if (p->n++ == 0)
		p->value = v && *v ? xstrdup(v) : NULL;
	if (!v || !*v || !p->value || strcmp(v, p->value) != 0)
		p->mixed = 1;
}

static int
take_record(ts_record *rec, void *ctx)
{
	struct reading *rd = ctx;
	const ts_tensor *t = ts_tensor_get(rec, "image");
	const char *label = ts_get(rec, "label");
	nn_shape s = rd->in;
	image im;

	char why[512];
	if (!t)
		return skip(rd, rec, "no image"), 0;
	if (tensor_as_image(t, &im, why, sizeof why) != 0)
		return skip(rd, rec, "%s", why), 0;
	if (im.w != s.w || im.h != s.h || im.c != s.c)
		return skip(rd, rec, "image is %dx%d with %d channel%s, the model wants %dx%d with %d (run imgresize "
		            "--short %d --crop %dx%d%s first)", im.w, im.h, im.c, im.c == 1 ? "" : "s", s.w, s.h, s.c,
		            s.w < s.h ? s.w : s.h, s.w, s.h, s.c == 1 ? " --gray" : s.c == 3 ? " --rgb" : ""), 0;
	if (rd->mh) {
		const ts_tensor *m = ts_tensor_get(rec, "mask");
		size_t n = (size_t)s.w * s.h * s.c;
		int rc;
		if (!m || m->dtype != TS_U8 || m->ndim < 2 || (m->ndim == 3 && m->dims[2] != 1) || m->ndim > 3)
			return skip(rd, rec, "no mask (a u8 HxW tensor named mask)"), 0;
		if (m->dims[0] != (uint64_t)rd->mh || m->dims[1] != (uint64_t)rd->mw)
			return skip(rd, rec, "mask is %llux%llu, the model's output is %dx%d",
			            (unsigned long long)m->dims[1], (unsigned long long)m->dims[0], rd->mw, rd->mh), 0;
		memcpy(rd->sample, im.px, n);
		memcpy(rd->sample + n, m->data, (size_t)rd->mh * rd->mw);
		if ((rc = note_group(rd, rec)) != 0)
			return rc == 1 ? 0 : -1;
		note_prep(rd, rec);
		return nn_data_add(rd->data, rd->sample, 0, rd->err, sizeof rd->err);
	}
	if (!label || !*label)
		return skip(rd, rec, "no label"), 0;
	const unsigned char *sample = im.px;
	if (rd->net->nfeat) {
		memcpy(rd->sample, im.px, nn_shape_size(s));
		if (nn_read_features(rd->net, rec, rd->sample + nn_shape_size(s), why, sizeof why) != 0)
			return skip(rd, rec, "%s", why), 0;
		sample = rd->sample;
	}
	int rc = note_group(rd, rec);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	note_prep(rd, rec);
	size_t k = strmap_add(rd->names, label);
	if (nn_data_add(rd->data, sample, (int)k, rd->err, sizeof rd->err) != 0)
		return -1;
	return 0;
}

static void
read_set(const struct opts *o, const nn_net *net, nn_shape mask, int argc, char **argv, nn_data *d, strmap *names,
         struct groups *groups, struct prep_seen *prep)
{
	struct reading rd = { .o = o, .in = net->input, .mh = mask.h, .mw = mask.w, .net = net, .data = d,
	                      .names = names, .groups = groups, .prep = prep };
	struct source_opts so = { .decode = 1, .emit = take_record, .warn = source_warn_stderr, .ctx = &rd,
	                          .recno = &rd.nrec };
	char err[1024];

	rd.sample = xmalloc(d->sample);
	char *dash[] = { "-" };

	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (int i = 0; i < argc; i++) {
		rd.input = strcmp(argv[i], "-") == 0 ? "stdin" : argv[i];
		rd.nrec = 0;
		rd.err[0] = 0;
		if (source_read(argv[i], &so, err, sizeof err) < 0)
			die("%s", rd.err[0] ? rd.err : err);
	}
	if (nn_data_finish(d, err, sizeof err) != 0)
		die("%s", err);
	free(rd.sample);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Classes: --classes in that order, or the sorted names in the data. */
static void
set_classes(const struct opts *o, const strmap *names, nn_model_info *m)
{
	if (o->classes) {
		char *s = xstrdup(o->classes), *save = NULL;
		for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			m->classes = xreallocarray(m->classes, (size_t)m->nclass + 1, sizeof *m->classes);
			m->classes[m->nclass++] = xstrdup(t);
		}
		free(s);
	} else {
		m->classes = xcalloc(names->n + 1, sizeof *m->classes);
		for (size_t i = 0; i < names->n; i++)
			m->classes[m->nclass++] = xstrdup(names->key[i]);
		qsort(m->classes, (size_t)m->nclass, sizeof *m->classes, cmp_str);
	}
	if (m->nclass < 2)
		die("%s: %d class%s: a classifier needs at least 2 (labels come from the 'label' field)",
		    o->classes ? "--classes" : "training set", m->nclass, m->nclass == 1 ? "" : "es");
}

/* Replaces each image's name index by its class index. */
static void
map_labels(nn_data *d, const strmap *names, const nn_model_info *m, const char *what)
{
	int *map = xcalloc(names->n + 1, sizeof *map);

	for (size_t i = 0; i < names->n; i++) {
		map[i] = -1;
		for (int c = 0; c < m->nclass; c++)
			if (strcmp(names->key[i], m->classes[c]) == 0)
				map[i] = c;
		if (map[i] < 0)
			die("%s: label '%s' is not one of the model's %d classes", what, names->key[i], m->nclass);
	}
	for (size_t i = 0; i < d->n; i++)
		d->label[i] = map[d->label[i]];
	free(map);
}

struct split { size_t *train, *val; size_t ntrain, nval; };

/* A stratified split: a fraction of each class, chosen with the seed, goes to validation. */
static void
split_set(const nn_data *d, int nclass, double frac, uint64_t seed, const struct groups *g, struct split *s)
{
	rng r;

	s->train = xcalloc(d->n + 1, sizeof *s->train);
	s->val = xcalloc(d->n + 1, sizeof *s->val);
	s->ntrain = s->nval = 0;
	if (g) {
		/* whole groups: a group's hash, as a number in [0, 1), below frac goes to validation */
		for (size_t i = 0; i < d->n; i++)
			if ((double)(g->h[i] >> 11) * 0x1p-53 < frac)
				s->val[s->nval++] = i;
			else
				s->train[s->ntrain++] = i;
		return;
	}
	rng_seed(&r, seed ^ 0x5851f42d4c957f2dull);
	for (int c = 0; c < nclass; c++) {
		size_t k = 0, *idx = xcalloc(d->n + 1, sizeof *idx);
		for (size_t i = 0; i < d->n; i++)
			if (d->label[i] == c)
				idx[k++] = i;
		for (size_t i = k; i > 1; i--) {
			size_t j = rng_below(&r, i), t = idx[i - 1];
			idx[i - 1] = idx[j];
			idx[j] = t;
		}
		size_t nv = (size_t)llround(frac * (double)k);
		for (size_t i = 0; i < k; i++) {
			if (i < nv)
				s->val[s->nval++] = idx[i];
			else
				s->train[s->ntrain++] = idx[i];
		}
		free(idx);
	}
}

/* Undersampling: every class keeps as many (seeded) images as the rarest has. */
static void
balance(const nn_data *d, int nclass, uint64_t seed, size_t *idx, size_t *n)
{
	size_t *count = xcalloc((size_t)nclass, sizeof *count), *kept = xcalloc((size_t)nclass, sizeof *kept);
	size_t least = SIZE_MAX, m = 0;
	rng r;

	for (size_t i = 0; i < *n; i++)
		count[d->label[idx[i]]]++;
	for (int c = 0; c < nclass; c++)
		if (count[c] && count[c] < least)
			least = count[c];
	rng_seed(&r, seed ^ 0x2545f4914f6cdd1dull);
	for (size_t i = *n; i > 1; i--) {
		size_t j = rng_below(&r, i), t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
	for (size_t i = 0; i < *n; i++)
		if (kept[d->label[idx[i]]]++ < least)
			idx[m++] = idx[i];
	*n = m;
	free(count);
	free(kept);
}

static float
lr_at(const struct opts *o, int epoch)
{
	if (o->schedule == SCHED_STEP)
		return (float)(o->lr * pow(o->lr_gamma, epoch / o->lr_step));
	if (o->schedule == SCHED_COSINE)
		return (float)(o->lr * (1 + cos(M_PI * epoch / o->epochs)) / 2);
	return (float)o->lr;
}

struct progress { int epoch, epochs; double t0; size_t batch; };

/* The progress line (util.h) of an epoch: batches done, loss, accuracy, images/s, time left. */
static void
show_progress(void *ctx, size_t b, size_t nb, double loss, double acc)
{
	struct progress *p = ctx;
	double now = now_seconds();
	double done = (double)b * p->batch, rate = done / (now - p->t0 + 1e-9);
	double eta = (double)(nb - b) * p->batch / (rate > 0 ? rate : 1);

	progress_line(b == nb && progress_mode() != PROGRESS_LINES,
	              "epoch %d/%d batch %zu/%zu loss %.4f acc %.4f %.0f img/s ETA %d:%02d", p->epoch, p->epochs, b, nb, loss, acc, rate, (int)eta / 60, (int)eta % 60);
}

struct state {
	int epoch;              /* epochs done */
	double best_loss;
	int best_epoch, bad_epochs;
	char *log;              /* the learning-curve TSV so far */
	size_t loglen;
	float **best;           /* the best weights, with --early-stop */
	int log_failed, checkpoint_failed, status;
};

static void
log_line(struct state *st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	st->log = xrealloc(st->log, st->loglen + (size_t)n + 1);
	memcpy(st->log + st->loglen, buf, (size_t)n + 1);
	st->loglen += (size_t)n;
}

/* Overlap of predicted and true masks; 1 when both are empty. */
static double
iou(const nn_pixels *p)
{
	double d = p->tp + p->fp + p->fn;
	return d > 0 ? p->tp / d : 1;
}

static double
dice(const nn_pixels *p)
{
	double d = 2 * p->tp + p->fp + p->fn;
	return d > 0 ? 2 * p->tp / d : 1;
}

/* -1 with errno when the file could not be written (it is then left as it was). */
static int
write_text(const char *path, const char *text)
{
	outfile of;
	if (outfile_open(&of, path) != 0)
		return -1;
	fputs(text, of.f);
	return outfile_commit(&of);
}

/* -1 with errno when the file could not be written (it is then left as it was). */
static int
write_record(const char *path, ts_record *rec)
{
	outfile of;
	ts_writer *w;
	int e;

	if (outfile_open(&of, path) != 0)
		return -1;
	w = ts_writer_open(of.f, path, TS_LEVEL_AUTO);
	if (w == NULL)
		die("out of memory");
	if (ts_write(w, rec) != 0 || ts_writer_close(w) != 0) {
		e = ts_writer_errno(w) ? ts_writer_errno(w) : EIO;
		ts_writer_free(w);
		outfile_abort(&of);
		errno = e;
		return -1;
	}
	ts_writer_free(w);
	return outfile_commit(&of);
}

/* A learning-curve log or checkpoint that cannot be written does not stop the training: it is
 * told once, and the exit status becomes 1.  A closed pipe is not an error: it is not told. */
static void
side_output_failed(const char *path, int *told, int *status)
{
	if (*told)
		return;
	*told = 1;
	if (is_epipe(errno))
		return;
	warnx("%s: %s; training goes on", path, strerror(errno));
	*status = 1;
}

/* Training is not thrown away when the model cannot be saved where asked: it goes beside the
 * target as TARGET.rescued-PID, or else into $TMPDIR (/tmp), and the program says where. */
static void
save_model(const char *path, ts_record *rec)
{
	const char *dir = getenv("TMPDIR"), *base = strrchr(path, '/');
	char *rescue[2] = { NULL, NULL };
	int e;

	if (write_record(path, rec) == 0)
		return;
	if ((e = errno) == EPIPE)
		exit(0);        /* -o - | head: a closed pipe is not an error */
	base = base ? base + 1 : path;
	if (strcmp(path, "-") == 0)
		base = "model";
	else if (asprintf(&rescue[0], "%s.rescued-%ld", path, (long)getpid()) < 0)
		die("out of memory");
	if (asprintf(&rescue[1], "%s/%s.rescued-%ld", dir && *dir ? dir : "/tmp", base, (long)getpid()) < 0)
		die("out of memory");
	for (int i = 0; i < 2; i++)
		if (rescue[i] && write_record(rescue[i], rec) == 0) {
			warnx("%s: %s; the trained model is saved as %s", path, strerror(e), rescue[i]);
			exit(1);
		}
	die("%s: %s; the trained model could not be saved as %s either: %s", path, strerror(e),
	    rescue[1], strerror(errno));
}

static void
put_provenance(ts_record *rec, const struct opts *o, const struct state *st, size_t ntrain,
               double val_loss, double val_acc, int argc, char **argv)
{
	char when[32];
	time_t now = time(NULL);
	static const char *const sched[] = { "none", "step", "cosine" };

	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	ts_set(rec, "created", when);
	ts_set(rec, "trainer", "cnntrain");
	if (o->arch)
		ts_set(rec, "arch_file", o->arch);
	char inputs[1024] = "";
	size_t len = 0;
	for (int i = 0; i < argc && len < sizeof inputs - 1; i++)
		len += (size_t)snprintf(inputs + len, sizeof inputs - len, "%s%s", i ? " " : "", argv[i]);
	ts_set(rec, "train_inputs", argc ? inputs : "-");
	ts_setf(rec, "train_records", "%zu", ntrain);
	ts_setf(rec, "epochs", "%d", st->epoch);
	ts_setf(rec, "batch", "%d", o->batch);
	ts_set(rec, "optimizer", o->optimizer == NN_ADAM ? "adam" : "sgd");
	ts_setf(rec, "lr", "%g", o->lr);
	ts_set(rec, "lr_schedule", sched[o->schedule]);
	if (o->optimizer == NN_SGD)
		ts_setf(rec, "momentum", "%g", o->momentum);
	ts_setf(rec, "l2", "%g", o->l2);
	ts_setf(rec, "seed", "%llu", (unsigned long long)o->seed);
	if (o->pos_weight != 1 || o->dice) {
		ts_setf(rec, "pos_weight", "%g", o->pos_weight);
		ts_setf(rec, "dice", "%d", o->dice);
	}
	if (o->init)
		ts_set(rec, "init", o->init);
	if (o->head)
		ts_setf(rec, "head", "%d", o->head);
	if (o->freeze) {
		ts_set(rec, "freeze", o->freeze);
		ts_setf(rec, "unfreeze_after", "%d", o->unfreeze_after);
		ts_setf(rec, "lr_backbone", "%g", o->lr_backbone);
	}
	if (!isnan(val_loss)) {
		ts_setf(rec, "val_loss", "%.6f", val_loss);
		ts_setf(rec, "val_accuracy", "%.6f", val_acc);
	}
}

/* A bad combination of fine-tuning options or models: one line, exit 2 (a usage error). */
static void __attribute__((format(printf, 1, 2), noreturn))
refuse(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* The head --head replaces: the last dense layer, after which only layers without weights
 * (activations, dropout, softmax, sigmoid) may come. */
static const nn_layer *
dense_head(const nn_net *net, const char *opt, const char *what)
{
	for (int i = net->nlayer - 1; i >= 0; i--) {
		const nn_layer *l = &net->layer[i];
		if (strcmp(l->ops->type, "dense") == 0)
			return l;
		if (l->nparam || l->nstate || l->ops->multi)
			refuse("%s: %s has no dense head: its last layer with weights is %s, a %s", opt, what,
			       l->name, l->ops->type);
	}
	refuse("%s: %s has no dense layer", opt, what);
}

/* The architecture text with line `lineno` (a dense layer) given `units` units. */
static char *
with_units(const char *arch, int lineno, int units)
{
	size_t cap = strlen(arch) + 64, len = 0;
	char *out = xmalloc(cap), *text = xstrdup(arch), *line, *next;
	int n = 0;

	out[0] = 0;
	for (line = text; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		if (++n != lineno) {
			len += (size_t)snprintf(out + len, cap - len, "%s\n", line);
			continue;
		}
		/* dense [units] [key=value]...: the first positional argument or units= goes */
		char *save = NULL, *tok = strtok_r(line, " \t", &save);
		int pos = 0;
		len += (size_t)snprintf(out + len, cap - len, "%s units=%d", tok, units);
		while ((tok = strtok_r(NULL, " \t", &save)) && *tok != '#') {
			if (strncmp(tok, "units=", 6) == 0 || (!strchr(tok, '=') && pos++ == 0))
				continue;
			len += (size_t)snprintf(out + len, cap - len, " %s", tok);
		}
		len += (size_t)snprintf(out + len, cap - len, "\n");
	}
	free(text);
	return out;
}

static void
dims_text(char *buf, size_t len, int ndim, const int *d32, const uint64_t *d64)
{
	size_t k = 0;

	buf[0] = 0;
	for (int i = 0; i < ndim && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%llu", i ? "x" : "",
		                      d32 ? (unsigned long long)d32[i] : (unsigned long long)d64[i]);
}

/* Copies the weights and saved state of the init model into the layers of the same name, but
 * for the layer `skip` (the fresh head).  Shapes must agree.  Returns how many tensors came. */
static int
copy_by_name(nn_net *net, const ts_record *rec, const struct opts *o, const char *skip)
{
	char name[160], a[64], b[64];
	int copied = 0;

	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		if (skip && strcmp(l->name, skip) == 0)
			continue;
		for (int j = 0; j <= l->nparam; j++) {
			nn_param *p = j < l->nparam ? &l->param[j] : NULL;
			int n1 = (int)l->nstate;
			if (!p && !l->nstate)
				continue;
			if (p)
				snprintf(name, sizeof name, "%s", p->name);
			else
				snprintf(name, sizeof name, "%s.state", l->name);
			const ts_tensor *t = ts_tensor_get(rec, name);
			if (!t) {
				if (!o->arch)
					refuse("--init %s: no tensor %s", o->init, name);
				continue;       /* a layer of ARCH that MODEL lacks starts fresh */
			}
			int ok = t->dtype == TS_F32 && t->ndim == (p ? p->ndim : 1);
			for (int d = 0; ok && d < t->ndim; d++)
				ok = t->dims[d] == (uint64_t)(p ? p->dims[d] : n1);
			if (!ok) {
				dims_text(a, sizeof a, (int)t->ndim, NULL, t->dims);
				dims_text(b, sizeof b, p ? p->ndim : 1, p ? p->dims : &n1, NULL);
				refuse("--init: layer %s: %s is %s in %s, %s in %s", l->name, name, a, o->init, b,
				       o->arch ? o->arch : "the new head");
			}
			memcpy(p ? p->w : l->state, t->data, t->nbytes);
			copied++;
		}
	}
	return copied;
}

/*
 * --init: the network from another model (its architecture, or -m ARCH matched by layer name),
 * with that model's weights; --head N gives it a fresh last dense layer of N units.  im gets the
 * model's classes and normalisation.  *archp: the architecture text the network was built from.
 */
static nn_net *
init_net(const struct opts *o, char **archp, nn_model_info *im)
{
	ts_record rec;
	char err[1024];
	size_t len;
	nn_net *net, *m;
	const char *head = NULL;
	char headname[NN_NAME_MAX] = "";

	ts_record_init(&rec);
	if (nn_model_read(o->init, &rec, err, sizeof err) != 0)
		die("%s", err);
	if (!(m = nn_model_get(&rec, o->init, 1, 1, im, err, sizeof err)))
		die("%s", err);
	int nhead = o->head;
	if (!nhead && o->classes) {
		/* --classes alone: a fresh head when their number is not the model's */
		int k = 0, in = 0;
		for (const char *c = o->classes; *c; c++)      /* as set_classes splits them */
			if (*c == ',')
				in = 0;
			else if (!in)
				in = 1, k++;
		nhead = k != im->nclass ? k : 0;
	}
	if (o->arch) {
		if (!(*archp = (char *)read_file(o->arch, &len, 1 << 20)))
			die("%s: %s", o->arch, strerror(errno));
	} else {
		*archp = xstrdup(m->arch);
	}
	if (!(net = nn_build(*archp, o->arch ? o->arch : o->init, 1, 1, err, sizeof err)))
		die("%s", err);
	if (nhead) {
		const nn_layer *h = dense_head(net, o->head ? "--head" : "--classes", o->arch ? o->arch : o->init);
		char *text = with_units(*archp, h->line, nhead);
		snprintf(headname, sizeof headname, "%s", h->name);
		head = headname;
		free(*archp);
		*archp = text;
	}
	nn_free(net);
	nn_free(m);
	if (!(net = nn_build(*archp, o->arch ? o->arch : o->init, o->batch, o->threads, err, sizeof err)))
		die("%s", err);
	nn_init_params(net, o->seed);
	if (copy_by_name(net, &rec, o, head) == 0)
		refuse("--init: no layer of %s has a name that %s has", o->arch ? o->arch : "the architecture", o->init);
	ts_record_free(&rec);
	return net;
}

/* --freeze LAYER: that layer and every one before it; "backbone" (unless a layer has that
 * name): every layer before the dense head, whatever the layers of an imported network are named. */
static void
apply_freeze(const struct opts *o, nn_net *net)
{
	int n = -1;

	for (int i = 0; i < net->nlayer; i++)
		if (strcmp(net->layer[i].name, o->freeze) == 0)
			n = i + 1;
	if (n < 0 && strcmp(o->freeze, "backbone") == 0) {
		n = dense_head(net, "--freeze backbone", "the network")->index;
		if (n == 0)
			refuse("--freeze backbone: the dense head is the first layer; there is no backbone");
	}
	if (n < 0)
		refuse("--freeze: no layer named '%s' (cnntrain --summary lists them)", o->freeze);
	if (n == net->nlayer)
		refuse("--freeze %s: the last layer; nothing would be trained", o->freeze);
	nn_freeze(net, n);
}

/* --unfreeze-after: every layer trainable, the formerly frozen ones at --lr-backbone; a fresh
 * optimiser, as Keras' recompiled model has. */
static void
thaw(const struct opts *o, nn_trainer *t)
{
	nn_unfreeze(t->net, (float)(o->lr_backbone / o->lr));
	nn_optim_free(&t->opt);
	nn_optim_init(&t->opt, t->net, o->optimizer, (float)o->momentum, (float)o->l2);
}

/* Whether the freeze has ended by the start of epoch `epoch` (from 0). */
static int
thawed_at(const struct opts *o, int epoch)
{
	return o->freeze && o->unfreeze_after && epoch >= o->unfreeze_after;
}

static int
save_checkpoint(const struct opts *o, ts_record *rec, const nn_trainer *t, const nn_model_info *mi,
                const struct state *st)
{
	char name[200];

	ts_record_clear(rec);
	if (nn_model_put(rec, t->net, mi) != 0)
		die("out of memory");
	ts_setf(rec, "checkpoint_epoch", "%d", st->epoch);
	ts_setf(rec, "opt_t", "%lld", t->opt.t);
	ts_setf(rec, "best_loss", "%.17g", st->best_loss);
	ts_setf(rec, "best_epoch", "%d", st->best_epoch);
	ts_setf(rec, "bad_epochs", "%d", st->bad_epochs);
	ts_setf(rec, "ranks", "%d", nn_dist_size());
	ts_set(rec, "log", st->log ? st->log : "");
	if (o->freeze)
		ts_set(rec, "freeze", o->freeze);
	for (int i = 0; i < t->net->nparams; i++) {
		const nn_param *p = t->net->params[i];
		uint64_t n = p->n;
		if (t->opt.m[i]) {      /* a frozen parameter has no optimiser state */
			snprintf(name, sizeof name, "opt.m.%s", p->name);
			ts_tensor_put(rec, name, TS_F32, 1, &n, t->opt.m[i], n * sizeof(float));
		}
		if (t->opt.v[i]) {
			snprintf(name, sizeof name, "opt.v.%s", p->name);
			ts_tensor_put(rec, name, TS_F32, 1, &n, t->opt.v[i], n * sizeof(float));
		}
		if (st->best) {
			snprintf(name, sizeof name, "best.%s", p->name);
			ts_tensor_put(rec, name, TS_F32, 1, &n, st->best[i], n * sizeof(float));
		}
	}
	return write_record(o->checkpoint, rec);
}

static void
load_checkpoint(const struct opts *o, nn_trainer *t, struct state *st)
{
	ts_record rec;
	char err[1024], name[200];
	const char *s;

	ts_record_init(&rec);
	if (nn_model_read(o->resume, &rec, err, sizeof err) != 0)
		die("%s", err);
	if (!(s = ts_get(&rec, "checkpoint_epoch")))
		die("%s: not a checkpoint (no checkpoint_epoch): resume from a --checkpoint file", o->resume);
	const char *arch = ts_get(&rec, "arch");
	if (!arch || strcmp(arch, t->net->arch) != 0)
		die("%s: the checkpoint's architecture differs from %s", o->resume, o->arch ? o->arch : o->init);
	if (nn_model_load_params(t->net, &rec, "", err, sizeof err) != 0)
		die("%s: %s", o->resume, err);
	st->epoch = atoi(s);
	const char *fz = ts_get(&rec, "freeze");
	if (strcmp(fz ? fz : "", o->freeze ? o->freeze : "") != 0)
		refuse("%s: the checkpoint was trained %s%s; resume with the same --freeze", o->resume,
		       fz ? "with --freeze " : "without --freeze", fz ? fz : "");
	if (t->net->nfrozen && st->epoch > 0 && thawed_at(o, st->epoch - 1))
		thaw(o, t);     /* saved after the thaw: every parameter has its state */
	t->opt.t = atoll(ts_get(&rec, "opt_t") ? ts_get(&rec, "opt_t") : "0");
	st->best_loss = strtod(ts_get(&rec, "best_loss") ? ts_get(&rec, "best_loss") : "inf", NULL);
	st->best_epoch = atoi(ts_get(&rec, "best_epoch") ? ts_get(&rec, "best_epoch") : "0");
	st->bad_epochs = atoi(ts_get(&rec, "bad_epochs") ? ts_get(&rec, "bad_epochs") : "0");
	/* the batches are the same whatever the number of ranks; only per-rank batch norm
	 * statistics (without --sync-bn) and the sums' order differ */
	int ranks = atoi(ts_get(&rec, "ranks") ? ts_get(&rec, "ranks") : "1");
	if (ranks != nn_dist_size() && nn_dist_rank() == 0)
		warnx("%s: the checkpoint was trained with %d rank%s, this run has %d: the batches are the same, "
		      "the sums are taken in another order", o->resume, ranks, ranks == 1 ? "" : "s", nn_dist_size());
	s = ts_get(&rec, "log");
	free(st->log);
	st->log = xstrdup(s ? s : "");
	st->loglen = strlen(st->log);
	for (int i = 0; i < t->net->nparams; i++) {
		nn_param *p = t->net->params[i];
		const char *kinds[3] = { "opt.m.", "opt.v.", "best." };
		float *dst[3] = { t->opt.m[i], t->opt.v[i], st->best ? st->best[i] : NULL };   /* m, v NULL: frozen */
		for (int k = 0; k < 3; k++) {
			if (!dst[k])
				continue;
			snprintf(name, sizeof name, "%s%s", kinds[k], p->name);
			const ts_tensor *tt = ts_tensor_get(&rec, name);
			if (!tt || tt->dtype != TS_F32 || tt->nbytes != p->n * sizeof(float))
				die("%s: the checkpoint lacks %s (trained with another optimiser or without "
				    "--early-stop?)", o->resume, name);
			memcpy(dst[k], tt->data, tt->nbytes);
		}
	}
	ts_record_free(&rec);
}

static void
copy_weights(nn_net *net, float **dst, int to_net)
{
	for (int i = 0; i < net->nparams; i++) {
		nn_param *p = net->params[i];
		if (to_net)
			memcpy(p->w, dst[i], p->n * sizeof(float));
		else
			memcpy(dst[i], p->w, p->n * sizeof(float));
	}
}

/* The features layer's mean and standard deviation, from the training split. */
static void
standardize_features(nn_net *net, const nn_data *d, const size_t *idx, size_t n)
{
	int k = net->nfeat;
	double *sum = xcalloc((size_t)k * 2, sizeof *sum);
	float v;

	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < k; j++) {
			memcpy(&v, nn_data_image(d, idx[i]) + d->feat_off + (size_t)j * sizeof v, sizeof v);
			sum[j] += v;
		}
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < k; j++) {
			memcpy(&v, nn_data_image(d, idx[i]) + d->feat_off + (size_t)j * sizeof v, sizeof v);
			sum[k + j] += (v - sum[j] / (double)n) * (v - sum[j] / (double)n);
		}
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		if (!l->ops->source)
			continue;
		for (int j = 0; j < k; j++) {
			l->state[j] = (float)(sum[j] / (double)n);
			l->state[k + j] = (float)sqrt(sum[k + j] / (double)n);
		}
	}
	free(sum);
}

/* Operands naming one shard per rank ("data-%r.tsr"): each rank reads its own, %r its rank.
 * Returns the operands to read (argv itself when none names shards); *sharded says so. */
static char **
rank_operands(int argc, char **argv, int *sharded)
{
	char **out = xcalloc((size_t)argc + 1, sizeof *out);

	*sharded = 0;
	for (int i = 0; i < argc; i++) {
		const char *p = strstr(argv[i], "%r");
		if (!p) {
			out[i] = xstrdup(argv[i]);
			continue;
		}
		*sharded = 1;
		if (asprintf(&out[i], "%.*s%d%s", (int)(p - argv[i]), argv[i], nn_dist_rank(), p + 2) < 0)
			die("out of memory");
	}
	return out;
}

static void
free_operands(int argc, char **v)
{
	for (int i = 0; i < argc; i++)
		free(v[i]);
	free(v);
}

/* Before any data is read: an output that cannot be created stops the program at once. */
static void
check_output(const char *path)
{
	if (path && outfile_check(path) != 0)
		die("%s: %s", path, strerror(errno));
}

static int
run(const struct opts *o, int argc, char **argv)
{
	char err[1024];
	char *arch;
	size_t len;
	nn_net *net;
	nn_model_info mi = { 0 }, im = { 0 };
	nn_data train, valset;
	strmap names, vnames;
	struct split sp = { 0 };
	struct groups groups = { 0 };
	struct prep_seen prep = { 0 };
	struct state st = { .best_loss = INFINITY };
	nn_trainer t = { 0 };
	const nn_data *vdata = NULL;
	float *cw = NULL;
	ts_record rec;

	if (o->init) {
		net = init_net(o, &arch, &im);
	} else {
		if (!(arch = (char *)read_file(o->arch, &len, 1 << 20)))
			die("%s: %s", o->arch, strerror(errno));
		net = nn_build(arch, o->arch, o->batch, o->threads, err, sizeof err);
		if (!net)
			die("%s", err);
		if (o->head)
			dense_head(net, "--head", o->arch);       /* refuses a network without one */
	}
	if (o->freeze)
		apply_freeze(o, net);
	nn_device dev;
	open_device(o, &dev);
	if (o->summary) {
		nn_summary(net, stdout);
		describe_device(&dev, stdout);
		nn_device_close(&dev);
		nn_free(net);
		nn_model_info_free(&im);
		free(arch);
		return 0;
	}
	int lead = nn_dist_rank() == 0;        /* under mpirun, only rank 0 writes */
	if (lead) {
		check_output(o->out);
		check_output(o->log);
		check_output(o->checkpoint);
	}
	if (!o->init)
		nn_init_params(net, o->seed);
	nn_shape mask = { 0, 0, 0 };
	if (nn_loss_setup(&t.loss, net, 2, err, sizeof err) == 0 && t.loss.kind == NN_LOSS_PIXEL) {
		mask = nn_output_shape(net);
		if (o->balance || o->class_weights || o->classes)
			usage("--balance, --class-weights and --classes are for classifiers; this network segments");
	} else if (o->pos_weight != 1 || o->dice) {
		usage("--pos-weight and --dice are for segmentation networks (a 1xHxW sigmoid output)");
	}
	size_t mask_bytes = (size_t)mask.h * mask.w;
	size_t feat_bytes = (size_t)net->nfeat * sizeof(float);
	if (mask_bytes && feat_bytes)
		die("%s: features are for classifiers; this network segments", o->arch ? o->arch : o->init);
	nn_data_init(&train, nn_shape_size(net->input) + mask_bytes + feat_bytes, o->memory);
	train.feat_off = feat_bytes ? nn_shape_size(net->input) : 0;
	strmap_init(&names);
	int sharded;
	char **mine = rank_operands(argc, argv, &sharded);
	sharded = sharded && nn_dist_size() > 1;
	if (sharded && !o->classes && !mask_bytes)
		usage("operands with %r (a shard per rank) need --classes: the shards may not hold every class");
	read_set(o, net, mask, argc, mine, &train, &names, o->val_by ? &groups : NULL, &prep);
	if (train.n == 0)
		die("%s: no images to train on", argc ? mine[0] : "stdin");
	free_operands(argc, mine);
	if (mask_bytes) {
		mi.classes = xcalloc(2, sizeof *mi.classes);
		mi.classes[mi.nclass++] = xstrdup("background");
		mi.classes[mi.nclass++] = xstrdup("mask");
	} else if (o->init && !o->head && !o->classes) {
		/* continuing the model's own classes, in its order */
		for (int c = 0; c < im.nclass; c++) {
			mi.classes = xreallocarray(mi.classes, (size_t)mi.nclass + 1, sizeof *mi.classes);
			mi.classes[mi.nclass++] = xstrdup(im.classes[c]);
		}
		map_labels(&train, &names, &mi, argc ? argv[0] : "stdin");
	} else {
		set_classes(o, &names, &mi);
		if (o->head && mi.nclass != o->head)
			refuse("--head %d: the data has %d classes", o->head, mi.nclass);
		map_labels(&train, &names, &mi, argc ? argv[0] : "stdin");
	}
	if (nn_loss_setup(&t.loss, net, mi.nclass, err, sizeof err) != 0)
		die("%s: %s", o->arch ? o->arch : o->init, err);
	t.loss.pos_weight = (float)o->pos_weight;
	t.loss.dice = o->dice;

	if (o->val_stream) {
		char *vargv[] = { (char *)o->val_stream };
		nn_data_init(&valset, train.sample, o->memory);
		valset.feat_off = train.feat_off;
		strmap_init(&vnames);
		read_set(o, net, mask, 1, vargv, &valset, &vnames, NULL, NULL);
		if (!mask_bytes)
			map_labels(&valset, &vnames, &mi, o->val_stream);
		strmap_free(&vnames);
		vdata = &valset;
		sp.train = xcalloc(train.n, sizeof *sp.train);
		for (size_t i = 0; i < train.n; i++)
			sp.train[i] = i;
		sp.ntrain = train.n;
		sp.val = xcalloc(valset.n + 1, sizeof *sp.val);
		for (size_t i = 0; i < valset.n; i++)
			sp.val[i] = i;
		sp.nval = valset.n;
	} else {
		split_set(&train, mi.nclass, o->val, o->seed, o->val_by ? &groups : NULL, &sp);
		free(groups.h);
		vdata = &train;
	}
	if (o->balance)
		balance(&train, mi.nclass, o->seed, sp.train, &sp.ntrain);
	if (sp.ntrain == 0)
		die("no training images left after the validation split");
	if (o->early_stop && sp.nval == 0)
		die("--early-stop needs validation images (--val F or --val-stream FILE)");

	/* normalisation: the method from the option, else the init model's, else the architecture's,
	 * else scale */
	mi.norm.c = net->input.c;
	if (o->init && !o->normalize)
		mi.norm = im.norm;
	else
		mi.norm.method = o->normalize ? o->normalize : net->normalize[0] ? nn_norm_parse(net->normalize) : NN_NORM_SCALE;
	if (mi.norm.method < 0)
		die("%s: unknown normalize=%s", o->arch ? o->arch : o->init, net->normalize);
	int inherited = o->init && !o->normalize;	/* mean and std (or statistics) come with it */
	if (mi.norm.method == NN_NORM_MEAN_STD && !inherited) {
		if (!o->mean || !o->std || nn_norm_parse_list(o->mean, mi.norm.mean, mi.norm.c) != 0 ||
		    nn_norm_parse_list(o->std, mi.norm.std, mi.norm.c) != 0)
			usage("--normalize mean-std wants --mean and --std, 1 or C numbers each");
		for (int c = 0; c < mi.norm.c; c++)
			if (!(mi.norm.std[c] > 0))
				usage("--std wants positive numbers");
	} else if (mi.norm.method == NN_NORM_STANDARDIZE && !inherited) {
		double sum[4] = { 0 }, sum2[4] = { 0 };
		size_t npix = (size_t)net->input.h * net->input.w;
		for (size_t i = 0; i < sp.ntrain; i++)
			nn_norm_accumulate(nn_data_image(&train, sp.train[i]), npix, mi.norm.c, sum, sum2);
		double count = (double)npix * sp.ntrain;
		if (sharded) {          /* the statistics of every shard's training images */
			nn_dist_sum(sum, 4);
			nn_dist_sum(sum2, 4);
			nn_dist_sum(&count, 1);
		}
		nn_norm_finish(&mi.norm, sum, sum2, count);
	}

	if (net->nfeat)
		standardize_features(net, &train, sp.train, sp.ntrain);

	if (o->class_weights) {
		size_t *count = xcalloc((size_t)mi.nclass, sizeof *count);
		cw = xcalloc((size_t)mi.nclass, sizeof *cw);
		for (size_t i = 0; i < sp.ntrain; i++)
			count[train.label[sp.train[i]]]++;
		for (int c = 0; c < mi.nclass; c++)
			cw[c] = count[c] ? (float)((double)sp.ntrain / ((double)mi.nclass * count[c])) : 0;
		t.loss.weight = cw;
		free(count);
	}

	nn_trainer_init(&t, net, &train, &mi.norm, sp.ntrain > sp.nval ? sp.ntrain : sp.nval);
	t.seed = o->seed;
	t.mask_off = nn_shape_size(net->input);
	nn_optim_init(&t.opt, net, o->optimizer, (float)o->momentum, (float)o->l2);
	if (o->early_stop) {
		st.best = xcalloc((size_t)net->nparams, sizeof *st.best);
		for (int i = 0; i < net->nparams; i++)
			st.best[i] = xcalloc(net->params[i]->n, sizeof(float));
	}
	log_line(&st, "epoch\ttrain_loss\ttrain_acc\tval_loss\tval_acc\tlr\tseconds%s\n",
	         mask_bytes ? "\ttrain_iou\ttrain_dice\tval_iou\tval_dice" : "");
	if (o->resume)
		load_checkpoint(o, &t, &st);
	if (nn_dist_size() > 1) {
		nn_dist_bcast_net(net);         /* every rank starts from rank 0's weights */
		t.dist = nn_dist_grad_new(net, o->bucket);
		t.sync_bn = o->sync_bn;
		t.sharded = sharded;
		t.sharded_eval = sharded && !o->val_stream;
		if (sharded) {
			double least = -(double)sp.ntrain;
			nn_dist_max(&least, 1);
			if (-least < (double)o->batch / nn_dist_size())
				die("a shard holds %.0f training images, fewer than its share of one batch of %d",
				    -least, o->batch);
		}
	}

	if (nn_trainer_device(&t, &dev, err, sizeof err) != 0)
		die("--device %s: %s", nn_device_spec(o->device, o->device_index), err);

	struct progress pg = { .epochs = o->epochs, .batch = (size_t)o->batch };
	int quiet = progress_mode() == PROGRESS_OFF || !lead;
	t.progress = show_progress;
	t.ctx = &pg;
	ts_record_init(&rec);
	double vloss = NAN, vacc = NAN;
	int stopped = 0;
	while (st.epoch < o->epochs && !stopped) {
		double tl, ta, t0 = now_seconds();
		float lr = lr_at(o, st.epoch);
		if (net->nfrozen && thawed_at(o, st.epoch)) {
			thaw(o, &t);
			if (!quiet)
				fprintf(stderr, "epoch %d: every layer trainable from now on, the formerly frozen ones "
				        "at lr %.3g\n", st.epoch + 1, lr * o->lr_backbone / o->lr);
		}
		pg.epoch = st.epoch + 1;
		pg.t0 = t0;
		int rc = nn_train_epoch(&t, sp.train, sp.ntrain, st.epoch, lr, &tl, &ta);
		if (rc == -2)
			die("epoch %d, batch %zu: %s", st.epoch + 1, t.bad_batch, t.err);
		if (rc != 0) {
			die("epoch %d, batch %zu: the loss is not finite; stopping%s%s (try a lower --lr)",
			    st.epoch + 1, t.bad_batch, o->checkpoint && st.epoch ? ", the last good checkpoint is " : "",
			    o->checkpoint && st.epoch ? o->checkpoint : "");
		}
		nn_pixels tpx = t.pixels, vpx = { 0 };
		vloss = vacc = NAN;
		if (sp.nval) {
			t.data = vdata;
			nn_evaluate(&t, sp.val, sp.nval, &vloss, &vacc);
			if (t.cuda && isnan(vloss) && *t.err)
				die("epoch %d: validation: %s", st.epoch + 1, t.err);
			vpx = t.pixels;
			t.data = &train;
		}
		st.epoch++;
		double secs = now_seconds() - t0;
		progress_clear();
		if (!quiet && sp.nval)  /* -q: the learning curve goes to --log only */
			fprintf(stderr, "epoch %d/%d: loss %.4f acc %.4f val_loss %.4f val_acc %.4f lr %.3g %.1f s "
			        "%.0f img/s\n", st.epoch, o->epochs, tl, ta, vloss, vacc, lr, secs, sp.ntrain / secs);
		else if (!quiet)
			fprintf(stderr, "epoch %d/%d: loss %.4f acc %.4f lr %.3g %.1f s %.0f img/s\n", st.epoch,
			        o->epochs, tl, ta, lr, secs, sp.ntrain / secs);
		if (sp.nval)
			log_line(&st, "%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.6g\t%.3f", st.epoch, tl, ta, vloss, vacc, lr, secs);
		else
			log_line(&st, "%d\t%.6f\t%.6f\t\t\t%.6g\t%.3f", st.epoch, tl, ta, lr, secs);
		if (mask_bytes && sp.nval) {
			log_line(&st, "\t%.6f\t%.6f\t%.6f\t%.6f", iou(&tpx), dice(&tpx), iou(&vpx), dice(&vpx));
			if (!quiet)
				fprintf(stderr, "  pixels: train IoU %.4f Dice %.4f, val IoU %.4f Dice %.4f\n", iou(&tpx),
				        dice(&tpx), iou(&vpx), dice(&vpx));
		} else if (mask_bytes) {
			log_line(&st, "\t%.6f\t%.6f\t\t", iou(&tpx), dice(&tpx));
			if (!quiet)
				fprintf(stderr, "  pixels: train IoU %.4f Dice %.4f\n", iou(&tpx), dice(&tpx));
		}
		log_line(&st, "\n");
		if (o->early_stop) {
			if (vloss < st.best_loss) {
				st.best_loss = vloss;
				st.best_epoch = st.epoch;
				st.bad_epochs = 0;
				copy_weights(net, st.best, 0);
			} else if (++st.bad_epochs >= o->early_stop) {
				if (lead)
					fprintf(stderr, "early stop: val_loss has not improved for %d epochs; keeping epoch "
				        "%d (val_loss %.4f)\n", st.bad_epochs, st.best_epoch, st.best_loss);
				stopped = 1;
			}
		}
		if (lead && o->log && !st.log_failed && write_text(o->log, st.log) != 0)
			side_output_failed(o->log, &st.log_failed, &st.status);
		if (lead && o->checkpoint && save_checkpoint(o, &rec, &t, &mi, &st) != 0)
			side_output_failed(o->checkpoint, &st.checkpoint_failed, &st.status);
	}
	if (st.best && st.best_epoch > 0) {
		copy_weights(net, st.best, 1);
		t.data = vdata;
		nn_evaluate(&t, sp.val, sp.nval, &vloss, &vacc);
	}
	ts_record_clear(&rec);
	if (nn_model_put(&rec, net, &mi) != 0)
		die("out of memory");
	double ntrain = (double)sp.ntrain;
	if (sharded)
		nn_dist_sum(&ntrain, 1);
	put_provenance(&rec, o, &st, (size_t)ntrain, vloss, vacc, argc, argv);
	if (prep.value && !prep.mixed)
		ts_set(&rec, "resize", prep.value);     /* cnnpredict prepares image files so */
	else if (o->verbose && prep.value)
		fprintf(stderr, "%s: the training records were resized differently; the model records no "
		        "preparation\n", progname);
	free(prep.value);
	if (lead)
		save_model(o->out, &rec);
	if (o->verbose && t.dist) {
		double wait;
		long long steps;
		int nb;
		nn_dist_grad_stats(t.dist, &wait, &steps, &nb);
		fprintf(stderr, "%s: rank %d: allreduce of %zu gradients in %d bucket%s: %.3f ms/step waited after "
		        "backward over %lld steps\n", progname, nn_dist_rank(), net->nweights, nb, nb == 1 ? "" : "s",
		        steps ? 1e3 * wait / (double)steps : 0.0, steps);
	}
	if (o->verbose && lead) {       /* the summary line, with how it ran: MPI or not, ranks, device */
		size_t nin = train.n + (vdata != &train ? vdata->n : 0);
		char d[800];
		nn_device_summary(&dev, nn_trainer_device_peak(&t), d, sizeof d);
		summary_printf("%zu record%s in, 1 out, %zu skipped, %s, %s", nin, plural(nin), skip_count(),
		               nn_dist_describe(), d);
	}
	nn_dist_grad_free(t.dist);

	ts_record_free(&rec);
	if (st.best) {
		for (int i = 0; i < net->nparams; i++)
			free(st.best[i]);
		free(st.best);
	}
	free(st.log);
	free(cw);
	free(sp.train);
	free(sp.val);
	nn_optim_free(&t.opt);
	nn_trainer_free(&t);
	nn_device_close(&dev);
	if (vdata != &train)
		nn_data_free(&valset);
	nn_data_free(&train);
	strmap_free(&names);
	nn_model_info_free(&mi);
	nn_model_info_free(&im);
	nn_free(net);
	free(arch);
	return st.status > skip_status() ? st.status : skip_status();
}

static size_t
parse_bytes(const char *s, const char *opt)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	}
	if (end == s || *end || !(v >= 0) || v * mul > 1e18) {
		fprintf(stderr, "%s: %s wants a size such as 512M or 4G, not '%s'\n", progname, opt, s);
		exit(2);
	}
	return (size_t)(v * mul);
}

int
main(int argc, char **argv)
{
	enum { O_BALANCE = 256, O_BATCH, O_CHECKPOINT, O_CLASSES, O_CLASS_WEIGHTS, O_EARLY_STOP, O_EPOCHS,
	       O_HELP, O_VERSION, O_L2, O_WEIGHT_DECAY, O_LOG, O_LR, O_LR_GAMMA, O_LR_SCHEDULE, O_LR_STEP, O_MEAN, O_MEMORY, O_MOMENTUM,
	       O_NORMALIZE, O_OPTIMIZER, O_RESUME, O_SEED, O_STD, O_SUMMARY, O_THREADS, O_VAL, O_VAL_BY, O_VAL_STREAM,
	       O_POS_WEIGHT, O_DICE, O_MAX_ERRORS, O_PROGRESS, O_INIT, O_HEAD, O_FREEZE, O_UNFREEZE_AFTER,
	       O_LR_BACKBONE, O_BUCKET, O_SYNC_BN, O_DEVICE, O_PRECISION };
	static const struct option longopts[] = {
		{ "allreduce-bucket", required_argument, NULL, O_BUCKET },
		{ "arch", required_argument, NULL, 'm' },
		{ "balance", no_argument, NULL, O_BALANCE },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "checkpoint", required_argument, NULL, O_CHECKPOINT },
		{ "class-weights", required_argument, NULL, O_CLASS_WEIGHTS },
		{ "classes", required_argument, NULL, O_CLASSES },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "dice", no_argument, NULL, O_DICE },
		{ "early-stop", required_argument, NULL, O_EARLY_STOP },
		{ "epochs", required_argument, NULL, O_EPOCHS },
		{ "freeze", required_argument, NULL, O_FREEZE },
		{ "head", required_argument, NULL, O_HEAD },
		{ "help", no_argument, NULL, O_HELP },
		{ "init", required_argument, NULL, O_INIT },
		{ "l2", required_argument, NULL, O_L2 },
		{ "weight-decay", required_argument, NULL, O_WEIGHT_DECAY },
		{ "log", required_argument, NULL, O_LOG },
		{ "lr", required_argument, NULL, O_LR },
		{ "lr-backbone", required_argument, NULL, O_LR_BACKBONE },
		{ "lr-gamma", required_argument, NULL, O_LR_GAMMA },
		{ "lr-schedule", required_argument, NULL, O_LR_SCHEDULE },
		{ "lr-step", required_argument, NULL, O_LR_STEP },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "mean", required_argument, NULL, O_MEAN },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "momentum", required_argument, NULL, O_MOMENTUM },
		{ "normalize", required_argument, NULL, O_NORMALIZE },
		{ "optimizer", required_argument, NULL, O_OPTIMIZER },
		{ "output", required_argument, NULL, 'o' },
		{ "pos-weight", required_argument, NULL, O_POS_WEIGHT },
		{ "precision", required_argument, NULL, O_PRECISION },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "resume", required_argument, NULL, O_RESUME },
		{ "seed", required_argument, NULL, O_SEED },
		{ "std", required_argument, NULL, O_STD },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "sync-bn", no_argument, NULL, O_SYNC_BN },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "unfreeze-after", required_argument, NULL, O_UNFREEZE_AFTER },
		{ "val", required_argument, NULL, O_VAL },
		{ "val-by", required_argument, NULL, O_VAL_BY },
		{ "val-stream", required_argument, NULL, O_VAL_STREAM },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .epochs = 10, .batch = 32, .optimizer = NN_ADAM, .lr = -1, .lr_backbone = -1, .lr_gamma = 0.1, .pos_weight = 1,
	                  .lr_step = 0, .seed = 1, .threads = pmap_cpus(),
	                  .bucket = 1 << 20, .device = NN_DEV_AUTO, .precision = -1 };
	int c;

	prog_init(argv[0]);
	env_require();
	o.memory = nn_data_default_budget();
	while ((c = getopt_long(argc, argv, "hm:o:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.arch = optarg; break;
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_EPOCHS: o.epochs = (int)parse_int(optarg, 0, 1000000, "--epochs"); break;
		case O_BATCH: o.batch = (int)parse_int(optarg, 1, 65536, "--batch"); break;
		case O_OPTIMIZER:
			if (strcmp(optarg, "sgd") == 0)
				o.optimizer = NN_SGD;
			else if (strcmp(optarg, "adam") == 0)
				o.optimizer = NN_ADAM;
			else
				usage("--optimizer wants sgd or adam");
			break;
		case O_LR: o.lr = parse_double(optarg, 1e-12, 100, "--lr"); break;
		case O_MOMENTUM: o.momentum = parse_double(optarg, 0, 0.9999, "--momentum"); break;
		case O_L2: o.l2 = parse_double(optarg, 0, 1, "--l2"); break;
		/* PyTorch's weight_decay adds wd * w to the gradient; --l2 x adds 2x * w */
		case O_WEIGHT_DECAY: o.l2 = parse_double(optarg, 0, 2, "--weight-decay") / 2; break;
		case O_LR_SCHEDULE:
			if (strcmp(optarg, "none") == 0)
				o.schedule = SCHED_NONE;
			else if (strcmp(optarg, "step") == 0)
				o.schedule = SCHED_STEP;
			else if (strcmp(optarg, "cosine") == 0)
				o.schedule = SCHED_COSINE;
			else
				usage("--lr-schedule wants none, step or cosine");
			break;
		case O_LR_STEP: o.lr_step = (int)parse_int(optarg, 1, 1000000, "--lr-step"); break;
		case O_LR_GAMMA: o.lr_gamma = parse_double(optarg, 1e-6, 1, "--lr-gamma"); break;
		case O_VAL: o.val = parse_double(optarg, 0, 0.9, "--val"); break;
		case O_VAL_BY: o.val_by = optarg; break;
		case O_VAL_STREAM: o.val_stream = optarg; break;
		case O_EARLY_STOP: o.early_stop = (int)parse_int(optarg, 1, 1000000, "--early-stop"); break;
		case O_BALANCE: o.balance = 1; break;
		case O_POS_WEIGHT: o.pos_weight = parse_double(optarg, 1e-6, 1e6, "--pos-weight"); break;
		case O_DICE: o.dice = 1; break;
		case O_CLASS_WEIGHTS:
			if (strcmp(optarg, "auto") == 0)
				o.class_weights = 1;
			else if (strcmp(optarg, "none") == 0)
				o.class_weights = 0;
			else
				usage("--class-weights wants auto or none");
			break;
		case O_NORMALIZE:
			if ((o.normalize = nn_norm_parse(optarg)) < 0)
				usage("--normalize wants scale, standardize, per-image or mean-std");
			break;
		case O_MEAN: o.mean = optarg; break;
		case O_STD: o.std = optarg; break;
		case O_CLASSES: o.classes = optarg; break;
		case O_SEED: o.seed = (uint64_t)parse_int(optarg, 0, INT64_MAX, "--seed"); break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_THREADS: o.threads = (int)parse_int(optarg, 1, 256, "--threads"); break;
		case O_MEMORY: o.memory = parse_bytes(optarg, "--memory"); break;
		case O_BUCKET: o.bucket = parse_bytes(optarg, "--allreduce-bucket"); break;
		case O_CHECKPOINT: o.checkpoint = optarg; break;
		case O_RESUME: o.resume = optarg; break;
		case O_SUMMARY: o.summary = 1; break;
		case O_SYNC_BN: o.sync_bn = 1; break;
		case O_DEVICE:
			if (nn_device_parse(optarg, &o.device, &o.device_index) != 0)
				usage("--device wants cpu, cuda, cuda:N or auto");
			break;
		case O_PRECISION:
			if ((o.precision = nn_precision_parse(optarg)) < 0)
				usage("--precision wants fp32, tf32 or bf16");
			break;
		case O_LOG: o.log = optarg; break;
		case O_INIT: o.init = optarg; break;
		case O_HEAD: o.head = (int)parse_int(optarg, 1, NN_MAX_CLASSES, "--head"); break;
		case O_FREEZE: o.freeze = optarg; break;
		case O_UNFREEZE_AFTER: o.unfreeze_after = (int)parse_int(optarg, 1, 1000000, "--unfreeze-after"); break;
		case O_LR_BACKBONE: o.lr_backbone = parse_double(optarg, 1e-12, 100, "--lr-backbone"); break;
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
	if (!o.arch && !o.init)
		usage("-m ARCH or --init MODEL is required");
	if (o.head && !o.init)
		usage("--head goes with --init MODEL");
	if ((o.unfreeze_after || o.lr_backbone >= 0) && !o.freeze)
		usage("--unfreeze-after and --lr-backbone go with --freeze LAYER");
	if (o.lr_backbone >= 0 && !o.unfreeze_after)
		usage("--lr-backbone goes with --unfreeze-after N");
	if (!o.out && !o.summary)
		usage("-o MODEL is required");
	if (o.val_by && !o.val)
		usage("--val-by needs --val F");
	if (o.val && o.val_stream)
		usage("choose one of --val and --val-stream");
	if (o.early_stop && !o.val && !o.val_stream)
		usage("--early-stop needs validation images (--val F or --val-stream FILE)");
	if (o.lr < 0)
		o.lr = o.optimizer == NN_ADAM ? 1e-3 : 1e-2;
	if (o.lr_backbone < 0)
		o.lr_backbone = o.lr / 10;
	if (o.schedule == SCHED_STEP && !o.lr_step)
		o.lr_step = o.epochs / 3 > 0 ? o.epochs / 3 : 1;
	if ((o.mean || o.std) && o.normalize != NN_NORM_MEAN_STD)
		usage("--mean and --std go with --normalize mean-std");
	if (o.momentum && o.optimizer != NN_SGD)
		usage("--momentum goes with --optimizer sgd");
	summary_start();
	char err[256];
	if (nn_dist_init(&argc, &argv, err, sizeof err) != 0)
		die("%s", err);
	if (nn_dist_rank() > 0)
		progress_set_mode(PROGRESS_OFF);
	c = run(&o, argc, argv);
	finish_stdout();
	nn_dist_finalize();
	return c;
}
