/*
 * The MARS-specific part of an SCSP CSA record (RFC 2443 §3; PROTOCOL.md
 * §6.2).
 *
 *   0  Hardware Type (2)       2  Protocol Type (2)     4  SNAP (5)
 *   9  Unused (1)             10  Version (1)          11  State (1)
 *  12  Flags (2)              14  Cluster Member ID (2)
 *  16  Src Addr Len (1)       17  Group Addr Len (1)
 *  18  ATM Addr T/L (1)       19  ATM SubAddr T/L (1)
 *  20  Source Protocol Address, Source ATM Address, Source ATM SubAddress,
 *      Minimum and Maximum Multicast Group Address
 *
 * Unlike a MARS message, the protocol address comes before the ATM
 * address.  Octets after the maximum group address are ignored.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/scsp.h"
#include "base/wire.h"

#define SCSP_MARS_OFF_VERSION	10
#define SCSP_MARS_OFF_STATE	11
#define SCSP_MARS_OFF_ATMTL	18
#define SCSP_MARS_OFF_SUBTL	19

static bool
scsp_mars_state_valid(uint8_t state)
{
	return state >= MARS_SCSP_MARS_REDIRECT && state <= MARS_SCSP_MARS_MCS_UNSERVE;
}

/* Variable field of n octets; NULL when absent (RFC 2443 §3 "no storage"). */
static const uint8_t *
scsp_mars_field(struct wire_rd *rd, size_t n, const char *field)
{
	const uint8_t *p = wire_bytes(rd, n, field);

	return n > 0 ? p : NULL;
}

/*
 * RFC 2443 §3: decode the part at p.  Version must be 0 and State 1..5
 * (any other State "should cause the CSA to be discarded"); T/L octets have
 * bit 7 reserved (RFC 2022 §5.1.2).  Returns 0, MARS_E_TRUNC when the
 * addresses need more than len octets, or MARS_E_FIELD.
 */
int
mars_scsp_mars_decode(struct mars_scsp_mars_part *mp, const uint8_t *p, size_t len,
    uint32_t base, struct mars_err *err)
{
	struct wire_rd	 rd;

	memset(mp, 0, sizeof(*mp));
	wire_rd_init(&rd, p, len, base, err);
	mp->hw_type = wire_u16(&rd, "Hardware Type");
	mp->pro_type = wire_u16(&rd, "Protocol Type");
	wire_copy(&rd, mp->snap, sizeof(mp->snap), "Protocol SNAP");
	mp->unused = wire_u8(&rd, "Unused");
	mp->version = wire_u8(&rd, "Version");
	mp->state = wire_u8(&rd, "State");
	mp->flags = wire_u16(&rd, "Flags");
	mp->cmi = wire_u16(&rd, "Cluster Member ID");
	mp->spa.len = wire_u8(&rd, "Src Addr Len");
	mp->grp_len = wire_u8(&rd, "Group Addr Len");
	mp->atm.tl = wire_u8(&rd, "ATM Addr T/L");
	mp->sub.tl = wire_u8(&rd, "ATM SubAddr T/L");
	if (rd.failed)
		return MARS_E_TRUNC;

	if (mp->version != 0)
		return wire_fail_at(&rd, SCSP_MARS_OFF_VERSION, MARS_E_FIELD,
		    "Version", "not 0 (MARS)");
	if (!scsp_mars_state_valid(mp->state))
		return wire_fail_at(&rd, SCSP_MARS_OFF_STATE, MARS_E_FIELD,
		    "State", "not 1-5");
	if (mp->atm.tl & MARS_ATM_TL_RESERVED)
		return wire_fail_at(&rd, SCSP_MARS_OFF_ATMTL, MARS_E_FIELD,
		    "ATM Addr T/L", "reserved bit 7 set");
	if (mp->sub.tl & MARS_ATM_TL_RESERVED)
		return wire_fail_at(&rd, SCSP_MARS_OFF_SUBTL, MARS_E_FIELD,
		    "ATM SubAddr T/L", "reserved bit 7 set");

	mp->spa.addr = scsp_mars_field(&rd, mp->spa.len,
	    "Source Protocol Address");
	mp->atm.addr = scsp_mars_field(&rd, mp->atm.tl & MARS_ATM_TL_LEN,
	    "Source ATM Address");
	mp->sub.addr = scsp_mars_field(&rd, mp->sub.tl & MARS_ATM_TL_LEN,
	    "Source ATM SubAddress");
	mp->min = scsp_mars_field(&rd, mp->grp_len,
	    "Minimum Multicast Group Address");
	mp->max = scsp_mars_field(&rd, mp->grp_len,
	    "Maximum Multicast Group Address");
	return rd.failed ? MARS_E_TRUNC : 0;
}

static int
scsp_mars_inval(struct mars_err *err, const char *field, const char *why)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = MARS_E_INVAL;
		err->field = field;
		err->why = why;
	}
	return MARS_E_INVAL;
}

/*
 * RFC 2443 §3: encode *mp into out[cap], lengths and T/L lengths taken
 * from the struct.  Refuses what mars_scsp_mars_decode() would reject.
 */
int
mars_scsp_mars_encode(const struct mars_scsp_mars_part *mp, uint8_t *out, size_t cap,
    size_t *outlen, struct mars_err *err)
{
	struct wire_wr	 wr;
	size_t		 alen = mp->atm.tl & MARS_ATM_TL_LEN;
	size_t		 slen = mp->sub.tl & MARS_ATM_TL_LEN;

	if (mp->version != 0)
		return scsp_mars_inval(err, "version", "not 0 (MARS)");
	if (!scsp_mars_state_valid(mp->state))
		return scsp_mars_inval(err, "state", "not 1-5");
	if (mp->atm.tl & MARS_ATM_TL_RESERVED)
		return scsp_mars_inval(err, "atm.tl", "reserved bit 7 set");
	if (mp->sub.tl & MARS_ATM_TL_RESERVED)
		return scsp_mars_inval(err, "sub.tl", "reserved bit 7 set");
	if (mp->spa.len > 0 && mp->spa.addr == NULL)
		return scsp_mars_inval(err, "spa.addr", "NULL with len > 0");
	if (alen > 0 && mp->atm.addr == NULL)
		return scsp_mars_inval(err, "atm.addr", "NULL with length > 0");
	if (slen > 0 && mp->sub.addr == NULL)
		return scsp_mars_inval(err, "sub.addr", "NULL with length > 0");
	if (mp->grp_len > 0 && (mp->min == NULL || mp->max == NULL))
		return scsp_mars_inval(err, mp->min == NULL ? "min" : "max",
		    "NULL with grp_len > 0");

	wire_wr_init(&wr, out, cap);
	wire_put_u16(&wr, mp->hw_type);
	wire_put_u16(&wr, mp->pro_type);
	wire_put_bytes(&wr, mp->snap, sizeof(mp->snap));
	wire_put_u8(&wr, mp->unused);
	wire_put_u8(&wr, mp->version);
	wire_put_u8(&wr, mp->state);
	wire_put_u16(&wr, mp->flags);
	wire_put_u16(&wr, mp->cmi);
	wire_put_u8(&wr, mp->spa.len);
	wire_put_u8(&wr, mp->grp_len);
	wire_put_u8(&wr, mp->atm.tl);
	wire_put_u8(&wr, mp->sub.tl);
	wire_put_bytes(&wr, mp->spa.addr, mp->spa.len);
	wire_put_bytes(&wr, mp->atm.addr, alen);
	wire_put_bytes(&wr, mp->sub.addr, slen);
	wire_put_bytes(&wr, mp->min, mp->grp_len);
	wire_put_bytes(&wr, mp->max, mp->grp_len);
	if (wr.failed) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			err->code = MARS_E_NOSPACE;
			err->field = "out";
		}
		return MARS_E_NOSPACE;
	}
	*outlen = wr.off;
	return 0;
}
