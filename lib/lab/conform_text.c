/*
 * The conformance suite's verdicts and the details that explain them
 * (conform_int.h): what a case says when it fails or cannot tell, and
 * one line about a message the MARS sent.
 */
#include <stdio.h>
#include <string.h>

#include "conform_int.h"

/* ---- verdicts and details ---- */

static int
vset(struct cf_run *r, int verdict, const char *fmt, va_list ap)
{
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	return verdict;
}

int
cf_fail(struct cf_run *r, const char *fmt, ...)
{
	va_list ap;
	int v;

	va_start(ap, fmt);
	v = vset(r, MARS_CONFORM_FAIL, fmt, ap);
	va_end(ap);
	return v;
}

int
cf_skip(struct cf_run *r, const char *fmt, ...)
{
	va_list ap;
	int v;

	va_start(ap, fmt);
	v = vset(r, MARS_CONFORM_SKIP, fmt, ap);
	va_end(ap);
	return v;
}

void
cf_note(struct cf_run *r, const char *fmt, ...)
{
	size_t n = strlen(r->detail);
	va_list ap;

	if (n + 1 >= sizeof(r->detail))
		return;
	va_start(ap, fmt);
	vsnprintf(r->detail + n, sizeof(r->detail) - n, fmt, ap);
	va_end(ap);
}

int
cf_skip_unregistered(struct cf_run *r)
{
	char why[CF_DETAIL_MAX];

	snprintf(why, sizeof(why), "%s", r->detail);
	return cf_skip(r, "cannot register a member: %s", why);
}

void
cf_hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", p[i]);
}

void
cf_group_text(const struct cf_run *r, const uint8_t *g, char *buf, size_t len)
{
	if (r->grp_len == 4)
		snprintf(buf, len, "%u.%u.%u.%u", g[0], g[1], g[2], g[3]);
	else
		cf_hex(g, r->grp_len, buf, len);
}

static const char *
kind_name(uint8_t kind)
{
	return mars_vc_kind_name(kind);
}

void
cf_describe(const struct cf_msg *x, char *buf, size_t len)
{
	const struct mars_msg *m = cf_mars(x);
	const char *op;
	char e[128];

	if (m == NULL) {
		if (x->pdu.kind != MARS_PDU_MARS)
			snprintf(buf, len, "a %zu-octet %s SDU on %s", x->len,
			    mars_pdu_kind_name(x->pdu.kind), kind_name(x->kind));
		else {
			mars_err_format(&x->pdu.err, e, sizeof(e));
			snprintf(buf, len, "a malformed MARS message on %s "
			    "(%s)", kind_name(x->kind), e);
		}
		return;
	}
	op = mars_op_name(m->op);
	switch (mars_op_family(m->op)) {
	case MARS_FAM_C:
		snprintf(buf, len, "%s on %s (copy=%d register=%d punched=%d "
		    "pnum=%u cmi=%u msn=%u)", op, kind_name(x->kind),
		    (m->flags & MARS_FLAG_COPY) != 0,
		    (m->flags & MARS_FLAG_REGISTER) != 0,
		    (m->flags & MARS_FLAG_PUNCHED) != 0, m->pnum, m->cmi,
		    m->msn);
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		snprintf(buf, len, "%s on %s (tnum=%u seqxy=0x%04x msn=%u)",
		    op, kind_name(x->kind), m->tnum, m->seqxy, m->msn);
		break;
	default:
		snprintf(buf, len, "%s on %s", op != NULL ? op : "?",
		    kind_name(x->kind));
		break;
	}
}
