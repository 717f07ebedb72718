/* reddit: sources, listing URLs and listing pages (see reddit.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "reddit.h"
#include "util/util.h"

static int
name_ok(const char *s, size_t len, int plus)
{
	if (len == 0 || len > 100)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) || c == '_' || c == '-' || (plus && c == '+' && i > 0 && i + 1 < len)))
			return 0;
	}
	return 1;
}

int
reddit_source_parse(const char *arg, struct reddit_source *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (strncmp(arg, "r/", 2) == 0 || strncmp(arg, "u/", 2) == 0) {
		int sub = arg[0] == 'r';
		const char *n = arg + 2;
		size_t len = strlen(n);
		if (len > 0 && n[len - 1] == '/')
			len--;
		if (!name_ok(n, len, sub))
			return errorf(err, errlen, "'%s': a %s name is 1 to 100 letters, digits, _ or -%s",
			              arg, sub ? "subreddit" : "user", sub ? " (several joined by +)" : "");
		s->kind = sub ? REDDIT_SUB : REDDIT_USER;
		memcpy(s->name, n, len);
		return 0;
	}
	if (strncmp(arg, "search:", 7) == 0) {
		const char *q = arg + 7, *at = strstr(q, "@r/");
		size_t qlen = at ? (size_t)(at - q) : strlen(q);
		s->kind = REDDIT_SEARCH;
		if (qlen == 0 || qlen >= sizeof s->query)
			return errorf(err, errlen, "'%s': search wants a query of 1 to %zu bytes",
			              arg, sizeof s->query - 1);
		memcpy(s->query, q, qlen);
		if (at) {
			const char *n = at + 3;
			if (!name_ok(n, strlen(n), 1))
				return errorf(err, errlen, "'%s': bad subreddit name after @r/", arg);
			strcpy(s->name, n);
		}
		return 0;
	}
	return 1;
}

/* Appends to buf (of size n, holding *len bytes); -1 when it does not fit. */
static int
put(char *buf, size_t n, size_t *len, const char *s)
{
	size_t l = strlen(s);

	if (*len + l >= n)
		return -1;
	memcpy(buf + *len, s, l + 1);
	*len += l;
	return 0;
}

static int
put_escaped(char *buf, size_t n, size_t *len, const char *s)
{
	char e[4];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			e[0] = (char)c;
			e[1] = '\0';
		} else {
			snprintf(e, sizeof e, "%%%02X", c);
		}
		if (put(buf, n, len, e) == -1)
			return -1;
	}
	return 0;
}

int
reddit_listing_url(char *buf, size_t n, const char *base, int oauth,
                   const struct reddit_source *s, const char *sort, const char *time,
                   const char *after, long count)
{
	const char *json = oauth ? "" : ".json";
	char num[32];
	size_t len = 0;
	int rc = put(buf, n, &len, base);

	switch (s->kind) {
	case REDDIT_SUB:
		rc |= put(buf, n, &len, "/r/") | put(buf, n, &len, s->name) | put(buf, n, &len, "/") |
		      put(buf, n, &len, sort) | put(buf, n, &len, json) | put(buf, n, &len, "?limit=100");
		break;
	case REDDIT_USER:
		rc |= put(buf, n, &len, "/user/") | put(buf, n, &len, s->name) |
		      put(buf, n, &len, "/submitted") | put(buf, n, &len, json) |
		      put(buf, n, &len, "?limit=100&sort=") | put(buf, n, &len, sort);
		break;
	case REDDIT_SEARCH:
		if (s->name[0])
			rc |= put(buf, n, &len, "/r/") | put(buf, n, &len, s->name);
		rc |= put(buf, n, &len, "/search") | put(buf, n, &len, json) | put(buf, n, &len, "?q=") |
		      put_escaped(buf, n, &len, s->query) | put(buf, n, &len, "&limit=100&sort=") |
		      put(buf, n, &len, sort);
		if (s->name[0])
			rc |= put(buf, n, &len, "&restrict_sr=1");
		break;
	default:
		return -1;
	}
	rc |= put(buf, n, &len, "&raw_json=1");
	if (time)
		rc |= put(buf, n, &len, "&t=") | put(buf, n, &len, time);
	if (after) {
		snprintf(num, sizeof num, "&count=%ld", count);
		rc |= put(buf, n, &len, "&after=") | put_escaped(buf, n, &len, after) | put(buf, n, &len, num);
	}
	return rc ? -1 : 0;
}

void
html_unescape(char *s)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
	};
	char *w = s;

	while (*s) {
		size_t i, k = 0;
		if (*s != '&') {
			*w++ = *s++;
			continue;
		}
		for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
			if (strncmp(s, ents[i].e, k = strlen(ents[i].e)) == 0)
				break;
		if (i < sizeof ents / sizeof ents[0]) {
			*w++ = ents[i].c;
			s += k;
		} else if (s[1] == '#' && isdigit((unsigned char)s[2])) {
			char *end;
			long v = strtol(s + 2, &end, 10);
			if (*end == ';' && v > 0 && v < 128) {
				*w++ = (char)v;
				s = end + 1;
			} else {
				*w++ = *s++;
			}
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/* Typed field access: NULL when absent or of another type. */
static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *
obj(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsObject(v) ? v : NULL;
}

static const cJSON *
arr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsArray(v) ? v : NULL;
}

static int
truth(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

static char *
dup_url(const char *s)
{
	char *u = xstrdup(s);
	html_unescape(u);
	return u;
}

static int
is_http(const char *u)
{
	return u && (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0);
}

static int
host_is(const char *url, const char *host)
{
	const char *p = strstr(url, "://");
	size_t n = strlen(host);

	if (p == NULL)
		return 0;
	p += 3;
	return strncasecmp(p, host, n) == 0 && strchr("/:?#", p[n]) != NULL;
}

/* A URL that names an image by its host or extension. */
static int
looks_like_image(const char *url)
{
	static const char *const ext[] = { ".jpg", ".jpeg", ".png", ".gif", ".webp" };
	size_t end = strcspn(url, "?#");

	if (host_is(url, "i.redd.it") || host_is(url, "i.imgur.com"))
		return 1;
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t n = strlen(ext[i]);
		if (end >= n && strncasecmp(url + end - n, ext[i], n) == 0)
			return 1;
	}
	return 0;
}

static void
add_media(struct reddit_post *p, const char *url, const char *media_id, int valid)
{
	p->media = xreallocarray(p->media, p->nmedia + 1, sizeof *p->media);
	p->media[p->nmedia].url = url ? dup_url(url) : NULL;
	p->media[p->nmedia].media_id = media_id ? xstrdup(media_id) : NULL;
	p->media[p->nmedia].valid = valid && url && is_http(p->media[p->nmedia].url);
	p->nmedia++;
}

static void
gallery(struct reddit_post *p, const cJSON *src)
{
	const cJSON *items = arr(obj(src, "gallery_data"), "items"), *meta = obj(src, "media_metadata");
	const cJSON *it;

	cJSON_ArrayForEach(it, items) {
		const char *mid = str(it, "media_id"), *st, *u = NULL;
		const cJSON *m, *s;
		if (mid == NULL)
			continue;
		m = obj(meta, mid);
		st = str(m, "status");
		if ((s = obj(m, "s")) != NULL)
			u = str(s, "u") ? str(s, "u") : str(s, "gif");
		add_media(p, u, mid, st && strcmp(st, "valid") == 0);
	}
	if (p->nmedia == 0)
		p->skip = RSKIP_NOMEDIA;
}

static void
media(struct reddit_post *p, const cJSON *d)
{
	const cJSON *src = d, *x = arr(d, "crosspost_parent_list");
	const char *url, *domain, *prev = NULL;

	if (x && cJSON_IsObject(cJSON_GetArrayItem(x, 0)))
		src = cJSON_GetArrayItem(x, 0);
	url = str(src, "url_overridden_by_dest") ? str(src, "url_overridden_by_dest") : str(src, "url");
	domain = str(src, "domain");
	if (str(d, "removed_by_category") || str(src, "removed_by_category") ||
	    (p->author && strcmp(p->author, "[deleted]") == 0 && url == NULL)) {
		p->skip = RSKIP_DELETED;
		return;
	}
	if (truth(src, "is_self") || truth(d, "is_self")) {
		p->skip = RSKIP_SELF;
		return;
	}
	if (truth(src, "is_video") || (domain && strcasecmp(domain, "v.redd.it") == 0) ||
	    (url && host_is(url, "v.redd.it"))) {
		p->skip = RSKIP_VIDEO;
		return;
	}
	if (truth(src, "is_gallery")) {
		gallery(p, src);
		return;
	}
	{
		const cJSON *img0 = cJSON_GetArrayItem(arr(obj(src, "preview"), "images"), 0);
		prev = str(obj(img0, "source"), "url");
	}
	if (is_http(url) && looks_like_image(url))
		add_media(p, url, NULL, 1);
	else if (is_http(prev))
		add_media(p, prev, NULL, 1);
	else if (is_http(url) && !host_is(url, "www.reddit.com") && !host_is(url, "reddit.com"))
		add_media(p, url, NULL, 1);     /* perhaps an image: its bytes will tell */
	else
		p->skip = RSKIP_NOMEDIA;
}

static int
post(struct reddit_post *p, const cJSON *d, size_t i, char *err, size_t errlen)
{
	const char *id = str(d, "id"), *perma = str(d, "permalink");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "created_utc");

	memset(p, 0, sizeof *p);
	if (id == NULL || id[0] == '\0')
		return errorf(err, errlen, "children[%zu]: no string 'id'", i);
	p->id = xstrdup(id);
	p->subreddit = dup_or_empty(str(d, "subreddit"));
	p->author = dup_or_empty(str(d, "author"));
	p->title = dup_or_empty(str(d, "title"));
	if (perma && perma[0] == '/') {
		p->permalink = xmalloc(strlen(perma) + 32);
		sprintf(p->permalink, "https://www.reddit.com%s", perma);
	} else {
		p->permalink = dup_or_empty(perma);
	}
	if (cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble < 1e12)
		snprintf(p->created_utc, sizeof p->created_utc, "%.0f", t->valuedouble);
	p->over18 = truth(d, "over_18");
	media(p, d);
	return 0;
}

static void
post_free(struct reddit_post *p)
{
	free(p->id);
	free(p->subreddit);
	free(p->author);
	free(p->title);
	free(p->permalink);
	for (size_t i = 0; i < p->nmedia; i++) {
		free(p->media[i].url);
		free(p->media[i].media_id);
	}
	free(p->media);
}

int
reddit_parse_listing(const char *json, size_t len, struct reddit_page *page, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *data, *children, *c, *after;
	const char *kind;
	int rc = 0;

	memset(page, 0, sizeof *page);
	if (root == NULL)
		return errorf(err, errlen, "not JSON");
	kind = str(root, "kind");
	data = obj(root, "data");
	if (kind == NULL || strcmp(kind, "Listing") != 0 || data == NULL ||
	    (children = arr(data, "children")) == NULL) {
		cJSON_Delete(root);
		return errorf(err, errlen, "not a Reddit listing (no kind Listing with data.children)");
	}
	after = cJSON_GetObjectItemCaseSensitive(data, "after");
	if (cJSON_IsString(after) && after->valuestring[0])
		page->after = xstrdup(after->valuestring);
	else if (after && !cJSON_IsNull(after)) {
		cJSON_Delete(root);
		return errorf(err, errlen, "data.after is neither a string nor null");
	}
	page->post = xcalloc((size_t)cJSON_GetArraySize(children) + 1, sizeof *page->post);
	cJSON_ArrayForEach(c, children) {
		const char *k = str(c, "kind");
		const cJSON *d = obj(c, "data");
		size_t i = page->nchildren++;
		if (k == NULL || d == NULL) {
			rc = errorf(err, errlen, "children[%zu]: no kind and data", i);
			break;
		}
		if (strcmp(k, "t3") != 0)
			continue;       /* comments and the like */
		if (post(&page->post[page->npost], d, i, err, errlen) == -1) {
			rc = -1;
			break;
		}
		page->npost++;
	}
	cJSON_Delete(root);
	if (rc == -1)
		reddit_page_free(page);
	return rc;
}

void
reddit_page_free(struct reddit_page *page)
{
	if (page == NULL)
		return;
	for (size_t i = 0; i < page->npost; i++)
		post_free(&page->post[i]);
	free(page->post);
	free(page->after);
	memset(page, 0, sizeof *page);
}

int
reddit_parse_token(const char *json, size_t len, char **token, double *expires_in, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const char *tok;
	const cJSON *e;

	*token = NULL;
	if (root == NULL)
		return errorf(err, errlen, "token response is not JSON");
	tok = str(root, "access_token");
	e = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	if (tok == NULL || tok[0] == '\0' || strpbrk(tok, "\r\n")) {
		const char *why = str(root, "error");
		errorf(err, errlen, "token response has no access_token%s%s", why ? ": " : "", why ? why : "");
		cJSON_Delete(root);
		return -1;
	}
	*token = xstrdup(tok);
	*expires_in = cJSON_IsNumber(e) && e->valuedouble > 0 ? e->valuedouble : 3600;
	cJSON_Delete(root);
	return 0;
}
