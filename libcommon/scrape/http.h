/* http: one bounded, safe HTTP(S) transfer through libcurl (GET or form POST).
 * Only http and https, also across redirects; a bounded number of redirects;
 * TLS verification on unless insecure; the body bounded as it arrives. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http_opts {
	const char *user_agent;
	const char *cacert;             /* CA bundle file, NULL: the system's */
	int insecure;                   /* no TLS verification (the caller warns) */
	double timeout;                 /* seconds for the whole transfer */
	uint64_t max_bytes;             /* body limit; a larger Content-Length is refused at once */
	int max_redirs;
	int compressed;                 /* ask for gzip (listings; never for image bytes) */
};

enum http_fail {
	HTTP_OK = 0,
	HTTP_TOO_BIG,                   /* Content-Length or body above max_bytes */
	HTTP_REFUSED,                   /* protocol not allowed, redirect loop, bad URL: no retry */
	HTTP_NETWORK,                   /* connection, timeout, TLS...: may be retried */
};

struct http_resp {
	long status;                    /* of the last response; 0 when none arrived */
	unsigned char *body;            /* malloc'd, NUL-terminated (not counted in len) */
	size_t len;
	char *url;                      /* effective URL after redirects (malloc'd) */
	int fail;                       /* enum http_fail */
	double retry_after;             /* Retry-After in seconds, -1 if absent */
	double rl_remaining, rl_reset;  /* x-ratelimit-remaining / -reset, -1 if absent */
	char err[256];                  /* the reason when fail != HTTP_OK */
};

void http_global_init(void);
/* auth: a whole header ("Authorization: bearer ...") or NULL; it is sent to the
 * URL's host only (libcurl drops it on a redirect to another host).
 * user/pass: HTTP basic auth, or NULL.  post: a form body, or NULL for GET.
 * Returns 0 when a response arrived (any status), -1 with r->fail and r->err otherwise. */
int http_fetch(const struct http_opts *o, const char *url, const char *auth,
               const char *user, const char *pass, const char *post, struct http_resp *r);
void http_resp_free(struct http_resp *r);   /* frees body and url; NULL-safe */
/* Parses a Retry-After value: delta seconds or an HTTP date; -1 if neither. */
double http_parse_retry_after(const char *v, double now);
/* The host[:port] of an http(s) URL, lowercased, in buf; -1 if it has none. */
int http_url_host(const char *url, char *buf, size_t n);

#endif
