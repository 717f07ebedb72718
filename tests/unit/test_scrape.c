/* Unit tests of imgscrape's pieces: Reddit sources, URLs and listing pages,
 * safe names, index escaping, the archive, Retry-After, the pacer. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scrape/archive.h"
#include "check.h"
#include "scrape/dirstore.h"
#include "scrape/http.h"
#include "scrape/polite.h"
#include "scrape/reddit.h"
#include "util/util.h"

static void
sources(void)
{
	struct reddit_source s;
	char err[256], url[1024];

	CHECK(reddit_source_parse("r/carporn+tankporn", &s, err, sizeof err) == 0 && s.kind == REDDIT_SUB &&
	      strcmp(s.name, "carporn+tankporn") == 0, "r/A+B");
	CHECK(reddit_source_parse("r/../x", &s, err, sizeof err) == -1, "r/.. refused: %s", err);
	CHECK(reddit_source_parse("r/+a", &s, err, sizeof err) == -1, "r/+a refused");
	CHECK(reddit_source_parse("u/a+b", &s, err, sizeof err) == -1, "u/ takes no +");
	CHECK(reddit_source_parse("https://x/y.jpg", &s, err, sizeof err) == 1, "a URL is no Reddit source");
	CHECK(reddit_source_parse("search:a&b=c@r/pics", &s, err, sizeof err) == 0 && strcmp(s.query, "a&b=c") == 0 &&
	      strcmp(s.name, "pics") == 0, "search:Q@r/NAME");
	reddit_listing_url(url, sizeof url, "https://www.reddit.com", 0, &s, "new", "week", "t3_x", 100);
	CHECK(strcmp(url, "https://www.reddit.com/r/pics/search.json?q=a%26b%3Dc&limit=100&sort=new"
	      "&restrict_sr=1&raw_json=1&t=week&after=t3_x&count=100") == 0, "search URL escapes the query: %s", url);
	reddit_source_parse("r/pics", &s, err, sizeof err);
	reddit_listing_url(url, sizeof url, "https://oauth.reddit.com", 1, &s, "hot", NULL, NULL, 0);
	CHECK(strcmp(url, "https://oauth.reddit.com/r/pics/hot?limit=100&raw_json=1") == 0, "OAuth URL: %s", url);
	CHECK(reddit_listing_url(url, 40, "https://oauth.reddit.com", 1, &s, "hot", NULL, NULL, 0) == -1,
	      "a URL that does not fit is an error");
}

static const char page_json[] =
	"{\"kind\":\"Listing\",\"data\":{\"after\":\"t3_n\",\"children\":["
	"{\"kind\":\"t3\",\"data\":{\"id\":\"g1\",\"subreddit\":\"cars\",\"title\":7,\"created_utc\":1.5e9,"
	"\"is_gallery\":true,\"gallery_data\":{\"items\":[{\"media_id\":\"z\"},{\"media_id\":\"y\"},{\"media_id\":3}]},"
	"\"media_metadata\":{\"y\":{\"status\":\"valid\",\"s\":{\"u\":\"https://i.redd.it/y.jpg?a=1&amp;b=2\"}},"
	"\"z\":{\"status\":\"failed\"}}}},"
	"{\"kind\":\"t3\",\"data\":{\"id\":\"x1\",\"url\":\"https://www.reddit.com/r/a/comments/o\","
	"\"crosspost_parent_list\":[{\"url\":\"https://i.imgur.com/abc\",\"is_video\":false}]}},"
	"{\"kind\":\"t3\",\"data\":{\"id\":\"v1\",\"url\":\"https://v.redd.it/q\"}},"
	"{\"kind\":\"t3\",\"data\":{\"id\":\"s1\",\"is_self\":true}},"
	"{\"kind\":\"t3\",\"data\":{\"id\":\"d1\",\"removed_by_category\":\"moderator\",\"url\":\"https://i.redd.it/d.png\"}},"
	"{\"kind\":\"t3\",\"data\":{\"id\":\"p1\",\"url\":\"https://news.example/a\",\"over_18\":true,"
	"\"preview\":{\"images\":[{\"source\":{\"url\":\"https://preview.redd.it/p.jpg?w=1&amp;s=2\"}}]}}},"
	"{\"kind\":\"t1\",\"data\":{\"body\":\"a comment\"}}]}}";

static void
listing(void)
{
	struct reddit_page pg;
	char err[256];
	int rc = reddit_parse_listing(page_json, strlen(page_json), &pg, err, sizeof err);

	CHECK(rc == 0 && pg.npost == 6 && pg.nchildren == 7 && strcmp(pg.after, "t3_n") == 0,
	      "a page: 6 posts of 7 children, after: %s", rc ? err : "");
	if (rc)
		return;
	CHECK(pg.post[0].nmedia == 2 && !pg.post[0].media[0].valid && pg.post[0].media[1].valid &&
	      strcmp(pg.post[0].media[1].url, "https://i.redd.it/y.jpg?a=1&b=2") == 0 &&
	      strcmp(pg.post[0].media[1].media_id, "y") == 0, "gallery: items in order, the failed one marked");
	CHECK(strcmp(pg.post[0].title, "") == 0 && strcmp(pg.post[0].created_utc, "1500000000") == 0,
	      "a title of the wrong type is left out; created_utc as an integer");
	CHECK(pg.post[1].nmedia == 1 && strcmp(pg.post[1].media[0].url, "https://i.imgur.com/abc") == 0,
	      "crosspost: the parent's link");
	CHECK(pg.post[2].skip == RSKIP_VIDEO && pg.post[3].skip == RSKIP_SELF && pg.post[4].skip == RSKIP_DELETED,
	      "video, self and removed posts skipped");
	CHECK(pg.post[5].over18 && pg.post[5].nmedia == 1 &&
	      strcmp(pg.post[5].media[0].url, "https://preview.redd.it/p.jpg?w=1&s=2") == 0, "preview of a link post");
	reddit_page_free(&pg);

	static const char *const bad[] = {
		"", "[1,2]", "{\"kind\":\"Listing\",\"data\":{\"children\":{}}}",
		"{\"kind\":\"Listing\",\"data\":{\"children\":[{\"kind\":\"t3\",\"data\":{\"id\":5}}]}}",
		"{\"kind\":\"Listing\",\"data\":{\"after\":3,\"children\":[]}}",
		"{\"kind\":\"Listing\",\"data\":{\"children\":[7]}}",
		"{\"kind\":\"Listing\",\"data\":{\"children\":[{\"kind\":\"t3\",\"data\":{\"id\":\"a\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = reddit_parse_listing(bad[i], strlen(bad[i]), &pg, err, sizeof err);
		CHECK(rc == -1, "malformed listing %zu refused: %s", i, err);
	}
}

static void
token(void)
{
	char *tok, err[256];
	double ttl;
	const char *j = "{\"access_token\":\"abc\",\"token_type\":\"bearer\",\"expires_in\":86400}";

	CHECK(reddit_parse_token(j, strlen(j), &tok, &ttl, err, sizeof err) == 0 && strcmp(tok, "abc") == 0 &&
	      ttl == 86400, "token and lifetime");
	free(tok);
	j = "{\"access_token\":\"a\\r\\nX-Evil: 1\"}";
	CHECK(reddit_parse_token(j, strlen(j), &tok, &ttl, err, sizeof err) == -1, "a token with a newline is refused");
	j = "{\"error\":\"invalid_grant\"}";
	CHECK(reddit_parse_token(j, strlen(j), &tok, &ttl, err, sizeof err) == -1 && strstr(err, "invalid_grant"),
	      "an error response: %s", err);
}

static void
names(void)
{
	char b[160], *row = NULL;
	size_t len = 0, cap = 0;

	safe_name("abc123", "jpg", b, sizeof b);
	CHECK(strcmp(b, "abc123.jpg") == 0, "a plain id stays: %s", b);
	safe_name("../../etc/passwd", "png", b, sizeof b);
	CHECK(strncmp(b, "______etc_passwd_", 17) == 0 && strlen(b) == 17 + 8 + 4 && !strchr(b, '/'),
	      "traversal sanitised, digest added: %s", b);
	safe_name("..", NULL, b, sizeof b);
	CHECK(b[0] != '.' && !strchr(b, '/'), "'..' is no name: %s", b);
	safe_name("", "gif", b, sizeof b);
	CHECK(b[0] == 'x' && strlen(b) == 1 + 9 + 4, "an empty id: %s", b);
	char longid[400];
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	safe_name(longid, "jpg", b, sizeof b);
	CHECK(strlen(b) == 80 + 9 + 4, "a long id is cut, with a digest: %zu", strlen(b));
	tsv_escape(&row, &len, &cap, "a\tb\nc\rd\\e");
	CHECK(strcmp(row, "a\\tb\\nc\\rd\\\\e") == 0, "index fields escaped: %s", row);
	free(row);
}

static void
archive_file(const char *dir)
{
	char path[512], err[256];
	archive *a;
	FILE *f;

	snprintf(path, sizeof path, "%s/seen.txt", dir);
	f = fopen(path, "w");
	fputs("reddit:abc\taaaa\n# a comment\n\nurl:http://x/y\tbbbb\r\nreddit:torn\tcc", f);
	fclose(f);
	a = archive_open(path, err, sizeof err);
	CHECK(a && archive_has_key(a, "reddit:abc") && archive_has_key(a, "url:http://x/y") &&
	      archive_has_sha(a, "bbbb") && !archive_has_key(a, "reddit:torn") && archive_size(a) == 2,
	      "archive read back; a torn last line ignored");
	CHECK(archive_add(a, "reddit:new\tx", "dddd") == 0, "archive_add");
	archive_close(a);
	a = archive_open(path, err, sizeof err);
	CHECK(a && archive_has_key(a, "reddit:new") && archive_has_sha(a, "dddd"), "an added line survives a reopen");
	archive_close(a);
	CHECK(archive_open(dir, err, sizeof err) == NULL, "a folder is no archive: %s", err);
}

static void
politeness(void)
{
	double t;
	pacer *p;
	struct http_resp r = { .rl_remaining = 0, .rl_reset = 0.3 };

	CHECK(http_parse_retry_after("120", 0) == 120, "Retry-After in seconds");
	CHECK(http_parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 40) == 60, "Retry-After as a date");
	CHECK(http_parse_retry_after("soon", 0) == -1, "Retry-After nonsense");
	p = pacer_new(0.1, 0.05);
	t = now_seconds();
	pacer_wait(p);
	pacer_wait(p);
	pacer_wait(p);
	CHECK(now_seconds() - t >= 0.19, "the pacer spaces requests by its interval");
	pacer_note(p, &r);
	t = now_seconds();
	pacer_wait(p);
	CHECK(now_seconds() - t >= 0.28, "an exhausted quota holds requests until the reset");
	r.rl_remaining = 100;
	r.rl_reset = 1;
	pacer_note(p, &r);
	CHECK(pacer_interval(p) == 0.05, "the pace from the headers, never under the minimum");
	pacer_free(p);
	char h[64];
	CHECK(http_url_host("https://user@I.Redd.it:443/x?y", h, sizeof h) == 0 && strcmp(h, "i.redd.it:443") == 0,
	      "host of a URL: %s", h);
}

int
main(void)
{
	char dir[] = "/tmp/test_scrapeXXXXXX";

	sources();
	listing();
	token();
	names();
	if (mkdtemp(dir)) {
		archive_file(dir);
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	politeness();
	return CHECK_DONE();
}
