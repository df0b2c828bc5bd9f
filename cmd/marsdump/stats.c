/*
 * marsdump --stats (stats.h).  Counting is a few array increments and one
 * hash probe per frame; the VC table reallocates only when it fills up.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/pdu.h"
#include "mars/proto.h"
#include "mars/scsp.h"
#include "mars/shim.h"

#include "stats.h"

#define VC_CAP_INITIAL	64

int
stats_init(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	st->vc = calloc(VC_CAP_INITIAL, sizeof(st->vc[0]));
	if (st->vc == NULL)
		return MARS_E_SYS;
	st->vc_cap = VC_CAP_INITIAL;
	return 0;
}

void
stats_free(struct stats *st)
{
	free(st->vc);
	st->vc = NULL;
}

static size_t
vc_hash(bool has_vc, uint16_t vpi, uint16_t vci, size_t cap)
{
	uint32_t k = has_vc ? ((uint32_t)vpi << 16 | vci) * 2654435761u : 0;

	return (k ^ (k >> 15)) & (cap - 1);
}

static struct stats_vc *
vc_probe(struct stats_vc *tab, size_t cap, bool has_vc, uint16_t vpi,
    uint16_t vci)
{
	size_t i = vc_hash(has_vc, vpi, vci, cap);

	while (tab[i].used && !(tab[i].has_vc == has_vc &&
	    (!has_vc || (tab[i].vpi == vpi && tab[i].vci == vci))))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Double the table; on allocation failure keep counting in the old one. */
static void
vc_grow(struct stats *st)
{
	struct stats_vc *tab, *e;
	size_t cap = st->vc_cap * 2, i;

	if ((tab = calloc(cap, sizeof(tab[0]))) == NULL)
		return;
	for (i = 0; i < st->vc_cap; i++) {
		if (!st->vc[i].used)
			continue;
		e = vc_probe(tab, cap, st->vc[i].has_vc, st->vc[i].vpi,
		    st->vc[i].vci);
		*e = st->vc[i];
	}
	free(st->vc);
	st->vc = tab;
	st->vc_cap = cap;
}

static struct stats_vc *
vc_get(struct stats *st, const struct mars_frame *fr)
{
	struct stats_vc *e;

	e = vc_probe(st->vc, st->vc_cap, fr->has_vc, fr->vpi, fr->vci);
	if (!e->used) {
		if (st->vc_used + 1 > st->vc_cap / 2) {
			vc_grow(st);
			/* Out of memory and nearly full: keep one slot free. */
			if (st->vc_used + 2 >= st->vc_cap)
				return &st->vc[0];
			e = vc_probe(st->vc, st->vc_cap, fr->has_vc, fr->vpi,
			    fr->vci);
		}
		e->used = true;
		e->cur = -1;
		e->has_vc = fr->has_vc;
		e->vpi = fr->has_vc ? fr->vpi : 0;
		e->vci = fr->has_vc ? fr->vci : 0;
		st->vc_used++;
	}
	if (fr->vc_kind != MARS_VC_UNKNOWN)
		e->kind = fr->vc_kind;
	return e;
}

static unsigned
reason_index(int code)
{
	return code < 0 && -code < STATS_REASONS ? (unsigned)-code : 0;
}

void
stats_count(struct stats *st, const struct mars_frame *fr,
    const struct mars_pdu *pdu, const struct mars_err *err)
{
	unsigned nc, i;

	st->printed++;
	vc_get(st, fr)->messages++;
	if (pdu == NULL) {
		st->malformed++;
		st->reason[reason_index(err->code)]++;
		return;
	}
	if (mars_pdu_malformed(pdu)) {
		st->malformed++;
		st->reason[reason_index(pdu->verdict)]++;
		return;
	}
	if ((nc = mars_pdu_nonconf(pdu)) != 0) {
		st->nonconforming++;
		for (i = 0; i < STATS_NC_REASONS; i++)
			if (nc & (1u << i))
				st->nc_reason[i]++;
	}
	switch (pdu->kind) {
	case MARS_PDU_MARS:
		st->mars_op[pdu->u.mars.op]++;
		break;
	case MARS_PDU_SCSP:
		st->scsp_type[pdu->u.scsp.type]++;
		break;
	case MARS_PDU_NHRP:
		st->nhrp++;
		break;
	default:
		st->llc_other++;
		break;
	}
}

void
stats_read_error(struct stats *st, int code)
{
	st->malformed++;
	st->reason[reason_index(code)]++;
}

/*
 * Is m a message the MARS multicast on ClusterControlVC?  On a VC whose
 * kind the lab shim told us, every MARS message on a CCVC is; elsewhere
 * only those that RFC 2022 sends nowhere else: JOIN/LEAVE copies
 * (copy = 1, §5.2.1) other than the reply to a (de)registration, which
 * goes back on the member's own VC (register = 1, §5.2.3), MIGRATE
 * (§6.2.4) and REDIRECT_MAP (§5.4.3).
 */
static bool
on_ccvc(const struct mars_frame *fr, const struct mars_msg *m)
{
	if (fr->vc_kind == MARS_VC_CCVC)
		return true;
	if (fr->vc_kind != MARS_VC_UNKNOWN)
		return false;
	switch (m->op) {
	case MARS_JOIN:
	case MARS_LEAVE:
		return (m->flags & (MARS_FLAG_COPY | MARS_FLAG_REGISTER)) ==
		    MARS_FLAG_COPY;
	case MARS_MIGRATE:
	case MARS_REDIRECT_MAP:
		return true;
	default:
		return false;
	}
}

/* Does msn follow last: the same message again (0) or the next one (1)? */
static bool
csn_follows(uint32_t last, uint32_t msn)
{
	uint32_t diff = msn - last;

	return diff == 0 || diff == 1;
}

static struct stats_seq *
seq_named(struct stats_vc *e, const struct mars_atm *a)
{
	size_t n = a->tl & MARS_ATM_TL_LEN;
	int i;

	for (i = 0; i < STATS_SEQ_PER_VC; i++)
		if (e->seq[i].used && e->seq[i].len == n &&
		    memcmp(e->seq[i].atm, a->addr, n) == 0)
			return &e->seq[i];
	return NULL;
}

/* The sequence msn continues: the current one first, then any other. */
static struct stats_seq *
seq_continued(struct stats_vc *e, uint32_t msn)
{
	int i;

	if (e->cur >= 0 && csn_follows(e->seq[e->cur].csn_last, msn))
		return &e->seq[e->cur];
	for (i = 0; i < STATS_SEQ_PER_VC; i++)
		if (e->seq[i].used && csn_follows(e->seq[i].csn_last, msn))
			return &e->seq[i];
	return NULL;
}

/* A free slot, or the one used longest ago. */
static struct stats_seq *
seq_new(struct stats *st, struct stats_vc *e, const struct mars_atm *a,
    uint32_t msn)
{
	struct stats_seq *s = &e->seq[0];
	int i;

	for (i = 0; i < STATS_SEQ_PER_VC; i++) {
		if (!e->seq[i].used) {
			s = &e->seq[i];
			break;
		}
		if (e->seq[i].last_use < s->last_use)
			s = &e->seq[i];
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	if (a != NULL) {
		s->len = a->tl & MARS_ATM_TL_LEN;
		memcpy(s->atm, a->addr, s->len);
	}
	s->csn_last = msn;
	st->csn_sequences++;
	return s;
}

static void
gap_record(struct stats *st, const struct mars_frame *fr,
    const struct stats_seq *s, uint32_t msn)
{
	struct stats_gap *g;
	uint32_t diff = msn - s->csn_last;

	st->csn_gaps++;
	if (diff < 0x80000000u)
		st->csn_missing += diff - 1;
	if (st->ngap >= STATS_GAPS_KEPT)
		return;
	g = &st->gap[st->ngap++];
	g->frame = fr->num;
	g->has_vc = fr->has_vc;
	g->vpi = fr->vpi;
	g->vci = fr->vci;
	g->atm_len = s->len;
	memcpy(g->atm, s->atm, s->len);
	g->expected = s->csn_last + 1;
	g->got = msn;
}

/*
 * RFC 2022 §5.1.4.2: a MARS's CSN goes up by one with every message it
 * sends on ClusterControlVC, so each consecutive pair from one MARS must
 * differ by exactly 1 (mod 2^32); any other step is a gap, and a forward
 * jump of d misses d - 1 numbers.  A step of 0 is the same message again:
 * the lab transport emulates a pt-mpt VC by one datagram per leaf, so a
 * capture holds one copy per leaf (members treat 0 as no gap too).
 *
 * Each MARS keeps its own CSN, and the lab transport and the simulator
 * label every MARS's ClusterControlVC alike, so the sequences are kept
 * per MARS on each VC.  A REDIRECT_MAP or MIGRATE names its MARS in
 * mar$sha: from a MARS not heard from before it starts a new sequence
 * (a new Active after a failover sends its map at once), unless it
 * continues an unnamed one, which it then names.  A JOIN or LEAVE copy
 * carries the member's mar$sha, so it belongs to the sequence it
 * continues, else to the one of the message before it, where it is a gap.
 */
void
stats_csn(struct stats *st, const struct mars_frame *fr,
    const struct mars_pdu *pdu)
{
	const struct mars_msg *m = &pdu->u.mars;
	struct stats_vc *e;
	struct stats_seq *s;
	bool named;

	if (pdu->kind != MARS_PDU_MARS || !mars_err_parsed(pdu->verdict) ||
	    mars_op_family(m->op) == MARS_FAM_A ||
	    mars_op_family(m->op) == MARS_FAM_UNKNOWN || !on_ccvc(fr, m))
		return;
	e = vc_get(st, fr);
	named = (m->op == MARS_REDIRECT_MAP || m->op == MARS_MIGRATE) &&
	    (m->sha.tl & MARS_ATM_TL_LEN) != 0 && m->sha.addr != NULL;
	if (named && (s = seq_named(e, &m->sha)) == NULL) {
		s = e->cur >= 0 ? &e->seq[e->cur] : NULL;
		if (s != NULL && s->len == 0 && csn_follows(s->csn_last,
		    m->msn)) {
			s->len = m->sha.tl & MARS_ATM_TL_LEN;
			memcpy(s->atm, m->sha.addr, s->len);
		} else
			s = seq_new(st, e, &m->sha, m->msn);
	} else if (!named && (s = seq_continued(e, m->msn)) == NULL) {
		s = e->cur >= 0 ? &e->seq[e->cur] : seq_new(st, e, NULL,
		    m->msn);
	}
	if (!csn_follows(s->csn_last, m->msn))
		gap_record(st, fr, s, m->msn);
	s->csn_last = m->msn;
	s->last_use = fr->num;
	e->cur = (int)(s - e->seq);
}

/* ---------------------------------------------------------------- output */

static const char *
reason_name(unsigned i)
{
	if (i == (unsigned)-MARS_E_NOTOURS)
		return "no-llc";
	if (i == (unsigned)-MARS_E_SYS)
		return "read-error";
	return mars_err_reason(-(int)i);
}

static int
vc_cmp(const void *a, const void *b)
{
	const struct stats_vc *x = *(const struct stats_vc * const *)a;
	const struct stats_vc *y = *(const struct stats_vc * const *)b;
	uint32_t kx = x->has_vc ? (uint32_t)x->vpi << 16 | x->vci : 0;
	uint32_t ky = y->has_vc ? (uint32_t)y->vpi << 16 | y->vci : 0;

	if (x->has_vc != y->has_vc)
		return x->has_vc ? 1 : -1;	/* "no VC" first */
	return kx < ky ? -1 : kx > ky;
}

/* VCs that carried printed messages, sorted; NULL when none or no memory. */
static const struct stats_vc **
vc_sorted(const struct stats *st, size_t *n)
{
	const struct stats_vc **v;
	size_t i;

	*n = 0;
	if ((v = calloc(st->vc_cap, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < st->vc_cap; i++)
		if (st->vc[i].used && st->vc[i].messages > 0)
			v[(*n)++] = &st->vc[i];
	qsort(v, *n, sizeof(*v), vc_cmp);
	return v;
}

/* One name per counter, with a callback-free walk shared by both forms. */
struct op_count {
	char		 name[32];
	uint64_t	 n;
};

static bool
op_next(const struct stats *st, unsigned *i, struct op_count *oc)
{
	const char *name;
	unsigned k;

	/* 0-255 MARS ops, 256-511 SCSP types, 512 NHRP, 513 other LLC. */
	for (; *i < 514; (*i)++) {
		k = *i;
		if (k < 256 && st->mars_op[k] > 0) {
			oc->n = st->mars_op[k];
			if ((name = mars_op_name((uint8_t)k)) != NULL)
				snprintf(oc->name, sizeof(oc->name), "%s",
				    name);
			else
				snprintf(oc->name, sizeof(oc->name),
				    "MARS_OP_%u", k);
		} else if (k >= 256 && k < 512 && st->scsp_type[k - 256] > 0) {
			oc->n = st->scsp_type[k - 256];
			if ((name = mars_scsp_type_name((uint8_t)(k - 256))) != NULL)
				snprintf(oc->name, sizeof(oc->name), "SCSP_%s",
				    name);
			else
				snprintf(oc->name, sizeof(oc->name),
				    "SCSP_TYPE_%u", k - 256);
		} else if (k == 512 && st->nhrp > 0) {
			oc->n = st->nhrp;
			snprintf(oc->name, sizeof(oc->name), "NHRP");
		} else if (k == 513 && st->llc_other > 0) {
			oc->n = st->llc_other;
			snprintf(oc->name, sizeof(oc->name), "LLC");
		} else
			continue;
		(*i)++;
		return true;
	}
	return false;
}

/* "4700...: " of a gap whose MARS is known; nothing otherwise. */
static void
gap_text(struct mars_out *ob, const struct stats_gap *g)
{
	if (g->has_vc)
		mars_out_printf(ob, "  frame %llu on %u/%u",
		    (unsigned long long)g->frame, g->vpi, g->vci);
	else
		mars_out_printf(ob, "  frame %llu", (unsigned long long)g->frame);
	if (g->atm_len > 0) {
		mars_out_puts(ob, " from ");
		mars_out_hex(ob, g->atm, g->atm_len);
	}
	mars_out_printf(ob, ": expected %u, got %u\n", g->expected, g->got);
}

static void
print_text(struct mars_out *ob, const struct stats *st,
    const struct stats_vc **v, size_t nv)
{
	struct op_count oc;
	unsigned i = 0;
	size_t k;
	char vcname[24];

	mars_out_printf(ob, "frames read: %llu\n", (unsigned long long)st->frames);
	mars_out_printf(ob, "messages printed: %llu\n",
	    (unsigned long long)st->printed);
	mars_out_puts(ob, "by operation:\n");
	while (op_next(st, &i, &oc))
		mars_out_printf(ob, "  %-24s %llu\n", oc.name,
		    (unsigned long long)oc.n);
	mars_out_puts(ob, "by VC:\n");
	for (k = 0; k < nv; k++) {
		if (v[k]->has_vc)
			snprintf(vcname, sizeof(vcname), "%u/%u", v[k]->vpi,
			    v[k]->vci);
		else
			snprintf(vcname, sizeof(vcname), "-");
		mars_out_printf(ob, "  %-11s %-12s %llu\n", vcname,
		    v[k]->kind != MARS_VC_UNKNOWN ?
		    mars_vc_kind_name(v[k]->kind) : "-",
		    (unsigned long long)v[k]->messages);
	}
	mars_out_printf(ob, "malformed: %llu\n", (unsigned long long)st->malformed);
	for (i = 0; i < STATS_REASONS; i++)
		if (st->reason[i] > 0)
			mars_out_printf(ob, "  %-24s %llu\n", reason_name(i),
			    (unsigned long long)st->reason[i]);
	mars_out_printf(ob, "nonconforming: %llu\n",
	    (unsigned long long)st->nonconforming);
	for (i = 0; i < STATS_NC_REASONS; i++)
		if (st->nc_reason[i] > 0)
			mars_out_printf(ob, "  %-24s %llu\n",
			    mars_nonconf_name(1u << i),
			    (unsigned long long)st->nc_reason[i]);
	mars_out_printf(ob, "CSN sequences on ClusterControlVC: %llu "
	    "(one per MARS and VC)\n", (unsigned long long)st->csn_sequences);
	mars_out_printf(ob, "CSN gaps on ClusterControlVC: %llu (%llu missing)\n",
	    (unsigned long long)st->csn_gaps,
	    (unsigned long long)st->csn_missing);
	for (i = 0; i < st->ngap; i++)
		gap_text(ob, &st->gap[i]);
}

/* {"reason":count,...} of the non-zero counters. */
static void
json_reasons(struct mars_out *ob, const uint64_t *count, unsigned n,
    bool nonconf)
{
	const char *sep = "";
	unsigned i;

	mars_out_putc(ob, '{');
	for (i = 0; i < n; i++) {
		if (count[i] == 0)
			continue;
		mars_out_printf(ob, "%s\"%s\":%llu", sep, nonconf ?
		    mars_nonconf_name(1u << i) : reason_name(i),
		    (unsigned long long)count[i]);
		sep = ",";
	}
	mars_out_putc(ob, '}');
}

static void
print_json(struct mars_out *ob, const struct stats *st,
    const struct stats_vc **v, size_t nv)
{
	struct op_count oc;
	const struct stats_gap *g;
	unsigned i = 0;
	size_t k;
	const char *sep = "";

	mars_out_printf(ob, "{\"type\":\"stats\",\"frames\":%llu,"
	    "\"printed\":%llu,\"ops\":{", (unsigned long long)st->frames,
	    (unsigned long long)st->printed);
	while (op_next(st, &i, &oc)) {
		mars_out_printf(ob, "%s\"%s\":%llu", sep, oc.name,
		    (unsigned long long)oc.n);
		sep = ",";
	}
	mars_out_puts(ob, "},\"vcs\":[");
	for (k = 0; k < nv; k++) {
		if (k > 0)
			mars_out_putc(ob, ',');
		if (v[k]->has_vc)
			mars_out_printf(ob, "{\"vpi\":%u,\"vci\":%u,", v[k]->vpi,
			    v[k]->vci);
		else
			mars_out_puts(ob, "{\"vpi\":null,\"vci\":null,");
		if (v[k]->kind != MARS_VC_UNKNOWN)
			mars_out_printf(ob, "\"kind\":\"%s\",",
			    mars_vc_kind_name(v[k]->kind));
		else
			mars_out_puts(ob, "\"kind\":null,");
		mars_out_printf(ob, "\"messages\":%llu}",
		    (unsigned long long)v[k]->messages);
	}
	mars_out_printf(ob, "],\"malformed\":{\"total\":%llu,\"reasons\":",
	    (unsigned long long)st->malformed);
	json_reasons(ob, st->reason, STATS_REASONS, false);
	mars_out_printf(ob, "},\"nonconforming\":{\"total\":%llu,\"reasons\":",
	    (unsigned long long)st->nonconforming);
	json_reasons(ob, st->nc_reason, STATS_NC_REASONS, true);
	mars_out_printf(ob, "},\"csn\":{\"sequences\":%llu,\"gaps\":%llu,"
	    "\"missing\":%llu,\"first\":[",
	    (unsigned long long)st->csn_sequences,
	    (unsigned long long)st->csn_gaps,
	    (unsigned long long)st->csn_missing);
	for (i = 0; i < st->ngap; i++) {
		g = &st->gap[i];
		if (i > 0)
			mars_out_putc(ob, ',');
		mars_out_printf(ob, "{\"frame\":%llu,", (unsigned long long)g->frame);
		if (g->has_vc)
			mars_out_printf(ob, "\"vpi\":%u,\"vci\":%u,", g->vpi, g->vci);
		else
			mars_out_puts(ob, "\"vpi\":null,\"vci\":null,");
		mars_out_puts(ob, "\"mars\":");
		if (g->atm_len > 0) {
			mars_out_putc(ob, '"');
			mars_out_hex(ob, g->atm, g->atm_len);
			mars_out_putc(ob, '"');
		} else
			mars_out_puts(ob, "null");
		mars_out_printf(ob, ",\"expected\":%u,\"got\":%u}", g->expected,
		    g->got);
	}
	mars_out_puts(ob, "]}}\n");
}

void
stats_print(struct mars_out *ob, const struct stats *st, bool json)
{
	const struct stats_vc **v;
	size_t nv = 0;

	v = vc_sorted(st, &nv);
	if (json)
		print_json(ob, st, v, nv);
	else
		print_text(ob, st, v, nv);
	free(v);
}
