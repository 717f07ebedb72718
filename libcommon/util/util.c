#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "?";
static double t_start;
static void (*die_hooks[8])(void);
static int ndie_hooks;

void
atdie(void (*fn)(void))
{
	for (int i = 0; i < ndie_hooks; i++)
		if (die_hooks[i] == fn)
			return;
	if (ndie_hooks < (int)(sizeof die_hooks / sizeof *die_hooks))
		die_hooks[ndie_hooks++] = fn;
}

/*
 * Descriptors 0, 1 and 2 that the program was started without (prog <&-, >&-, 2>&-)
 * get /dev/null, so that no file the program opens later takes their number: a
 * spool file would be read as stdin, an output file would receive the messages.
 * /dev/null is opened the other way round (write-only for stdin, read-only for
 * stdout and stderr), so reading "-" or writing stdout still fails with EBADF,
 * as it did on the closed descriptor.
 */
static void
hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if ((n = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)) == -1) {
			dprintf(2, "%s: /dev/null: %s\n", progname, strerror(errno));
			exit(1);        /* never run with a hole where 0, 1 or 2 should be */
		}
		if (n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}
static long long skip_max = -1;
static size_t nskip;

static void catch_signals(void);
static void remove_temporaries(void);

void
prog_init(const char *argv0)
{
	const char *p = strrchr(argv0, '/');

	progname = p ? p + 1 : argv0;
	hold_std_fds();
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	catch_signals();
	atexit(remove_temporaries);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	for (int i = ndie_hooks; i-- > 0;)
		die_hooks[i]();
	fflush(stdout);
	progress_clear();
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/*
	 * Other threads may still be working (a --max-errors stop while a pool decodes):
	 * exit() would run library destructors under their feet, which crashed or hung
	 * imgdedup now and then.  So: flush what is buffered, remove the named
	 * temporaries, and leave at once; unnamed outputs vanish by themselves.
	 */
	fflush(NULL);
	remove_temporaries();
	_exit(1);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	progress_clear();
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
usage_exit(const char *text, const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", progname, why);
	fputs(text, stderr);
	exit(2);
}

int
errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("out of memory");
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		die("out of memory");
	return p;
}

long long
parse_int(const char *s, long long min, long long max, const char *opt)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' is not an integer in [%lld, %lld]\n", progname, opt, s, min, max);
		exit(2);
	}
	return v;
}

double
parse_double(const char *s, double min, double max, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' is not a number in [%g, %g]\n", progname, opt, s, min, max);
		exit(2);
	}
	return v;
}

unsigned char *
read_file(const char *path, size_t *len, size_t limit)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= limit) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > limit)
				cap = limit;
			unsigned char *nb = realloc(buf, cap + 1);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				if (errno == 0)
					errno = EIO;
				goto fail;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return NULL;
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	{
		int e = errno;
		if (f != stdin)
			fclose(f);
		free(buf);
		errno = e;
	}
	return NULL;
}

/*
 * Output files.  A file is created without a name (O_TMPFILE) in its target's
 * directory and linked into place at commit, so a program that dies, even by
 * SIGKILL, leaves nothing behind.  Where the file system refuses O_TMPFILE (or
 * /proc is not mounted) a named temporary "TARGET.tmpXXXXXX" is used instead.
 * Named temporaries are listed in `names` below, which the signal handler
 * reads: it removes them on SIGHUP, SIGINT, SIGPIPE (sent by another process)
 * and SIGTERM, then ends the program with the same signal; exit() removes them
 * too.
 */

/* The list the signal handler reads: nodes are never freed, only emptied and
 * reused, and `dying` tells a thread emptying a node that the handler may be
 * reading its path, which then must not be freed. */
struct name_node {
	char *_Atomic path;
	struct name_node *next;         /* set before the node is published, never changed */
};
static struct name_node *_Atomic names;
static atomic_int dying;
static const int fatal_signals[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM };

static void
name_add(char *path)
{
	struct name_node *n;

	for (n = atomic_load(&names); n; n = n->next) {
		char *none = NULL;
		if (atomic_compare_exchange_strong(&n->path, &none, path))
			goto added;
	}
	if ((n = malloc(sizeof *n)) == NULL) {
		unlink(path);   /* we could not protect it: better no output than a stray file */
		die("out of memory");
	}
	atomic_init(&n->path, path);
	n->next = atomic_load(&names);
	while (!atomic_compare_exchange_weak(&names, &n->next, n))
		;
added:
	if (atomic_load(&dying)) {      /* the handler may have missed it */
		unlink(path);
		for (;;)
			pause();
	}
}

/* After this the caller may free path: no signal handler reads it any more. */
static void
name_remove(const char *path)
{
	for (struct name_node *n = atomic_load(&names); n; n = n->next) {
		char *p = (char *)path;
		if (atomic_compare_exchange_strong(&n->path, &p, NULL))
			break;
	}
	if (atomic_load(&dying))        /* a handler is removing files and ending the program */
		for (;;)
			pause();
}

static void
block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++)
		sigaddset(&set, fatal_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Removes the named temporaries of outputs not committed: in the signal handler and when the
 * program exits (die(), or a closed pipe), so only async-signal-safe calls.  Threads that add
 * or remove names from now on wait for the end. */
static void
remove_temporaries(void)
{
	atomic_store(&dying, 1);
	for (struct name_node *n = atomic_load(&names); n; n = n->next) {
		char *p = atomic_load(&n->path);
		if (p)
			unlink(p);
	}
}

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* A write to a closed pipe raises SIGPIPE in the writer itself: the write then fails with
	 * EPIPE and the program ends quietly on its own.  Only a SIGPIPE sent by another process
	 * ends it here. */
	if (sig == SIGPIPE && (si->si_code == SI_KERNEL || (si->si_code == SI_USER && si->si_pid == getpid())))
		return;
	remove_temporaries();
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);     /* delivered when the handler returns: the program ends by the signal */
}

/* A signal that was ignored when the program started (nohup, a background job) stays ignored. */
static void
catch_signals(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++)
		if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(fatal_signals[i], &sa, NULL);
}

static char *
read_link(const char *path)
{
	for (size_t cap = 256;; cap *= 2) {
		char *buf = xmalloc(cap);
		ssize_t n = readlink(path, buf, cap);
		if (n == -1) {
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
	}
}

/* The file that path names once symbolic links are followed, as `sort -o` writes through them:
 * the path itself when it is not a link or does not exist.  NULL with errno on a loop. */
static char *
follow_links(const char *path)
{
	char *cur = xstrdup(path);

	for (int hop = 0; hop < 40; hop++) {
		struct stat st;
		char *link, *next, *slash;
		if (lstat(cur, &st) == -1 || !S_ISLNK(st.st_mode))
			return cur;
		if ((link = read_link(cur)) == NULL) {
			free(cur);
			return NULL;
		}
		slash = strrchr(cur, '/');
		if (link[0] == '/' || slash == NULL) {
			next = link;
		} else {
			if (asprintf(&next, "%.*s/%s", (int)(slash - cur), cur, link) < 0)
				die("out of memory");
			free(link);
		}
		free(cur);
		cur = next;
	}
	free(cur);
	errno = ELOOP;
	return NULL;
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	if (asprintf(&d, "%.*s", (int)(slash - path), path) < 0)
		die("out of memory");
	return d;
}

/* A file without a name in dir, which /proc/self/fd can link into place later; -1 when the
 * file system refuses O_TMPFILE or /proc is not there. */
static int
open_unnamed(const char *dir)
{
	char proc[64];
	struct stat st;
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);

	if (fd == -1)
		return -1;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (stat(proc, &st) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A named temporary beside target, listed for the signal handler before any signal can see it. */
static int
open_named(outfile *o)
{
	sigset_t old;
	int fd, e;

	if (asprintf(&o->tmp, "%s.tmpXXXXXX", o->target) < 0)
		die("out of memory");
	block_signals(&old);
	if ((fd = mkostemp(o->tmp, O_CLOEXEC)) != -1)
		name_add(o->tmp);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (fd == -1) {
		free(o->tmp);
		o->tmp = NULL;
		errno = e;
		return -1;
	}
	mode_t m = umask(0);
	umask(m);
	fchmod(fd, 0666 & ~m);
	return fd;
}

static void
outfile_clear(outfile *o)
{
	free(o->path);
	free(o->target);
	free(o->tmp);
	o->f = NULL;
	o->path = o->target = o->tmp = NULL;
}

/* The regular file that fd 1 or 2 writes to, when path names it (-o /dev/stdout > FILE). */
static int
own_descriptor(const struct stat *st)
{
	struct stat fst;

	for (int fd = 1; fd <= 2; fd++)
		if (fstat(fd, &fst) == 0 && fst.st_dev == st->st_dev && fst.st_ino == st->st_ino)
			return fd;
	return -1;
}

int
outfile_open(outfile *o, const char *path)
{
	struct stat st;
	char *dir;
	int fd, own = -1;

	memset(o, 0, sizeof *o);
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		if (!S_ISREG(st.st_mode) || (own = own_descriptor(&st)) != -1) {
			if (S_ISREG(st.st_mode) && own == 1)
				o->f = stdout;
			else if (S_ISREG(st.st_mode))
				o->f = (fd = dup(own)) == -1 ? NULL : fdopen(fd, "wb");
			else
				o->f = fopen(path, "wb");
			if (o->f == NULL)
				return -1;
			o->direct = 1;
			return 0;
		}
	}
	if ((o->target = follow_links(path)) == NULL)
		return -1;
	o->path = xstrdup(path);
	dir = dir_of(o->target);
	fd = open_unnamed(dir);
	free(dir);
	if (fd == -1 && (fd = open_named(o)) == -1) {
		int e = errno;
		outfile_clear(o);
		errno = e;
		return -1;
	}
	if ((o->f = fdopen(fd, "wb")) == NULL) {
		int e = errno;
		close(fd);
		if (o->tmp) {
			unlink(o->tmp);
			name_remove(o->tmp);
		}
		outfile_clear(o);
		errno = e;
		return -1;
	}
	return 0;
}

int
outfile_check(const char *path)
{
	outfile o;
	struct stat st;

	if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
		return 0;       /* written in place: opening a FIFO here would wait for its reader */
	if (outfile_open(&o, path) == -1)
		return -1;
	outfile_abort(&o);
	return 0;
}

static uint64_t
name_random(void)
{
	static atomic_uint_fast64_t counter;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 40);

	z += (atomic_fetch_add(&counter, 1) + 1) * 0x9E3779B97F4A7C15ull;      /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Links the unnamed file over an existing target: to a unique temporary name first, then
 * renamed over the target, so a reader sees the old file or the new one, never a mix. */
static int
link_over(outfile *o, const char *proc)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t len = strlen(o->target);
	char *tmp = xmalloc(len + 11);
	sigset_t old;
	int rc, e;

	for (int tries = 0;; tries++) {
		uint64_t r = name_random();
		memcpy(tmp, o->target, len);
		memcpy(tmp + len, ".tmp", 4);
		for (int i = 0; i < 6; i++, r /= 62)
			tmp[len + 4 + i] = digits[r % 62];
		tmp[len + 10] = '\0';
		block_signals(&old);
		if ((rc = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW)) == 0)
			name_add(tmp);
		e = errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == 0)
			break;
		if (e != EEXIST || tries == 100) {
			free(tmp);
			errno = e;
			return -1;
		}
	}
	rc = rename(tmp, o->target);
	e = errno;
	if (rc == -1)
		unlink(tmp);
	name_remove(tmp);
	free(tmp);
	errno = e;
	return rc;
}

/* Links the unnamed file to its target: directly when the target does not exist yet. */
static int
link_unnamed(outfile *o)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
	if (linkat(AT_FDCWD, proc, AT_FDCWD, o->target, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	return link_over(o, proc);
}

int
outfile_commit(outfile *o)
{
	int bad, e = 0;

	if (o->f == stdout)
		return fflush(stdout) == EOF || ferror(stdout) ? -1 : 0;
	if (o->direct) {
		bad = ferror(o->f);
		if (fclose(o->f) == EOF || bad)
			bad = 1;
		o->f = NULL;
		return bad ? -1 : 0;
	}
	errno = 0;
	if (fflush(o->f) == EOF || ferror(o->f))
		e = errno ? errno : EIO;
	if (o->tmp) {
		if (fclose(o->f) == EOF && e == 0)
			e = errno ? errno : EIO;
		if (e == 0 && rename(o->tmp, o->target) == -1)
			e = errno;
		if (e)
			unlink(o->tmp);
		name_remove(o->tmp);
	} else {
		if (e == 0 && link_unnamed(o) == -1)
			e = errno;
		if (fclose(o->f) == EOF && e == 0)
			e = errno ? errno : EIO;        /* in place already, but the error is still told */
	}
	outfile_clear(o);
	errno = e;
	return e ? -1 : 0;
}

void
outfile_abort(outfile *o)
{
	if (o->f == NULL || o->f == stdout)
		return;
	if (o->direct) {
		fclose(o->f);
		o->f = NULL;
		return;
	}
	fclose(o->f);           /* an unnamed file vanishes with its descriptor */
	if (o->tmp) {
		unlink(o->tmp);
		name_remove(o->tmp);
	}
	outfile_clear(o);
}
void
refuse_terminal_stdout(void)
{
	if (isatty(1))
		die("stdout is a terminal: not writing a binary stream there (use -l, -o FILE or a pipe)");
}

int
is_epipe(int err)
{
	return err == EPIPE;
}

void
finish_stdout(void)
{
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		die("stdout: write error: %s", strerror(errno ? errno : EIO));
	}
	if (fclose(stdout) == EOF && errno != EPIPE)
		die("stdout: write error: %s", strerror(errno));
}

double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
summary_start(void)
{
	t_start = now_seconds();
}

void
summary_print(size_t nin, size_t nout)
{
	struct rusage ru;
	double s = now_seconds() - t_start;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "%s: %zu record%s in, %zu out, %zu skipped, %.3f s, %.1f records/s, peak %.1f MiB\n",
	        progname, nin, plural(nin), nout, nskip, s, s > 0 ? nin / s : 0.0, ru.ru_maxrss / 1024.0);
}

void
summary_printf(const char *fmt, ...)
{
	struct rusage ru;
	double s = now_seconds() - t_start;
	va_list ap;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ", %.3f s, peak %.1f MiB\n", s, ru.ru_maxrss / 1024.0);
}

void
skip_set_max(long long max)
{
	skip_max = max;
}

int
skip_report(const char *msg)
{
	fflush(stdout);
	progress_clear();
	fprintf(stderr, "%s: %s\n", progname, msg);
	nskip++;
	return skip_max >= 0 && nskip > (size_t)skip_max ? -1 : 0;
}

static int
vskip_record(const char *input, size_t recno, const char *id, const char *fmt, va_list ap)
{
	char what[1024], msg[2048];
	int n;

	vsnprintf(what, sizeof what, fmt, ap);
	n = snprintf(msg, sizeof msg, "%s: ", input);
	if (recno > 0 && n >= 0 && (size_t)n < sizeof msg)
		n += snprintf(msg + n, sizeof msg - (size_t)n, "record %zu%s%s%s: ", recno,
		              id ? " (id " : "", id ? id : "", id ? ")" : "");
	if (n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, "%s", what);
	return skip_report(msg);
}

int
skip_record(const char *input, size_t recno, const char *id, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vskip_record(input, recno, id, fmt, ap);
	va_end(ap);
	return rc;
}

void
vskip_or_stop(const char *input, size_t recno, const char *id, const char *fmt, va_list ap)
{
	if (vskip_record(input, recno, id, fmt, ap) == -1)
		skip_stop();
}

void
skip_or_stop(const char *input, size_t recno, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vskip_or_stop(input, recno, id, fmt, ap);
	va_end(ap);
}

size_t
skip_count(void)
{
	return nskip;
}

int
skip_status(void)
{
	return nskip > 0;
}

void
skip_stop(void)
{
	if (skip_max == 0)
		die("stopping at the first error (--max-errors 0)");
	die("stopping: more than %lld errors (--max-errors %lld)", skip_max, skip_max);
}
