/*
 * Display filter (filter.h): tokenizer, recursive-descent parser into a
 * node array, and a matcher that walks it without allocating.
 *
 * Primitives look at the decoded views: MARS (RFC 2022 §5, §6), SCSP
 * (RFC 2334 App. B) and the MARS part of SCSP CSA records (RFC 2443 §3).
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mars/atm.h"
#include "mars/filter.h"
#include "mars/msg.h"
#include "mars/pdu.h"
#include "mars/proto.h"
#include "mars/scsp.h"
#include "print_int.h"

#define FILTER_DEPTH_MAX	64	/* nested "(" and "not" */
#define FILTER_WORD_MAX		64	/* longest argument we copy */

enum node_kind {
	N_TRUE,
	N_AND,
	N_OR,
	N_NOT,
	N_MARS_OP,
	N_SCSP_TYPE,
	N_GROUP,
	N_CMI,
	N_SRC,
	N_VC,
	N_KIND,
	N_MALFORMED,
	N_NONCONF,
};

struct node {
	enum node_kind	 kind;
	int		 left;		/* AND, OR, NOT: child index */
	int		 right;		/* AND, OR */
	union {
		uint8_t		 op;	/* MARS op or SCSP type */
		uint16_t	 cmi;
		enum mars_pdu_kind	 pdu_kind;
		struct {
			uint16_t vpi, vci;
		} vc;
		struct {
			uint8_t	 len;	/* 4 or 16 */
			uint8_t	 lo[16];
			uint8_t	 hi[16];
		} grp;
		struct {
			uint8_t	 nibbles;	/* hex digits given: a prefix */
			uint8_t	 addr[MARS_ATM_ADDR_MAX];
		} atm;
		unsigned	 nonconf;	/* MARS_NC_* bit, 0: any */
	} u;
};

struct mars_filter {
	int		 root;
	int		 nnodes;
	struct node	 nodes[];
};

enum tok_kind {
	T_END,
	T_WORD,
	T_LPAREN,
	T_RPAREN,
	T_NOT,		/* "!" */
	T_AND,		/* "&&" */
	T_OR,		/* "||" */
	T_BAD,		/* a character that starts no token */
};

struct parser {
	const char	*text;
	size_t		 pos;		/* start of the current token */
	size_t		 len;		/* its length */
	enum tok_kind	 tok;
	struct mars_filter	*f;
	int		 cap;
	int		 depth;
	struct mars_err	*err;
	bool		 failed;
};

/* ---------------------------------------------------------------- lexer */

static bool
is_word_char(char c)
{
	return c != '\0' && c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
	    c != '(' && c != ')' && c != '!' && c != '&' && c != '|';
}

static void
next_token(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->pos + p->len;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->pos = i;
	p->len = 1;
	switch (s[i]) {
	case '\0':
		p->tok = T_END;
		p->len = 0;
		return;
	case '(':
		p->tok = T_LPAREN;
		return;
	case ')':
		p->tok = T_RPAREN;
		return;
	case '!':
		p->tok = T_NOT;
		return;
	case '&':
	case '|':
		if (s[i + 1] == s[i]) {
			p->tok = s[i] == '&' ? T_AND : T_OR;
			p->len = 2;
		} else
			p->tok = T_BAD;
		return;
	}
	while (is_word_char(s[i + p->len]))
		p->len++;
	p->tok = T_WORD;
}

static bool
tok_is(const struct parser *p, const char *word)
{
	return p->tok == T_WORD && strlen(word) == p->len &&
	    strncasecmp(p->text + p->pos, word, p->len) == 0;
}

/* Copy the current word NUL-terminated; false if it does not fit. */
static bool
tok_copy(const struct parser *p, char *buf, size_t cap)
{
	if (p->tok != T_WORD || p->len >= cap)
		return false;
	memcpy(buf, p->text + p->pos, p->len);
	buf[p->len] = '\0';
	return true;
}

/* ---------------------------------------------------------------- errors */

static int
parse_fail(struct parser *p, const char *why)
{
	if (!p->failed) {
		p->failed = true;
		memset(p->err, 0, sizeof(*p->err));
		p->err->code = MARS_E_PARSE;
		p->err->offset = (uint32_t)p->pos;
		p->err->have = (uint32_t)p->len;
		p->err->field = "filter";
		p->err->why = why;
	}
	return -1;
}

int
mars_filter_error(const char *text, const struct mars_err *err, char *buf,
    size_t len)
{
	const char *why = err->why != NULL ? err->why : "syntax error";
	size_t tlen = text != NULL ? strlen(text) : 0;
	size_t have = err->have;

	if (err->code != MARS_E_PARSE)
		return mars_err_format(err, buf, len);
	if (text == NULL || err->offset >= tlen || have == 0)
		return snprintf(buf, len,
		    "%s at position %u, got end of expression", why,
		    err->offset);
	if (have > tlen - err->offset)
		have = tlen - err->offset;
	return snprintf(buf, len, "%s at position %u, got \"%.*s\"", why,
	    err->offset, (int)have, text + err->offset);
}

/* ---------------------------------------------------------------- nodes */

static int
new_node(struct parser *p, enum node_kind kind, int left, int right)
{
	struct node *n;

	/* The array was sized from the token count; this cannot overflow. */
	if (p->f->nnodes >= p->cap)
		return parse_fail(p, "expression too complex");
	n = &p->f->nodes[p->f->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->left = left;
	n->right = right;
	return p->f->nnodes++;
}

/* ---------------------------------------------------------------- arguments */

/* "op NAME": a MARS op (RFC 2022 §11) or an SCSP type (RFC 2334 B.1). */
static int
parse_op(struct parser *p)
{
	static const char why[] = "expected an operation name after \"op\"";
	char word[FILTER_WORD_MAX], *w;
	const char *name;
	int op, i, idx;
	size_t k;

	if (!tok_copy(p, word, sizeof(word)))
		return parse_fail(p, why);
	for (k = 0; word[k] != '\0'; k++)
		if (word[k] == '-')
			word[k] = '_';
	if ((op = mars_op_lookup(word)) > 0) {
		if ((idx = new_node(p, N_MARS_OP, -1, -1)) >= 0)
			p->f->nodes[idx].u.op = (uint8_t)op;
		return idx;
	}
	w = word;
	if (strncasecmp(w, "SCSP_", 5) == 0)
		w += 5;
	for (i = MARS_SCSP_CA; i <= MARS_SCSP_HELLO; i++) {
		name = mars_scsp_type_name((uint8_t)i);
		if (name != NULL && strcasecmp(name, w) == 0) {
			if ((idx = new_node(p, N_SCSP_TYPE, -1, -1)) >= 0)
				p->f->nodes[idx].u.op = (uint8_t)i;
			return idx;
		}
	}
	return parse_fail(p, why);
}

/* Parse a decimal (or 0x hex) number no larger than max. */
static bool
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoul(s + 2, &end, 16);
	else
		v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * "group ADDR[/LEN]": an IPv4 or IPv6 prefix, kept as its lowest and
 * highest address so that matching is two memcmp()s per candidate.
 */
static int
parse_group(struct parser *p)
{
	static const char why[] = "expected a group address after \"group\"";
	static const char whylen[] =
	    "bad prefix length in the address after \"group\"";
	char word[FILTER_WORD_MAX], *slash;
	uint8_t a[16];
	unsigned long plen;
	unsigned alen, i, bits;
	int idx;

	if (!tok_copy(p, word, sizeof(word)))
		return parse_fail(p, why);
	if ((slash = strchr(word, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, word, a) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, word, a) == 1)
		alen = 16;
	else
		return parse_fail(p, why);
	plen = alen * 8;
	if (slash != NULL && !parse_uint(slash + 1, alen * 8, &plen))
		return parse_fail(p, whylen);
	if ((idx = new_node(p, N_GROUP, -1, -1)) < 0)
		return idx;
	p->f->nodes[idx].u.grp.len = (uint8_t)alen;
	for (i = 0; i < alen; i++) {
		bits = plen > i * 8 ? (unsigned)plen - i * 8 : 0;
		if (bits >= 8) {
			p->f->nodes[idx].u.grp.lo[i] = a[i];
			p->f->nodes[idx].u.grp.hi[i] = a[i];
		} else {
			uint8_t mask = (uint8_t)(0xff00u >> bits);

			p->f->nodes[idx].u.grp.lo[i] = a[i] & mask;
			p->f->nodes[idx].u.grp.hi[i] = a[i] | (uint8_t)~mask;
		}
	}
	return idx;
}

static int
parse_cmi(struct parser *p)
{
	static const char why[] =
	    "expected a cluster member ID (0-65535) after \"cmi\"";
	char word[FILTER_WORD_MAX];
	unsigned long v;
	int idx;

	if (!tok_copy(p, word, sizeof(word)) || !parse_uint(word, 0xffff, &v))
		return parse_fail(p, why);
	if ((idx = new_node(p, N_CMI, -1, -1)) >= 0)
		p->f->nodes[idx].u.cmi = (uint16_t)v;
	return idx;
}

/*
 * "src ATMHEX": an ATM number in hex, dots, colons and dashes ignored.
 * Fewer than 40 digits is a prefix, digit by digit: "src 4700918100"
 * selects every source whose number begins so; 40 digits select one
 * NSAP.
 */
static int
parse_src(struct parser *p)
{
	static const char why[] =
	    "expected an ATM number or prefix in hex (1 to 40 digits) after "
	    "\"src\"";
	char word[FILTER_WORD_MAX];
	uint8_t a[MARS_ATM_ADDR_MAX];
	unsigned n = 0;
	int idx, v;
	size_t i;

	if (!tok_copy(p, word, sizeof(word)))
		return parse_fail(p, why);
	memset(a, 0, sizeof(a));
	for (i = 0; word[i] != '\0'; i++) {
		if (word[i] == '.' || word[i] == ':' || word[i] == '-')
			continue;
		if ((v = mars_atm_hexval(word[i])) < 0 ||
		    n >= 2 * MARS_ATM_ADDR_MAX)
			return parse_fail(p, why);
		a[n / 2] |= (uint8_t)(n % 2 == 0 ? v << 4 : v);
		n++;
	}
	if (n == 0)
		return parse_fail(p, why);
	if ((idx = new_node(p, N_SRC, -1, -1)) >= 0) {
		p->f->nodes[idx].u.atm.nibbles = (uint8_t)n;
		memcpy(p->f->nodes[idx].u.atm.addr, a, sizeof(a));
	}
	return idx;
}

/*
 * "nonconforming [NAME]": messages that parse but break a receiver's
 * rule (pdu.h), all of them or those breaking the one named
 * (mars_nonconf_name).  The name is optional, so the next word is taken
 * only when it is not an operator.
 */
static int
parse_nonconf(struct parser *p)
{
	static const char why[] = "expected a nonconformity (checksum, "
	    "null-source, reserved-bits, seqxy, cmi-zero, tlv-drop, "
	    "tlv-error) after \"nonconforming\"";
	char word[FILTER_WORD_MAX];
	unsigned bit = 0;
	size_t i;
	int idx;

	next_token(p);
	if (p->tok == T_WORD && !tok_is(p, "and") && !tok_is(p, "or")) {
		if (!tok_copy(p, word, sizeof(word)))
			return parse_fail(p, why);
		for (i = 0; word[i] != '\0'; i++)	/* keywords: any case */
			if (word[i] >= 'A' && word[i] <= 'Z')
				word[i] = (char)(word[i] - 'A' + 'a');
		if ((bit = mars_nonconf_lookup(word)) == 0)
			return parse_fail(p, why);
		next_token(p);
	}
	if ((idx = new_node(p, N_NONCONF, -1, -1)) >= 0)
		p->f->nodes[idx].u.nonconf = bit;
	return idx;
}

/* "vc VPI/VCI" (a dot is accepted too, as in atmpvc:ITF.VPI.VCI). */
static int
parse_vc(struct parser *p)
{
	static const char why[] = "expected VPI/VCI after \"vc\"";
	char word[FILTER_WORD_MAX], *sep;
	unsigned long vpi, vci;
	int idx;

	if (!tok_copy(p, word, sizeof(word)))
		return parse_fail(p, why);
	if ((sep = strchr(word, '/')) == NULL &&
	    (sep = strchr(word, '.')) == NULL)
		return parse_fail(p, why);
	*sep = '\0';
	if (!parse_uint(word, 0xffff, &vpi) ||
	    !parse_uint(sep + 1, 0xffff, &vci))
		return parse_fail(p, why);
	if ((idx = new_node(p, N_VC, -1, -1)) >= 0) {
		p->f->nodes[idx].u.vc.vpi = (uint16_t)vpi;
		p->f->nodes[idx].u.vc.vci = (uint16_t)vci;
	}
	return idx;
}

/* ---------------------------------------------------------------- grammar */

static int	parse_or(struct parser *);

static int
parse_kind(struct parser *p, enum mars_pdu_kind kind)
{
	int idx;

	if ((idx = new_node(p, N_KIND, -1, -1)) >= 0)
		p->f->nodes[idx].u.pdu_kind = kind;
	return idx;
}

static int
parse_primitive(struct parser *p)
{
	static const struct {
		const char	*word;
		int		(*arg)(struct parser *);
	} witharg[] = {
		{ "op", parse_op },
		{ "group", parse_group },
		{ "cmi", parse_cmi },
		{ "src", parse_src },
		{ "vc", parse_vc },
	};
	size_t i;
	int idx;

	if (p->tok != T_WORD) {
		return parse_fail(p, "expected a filter primitive (op, group, "
		    "cmi, src, vc, mars, scsp, nhrp, malformed, "
		    "nonconforming), \"not\" or \"(\"");
	}
	for (i = 0; i < sizeof(witharg) / sizeof(witharg[0]); i++) {
		if (tok_is(p, witharg[i].word)) {
			next_token(p);
			if ((idx = witharg[i].arg(p)) >= 0)
				next_token(p);
			return idx;
		}
	}
	if (tok_is(p, "nonconforming"))
		return parse_nonconf(p);
	if (tok_is(p, "mars"))
		idx = parse_kind(p, MARS_PDU_MARS);
	else if (tok_is(p, "scsp"))
		idx = parse_kind(p, MARS_PDU_SCSP);
	else if (tok_is(p, "nhrp"))
		idx = parse_kind(p, MARS_PDU_NHRP);
	else if (tok_is(p, "malformed"))
		idx = new_node(p, N_MALFORMED, -1, -1);
	else
		return parse_fail(p, "unknown keyword");
	if (idx >= 0)
		next_token(p);
	return idx;
}

static int
parse_unary(struct parser *p)
{
	int idx, child;

	if (p->tok == T_NOT || tok_is(p, "not") || p->tok == T_LPAREN) {
		if (++p->depth > FILTER_DEPTH_MAX)
			return parse_fail(p, "expression nested too deeply");
		if (p->tok == T_LPAREN) {
			next_token(p);
			if ((idx = parse_or(p)) < 0)
				return idx;
			if (p->tok != T_RPAREN)
				return parse_fail(p, "expected \")\"");
			next_token(p);
		} else {
			next_token(p);
			if ((child = parse_unary(p)) < 0)
				return child;
			idx = new_node(p, N_NOT, child, -1);
		}
		p->depth--;
		return idx;
	}
	return parse_primitive(p);
}

static int
parse_and(struct parser *p)
{
	int left, right;

	if ((left = parse_unary(p)) < 0)
		return left;
	while (p->tok == T_AND || tok_is(p, "and")) {
		next_token(p);
		if ((right = parse_unary(p)) < 0)
			return right;
		if ((left = new_node(p, N_AND, left, right)) < 0)
			return left;
	}
	return left;
}

static int
parse_or(struct parser *p)
{
	int left, right;

	if ((left = parse_and(p)) < 0)
		return left;
	while (p->tok == T_OR || tok_is(p, "or")) {
		next_token(p);
		if ((right = parse_and(p)) < 0)
			return right;
		if ((left = new_node(p, N_OR, left, right)) < 0)
			return left;
	}
	return left;
}

int
mars_filter_compile(const char *text, struct mars_filter **out, struct mars_err *err)
{
	struct parser p;
	size_t ntok = 1;
	int root;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (text == NULL)
		text = "";

	/* Every node consumes at least one token: count them to size. */
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.err = err;
	for (next_token(&p); p.tok != T_END; next_token(&p))
		ntok++;

	p.cap = (int)ntok;
	p.f = malloc(sizeof(*p.f) + ntok * sizeof(p.f->nodes[0]));
	if (p.f == NULL) {
		err->code = MARS_E_SYS;
		err->sys_errno = errno;
		err->field = "filter";
		return MARS_E_SYS;
	}
	p.f->nnodes = 0;
	p.pos = 0;
	p.len = 0;
	next_token(&p);
	if (p.tok == T_END) {
		root = new_node(&p, N_TRUE, -1, -1);
	} else {
		root = parse_or(&p);
		if (root >= 0 && p.tok != T_END) {
			if (p.tok == T_RPAREN)
				root = parse_fail(&p, "unbalanced \")\"");
			else
				root = parse_fail(&p,
				    "expected \"and\", \"or\" or the end");
		}
	}
	if (root < 0 || p.failed) {
		free(p.f);
		return MARS_E_PARSE;
	}
	p.f->root = root;
	*out = p.f;
	return 0;
}

void
mars_filter_free(struct mars_filter *f)
{
	free(f);
}

/* ---------------------------------------------------------------- matching */

/*
 * The view is complete for a clean message and for a nonconforming one
 * (pdu.h); a malformed one is partial and its address fields are not to
 * be trusted.
 */
static bool
pdu_complete(const struct mars_pdu *pdu)
{
	return !mars_pdu_malformed(pdu);
}

static bool
in_range(const struct node *n, const uint8_t *a, size_t len)
{
	return a != NULL && len == n->u.grp.len &&
	    memcmp(a, n->u.grp.lo, len) >= 0 &&
	    memcmp(a, n->u.grp.hi, len) <= 0;
}

/* Does [min, max] overlap the prefix?  */
static bool
overlaps(const struct node *n, const uint8_t *min, const uint8_t *max,
    size_t len)
{
	return min != NULL && max != NULL && len == n->u.grp.len &&
	    memcmp(min, n->u.grp.hi, len) <= 0 &&
	    memcmp(max, n->u.grp.lo, len) >= 0;
}

/* Does the address begin with the filter's digits (parse_src)? */
static bool
atm_prefix(const struct node *n, const struct mars_atm *a)
{
	unsigned whole = n->u.atm.nibbles / 2;

	if (a->addr == NULL ||
	    (a->tl & MARS_ATM_TL_LEN) * 2u < n->u.atm.nibbles ||
	    memcmp(a->addr, n->u.atm.addr, whole) != 0)
		return false;
	return n->u.atm.nibbles % 2 == 0 ||
	    (a->addr[whole] & 0xf0) == n->u.atm.addr[whole];
}

/* Groups in a MARS message, by layout family (PROTOCOL.md 3.2). */
static bool
mars_has_group(const struct node *n, const struct mars_msg *m)
{
	const uint8_t *min, *max;
	unsigned i;

	switch (mars_op_family(m->op)) {
	case MARS_FAM_A:
	case MARS_FAM_B:
		return in_range(n, m->tpa.addr, m->tpa.len);
	case MARS_FAM_B1:
		for (i = 0; i < m->tnum; i++)
			if (in_range(n, mars_group(m, i), m->grp_len))
				return true;
		return false;
	case MARS_FAM_C:
		for (i = 0; i < m->pnum; i++) {
			mars_pair(m, i, &min, &max);
			if (overlaps(n, min, max, m->grp_len))
				return true;
		}
		return false;
	default:
		return false;
	}
}

/*
 * Visit the MARS part of every CSA record (RFC 2443 §3) in a CSU Request
 * or Reply; the first one for which the node matches wins.
 */
static bool
scsp_any_part(const struct node *n, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec;
	struct mars_scsp_mars_part mp;
	struct mars_err err;

	if (m->protocol_id != MARS_SCSP_PROTO_MARS || m->type == MARS_SCSP_HELLO)
		return false;
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		if (rec.body == NULL || rec.body_len == 0)
			continue;
		if (mars_scsp_mars_decode(&mp, rec.body, rec.body_len, 0, &err) != 0)
			continue;
		switch (n->kind) {
		case N_GROUP:
			if (overlaps(n, mp.min, mp.max, mp.grp_len))
				return true;
			break;
		case N_SRC:
			if (atm_prefix(n, &mp.atm))
				return true;
			break;
		case N_CMI:
			if (mp.cmi == n->u.cmi)
				return true;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* Group, source and CMI primitives, on a PDU whose view is complete. */
static bool
match_content(const struct node *n, const struct mars_pdu *pdu)
{
	const struct mars_msg *m = &pdu->u.mars;

	if (!pdu_complete(pdu))
		return false;
	if (pdu->kind == MARS_PDU_SCSP)
		return scsp_any_part(n, &pdu->u.scsp);
	if (pdu->kind != MARS_PDU_MARS)
		return false;
	switch (n->kind) {
	case N_GROUP:
		return mars_has_group(n, m);
	case N_SRC:
		return atm_prefix(n, &m->sha);
	case N_CMI:
		return mars_op_family(m->op) == MARS_FAM_C &&
		    m->cmi == n->u.cmi;
	default:
		return false;
	}
}

static bool
match_node(const struct mars_filter *f, int i, const struct mars_frame *fr,
    const struct mars_pdu *pdu)
{
	const struct node *n = &f->nodes[i];

	switch (n->kind) {
	case N_TRUE:
		return true;
	case N_AND:
		return match_node(f, n->left, fr, pdu) &&
		    match_node(f, n->right, fr, pdu);
	case N_OR:
		return match_node(f, n->left, fr, pdu) ||
		    match_node(f, n->right, fr, pdu);
	case N_NOT:
		return !match_node(f, n->left, fr, pdu);
	case N_VC:
		return fr != NULL && fr->has_vc && fr->vpi == n->u.vc.vpi &&
		    fr->vci == n->u.vc.vci;
	case N_MALFORMED:
		/* Other LLC/SNAP payloads are foreign, not malformed. */
		return pdu == NULL || mars_pdu_malformed(pdu);
	case N_NONCONF:
		return pdu != NULL && (n->u.nonconf == 0 ?
		    mars_pdu_nonconf(pdu) != 0 :
		    (mars_pdu_nonconf(pdu) & n->u.nonconf) != 0);
	case N_KIND:
		return pdu != NULL && pdu->kind == n->u.pdu_kind;
	case N_MARS_OP:
		return pdu != NULL && pdu->kind == MARS_PDU_MARS &&
		    pr_op_known(pdu) && pdu->u.mars.op == n->u.op;
	case N_SCSP_TYPE:
		return pdu != NULL && pdu->kind == MARS_PDU_SCSP &&
		    pr_op_known(pdu) && pdu->u.scsp.type == n->u.op;
	case N_GROUP:
	case N_SRC:
	case N_CMI:
		return pdu != NULL && match_content(n, pdu);
	}
	return false;
}

bool
mars_filter_match(const struct mars_filter *f, const struct mars_frame *fr,
    const struct mars_pdu *pdu)
{
	if (f == NULL)
		return true;
	return match_node(f, f->root, fr, pdu);
}
