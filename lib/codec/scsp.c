/*
 * SCSP packet codec (RFC 2334 App. B; PROTOCOL.md §5).
 *
 * Every packet is a Fixed Part (B.1), a type-specific Mandatory Part built
 * around the Mandatory Common Part (B.2.0.1) and its records (B.2.0.2,
 * B.2.2.1, B.2.5), and an optional Extensions Part (B.3).  The decoder
 * validates all of it before returning, so the record iterators that follow
 * cannot meet a malformed record.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/scsp.h"
#include "base/wire.h"

#define SCSP_OFF_CHKSUM		4
#define SCSP_OFF_EXTOFF		6
#define SCSP_EXT_HDR_LEN	4	/* Type + Length, B.3 */
#define SCSP_MCP_OFF_NREC	10	/* Number of Records inside the MCP */

static const uint8_t scsp_llc[MARS_LLC_SNAP_LEN] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x05
};

/*
 * Octets from the Version octet to the end of the fixed-size Mandatory
 * Common Part fields for each type (B.1, B.2.1-B.2.5); 0 for an unknown
 * type.  CA puts the 4-octet CA Sequence Number and Hello the 8 octets of
 * HelloInterval..Family ID before the MCP.
 */
static size_t
scsp_fixed_len(uint8_t type)
{
	switch (type) {
	case MARS_SCSP_CA:
		return MARS_SCSP_FIXED_LEN + 4 + MARS_SCSP_MCP_LEN;
	case MARS_SCSP_CSU_REQUEST:
	case MARS_SCSP_CSU_REPLY:
	case MARS_SCSP_CSUS:
		return MARS_SCSP_FIXED_LEN + MARS_SCSP_MCP_LEN;
	case MARS_SCSP_HELLO:
		return MARS_SCSP_FIXED_LEN + 8 + MARS_SCSP_MCP_LEN;
	}
	return 0;
}

/*
 * Fill err for a fault found between reads; offset counts from the start
 * of the caller's buffer plus base.
 */
static int
scsp_fail(struct mars_err *err, uint32_t offset, int code, const char *field,
    const char *why)
{
	memset(err, 0, sizeof(*err));
	err->code = code;
	err->offset = offset;
	err->field = field;
	err->why = why;
	return code;
}

/*
 * A field ran past Packet Size.  The buffer itself was long enough, so it
 * is a length field that disagrees with the data, not a short capture.
 */
static int
scsp_overrun(struct mars_err *err)
{
	if (err->code == MARS_E_TRUNC) {
		err->code = MARS_E_LENGTH;
		if (err->why == NULL)
			err->why = "runs past Packet Size";
	}
	return err->code;
}

/*
 * One CSAS record (B.2.0.2), or a CSA record (B.2.2.1) whose
 * protocol-specific part is whatever Record Length leaves after the
 * Originator ID.  `origin` is the offset of the reader's first octet from
 * the Version octet, for rec->off.
 */
static int
scsp_read_csas(struct wire_rd *rd, struct mars_scsp_csas *rec, uint32_t origin)
{
	size_t		 start = rd->off;
	size_t		 need;
	uint16_t	 word;
	uint8_t		 klen, olen;

	memset(rec, 0, sizeof(*rec));
	rec->off = origin + (uint32_t)start;
	rec->hops = wire_u16(rd, "CSAS Hop Count");
	rec->reclen = wire_u16(rd, "CSAS Record Length");
	klen = wire_u8(rd, "Cache Key Len");
	olen = wire_u8(rd, "Orig ID Len");
	word = wire_u16(rd, "CSAS N bit");
	rec->seq = wire_u32(rd, "CSA Sequence Number");
	if (rd->failed)
		return MARS_E_TRUNC;
	rec->null = (word & MARS_SCSP_CSAS_NULL) != 0;
	rec->unused = word & (uint16_t)~MARS_SCSP_CSAS_NULL;

	need = (size_t)MARS_SCSP_CSAS_LEN + klen + olen;
	if (rec->reclen < need)
		return wire_fail_at(rd, start + 2, MARS_E_LENGTH,
		    "CSAS Record Length",
		    "less than 12 + Cache Key Len + Orig ID Len");
	if ((size_t)rec->reclen - MARS_SCSP_CSAS_LEN > wire_left(rd))
		return wire_fail_at(rd, start + 2, MARS_E_LENGTH,
		    "CSAS Record Length", "runs past the records");

	rec->key.len = klen;
	rec->key.p = wire_bytes(rd, klen, "Cache Key");
	rec->oid.len = olen;
	rec->oid.p = wire_bytes(rd, olen, "Originator ID");
	rec->body_len = (uint16_t)(rec->reclen - need);
	rec->body = wire_bytes(rd, rec->body_len, "CSA protocol-specific part");
	if (rec->body_len == 0)
		rec->body = NULL;
	return rd->failed ? MARS_E_TRUNC : 0;
}

/* Hello's Additional Receiver ID Record: Rec ID Len + Receiver ID (B.2.5). */
static int
scsp_read_id(struct wire_rd *rd, struct mars_scsp_id *id)
{
	id->len = wire_u8(rd, "Rec ID Len");
	id->p = wire_bytes(rd, id->len, "Receiver ID");
	return rd->failed ? MARS_E_TRUNC : 0;
}

/* Mandatory Common Part, B.2.0.1; the fixed 12 octets are known present. */
static int
scsp_read_mcp(struct mars_scsp_msg *m, struct wire_rd *rd)
{
	m->protocol_id = wire_u16(rd, "Protocol ID");
	m->sgid = wire_u16(rd, "Server Group ID");
	m->mcp_unused = wire_u16(rd, "unused");
	m->flags = wire_u16(rd, "Flags");
	m->sender.len = wire_u8(rd, "Sender ID Len");
	m->receiver.len = wire_u8(rd, "Recvr ID Len");
	m->nrec = wire_u16(rd, "Number of Records");
	m->sender.p = wire_bytes(rd, m->sender.len, "Sender ID");
	m->receiver.p = wire_bytes(rd, m->receiver.len, "Receiver ID");
	return rd->failed ? MARS_E_TRUNC : 0;
}

/*
 * The records of the Mandatory Part (B.2.1-B.2.5): exactly nrec of them
 * must fill the area between the MCP and the extensions (or Packet Size).
 * For Protocol ID 3 every non-null CSA of a CSU Request must carry a
 * well-formed RFC 2443 §3 part.
 */
static int
scsp_check_records(const struct mars_scsp_msg *m, struct wire_rd *recs,
    uint32_t nrec_at, struct mars_err *err)
{
	struct mars_scsp_mars_part	 mp;
	struct mars_scsp_csas	 rec;
	struct mars_scsp_id		 id;
	uint32_t		 body_base;
	unsigned		 i;
	int			 rc;

	for (i = 0; i < m->nrec; i++) {
		if (wire_left(recs) == 0)
			return scsp_fail(err, nrec_at, MARS_E_LENGTH,
			    "Number of Records", "more than the records present");
		if (m->type == MARS_SCSP_HELLO) {
			if (scsp_read_id(recs, &id) != 0)
				return scsp_overrun(err);
			continue;
		}
		if (scsp_read_csas(recs, &rec, m->rec_off) != 0)
			return scsp_overrun(err);
		if (m->type != MARS_SCSP_CSU_REQUEST ||
		    m->protocol_id != MARS_SCSP_PROTO_MARS || rec.null)
			continue;
		body_base = recs->base + (uint32_t)(recs->off - rec.body_len);
		rc = mars_scsp_mars_decode(&mp, rec.body, rec.body_len, body_base,
		    err);
		if (rc != 0)
			return scsp_overrun(err);
	}
	if (wire_left(recs) != 0)
		return scsp_fail(err, nrec_at, MARS_E_LENGTH,
		    "Number of Records", "octets left after the last record");
	return 0;
}

/*
 * Extensions Part, B.3: Type/Length/Value triplets from Start Of
 * Extensions, ended by End Of Extensions (0, 0), which must be the last
 * thing inside Packet Size.
 */
static int
scsp_read_exts(struct mars_scsp_msg *m, struct wire_rd *rd, struct mars_err *err)
{
	struct mars_scsp_ext	 ext;
	size_t		 at;

	for (;;) {
		at = rd->off;
		if (wire_left(rd) < SCSP_EXT_HDR_LEN)
			return wire_fail_at(rd, at, MARS_E_LENGTH,
			    "End Of Extensions", "missing");
		ext.type = wire_u16(rd, "Extension Type");
		ext.len = wire_u16(rd, "Extension Length");
		if (ext.type == MARS_SCSP_EXT_END) {
			if (ext.len != 0)
				return wire_fail_at(rd, at + 2, MARS_E_FIELD,
				    "End Of Extensions", "Length is not 0");
			break;
		}
		ext.value = wire_bytes(rd, ext.len, "Extension Value");
		if (rd->failed)
			return scsp_fail(err, rd->base + (uint32_t)(at + 2),
			    MARS_E_LENGTH, "Extension Length",
			    "runs past Packet Size");
		if (m->next < MARS_SCSP_EXT_MAX)
			m->ext[m->next++] = ext;
		m->next_total++;
	}
	if (wire_left(rd) != 0)
		return wire_fail_at(rd, rd->off, MARS_E_LENGTH, "Packet Size",
		    "octets after End Of Extensions");
	return 0;
}

/* The standard IP checksum over the packet (B.1), field included. */
static int
scsp_verify_chksum(const struct mars_scsp_msg *m, const uint8_t *p, uint32_t base,
    struct mars_err *err)
{
	uint32_t	 sum;

	if (mars_cksum(p, m->size) == 0)
		return 0;
	/* What the sender should have written: the sum without the field. */
	sum = (uint16_t)~mars_cksum(p, SCSP_OFF_CHKSUM);
	sum += (uint16_t)~mars_cksum(p + SCSP_OFF_EXTOFF,
	    m->size - SCSP_OFF_EXTOFF);
	sum = (sum & 0xffff) + (sum >> 16);
	scsp_fail(err, base + SCSP_OFF_CHKSUM, MARS_E_CHKSUM, "Checksum",
	    "does not verify");
	err->have = m->chksum;
	err->need = (uint16_t)~sum;
	return MARS_E_CHKSUM;
}

/*
 * RFC 2334 App. B: decode and validate a whole SCSP packet.  Structure is
 * checked first; the checksum last, so that MARS_E_CHKSUM means "well
 * formed but corrupt" and *m is complete.
 */
int
mars_scsp_decode(struct mars_scsp_msg *m, const uint8_t *p, size_t len, uint32_t base,
    unsigned flags, struct mars_err *err)
{
	struct mars_err	 spare;
	struct wire_rd	 rd, recs;
	size_t		 fixed, nrec_at, rec_end;
	int		 rc;

	if (err == NULL)
		err = &spare;
	memset(err, 0, sizeof(*err));
	memset(m, 0, sizeof(*m));
	wire_rd_init(&rd, p, len, base, err);

	m->version = wire_u8(&rd, "Version");
	m->type = wire_u8(&rd, "Type Code");
	m->size = wire_u16(&rd, "Packet Size");
	if (rd.failed)
		return MARS_E_TRUNC;
	if (m->version != MARS_SCSP_VERSION)
		return wire_fail_at(&rd, 0, MARS_E_FIELD, "Version", "not 1");
	fixed = scsp_fixed_len(m->type);
	if (fixed == 0)
		return wire_fail_at(&rd, 1, MARS_E_OP, "Type Code",
		    "unknown SCSP message type");
	if (m->size > len) {
		wire_fail_at(&rd, 2, MARS_E_TRUNC, "Packet Size", NULL);
		err->need = m->size;
		err->have = (uint32_t)len;
		return MARS_E_TRUNC;
	}
	if (m->size < fixed)
		return wire_fail_at(&rd, 2, MARS_E_LENGTH, "Packet Size",
		    "smaller than the mandatory part");
	rd.len = m->size;
	m->len = m->size;

	m->chksum = wire_u16(&rd, "Checksum");
	m->extoff = wire_u16(&rd, "Start Of Extensions");
	if (m->type == MARS_SCSP_CA)
		m->ca_seq = wire_u32(&rd, "CA Sequence Number");
	else if (m->type == MARS_SCSP_HELLO) {
		m->hello_interval = wire_u16(&rd, "HelloInterval");
		m->dead_factor = wire_u16(&rd, "DeadFactor");
		m->hello_unused = wire_u16(&rd, "unused");
		m->family_id = wire_u16(&rd, "Family ID");
	}
	nrec_at = rd.off + SCSP_MCP_OFF_NREC;
	if (scsp_read_mcp(m, &rd) != 0)
		return scsp_overrun(err);

	m->rec_off = (uint32_t)rd.off;
	m->has_ext = m->extoff != 0;
	rec_end = m->size;
	if (m->has_ext) {
		if (m->extoff < m->rec_off ||
		    (size_t)m->extoff + SCSP_EXT_HDR_LEN > m->size)
			return wire_fail_at(&rd, SCSP_OFF_EXTOFF, MARS_E_LENGTH,
			    "Start Of Extensions", "outside the packet body");
		rec_end = m->extoff;
	}
	m->rec = p + m->rec_off;
	m->rec_len = (uint32_t)(rec_end - m->rec_off);
	if (!wire_sub(&rd, &recs, m->rec_len, "records"))
		return scsp_overrun(err);
	rc = scsp_check_records(m, &recs, base + (uint32_t)nrec_at, err);
	if (rc != 0)
		return rc;
	if (m->has_ext && (rc = scsp_read_exts(m, &rd, err)) != 0)
		return rc;

	if (!(flags & MARS_SCSP_DEC_NOCHKSUM))
		return scsp_verify_chksum(m, p, base, err);
	return 0;
}

/* Records of a decoded message, in wire order (B.2.0.2, B.2.5). */
void
mars_scsp_iter_init(const struct mars_scsp_msg *m, struct mars_scsp_iter *it)
{
	it->p = m->rec;
	it->left = m->rec != NULL ? m->rec_len : 0;
	it->off = m->rec_off;
	it->i = 0;
}

bool
mars_scsp_next_csas(struct mars_scsp_iter *it, struct mars_scsp_csas *rec)
{
	struct wire_rd	 rd;

	if (it->left == 0)
		return false;
	wire_rd_init(&rd, it->p, it->left, 0, NULL);
	if (scsp_read_csas(&rd, rec, it->off) != 0) {
		it->left = 0;
		return false;
	}
	it->p += rd.off;
	it->left -= rd.off;
	it->off += (uint32_t)rd.off;
	it->i++;
	return true;
}

bool
mars_scsp_next_id(struct mars_scsp_iter *it, struct mars_scsp_id *id)
{
	struct wire_rd	 rd;

	if (it->left == 0)
		return false;
	wire_rd_init(&rd, it->p, it->left, 0, NULL);
	if (scsp_read_id(&rd, id) != 0) {
		it->left = 0;
		return false;
	}
	it->p += rd.off;
	it->left -= rd.off;
	it->off += (uint32_t)rd.off;
	it->i++;
	return true;
}

/* Type Code names, B.1. */
const char *
mars_scsp_type_name(uint8_t type)
{
	switch (type) {
	case MARS_SCSP_CA:		return "CA";
	case MARS_SCSP_CSU_REQUEST:	return "CSU_REQUEST";
	case MARS_SCSP_CSU_REPLY:	return "CSU_REPLY";
	case MARS_SCSP_CSUS:		return "CSUS";
	case MARS_SCSP_HELLO:	return "HELLO";
	}
	return NULL;
}

/* Protocol ID names, B.2.0.1. */
const char *
mars_scsp_protocol_name(uint16_t pid)
{
	switch (pid) {
	case MARS_SCSP_PROTO_ATMARP:	return "ATMARP";
	case MARS_SCSP_PROTO_NHRP:	return "NHRP";
	case MARS_SCSP_PROTO_MARS:	return "MARS";
	case MARS_SCSP_PROTO_DHCP:	return "DHCP";
	case MARS_SCSP_PROTO_LNNI:	return "LNNI";
	}
	return NULL;
}

/* RFC 2443 §3 State names. */
const char *
mars_scsp_mars_state_name(uint8_t state)
{
	switch (state) {
	case MARS_SCSP_MARS_REDIRECT:	return "REDIRECT";
	case MARS_SCSP_MARS_MCS_SERVE:	return "MCS_SERVE";
	case MARS_SCSP_MARS_CLIENT_JOIN:	return "CLIENT_JOIN";
	case MARS_SCSP_MARS_CLIENT_LEAVE:	return "CLIENT_LEAVE";
	case MARS_SCSP_MARS_MCS_UNSERVE:	return "MCS_UNSERVE";
	}
	return NULL;
}

static int
scsp_inval(struct mars_err *err, const char *field, const char *why)
{
	return scsp_fail(err, 0, MARS_E_INVAL, field, why);
}

static bool
scsp_id_bad(const struct mars_scsp_id *id)
{
	return id->len > 0 && id->p == NULL;
}

/*
 * Octets the records of *m take on the wire (B.2.0.2, B.2.2.1, B.2.5), or
 * a negative MARS_E_INVAL naming the member that makes them impossible.
 */
static long
scsp_records_len(const struct mars_scsp_msg *m, struct mars_err *err)
{
	const struct mars_scsp_csas	*r;
	long			 total = 0;
	size_t			 reclen;
	unsigned		 i;

	if (m->nrec == 0)
		return 0;
	if (m->type == MARS_SCSP_HELLO) {
		if (m->ids == NULL)
			return scsp_inval(err, "ids", "NULL with nrec > 0");
		for (i = 0; i < m->nrec; i++) {
			if (scsp_id_bad(&m->ids[i]))
				return scsp_inval(err, "ids[].p",
				    "NULL with len > 0");
			total += 1 + m->ids[i].len;
		}
		return total;
	}
	if (m->csas == NULL)
		return scsp_inval(err, "csas", "NULL with nrec > 0");
	for (i = 0; i < m->nrec; i++) {
		r = &m->csas[i];
		if (scsp_id_bad(&r->key))
			return scsp_inval(err, "csas[].key", "NULL with len > 0");
		if (scsp_id_bad(&r->oid))
			return scsp_inval(err, "csas[].oid", "NULL with len > 0");
		if (r->body_len > 0 && r->body == NULL)
			return scsp_inval(err, "csas[].body",
			    "NULL with body_len > 0");
		if (r->seq == MARS_SCSP_SEQ_RESERVED)
			return scsp_inval(err, "csas[].seq",
			    "0x80000000 is reserved (RFC 2334 B.2.0.2)");
		reclen = (size_t)MARS_SCSP_CSAS_LEN + r->key.len + r->oid.len +
		    r->body_len;
		if (reclen > UINT16_MAX)
			return scsp_inval(err, "csas[].body_len",
			    "Record Length exceeds 65535");
		total += (long)reclen;
	}
	return total;
}

static void
scsp_put_csas(struct wire_wr *wr, const struct mars_scsp_csas *r)
{
	wire_put_u16(wr, r->hops);
	wire_put_u16(wr, (uint16_t)(MARS_SCSP_CSAS_LEN + r->key.len + r->oid.len +
	    r->body_len));
	wire_put_u8(wr, r->key.len);
	wire_put_u8(wr, r->oid.len);
	wire_put_u16(wr, (uint16_t)((r->null ? MARS_SCSP_CSAS_NULL : 0) |
	    (r->unused & (uint16_t)~MARS_SCSP_CSAS_NULL)));
	wire_put_u32(wr, r->seq);
	wire_put_bytes(wr, r->key.p, r->key.len);
	wire_put_bytes(wr, r->oid.p, r->oid.len);
	wire_put_bytes(wr, r->body, r->body_len);
}

/*
 * RFC 2334 App. B: build a packet from *m.  Packet Size, the ID lengths,
 * every Record Length, Number of Records, Start Of Extensions (the
 * extensions follow the records, closed by End Of Extensions whenever
 * has_ext is set or next > 0) and the checksum are derived here.  A zero
 * version is sent as MARS_SCSP_VERSION.  A CSAS record with body_len > 0 gets its
 * body in every type, so that decode and encode are each other's inverse.
 */
int
mars_scsp_encode(const struct mars_scsp_msg *m, uint8_t *out, size_t cap,
    size_t *outlen, unsigned flags, struct mars_err *err)
{
	struct mars_err	 spare;
	struct wire_wr	 wr;
	size_t		 fixed, size, start, extoff = 0;
	long		 reclen;
	bool		 exts;
	unsigned	 i;

	if (err == NULL)
		err = &spare;
	memset(err, 0, sizeof(*err));
	if ((fixed = scsp_fixed_len(m->type)) == 0)
		return scsp_inval(err, "type", "unknown SCSP message type");
	if (scsp_id_bad(&m->sender))
		return scsp_inval(err, "sender", "NULL with len > 0");
	if (scsp_id_bad(&m->receiver))
		return scsp_inval(err, "receiver", "NULL with len > 0");
	if ((reclen = scsp_records_len(m, err)) < 0)
		return (int)reclen;
	if (m->next > MARS_SCSP_EXT_MAX)
		return scsp_inval(err, "next", "more than SCSP_EXT_MAX");

	size = fixed + m->sender.len + m->receiver.len + (size_t)reclen;
	exts = m->has_ext || m->next > 0;
	if (exts) {
		extoff = size;
		for (i = 0; i < m->next; i++) {
			if (m->ext[i].type == MARS_SCSP_EXT_END)
				return scsp_inval(err, "ext[].type",
				    "End Of Extensions is appended, not listed");
			if (m->ext[i].len > 0 && m->ext[i].value == NULL)
				return scsp_inval(err, "ext[].value",
				    "NULL with len > 0");
			size += SCSP_EXT_HDR_LEN + m->ext[i].len;
		}
		size += SCSP_EXT_HDR_LEN;
	}
	if (size > UINT16_MAX || extoff > UINT16_MAX)
		return scsp_inval(err, "nrec", "packet exceeds 65535 octets");

	wire_wr_init(&wr, out, cap);
	if (flags & MARS_SCSP_ENC_LLC)
		wire_put_bytes(&wr, scsp_llc, sizeof(scsp_llc));
	start = wr.off;

	wire_put_u8(&wr, m->version != 0 ? m->version : MARS_SCSP_VERSION);
	wire_put_u8(&wr, m->type);
	wire_put_u16(&wr, (uint16_t)size);
	wire_put_u16(&wr, 0);
	wire_put_u16(&wr, (uint16_t)extoff);
	if (m->type == MARS_SCSP_CA)
		wire_put_u32(&wr, m->ca_seq);
	else if (m->type == MARS_SCSP_HELLO) {
		wire_put_u16(&wr, m->hello_interval);
		wire_put_u16(&wr, m->dead_factor);
		wire_put_u16(&wr, m->hello_unused);
		wire_put_u16(&wr, m->family_id);
	}

	wire_put_u16(&wr, m->protocol_id);
	wire_put_u16(&wr, m->sgid);
	wire_put_u16(&wr, m->mcp_unused);
	wire_put_u16(&wr, m->flags);
	wire_put_u8(&wr, m->sender.len);
	wire_put_u8(&wr, m->receiver.len);
	wire_put_u16(&wr, m->nrec);
	wire_put_bytes(&wr, m->sender.p, m->sender.len);
	wire_put_bytes(&wr, m->receiver.p, m->receiver.len);

	for (i = 0; i < m->nrec; i++) {
		if (m->type == MARS_SCSP_HELLO) {
			wire_put_u8(&wr, m->ids[i].len);
			wire_put_bytes(&wr, m->ids[i].p, m->ids[i].len);
		} else
			scsp_put_csas(&wr, &m->csas[i]);
	}

	if (exts) {
		for (i = 0; i < m->next; i++) {
			wire_put_u16(&wr, m->ext[i].type);
			wire_put_u16(&wr, m->ext[i].len);
			wire_put_bytes(&wr, m->ext[i].value, m->ext[i].len);
		}
		wire_put_u16(&wr, MARS_SCSP_EXT_END);
		wire_put_u16(&wr, 0);
	}
	if (wr.failed)
		return scsp_fail(err, 0, MARS_E_NOSPACE, "out",
		    "output buffer too small");

	wire_set_u16(&wr, start + SCSP_OFF_CHKSUM,
	    mars_cksum(out + start, size));
	*outlen = wr.off;
	return 0;
}
