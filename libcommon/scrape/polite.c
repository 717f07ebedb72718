/* polite: pacing and retries (see polite.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "polite.h"
#include "util/util.h"

struct pacer {
	pthread_mutex_t mu;
	double interval, min_interval;
	double last;                    /* the time of the last request, -1 before the first */
	double hold;                    /* nothing before this (429, exhausted quota) */
};

struct host {
	char name[256];
	int active;
	double last;                    /* when the last request to it was sent */
};

struct hostgate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int max_active;
	double gap;
	struct host *h;
	size_t n, cap;
};

void
sleep_seconds(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

pacer *
pacer_new(double interval, double min_interval)
{
	pacer *p = xcalloc(1, sizeof *p);

	pthread_mutex_init(&p->mu, NULL);
	p->min_interval = min_interval;
	p->interval = interval > min_interval ? interval : min_interval;
	p->last = -1;
	return p;
}

void
pacer_free(pacer *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void
pacer_wait(pacer *p)
{
	double t, now;

	pthread_mutex_lock(&p->mu);
	now = now_seconds();
	t = p->last < 0 ? now : p->last + p->interval;
	if (t < p->hold)
		t = p->hold;
	if (t < now)
		t = now;
	p->last = t;
	pthread_mutex_unlock(&p->mu);
	sleep_seconds(t - now);
}

void
pacer_hold(pacer *p, double until)
{
	pthread_mutex_lock(&p->mu);
	if (until > p->hold)
		p->hold = until;
	pthread_mutex_unlock(&p->mu);
}

void
pacer_note(pacer *p, const struct http_resp *r)
{
	double now = now_seconds();

	if (r->rl_remaining < 0 || r->rl_reset < 0)
		return;
	pthread_mutex_lock(&p->mu);
	if (r->rl_remaining < 1) {
		/* the hold does the waiting; the next response sets the pace again */
		if (now + r->rl_reset > p->hold)
			p->hold = now + r->rl_reset;
		p->interval = p->min_interval;
	} else {
		double iv = r->rl_reset / r->rl_remaining;
		p->interval = iv > p->min_interval ? iv : p->min_interval;
	}
	pthread_mutex_unlock(&p->mu);
}

double
pacer_interval(pacer *p)
{
	double iv;

	pthread_mutex_lock(&p->mu);
	iv = p->interval;
	pthread_mutex_unlock(&p->mu);
	return iv;
}

hostgate *
hostgate_new(int max_active, double per_second)
{
	hostgate *g = xcalloc(1, sizeof *g);

	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->max_active = max_active < 1 ? 1 : max_active;
	g->gap = per_second > 0 ? (1 + HOSTGATE_MARGIN) / per_second : 0;
	return g;
}

void
hostgate_free(hostgate *g)
{
	if (g == NULL)
		return;
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g->h);
	free(g);
}

static struct host *
host_of(hostgate *g, const char *url)
{
	char name[256];

	if (http_url_host(url, name, sizeof name) == -1)
		strcpy(name, "?");
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->h[i].name, name) == 0)
			return &g->h[i];
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->h = xreallocarray(g->h, g->cap, sizeof *g->h);
	}
	memset(&g->h[g->n], 0, sizeof g->h[g->n]);
	strcpy(g->h[g->n].name, name);
	g->h[g->n].last = -1e9;
	return &g->h[g->n++];
}

/*
 * A request waits for a free transfer and for gap seconds after the previous
 * request to the host was sent; the time is stamped when it goes (after any
 * sleep, under the lock), never when its turn was booked, so a request that is
 * late (a slow thread, a busy machine) pushes the following ones back instead
 * of bunching with them.  Any per_second + 1 requests in a row then span
 * 1 + HOSTGATE_MARGIN seconds as sent, and at least 1 s as the server sees them
 * unless one takes HOSTGATE_MARGIN longer than another on the way.
 */
void
hostgate_enter(hostgate *g, const char *url)
{
	pthread_mutex_lock(&g->mu);
	for (;;) {
		struct host *h = host_of(g, url);
		if (h->active >= g->max_active) {
			pthread_cond_wait(&g->cv, &g->mu);
			continue;
		}
		double now = now_seconds(), t = h->last + g->gap;
		if (t > now) {
			pthread_mutex_unlock(&g->mu);
			sleep_seconds(t - now);
			pthread_mutex_lock(&g->mu);
			continue;       /* another request may have gone meanwhile */
		}
		h->last = now;
		h->active++;
		break;
	}
	pthread_mutex_unlock(&g->mu);
}

void
hostgate_leave(hostgate *g, const char *url)
{
	pthread_mutex_lock(&g->mu);
	host_of(g, url)->active--;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* A backoff of base * 2^k, times a jitter factor in [0.5, 1.5). */
static double
backoff(const struct polite_opts *po, int k)
{
	static __thread uint64_t s;
	double d = po->backoff;

	if (s == 0)
		s = (uint64_t)(now_seconds() * 1e9) ^ (uint64_t)(uintptr_t)&s;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	for (int i = 0; i < k; i++)
		d *= 2;
	return d * (0.5 + (double)(s >> 11) / 9007199254740992.0);
}

int
polite_fetch(const struct polite_opts *po, const struct http_opts *o, pacer *pace, hostgate *g,
             const char *url, const char *auth, const char *user, const char *pass,
             const char *post, struct http_resp *r)
{
	int tries = po->tries < 1 ? 1 : po->tries;

	for (int k = 0;; k++) {
		double wait = -1;
		int rc;

		if (pace)
			pacer_wait(pace);
		if (g)
			hostgate_enter(g, url);
		rc = http_fetch(o, url, auth, user, pass, post, r);
		if (g)
			hostgate_leave(g, url);
		if (pace)
			pacer_note(pace, r);
		if (rc == 0 && r->status == 429) {
			wait = r->retry_after >= 0 ? r->retry_after : backoff(po, k);
			if (wait > po->max_wait) {
				r->fail = HTTP_REFUSED;
				snprintf(r->err, sizeof r->err, "HTTP 429: Retry-After %.0f s is longer than %.0f s",
				         wait, po->max_wait);
				return -1;
			}
		} else if ((rc == 0 && r->status >= 500) || (rc == -1 && r->fail == HTTP_NETWORK)) {
			wait = backoff(po, k);
		}
		if (wait < 0 || k + 1 >= tries)
			return rc;
		http_resp_free(r);
		if (pace && r->status == 429)
			pacer_hold(pace, now_seconds() + wait);
		else
			sleep_seconds(wait);
	}
}
