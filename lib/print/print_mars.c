/*
 * MARS messages (RFC 2022 §4-§6, §10) as text: the one-line summary and
 * the field list/tree with the RFC's field names (mar$afn, mar$sha, ...).
 *
 * The layout families are those of PROTOCOL.md 3.2 (msg.h): which
 * mandatory fields exist and what the list after the addresses holds
 * depends on the family, never on guesses about the bytes.
 */
#include <string.h>

#include "mars/msg.h"
#include "mars/proto.h"
#include "print_int.h"

/* " part 1 last" from mar$seqxy (RFC 2022 §5.1.2). */
static void
put_seqxy(struct mars_out *ob, uint16_t seqxy)
{
	mars_out_write(ob, " part ", 6);
	mars_out_u64(ob, seqxy & MARS_SEQ_PART);
	if (seqxy & MARS_SEQ_LAST)
		mars_out_write(ob, " last", 5);
}

/* A string literal at the cursor d (advanced past it). */
#define PC_LIT(d, lit)	do {						\
	memcpy((d), "" lit, sizeof(lit) - 1);				\
	(d) += sizeof(lit) - 1;						\
} while (0)

/* One <min,max> pair: "224.1.2.3" or "224.0.0.0-239.255.255.255". */
#define PC_RANGE_MAX	(2 * PC_PA_MAX + 1)

static char *
pc_range(char *d, const uint8_t *min, const uint8_t *max, size_t n)
{
	uint32_t a, b;
	bool same;

	d = pc_pa(d, min, n);
	if (n == 0 || min == NULL || max == NULL)
		return d;
	if (n == 4) {
		/* IPv4, the usual group: one compare, no call. */
		memcpy(&a, min, 4);
		memcpy(&b, max, 4);
		same = a == b;
	} else
		same = memcmp(min, max, n) == 0;
	if (!same) {
		*d++ = '-';
		d = pc_pa(d, max, n);
	}
	return d;
}

/* sep (' ' or ','), then the pair. */
static void
put_range(struct mars_out *ob, char sep, const uint8_t *min, const uint8_t *max,
    size_t n)
{
	char tmp[PC_RANGE_MAX + 1], *d0;

	if (n > PC_PA_LEN_MAX) {
		mars_out_putc(ob, sep);
		/* No length octet gives this; keep the plain appends. */
		pr_pa(ob, min, n);
		if (min != NULL && max != NULL && memcmp(min, max, n) != 0) {
			mars_out_putc(ob, '-');
			pr_pa(ob, max, n);
		}
		return;
	}
	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	*d0 = sep;
	mars_out_span_end(ob, d0, pc_range(d0 + 1, min, max, n), tmp);
}

/* " tlv 0x3a00" per TLV kept (RFC 2022 §10); the NULL TLV is not shown. */
static void
put_tlvs(struct mars_out *ob, const struct mars_msg *m)
{
	unsigned i;

	for (i = 0; i < m->ntlv; i++) {
		mars_out_write(ob, " tlv ", 5);
		pr_x(ob, m->tlv[i].type, 4);
	}
	if (m->ntlv_total > m->ntlv) {
		mars_out_write(ob, " +", 2);
		mars_out_u64(ob, (uint64_t)(m->ntlv_total - m->ntlv));
		mars_out_write(ob, " tlvs", 5);
	}
}

/* The target list of MULTI, MIGRATE and REDIRECT_MAP: " a b c". */
static void
put_targets(struct mars_out *ob, const struct mars_msg *m)
{
	struct mars_atm tha, tsa;
	unsigned i;

	for (i = 0; i < m->tnum; i++) {
		mars_target(m, i, &tha, &tsa);
		mars_out_putc(ob, ' ');
		pr_atm_sub(ob, &tha, &tsa);
	}
}

/*
 * The fields after the pairs of a family C line, at most
 * " cmi 65535 msn 4294967295 layer3grp copy punched rsvd 0xffff seq N"
 * and " sha " with the source address: written into one span.
 */
#define JOIN_TAIL_MAX	(80 + MARS_FMT_U64_MAX + PC_ATM_SUB_MAX)

static char *
pc_join_tail(char *d, const struct mars_msg *m)
{
	PC_LIT(d, " cmi ");
	d = mars_fmt_u64(d, m->cmi);
	PC_LIT(d, " msn ");
	d = mars_fmt_u64(d, m->msn);
	if (m->flags & MARS_FLAG_LAYER3GRP)
		PC_LIT(d, " layer3grp");
	if (m->flags & MARS_FLAG_COPY)
		PC_LIT(d, " copy");
	if (m->flags & MARS_FLAG_PUNCHED)
		PC_LIT(d, " punched");
	if (m->flags & MARS_FLAG_RESERVED) {
		PC_LIT(d, " rsvd ");
		d = pc_x(d, m->flags & MARS_FLAG_RESERVED, 4);
	}
	if (m->flags & MARS_FLAG_SEQUENCE) {
		PC_LIT(d, " seq ");
		d = mars_fmt_u64(d, m->flags & MARS_FLAG_SEQUENCE);
	}
	PC_LIT(d, " sha ");
	return pc_atm_sub(d, &m->sha, &m->ssa);
}

/* Family C (JOIN, LEAVE, MSERV, UNSERV, SJOIN, SLEAVE, GROUPLIST_REQUEST). */
static void
line_join(struct mars_out *ob, const struct mars_msg *m)
{
	char tmp[JOIN_TAIL_MAX], *d0;
	const uint8_t *min, *max;
	unsigned i;

	if (m->flags & MARS_FLAG_REGISTER)
		mars_out_write(ob, " register", 9);
	for (i = 0; i < m->pnum; i++) {
		mars_pair(m, i, &min, &max);
		put_range(ob, i == 0 ? ' ' : ',', min, max, m->grp_len);
	}
	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_join_tail(d0, m), tmp);
}

/*
 * The common shape of a family C message: IPv4 groups, a few pairs, no
 * TLVs.  Its whole line, time to newline, fits one span of JOIN_LINE_MAX
 * octets (pc_ipv4 may write up to 16 octets per address, so a pair
 * reserves 1 + 16 + 1 + 16), so it is written with no check per field.
 */
#define JOIN_FAST_PAIRS	4
#define JOIN_NAME_MAX	24

/*
 * " NAME" of each family C operation, padded to one fixed-size copy; len
 * 0: not family C.  Built once from mars_op_family() and mars_op_name(),
 * so the codec's tables stay the only ones.
 */
static struct {
	char	text[JOIN_NAME_MAX];
	uint8_t	len;
} fam_c_name[MARS_OP_MAX + 1];
static bool fam_c_ready;

static void
fam_c_init(void)
{
	const char *name;
	size_t n;
	unsigned op;

	for (op = 1; op <= MARS_OP_MAX; op++) {
		if (mars_op_family((uint8_t)op) != MARS_FAM_C ||
		    (name = mars_op_name((uint8_t)op)) == NULL ||
		    (n = strlen(name)) + 1 > JOIN_NAME_MAX)
			continue;
		fam_c_name[op].text[0] = ' ';
		memcpy(fam_c_name[op].text + 1, name, n);
		fam_c_name[op].len = (uint8_t)(n + 1);
	}
	fam_c_ready = true;
}

#define JOIN_LINE_MAX	(PC_TIME_MAX + JOIN_NAME_MAX + 9 +		\
	    JOIN_FAST_PAIRS * 34 + JOIN_TAIL_MAX + 1)

bool
print_mars_join_frame(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr, const struct mars_msg *m)
{
	char tmp[JOIN_LINE_MAX], *d0, *d;
	const uint8_t *p;
	unsigned i;

	if (!fam_c_ready)
		fam_c_init();
	if (fr->has_vc || m->grp_len != 4 || m->pnum > JOIN_FAST_PAIRS ||
	    m->ntlv_total != 0 || m->ntlv != 0 || m->list == NULL ||
	    m->op > MARS_OP_MAX || fam_c_name[m->op].len == 0)
		return false;
	d = d0 = mars_out_span(ob, sizeof(tmp), tmp);
	d = pc_time(d, ob, po, fr);
	memcpy(d, fam_c_name[m->op].text, JOIN_NAME_MAX);
	d += fam_c_name[m->op].len;
	if (m->flags & MARS_FLAG_REGISTER)
		PC_LIT(d, " register");
	/* pc_range for IPv4, inline: one compare decides min-max or one. */
	for (i = 0, p = m->list; i < m->pnum; i++, p += 8) {
		*d++ = i == 0 ? ' ' : ',';
		d = pc_ipv4(d, p);
		if (memcmp(p, p + 4, 4) != 0) {
			*d++ = '-';
			d = pc_ipv4(d, p + 4);
		}
	}
	d = pc_join_tail(d, m);
	*d++ = '\n';
	mars_out_span_end(ob, d0, d, tmp);
	return true;
}

/*
 * One line per message, the fields an operator reads first (print.h).
 * Writes " OP ..." without the time, VC or newline.
 */
void
print_mars_line(struct mars_out *ob, const struct mars_msg *m)
{
	const char *name = mars_op_name(m->op);
	unsigned i;

	mars_out_putc(ob, ' ');
	if (name != NULL)
		mars_out_puts(ob, name);
	else {
		mars_out_write(ob, "MARS op ", 8);
		mars_out_u64(ob, m->op);
	}
	switch (mars_op_family(m->op)) {
	case MARS_FAM_A:
		mars_out_putc(ob, ' ');
		pr_pa(ob, m->tpa.addr, m->tpa.len);
		mars_out_write(ob, " from ", 6);
		pr_pa(ob, m->spa.addr, m->spa.len);
		mars_out_write(ob, " sha ", 5);
		pr_atm_sub(ob, &m->sha, &m->ssa);
		if ((m->tha.tl & MARS_ATM_TL_LEN) != 0) {
			mars_out_write(ob, " tha ", 5);
			pr_atm_sub(ob, &m->tha, &m->tsa);
		}
		break;
	case MARS_FAM_B:
		mars_out_putc(ob, ' ');
		pr_pa(ob, m->tpa.addr, m->tpa.len);
		mars_out_write(ob, " msn ", 5);
		mars_out_u64(ob, m->msn);
		if (m->op == MARS_MIGRATE) {
			mars_out_write(ob, " to", 3);
		} else {
			put_seqxy(ob, m->seqxy);
			mars_out_write(ob, " tnum ", 6);
			mars_out_u64(ob, m->tnum);
			mars_out_putc(ob, ':');
		}
		put_targets(ob, m);
		break;
	case MARS_FAM_B1:
		mars_out_write(ob, " msn ", 5);
		mars_out_u64(ob, m->msn);
		put_seqxy(ob, m->seqxy);
		mars_out_write(ob, " tnum ", 6);
		mars_out_u64(ob, m->tnum);
		mars_out_putc(ob, ':');
		for (i = 0; i < m->tnum; i++) {
			mars_out_putc(ob, ' ');
			pr_pa(ob, mars_group(m, i), m->grp_len);
		}
		break;
	case MARS_FAM_B2:
		mars_out_puts(ob, (m->redirf & MARS_REDIRF_HARD) ? " hard" : " soft");
		mars_out_write(ob, " msn ", 5);
		mars_out_u64(ob, m->msn);
		put_seqxy(ob, m->seqxy);
		mars_out_write(ob, " from ", 6);
		pr_atm_sub(ob, &m->sha, &m->ssa);
		mars_out_putc(ob, ':');
		put_targets(ob, m);
		break;
	case MARS_FAM_C:
		line_join(ob, m);
		break;
	default:
		mars_out_write(ob, " sha ", 5);
		pr_atm_sub(ob, &m->sha, &m->ssa);
		break;
	}
	put_tlvs(ob, m);
}

/* mar$seqxy with x and y as children (RFC 2022 §5.1.2). */
static void
fld_seqxy(struct fsink *fs, uint32_t off, const struct mars_msg *m)
{
	if (m->op == MARS_MIGRATE) {
		pf_x(fs, off, "mar$resv", m->seqxy, 4);
		return;
	}
	pf_x(fs, off, "mar$seqxy", m->seqxy, 4);
	if (pf_tree(fs)) {
		fs->depth++;
		pf_bool(fs, off, "x", (m->seqxy & MARS_SEQ_LAST) != 0);
		pf_u(fs, off, "y", m->seqxy & MARS_SEQ_PART);
		fs->depth--;
	}
}

/* mar$flags with its bits as children (RFC 2022 §5.2.1). */
static void
fld_flags(struct fsink *fs, uint32_t off, uint16_t flags)
{
	pf_x(fs, off, "mar$flags", flags, 4);
	if (!pf_tree(fs))
		return;
	fs->depth++;
	pf_bool(fs, off, "layer3grp", flags & MARS_FLAG_LAYER3GRP);
	pf_bool(fs, off, "copy", flags & MARS_FLAG_COPY);
	pf_bool(fs, off, "register", flags & MARS_FLAG_REGISTER);
	pf_bool(fs, off, "punched", flags & MARS_FLAG_PUNCHED);
	pf_x(fs, off, "reserved", (flags & MARS_FLAG_RESERVED) >> 8, 1);
	pf_u(fs, off + 1, "sequence", flags & MARS_FLAG_SEQUENCE);
	fs->depth--;
}

/* The mandatory part, octets 20-31 (RFC 2022 §5.1.2, §5.2.1, §5.3, §5.4.3). */
static void
fld_mandatory(struct fsink *fs, const struct mars_msg *m, uint32_t o)
{
	switch (mars_op_family(m->op)) {
	case MARS_FAM_A:
		pf_u(fs, o + 20, "mar$spln", m->spa.len);
		pf_tl(fs, o + 21, "mar$thtl", m->tha.tl);
		pf_tl(fs, o + 22, "mar$tstl", m->tsa.tl);
		pf_u(fs, o + 23, "mar$tpln", m->tpa.len);
		pf_hex(fs, o + 24, "mar$pad", m->pad, sizeof(m->pad));
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		pf_u(fs, o + 20, "mar$spln", m->spa.len);
		pf_tl(fs, o + 21, "mar$thtl", m->thtl);
		pf_tl(fs, o + 22, "mar$tstl", m->tstl);
		if (m->op == MARS_REDIRECT_MAP) {
			pf_x(fs, o + 23, "mar$redirf", m->redirf, 2);
			if (pf_tree(fs)) {
				fs->depth++;
				pf_bool(fs, o + 23, "hard",
				    m->redirf & MARS_REDIRF_HARD);
				fs->depth--;
			}
		} else
			pf_u(fs, o + 23, "mar$tpln", m->op == MARS_GROUPLIST_REPLY ?
			    m->grp_len : m->tpa.len);
		pf_u(fs, o + 24, "mar$tnum", m->tnum);
		fld_seqxy(fs, o + 26, m);
		pf_u(fs, o + 28, "mar$msn", m->msn);
		break;
	case MARS_FAM_C:
		pf_u(fs, o + 20, "mar$spln", m->spa.len);
		pf_u(fs, o + 21, "mar$tpln", m->grp_len);
		pf_u(fs, o + 22, "mar$pnum", m->pnum);
		fld_flags(fs, o + 24, m->flags);
		pf_u(fs, o + 26, "mar$cmi", m->cmi);
		pf_u(fs, o + 28, "mar$msn", m->msn);
		break;
	default:
		break;
	}
}

/* The list after the addresses, by family; returns the offset after it. */
static uint32_t
fld_list(struct fsink *fs, const struct mars_msg *m, uint32_t off)
{
	struct mars_atm tha, tsa;
	const uint8_t *min, *max;
	char nb[32];
	unsigned i;

	switch (mars_op_family(m->op)) {
	case MARS_FAM_B:
	case MARS_FAM_B2:
		for (i = 0; i < m->tnum; i++) {
			mars_target(m, i, &tha, &tsa);
			pf_atm(fs, off, pf_iname(nb, sizeof(nb), "mar$tha",
			    i + 1), &tha);
			off += tha.tl & MARS_ATM_TL_LEN;
			if ((m->tstl & MARS_ATM_TL_LEN) != 0) {
				pf_atm(fs, off, pf_iname(nb, sizeof(nb),
				    "mar$tsa", i + 1), &tsa);
				off += tsa.tl & MARS_ATM_TL_LEN;
			}
		}
		break;
	case MARS_FAM_B1:
		for (i = 0; i < m->tnum; i++) {
			pf_pa(fs, off, pf_iname(nb, sizeof(nb), "mar$mgrp",
			    i + 1), mars_group(m, i), m->grp_len);
			off += m->grp_len;
		}
		break;
	case MARS_FAM_C:
		for (i = 0; i < m->pnum; i++) {
			mars_pair(m, i, &min, &max);
			pf_pa(fs, off, pf_iname(nb, sizeof(nb), "mar$min",
			    i + 1), min, m->grp_len);
			off += m->grp_len;
			pf_pa(fs, off, pf_iname(nb, sizeof(nb), "mar$max",
			    i + 1), max, m->grp_len);
			off += m->grp_len;
		}
		break;
	default:
		break;
	}
	return off;
}

/* TLVs (RFC 2022 §10.2): Type.x, Type.y, Length, Value. */
static void
fld_tlvs(struct fsink *fs, const struct mars_pdu *pdu, uint32_t o)
{
	const struct mars_msg *m = &pdu->u.mars;
	const struct mars_tlv *t;
	uint32_t off = o + (m->extoff & 0xfffc);
	unsigned i;

	for (i = 0; i < m->ntlv; i++) {
		t = &m->tlv[i];
		if (t->value != NULL && pdu->sdu != NULL && t->value >= pdu->sdu + 4)
			off = (uint32_t)(t->value - pdu->sdu) - 4;
		pf_node(fs, off, "tlv", i + 1);
		pf_x(fs, off, "Type.x", (t->type & MARS_TLV_ACTION) >> 14, 1);
		pf_x(fs, off, "Type.y", t->type & (uint16_t)~MARS_TLV_ACTION, 4);
		pf_u(fs, off + 2, "Length", t->len);
		pf_hex(fs, off + 4, "Value", t->value, t->len);
		pf_node_end(fs);
		off += 4 + t->len + ((4 - (t->len & 3)) & 3);
	}
	if (m->ntlv_total > m->ntlv)
		pf_u(fs, off, "tlv.more", (uint64_t)(m->ntlv_total - m->ntlv));
}

/* Every field, in wire order, with its offset from the first LLC octet. */
void
print_mars_fields(struct fsink *fs, const struct mars_pdu *pdu)
{
	const struct mars_msg *m = &pdu->u.mars;
	const uint32_t o = PR_MSG_OFF;
	enum mars_family fam = mars_op_family(m->op);
	const char *name;
	uint32_t off;

	pf_x(fs, o + 0, "mar$afn", m->afn, 4);
	pf_x(fs, o + 2, "mar$pro.type", m->pro_type, 4);
	pf_hex(fs, o + 4, "mar$pro.snap", m->pro_snap, sizeof(m->pro_snap));
	pf_hex(fs, o + 9, "mar$hdrrsv", m->hdrrsv, sizeof(m->hdrrsv));
	pf_x(fs, o + 12, "mar$chksum", m->chksum, 4);
	pf_u(fs, o + 14, "mar$extoff", m->extoff);
	pf_break(fs);
	pf_u(fs, o + 16, "mar$op.version", m->op_version);
	pf_open(fs, o + 17, "mar$op.type");
	mars_out_u64(fs->ob, m->op);
	if (pf_tree(fs) && (name = mars_op_name(m->op)) != NULL) {
		mars_out_write(fs->ob, " (", 2);
		mars_out_puts(fs->ob, name);
		mars_out_putc(fs->ob, ')');
	}
	pf_close(fs);
	if (m->sha_inferred) {
		/* Null on the wire; the 20 octets in place read as the source. */
		pf_open(fs, o + 18, "mar$shtl");
		pr_x(fs->ob, m->sha.tl & (uint8_t)~MARS_ATM_TL_LEN, 2);
		if (pf_tree(fs))
			mars_out_puts(fs->ob, " (null; mar$sha read from the "
			    "20 octets in place)");
		pf_close(fs);
	} else
		pf_tl(fs, o + 18, "mar$shtl", m->sha.tl);
	pf_tl(fs, o + 19, "mar$sstl", m->ssa.tl);
	pf_break(fs);
	fld_mandatory(fs, m, o);
	pf_break(fs);

	off = o + MARS_HDR_LEN;
	pf_atm(fs, off, "mar$sha", &m->sha);
	off += m->sha.tl & MARS_ATM_TL_LEN;
	pf_atm(fs, off, "mar$ssa", &m->ssa);
	off += m->ssa.tl & MARS_ATM_TL_LEN;
	if (fam != MARS_FAM_B2) {
		pf_pa(fs, off, "mar$spa", m->spa.addr, m->spa.len);
		off += m->spa.len;
	}
	if (fam == MARS_FAM_A || fam == MARS_FAM_B) {
		pf_pa(fs, off, "mar$tpa", m->tpa.addr, m->tpa.len);
		off += m->tpa.len;
	}
	if (fam == MARS_FAM_A) {
		pf_atm(fs, off, "mar$tha", &m->tha);
		off += m->tha.tl & MARS_ATM_TL_LEN;
		pf_atm(fs, off, "mar$tsa", &m->tsa);
		off += m->tsa.tl & MARS_ATM_TL_LEN;
	}
	pf_break(fs);
	fld_list(fs, m, off);
	pf_break(fs);
	fld_tlvs(fs, pdu, o);
	pf_break(fs);
}
