/* imgdedup: drop exact and near-duplicate images; check a set against a reference. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tstream.h"
#include "pipeline/source.h"
#include "image/image.h"
#include "util/hash.h"
#include "dedup/hjoin.h"
#include "util/parallel.h"
#include "dedup/phash.h"
#include "pipeline/stage.h"
#include "util/strmap.h"
#include "pipeline/env.h"
#include "util/tsv.h"
#include "util/util.h"

#define USAGE \
"usage: imgdedup [-qv] [--progress] [-o OUT] [--hash phash|dhash] [--threshold N] [--pixels] [--flips]\n" \
"                [--keep first|largest|smallest-file|highest-resolution] [--against REF]...\n" \
"                [--check] [--report FILE] [--report-format short|long] [--skip-bad]\n" \
"                [--max-errors N] [--threads N] [--level N] [FILE | DIR | -]...\n" \
"       imgdedup --hashes [-o HASHES] [options] [FILE | DIR | -]...\n" \
"       imgdedup --groups [-o DECISIONS] [--report FILE] [options] HASHES...\n" \
"       imgdedup --apply DECISIONS [-o OUT] [FILE | DIR | -]...\n" \
"       imgdedup -h | --help | --version\n"

#define HELP \
"Options:\n" \
"      --against REF           drop records that duplicate one of REF (a leakage check); repeatable\n" \
"      --apply DECISIONS       pass the records that DECISIONS (from --groups) keeps\n" \
"      --check                 write no stream; exit 3 when a duplicate (or leak) was found\n" \
"      --flips                 match the eight rotations and mirror images too\n" \
"      --groups                group the hash tables named (from --hashes) and write the decisions\n" \
"      --hashes                write a table of id, sizes, digest and hashes instead of a stream\n" \
"      --hash phash|dhash      the perceptual hash (default phash)\n" \
"      --keep POLICY           first, largest, smallest-file or highest-resolution (default first)\n" \
"  -o, --output OUT            write to OUT, atomically (default: stdout)\n" \
"      --pixels                also match records whose decoded pixels are equal\n" \
"      --report FILE           write the groups as TSV (default: no report)\n" \
"      --report-format short|long\n" \
"                              add role, distance and reason columns with long (default short)\n" \
"      --skip-bad              accepted for old scripts; does nothing\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"      --threads N             hash and group on N threads (default: the number of CPUs)\n" \
"      --threshold N           the largest Hamming distance of near duplicates, 0 to 32 (default 8)\n" \
"      --level N               zstd compression level, -7 to 19 (default -1, or TS_LEVEL)\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

/* Distance at or below which two 64-bit hashes are near duplicates: on the
 * transformed photos of tests/dedup_corpus.sh, copies (re-encodes, resizes,
 * gray, brightness, contrast, blur, watermark, EXIF rotation) stay within 6
 * bits of their original; mirrors, 30% crops and other photos are 20 or more
 * bits away.  8 leaves a margin and keeps the join fast (1M hashes in ~3 s). */
#define DEFAULT_THRESHOLD 8
/* A JPEG is shrunk on load to no less than this; the hashes need 32x32. */
#define HASH_MIN_SIDE 64

enum keep { KEEP_FIRST, KEEP_LARGEST, KEEP_SMALLEST, KEEP_RESOLUTION };

struct opts {
	int kind, threshold, pixels, flips, keep, check, long_report, threads, level, verbose;
	const char *out, *report, *apply;
	int hashes, groups;
	char **against;
	int nagainst;
};

/* What grouping needs of a record. */
struct item {
	char *name;             /* for the report */
	long bkey, pkey;        /* strmap indices of the byte and pixel digests; -1: none */
	uint64_t bytes, pixels;
};

/* One record on its way through the workers. */
struct job {
	ts_record rec;
	const char *input;
	size_t recno;
	int failed;
	uint64_t h[8];
	char sha[65], psha[80];
	uint64_t bytes, pixels;
	char err[512];
};

struct run {
	const struct opts *o;
	pmap *map;
	const char *input;
	size_t recno;
	int ref;                /* reading the reference */
	int nh;                 /* hashes per item: 1, or 8 with --flips */
	struct item *item;
	uint64_t *hash;         /* nh per item */
	size_t nitem, capitem, nref;
	size_t ndone;           /* records done in this read_all, for the progress line */
	strmap keys;
	ts_writer *spool;
	FILE *spoolf;
	FILE *hashf;            /* --hashes: the table */
	char err[1024];
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

static const char *
hash_key(int kind)
{
	return kind == PHASH_DIFF ? "dhash" : "phash";
}

/* Hashes the record: digests of its bytes (and pixels), computed here, its perceptual hashes
 * (reused from its metadata when nothing needs the pixels), its sizes. */
static int
hash_record(struct job *j, const struct opts *o, int nh)
{
	ts_record *rec = &j->rec;
	ts_tensor *enc = ts_tensor_get(rec, "encoded"), *img = ts_tensor_get(rec, "image");
	const char *meta = ts_get(rec, hash_key(o->kind));
	image im = { 0 };
	int owned = 0, w = 0, h = 0;

	if (enc && enc->dtype != TS_BYTES)
		return errorf(j->err, sizeof j->err, "tensor 'encoded' is %s, not bytes", ts_dtype_name(enc->dtype));
	j->sha[0] = j->psha[0] = '\0';
	if (enc)        /* its own digest: sha256 metadata may describe other bytes */
		sha256_hex(enc->data, enc->nbytes, j->sha);
	j->bytes = enc ? enc->nbytes : img ? img->nbytes : 0;
	j->pixels = 0;
	if (enc && img_info(enc->data, enc->nbytes, &w, &h, NULL, j->err, sizeof j->err) == -1)
		return -1;
	if (img && tensor_check_pixels(img, j->err, sizeof j->err) == -1)
		return -1;
	if (meta && !o->pixels && nh == 1 && phash_parse(meta, &j->h[0]) == 0) {
		if (img && tensor_as_image(img, &im, j->err, sizeof j->err) == 0)
			j->pixels = (uint64_t)im.w * (uint64_t)im.h;
		else
			j->pixels = (uint64_t)w * (uint64_t)h;
		return 0;
	}
	if (enc) {
		int side = o->pixels ? 0 : HASH_MIN_SIDE;
		if (img_decode_scaled(enc->data, enc->nbytes, side, side, &im, NULL, j->err, sizeof j->err) == -1)
			return -1;
		owned = 1;
		j->pixels = (uint64_t)w * (uint64_t)h;
	} else if (img) {
		if (tensor_as_image(img, &im, j->err, sizeof j->err) == -1)
			return -1;
		j->pixels = (uint64_t)im.w * (uint64_t)im.h;
	} else {
		return errorf(j->err, sizeof j->err, "record has no 'encoded' or 'image' tensor and no %s",
		              hash_key(o->kind));
	}
	phash_image(&im, o->kind, j->h, nh);
	if (o->pixels) {
		int n = snprintf(j->psha, sizeof j->psha, "%dx%dx%d:", im.w, im.h, im.c);
		sha256_hex(im.px, (size_t)im.w * (size_t)im.h * (size_t)im.c, j->psha + n);
	}
	if (owned)
		img_free(&im);
	{
		char hex[17];
		phash_format(j->h[0], hex);
		if (ts_set(rec, hash_key(o->kind), hex) == -1)
			return errorf(j->err, sizeof j->err, "out of memory");
	}
	return 0;
}

static void
work(void *item, int worker, void *ctx)
{
	struct job *j = item;
	const struct run *r = ctx;

	(void)worker;
	j->failed = hash_record(j, r->o, r->nh) == -1;
}

static long
key_index(struct run *r, const char *prefix, const char *digest)
{
	char k[96];

	if (digest[0] == '\0')
		return -1;
	snprintf(k, sizeof k, "%s%s", prefix, digest);
	return (long)strmap_add(&r->keys, k);
}

/* Digests in a table of hashes: 128 bits of the SHA-256 are plenty to tell
 * 10^8 images apart (a collision has odds of about 10^-22). */
#define TABLE_DIGEST 32

static void
table_header(FILE *f, const struct opts *o)
{
	fprintf(f, "id\tbytes\tpixels\tsha256\t%s%s%s\n", hash_key(o->kind), o->flips ? "_flips" : "",
	        o->pixels ? "\tpixels_sha256" : "");
}

/* --hashes: one line for the record, in input order. */
static int
hash_line(struct run *r, const struct job *j, const char *id)
{
	char hex[17];

	if (id == NULL || id[0] == '\0' || strpbrk(id, "\t\n\r")) {
		skip_or_stop(j->input, j->recno, id, "%s", id ? "id holds a tab or a newline" :
		             "record has no id (--hashes names records by id)");
		return 0;
	}
	fprintf(r->hashf, "%s\t%ju\t%ju\t%.*s\t", id, (uintmax_t)j->bytes, (uintmax_t)j->pixels,
	        TABLE_DIGEST, j->sha[0] ? j->sha : "-");
	for (int o = 0; o < r->nh; o++) {
		phash_format(j->h[o], hex);
		fprintf(r->hashf, "%s%s", o ? "," : "", hex);
	}
	if (r->o->pixels) {
		const char *colon = strchr(j->psha, ':');
		if (colon)
			fprintf(r->hashf, "\t%.*s%.*s", (int)(colon + 1 - j->psha), j->psha, TABLE_DIGEST, colon + 1);
		else
			fputs("\t-", r->hashf);
	}
	putc('\n', r->hashf);
	r->nitem++;
	return 0;
}

static int
done(void *vitem, void *ctx)
{
	struct job *j = vitem;
	struct run *r = ctx;
	const char *id = ts_get(&j->rec, "id"), *src = ts_get(&j->rec, "source");
	struct item *it;

	progress_tick(++r->ndone);
	if (j->failed) {                /* skipped (the bad-record policy, util.h) */
		skip_or_stop(j->input, j->recno, id, "%s", j->err);
		return 0;
	}
	if (r->hashf)
		return hash_line(r, j, id ? id : src);
	if (r->nitem == r->capitem) {
		r->capitem = r->capitem ? r->capitem * 2 : 1024;
		r->item = xreallocarray(r->item, r->capitem, sizeof *r->item);
		r->hash = xreallocarray(r->hash, r->capitem, (size_t)r->nh * sizeof *r->hash);
	}
	it = &r->item[r->nitem];
	if (id || src) {               /* a tile, a copy, a scraped image: its id names it */
		it->name = xstrdup(id ? id : src);
	} else {
		it->name = xmalloc(strlen(j->input) + 24);
		sprintf(it->name, "%s:%zu", j->input, j->recno);
	}
	it->bkey = key_index(r, "b", j->sha);
	it->pkey = key_index(r, "p", j->psha);
	it->bytes = j->bytes;
	it->pixels = j->pixels;
	memcpy(r->hash + r->nitem * (size_t)r->nh, j->h, (size_t)r->nh * sizeof *j->h);
	r->nitem++;
	r->nref += r->ref;
	if (r->spool && !r->ref && ts_write(r->spool, &j->rec) == -1) {
		snprintf(r->err, sizeof r->err, "temporary file: %s", ts_writer_error(r->spool));
		return -1;
	}
	return 0;
}

static void
clear(void *item, void *ctx)
{
	(void)ctx;
	ts_record_free(&((struct job *)item)->rec);
}

static int
emit(ts_record *rec, void *ctx)
{
	struct run *r = ctx;
	struct job *j = pmap_slot(r->map);
	ts_record t = j->rec;

	j->rec = *rec;
	*rec = t;
	j->input = r->input;
	j->recno = r->recno;            /* set by the source */
	j->failed = 0;
	return pmap_submit(r->map) == 0 ? 0 : -1;
}

/* Reads and hashes every record of the arguments. */
static void
read_all(struct run *r, char **argv, int argc)
{
	static const struct pmap_ops ops = { work, done, clear };
	struct source_opts so = { .emit = emit, .warn = source_warn_stderr, .ctx = r, .recno = &r->recno };
	char err[1024];

	/* 16 records a thread in flight: records whose stored hash is reused cost so
	 * little that 4 would leave the threads waiting on each other (1M records:
	 * 16 s against 7.5 s) */
	if ((r->map = pmap_new(&ops, r, r->o->threads, (size_t)r->o->threads * 16, sizeof(struct job))) == NULL)
		die("cannot start %d threads", r->o->threads);
	r->ndone = 0;
	progress_start(progress_enabled() ? source_count(argc, argv, &so) : 0);
	for (int i = 0; i < argc; i++) {
		int rc;
		r->input = argv[i];
		r->recno = 0;
		rc = source_read(argv[i], &so, err, sizeof err);
		if (rc == -1) {
			pmap_free(r->map);
			die("%s", r->err[0] ? r->err : err);
		}
	}
	if (pmap_finish(r->map) != 0) {
		pmap_free(r->map);
		die("%s", r->err);
	}
	pmap_free(r->map);
	progress_done();
}

/* The groups: leader[i] is the item that item i duplicates (i itself when none). */
static void
group(struct run *r, uint32_t *leader, uint32_t *dist)
{
	size_t n = r->nitem, nk = r->keys.n, nnode = 0, nref_node = 0;
	long *first = xmalloc((nk ? nk : 1) * sizeof *first);
	uint32_t *canon = xmalloc((n ? n : 1) * sizeof *canon), *node_of = xmalloc((n ? n : 1) * sizeof *node_of);
	uint32_t *node_item = xmalloc((n ? n : 1) * sizeof *node_item), *nl, *nd, *enode;
	uint64_t *eh;
	int nh = r->nh;
	struct hpair *p;
	long np;
	strmap seen;

	/* exact: the first item with the same digest (of the reference only, against one) */
	for (size_t k = 0; k < nk; k++)
		first[k] = -1;
	for (size_t i = 0; i < n; i++) {
		long k = r->o->pixels && r->item[i].pkey != -1 ? r->item[i].pkey : r->item[i].bkey;
		canon[i] = (uint32_t)i;
		if (k == -1)
			continue;
		if (first[k] != -1)
			canon[i] = (uint32_t)first[k];
		else if (!r->nref || i < r->nref)
			first[k] = (long)i;
	}
	/* near: one node per distinct hash among the items that are no exact copies */
	strmap_init(&seen);
	for (size_t i = 0; i < n; i++) {
		char hex[17];
		size_t s;
		if (canon[i] != i)
			continue;
		phash_format(r->hash[i * (size_t)nh], hex);
		s = strmap_add(&seen, hex);
		if (s == nnode) {
			node_item[nnode++] = (uint32_t)i;
			nref_node += i < r->nref;
		}
		node_of[i] = (uint32_t)s;
	}
	strmap_free(&seen);
	eh = xmalloc((nnode ? nnode : 1) * (size_t)nh * sizeof *eh);
	enode = xmalloc((nnode ? nnode : 1) * (size_t)nh * sizeof *enode);
	for (size_t v = 0; v < nnode; v++)
		for (int o = 0; o < nh; o++) {
			/* a node's eight orientations face the others' first hash only */
			eh[v * (size_t)nh + (size_t)o] = r->hash[node_item[v] * (size_t)nh + (size_t)o];
			enode[v * (size_t)nh + (size_t)o] = (uint32_t)v;
		}
	if ((np = hjoin(eh, enode, nnode * (size_t)nh, r->o->threshold, r->o->threads, &p)) == -1)
		die("out of memory grouping %zu hashes", nnode);
	nl = xmalloc((nnode ? nnode : 1) * sizeof *nl);
	nd = xmalloc((nnode ? nnode : 1) * sizeof *nd);
	hjoin_group(p, (size_t)np, nnode, r->nref ? nref_node : 0, nl, nd);
	for (size_t i = 0; i < n; i++) {
		uint32_t c = canon[i];
		if (c != i) {           /* an exact copy: in its original's group */
			leader[i] = r->nref ? c : leader[c];
			dist[i] = r->nref ? 0 : dist[c];
		} else {
			leader[i] = node_item[nl[node_of[i]]];
			dist[i] = nd[node_of[i]];
		}
		if (r->nref && (i < r->nref || leader[i] >= r->nref)) {   /* against a reference, only it leads */
			leader[i] = (uint32_t)i;
			dist[i] = 0;
		}
	}
	free(p);
	free(nl);
	free(nd);
	free(eh);
	free(enode);
	free(first);
	free(canon);
	free(node_of);
	free(node_item);
}

/* The member of each group that is kept: kept[leader] = that member. */
static void
choose(const struct run *r, const uint32_t *leader, uint32_t *kept)
{
	for (size_t i = 0; i < r->nitem; i++)
		kept[i] = (uint32_t)i;
	if (r->nref)
		return;
	for (size_t i = 0; i < r->nitem; i++) {
		uint32_t g = leader[i], k = kept[g];
		const struct item *a = &r->item[i], *b = &r->item[k];
		int better = 0;
		switch (r->o->keep) {
		case KEEP_LARGEST: better = a->bytes > b->bytes; break;
		case KEEP_SMALLEST: better = a->bytes < b->bytes; break;
		case KEEP_RESOLUTION: better = a->pixels > b->pixels; break;
		}
		if (better)
			kept[g] = (uint32_t)i;
	}
}

static int
min_distance(const struct run *r, size_t a, size_t b)
{
	int best = 64;

	for (int o = 0; o < r->nh; o++) {
		int d = phash_distance(r->hash[a * (size_t)r->nh + (size_t)o], r->hash[b * (size_t)r->nh]);
		best = d < best ? d : best;
	}
	return best;
}

static const char *
reason(const struct run *r, size_t a, size_t b)
{
	if (a == b)
		return r->nref ? "reference" : "kept";
	if (r->item[a].bkey != -1 && r->item[a].bkey == r->item[b].bkey)
		return "bytes";
	if (r->item[a].pkey != -1 && r->item[a].pkey == r->item[b].pkey)
		return "pixels";
	return "hash";
}

static void
write_report(const struct run *r, const uint32_t *leader, const uint32_t *kept)
{
	outfile of;
	size_t n = r->nitem, ngroup = 0, total = 0;
	size_t *size = xcalloc(n + 1, sizeof *size), *gid = xcalloc(n + 1, sizeof *gid);
	size_t *order = xmalloc((n + 1) * sizeof *order), *pos = xcalloc(n + 2, sizeof *pos);

	if (outfile_open(&of, r->o->report) == -1)
		die("%s: %s", r->o->report, strerror(errno));
	for (size_t i = 0; i < n; i++)
		size[leader[i]]++;
	for (size_t i = 0; i < n; i++)
		if (leader[i] == i && size[i] >= 2)
			gid[i] = ++ngroup;
	/* the members by group, in input order within a group */
	for (size_t i = 0; i < n; i++)
		if (gid[leader[i]]) {
			pos[gid[leader[i]] + 1]++;
			total++;
		}
	for (size_t g = 1; g <= ngroup; g++)
		pos[g + 1] += pos[g];
	for (size_t i = 0; i < n; i++)
		if (gid[leader[i]])
			order[pos[gid[leader[i]]]++] = i;
	fputs(r->o->long_report ? "group\tfile\trole\tdistance\treason\n" : "group\tfile\n", of.f);
	for (size_t k = 0; k < total; k++) {
		size_t i = order[k], g = leader[i], keep = kept[g];
		if (r->o->long_report)
			fprintf(of.f, "%zu\t%s\t%s\t%d\t%s\n", gid[g], r->item[i].name,
			        i == keep ? (r->nref ? "reference" : "kept") : (r->nref ? "leak" : "dropped"),
			        i == keep ? 0 : min_distance(r, i, keep), reason(r, i, keep));
		else
			fprintf(of.f, "%zu\t%s\n", gid[g], r->item[i].name);
	}
	if (outfile_commit(&of) == -1)
		die("%s: %s", r->o->report, strerror(errno));
	free(size);
	free(gid);
	free(order);
	free(pos);
}

/* Passes the spooled records that are kept (all of them with --against --report). */
static size_t
write_output(struct run *r, const uint32_t *leader, const uint32_t *kept)
{
	stage *sink = sink_stream(r->o->out ? r->o->out : "-", r->o->level);
	ts_reader *rd;
	ts_record rec;
	size_t i = r->nref, nout = 0;
	int rc;

	if (sink->err[0])
		die("%s", sink->err);
	if (ts_writer_close(r->spool) == -1)
		die("temporary file: %s", ts_writer_error(r->spool));
	ts_writer_free(r->spool);
	r->spool = NULL;
	rewind(r->spoolf);
	if ((rd = ts_reader_open(r->spoolf, "temporary file")) == NULL)
		die("out of memory");
	ts_record_init(&rec);
	while ((rc = ts_read(rd, &rec)) == 1) {
		int pass = r->nref ? (r->o->report != NULL || leader[i] == i) : kept[leader[i]] == i;
		if (i >= r->nitem)
			die("temporary file: more records than were read");
		i++;
		if (!pass)
			continue;
		if (stage_push(sink, &rec) == -1) {
			if (stage_epipe(sink))
				exit(0);
			die("%s", stage_error(sink));
		}
		nout++;
	}
	if (rc == -1)
		die("%s", ts_reader_error(rd));
	ts_record_free(&rec);
	ts_reader_free(rd);
	fclose(r->spoolf);
	if (stage_finish(sink) == -1) {
		if (stage_epipe(sink))
			exit(0);
		die("%s", stage_error(sink));
	}
	stage_free(sink);
	return nout;
}

/* ---- grouping on many machines: --hashes per shard, --groups over all, --apply per shard ---- */

static void
add_item(struct run *r, const char *name, uint64_t bytes, uint64_t pixels, const char *sha, const char *psha)
{
	struct item *it;

	if (r->nitem == r->capitem) {
		r->capitem = r->capitem ? r->capitem * 2 : 1024;
		r->item = xreallocarray(r->item, r->capitem, sizeof *r->item);
		r->hash = xreallocarray(r->hash, r->capitem, (size_t)r->nh * sizeof *r->hash);
	}
	it = &r->item[r->nitem++];
	it->name = xstrdup(name);
	it->bkey = strcmp(sha, "-") == 0 ? -1 : key_index(r, "b", sha);
	it->pkey = psha == NULL || strcmp(psha, "-") == 0 ? -1 : key_index(r, "p", psha);
	it->bytes = bytes;
	it->pixels = pixels;
}

/* Reads one table of hashes (--hashes) into r; dies on anything malformed. */
static void
read_table(struct run *r, const char *path, strmap *ids)
{
	char err[1024], want[128];
	FILE *mf;
	char *hdr = NULL;
	size_t hlen = 0;
	tsv *t;
	int rc;

	if ((mf = open_memstream(&hdr, &hlen)) == NULL)
		die("out of memory");
	table_header(mf, r->o);
	fclose(mf);
	snprintf(want, sizeof want, "%.*s", (int)(hlen - 1), hdr);
	free(hdr);
	if ((t = tsv_open(path, err, sizeof err)) == NULL)
		die("%s", err);
	{
		char got[256] = "";
		for (size_t c = 0; c < tsv_ncols(t); c++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", c ? "\t" : "", tsv_colname(t, c));
		if (strcmp(got, want) != 0)
			die("%s: not a table of hashes made with the same --hash, --flips and --pixels "
			    "(imgdedup --hashes)", path);
	}
	while ((rc = tsv_next(t)) == 1) {
		const char *id = tsv_field(t, 0), *h = tsv_field(t, 4);
		char *end;
		uint64_t bytes = strtoull(tsv_field(t, 1), &end, 10), pixels;
		size_t before = ids->n;

		if (*end != '\0')
			die("%s: line %zu: bytes is not a number", path, tsv_line(t));
		pixels = strtoull(tsv_field(t, 2), &end, 10);
		if (*end != '\0')
			die("%s: line %zu: pixels is not a number", path, tsv_line(t));
		strmap_add(ids, id);
		if (ids->n == before)
			die("%s: line %zu: id %s is there twice (the decisions name records by id)", path,
			    tsv_line(t), id);
		add_item(r, id, bytes, pixels, tsv_field(t, 3), r->o->pixels ? tsv_field(t, 5) : NULL);
		for (int o = 0; o < r->nh; o++) {
			char hex[17];
			if (strlen(h) < 16 || (h[16] != (o + 1 < r->nh ? ',' : '\0')))
				die("%s: line %zu: not %d hash%s of 16 hex digits", path, tsv_line(t), r->nh,
				    r->nh == 1 ? "" : "es");
			memcpy(hex, h, 16);
			hex[16] = '\0';
			if (phash_parse(hex, &r->hash[(r->nitem - 1) * (size_t)r->nh + (size_t)o]) == -1)
				die("%s: line %zu: bad hash %s", path, tsv_line(t), hex);
			h += 17;
		}
	}
	if (rc == -1)
		die("%s", tsv_error(t));
	tsv_close(t);
}

/* --groups: the decisions, one line per record in the order of the tables. */
static int
run_groups(const struct opts *o, int argc, char **argv)
{
	struct run r = { .o = o, .nh = o->flips ? 8 : 1 };
	uint32_t *leader, *dist, *kept;
	size_t ndup = 0;
	strmap ids;
	outfile of;

	if (argc == 0)
		usage("--groups wants the tables of hashes (imgdedup --hashes) of all shards");
	strmap_init(&r.keys);
	strmap_init(&ids);
	for (int i = 0; i < argc; i++)
		read_table(&r, argv[i], &ids);
	strmap_free(&ids);
	leader = xmalloc((r.nitem ? r.nitem : 1) * sizeof *leader);
	dist = xmalloc((r.nitem ? r.nitem : 1) * sizeof *dist);
	kept = xmalloc((r.nitem ? r.nitem : 1) * sizeof *kept);
	group(&r, leader, dist);
	choose(&r, leader, kept);
	if (o->report)
		write_report(&r, leader, kept);
	if (outfile_open(&of, o->out ? o->out : "-") == -1)
		die("%s: %s", o->out, strerror(errno));
	fputs("id\tdecision\tkept\n", of.f);
	for (size_t i = 0; i < r.nitem; i++) {
		size_t k = kept[leader[i]];
		ndup += k != i;
		fprintf(of.f, "%s\t%s\t%s\n", r.item[i].name, k == i ? "keep" : "drop", r.item[k].name);
	}
	if (outfile_commit(&of) == -1) {
		if (errno == EPIPE)
			exit(0);
		die("%s: %s", o->out ? o->out : "stdout", strerror(errno));
	}
	if (o->verbose)
		fprintf(stderr, "%s: %zu record%s, %zu duplicate%s\n", progname, r.nitem, plural(r.nitem), ndup,
		        plural(ndup));
	for (size_t i = 0; i < r.nitem; i++)
		free(r.item[i].name);
	free(r.item);
	free(r.hash);
	free(leader);
	free(dist);
	free(kept);
	strmap_free(&r.keys);
	return 0;
}

struct apply {
	strmap ids;
	char *keep;             /* keep[index of id] */
	stage *sink;
	const char *input;
	size_t recno, nin, nout;
};

static int
apply_emit(ts_record *rec, void *ctx)
{
	struct apply *a = ctx;
	const char *id = ts_get(rec, "id"), *src = ts_get(rec, "source"), *name = id ? id : src;
	long k = name ? strmap_find(&a->ids, name) : -1;

	a->nin++;
	if (k == -1) {
		skip_or_stop(a->input, a->recno, id, "%s", name ? "not in the decisions" : "record has no id");
		return 0;
	}
	if (!a->keep[k])
		return 0;
	if (stage_push(a->sink, rec) == -1) {
		if (stage_epipe(a->sink))
			exit(0);
		die("%s", stage_error(a->sink));
	}
	a->nout++;
	return 0;
}

/* --apply: the records of the operands that the decisions keep, in their order. */
static int
run_apply(const struct opts *o, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct apply a = { 0 };
	struct source_opts so = { .emit = apply_emit, .warn = source_warn_stderr, .ctx = &a, .recno = &a.recno };
	char err[1024];
	long cid, cdec;
	size_t cap = 0;
	tsv *t;
	int rc;

	if (o->out == NULL || strcmp(o->out, "-") == 0)
		refuse_terminal_stdout();
	if ((t = tsv_open(o->apply, err, sizeof err)) == NULL)
		die("%s", err);
	if ((cid = tsv_column(t, "id")) == -1 || (cdec = tsv_column(t, "decision")) == -1)
		die("%s: not a table of decisions (imgdedup --groups): no id or decision column", o->apply);
	strmap_init(&a.ids);
	while ((rc = tsv_next(t)) == 1) {
		const char *d = tsv_field(t, (size_t)cdec);
		size_t k = strmap_add(&a.ids, tsv_field(t, (size_t)cid));
		if (strcmp(d, "keep") != 0 && strcmp(d, "drop") != 0)
			die("%s: line %zu: decision is %s, not keep or drop", o->apply, tsv_line(t), d);
		if (k >= cap) {
			cap = cap ? cap * 2 : 1024;
			a.keep = xrealloc(a.keep, cap);
		}
		a.keep[k] = d[0] == 'k';
	}
	if (rc == -1)
		die("%s", tsv_error(t));
	tsv_close(t);
	a.sink = sink_stream(o->out ? o->out : "-", o->level);
	if (a.sink->err[0])
		die("%s", a.sink->err);
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (int i = 0; i < argc; i++) {
		a.input = argv[i];
		a.recno = 0;
		if (source_read(argv[i], &so, err, sizeof err) == -1)
			die("%s", err);
	}
	if (stage_finish(a.sink) == -1) {
		if (stage_epipe(a.sink))
			exit(0);
		die("%s", stage_error(a.sink));
	}
	stage_free(a.sink);
	if (o->verbose)
		fprintf(stderr, "%s: %zu record%s, %zu kept, %zu skipped\n", progname, a.nin, plural(a.nin),
		        a.nout, skip_count());
	strmap_free(&a.ids);
	free(a.keep);
	return skip_status();
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct run r = { .o = o, .nh = o->flips ? 8 : 1 };
	uint32_t *leader, *dist, *kept;
	size_t ndup = 0, nout = 0;

	if (o->groups)
		return run_groups(o, argc, argv);
	if (o->apply)
		return run_apply(o, argc, argv);
	if (!o->check && !o->hashes && (o->out == NULL || strcmp(o->out, "-") == 0))
		refuse_terminal_stdout();
	strmap_init(&r.keys);
	if (o->verbose)
		summary_start();
	r.ref = 1;
	for (int i = 0; i < o->nagainst; i++)
		read_all(&r, &o->against[i], 1);
	r.ref = 0;
	if (o->nagainst && r.nitem == 0)
		die("%s: no images in the reference", o->against[0]);
	if (o->hashes) {
		outfile of;
		if (outfile_open(&of, o->out ? o->out : "-") == -1)
			die("%s: %s", o->out, strerror(errno));
		r.hashf = of.f;
		table_header(r.hashf, o);
		read_all(&r, argc ? argv : stdin_only, argc ? argc : 1);
		if (outfile_commit(&of) == -1) {
			if (errno == EPIPE)
				exit(0);
			die("%s: %s", o->out ? o->out : "stdout", strerror(errno));
		}
		if (o->verbose)
			fprintf(stderr, "%s: %zu record%s hashed, %zu skipped\n", progname, r.nitem, plural(r.nitem),
			        skip_count());
		strmap_free(&r.keys);
		return skip_status();
	}
	if (!o->check) {
		if ((r.spoolf = tmpfile()) == NULL)
			die("temporary file: %s", strerror(errno));
		if ((r.spool = ts_writer_open(r.spoolf, "temporary file", 1)) == NULL)
			die("out of memory");
	}
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	read_all(&r, argv, argc);
	progress_done();
	leader = xmalloc((r.nitem ? r.nitem : 1) * sizeof *leader);
	dist = xmalloc((r.nitem ? r.nitem : 1) * sizeof *dist);
	kept = xmalloc((r.nitem ? r.nitem : 1) * sizeof *kept);
	group(&r, leader, dist);
	choose(&r, leader, kept);
	for (size_t i = r.nref; i < r.nitem; i++)
		ndup += r.nref ? leader[i] != i : kept[leader[i]] != i;
	if (o->report)
		write_report(&r, leader, kept);
	if (!o->check)
		nout = write_output(&r, leader, kept);
	if (o->check && ndup > 0)       /* what status 3 means, counted */
		fprintf(stderr, "%s: %zu of %zu record%s %s\n", progname, ndup, r.nitem - r.nref,
		        r.nitem - r.nref == 1 ? "" : "s",
		        r.nref ? "duplicate the reference (leaks)" : "duplicate an earlier one");
	if (o->verbose) {
		if (r.nref)
			fprintf(stderr, "%s: %zu record%s, %zu also in the reference (%zu record%s), %zu skipped\n",
			        progname, r.nitem - r.nref, plural(r.nitem - r.nref), ndup, r.nref, plural(r.nref),
			        skip_count());
		else
			fprintf(stderr, "%s: %zu record%s, %zu duplicate%s, %zu skipped\n", progname, r.nitem,
			        plural(r.nitem), ndup, plural(ndup), skip_count());
		summary_print(r.nitem - r.nref, nout);
	}
	for (size_t i = 0; i < r.nitem; i++)
		free(r.item[i].name);
	free(r.item);
	free(r.hash);
	free(leader);
	free(dist);
	free(kept);
	strmap_free(&r.keys);
	return o->check && ndup > 0 ? 3 : skip_status();
}

int
main(int argc, char **argv)
{
	enum { O_AGAINST = 256, O_CHECK, O_FLIPS, O_HASH, O_HELP, O_VERSION, O_KEEP, O_LEVEL, O_PIXELS, O_REPORT,
	       O_REPORT_FORMAT, O_SKIP_BAD, O_THREADS, O_THRESHOLD, O_MAX_ERRORS, O_PROGRESS,
	       O_HASHES, O_GROUPS, O_APPLY };
	static const struct option longopts[] = {
		{ "against", required_argument, NULL, O_AGAINST },
		{ "apply", required_argument, NULL, O_APPLY },
		{ "groups", no_argument, NULL, O_GROUPS },
		{ "hashes", no_argument, NULL, O_HASHES },
		{ "check", no_argument, NULL, O_CHECK },
		{ "flips", no_argument, NULL, O_FLIPS },
		{ "hash", required_argument, NULL, O_HASH },
		{ "help", no_argument, NULL, O_HELP },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "output", required_argument, NULL, 'o' },
		{ "pixels", no_argument, NULL, O_PIXELS },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "report", required_argument, NULL, O_REPORT },
		{ "report-format", required_argument, NULL, O_REPORT_FORMAT },
		{ "skip-bad", no_argument, NULL, O_SKIP_BAD },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keeps[] = { "first", "largest", "smallest-file", "highest-resolution", NULL };
	struct opts o = { .kind = PHASH_DCT, .threshold = DEFAULT_THRESHOLD, .level = TS_LEVEL_AUTO };
	int c;

	prog_init(argv[0]);
	env_require();
	o.threads = pmap_cpus();
	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_AGAINST:
			o.against = xreallocarray(o.against, (size_t)o.nagainst + 1, sizeof *o.against);
			o.against[o.nagainst++] = optarg;
			break;
		case O_CHECK: o.check = 1; break;
		case O_APPLY: o.apply = optarg; break;
		case O_GROUPS: o.groups = 1; break;
		case O_HASHES: o.hashes = 1; break;
		case O_FLIPS: o.flips = 1; break;
		case O_HASH:
			if (strcmp(optarg, "phash") == 0)
				o.kind = PHASH_DCT;
			else if (strcmp(optarg, "dhash") == 0)
				o.kind = PHASH_DIFF;
			else
				usage("--hash wants phash or dhash");
			break;
		case 'h':
		case O_HELP:
			help_exit(USAGE, HELP);
		case O_VERSION:
			version_exit();
		case O_KEEP:
			for (o.keep = 0; keeps[o.keep] && strcmp(keeps[o.keep], optarg) != 0; o.keep++)
				;
			if (keeps[o.keep] == NULL)
				usage("--keep wants first, largest, smallest-file or highest-resolution");
			break;
		case O_LEVEL: o.level = (int)parse_int(optarg, -7, 19, "--level"); break;
		case O_PIXELS: o.pixels = 1; break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_REPORT: o.report = optarg; break;
		case O_REPORT_FORMAT:
			if (strcmp(optarg, "long") == 0)
				o.long_report = 1;
			else if (strcmp(optarg, "short") != 0)
				usage("--report-format wants short or long");
			break;
		case O_SKIP_BAD: break;         /* what imgdedup does anyway now: kept for old scripts */
		case O_THREADS: o.threads = (int)parse_int(optarg, 1, 1024, "--threads"); break;
		case O_THRESHOLD: o.threshold = (int)parse_int(optarg, 0, 32, "--threshold"); break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.check && o.out)
		usage("--check writes no stream: -o does not go with it");
	if (o.hashes + o.groups + (o.apply != NULL) + o.check > 1)
		usage("choose one of --hashes, --groups, --apply, --check");
	if ((o.hashes || o.groups || o.apply) && o.nagainst)
		usage("--against does not go with --hashes, --groups or --apply");
	if ((o.hashes || o.apply) && o.report)
		usage("--report goes with --groups, not --hashes or --apply");
	if (o.nagainst && o.keep != KEEP_FIRST)
		usage("--keep does not go with --against: the reference is kept");
	c = run(&o, argc, argv);
	free(o.against);
	if (!o.check)
		finish_stdout();
	return c;
}
