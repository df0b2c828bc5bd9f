/*
 * Command tables: parse, complete, usage, word splitting (cmdtab.h).
 */
#include <stdio.h>
#include <string.h>

#include "cmdtab.h"

#define USAGE_MAX	512

static bool
is_arg(const struct cmdtab *t)
{
	return t->type == CMDTAB_ARG || t->type == CMDTAB_ARGS;
}

static bool
may_end(const struct cmdtab *t)
{
	if (t == NULL)
		return true;
	for (; t->type != CMDTAB_END; t++)
		if (t->type == CMDTAB_NOTOKEN)
			return true;
	return false;
}

/* "a|b|WORD": what a table accepts next, for error messages. */
static void
expected(const struct cmdtab *t, char *buf, size_t len)
{
	size_t used = 0;
	int n;

	buf[0] = '\0';
	for (; t != NULL && t->type != CMDTAB_END; t++) {
		if (t->type == CMDTAB_NOTOKEN)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
		    t->word);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

void
cmdtab_name(const struct cmdtab_result *res, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < res->nwords; i++) {
		if (res->tok[i]->type != CMDTAB_KEYWORD)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
		    res->tok[i]->word);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/*
 * The token of table t that word w matches: an exact keyword, a unique
 * keyword prefix, else the table's argument.  NULL with why set when
 * there is none or the prefix is ambiguous.
 */
static const struct cmdtab *
match(const struct cmdtab *t, const char *w, const struct cmdtab_result *res,
    char *why, size_t whylen)
{
	const struct cmdtab *e, *found = NULL, *arg = NULL;
	char name[USAGE_MAX], exp[USAGE_MAX];
	size_t wl = strlen(w), used;
	int nmatch = 0, n;

	for (e = t; e->type != CMDTAB_END; e++)
		if (e->type == CMDTAB_KEYWORD && strcmp(e->word, w) == 0)
			return e;
	for (e = t; e->type != CMDTAB_END; e++) {
		if (e->type == CMDTAB_KEYWORD && wl > 0 &&
		    strncmp(e->word, w, wl) == 0) {
			found = e;
			nmatch++;
		} else if (is_arg(e) && arg == NULL)
			arg = e;
	}
	if (nmatch == 1)
		return found;
	cmdtab_name(res, name, sizeof(name));
	if (nmatch > 1) {
		n = snprintf(why, whylen, "%s%sambiguous %s \"%s\":", name,
		    name[0] ? ": " : "", name[0] ? "argument" : "command", w);
		used = n < 0 ? 0 : (size_t)n;
		nmatch = 0;
		for (e = t; e->type != CMDTAB_END && used < whylen; e++) {
			if (e->type != CMDTAB_KEYWORD ||
			    strncmp(e->word, w, wl) != 0)
				continue;
			n = snprintf(why + used, whylen - used, "%s %s",
			    nmatch++ ? "," : "", e->word);
			if (n < 0)
				break;
			used += (size_t)n;
		}
		return NULL;
	}
	if (arg != NULL)
		return arg;
	expected(t, exp, sizeof(exp));
	if (name[0] == '\0')
		snprintf(why, whylen, "unknown command \"%s\"", w);
	else
		snprintf(why, whylen, "%s: unknown argument \"%s\"; expected %s",
		    name, w, exp);
	return NULL;
}

/*
 * Walk argv from root.  Returns the table the next word would be matched
 * against (NULL when nothing may follow) in *next and the ARGS token
 * being filled in *rest; -1 on a word that does not match.
 */
static int
walk(const struct cmdtab *root, int argc, char *const argv[],
    struct cmdtab_result *res, const struct cmdtab **next,
    const struct cmdtab **rest, char *why, size_t whylen)
{
	const struct cmdtab *t = root, *tok, *args = NULL;
	char name[USAGE_MAX];
	int i;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < argc; i++) {
		if (res->nwords == CMDTAB_WORDS_MAX) {
			snprintf(why, whylen, "more than %d words",
			    CMDTAB_WORDS_MAX);
			return -1;
		}
		if (args != NULL)
			tok = args;
		else if (t == NULL) {
			cmdtab_name(res, name, sizeof(name));
			snprintf(why, whylen, "%s: unexpected \"%s\" at the end",
			    name[0] ? name : res->word[0], argv[i]);
			return -1;
		} else if ((tok = match(t, argv[i], res, why, whylen)) == NULL)
			return -1;
		res->word[res->nwords] = argv[i];
		res->tok[res->nwords++] = tok;
		if (tok->action != 0)
			res->action = tok->action;
		if (tok->type == CMDTAB_ARGS)
			args = tok;
		else
			t = tok->next;
	}
	*next = t;
	*rest = args;
	return 0;
}

int
cmdtab_parse(const struct cmdtab *root, int argc, char *const argv[],
    struct cmdtab_result *res, char *why, size_t whylen)
{
	const struct cmdtab *t, *rest;
	char name[USAGE_MAX], exp[USAGE_MAX];

	if (whylen > 0)
		why[0] = '\0';
	if (walk(root, argc, argv, res, &t, &rest, why, whylen) != 0)
		return -1;
	if (argc == 0) {
		snprintf(why, whylen, "empty command");
		return -1;
	}
	if (rest != NULL || may_end(t))
		return 0;
	cmdtab_name(res, name, sizeof(name));
	expected(t, exp, sizeof(exp));
	snprintf(why, whylen, "%s: incomplete command; expected %s",
	    name[0] ? name : res->word[0], exp);
	return -1;
}

const char *
cmdtab_arg(const struct cmdtab_result *res, size_t i)
{
	size_t k;

	for (k = 0; k < res->nwords; k++)
		if (is_arg(res->tok[k]) && i-- == 0)
			return res->word[k];
	return NULL;
}

size_t
cmdtab_nargs(const struct cmdtab_result *res)
{
	size_t k, n = 0;

	for (k = 0; k < res->nwords; k++)
		if (is_arg(res->tok[k]))
			n++;
	return n;
}

const char *
cmdtab_keyword(const struct cmdtab_result *res, size_t pos)
{
	if (pos >= res->nwords || res->tok[pos]->type != CMDTAB_KEYWORD)
		return NULL;
	return res->tok[pos]->word;
}

size_t
cmdtab_complete(const struct cmdtab *root, int argc, char *const argv[],
    const char *prefix, cmdtab_arg_fn arg_fn, void *ctx, cmdtab_add_fn add,
    void *actx)
{
	struct cmdtab_result res;
	const struct cmdtab *t, *rest, *e;
	char why[USAGE_MAX];
	size_t n = 0, pl = strlen(prefix);

	if (walk(root, argc, argv, &res, &t, &rest, why, sizeof(why)) != 0)
		return 0;
	if (rest != NULL)
		return arg_fn != NULL ? arg_fn(ctx, rest->kind, &res, prefix,
		    add, actx) : 0;
	for (e = t; e != NULL && e->type != CMDTAB_END; e++) {
		if (e->type == CMDTAB_KEYWORD) {
			if (strncmp(e->word, prefix, pl) == 0) {
				add(actx, e->word);
				n++;
			}
		} else if (is_arg(e) && arg_fn != NULL)
			n += arg_fn(ctx, e->kind, &res, prefix, add, actx);
	}
	return n;
}

/* --- usage lines --- */

static bool
branches(const struct cmdtab *e);

static bool
table_branches(const struct cmdtab *t)
{
	for (; t != NULL && t->type != CMDTAB_END; t++)
		if (branches(t))
			return true;
	return false;
}

static bool
branches(const struct cmdtab *e)
{
	return e->type == CMDTAB_KEYWORD &&
	    (e->action != 0 || table_branches(e->next));
}

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap)
		n = b->cap - b->len - 1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void	render_table(struct sbuf *b, const struct cmdtab *t);

static void
render(struct sbuf *b, const struct cmdtab *e)
{
	sb_add(b, e->word);
	if (e->type == CMDTAB_ARGS) {
		sb_add(b, "...");
		return;
	}
	if (e->next != NULL) {
		sb_add(b, " ");
		render_table(b, e->next);
	}
}

static void
render_table(struct sbuf *b, const struct cmdtab *t)
{
	const struct cmdtab *e;
	bool opt = may_end(t), first = true;
	size_t mark = b->len;

	if (opt)
		sb_add(b, "[");
	for (e = t; e->type != CMDTAB_END; e++) {
		if (e->type == CMDTAB_NOTOKEN)
			continue;
		if (!first)
			sb_add(b, "|");
		first = false;
		render(b, e);
	}
	if (first) {
		/* nothing but the end: no brackets */
		b->len = mark;
		b->p[b->len] = '\0';
		return;
	}
	if (opt)
		sb_add(b, "]");
}

struct usage_ctx {
	cmdtab_line_fn	 fn;
	void		*ctx;
	int		 lines;
};

static void
gen(struct usage_ctx *u, const char *prefix, const struct cmdtab *t,
    const char *help)
{
	char line[USAGE_MAX], alt[USAGE_MAX];
	struct sbuf b = { alt, 0, sizeof(alt) };
	const struct cmdtab *e;
	bool inl = false;

	alt[0] = '\0';
	if (t == NULL) {
		u->fn(u->ctx, prefix, help);
		u->lines++;
		return;
	}
	for (e = t; e->type != CMDTAB_END; e++) {
		if (e->type == CMDTAB_NOTOKEN)
			continue;
		if (branches(e)) {
			snprintf(line, sizeof(line), "%.240s%s%.200s", prefix,
			    prefix[0] ? " " : "", e->word);
			gen(u, line, e->next, e->help);
			continue;
		}
		if (inl)
			sb_add(&b, "|");
		inl = true;
		render(&b, e);
	}
	if (inl) {
		snprintf(line, sizeof(line), "%.240s%s%s%.240s%s", prefix,
		    prefix[0] ? " " : "", may_end(t) ? "[" : "", alt,
		    may_end(t) ? "]" : "");
		u->fn(u->ctx, line, help);
		u->lines++;
	} else if (may_end(t) && prefix[0] != '\0') {
		u->fn(u->ctx, prefix, help);
		u->lines++;
	}
}

int
cmdtab_usage(const struct cmdtab *root, int argc, char *const argv[],
    cmdtab_line_fn fn, void *ctx, char *why, size_t whylen)
{
	struct usage_ctx u = { fn, ctx, 0 };
	struct cmdtab_result res;
	const struct cmdtab *t, *rest, *last = NULL;
	char prefix[USAGE_MAX];
	size_t i;

	if (walk(root, argc, argv, &res, &t, &rest, why, whylen) != 0)
		return -1;
	for (i = 0; i < res.nwords; i++)
		if (res.tok[i]->type != CMDTAB_KEYWORD) {
			snprintf(why, whylen, "\"%s\" is not a command word",
			    res.word[i]);
			return -1;
		}
	if (res.nwords > 0)
		last = res.tok[res.nwords - 1];
	cmdtab_name(&res, prefix, sizeof(prefix));
	gen(&u, prefix, t, last != NULL ? last->help : "");
	return u.lines;
}

/* --- splitting --- */

int
cmdtab_split(char *line, char *argv[], int max, char *why, size_t whylen)
{
	char *r = line, *w = line, q;
	int argc = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (argc == max) {
			snprintf(why, whylen, "more than %d words", max);
			return -1;
		}
		argv[argc++] = w;
		while (*r != '\0' && *r != ' ' && *r != '\t' && *r != '\r' &&
		    *r != '\n') {
			if (*r == '"' || *r == '\'') {
				q = *r++;
				while (*r != q) {
					if (*r == '\0') {
						snprintf(why, whylen,
						    "unterminated %c quote", q);
						return -1;
					}
					if (q == '"' && *r == '\\' &&
					    (r[1] == '"' || r[1] == '\\'))
						r++;
					*w++ = *r++;
				}
				r++;
			} else if (*r == '\\' && r[1] != '\0') {
				r++;
				*w++ = *r++;
			} else
				*w++ = *r++;
		}
		if (*r != '\0')
			r++;
		*w++ = '\0';	/* w never passes r: quotes only shrink */
	}
	return argc;
}

char *
cmdtab_next_command(char *line)
{
	char *p = line, q = 0;
	bool word_start = true;

	for (; *p != '\0'; p++) {
		if (q != 0) {
			if (q == '"' && *p == '\\' && p[1] != '\0')
				p++;
			else if (*p == q)
				q = 0;
			continue;
		}
		if (*p == '\\' && p[1] != '\0') {
			p++;
			word_start = false;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			q = *p;
			word_start = false;
		} else if (*p == '#' && word_start) {
			*p = '\0';
			return NULL;
		} else if (*p == ';') {
			*p = '\0';
			return p + 1;
		} else
			word_start = *p == ' ' || *p == '\t';
	}
	return NULL;
}
