/* Helpers every program shares: messages, checked allocation, numbers, output files. */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern const char *progname;

/* Sets progname and the locale; catches SIGHUP, SIGINT, SIGPIPE and SIGTERM to remove temporary
 * files (a write to a closed pipe fails with EPIPE instead of ending the program); puts
 * /dev/null on a closed 0, 1 or 2 (the wrong way round, so that using them still fails with EBADF). */
void prog_init(const char *argv0);
/* Registers fn to run first in die(), before temporary outputs are removed (at most 8). */
void atdie(void (*fn)(void));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: "PROG: why" (when why is not NULL), then the usage text, exit status 2. */
void usage_exit(const char *text, const char *why) __attribute__((noreturn));
/* --help: the usage text, a blank line and the option list on stdout, exit status 0. */
void help_exit(const char *usage, const char *help) __attribute__((noreturn));
/* --version: "PROG (imgtools) VERSION" on stdout, exit status 0. */
void version_exit(void) __attribute__((noreturn));
/* For library code: formats a one-line reason into err and returns -1. */
int errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/* Parses a decimal integer in [min, max]; dies with a usage error naming opt otherwise. */
long long parse_int(const char *s, long long min, long long max, const char *opt);
double parse_double(const char *s, double min, double max, const char *opt);

/* Reads a whole file (or stdin for "-") into memory; NULL with errno set on failure. */
unsigned char *read_file(const char *path, size_t *len, size_t limit);

/* Output to a file written atomically: created without a name (O_TMPFILE) in the target's
 * directory and linked into place on commit, or, where the file system refuses that, a named
 * temporary "TARGET.tmpXXXXXX" renamed on commit.  Nothing is left behind when the program
 * dies: named temporaries are removed on SIGHUP, SIGINT, SIGPIPE and SIGTERM (prog_init
 * installs the handler, which then ends the program by the same signal) and at exit, so an
 * output not committed when the program exits (die(), a closed pipe) is discarded.
 * A symbolic link is written through: its target is replaced, the link kept.  Paths that
 * exist and are not regular files (devices, FIFOs), or that name the file standard output or
 * standard error already writes (-o /dev/stdout > FILE), are written in place. */
typedef struct outfile {
	FILE *f;
	char *path;             /* as given, for messages */
	char *target;           /* the file replaced on commit: path with symbolic links followed */
	char *tmp;              /* the named temporary, where O_TMPFILE was refused; else NULL */
	int direct;             /* written in place */
} outfile;
int outfile_open(outfile *o, const char *path);     /* "-" means stdout; -1 with errno */
int outfile_commit(outfile *o);                     /* -1 on a write error; errno set */
void outfile_abort(outfile *o);                     /* discards the output */
/* 0 when outfile_open(path) would succeed now (the directory exists and takes a new file,
 * the path is not a directory); -1 with errno otherwise.  Leaves nothing behind. */
int outfile_check(const char *path);

/* Dies when a binary stream would go to a terminal (as zstd does). */
void refuse_terminal_stdout(void);

/* Ends the program after checking stdout; a closed pipe is not an error. */
void finish_stdout(void);
int is_epipe(int err);

/*
 * The bad-record policy, the same in every program: a record or operand that
 * cannot be read, decoded or processed is reported in one line and skipped, the
 * other records go on, and the program exits 1 at the end (skip_status).
 * --max-errors N (skip_set_max) stops the program at the error after the N-th
 * (0: at the first), through skip_stop, without closing its output.  A damaged
 * stream is no skip: it stops the program at once.
 */
void skip_set_max(long long max);       /* -1, the default: no limit */
/* Prints "PROG: INPUT: record N (id ID): what" ("(id ID)" left out when id is NULL,
 * "record N (id ID)" when recno is 0: an operand) and counts it: 0 to go on, -1 when
 * that error was one more than --max-errors allows: the caller then stops, with
 * skip_stop. */
int skip_record(const char *input, size_t recno, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int skip_report(const char *msg);       /* the same for a line already formatted */
/* skip_record, then skip_stop when that error was one too many: for callers with
 * nothing to do before the program stops. */
void skip_or_stop(const char *input, size_t recno, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void vskip_or_stop(const char *input, size_t recno, const char *id, const char *fmt, va_list ap);
size_t skip_count(void);                /* the records and operands skipped so far */
int skip_status(void);                  /* 1 when something was skipped, else 0 */
/* Ends the program (exit 1) once --max-errors is passed: "PROG: stopping: ..." */
void skip_stop(void) __attribute__((noreturn));

/* The -v summary line: records in and out, skipped, seconds, records/s, peak memory
 * ("1 record in", "2 records in"). */
void summary_start(void);
void summary_print(size_t nin, size_t nout);
/* The same for work that is not records in and out: "PROG: WHAT, N s, peak M MiB". */
void summary_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "s" unless n is 1: for "%zu record%s", n, plural(n) */
static inline const char *plural(size_t n) { return n == 1 ? "" : "s"; }

double now_seconds(void);

/*
 * The progress line of long work, the same in every program (progress.c).  By
 * default it shows only when stderr is a terminal (not shared with a listing on
 * stdout, progress_text_stdout): one line, redrawn at most four
 * times a second and erased at the end.  --progress (PROGRESS_LINES) forces it as
 * plain lines for logs, at most one a second plus one at the end; -q, --quiet
 * (PROGRESS_OFF) silences it.  The standard line counts records done, their rate,
 * and with a known total (progress_start) the share done and the time left.
 * Messages through die, warnx and skip_report erase the line first; other output
 * to stderr while it shows calls progress_clear.  Single-threaded: call it from
 * the thread that writes the output.
 *
 *	progress_start(source_count(argc, argv, &so));   // or 0: unknown
 *	for (...) progress_tick(++ndone);
 *	progress_done();
 */
enum { PROGRESS_AUTO, PROGRESS_LINES, PROGRESS_OFF };
void progress_set_mode(int mode);       /* from --progress and -q (the last one wins) */
int progress_mode(void);                /* what was set */
/* Standard output carries text as the work goes (a listing, scores): when it is a terminal
 * too, no line by default, since the two would mix. */
void progress_text_stdout(void);
int progress_enabled(void);             /* whether a line will show (worth counting a total for) */
void progress_start(size_t total);      /* starts the clock; total 0: unknown */
void progress_tick(size_t ndone);       /* records done so far; cheap enough for every record */
/* A line of the program's own (after "PROG: "), shown when a redraw is due or force is set. */
void progress_line(int force, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_clear(void);              /* erases a terminal line before other output to stderr */
void progress_done(void);               /* erases the line (terminal) or prints the last one (lines) */

#endif
