/*
 * JSON Lines (marsdump --json): exactly one object per frame on one line,
 * following mars-json(7).
 *
 * Every frame is an object of type "message" with the same head: type,
 * frame, ts, vpi, vci, dir, vc_kind, kind, the operation (MARS op and
 * op_code, SCSP scsp_type and type_code), then "malformed" (null, or
 * reason, offset, field and detail of a message that cannot be parsed)
 * and "nonconforming" (the rules a parsed message breaks: reason, ref,
 * text; [] when none).  The fields of the message follow unless it is
 * malformed, then "hex" when -x asked for it.
 *
 * Keys are the RFC field names without the "mar$" prefix, dots written
 * as underscores (mar$pro.type -> pro_type), plus a few derived values
 * (seq_x, redirect, layer3grp ...) so that jq filters need no bit
 * arithmetic.  ATM numbers, IDs and opaque octets are lowercase hex
 * strings, protocol addresses their usual notation; absent ones null.
 *
 * This is a hot path (at least 20x faster than tshark is the goal):
 * everything is appended with mars_out_write/mars_out_u64/mars_out_hex, no printf.  Only
 * the error detail of a malformed frame is formatted with snprintf.
 */
#include <string.h>

#include "mars/err.h"
#include "mars/proto.h"
#include "mars/scsp.h"
#include "mars/shim.h"
#include "print_int.h"

/* Append a string literal (a key with its punctuation). */
/* Literals only: the "" makes anything else a compile error. */
#define JK(ob, lit)	mars_out_write((ob), "" lit, sizeof(lit) - 1)
/* A key literal (",\"name\":") and its value. */
#define JNUM(ob, lit, v)	do { JK(ob, lit); mars_out_u64((ob), (v)); } while (0)
#define JBOOL(ob, lit, v)	do { JK(ob, lit); j_bool((ob), (v)); } while (0)

static void
j_bool(struct mars_out *ob, bool v)
{
	if (v)
		JK(ob, "true");
	else
		JK(ob, "false");
}

/* A hex string of n octets; null when there are none. */
static void
j_hex(struct mars_out *ob, const uint8_t *p, size_t n)
{
	if (n == 0 || p == NULL) {
		JK(ob, "null");
		return;
	}
	mars_out_putc(ob, '"');
	mars_out_hex(ob, p, n);
	mars_out_putc(ob, '"');
}

static void
j_atm(struct mars_out *ob, const struct mars_atm *a)
{
	j_hex(ob, a->addr, a->tl & MARS_ATM_TL_LEN);
}

/* A protocol address in its notation; null when it is null. */
static void
j_pa(struct mars_out *ob, const uint8_t *p, size_t n)
{
	if (n == 0 || p == NULL) {
		JK(ob, "null");
		return;
	}
	mars_out_putc(ob, '"');
	pr_pa_bare(ob, p, n);
	mars_out_putc(ob, '"');
}

/* A name from a table, or null when the value has none. */
static void
j_name(struct mars_out *ob, const char *s)
{
	if (s == NULL)
		JK(ob, "null");
	else
		mars_out_json_str(ob, s);
}

/*
 * The head every message object starts with: type, frame, ts and what
 * is known about the VC (null where nothing is), then "kind".  No
 * closing brace.
 */
static void
j_head(struct mars_out *ob, const struct mars_frame *fr,
    enum mars_pdu_kind kind)
{
	const char *s;

	JNUM(ob, "{\"type\":\"message\",\"frame\":", fr->num);
	JK(ob, ",\"ts\":");
	pr_ts_json(ob, fr);
	if (fr->has_vc) {
		JNUM(ob, ",\"vpi\":", fr->vpi);
		JNUM(ob, ",\"vci\":", fr->vci);
	} else
		JK(ob, ",\"vpi\":null,\"vci\":null");
	JK(ob, ",\"dir\":");
	if ((s = pr_dir_name(fr->dir)) != NULL) {
		mars_out_putc(ob, '"');
		mars_out_puts(ob, s);
		mars_out_putc(ob, '"');
	} else
		JK(ob, "null");
	JK(ob, ",\"vc_kind\":");
	if (fr->vc_kind == MARS_VC_UNKNOWN)
		JK(ob, "null");
	else if (fr->vc_kind <= MARS_VC_KIND_MAX &&
	    (s = mars_vc_kind_name(fr->vc_kind)) != NULL)
		mars_out_json_str(ob, s);
	else
		mars_out_u64(ob, fr->vc_kind);
	switch (kind) {
	case MARS_PDU_MARS:	JK(ob, ",\"kind\":\"MARS\""); break;
	case MARS_PDU_SCSP:	JK(ob, ",\"kind\":\"SCSP\""); break;
	case MARS_PDU_NHRP:	JK(ob, ",\"kind\":\"NHRP\""); break;
	case MARS_PDU_LLC_OTHER: JK(ob, ",\"kind\":\"LLC\""); break;
	default:		JK(ob, ",\"kind\":null"); break;
	}
}

/* "malformed": reason, offset, field, detail of what could not be parsed. */
static void
j_malformed(struct mars_out *ob, const struct mars_err *err)
{
	char detail[256];

	JK(ob, ",\"malformed\":{\"reason\":");
	mars_out_json_str(ob, pr_reason(err->code));
	JNUM(ob, ",\"offset\":", err->offset);
	JK(ob, ",\"field\":");
	j_name(ob, err->field);
	mars_err_format(err, detail, sizeof(detail));
	JK(ob, ",\"detail\":");
	mars_out_json_str(ob, detail);
	mars_out_putc(ob, '}');
}

/*
 * "malformed" and "nonconforming" of a PDU: null and [] for a clean one,
 * which is the common case and one append.
 */
static void
j_verdict(struct mars_out *ob, const struct mars_pdu *pdu)
{
	const char *name;
	unsigned nc, bit;
	bool first = true;

	if (pdu->verdict == 0 || pdu->kind == MARS_PDU_LLC_OTHER) {
		JK(ob, ",\"malformed\":null,\"nonconforming\":[]");
		return;
	}
	if (mars_pdu_malformed(pdu)) {
		j_malformed(ob, &pdu->err);
		JK(ob, ",\"nonconforming\":[]");
		return;
	}
	JK(ob, ",\"malformed\":null,\"nonconforming\":[");
	nc = mars_pdu_nonconf(pdu);
	for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
		if ((nc & bit) == 0 || (name = mars_nonconf_name(bit)) == NULL)
			continue;
		if (first)
			JK(ob, "{\"reason\":");
		else
			JK(ob, ",{\"reason\":");
		first = false;
		mars_out_json_str(ob, name);
		JK(ob, ",\"ref\":");
		j_name(ob, pr_nonconf_ref(pdu, bit));
		JK(ob, ",\"text\":");
		j_name(ob, pr_nonconf_text(pdu, bit));
		mars_out_putc(ob, '}');
	}
	mars_out_putc(ob, ']');
}

static void
j_seqxy(struct mars_out *ob, uint16_t seqxy)
{
	JNUM(ob, ",\"seqxy\":", seqxy);
	JBOOL(ob, ",\"seq_x\":", (seqxy & MARS_SEQ_LAST) != 0);
	JNUM(ob, ",\"seq_y\":", seqxy & MARS_SEQ_PART);
}

/* MULTI, MIGRATE, REDIRECT_MAP: "tha" array, "tsa" array when tstl != 0. */
static void
j_targets(struct mars_out *ob, const struct mars_msg *m)
{
	struct mars_atm tha, tsa;
	unsigned i;

	JK(ob, ",\"tha\":[");
	for (i = 0; i < m->tnum; i++) {
		mars_target(m, i, &tha, &tsa);
		if (i > 0)
			mars_out_putc(ob, ',');
		j_atm(ob, &tha);
	}
	mars_out_putc(ob, ']');
	if ((m->tstl & MARS_ATM_TL_LEN) == 0)
		return;
	JK(ob, ",\"tsa\":[");
	for (i = 0; i < m->tnum; i++) {
		mars_target(m, i, &tha, &tsa);
		if (i > 0)
			mars_out_putc(ob, ',');
		j_atm(ob, &tsa);
	}
	mars_out_putc(ob, ']');
}

static void
j_mars_join(struct mars_out *ob, const struct mars_msg *m)
{
	const uint8_t *min, *max;
	unsigned i;

	JNUM(ob, ",\"tpln\":", m->grp_len);
	JNUM(ob, ",\"pnum\":", m->pnum);
	JNUM(ob, ",\"flags\":", m->flags);
	JBOOL(ob, ",\"layer3grp\":", m->flags & MARS_FLAG_LAYER3GRP);
	JBOOL(ob, ",\"copy\":", m->flags & MARS_FLAG_COPY);
	JBOOL(ob, ",\"register\":", m->flags & MARS_FLAG_REGISTER);
	JBOOL(ob, ",\"punched\":", m->flags & MARS_FLAG_PUNCHED);
	JNUM(ob, ",\"sequence\":", m->flags & MARS_FLAG_SEQUENCE);
	JNUM(ob, ",\"cmi\":", m->cmi);
	JNUM(ob, ",\"msn\":", m->msn);
	JK(ob, ",\"pairs\":[");
	for (i = 0; i < m->pnum; i++) {
		mars_pair(m, i, &min, &max);
		mars_out_puts(ob, i > 0 ? ",{\"min\":" : "{\"min\":");
		j_pa(ob, min, m->grp_len);
		JK(ob, ",\"max\":");
		j_pa(ob, max, m->grp_len);
		mars_out_putc(ob, '}');
	}
	mars_out_putc(ob, ']');
}

/* RFC 2022 §4.3 header, then the family's fields (PROTOCOL.md 3.2). */
static void
j_mars(struct mars_out *ob, const struct mars_msg *m)
{
	enum mars_family fam = mars_op_family(m->op);
	unsigned i;

	JNUM(ob, ",\"afn\":", m->afn);
	JNUM(ob, ",\"pro_type\":", m->pro_type);
	JK(ob, ",\"pro_snap\":");
	j_hex(ob, m->pro_snap, sizeof(m->pro_snap));
	JK(ob, ",\"hdrrsv\":");
	mars_out_u64(ob, (uint32_t)m->hdrrsv[0] << 16 | (uint32_t)m->hdrrsv[1] << 8 |
	    m->hdrrsv[2]);
	JNUM(ob, ",\"chksum\":", m->chksum);
	JNUM(ob, ",\"extoff\":", m->extoff);
	JNUM(ob, ",\"op_version\":", m->op_version);
	/* On the wire: null when the source was read from octets in place. */
	JNUM(ob, ",\"shtl\":", m->sha_inferred ?
	    m->sha.tl & (uint8_t)~MARS_ATM_TL_LEN : m->sha.tl);
	JNUM(ob, ",\"sstl\":", m->ssa.tl);
	JK(ob, ",\"sha\":");
	j_atm(ob, &m->sha);
	JBOOL(ob, ",\"sha_inferred\":", m->sha_inferred);
	JK(ob, ",\"ssa\":");
	j_atm(ob, &m->ssa);
	JNUM(ob, ",\"spln\":", m->spa.len);
	if (fam != MARS_FAM_B2) {
		JK(ob, ",\"spa\":");
		j_pa(ob, m->spa.addr, m->spa.len);
	}

	switch (fam) {
	case MARS_FAM_A:
		JNUM(ob, ",\"thtl\":", m->tha.tl);
		JNUM(ob, ",\"tstl\":", m->tsa.tl);
		JNUM(ob, ",\"tpln\":", m->tpa.len);
		JK(ob, ",\"pad\":");
		j_hex(ob, m->pad, sizeof(m->pad));
		JK(ob, ",\"tpa\":");
		j_pa(ob, m->tpa.addr, m->tpa.len);
		JK(ob, ",\"tha\":");
		j_atm(ob, &m->tha);
		JK(ob, ",\"tsa\":");
		j_atm(ob, &m->tsa);
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		JNUM(ob, ",\"thtl\":", m->thtl);
		JNUM(ob, ",\"tstl\":", m->tstl);
		if (fam == MARS_FAM_B2) {
			JNUM(ob, ",\"redirf\":", m->redirf);
			JK(ob, ",\"redirect\":");
			if (m->redirf & MARS_REDIRF_HARD)
				JK(ob, "\"hard\"");
			else
				JK(ob, "\"soft\"");
		} else {
			JNUM(ob, ",\"tpln\":", fam == MARS_FAM_B1 ? m->grp_len : m->tpa.len);
		}
		JNUM(ob, ",\"tnum\":", m->tnum);
		if (m->op == MARS_MIGRATE) {
			JNUM(ob, ",\"resv\":", m->seqxy);
		} else
			j_seqxy(ob, m->seqxy);
		JNUM(ob, ",\"msn\":", m->msn);
		if (fam == MARS_FAM_B) {
			JK(ob, ",\"tpa\":");
			j_pa(ob, m->tpa.addr, m->tpa.len);
		}
		if (fam == MARS_FAM_B1) {
			JK(ob, ",\"mgrp\":[");
			for (i = 0; i < m->tnum; i++) {
				if (i > 0)
					mars_out_putc(ob, ',');
				j_pa(ob, mars_group(m, i), m->grp_len);
			}
			mars_out_putc(ob, ']');
		} else
			j_targets(ob, m);
		break;
	case MARS_FAM_C:
		j_mars_join(ob, m);
		break;
	default:
		break;
	}

	if (!m->has_tlvs)
		JK(ob, ",\"tlvs\":null");
	else {
		JK(ob, ",\"tlvs\":[");
		for (i = 0; i < m->ntlv; i++) {
			mars_out_puts(ob, i > 0 ? ",{\"type\":" : "{\"type\":");
			mars_out_u64(ob, m->tlv[i].type);
			JNUM(ob, ",\"length\":", m->tlv[i].len);
			JK(ob, ",\"value\":");
			j_hex(ob, m->tlv[i].value, m->tlv[i].len);
			mars_out_putc(ob, '}');
		}
		mars_out_putc(ob, ']');
		JNUM(ob, ",\"tlvs_total\":", m->ntlv_total);
	}
}

/* RFC 2443 §3: the MARS part of a CSA record. */
static void
j_mars_part(struct mars_out *ob, const struct mars_scsp_csas *rec)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;

	memset(&err, 0, sizeof(err));
	if (mars_scsp_mars_decode(&mp, rec->body, rec->body_len, 0, &err) != 0) {
		JK(ob, ",\"mars\":null,\"mars_error\":");
		mars_out_json_str(ob, mars_err_reason(err.code));
		return;
	}
	JK(ob, ",\"mars_error\":null,\"mars\":{\"state\":");
	j_name(ob, mars_scsp_mars_state_name(mp.state));
	JNUM(ob, ",\"state_code\":", mp.state);
	JNUM(ob, ",\"hw_type\":", mp.hw_type);
	JNUM(ob, ",\"pro_type\":", mp.pro_type);
	JNUM(ob, ",\"version\":", mp.version);
	JNUM(ob, ",\"flags\":", mp.flags);
	JBOOL(ob, ",\"layer3grp\":", mp.flags & MARS_FLAG_LAYER3GRP);
	JBOOL(ob, ",\"register\":", mp.flags & MARS_FLAG_REGISTER);
	JNUM(ob, ",\"sequence\":", mp.flags & MARS_FLAG_SEQUENCE);
	JNUM(ob, ",\"cmi\":", mp.cmi);
	JK(ob, ",\"spa\":");
	j_pa(ob, mp.spa.addr, mp.spa.len);
	JK(ob, ",\"atm\":");
	j_atm(ob, &mp.atm);
	JK(ob, ",\"subaddr\":");
	j_atm(ob, &mp.sub);
	JK(ob, ",\"min\":");
	j_pa(ob, mp.min, mp.grp_len);
	JK(ob, ",\"max\":");
	j_pa(ob, mp.max, mp.grp_len);
	mars_out_putc(ob, '}');
}

static void
j_scsp_records(struct mars_out *ob, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec;
	bool first = true;

	JK(ob, ",\"records\":[");
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		mars_out_puts(ob, first ? "{\"hop_count\":" : ",{\"hop_count\":");
		first = false;
		mars_out_u64(ob, rec.hops);
		JNUM(ob, ",\"record_length\":", rec.reclen);
		JK(ob, ",\"cache_key\":");
		j_hex(ob, rec.key.p, rec.key.len);
		JK(ob, ",\"originator_id\":");
		j_hex(ob, rec.oid.p, rec.oid.len);
		/* CSA Sequence Number is signed (RFC 2334 B.2.0.2). */
		JK(ob, ",\"seq\":");
		pr_s32(ob, (int32_t)rec.seq);
		JBOOL(ob, ",\"null\":", rec.null);
		if (m->protocol_id != MARS_SCSP_PROTO_MARS) {
			JK(ob, ",\"body\":");
			j_hex(ob, rec.body, rec.body_len);
		} else if (rec.body_len > 0)
			j_mars_part(ob, &rec);
		else
			JK(ob, ",\"mars_error\":null,\"mars\":null");
		mars_out_putc(ob, '}');
	}
	mars_out_putc(ob, ']');
}

/* RFC 2334 App. B. */
static void
j_scsp(struct mars_out *ob, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter it;
	struct mars_scsp_id id;
	bool first;
	unsigned i;

	JNUM(ob, ",\"version\":", m->version);
	JNUM(ob, ",\"packet_size\":", m->size);
	JNUM(ob, ",\"checksum\":", m->chksum);
	JNUM(ob, ",\"extoff\":", m->extoff);
	JNUM(ob, ",\"protocol_id\":", m->protocol_id);
	JK(ob, ",\"protocol\":");
	j_name(ob, mars_scsp_protocol_name(m->protocol_id));
	JNUM(ob, ",\"sgid\":", m->sgid);
	JNUM(ob, ",\"flags\":", m->flags);
	if (m->type == MARS_SCSP_CA) {
		JBOOL(ob, ",\"m\":", m->flags & MARS_SCSP_CA_M);
		JBOOL(ob, ",\"i\":", m->flags & MARS_SCSP_CA_I);
		JBOOL(ob, ",\"o\":", m->flags & MARS_SCSP_CA_O);
		JNUM(ob, ",\"ca_seq\":", m->ca_seq);
	}
	JK(ob, ",\"sender_id\":");
	j_hex(ob, m->sender.p, m->sender.len);
	JK(ob, ",\"receiver_id\":");
	j_hex(ob, m->receiver.p, m->receiver.len);
	JNUM(ob, ",\"num_records\":", m->nrec);
	if (m->type == MARS_SCSP_HELLO) {
		JNUM(ob, ",\"hello_interval\":", m->hello_interval);
		JNUM(ob, ",\"dead_factor\":", m->dead_factor);
		JNUM(ob, ",\"family_id\":", m->family_id);
		JK(ob, ",\"receiver_ids\":[");
		first = true;
		if (m->receiver.len != 0) {
			j_hex(ob, m->receiver.p, m->receiver.len);
			first = false;
		}
		mars_scsp_iter_init(m, &it);
		while (mars_scsp_next_id(&it, &id)) {
			if (!first)
				mars_out_putc(ob, ',');
			first = false;
			j_hex(ob, id.p, id.len);
		}
		mars_out_putc(ob, ']');
	} else
		j_scsp_records(ob, m);
	if (!m->has_ext)
		JK(ob, ",\"extensions\":null");
	else {
		JK(ob, ",\"extensions\":[");
		for (i = 0; i < m->next && i < MARS_SCSP_EXT_MAX; i++) {
			mars_out_puts(ob, i > 0 ? ",{\"type\":" : "{\"type\":");
			mars_out_u64(ob, m->ext[i].type);
			JNUM(ob, ",\"length\":", m->ext[i].len);
			JK(ob, ",\"value\":");
			j_hex(ob, m->ext[i].value, m->ext[i].len);
			mars_out_putc(ob, '}');
		}
		mars_out_putc(ob, ']');
	}
}

/* RFC 2332 §5.1 fixed header. */
static void
j_nhrp(struct mars_out *ob, const struct mars_nhrp_hdr *h)
{
	JNUM(ob, ",\"op_version\":", h->op_version);
	JNUM(ob, ",\"op_type\":", h->op_type);
	JNUM(ob, ",\"afn\":", h->afn);
	JNUM(ob, ",\"pro_type\":", h->pro_type);
	JK(ob, ",\"pro_snap\":");
	j_hex(ob, h->pro_snap, sizeof(h->pro_snap));
	JNUM(ob, ",\"hopcnt\":", h->hopcnt);
	JNUM(ob, ",\"pktsz\":", h->pktsz);
	JNUM(ob, ",\"chksum\":", h->chksum);
	JNUM(ob, ",\"extoff\":", h->extoff);
	JNUM(ob, ",\"shtl\":", h->shtl);
	JNUM(ob, ",\"sstl\":", h->sstl);
}

/* "op" and "op_code" (MARS), "scsp_type" and "type_code" (SCSP): null
 * when a malformed message ended before them. */
static void
j_op(struct mars_out *ob, const struct mars_pdu *pdu)
{
	bool known = pr_op_known(pdu);

	if (pdu->kind == MARS_PDU_MARS) {
		JK(ob, ",\"op\":");
		j_name(ob, known ? mars_op_name(pdu->u.mars.op) : NULL);
		JK(ob, ",\"op_code\":");
		if (known)
			mars_out_u64(ob, pdu->u.mars.op);
		else
			JK(ob, "null");
	} else if (pdu->kind == MARS_PDU_SCSP) {
		JK(ob, ",\"scsp_type\":");
		j_name(ob, known ? mars_scsp_type_name(pdu->u.scsp.type) : NULL);
		JK(ob, ",\"type_code\":");
		if (known)
			mars_out_u64(ob, pdu->u.scsp.type);
		else
			JK(ob, "null");
	}
}

/* -x: the AAL5 SDU as one hex string; null when there is none. */
static void
j_hex_key(struct mars_out *ob, const uint8_t *p, size_t n)
{
	JK(ob, ",\"hex\":");
	j_hex(ob, p, n);
}

void
print_json_error(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr, const struct mars_err *err)
{
	j_head(ob, fr, MARS_PDU_NONE);
	j_malformed(ob, err);
	JK(ob, ",\"nonconforming\":[]");
	if (po->hex)
		j_hex_key(ob, fr->data, fr->caplen);
	JK(ob, "}\n");
}

void
print_json_frame(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr, const struct mars_pdu *pdu)
{
	j_head(ob, fr, pdu->kind);
	j_op(ob, pdu);
	j_verdict(ob, pdu);
	if (!mars_pdu_malformed(pdu)) {
		switch (pdu->kind) {
		case MARS_PDU_MARS:
			j_mars(ob, &pdu->u.mars);
			break;
		case MARS_PDU_SCSP:
			j_scsp(ob, &pdu->u.scsp);
			break;
		case MARS_PDU_NHRP:
			j_nhrp(ob, &pdu->u.nhrp);
			break;
		case MARS_PDU_LLC_OTHER:
			JNUM(ob, ",\"oui\":", pdu->oui);
			JNUM(ob, ",\"pid\":", pdu->pid);
			JNUM(ob, ",\"len\":", pdu->len);
			break;
		default:
			JNUM(ob, ",\"len\":", pdu->len);
			break;
		}
	}
	if (po->hex)
		j_hex_key(ob, pdu->sdu != NULL ? pdu->sdu : fr->sdu,
		    pdu->sdu != NULL ? pdu->len : fr->sdu_len);
	JK(ob, "}\n");
}
