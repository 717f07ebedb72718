/* net: shared libcurl settings and remote files read as they arrive (see net.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "util/util.h"

#define NET_TRIES 3
#define NET_BACKOFF 0.5         /* seconds before the second try, doubled for each next */
#define NET_CONNECT_TIMEOUT_MS 10000L

void
net_curl_setup(CURL *c, const char *url, const struct net_limits *l, char *errbuf)
{
	long timeout_ms = (long)(l->timeout * 1000);

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)l->max_redirs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 timeout_ms > 0 && timeout_ms < NET_CONNECT_TIMEOUT_MS ? timeout_ms : NET_CONNECT_TIMEOUT_MS);
	/* a server that trickles: under 100 bytes/s for 10 s (or the timeout) is cut off */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 100L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, l->timeout > 0 && l->timeout < 10 ? (long)(l->timeout + 1) : 10L);
	if (l->max_bytes)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)l->max_bytes);
	if (l->user_agent)
		curl_easy_setopt(c, CURLOPT_USERAGENT, l->user_agent);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, l->insecure ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, l->insecure ? 0L : 2L);
	if (l->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, l->cacert);
}

int
net_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

struct net_stream {
	char *url;
	int fd[2];              /* fd[0] read through f; the transfer writes fd[1] */
	FILE *f;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int begun;              /* body bytes were handed on (no retry then) */
	int finished;
	int stopped;            /* the reader closed its end: not an error */
	long status;            /* of the response whose headers arrive */
	int failed;
	char err[CURL_ERROR_SIZE + 64];
};

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	net_stream *s = arg;
	size_t len = size * n;

	if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
		const char *sp = memchr(buf, ' ', len);
		s->status = sp ? strtol(sp + 1, NULL, 10) : 0;
	}
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
	net_stream *s = arg;
	size_t len = size * n, off = 0;

	if (s->status < 200 || s->status > 299)
		return len;             /* an error page or a redirect's body: not handed on */
	if (!s->begun) {
		pthread_mutex_lock(&s->mu);
		s->begun = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	while (off < len) {
		ssize_t w = send(s->fd[1], buf + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->stopped = 1;         /* the reader is gone */
			return 0;
		}
		off += (size_t)w;
	}
	return len;
}

static int
retryable(CURLcode rc, long status)
{
	if (rc == CURLE_OK)
		return status == 429 || status >= 500;
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_FILESIZE_EXCEEDED:
		return 0;
	default:
		return 1;
	}
}

static void
pause_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void *
transfer(void *arg)
{
	static const struct net_limits lim = { .user_agent = "imgtools", .max_redirs = 5 };
	net_stream *s = arg;
	char errbuf[CURL_ERROR_SIZE];
	double wait = NET_BACKOFF;

	for (int t = 1;; t++) {
		CURL *c = curl_easy_init();
		CURLcode rc;

		if (c == NULL) {
			snprintf(s->err, sizeof s->err, "cannot start libcurl");
			s->failed = 1;
			break;
		}
		errbuf[0] = '\0';
		s->status = 0;
		net_curl_setup(c, s->url, &lim, errbuf);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
		curl_easy_cleanup(c);
		if (rc == CURLE_OK && s->status >= 200 && s->status <= 299)
			break;
		if (s->stopped)
			break;
		if (rc == CURLE_OK)
			snprintf(s->err, sizeof s->err, "HTTP %ld", s->status);
		else if (s->begun)
			snprintf(s->err, sizeof s->err, "transfer cut short: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		else
			snprintf(s->err, sizeof s->err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		if (s->begun || t >= NET_TRIES || !retryable(rc, s->status)) {
			s->failed = 1;
			break;
		}
		pause_s(wait);
		wait *= 2;
	}
	pthread_mutex_lock(&s->mu);
	s->finished = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	shutdown(s->fd[1], SHUT_WR);     /* the reader sees the end */
	return NULL;
}

static void
stream_free(net_stream *s)
{
	if (s->f)
		fclose(s->f);
	else
		close(s->fd[0]);
	close(s->fd[1]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->url);
	free(s);
}

static void
global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

net_stream *
net_open(const char *url, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	net_stream *s = xcalloc(1, sizeof *s);

	pthread_once(&once, global_init);
	s->url = xstrdup(url);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->fd) == -1) {
		errorf(err, errlen, "%s: %s", url, strerror(errno));
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s->url);
		free(s);
		return NULL;
	}
	if (pthread_create(&s->th, NULL, transfer, s) != 0) {
		errorf(err, errlen, "%s: cannot start a thread", url);
		stream_free(s);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->begun && !s->finished)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	if (!s->begun && s->failed) {
		pthread_join(s->th, NULL);
		errorf(err, errlen, "%s: %s", url, s->err);
		stream_free(s);
		return NULL;
	}
	if ((s->f = fdopen(s->fd[0], "rb")) == NULL) {
		errorf(err, errlen, "%s: %s", url, strerror(errno));
		shutdown(s->fd[0], SHUT_RDWR);
		pthread_join(s->th, NULL);
		stream_free(s);
		return NULL;
	}
	return s;
}

FILE *
net_file(net_stream *s)
{
	return s->f;
}

int
net_close(net_stream *s, char *err, size_t errlen)
{
	int rc = 0;

	shutdown(s->fd[0], SHUT_RDWR);   /* a transfer still running stops at its next write */
	pthread_join(s->th, NULL);
	if (s->failed && !s->stopped)
		rc = errorf(err, errlen, "%s: %s", s->url, s->err);
	stream_free(s);
	return rc;
}
