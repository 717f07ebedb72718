#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "?";
static outfile *pending;
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

void
prog_init(const char *argv0)
{
	const char *p = strrchr(argv0, '/');

	progname = p ? p + 1 : argv0;
	hold_std_fds();
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	signal(SIGPIPE, SIG_IGN);
}

static void
abort_pending(void)
{
	while (pending)
		outfile_abort(pending);
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
	abort_pending();
	exit(1);
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

int
outfile_open(outfile *o, const char *path)
{
	int fd;

	memset(o, 0, sizeof *o);
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	{
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			if ((o->f = fopen(path, "wb")) == NULL)
				return -1;
			o->direct = 1;
			return 0;
		}
	}
	o->path = xstrdup(path);
	if (asprintf(&o->tmp, "%s.tmpXXXXXX", path) < 0)
		die("out of memory");
	if ((fd = mkstemp(o->tmp)) == -1 || (o->f = fdopen(fd, "wb")) == NULL) {
		int e = errno;
		if (fd != -1)
			close(fd);
		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
		errno = e;
		return -1;
	}
	{
		mode_t m = umask(0);
		umask(m);
		fchmod(fd, 0666 & ~m);
	}
	o->next = pending;
	pending = o;
	return 0;
}

static void
unregister(outfile *o)
{
	for (outfile **p = &pending; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
}

int
outfile_commit(outfile *o)
{
	int bad;

	if (o->f == stdout)
		return fflush(stdout) == EOF || ferror(stdout) ? -1 : 0;
	if (o->direct) {
		bad = ferror(o->f);
		if (fclose(o->f) == EOF || bad)
			bad = 1;
		o->f = NULL;
		return bad ? -1 : 0;
	}
	unregister(o);
	bad = ferror(o->f);
	if (fclose(o->f) == EOF || bad) {
		int e = errno ? errno : EIO;
		unlink(o->tmp);
		errno = e;
		bad = 1;
	} else if (rename(o->tmp, o->path) == -1) {
		int e = errno;
		unlink(o->tmp);
		errno = e;
		bad = 1;
	}
	free(o->path);
	free(o->tmp);
	o->f = NULL;
	o->path = o->tmp = NULL;
	return bad ? -1 : 0;
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
	unregister(o);
	fclose(o->f);
	unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	o->f = NULL;
	o->path = o->tmp = NULL;
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
	fprintf(stderr, "%s: %zu records in, %zu out, %zu skipped, %.3f s, %.1f records/s, peak %.1f MiB\n",
	        progname, nin, nout, nskip, s, s > 0 ? nin / s : 0.0, ru.ru_maxrss / 1024.0);
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

int
skip_record(const char *input, size_t recno, const char *id, const char *fmt, ...)
{
	char what[1024], msg[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	n = snprintf(msg, sizeof msg, "%s: ", input);
	if (recno > 0 && n >= 0 && (size_t)n < sizeof msg)
		n += snprintf(msg + n, sizeof msg - (size_t)n, "record %zu%s%s%s: ", recno,
		              id ? " (id " : "", id ? id : "", id ? ")" : "");
	if (n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, "%s", what);
	return skip_report(msg);
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
