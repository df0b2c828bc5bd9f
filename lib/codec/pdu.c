/*
 * AAL5 SDU dispatch: LLC/SNAP (RFC 2684 §5, RFC 2022 §4.2, RFC 2334
 * App. B), MARS and NHRP told apart on their shared PID 0x0003 by
 * op.version (RFC 2022 §4.3.5, PROTOCOL.md §1.3).
 */
#include <stddef.h>
#include <stdint.h>

#include "mars/pdu.h"
#include "base/wire.h"

/*
 * RFC 2332 §5.1: the NHRP fixed header, same 20-octet shape as MARS.
 * Only the header is decoded; offsets count from the first LLC octet.
 */
static int
nhrp_decode(struct mars_nhrp_hdr *h, const uint8_t *p, size_t len,
    struct mars_err *err)
{
	struct wire_rd rd;

	wire_rd_init(&rd, p, len, MARS_LLC_SNAP_LEN, err);
	h->afn = wire_u16(&rd, "ar$afn");
	h->pro_type = wire_u16(&rd, "ar$pro.type");
	wire_copy(&rd, h->pro_snap, sizeof(h->pro_snap), "ar$pro.snap");
	h->hopcnt = wire_u8(&rd, "ar$hopcnt");
	h->pktsz = wire_u16(&rd, "ar$pktsz");
	h->chksum = wire_u16(&rd, "ar$chksum");
	h->extoff = wire_u16(&rd, "ar$extoff");
	h->op_version = wire_u8(&rd, "ar$op.version");
	h->op_type = wire_u8(&rd, "ar$op.type");
	h->shtl = wire_u8(&rd, "ar$shtl");
	h->sstl = wire_u8(&rd, "ar$sstl");
	return rd.failed ? MARS_E_TRUNC : 0;
}

int
mars_pdu_decode(struct mars_pdu *pdu, const uint8_t *sdu, size_t len,
    unsigned flags)
{
	struct wire_rd rd;
	const uint8_t *msg, *oui;
	size_t mlen;

	pdu->kind = MARS_PDU_NONE;
	pdu->oui = 0;
	pdu->pid = 0;
	pdu->sdu = sdu;
	pdu->len = (uint32_t)len;
	pdu->err.code = 0;
	pdu->err.offset = 0;
	pdu->err.field = NULL;
	pdu->err.why = NULL;

	/* RFC 2684 §5: LLC AA-AA-03 then the SNAP OUI and PID. */
	if (len < 3 || sdu[0] != 0xaa || sdu[1] != 0xaa || sdu[2] != 0x03) {
		pdu->err.code = MARS_E_NOTOURS;
		pdu->err.field = "LLC";
		pdu->err.why = "no LLC/SNAP header";
		return pdu->verdict = MARS_E_NOTOURS;
	}
	wire_rd_init(&rd, sdu, len, 0, &pdu->err);
	rd.off = 3;
	if ((oui = wire_bytes(&rd, 3, "SNAP OUI")) != NULL)
		pdu->oui = (uint32_t)oui[0] << 16 | (uint32_t)oui[1] << 8 |
		    oui[2];
	pdu->pid = wire_u16(&rd, "SNAP PID");
	if (rd.failed)
		return pdu->verdict = MARS_E_TRUNC;
	msg = sdu + MARS_LLC_SNAP_LEN;
	mlen = len - MARS_LLC_SNAP_LEN;

	if (pdu->oui == MARS_LLC_OUI_IANA && pdu->pid == MARS_LLC_PID_MARS_CTL) {
		/* Octet 16 of the message: 0 MARS, 1 NHRP (§4.3.5). */
		if (mlen > 16 && msg[16] == MARS_OPVER_NHRP) {
			pdu->kind = MARS_PDU_NHRP;
			return pdu->verdict = nhrp_decode(&pdu->u.nhrp, msg,
			    mlen, &pdu->err);
		}
		pdu->kind = MARS_PDU_MARS;
		return pdu->verdict = mars_decode(&pdu->u.mars, msg, mlen,
		    MARS_LLC_SNAP_LEN, (flags & MARS_PDU_DEC_NOCHKSUM) ?
		    MARS_DEC_NOCHKSUM : 0, &pdu->err);
	}
	if (pdu->oui == MARS_LLC_OUI_IANA && pdu->pid == MARS_LLC_PID_SCSP) {
		pdu->kind = MARS_PDU_SCSP;
		return pdu->verdict = mars_scsp_decode(&pdu->u.scsp, msg, mlen,
		    MARS_LLC_SNAP_LEN, (flags & MARS_PDU_DEC_NOCHKSUM) ?
		    MARS_SCSP_DEC_NOCHKSUM : 0, &pdu->err);
	}
	pdu->kind = MARS_PDU_LLC_OTHER;
	pdu->err.code = MARS_E_NOTOURS;
	pdu->err.offset = 3;
	pdu->err.field = "SNAP PID";
	pdu->err.why = "LLC/SNAP payload other than MARS, NHRP or SCSP";
	return pdu->verdict = MARS_E_NOTOURS;
}

const char *
mars_pdu_kind_name(enum mars_pdu_kind kind)
{
	switch (kind) {
	case MARS_PDU_MARS:		return "MARS";
	case MARS_PDU_SCSP:		return "SCSP";
	case MARS_PDU_NHRP:		return "NHRP";
	case MARS_PDU_LLC_OTHER:	return "LLC";
	case MARS_PDU_NONE:		break;
	}
	return "none";
}

bool
mars_pdu_malformed(const struct mars_pdu *pdu)
{
	if (pdu->verdict == 0 || pdu->kind == MARS_PDU_LLC_OTHER)
		return false;
	switch (pdu->kind) {
	case MARS_PDU_MARS:
		return !mars_err_parsed(pdu->verdict);
	case MARS_PDU_SCSP:
		return pdu->verdict != MARS_E_CHKSUM;
	default:
		return true;
	}
}

unsigned
mars_pdu_nonconf(const struct mars_pdu *pdu)
{
	if (pdu->verdict == 0)
		return 0;
	switch (pdu->kind) {
	case MARS_PDU_MARS:
		return mars_err_parsed(pdu->verdict) ? pdu->u.mars.nonconf : 0;
	case MARS_PDU_SCSP:
		return pdu->verdict == MARS_E_CHKSUM ? MARS_NC_CHECKSUM : 0;
	default:
		return 0;
	}
}
