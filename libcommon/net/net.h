/* net: what every libcurl transfer of the toolkit shares, and a remote file
 * read as a FILE as it arrives.  Only http and https, also across redirects; a
 * bounded number of redirects; a connect timeout and a cut-off for a server that
 * trickles; TLS verification on unless insecure. */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>

struct net_limits {
	const char *user_agent;
	const char *cacert;             /* CA bundle file, NULL: the system's */
	int insecure;                   /* no TLS verification (the caller warns) */
	double timeout;                 /* seconds for the whole transfer; 0: no limit */
	uint64_t max_bytes;             /* body limit; 0: none */
	int max_redirs;
};

/* Sets the options above (and NOSIGNAL) on a curl handle; errbuf has CURL_ERROR_SIZE bytes. */
void net_curl_setup(CURL *c, const char *url, const struct net_limits *l, char *errbuf);

/* 1 when s is an http:// or https:// URL (case-insensitive scheme). */
int net_is_url(const char *s);

/* A GET whose body is read through a FILE as it arrives (a thread runs the transfer). */
typedef struct net_stream net_stream;

/*
 * Starts the transfer and waits for the body to begin.  Statuses 429 and 5xx
 * and network errors are tried again, 3 tries in all, 0.5 s then 1 s apart,
 * while no byte has been handed on; other statuses, a refused protocol (a
 * redirect to file://) and a bad URL are not.  NULL with a message in err
 * ("HTTP 404", the libcurl error) when no body came.
 */
net_stream *net_open(const char *url, char *err, size_t errlen);
FILE *net_file(net_stream *s);
/* Ends the transfer (stopping it when the reader stopped early) and frees s.
 * -1 with a message when the body did not arrive whole: the reader saw its end
 * early (a cut connection, a short body against Content-Length). */
int net_close(net_stream *s, char *err, size_t errlen);

#endif
