#include <stdlib.h>
#include <string.h>

#include "stage.h"
#include "util/util.h"

int
stage_push(stage *s, ts_record *rec)
{
	return s->push(s, rec);
}

int
stage_finish(stage *s)
{
	for (; s; s = s->next)
		if (s->finish && s->finish(s) == -1)
			return -1;
	return 0;
}

const char *
stage_error(stage *s)
{
	for (; s; s = s->next)
		if (s->err[0])
			return s->err;
	return "unknown error";
}

int
stage_epipe(stage *s)
{
	for (; s; s = s->next)
		if (s->epipe)
			return 1;
	return 0;
}

void
stage_free(stage *s)
{
	while (s) {
		stage *next = s->next;
		if (s->free)
			s->free(s);
		else
			free(s);
		s = next;
	}
}

struct where {
	stage st;
	char **key, **val;
	int *neg;
	int n;
};

static int
where_push(stage *s, ts_record *rec)
{
	struct where *w = (struct where *)s;

	for (int i = 0; i < w->n; i++) {
		const char *v = ts_get(rec, w->key[i]);
		int eq = v && strcmp(v, w->val[i]) == 0;
		if (eq == w->neg[i])
			return 0;
	}
	return stage_push(s->next, rec);
}

static void
where_free(stage *s)
{
	struct where *w = (struct where *)s;

	for (int i = 0; i < w->n; i++)
		free(w->key[i]);
	free(w->key);
	free(w->val);
	free(w->neg);
	free(w);
}

stage *
stage_where(char **conds, int n, stage *next)
{
	struct where *w = xcalloc(1, sizeof *w);

	w->st.push = where_push;
	w->st.free = where_free;
	w->st.next = next;
	w->key = xcalloc((size_t)n, sizeof *w->key);
	w->val = xcalloc((size_t)n, sizeof *w->val);
	w->neg = xcalloc((size_t)n, sizeof *w->neg);
	for (int i = 0; i < n; i++) {
		char *eq = strchr(conds[i], '=');
		w->key[i] = xstrdup(conds[i]);
		if (eq == NULL || eq == conds[i])
			return free(w->key[i]), w->n = i, where_free(&w->st), NULL;
		eq = w->key[i] + (eq - conds[i]);
		*eq = '\0';
		w->val[i] = eq + 1;
		if (eq > w->key[i] && eq[-1] == '!') {
			eq[-1] = '\0';
			w->neg[i] = 1;
		}
	}
	w->n = n;
	return &w->st;
}

struct head {
	stage st;
	uint64_t left;
};

static int
head_push(stage *s, ts_record *rec)
{
	struct head *h = (struct head *)s;
	int rc;

	if (h->left == 0)
		return 1;
	h->left--;
	if ((rc = stage_push(s->next, rec)) != 0)
		return rc;
	return h->left == 0;
}

stage *
stage_head(uint64_t n, stage *next)
{
	struct head *h = xcalloc(1, sizeof *h);

	h->st.push = head_push;
	h->st.next = next;
	h->left = n;
	return &h->st;
}
