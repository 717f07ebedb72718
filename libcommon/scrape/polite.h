/* polite: pacing of requests and retries, so a scraper is a good citizen.
 * A pacer spaces the requests to one API (an interval, holds after a 429 or
 * an exhausted x-ratelimit); a hostgate bounds the transfers to each host
 * (at once and per second); polite_fetch retries 429, 5xx and network errors
 * with exponential backoff and jitter, a bounded number of times.
 * All of it is thread-safe.  Times are now_seconds() (monotonic). */
#ifndef POLITE_H
#define POLITE_H

#include "http.h"

typedef struct pacer pacer;
typedef struct hostgate hostgate;

pacer *pacer_new(double interval, double min_interval);
void pacer_free(pacer *p);
void pacer_wait(pacer *p);                      /* blocks until a request may go, takes the slot */
void pacer_hold(pacer *p, double until);        /* no request before until */
/* Learns from a response's x-ratelimit-remaining / -reset headers: when they are
 * present the pace is reset/remaining (never under min_interval), and nothing
 * goes while remaining is 0 until the reset. */
void pacer_note(pacer *p, const struct http_resp *r);
double pacer_interval(pacer *p);

/* At most max_active transfers to a host at once, and at most per_second requests in
 * any second: requests to a host go (1 + HOSTGATE_MARGIN) / per_second seconds apart,
 * counted from when each was sent, so that the server sees no more than per_second in
 * any one-second window although requests take different times to reach it. */
#define HOSTGATE_MARGIN 0.1
hostgate *hostgate_new(int max_active, double per_second);
void hostgate_free(hostgate *g);
void hostgate_enter(hostgate *g, const char *url);
void hostgate_leave(hostgate *g, const char *url);

struct polite_opts {
	int tries;                      /* attempts in all, at least 1 */
	double backoff;                 /* first backoff in seconds, doubled each time, +-50% jitter */
	double max_wait;                /* a Retry-After above this gives up */
};

/* One request with retries.  pace and gate may be NULL.  Returns 0 with the
 * last response in r (any status: the caller judges it), -1 with r->fail and
 * r->err when no response came (or a 429 wanted too long a wait). */
int polite_fetch(const struct polite_opts *po, const struct http_opts *o, pacer *pace, hostgate *g,
                 const char *url, const char *auth, const char *user, const char *pass,
                 const char *post, struct http_resp *r);

void sleep_seconds(double s);

#endif
