/* The progress line of long work, the same in every program (see util.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

#define TTY_PERIOD 0.25         /* a terminal line: at most four redraws a second */
#define LINE_PERIOD 1.0         /* --progress: at most one line a second */
#define CHECKS_PER_SEC 100      /* how often progress_tick looks at the clock */

static int mode = PROGRESS_AUTO;
static int text_stdout;         /* standard output carries text as the work goes */
static int on = -1;             /* resolved: 0 off, 1 terminal, 2 plain lines; -1 not yet */
static int cols = 80;           /* the terminal's width: a longer line would wrap and stay */
static int shown;               /* a terminal line is on the screen */
static int ticked;              /* progress_tick was called since progress_start */
static double t0, last;
static size_t total, ndone, countdown;

void
progress_set_mode(int m)
{
	mode = m;
	on = -1;
}

void
progress_text_stdout(void)
{
	text_stdout = 1;
	on = -1;
}

int
progress_mode(void)
{
	return mode;
}

static int
resolve(void)
{
	struct winsize ws;

	if (on != -1)
		return on;
	if (mode == PROGRESS_OFF)
		on = 0;
	else if (mode == PROGRESS_LINES)
		on = 2;
	else
		on = isatty(2) && !(text_stdout && isatty(1)) ? 1 : 0;
	if (on == 1 && ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	if (on == 1)
		atexit(progress_clear); /* every way out (a closed pipe too) leaves the terminal clean */
	return on;
}

int
progress_enabled(void)
{
	return resolve() != 0;
}

void
progress_start(size_t n)
{
	if (!resolve())
		return;
	total = n;
	ndone = 0;
	ticked = 0;
	countdown = 0;
	t0 = now_seconds();
	last = on == 2 ? t0 : 0;        /* a terminal line shows at once, a plain one after a period */
}

/* Puts the line text (after "PROG: "): a terminal line redrawn in place, or a plain line. */
static void
put(const char *text)
{
	if (on == 1) {
		int room = cols - 3 - (int)strlen(progname);   /* one column spare: no wrap */
		fprintf(stderr, "\r%s: %.*s\033[K", progname, room > 0 ? room : 0, text);
		shown = 1;
	} else {
		fprintf(stderr, "%s: %s\n", progname, text);
	}
}

static void
format_clock(char *buf, size_t len, double s)
{
	long long t = (long long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lld:%02lld", t / 60, t % 60);
}

/* The standard line: records done (of the total), records/s, time left or time taken. */
static void
standard_line(double t, int final)
{
	char text[200], clock[32];
	double s = t - t0, rate = s > 0 ? ndone / s : 0;
	size_t n = 0;
	int showrate = s >= 0.2 || (final && s > 0);

	if (total > 0 && ndone <= total)
		n += (size_t)snprintf(text, sizeof text, "%zu/%zu records (%d%%)", ndone, total,
		                      (int)(100.0 * ndone / total));
	else
		n += (size_t)snprintf(text, sizeof text, "%zu records", ndone);
	if (showrate)
		n += (size_t)snprintf(text + n, sizeof text - n, ", %.*f records/s", rate < 100 ? 1 : 0, rate);
	if (final) {
		format_clock(clock, sizeof clock, s);
		snprintf(text + n, sizeof text - n, ", done in %s", clock);
	} else if (showrate && total > 0 && ndone <= total && rate > 0) {
		format_clock(clock, sizeof clock, (total - ndone) / rate);
		snprintf(text + n, sizeof text - n, ", ETA %s", clock);
	}
	put(text);
}

void
progress_tick(size_t n)
{
	double t, s;

	if (on == 0 || (on == -1 && !resolve()))
		return;
	if (t0 == 0)
		progress_start(0);      /* no total given */
	ticked = 1;
	ndone = n;
	if (countdown > 0) {            /* the clock is read about CHECKS_PER_SEC times a second */
		countdown--;
		return;
	}
	t = now_seconds();
	s = t - t0;
	countdown = s > 0.01 ? (size_t)(n / s / CHECKS_PER_SEC) : 0;
	if (countdown > 10000)
		countdown = 10000;      /* a slow stretch after a fast one still redraws soon */
	if (t - last < (on == 1 ? TTY_PERIOD : LINE_PERIOD))
		return;
	last = t;
	standard_line(t, 0);
}

void
progress_line(int force, const char *fmt, ...)
{
	char text[256];
	double t;
	va_list ap;

	if (!resolve())
		return;
	t = now_seconds();
	if (t0 == 0)
		progress_start(0);
	if (!force && t - last < (on == 1 ? TTY_PERIOD : LINE_PERIOD))
		return;
	last = t;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	put(text);
}

void
progress_clear(void)
{
	if (on == 1 && shown) {
		fputs("\r\033[K", stderr);
		shown = 0;
	}
}

void
progress_done(void)
{
	if (on == 2 && ticked)
		standard_line(now_seconds(), 1);
	progress_clear();
	ticked = 0;
	total = ndone = countdown = 0;
	t0 = last = 0;
}
