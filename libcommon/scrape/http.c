/* http: one bounded, safe transfer through libcurl (see http.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "net/net.h"
#include "util/util.h"

struct xfer {
	const struct http_opts *o;
	struct http_resp *r;
	size_t cap;
	long cur_status;                /* of the response whose headers are arriving */
};

void
http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

double
http_parse_retry_after(const char *v, double now)
{
	char *end;
	double d;
	struct tm tm;

	while (*v == ' ' || *v == '\t')
		v++;
	d = strtod(v, &end);
	if (end > v && isdigit((unsigned char)*v)) {
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end == '\0')
			return d;
	}
	memset(&tm, 0, sizeof tm);
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return -1;
	d = (double)timegm(&tm) - now;
	return d < 0 ? 0 : d;
}

/* A header value as a number, or -1. */
static double
num(const char *v)
{
	char *end;
	double d = strtod(v, &end);

	return end > v && d >= 0 ? d : -1;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_resp *r = x->r;
	size_t len = size * n;
	char line[512], *v;

	if (len >= sizeof line)
		return len;
	memcpy(line, buf, len);
	line[len] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or 100-continue): forget the last one's */
		char *sp = strchr(line, ' ');
		x->cur_status = sp ? strtol(sp + 1, NULL, 10) : 0;
		r->retry_after = r->rl_remaining = r->rl_reset = -1;
		return len;
	}
	if ((v = strchr(line, ':')) == NULL)
		return len;
	*v++ = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	if (strcasecmp(line, "retry-after") == 0)
		r->retry_after = http_parse_retry_after(v, (double)time(NULL));
	else if (strcasecmp(line, "x-ratelimit-remaining") == 0)
		r->rl_remaining = num(v);
	else if (strcasecmp(line, "x-ratelimit-reset") == 0)
		r->rl_reset = num(v);
	else if (strcasecmp(line, "content-length") == 0 && x->cur_status >= 200 && x->cur_status < 300) {
		char *end;
		unsigned long long cl = strtoull(v, &end, 10);
		if (end > v && cl > x->o->max_bytes) {
			r->fail = HTTP_TOO_BIG;
			snprintf(r->err, sizeof r->err, "Content-Length %llu is above the limit of %llu bytes",
			         cl, (unsigned long long)x->o->max_bytes);
			return 0;       /* aborts the transfer before the body */
		}
	}
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_resp *r = x->r;
	size_t len = size * n;

	if (len > x->o->max_bytes || r->len > x->o->max_bytes - len) {
		r->fail = HTTP_TOO_BIG;
		snprintf(r->err, sizeof r->err, "body is above the limit of %llu bytes",
		         (unsigned long long)x->o->max_bytes);
		return 0;
	}
	if (r->len + len + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 65536;
		while (cap < r->len + len + 1)
			cap *= 2;
		unsigned char *p = realloc(r->body, cap);
		if (p == NULL) {
			r->fail = HTTP_NETWORK;
			snprintf(r->err, sizeof r->err, "out of memory");
			return 0;
		}
		r->body = p;
		x->cap = cap;
	}
	memcpy(r->body + r->len, buf, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* Errors that trying again will not mend: a disallowed protocol, a redirect
 * loop, a bad URL, and a timeout (a server that took the whole --timeout once
 * would take it again, for every try), a certificate that does not verify. */
static int
refused(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
		return 1;
	default:
		return 0;
	}
}

int
http_fetch(const struct http_opts *o, const char *url, const char *auth,
           const char *user, const char *pass, const char *post, struct http_resp *r)
{
	struct xfer x = { .o = o, .r = r };
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;

	memset(r, 0, sizeof *r);
	r->retry_after = r->rl_remaining = r->rl_reset = -1;
	if ((c = curl_easy_init()) == NULL) {
		r->fail = HTTP_NETWORK;
		snprintf(r->err, sizeof r->err, "cannot start libcurl");
		return -1;
	}
	{
		struct net_limits lim = { .user_agent = o->user_agent, .cacert = o->cacert, .insecure = o->insecure,
		                          .timeout = o->timeout, .max_bytes = o->max_bytes, .max_redirs = o->max_redirs };
		net_curl_setup(c, url, &lim, errbuf);
	}
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	if (o->compressed)
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (auth)
		hdr = curl_slist_append(hdr, auth);
	if (hdr)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
	}
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	{
		char *eff = NULL;
		curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
		r->url = xstrdup(eff ? eff : url);
	}
	if (rc != CURLE_OK && r->fail == HTTP_OK) {
		if (rc == CURLE_FILESIZE_EXCEEDED) {
			r->fail = HTTP_TOO_BIG;
			snprintf(r->err, sizeof r->err, "above the limit of %llu bytes",
			         (unsigned long long)o->max_bytes);
		} else {
			r->fail = refused(rc) ? HTTP_REFUSED : HTTP_NETWORK;
			snprintf(r->err, sizeof r->err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		}
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return r->fail == HTTP_OK ? 0 : -1;
}

void
http_resp_free(struct http_resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->url);
	r->body = NULL;
	r->url = NULL;
	r->len = 0;
}

int
http_url_host(const char *url, char *buf, size_t n)
{
	const char *p = strstr(url, "://"), *e, *at;
	size_t len;

	if (p == NULL || n == 0)
		return -1;
	p += 3;
	e = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(e - p));
	if (at)
		p = at + 1;
	len = (size_t)(e - p);
	if (len == 0 || len >= n)
		return -1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)p[i]);
	buf[len] = '\0';
	return 0;
}
