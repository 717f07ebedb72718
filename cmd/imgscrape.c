/* imgscrape: collect images from Reddit listings and URL lists, politely, safely, resumably. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "scrape/archive.h"
#include "scrape/dirstore.h"
#include "util/hash.h"
#include "scrape/http.h"
#include "image/image.h"
#include "util/parallel.h"
#include "scrape/polite.h"
#include "scrape/reddit.h"
#include "pipeline/source.h"
#include "util/strmap.h"
#include "stream/tstream.h"
#include "pipeline/env.h"
#include "util/util.h"

#define VERSION "1.0"
#define USAGE \
"usage: imgscrape [-qv] [--progress] [-o OUT | -d DIR] [--sort hot|new|top|rising] [--time hour|day|week|month|year|all]\n" \
"                 [--limit n] [--nsfw] [--label name] [--archive file] [--jobs n] [--max-bytes n]\n" \
"                 [--timeout s] [--rate n] [--user-agent ua] [--reddit-user name] [--reddit-url url]\n" \
"                 [--oauth-url url] [--cacert file] [--insecure] [--decode] source...\n" \
"       imgscrape -h | --help | --version\n"

#define HELP \
"Options:\n" \
"  -o, --output FILE           write the stream to FILE, atomically (default: stdout)\n" \
"  -d, --destination DIR       write files and DIR/index.tsv instead of a stream\n" \
"      --sort hot|new|top|rising\n" \
"                              the listing's order (default hot)\n" \
"      --time hour|day|week|month|year|all\n" \
"                              the time window of --sort top and searches\n" \
"      --limit N               at most N images per source (default: all)\n" \
"      --nsfw                  keep posts marked NSFW\n" \
"      --label NAME            the label of every record (default: the subreddit)\n" \
"      --archive FILE          skip what FILE lists, append what is saved\n" \
"      --jobs N                download N images at once (default 4)\n" \
"      --max-bytes N           the largest image, in bytes (default 67108864)\n" \
"      --timeout S             seconds for one transfer (default 30)\n" \
"      --rate N                API requests a minute without rate-limit headers (10; OAuth 100)\n" \
"      --user-agent UA         another User-Agent\n" \
"      --reddit-user NAME      the user named in the default User-Agent (default REDDIT_USER)\n" \
"      --reddit-url URL        Reddit's address (default https://www.reddit.com)\n" \
"      --oauth-url URL         where OAuth API requests go (default https://oauth.reddit.com)\n" \
"      --cacert FILE           trust the certificates in FILE instead of the system's\n" \
"      --insecure              do not verify TLS certificates\n" \
"      --decode                decode each image into an 'image' tensor\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

#define LISTING_END 950         /* Reddit stops listings near 1000 items */

enum reason { R_NSFW, R_VIDEO, R_DUP, R_NOTIMG, R_BIG, R_ERR, R_ARCHIVED, R_OTHER, NREASON };

struct opts {
	int verbose, nsfw, decode, insecure, jobs, oauth;
	const char *out, *dir, *sort, *time, *label, *archive, *ua, *user, *cacert;
	const char *reddit_url, *oauth_url, *client_id, *client_secret;
	long limit;
	double timeout, rate;
	uint64_t max_bytes;
	char uabuf[256];
};

/* One image to fetch (filled on the main thread, fetched on a worker). */
struct job {
	char *url, *key, *id, *post_id, *subreddit, *author, *title, *created, *permalink;
	const char *source;
	int reason;                     /* -1: got an image */
	char err[512];
	char sha[65];
	enum img_format fmt;
	ts_record rec;
	unsigned char *body;
	size_t len;
};

struct scrape {
	const struct opts *o;
	struct http_opts api_http, img_http;
	struct polite_opts api_po, img_po;
	pacer *api;
	hostgate *gate;
	pmap *pm;
	strmap urls, shas;              /* fetched, and written, in this run */
	archive *ar;
	dirstore *ds;
	ts_writer *w;
	outfile of;              /* -o: the stream (standard output by default) */
	char *token;
	double token_expiry;
	size_t saved, skipped[NREASON], pages, posts, fetched, src_saved, inflight;
	uint64_t bytes;
	int status;
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

/* The progress line (util.h): pages read, images saved and skipped, bytes. */
static void
progress(struct scrape *s, int force)
{
	size_t sk = 0;

	for (int i = 0; i < NREASON; i++)
		sk += s->skipped[i];
	progress_line(force, "pages %zu, saved %zu, skipped %zu, %llu bytes", s->pages, s->saved, sk,
	              (unsigned long long)s->bytes);
}

static void
job_clear(void *item, void *ctx)
{
	struct job *j = item;

	(void)ctx;
	free(j->url);
	free(j->key);
	free(j->id);
	free(j->post_id);
	free(j->subreddit);
	free(j->author);
	free(j->title);
	free(j->created);
	free(j->permalink);
	free(j->body);
	ts_record_free(&j->rec);
	memset(j, 0, sizeof *j);
}

/* ---- the worker: fetch, sniff, build the record ---- */

static int
is_removed_placeholder(const char *url)
{
	size_t n = strcspn(url, "?#");

	return n >= 12 && strncmp(url + n - 12, "/removed.png", 12) == 0;
}

static void
work(void *item, int worker, void *ctx)
{
	struct job *j = item;
	struct scrape *s = ctx;
	const struct opts *o = s->o;
	struct http_resp r;
	ts_record *rec = &j->rec;
	uint64_t dims[1];

	(void)worker;
	j->reason = R_ERR;
	if (polite_fetch(&s->img_po, &s->img_http, NULL, s->gate, j->url, NULL, NULL, NULL, NULL, &r) == -1) {
		j->reason = r.fail == HTTP_TOO_BIG ? R_BIG : R_ERR;
		snprintf(j->err, sizeof j->err, "%s", r.err);
		goto out;
	}
	if (r.status != 200) {
		snprintf(j->err, sizeof j->err, "HTTP %ld", r.status);
		goto out;
	}
	if (is_removed_placeholder(r.url)) {
		j->reason = R_OTHER;
		snprintf(j->err, sizeof j->err, "removed (redirected to %.300s)", r.url);
		goto out;
	}
	j->fmt = img_sniff(r.body, r.len);
	if (j->fmt != IMG_PNG && j->fmt != IMG_JPEG && j->fmt != IMG_GIF && j->fmt != IMG_WEBP) {
		j->reason = R_NOTIMG;
		snprintf(j->err, sizeof j->err, "not a PNG, JPEG, GIF or WebP image (%zu bytes)", r.len);
		goto out;
	}
	sha256_hex(r.body, r.len, j->sha);
	ts_record_clear(rec);
	ts_set(rec, "id", j->id);
	ts_set(rec, "url", j->url);
	if (j->post_id) {
		ts_set(rec, "post_id", j->post_id);
		ts_set(rec, "subreddit", j->subreddit);
		ts_set(rec, "author", j->author);
		ts_set(rec, "title", j->title);
		ts_set(rec, "created_utc", j->created);
		ts_set(rec, "permalink", j->permalink);
	}
	ts_set(rec, "sha256", j->sha);
	ts_set(rec, "source", j->source);
	if (o->label || (j->subreddit && j->subreddit[0]))
		ts_set(rec, "label", o->label ? o->label : j->subreddit);
	ts_set(rec, "format", img_format_name(j->fmt));
	if (img_frames(r.body, r.len) > 1)      /* an animated GIF or WebP: its first frame is decoded */
		ts_setf(rec, "frames", "%d", img_frames(r.body, r.len));
	dims[0] = r.len;
	if (ts_tensor_put(rec, "encoded", TS_BYTES, 1, dims, r.body, r.len) == NULL) {
		snprintf(j->err, sizeof j->err, "out of memory");
		goto out;
	}
	if (o->decode && record_decode_image(rec, j->err, sizeof j->err) == -1)
		goto out;
	j->body = r.body;               /* for -o DIR */
	j->len = r.len;
	r.body = NULL;
	j->reason = -1;
out:
	http_resp_free(&r);
}

/* ---- the main thread: write what workers fetched, in order ---- */

static const char *
ext_of(enum img_format f)
{
	return f == IMG_JPEG ? "jpg" : img_format_name(f);
}

static int
done(void *item, void *ctx)
{
	struct job *j = item;
	struct scrape *s = ctx;
	const struct opts *o = s->o;
	char err[600];

	s->inflight--;
	if (j->reason >= 0) {
		s->skipped[j->reason]++;
		if (strcmp(j->source, j->url) == 0)
			warnx("%s: %s", j->url, j->err);
		else
			warnx("%s: %s: %s", j->source, j->url, j->err);
		goto out;
	}
	s->fetched++;
	if (strmap_find(&s->shas, j->sha) >= 0 || (s->ar && archive_has_sha(s->ar, j->sha))) {
		s->skipped[R_DUP]++;
		if (s->ar && archive_add(s->ar, j->key, j->sha) == -1)
			die("%s: %s", o->archive, strerror(errno));
		goto out;
	}
	strmap_add(&s->shas, j->sha);
	if (s->ds) {
		char name[160];
		const char *f[DS_NFIELDS] = { j->sha, j->url, j->post_id, j->subreddit, j->title };
		safe_name(j->id, ext_of(j->fmt), name, sizeof name);
		if (dirstore_put(s->ds, name, j->body, j->len, f, err, sizeof err) == -1)
			die("%s", err);
	} else {
		if (ts_write(s->w, &j->rec) == -1 || (s->ar && ts_writer_flush(s->w) == -1)) {
			if (is_epipe(ts_writer_errno(s->w)))
				exit(s->status);
			die("%s", ts_writer_error(s->w));
		}
	}
	if (s->ar && archive_add(s->ar, j->key, j->sha) == -1)
		die("%s: %s", o->archive, strerror(errno));
	s->saved++;
	s->src_saved++;
	s->bytes += j->len;
out:
	progress(s, 0);
	job_clear(j, NULL);
	return 0;
}

/* Waits for downloads until another image may still be needed for this source. */
static int
want_more(struct scrape *s)
{
	long lim = s->o->limit;

	if (lim <= 0)
		return 1;
	if (s->src_saved + s->inflight >= (size_t)lim && s->inflight > 0)
		pmap_finish(s->pm);
	return s->src_saved < (size_t)lim;
}

struct meta {
	const char *post_id, *subreddit, *author, *title, *created, *permalink;
};

/* Queues one image unless it was seen; id names its file, key its archive line. */
static void
submit(struct scrape *s, const char *source, const char *url, const char *id, const char *key,
       const struct meta *m)
{
	struct job *j;

	if (s->ar && archive_has_key(s->ar, key)) {
		s->skipped[R_ARCHIVED]++;
		return;
	}
	if (strmap_find(&s->urls, url) >= 0) {
		s->skipped[R_DUP]++;
		return;
	}
	strmap_add(&s->urls, url);
	j = pmap_slot(s->pm);
	job_clear(j, NULL);
	j->url = xstrdup(url);
	j->key = xstrdup(key);
	j->id = xstrdup(id);
	j->source = source;
	if (m) {
		j->post_id = xstrdup(m->post_id);
		j->subreddit = xstrdup(m->subreddit);
		j->author = xstrdup(m->author);
		j->title = xstrdup(m->title);
		j->created = xstrdup(m->created);
		j->permalink = xstrdup(m->permalink);
	}
	s->inflight++;
	pmap_submit(s->pm);
}

/* ---- API requests (listings, the OAuth token) ---- */

static int
get_token(struct scrape *s, char *err, size_t errlen)
{
	const struct opts *o = s->o;
	struct http_resp r;
	char url[1100];
	double ttl;

	free(s->token);
	s->token = NULL;
	snprintf(url, sizeof url, "%s/api/v1/access_token", o->reddit_url);
	if (polite_fetch(&s->api_po, &s->api_http, s->api, NULL, url, NULL, o->client_id,
	                 o->client_secret, "grant_type=client_credentials", &r) == -1) {
		errorf(err, errlen, "%s: %s", url, r.err);
		http_resp_free(&r);
		return -1;
	}
	if (r.status != 200) {
		errorf(err, errlen, "%s: HTTP %ld (are REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET right?)",
		       url, r.status);
		http_resp_free(&r);
		return -1;
	}
	if (reddit_parse_token((char *)r.body, r.len, &s->token, &ttl, err, errlen) == -1) {
		char *why = xstrdup(err);
		errorf(err, errlen, "%s: %s", url, why);
		free(why);
		http_resp_free(&r);
		return -1;
	}
	s->token_expiry = now_seconds() + ttl - 30;
	http_resp_free(&r);
	return 0;
}

/* GETs an API URL; the body in r on success (HTTP 200). */
static int
api_get(struct scrape *s, const char *url, struct http_resp *r, char *err, size_t errlen)
{
	for (int renewed = 0;; renewed++) {
		char *auth = NULL;
		int rc;

		if (s->o->oauth) {
			if ((s->token == NULL || now_seconds() > s->token_expiry) && get_token(s, err, errlen) == -1)
				return -1;
			auth = xmalloc(strlen(s->token) + 32);
			sprintf(auth, "Authorization: bearer %s", s->token);
		}
		rc = polite_fetch(&s->api_po, &s->api_http, s->api, NULL, url, auth, NULL, NULL, NULL, r);
		free(auth);
		if (rc == -1) {
			errorf(err, errlen, "%s: %s", url, r->err);
			http_resp_free(r);
			return -1;
		}
		if (r->status == 401 && s->o->oauth && renewed == 0) {
			http_resp_free(r);
			s->token_expiry = 0;    /* renew and try once more */
			continue;
		}
		if (r->status != 200) {
			errorf(err, errlen, "%s: HTTP %ld", url, r->status);
			http_resp_free(r);
			return -1;
		}
		return 0;
	}
}

/* ---- sources ---- */

static void
post_images(struct scrape *s, const char *source, const struct reddit_post *p)
{
	static const enum reason skip_reason[] = {
		[RSKIP_SELF] = R_OTHER, [RSKIP_VIDEO] = R_VIDEO, [RSKIP_DELETED] = R_OTHER, [RSKIP_NOMEDIA] = R_OTHER,
	};
	struct meta m = { p->id, p->subreddit, p->author, p->title, p->created_utc, p->permalink };
	char id[300], key[400];

	if (p->skip) {
		s->skipped[skip_reason[p->skip]]++;
		return;
	}
	if (p->over18 && !s->o->nsfw) {
		s->skipped[R_NSFW]++;
		return;
	}
	for (size_t i = 0; i < p->nmedia && want_more(s); i++) {
		const struct reddit_media *md = &p->media[i];
		if (!md->valid) {
			s->skipped[R_ERR]++;
			warnx("%s: post %s: gallery item %s is not valid", source, p->id,
			      md->media_id ? md->media_id : "?");
			continue;
		}
		if (md->media_id) {
			snprintf(id, sizeof id, "%s_%02zu", p->id, i + 1);
			snprintf(key, sizeof key, "reddit:%s/%s", p->id, md->media_id);
		} else {
			snprintf(id, sizeof id, "%s", p->id);
			snprintf(key, sizeof key, "reddit:%s", p->id);
		}
		submit(s, source, md->url, id, key, &m);
	}
}

static int
scrape_reddit(struct scrape *s, const char *arg, const struct reddit_source *src)
{
	const struct opts *o = s->o;
	const char *base = o->oauth ? o->oauth_url : o->reddit_url;
	const char *time = strcmp(o->sort, "top") == 0 || src->kind == REDDIT_SEARCH ? o->time : NULL;
	char *after = NULL, url[2048], err[1200];
	size_t seen = 0;
	int rc = 0;

	do {
		struct http_resp r;
		struct reddit_page page;
		if (reddit_listing_url(url, sizeof url, base, o->oauth, src, o->sort, time, after, (long)seen) == -1) {
			warnx("%s: listing URL too long", arg);
			rc = -1;
			break;
		}
		if (api_get(s, url, &r, err, sizeof err) == -1) {
			warnx("%s: %s", arg, err);
			rc = -1;
			break;
		}
		s->pages++;
		if (reddit_parse_listing((char *)r.body, r.len, &page, err, sizeof err) == -1) {
			warnx("%s: %s: %s", arg, url, err);
			http_resp_free(&r);
			rc = -1;
			break;
		}
		http_resp_free(&r);
		seen += page.nchildren;
		for (size_t i = 0; i < page.npost && want_more(s); i++, s->posts++)
			post_images(s, arg, &page.post[i]);
		free(after);
		after = page.after ? xstrdup(page.after) : NULL;
		if (after && page.nchildren == 0) {
			free(after);    /* an empty page that claims more: stop */
			after = NULL;
		}
		reddit_page_free(&page);
		progress(s, 0);
		if (after == NULL && seen >= LISTING_END)
			warnx("%s: the listing ended after %zu posts, near Reddit's limit of about 1000 per "
			      "listing; another --sort or --time reaches further", arg, seen);
	} while (after && want_more(s));
	free(after);
	return rc;
}

static int
is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

static void
plain_url(struct scrape *s, const char *source, const char *url)
{
	char sha[65], id[40], key[4200];

	sha256_hex(url, strlen(url), sha);
	snprintf(id, sizeof id, "url_%.16s", sha);
	snprintf(key, sizeof key, "url:%.4000s", url);
	if (want_more(s))
		submit(s, source, url, id, key, NULL);
}

static int
scrape_list(struct scrape *s, const char *arg)
{
	const char *path = arg + 1;
	size_t len;
	unsigned char *buf = read_file(path, &len, (size_t)64 << 20);
	size_t n = 0;

	if (buf == NULL) {
		warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	for (char *next = (char *)buf; next < (char *)buf + len;) {
		char *line = next, *e = memchr(line, '\n', len - (size_t)(line - (char *)buf));
		if (e == NULL)
			e = (char *)buf + len;
		next = e + 1;
		*e = '\0';
		n++;
		while (*line == ' ' || *line == '\t' || *line == '\r')
			line++;
		while (e > line && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (!is_url(line) || strpbrk(line, " \t")) {
			s->skipped[R_ERR]++;
			warnx("%s: line %zu: not an http or https URL", path, n);
			continue;
		}
		plain_url(s, arg, line);
	}
	free(buf);
	return 0;
}

static int
scrape_source(struct scrape *s, const char *arg)
{
	struct reddit_source src;
	char err[300];

	s->src_saved = 0;
	if (arg[0] == '@')
		return scrape_list(s, arg);
	if (reddit_source_parse(arg, &src, err, sizeof err) == 0)
		return scrape_reddit(s, arg, &src);
	plain_url(s, arg, arg);
	return 0;
}

/* Checks every operand before anything is fetched. */
static void
check_sources(int argc, char **argv)
{
	struct reddit_source src;
	char err[300];

	if (argc == 0)
		usage("no source");
	for (int i = 0; i < argc; i++) {
		int rc = argv[i][0] == '@' ? 0 : reddit_source_parse(argv[i], &src, err, sizeof err);
		if (rc == -1)
			usage(err);
		if (rc == 1 && !is_url(argv[i])) {
			snprintf(err, sizeof err, "'%.200s': not r/NAME, u/NAME, search:QUERY[@r/NAME], "
			         "an http(s) URL or @FILE", argv[i]);
			usage(err);
		}
		if (argv[i][0] == '@' && argv[i][1] == '\0')
			usage("@ wants a file name (@- for standard input)");
	}
}

static void
run(struct opts *o, int argc, char **argv)
{
	static const struct pmap_ops ops = { .work = work, .done = done, .clear = job_clear };
	struct scrape s = { .o = o };
	char err[600];
	size_t sk = 0;

	s.api_http = (struct http_opts){ .user_agent = o->ua, .cacert = o->cacert, .insecure = o->insecure,
		.timeout = o->timeout, .max_bytes = 64 << 20, .max_redirs = 5, .compressed = 1 };
	s.img_http = s.api_http;
	s.img_http.max_bytes = o->max_bytes;
	s.img_http.compressed = 0;
	s.api_po = (struct polite_opts){ .tries = 5, .backoff = 0.5, .max_wait = 300 };
	s.img_po = (struct polite_opts){ .tries = 3, .backoff = 0.5, .max_wait = 120 };
	s.api = pacer_new(60.0 / (o->rate > 0 ? o->rate : o->oauth ? 100 : 10), 0.5);
	s.gate = hostgate_new(4, 20);
	strmap_init(&s.urls);
	strmap_init(&s.shas);
	if (o->archive && (s.ar = archive_open(o->archive, err, sizeof err)) == NULL)
		die("%s", err);
	if (o->dir) {
		if ((s.ds = dirstore_open(o->dir, err, sizeof err)) == NULL)
			die("%s", err);
	} else {
		if (o->out == NULL || strcmp(o->out, "-") == 0)
			refuse_terminal_stdout();
		if (outfile_open(&s.of, o->out ? o->out : "-") != 0)
			die("%s: %s", o->out, strerror(errno));
		if ((s.w = ts_writer_open(s.of.f, o->out ? o->out : "standard output", TS_LEVEL_AUTO)) == NULL)
			die("cannot start the stream writer");
	}
	if ((s.pm = pmap_new(&ops, &s, o->jobs, 0, sizeof(struct job))) == NULL)
		die("out of memory");
	for (int i = 0; i < argc; i++)
		if (scrape_source(&s, argv[i]) == -1)
			s.status = 1;
	pmap_finish(s.pm);
	progress(&s, 1);
	progress_done();
	if (s.w && ts_writer_close(s.w) == -1) {
		if (!is_epipe(ts_writer_errno(s.w))) {
			outfile_abort(&s.of);
			die("%s", ts_writer_error(s.w));
		}
		/* A closed pipe ends the program quietly, as in done(); going on to finish_stdout()
		 * would find stdout's error flag set with errno long gone and call it EIO. */
		exit(s.status);
	}
	if (s.w && outfile_commit(&s.of) != 0 && !is_epipe(errno))
		die("%s: %s", o->out ? o->out : "standard output", strerror(errno));
	for (int i = 0; i < NREASON; i++)
		sk += s.skipped[i];
	if (progress_mode() != PROGRESS_OFF)    /* -q: only what went wrong */
		warnx("saved %zu, skipped %zu (nsfw %zu, video %zu, duplicate %zu, not-image %zu, "
		      "too-big %zu, error %zu, archived %zu, other %zu)", s.saved, sk, s.skipped[R_NSFW],
		      s.skipped[R_VIDEO], s.skipped[R_DUP], s.skipped[R_NOTIMG], s.skipped[R_BIG],
		      s.skipped[R_ERR], s.skipped[R_ARCHIVED], s.skipped[R_OTHER]);
	if (o->verbose)
		summary_printf("%zu page%s and %zu post%s read, %zu image%s fetched, %zu saved", s.pages,
		               plural(s.pages), s.posts, plural(s.posts), s.fetched, plural(s.fetched), s.saved);
	pmap_free(s.pm);
	ts_writer_free(s.w);
	dirstore_close(s.ds);
	archive_close(s.ar);
	strmap_free(&s.urls);
	strmap_free(&s.shas);
	pacer_free(s.api);
	hostgate_free(s.gate);
	free(s.token);
	if (s.w)
		finish_stdout();
	exit(s.status);
}

static const char *
one_of(const char *v, const char *const *allowed, const char *why)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return v;
	usage(why);
	return NULL;
}

static void
default_user_agent(struct opts *o)
{
	struct utsname u;
	char sys[sizeof u.sysname] = "unix";
	const char *user = o->user ? o->user : getenv("REDDIT_USER");

	if (uname(&u) == 0) {
		snprintf(sys, sizeof sys, "%s", u.sysname);
		for (char *p = sys; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p == ' ' || *p == ':' ? '-' : *p);
	}
	if (user && *user)
		snprintf(o->uabuf, sizeof o->uabuf, "%s:imgscrape:%s (by /u/%s)", sys, VERSION, user);
	else
		snprintf(o->uabuf, sizeof o->uabuf, "%s:imgscrape:%s", sys, VERSION);
	o->ua = o->uabuf;
}

static const char *
base_url(const char *v, const char *opt)
{
	char why[300];
	size_t n = strlen(v);

	if (!is_url(v) || n > 1000 || strpbrk(v, " \t\r\n?#")) {
		snprintf(why, sizeof why, "%s wants an http(s) URL without query: '%.200s'", opt, v);
		usage(why);
	}
	if (n > 0 && v[n - 1] == '/') {
		char *c = xstrdup(v);
		c[n - 1] = '\0';
		return c;
	}
	return v;
}

int
main(int argc, char **argv)
{
	enum { O_SORT = 256, O_TIME, O_LIMIT, O_NSFW, O_LABEL, O_ARCHIVE, O_JOBS, O_MAX_BYTES, O_TIMEOUT,
	       O_RATE, O_UA, O_USER, O_REDDIT_URL, O_OAUTH_URL, O_CACERT, O_INSECURE, O_DECODE, O_HELP, O_VERSION, O_PROGRESS };
	static const struct option longopts[] = {
		{ "archive", required_argument, NULL, O_ARCHIVE },
		{ "cacert", required_argument, NULL, O_CACERT },
		{ "decode", no_argument, NULL, O_DECODE },
		{ "destination", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, O_HELP },
		{ "insecure", no_argument, NULL, O_INSECURE },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "label", required_argument, NULL, O_LABEL },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "max-bytes", required_argument, NULL, O_MAX_BYTES },
		{ "nsfw", no_argument, NULL, O_NSFW },
		{ "oauth-url", required_argument, NULL, O_OAUTH_URL },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rate", required_argument, NULL, O_RATE },
		{ "reddit-url", required_argument, NULL, O_REDDIT_URL },
		{ "reddit-user", required_argument, NULL, O_USER },
		{ "sort", required_argument, NULL, O_SORT },
		{ "time", required_argument, NULL, O_TIME },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "user-agent", required_argument, NULL, O_UA },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const sorts[] = { "hot", "new", "top", "rising", "relevance", "comments", NULL };
	static const char *const times[] = { "hour", "day", "week", "month", "year", "all", NULL };
	struct opts o = { .sort = "hot", .jobs = 4, .timeout = 30, .max_bytes = 64 << 20 };
	const char *env;
	int c;

	prog_init(argv[0]);
	env_require();
	summary_start();
	while ((c = getopt_long(argc, argv, "hd:o:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_ARCHIVE: o.archive = optarg; break;
		case O_CACERT: o.cacert = optarg; break;
		case O_DECODE: o.decode = 1; break;
		case 'h':
		case O_HELP:
			help_exit(USAGE, HELP);
		case O_VERSION:
			version_exit();
		case O_INSECURE: o.insecure = 1; break;
		case O_JOBS: o.jobs = (int)parse_int(optarg, 1, 64, "--jobs"); break;
		case O_LABEL: o.label = optarg; break;
		case O_LIMIT: o.limit = (long)parse_int(optarg, 1, 1000000000, "--limit"); break;
		case O_MAX_BYTES: o.max_bytes = (uint64_t)parse_int(optarg, 1, (long long)1 << 40, "--max-bytes"); break;
		case O_NSFW: o.nsfw = 1; break;
		case O_OAUTH_URL: o.oauth_url = base_url(optarg, "--oauth-url"); break;
		case O_RATE: o.rate = parse_double(optarg, 0.1, 6000, "--rate"); break;
		case O_REDDIT_URL: o.reddit_url = base_url(optarg, "--reddit-url"); break;
		case O_SORT: o.sort = one_of(optarg, sorts, "--sort wants hot, new, top or rising"); break;
		case O_TIME: o.time = one_of(optarg, times, "--time wants hour, day, week, month, year or all"); break;
		case O_TIMEOUT: o.timeout = parse_double(optarg, 0.1, 86400, "--timeout"); break;
		case O_UA:
			if (strpbrk(optarg, "\r\n") || !*optarg)
				usage("--user-agent wants one line of text");
			o.ua = optarg;
			break;
		case O_USER: o.user = optarg; break;
		default: usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.out && o.dir)
		usage("-o writes a stream, -d a folder of files: choose one");
	check_sources(argc, argv);
	if (o.reddit_url == NULL && (env = getenv("IMGSCRAPE_REDDIT_URL")) && *env)
		o.reddit_url = base_url(env, "IMGSCRAPE_REDDIT_URL");
	if (o.oauth_url == NULL)
		o.oauth_url = o.reddit_url ? o.reddit_url : "https://oauth.reddit.com";
	if (o.reddit_url == NULL)
		o.reddit_url = "https://www.reddit.com";
	o.client_id = getenv("REDDIT_CLIENT_ID");
	o.client_secret = getenv("REDDIT_CLIENT_SECRET");
	o.oauth = o.client_id && *o.client_id && o.client_secret && *o.client_secret;
	if (o.ua == NULL)
		default_user_agent(&o);
	if (o.insecure)
		warnx("warning: --insecure: TLS certificates are not verified");
	http_global_init();
	run(&o, argc, argv);
}
