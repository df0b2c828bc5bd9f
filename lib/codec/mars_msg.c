/*
 * MARS control messages, RFC 2022 §4 (fixed header), §5-§6 (mandatory
 * parts and address areas by operation), §10 (supplementary TLVs) and
 * §4.3.3 (checksum).  Layout families as in PROTOCOL.md §3.2 and msg.h.
 *
 * Every read goes through the wire cursor; the view points into the
 * caller's buffer.  Encoding derives every T/L octet, mar$extoff and
 * mar$chksum from the struct.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mars/msg.h"
#include "base/wire.h"

/* Type.y of the TLVs this decoder knows (§10.2, PROTOCOL.md §4.3). */
#define TLV_TYPE_Y		0x3fff

static const struct {
	const char		*name;
	const char		*shortname;
	enum mars_family	 family;
} ops[MARS_OP_MAX + 1] = {
	[MARS_REQUEST] = { "MARS_REQUEST", "REQUEST", MARS_FAM_A },
	[MARS_MULTI] = { "MARS_MULTI", "MULTI", MARS_FAM_B },
	[MARS_MSERV] = { "MARS_MSERV", "MSERV", MARS_FAM_C },
	[MARS_JOIN] = { "MARS_JOIN", "JOIN", MARS_FAM_C },
	[MARS_LEAVE] = { "MARS_LEAVE", "LEAVE", MARS_FAM_C },
	[MARS_NAK] = { "MARS_NAK", "NAK", MARS_FAM_A },
	[MARS_UNSERV] = { "MARS_UNSERV", "UNSERV", MARS_FAM_C },
	[MARS_SJOIN] = { "MARS_SJOIN", "SJOIN", MARS_FAM_C },
	[MARS_SLEAVE] = { "MARS_SLEAVE", "SLEAVE", MARS_FAM_C },
	[MARS_GROUPLIST_REQUEST] = { "MARS_GROUPLIST_REQUEST",
	    "GROUPLIST_REQUEST", MARS_FAM_C },
	[MARS_GROUPLIST_REPLY] = { "MARS_GROUPLIST_REPLY", "GROUPLIST_REPLY",
	    MARS_FAM_B1 },
	[MARS_REDIRECT_MAP] = { "MARS_REDIRECT_MAP", "REDIRECT_MAP",
	    MARS_FAM_B2 },
	[MARS_MIGRATE] = { "MARS_MIGRATE", "MIGRATE", MARS_FAM_B },
};

/* §11: op codes 1..13 (SJOIN/SLEAVE 8/9, PROTOCOL.md C1). */
enum mars_family
mars_op_family(uint8_t op)
{
	if (op == 0 || op > MARS_OP_MAX)
		return MARS_FAM_UNKNOWN;
	return ops[op].family;
}

const char *
mars_op_name(uint8_t op)
{
	if (op == 0 || op > MARS_OP_MAX)
		return NULL;
	return ops[op].name;
}

const char *
mars_op_short(uint8_t op)
{
	if (op == 0 || op > MARS_OP_MAX)
		return NULL;
	return ops[op].shortname;
}

int
mars_op_lookup(const char *name)
{
	int op;

	if (name == NULL)
		return -1;
	for (op = 1; op <= MARS_OP_MAX; op++)
		if (strcasecmp(name, ops[op].name) == 0 ||
		    strcasecmp(name, ops[op].shortname) == 0)
			return op;
	return -1;
}

/* List entry sizes, PROTOCOL.md §3.2. */
size_t
mars_list_stride(const struct mars_msg *m)
{
	switch (mars_op_family(m->op)) {
	case MARS_FAM_B:
	case MARS_FAM_B2:
		return (size_t)(m->thtl & MARS_ATM_TL_LEN) +
		    (size_t)(m->tstl & MARS_ATM_TL_LEN);
	case MARS_FAM_B1:
		return m->grp_len;
	case MARS_FAM_C:
		return 2 * (size_t)m->grp_len;
	default:
		return 0;
	}
}

/* §5.1.2: target i of a MULTI/MIGRATE/REDIRECT_MAP, each tsa after its tha. */
void
mars_target(const struct mars_msg *m, unsigned i, struct mars_atm *tha,
    struct mars_atm *tsa)
{
	const uint8_t *p;
	size_t nlen = m->thtl & MARS_ATM_TL_LEN, slen = m->tstl & MARS_ATM_TL_LEN;

	if (m->list == NULL)
		nlen = slen = 0;
	p = m->list != NULL ? m->list + (size_t)i * mars_list_stride(m) : NULL;
	tha->tl = m->thtl;
	tha->addr = nlen != 0 ? p : NULL;
	tsa->tl = m->tstl;
	tsa->addr = slen != 0 ? p + nlen : NULL;
}

/* §5.2.1: pair i of a JOIN-family message. */
void
mars_pair(const struct mars_msg *m, unsigned i, const uint8_t **min,
    const uint8_t **max)
{
	const uint8_t *p;

	if (m->grp_len == 0 || m->list == NULL) {
		*min = *max = NULL;
		return;
	}
	p = m->list + (size_t)i * 2 * m->grp_len;
	*min = p;
	*max = p + m->grp_len;
}

/* §5.3: group i of a GROUPLIST_REPLY. */
const uint8_t *
mars_group(const struct mars_msg *m, unsigned i)
{
	if (m->grp_len == 0 || m->list == NULL)
		return NULL;
	return m->list + (size_t)i * m->grp_len;
}

/* ---------------------------------------------------------------- decode */

/*
 * What decoding found wrong with a message that still parses
 * (nonconformities, msg.h): every reason in m->nonconf, and where the
 * first one is, for the error the caller gets.
 */
struct nonconf_first {
	size_t		 at;
	const char	*field;
	const char	*why;
};

static inline void
nonconf(struct mars_msg *m, struct nonconf_first *nf, uint16_t bit,
    size_t at, const char *field, const char *why)
{
	if (m->nonconf == 0) {
		nf->at = at;
		nf->field = field;
		nf->why = why;
	}
	m->nonconf |= bit;
}

/*
 * A type-and-length octet (§5.1.2, RFC 2225 §8.7.3): length at most 20
 * (else MARS_E_FIELD: what follows cannot be parsed), bit 7 reserved (a
 * nonconformity: the length is still good).
 */
static inline int
check_tl(struct wire_rd *rd, struct mars_msg *m, struct nonconf_first *nf,
    size_t at, uint8_t v, const char *field)
{
	if ((v & MARS_ATM_TL_LEN) > MARS_ATM_ADDR_MAX)
		return wire_fail_at(rd, at, MARS_E_FIELD, field,
		    "ATM address length exceeds 20 octets");
	if (v & MARS_ATM_TL_RESERVED)
		nonconf(m, nf, MARS_NC_RESERVED, at, field,
		    "reserved bit 7 set in type/length octet");
	return 0;
}

static inline int
read_tl(struct wire_rd *rd, struct mars_msg *m, struct nonconf_first *nf,
    uint8_t *tl, const char *field)
{
	size_t at = rd->off;
	uint8_t v = wire_u8(rd, field);

	*tl = v;
	if (rd->failed)
		return MARS_E_TRUNC;
	return check_tl(rd, m, nf, at, v, field);
}

/* What the fixed header and the mandatory part hand to the address area. */
struct fixed_part {
	enum mars_family	 fam;
	uint8_t			 spln, tpln, shtl, sstl;
	struct nonconf_first	 nf;
};

/*
 * The fixed header and mandatory part (§4.3, §5.1.2, §5.2.1, §5.3,
 * §5.4.3) when all MARS_HDR_LEN octets are there: one bounds check, then
 * the same fields and the same checks in the same order as the
 * field-by-field reads in mars_decode(), which handle a short message
 * (and name the field it ends in).
 */
static int
decode_fixed_whole(struct mars_msg *m, struct wire_rd *rd,
    struct fixed_part *fp)
{
	const uint8_t *h = wire_bytes(rd, MARS_HDR_LEN, "mar$afn");
	int rc;

	if (h == NULL)
		return MARS_E_TRUNC;
	m->afn = wire_get_u16(h);
	m->pro_type = wire_get_u16(h + 2);
	memcpy(m->pro_snap, h + 4, sizeof(m->pro_snap));
	memcpy(m->hdrrsv, h + 9, sizeof(m->hdrrsv));
	m->chksum = wire_get_u16(h + 12);
	m->extoff = wire_get_u16(h + 14);
	m->op_version = h[16];
	if (m->op_version != MARS_OPVER_MARS)
		return wire_fail_at(rd, 16, MARS_E_FIELD, "mar$op.version",
		    "op.version is not 0 (not RFC 2022 MARS)");
	m->op = h[17];
	if ((fp->fam = mars_op_family(m->op)) == MARS_FAM_UNKNOWN)
		return wire_fail_at(rd, 17, MARS_E_OP, "mar$op.type",
		    "operation code not in RFC 2022 (1..13)");
	fp->shtl = h[18];
	if ((rc = check_tl(rd, m, &fp->nf, 18, fp->shtl, "mar$shtl")) != 0)
		return rc;
	fp->sstl = h[19];
	if ((rc = check_tl(rd, m, &fp->nf, 19, fp->sstl, "mar$sstl")) != 0)
		return rc;
	fp->spln = h[20];
	switch (fp->fam) {
	case MARS_FAM_A:
		/* §5.1.2: mar$pad is kept as received (C9). */
		if ((rc = check_tl(rd, m, &fp->nf, 21, h[21], "mar$thtl")) != 0 ||
		    (rc = check_tl(rd, m, &fp->nf, 22, h[22], "mar$tstl")) != 0)
			return rc;
		m->thtl = h[21];
		m->tstl = h[22];
		fp->tpln = h[23];
		memcpy(m->pad, h + 24, sizeof(m->pad));
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		m->thtl = h[21];
		if (fp->fam != MARS_FAM_B1 &&
		    (rc = check_tl(rd, m, &fp->nf, 21, h[21], "mar$thtl")) != 0)
			return rc;
		m->tstl = h[22];
		if (fp->fam != MARS_FAM_B1 &&
		    (rc = check_tl(rd, m, &fp->nf, 22, h[22], "mar$tstl")) != 0)
			return rc;
		if (fp->fam == MARS_FAM_B2)
			m->redirf = h[23];
		else
			fp->tpln = h[23];
		m->tnum = wire_get_u16(h + 24);
		m->seqxy = wire_get_u16(h + 26);
		m->msn = wire_get_u32(h + 28);
		break;
	case MARS_FAM_C:
		fp->tpln = h[21];
		m->pnum = wire_get_u16(h + 22);
		m->flags = wire_get_u16(h + 24);
		m->cmi = wire_get_u16(h + 26);
		m->msn = wire_get_u32(h + 28);
		break;
	default:
		break;
	}
	return 0;
}

/* An ATM number or subaddress of the length its T/L octet gives. */
static inline void
read_atm(struct wire_rd *rd, struct mars_atm *a, uint8_t tl,
    const char *field)
{
	size_t n = tl & MARS_ATM_TL_LEN;

	a->tl = tl;
	a->addr = n != 0 ? wire_bytes(rd, n, field) : NULL;
}

static inline void
read_pa(struct wire_rd *rd, struct mars_pa *pa, uint8_t len,
    const char *field)
{
	pa->len = len;
	pa->addr = len != 0 ? wire_bytes(rd, len, field) : NULL;
}

/*
 * A list of count entries of stride octets, named after its first field.
 * Every entry is an address: a target ATM number (§5.1.2 MULTI, §5.4.3
 * REDIRECT_MAP, §5.1.6 MIGRATE), a group (§5.3) or a <min,max> pair
 * (§5.2.1).  A non-zero count of entries whose address is null is
 * malformed: it cannot be a list of addresses, and it would let a few
 * octets claim 65,535 entries (size_at and size_field name the length
 * octet at fault).
 */
static inline int
read_list(struct wire_rd *rd, struct mars_msg *m, size_t count,
    size_t stride, bool null_entry, const char *field, size_t size_at,
    const char *size_field)
{
	m->list = rd->buf + rd->off;
	if (rd->failed)
		return MARS_E_TRUNC;
	if (count == 0)
		return 0;
	if (null_entry || stride == 0)
		return wire_fail_at(rd, size_at, MARS_E_LENGTH, size_field,
		    "list entries with a null address (count not 0)");
	m->list = wire_bytes(rd, count * stride, field);
	return rd->failed ? MARS_E_TRUNC : 0;
}

/* Targets of family B and B": the ATM number of each is mar$thtl's. */
static inline int
read_targets(struct wire_rd *rd, struct mars_msg *m)
{
	return read_list(rd, m, m->tnum, mars_list_stride(m),
	    (m->thtl & MARS_ATM_TL_LEN) == 0, "mar$tha", 21, "mar$thtl");
}

/*
 * §10.1-§10.3: the TLV list at (mar$extoff & 0xFFFC), which must start at
 * or after the end of the address area, lie inside the message and end
 * with a NULL TLV; every TLV is zero-padded to 4 octets.  Unknown TLVs
 * with Type.x = 1 or 2 give a drop verdict (*verdict, first one wins)
 * that the caller reports only if nothing else is wrong.
 */
static int
decode_tlvs(struct mars_msg *m, struct wire_rd *rd, size_t addr_end,
    int *verdict, size_t *verdict_at)
{
	size_t eo = m->extoff & 0xfffc;
	size_t at, pad, i;
	uint16_t type, tlen;
	const uint8_t *value, *padp;

	if (eo < addr_end)
		return wire_fail_at(rd, 14, MARS_E_LENGTH, "mar$extoff",
		    "TLV list starts inside the address area");
	if (eo >= rd->len)
		return wire_fail_at(rd, 14, MARS_E_LENGTH, "mar$extoff",
		    "TLV list starts past the end of the message");
	rd->off = eo;
	for (;;) {
		at = rd->off;
		type = wire_u16(rd, "TLV type");
		tlen = wire_u16(rd, "TLV length");
		if (rd->failed)
			return MARS_E_TRUNC;
		if (type == MARS_TLV_NULL) {
			if (tlen != 0)
				return wire_fail_at(rd, at + 2, MARS_E_FIELD,
				    "TLV length",
				    "NULL TLV with non-zero length");
			break;
		}
		pad = (4 - (tlen & 3)) & 3;
		value = wire_bytes(rd, tlen, "TLV value");
		padp = wire_bytes(rd, pad, "TLV padding");
		if (rd->failed)
			return MARS_E_TRUNC;
		for (i = 0; i < pad; i++)
			if (padp[i] != 0)
				return wire_fail_at(rd, at + 4 + tlen + i,
				    MARS_E_FIELD, "TLV padding",
				    "non-zero TLV padding");
		if (m->ntlv < MARS_TLV_MAX) {
			m->tlv[m->ntlv].type = type;
			m->tlv[m->ntlv].len = tlen;
			m->tlv[m->ntlv].value = tlen != 0 ? value : NULL;
			m->ntlv++;
		}
		m->ntlv_total++;
		if ((type & TLV_TYPE_Y) == MARS_TLV_MULTI_IS_MCS ||
		    *verdict != 0)
			continue;
		switch (type & MARS_TLV_ACTION) {
		case MARS_TLV_DROP:
			*verdict = MARS_E_TLV_DROP;
			*verdict_at = at;
			break;
		case MARS_TLV_DROP_ERR:
			*verdict = MARS_E_TLV_ERROR;
			*verdict_at = at;
			break;
		default:
			break;		/* Type.x 0 and 3: skip */
		}
	}
	m->len = (uint32_t)rd->off;
	return 0;
}

/*
 * Field by field rather than memset: on the hot path a memset of the view
 * becomes "rep stos", which costs more than the whole header decode.
 * tlv[] is valid up to ntlv only and is left alone.
 */
static inline void
clear_view(struct mars_msg *m)
{
	static const struct mars_atm null_atm;
	static const struct mars_pa null_pa;

	m->thtl = m->tstl = m->grp_len = m->redirf = 0;
	memset(m->pad, 0, sizeof(m->pad));
	m->tnum = m->seqxy = m->pnum = m->flags = m->cmi = 0;
	m->msn = 0;
	m->sha = m->ssa = m->tha = m->tsa = null_atm;
	m->spa = m->tpa = null_pa;
	m->list = NULL;
	m->nonconf = 0;
	m->sha_inferred = false;
	m->has_tlvs = false;
	m->ntlv = 0;
	m->ntlv_total = 0;
	m->len = 0;
}

/*
 * A null mar$shtl (§4.3: every message names its source) makes the
 * message nonconforming but not unparseable.  One known server sends its
 * periodic MARS_REDIRECT_MAP with mar$shtl 0 yet 20 source octets in
 * place (PROTOCOL.md C8): when the octets left are exactly a 20-octet
 * NSAP plus what the header announces for the rest of the address area,
 * take them as the source and say so (sha_inferred), as a tolerant
 * decoder may.  Returns the T/L to read the source with.
 */
static uint8_t
null_source(struct mars_msg *m, struct wire_rd *rd, struct nonconf_first *nf,
    enum mars_family fam, uint8_t shtl, uint8_t sstl, uint8_t spln,
    uint8_t tpln, size_t len)
{
	size_t rest = sstl & MARS_ATM_TL_LEN;

	nonconf(m, nf, MARS_NC_NULL_SOURCE, 18, "mar$shtl",
	    "null source ATM number (§4.3)");
	switch (fam) {
	case MARS_FAM_A:
		rest += spln + tpln + (m->thtl & MARS_ATM_TL_LEN) +
		    (m->tstl & MARS_ATM_TL_LEN);
		break;
	case MARS_FAM_B:
		rest += spln + tpln + (size_t)m->tnum * mars_list_stride(m);
		break;
	case MARS_FAM_B1:
		rest += spln + (size_t)m->tnum * tpln;
		break;
	case MARS_FAM_B2:
		rest += (size_t)m->tnum * mars_list_stride(m);
		break;
	case MARS_FAM_C:
		rest += spln + (size_t)m->pnum * 2 * tpln;
		break;
	default:
		return shtl;
	}
	if ((m->extoff & 0xfffc) == 0 && rd->off <= len &&
	    len - rd->off == MARS_ATM_ADDR_MAX + rest) {
		m->sha_inferred = true;
		return (uint8_t)(shtl | MARS_ATM_ADDR_MAX);
	}
	return shtl;
}

/*
 * Rules a parsed message must follow that no single field shows: the
 * reserved mar$flags bits (§5.2.1), the part number of a multi-part reply
 * (§5.1.2: y counts from 1), the CMI a registration reply hands out
 * (§5.2.3: non-zero).
 */
static void
rules_after_parse(struct mars_msg *m, struct nonconf_first *nf,
    enum mars_family fam)
{
	switch (fam) {
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		if (m->op != MARS_MIGRATE && (m->seqxy & MARS_SEQ_PART) == 0)
			nonconf(m, nf, MARS_NC_SEQXY, 26, "mar$seqxy",
			    "part number y is 0; parts count from 1 (§5.1.2)");
		break;
	case MARS_FAM_C:
		if (m->flags & MARS_FLAG_RESERVED)
			nonconf(m, nf, MARS_NC_RESERVED, 24, "mar$flags",
			    "reserved flag bits 11-8 set (§5.2.1)");
		if (m->op == MARS_JOIN && m->cmi == 0 &&
		    (m->flags & (MARS_FLAG_REGISTER | MARS_FLAG_COPY)) ==
		    (MARS_FLAG_REGISTER | MARS_FLAG_COPY))
			nonconf(m, nf, MARS_NC_CMI_ZERO, 26, "mar$cmi",
			    "registration reply with CMI 0; CMIs are non-zero "
			    "(§5.2.3)");
		break;
	default:
		break;
	}
}

int
mars_decode(struct mars_msg *m, const uint8_t *p, size_t len, uint32_t base,
    unsigned flags, struct mars_err *err)
{
	struct wire_rd rd;
	enum mars_family fam;
	uint8_t spln = 0, tpln = 0, thtl, tstl, shtl, sstl;
	size_t addr_end, verdict_at = 0;
	struct fixed_part fp;
	int rc, verdict = 0;

	wire_rd_init(&rd, p, len, base, err);
	clear_view(m);
	memset(&fp, 0, sizeof(fp));

	if (len >= MARS_HDR_LEN) {
		if ((rc = decode_fixed_whole(m, &rd, &fp)) != 0)
			return rc;
		fam = fp.fam;
		spln = fp.spln;
		tpln = fp.tpln;
		shtl = fp.shtl;
		sstl = fp.sstl;
		goto addresses;
	}

	/* Fixed header, §4.3. */
	m->afn = wire_u16(&rd, "mar$afn");
	m->pro_type = wire_u16(&rd, "mar$pro.type");
	wire_copy(&rd, m->pro_snap, sizeof(m->pro_snap), "mar$pro.snap");
	wire_copy(&rd, m->hdrrsv, sizeof(m->hdrrsv), "mar$hdrrsv");
	m->chksum = wire_u16(&rd, "mar$chksum");
	m->extoff = wire_u16(&rd, "mar$extoff");
	m->op_version = wire_u8(&rd, "mar$op.version");
	if (rd.failed)
		return MARS_E_TRUNC;
	if (m->op_version != MARS_OPVER_MARS)
		return wire_fail_at(&rd, 16, MARS_E_FIELD, "mar$op.version",
		    "op.version is not 0 (not RFC 2022 MARS)");
	m->op = wire_u8(&rd, "mar$op.type");
	if (rd.failed)
		return MARS_E_TRUNC;
	if ((fam = mars_op_family(m->op)) == MARS_FAM_UNKNOWN)
		return wire_fail_at(&rd, 17, MARS_E_OP, "mar$op.type",
		    "operation code not in RFC 2022 (1..13)");
	if ((rc = read_tl(&rd, m, &fp.nf, &shtl, "mar$shtl")) != 0)
		return rc;
	if ((rc = read_tl(&rd, m, &fp.nf, &sstl, "mar$sstl")) != 0)
		return rc;

	/* Mandatory part, by family (PROTOCOL.md §3.2). */
	switch (fam) {
	case MARS_FAM_A:
		/* §5.1.2: mar$pad is kept as received (C9). */
		spln = wire_u8(&rd, "mar$spln");
		if ((rc = read_tl(&rd, m, &fp.nf, &thtl, "mar$thtl")) != 0 ||
		    (rc = read_tl(&rd, m, &fp.nf, &tstl, "mar$tstl")) != 0)
			return rc;
		tpln = wire_u8(&rd, "mar$tpln");
		wire_copy(&rd, m->pad, sizeof(m->pad), "mar$pad");
		m->thtl = thtl;
		m->tstl = tstl;
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		spln = wire_u8(&rd, "mar$spln");
		if (fam == MARS_FAM_B1) {
			/* §5.3: unused, kept as received for checkers. */
			m->thtl = wire_u8(&rd, "mar$thtl");
			m->tstl = wire_u8(&rd, "mar$tstl");
		} else if ((rc = read_tl(&rd, m, &fp.nf, &m->thtl,
		    "mar$thtl")) != 0 || (rc = read_tl(&rd, m, &fp.nf,
		    &m->tstl, "mar$tstl")) != 0)
			return rc;
		if (fam == MARS_FAM_B2)
			m->redirf = wire_u8(&rd, "mar$redirf");
		else
			tpln = wire_u8(&rd, "mar$tpln");
		m->tnum = wire_u16(&rd, "mar$tnum");
		m->seqxy = wire_u16(&rd, m->op == MARS_MIGRATE ? "mar$resv" :
		    "mar$seqxy");
		m->msn = wire_u32(&rd, "mar$msn");
		break;
	case MARS_FAM_C:
		spln = wire_u8(&rd, "mar$spln");
		tpln = wire_u8(&rd, "mar$tpln");
		m->pnum = wire_u16(&rd, "mar$pnum");
		m->flags = wire_u16(&rd, "mar$flags");
		m->cmi = wire_u16(&rd, "mar$cmi");
		m->msn = wire_u32(&rd, "mar$msn");
		break;
	default:
		break;
	}
	if (rd.failed)
		return MARS_E_TRUNC;

addresses:
	/* Address area: the source first (§4.3), then by family. */
	if ((shtl & MARS_ATM_TL_LEN) == 0)
		shtl = null_source(m, &rd, &fp.nf, fam, shtl, sstl, spln,
		    tpln, len);
	read_atm(&rd, &m->sha, shtl, "mar$sha");
	read_atm(&rd, &m->ssa, sstl, "mar$ssa");
	switch (fam) {
	case MARS_FAM_A:
		read_pa(&rd, &m->spa, spln, "mar$spa");
		read_pa(&rd, &m->tpa, tpln, "mar$tpa");
		read_atm(&rd, &m->tha, m->thtl, "mar$tha");
		read_atm(&rd, &m->tsa, m->tstl, "mar$tsa");
		break;
	case MARS_FAM_B:
		read_pa(&rd, &m->spa, spln, "mar$spa");
		read_pa(&rd, &m->tpa, tpln, "mar$tpa");
		rc = read_targets(&rd, m);
		break;
	case MARS_FAM_B1:
		/* §5.3: no mar$tpa; tnum groups of tpln octets. */
		read_pa(&rd, &m->spa, spln, "mar$spa");
		m->grp_len = tpln;
		rc = read_list(&rd, m, m->tnum, tpln, false, "mar$mgrp", 23,
		    "mar$tpln");
		break;
	case MARS_FAM_B2:
		/* §5.4.3: mar$spln reserved, no mar$spa, no mar$tpa. */
		rc = read_targets(&rd, m);
		break;
	case MARS_FAM_C:
		read_pa(&rd, &m->spa, spln, "mar$spa");
		m->grp_len = tpln;
		rc = read_list(&rd, m, m->pnum, 2 * (size_t)tpln, false,
		    "mar$min", 21, "mar$tpln");
		break;
	default:
		rc = 0;
		break;
	}
	if (rc == MARS_E_LENGTH)
		return rc;
	if (rd.failed)
		return MARS_E_TRUNC;
	addr_end = rd.off;

	/* §10: TLVs; trailing octets without a TLV list are tolerated. */
	m->has_tlvs = (m->extoff & 0xfffc) != 0;
	if (m->has_tlvs) {
		if ((rc = decode_tlvs(m, &rd, addr_end, &verdict,
		    &verdict_at)) != 0)
			return rc;
	} else
		m->len = (uint32_t)addr_end;

	rules_after_parse(m, &fp.nf, fam);

	/* §4.3.3: verify only a non-zero checksum, over the whole buffer. */
	if (m->chksum != 0 && !(flags & MARS_DEC_NOCHKSUM)) {
		uint16_t sum = mars_cksum(p, len);

		if (sum != 0) {
			/* Remove the received field from the sum. */
			uint32_t s = (uint16_t)~sum;

			s += (uint16_t)~m->chksum;
			s = (s & 0xffff) + (s >> 16);
			m->nonconf |= MARS_NC_CHECKSUM;
			rc = wire_fail_at(&rd, 12, MARS_E_CHKSUM, "mar$chksum",
			    "received checksum differs from the computed one");
			if (err != NULL) {
				err->have = m->chksum;
				err->need = (uint16_t)~s;
			}
			if (verdict != 0)
				m->nonconf |= verdict == MARS_E_TLV_DROP ?
				    MARS_NC_TLV_DROP : MARS_NC_TLV_ERROR;
			return rc;
		}
	}
	/* The verdict a conforming receiver acts on: the structural
	 * nonconformities first, then an unknown TLV's. */
	if (m->nonconf != 0) {
		if (verdict != 0)
			m->nonconf |= verdict == MARS_E_TLV_DROP ?
			    MARS_NC_TLV_DROP : MARS_NC_TLV_ERROR;
		return wire_fail_at(&rd, fp.nf.at, MARS_E_NONCONF,
		    fp.nf.field, fp.nf.why);
	}
	if (verdict != 0) {
		m->nonconf |= verdict == MARS_E_TLV_DROP ? MARS_NC_TLV_DROP :
		    MARS_NC_TLV_ERROR;
		return wire_fail_at(&rd, verdict_at, verdict, "TLV type",
		    verdict == MARS_E_TLV_DROP ?
		    "unknown TLV with Type.x = 1: drop the message" :
		    "unknown TLV with Type.x = 2: drop the message and log");
	}
	return 0;
}

/* ---------------------------------------------------------------- encode */

static int
enc_fail(struct mars_err *err, int code, const char *field, const char *why)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = code;
		err->field = field;
		err->why = why;
	}
	return code;
}

/* A T/L octet the encoder may send: bit 7 clear, length <= 20 (§5.1.2). */
static bool
tl_ok(uint8_t tl)
{
	return !(tl & MARS_ATM_TL_RESERVED) && (tl & MARS_ATM_TL_LEN) <= MARS_ATM_ADDR_MAX;
}

static int
check_atm(const struct mars_atm *a, const char *field, struct mars_err *err)
{
	if (!tl_ok(a->tl))
		return enc_fail(err, MARS_E_INVAL, field,
		    "T/L with reserved bit 7 or length above 20");
	if ((a->tl & MARS_ATM_TL_LEN) != 0 && a->addr == NULL)
		return enc_fail(err, MARS_E_INVAL, field,
		    "non-zero length without an address");
	return 0;
}

static int
check_pa(const struct mars_pa *pa, const char *field, struct mars_err *err)
{
	if (pa->len != 0 && pa->addr == NULL)
		return enc_fail(err, MARS_E_INVAL, field,
		    "non-zero length without an address");
	return 0;
}

static void
put_atm(struct wire_wr *wr, const struct mars_atm *a)
{
	wire_put_bytes(wr, a->addr, a->tl & MARS_ATM_TL_LEN);
}

static void
put_pa(struct wire_wr *wr, const struct mars_pa *pa)
{
	wire_put_bytes(wr, pa->addr, pa->len);
}

/*
 * Encode *m (RFC 2022 §4.3, §5, §6, §10).  The address area follows the
 * family of m->op; the TLV list goes at the first 4-octet boundary after
 * it (§10.1), each TLV zero-padded, closed by a NULL TLV.  mar$op.version
 * is always 0.
 */
int
mars_encode(const struct mars_msg *m, uint8_t *out, size_t cap,
    size_t *outlen, unsigned flags, struct mars_err *err)
{
	static const uint8_t llc[MARS_LLC_SNAP_LEN] = {
		0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03
	};
	struct wire_wr wr;
	enum mars_family fam = mars_op_family(m->op);
	size_t addr_len, list_len = 0, count = 0, tlv_start = 0, total, i;
	size_t llc_len = (flags & MARS_ENC_LLC) ? MARS_LLC_SNAP_LEN : 0;
	uint8_t *msg;
	uint16_t sum;
	int rc;

	if (fam == MARS_FAM_UNKNOWN)
		return enc_fail(err, MARS_E_INVAL, "op",
		    "operation code not in RFC 2022 (1..13)");
	if ((m->sha.tl & MARS_ATM_TL_LEN) == 0)
		return enc_fail(err, MARS_E_INVAL, "sha",
		    "null source ATM number");
	if ((rc = check_atm(&m->sha, "sha", err)) != 0 ||
	    (rc = check_atm(&m->ssa, "ssa", err)) != 0)
		return rc;
	addr_len = (m->sha.tl & MARS_ATM_TL_LEN) + (m->ssa.tl & MARS_ATM_TL_LEN);

	switch (fam) {
	case MARS_FAM_A:
		if ((rc = check_pa(&m->spa, "spa", err)) != 0 ||
		    (rc = check_pa(&m->tpa, "tpa", err)) != 0 ||
		    (rc = check_atm(&m->tha, "tha", err)) != 0 ||
		    (rc = check_atm(&m->tsa, "tsa", err)) != 0)
			return rc;
		addr_len += m->spa.len + m->tpa.len +
		    (m->tha.tl & MARS_ATM_TL_LEN) + (m->tsa.tl & MARS_ATM_TL_LEN);
		break;
	case MARS_FAM_B:
	case MARS_FAM_B2:
		if (!tl_ok(m->thtl))
			return enc_fail(err, MARS_E_INVAL, "thtl",
			    "T/L with reserved bit 7 or length above 20");
		if (!tl_ok(m->tstl))
			return enc_fail(err, MARS_E_INVAL, "tstl",
			    "T/L with reserved bit 7 or length above 20");
		if (fam == MARS_FAM_B) {
			if ((rc = check_pa(&m->spa, "spa", err)) != 0 ||
			    (rc = check_pa(&m->tpa, "tpa", err)) != 0)
				return rc;
			addr_len += m->spa.len + m->tpa.len;
		}
		count = m->tnum;
		break;
	case MARS_FAM_B1:
		if ((rc = check_pa(&m->spa, "spa", err)) != 0)
			return rc;
		addr_len += m->spa.len;
		count = m->tnum;
		break;
	case MARS_FAM_C:
		if ((rc = check_pa(&m->spa, "spa", err)) != 0)
			return rc;
		addr_len += m->spa.len;
		count = m->pnum;
		break;
	default:
		break;
	}
	list_len = count * mars_list_stride(m);
	if (count != 0 && m->list == NULL)
		return enc_fail(err, MARS_E_INVAL, "list",
		    "entries counted but no list");
	/* What the decoder calls malformed (read_list). */
	if (count != 0 && (list_len == 0 || ((fam == MARS_FAM_B ||
	    fam == MARS_FAM_B2) && (m->thtl & MARS_ATM_TL_LEN) == 0)))
		return enc_fail(err, MARS_E_INVAL, "list",
		    "entries with a null address");
	total = MARS_HDR_LEN + addr_len + list_len;

	if (m->ntlv > MARS_TLV_MAX)
		return enc_fail(err, MARS_E_INVAL, "ntlv",
		    "more TLVs than tlv[] holds");
	if (m->ntlv != 0 || m->has_tlvs) {
		tlv_start = (total + 3) & ~(size_t)3;
		total = tlv_start;
		for (i = 0; i < m->ntlv; i++) {
			const struct mars_tlv *t = &m->tlv[i];

			if (t->type == MARS_TLV_NULL)
				return enc_fail(err, MARS_E_INVAL, "tlv",
				    "NULL TLV inside the list");
			if (t->len != 0 && t->value == NULL)
				return enc_fail(err, MARS_E_INVAL, "tlv",
				    "non-zero length without a value");
			total += 4 + (((size_t)t->len + 3) & ~(size_t)3);
		}
		total += 4;		/* the NULL TLV */
	}
	if (total > 0xffff)
		return enc_fail(err, MARS_E_INVAL, "len",
		    "message longer than 65535 octets");
	if (cap < llc_len + total) {
		rc = enc_fail(err, MARS_E_NOSPACE, "cap",
		    "output buffer too small");
		if (err != NULL) {
			err->need = (uint32_t)(llc_len + total);
			err->have = (uint32_t)cap;
		}
		return rc;
	}

	wire_wr_init(&wr, out, cap);
	wire_put_bytes(&wr, llc, llc_len);
	msg = out + llc_len;

	/* Fixed header, §4.3; checksum backfilled below. */
	wire_put_u16(&wr, m->afn);
	wire_put_u16(&wr, m->pro_type);
	wire_put_bytes(&wr, m->pro_snap, sizeof(m->pro_snap));
	wire_put_bytes(&wr, m->hdrrsv, sizeof(m->hdrrsv));
	wire_put_u16(&wr, 0);
	wire_put_u16(&wr, (uint16_t)tlv_start);
	wire_put_u8(&wr, MARS_OPVER_MARS);
	wire_put_u8(&wr, m->op);
	wire_put_u8(&wr, m->sha.tl);
	wire_put_u8(&wr, m->ssa.tl);

	/* Mandatory part, PROTOCOL.md §3.2. */
	switch (fam) {
	case MARS_FAM_A:
		wire_put_u8(&wr, m->spa.len);
		wire_put_u8(&wr, m->tha.tl);
		wire_put_u8(&wr, m->tsa.tl);
		wire_put_u8(&wr, m->tpa.len);
		wire_put_bytes(&wr, m->pad, sizeof(m->pad));
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		wire_put_u8(&wr, fam == MARS_FAM_B2 ? 0 : m->spa.len);
		wire_put_u8(&wr, m->thtl);
		wire_put_u8(&wr, m->tstl);
		wire_put_u8(&wr, fam == MARS_FAM_B2 ? m->redirf :
		    fam == MARS_FAM_B1 ? m->grp_len : m->tpa.len);
		wire_put_u16(&wr, m->tnum);
		wire_put_u16(&wr, m->seqxy);
		wire_put_u32(&wr, m->msn);
		break;
	case MARS_FAM_C:
		wire_put_u8(&wr, m->spa.len);
		wire_put_u8(&wr, m->grp_len);
		wire_put_u16(&wr, m->pnum);
		wire_put_u16(&wr, m->flags);
		wire_put_u16(&wr, m->cmi);
		wire_put_u32(&wr, m->msn);
		break;
	default:
		break;
	}

	/* Address area. */
	put_atm(&wr, &m->sha);
	put_atm(&wr, &m->ssa);
	if (fam != MARS_FAM_B2)
		put_pa(&wr, &m->spa);
	if (fam == MARS_FAM_A || fam == MARS_FAM_B)
		put_pa(&wr, &m->tpa);
	if (fam == MARS_FAM_A) {
		put_atm(&wr, &m->tha);
		put_atm(&wr, &m->tsa);
	}
	wire_put_bytes(&wr, m->list, list_len);

	/* TLV list, §10: aligned, each padded, NULL-terminated. */
	if (tlv_start != 0) {
		wire_put_zero(&wr, llc_len + tlv_start - wr.off);
		for (i = 0; i < m->ntlv; i++) {
			const struct mars_tlv *t = &m->tlv[i];

			wire_put_u16(&wr, t->type);
			wire_put_u16(&wr, t->len);
			wire_put_bytes(&wr, t->value, t->len);
			wire_put_zero(&wr, (4 - (t->len & 3)) & 3);
		}
		wire_put_u32(&wr, 0);
	}
	if (wr.failed || wr.off != llc_len + total)
		return enc_fail(err, MARS_E_INVAL, "len",
		    "encoded length disagrees with the computed one");

	/* §4.3.3: a computed 0 is sent as 0xFFFF, 0 means "not computed". */
	if (!(flags & MARS_ENC_NOCHKSUM)) {
		sum = mars_cksum(msg, total);
		if (sum == 0)
			sum = 0xffff;
		wire_set_u16(&wr, llc_len + 12, sum);
	}
	*outlen = llc_len + total;
	return 0;
}

/* ------------------------------------------------------------ comparison */

static bool
same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n == 0 || (a != NULL && b != NULL && memcmp(a, b, n) == 0);
}

static bool
same_atm(const struct mars_atm *a, const struct mars_atm *b)
{
	return a->tl == b->tl && same_bytes(a->addr, b->addr, a->tl & MARS_ATM_TL_LEN);
}

static bool
same_pa(const struct mars_pa *a, const struct mars_pa *b)
{
	return a->len == b->len && same_bytes(a->addr, b->addr, a->len);
}

bool
mars_msg_same(const struct mars_msg *a, const struct mars_msg *b)
{
	enum mars_family fam = mars_op_family(a->op);
	size_t count = 0;
	unsigned i;

	if (a->afn != b->afn || a->pro_type != b->pro_type ||
	    memcmp(a->pro_snap, b->pro_snap, sizeof(a->pro_snap)) != 0 ||
	    memcmp(a->hdrrsv, b->hdrrsv, sizeof(a->hdrrsv)) != 0 ||
	    a->op != b->op || !same_atm(&a->sha, &b->sha) ||
	    !same_atm(&a->ssa, &b->ssa))
		return false;
	switch (fam) {
	case MARS_FAM_A:
		if (!same_pa(&a->spa, &b->spa) || !same_pa(&a->tpa, &b->tpa) ||
		    !same_atm(&a->tha, &b->tha) ||
		    !same_atm(&a->tsa, &b->tsa) ||
		    memcmp(a->pad, b->pad, sizeof(a->pad)) != 0)
			return false;
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		if (a->thtl != b->thtl || a->tstl != b->tstl ||
		    a->tnum != b->tnum || a->seqxy != b->seqxy ||
		    a->msn != b->msn)
			return false;
		if (fam == MARS_FAM_B && (!same_pa(&a->spa, &b->spa) ||
		    !same_pa(&a->tpa, &b->tpa)))
			return false;
		if (fam == MARS_FAM_B1 && (!same_pa(&a->spa, &b->spa) ||
		    a->grp_len != b->grp_len))
			return false;
		if (fam == MARS_FAM_B2 && a->redirf != b->redirf)
			return false;
		count = a->tnum;
		break;
	case MARS_FAM_C:
		if (!same_pa(&a->spa, &b->spa) || a->grp_len != b->grp_len ||
		    a->pnum != b->pnum || a->flags != b->flags ||
		    a->cmi != b->cmi || a->msn != b->msn)
			return false;
		count = a->pnum;
		break;
	default:
		return false;
	}
	if (!same_bytes(a->list, b->list, count * mars_list_stride(a)))
		return false;
	/* A TLV list is present when either flag or a TLV says so. */
	if ((a->has_tlvs || a->ntlv != 0) != (b->has_tlvs || b->ntlv != 0) ||
	    a->ntlv != b->ntlv)
		return false;
	for (i = 0; i < a->ntlv && i < MARS_TLV_MAX; i++)
		if (a->tlv[i].type != b->tlv[i].type ||
		    a->tlv[i].len != b->tlv[i].len ||
		    !same_bytes(a->tlv[i].value, b->tlv[i].value,
		    a->tlv[i].len))
			return false;
	return true;
}
