/* reddit: Reddit sources (r/NAME, r/A+B, u/NAME, search:Q[@r/NAME]), their
 * listing URLs, and the images in a listing page (Reddit's JSON, parsed with
 * cJSON, every field type-checked).  No I/O here. */
#ifndef REDDIT_H
#define REDDIT_H

#include <stddef.h>

enum reddit_kind { REDDIT_SUB = 1, REDDIT_USER, REDDIT_SEARCH };

struct reddit_source {
	enum reddit_kind kind;
	char name[128];                 /* subreddit(s) or user; "" for a site-wide search */
	char query[512];                /* search terms */
};

/* Why a post gives no image. */
enum reddit_skip {
	RSKIP_NONE = 0, RSKIP_SELF, RSKIP_VIDEO, RSKIP_DELETED, RSKIP_NOMEDIA,
};

struct reddit_media {
	char *url;                      /* unescaped (&amp; and friends) */
	char *media_id;                 /* the gallery item's media id, or NULL for a single image */
	int valid;                      /* 0: a gallery item whose status is not "valid" */
};

struct reddit_post {
	char *id, *subreddit, *author, *title, *permalink;
	char created_utc[32];           /* as a decimal number of seconds, "" if absent */
	int over18;
	int skip;                       /* enum reddit_skip */
	struct reddit_media *media;
	size_t nmedia;
};

struct reddit_page {
	struct reddit_post *post;
	size_t npost;
	size_t nchildren;               /* children of any kind */
	char *after;                    /* NULL at the end of the listing */
};

/* Parses "r/NAME", "u/NAME", "search:QUERY" or "search:QUERY@r/NAME"; 0, 1 when
 * arg is not a Reddit source at all, -1 with a reason when it is a bad one. */
int reddit_source_parse(const char *arg, struct reddit_source *s, char *err, size_t errlen);

/* The URL of one page: base without a trailing slash; oauth: the API form
 * (no .json); sort, time (may be NULL), after (NULL for the first page), count. */
int reddit_listing_url(char *buf, size_t n, const char *base, int oauth,
                       const struct reddit_source *s, const char *sort, const char *time,
                       const char *after, long count);

/* Parses one listing page.  0, or -1 with a reason when it is not a listing. */
int reddit_parse_listing(const char *json, size_t len, struct reddit_page *page,
                         char *err, size_t errlen);
void reddit_page_free(struct reddit_page *page);

/* Parses the OAuth token response: the token (malloc'd) and its lifetime in seconds. */
int reddit_parse_token(const char *json, size_t len, char **token, double *expires_in,
                       char *err, size_t errlen);

/* Replaces &amp; &lt; &gt; &quot; &#39; (and &#NNN;) in place. */
void html_unescape(char *s);

#endif
