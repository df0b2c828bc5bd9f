/*
 * SCSP (RFC 2334 App. B) and its MARS records (RFC 2443 §3) as text: the
 * one-line summary and the field list/tree with the RFCs' field names
 * ("Packet Size", "Sender ID", "Cluster Member ID", ...).
 */
#include <string.h>

#include "mars/proto.h"
#include "mars/scsp.h"
#include "print_int.h"

/* Where the Mandatory Common Part starts, from the Version octet (B.2). */
static uint32_t
mcp_offset(const struct mars_scsp_msg *m)
{
	switch (m->type) {
	case MARS_SCSP_CA:
		return MARS_SCSP_FIXED_LEN + 4;
	case MARS_SCSP_HELLO:
		return MARS_SCSP_FIXED_LEN + 8;
	default:
		return MARS_SCSP_FIXED_LEN;
	}
}

static void
put_id(struct mars_out *ob, const struct mars_scsp_id *id)
{
	if (id->len == 0 || id->p == NULL)
		mars_out_putc(ob, '-');
	else
		mars_out_hex(ob, id->p, id->len);
}

static void
put_seq(struct mars_out *ob, uint32_t seq)
{
	mars_out_write(ob, " seq ", 5);
	pr_x(ob, seq, 8);
}

/*
 * A MARS CSA record's protocol part, RFC 2443 §3:
 * "CLIENT_JOIN cmi 1 224.1.2.3 atm 4700...".
 */
static void
put_mars_part(struct mars_out *ob, const struct mars_scsp_csas *rec)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	const char *state;

	memset(&err, 0, sizeof(err));
	if (mars_scsp_mars_decode(&mp, rec->body, rec->body_len, 0, &err) != 0) {
		mars_out_write(ob, "MARS part malformed", 19);
		return;
	}
	if ((state = mars_scsp_mars_state_name(mp.state)) != NULL)
		mars_out_puts(ob, state);
	else {
		mars_out_write(ob, "state ", 6);
		mars_out_u64(ob, mp.state);
	}
	if (mp.flags & MARS_FLAG_REGISTER)
		mars_out_write(ob, " register", 9);
	if (mp.state != MARS_SCSP_MARS_REDIRECT) {
		mars_out_write(ob, " cmi ", 5);
		mars_out_u64(ob, mp.cmi);
	}
	if (mp.grp_len != 0) {
		mars_out_putc(ob, ' ');
		pr_pa(ob, mp.min, mp.grp_len);
		if (mp.min != NULL && mp.max != NULL &&
		    memcmp(mp.min, mp.max, mp.grp_len) != 0) {
			mars_out_putc(ob, '-');
			pr_pa(ob, mp.max, mp.grp_len);
		}
	}
	mars_out_write(ob, " atm ", 5);
	pr_atm_sub(ob, &mp.atm, &mp.sub);
}

/* The records of CA, CSU Request/Reply and CSUS, ';'-separated. */
static void
put_records(struct mars_out *ob, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec;
	bool first = true;

	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		mars_out_puts(ob, first ? " " : "; ");
		first = false;
		if (m->type == MARS_SCSP_CSU_REQUEST && rec.body_len > 0 &&
		    m->protocol_id == MARS_SCSP_PROTO_MARS) {
			put_mars_part(ob, &rec);
		} else {
			mars_out_write(ob, "key ", 4);
			put_id(ob, &rec.key);
			mars_out_write(ob, " orig ", 6);
			put_id(ob, &rec.oid);
			if (rec.body_len > 0) {
				mars_out_write(ob, " body ", 6);
				mars_out_u64(ob, rec.body_len);
			}
		}
		put_seq(ob, rec.seq);
		if (rec.null)
			mars_out_write(ob, " null", 5);
	}
}

/*
 * " SCSP CA MARS sgid 1 sender 0a0101fa receiver 0a0101fb seq 12345 M I O
 * csas 2", without the time, VC or newline.
 */
void
print_scsp_line(struct mars_out *ob, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter it;
	struct mars_scsp_id id;
	const char *s;
	unsigned i;

	mars_out_write(ob, " SCSP ", 6);
	if ((s = mars_scsp_type_name(m->type)) != NULL)
		mars_out_puts(ob, s);
	else {
		mars_out_write(ob, "type ", 5);
		mars_out_u64(ob, m->type);
	}
	mars_out_putc(ob, ' ');
	if ((s = mars_scsp_protocol_name(m->protocol_id)) != NULL)
		mars_out_puts(ob, s);
	else {
		mars_out_write(ob, "proto ", 6);
		mars_out_u64(ob, m->protocol_id);
	}
	mars_out_write(ob, " sgid ", 6);
	mars_out_u64(ob, m->sgid);
	mars_out_write(ob, " sender ", 8);
	put_id(ob, &m->sender);

	switch (m->type) {
	case MARS_SCSP_HELLO:
		mars_out_write(ob, " receivers ", 11);
		put_id(ob, &m->receiver);
		mars_scsp_iter_init(m, &it);
		while (mars_scsp_next_id(&it, &id)) {
			mars_out_putc(ob, ' ');
			put_id(ob, &id);
		}
		mars_out_write(ob, " interval ", 10);
		mars_out_u64(ob, m->hello_interval);
		mars_out_write(ob, " dead ", 6);
		mars_out_u64(ob, m->dead_factor);
		if (m->family_id != 0) {
			mars_out_write(ob, " family ", 8);
			mars_out_u64(ob, m->family_id);
		}
		break;
	case MARS_SCSP_CA:
		mars_out_write(ob, " receiver ", 10);
		put_id(ob, &m->receiver);
		mars_out_write(ob, " seq ", 5);
		mars_out_u64(ob, m->ca_seq);
		if (m->flags & MARS_SCSP_CA_M)
			mars_out_write(ob, " M", 2);
		if (m->flags & MARS_SCSP_CA_I)
			mars_out_write(ob, " I", 2);
		if (m->flags & MARS_SCSP_CA_O)
			mars_out_write(ob, " O", 2);
		mars_out_write(ob, " csas ", 6);
		mars_out_u64(ob, m->nrec);
		break;
	default:
		mars_out_write(ob, " receiver ", 10);
		put_id(ob, &m->receiver);
		mars_out_puts(ob, m->type == MARS_SCSP_CSU_REQUEST ? " csa " : " csas ");
		mars_out_u64(ob, m->nrec);
		mars_out_putc(ob, ':');
		put_records(ob, m);
		break;
	}
	for (i = 0; i < m->next && i < MARS_SCSP_EXT_MAX; i++) {
		mars_out_write(ob, " ext ", 5);
		mars_out_u64(ob, m->ext[i].type);
	}
}

/* RFC 2443 §3 field names, offsets from the first LLC octet. */
static void
fld_mars_part(struct fsink *fs, const struct mars_scsp_csas *rec, uint32_t off)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	const char *name;

	memset(&err, 0, sizeof(err));
	if (mars_scsp_mars_decode(&mp, rec->body, rec->body_len, off, &err) != 0) {
		pf_hex(fs, off, "Client/Server Protocol Specific Part",
		    rec->body, rec->body_len);
		return;
	}
	pf_node(fs, off, "MARS Part", 0);
	pf_x(fs, off + 0, "Hardware Type", mp.hw_type, 4);
	pf_x(fs, off + 2, "Protocol Type", mp.pro_type, 4);
	pf_hex(fs, off + 4, "SNAP", mp.snap, sizeof(mp.snap));
	pf_u(fs, off + 9, "Unused", mp.unused);
	pf_u(fs, off + 10, "Version", mp.version);
	pf_open(fs, off + 11, "State");
	mars_out_u64(fs->ob, mp.state);
	if (pf_tree(fs) && (name = mars_scsp_mars_state_name(mp.state)) != NULL) {
		mars_out_write(fs->ob, " (", 2);
		mars_out_puts(fs->ob, name);
		mars_out_putc(fs->ob, ')');
	}
	pf_close(fs);
	pf_x(fs, off + 12, "Flags", mp.flags, 4);
	if (pf_tree(fs)) {
		fs->depth++;
		pf_bool(fs, off + 12, "layer3grp", mp.flags & MARS_FLAG_LAYER3GRP);
		pf_bool(fs, off + 12, "register", mp.flags & MARS_FLAG_REGISTER);
		pf_u(fs, off + 13, "sequence", mp.flags & MARS_FLAG_SEQUENCE);
		fs->depth--;
	}
	pf_u(fs, off + 14, "Cluster Member ID", mp.cmi);
	pf_u(fs, off + 16, "Src Addr Len", mp.spa.len);
	pf_u(fs, off + 17, "Group Addr Len", mp.grp_len);
	pf_tl(fs, off + 18, "ATM Addr T/L", mp.atm.tl);
	pf_tl(fs, off + 19, "ATM SubAddr T/L", mp.sub.tl);
	off += MARS_SCSP_MARS_PART_LEN;
	pf_pa(fs, off, "Source Protocol Address", mp.spa.addr, mp.spa.len);
	off += mp.spa.len;
	pf_atm(fs, off, "Source ATM Address", &mp.atm);
	off += mp.atm.tl & MARS_ATM_TL_LEN;
	pf_atm(fs, off, "Source ATM SubAddress", &mp.sub);
	off += mp.sub.tl & MARS_ATM_TL_LEN;
	pf_pa(fs, off, "Minimum Multicast Group Address", mp.min, mp.grp_len);
	off += mp.grp_len;
	pf_pa(fs, off, "Maximum Multicast Group Address", mp.max, mp.grp_len);
	pf_node_end(fs);
}

/* CSAS / CSA records (RFC 2334 B.2.0.2). */
static void
fld_records(struct fsink *fs, const struct mars_scsp_msg *m, uint32_t off)
{
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec;
	unsigned i = 0;
	uint32_t body;
	bool csa = m->type == MARS_SCSP_CSU_REQUEST;

	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		pf_node(fs, off, csa ? "CSA Record" : "CSAS Record", ++i);
		pf_u(fs, off + 0, "Hop Count", rec.hops);
		pf_u(fs, off + 2, "Record Length", rec.reclen);
		pf_u(fs, off + 4, "Cache Key Len", rec.key.len);
		pf_u(fs, off + 5, "Orig ID Len", rec.oid.len);
		pf_bool(fs, off + 6, "N", rec.null);
		pf_x(fs, off + 8, "CSA Sequence Number", rec.seq, 8);
		pf_hex(fs, off + 12, "Cache Key", rec.key.p, rec.key.len);
		pf_hex(fs, off + 12 + rec.key.len, "Originator ID", rec.oid.p,
		    rec.oid.len);
		body = off + MARS_SCSP_CSAS_LEN + rec.key.len + rec.oid.len;
		if (rec.body_len > 0) {
			if (m->protocol_id == MARS_SCSP_PROTO_MARS)
				fld_mars_part(fs, &rec, body);
			else
				pf_hex(fs, body,
				    "Client/Server Protocol Specific Part",
				    rec.body, rec.body_len);
		}
		pf_node_end(fs);
		off += rec.reclen;
	}
}

/* Hello's Additional Receiver ID Records (RFC 2334 B.2.5). */
static void
fld_hello_ids(struct fsink *fs, const struct mars_scsp_msg *m, uint32_t off)
{
	struct mars_scsp_iter it;
	struct mars_scsp_id id;
	unsigned i = 0;

	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_id(&it, &id)) {
		pf_node(fs, off, "Receiver ID Record", ++i);
		pf_u(fs, off, "Rec ID Len", id.len);
		pf_hex(fs, off + 1, "Receiver ID", id.p, id.len);
		pf_node_end(fs);
		off += 1 + id.len;
	}
}

/* Extensions Part (RFC 2334 B.3). */
static void
fld_extensions(struct fsink *fs, const struct mars_scsp_msg *m, uint32_t base)
{
	uint32_t off = base + m->extoff;
	unsigned i;

	for (i = 0; i < m->next && i < MARS_SCSP_EXT_MAX; i++) {
		pf_node(fs, off, "Extension", i + 1);
		pf_u(fs, off, "Type", m->ext[i].type);
		pf_u(fs, off + 2, "Length", m->ext[i].len);
		pf_hex(fs, off + 4, "Value", m->ext[i].value, m->ext[i].len);
		pf_node_end(fs);
		off += 4 + m->ext[i].len;
	}
}

void
print_scsp_fields(struct fsink *fs, const struct mars_pdu *pdu)
{
	const struct mars_scsp_msg *m = &pdu->u.scsp;
	const uint32_t o = PR_MSG_OFF;
	uint32_t mcp = o + mcp_offset(m), off;
	const char *name;

	pf_u(fs, o + 0, "Version", m->version);
	pf_open(fs, o + 1, "Type Code");
	mars_out_u64(fs->ob, m->type);
	if (pf_tree(fs) && (name = mars_scsp_type_name(m->type)) != NULL) {
		mars_out_write(fs->ob, " (", 2);
		mars_out_puts(fs->ob, name);
		mars_out_putc(fs->ob, ')');
	}
	pf_close(fs);
	pf_u(fs, o + 2, "Packet Size", m->size);
	pf_x(fs, o + 4, "Checksum", m->chksum, 4);
	pf_u(fs, o + 6, "Start Of Extensions", m->extoff);
	pf_break(fs);
	if (m->type == MARS_SCSP_CA) {
		pf_u(fs, o + 8, "CA Sequence Number", m->ca_seq);
		pf_break(fs);
	} else if (m->type == MARS_SCSP_HELLO) {
		pf_u(fs, o + 8, "HelloInterval", m->hello_interval);
		pf_u(fs, o + 10, "DeadFactor", m->dead_factor);
		pf_u(fs, o + 12, "unused", m->hello_unused);
		pf_u(fs, o + 14, "Family ID", m->family_id);
		pf_break(fs);
	}
	pf_open(fs, mcp + 0, "Protocol ID");
	mars_out_u64(fs->ob, m->protocol_id);
	if (pf_tree(fs) && (name = mars_scsp_protocol_name(m->protocol_id)) != NULL) {
		mars_out_write(fs->ob, " (", 2);
		mars_out_puts(fs->ob, name);
		mars_out_putc(fs->ob, ')');
	}
	pf_close(fs);
	pf_u(fs, mcp + 2, "Server Group ID", m->sgid);
	pf_u(fs, mcp + 4, "unused", m->mcp_unused);
	pf_x(fs, mcp + 6, "Flags", m->flags, 4);
	if (pf_tree(fs) && m->type == MARS_SCSP_CA) {
		fs->depth++;
		pf_bool(fs, mcp + 6, "M", m->flags & MARS_SCSP_CA_M);
		pf_bool(fs, mcp + 6, "I", m->flags & MARS_SCSP_CA_I);
		pf_bool(fs, mcp + 6, "O", m->flags & MARS_SCSP_CA_O);
		fs->depth--;
	}
	pf_u(fs, mcp + 8, "Sender ID Len", m->sender.len);
	pf_u(fs, mcp + 9, "Recvr ID Len", m->receiver.len);
	pf_u(fs, mcp + 10, "Number of Records", m->nrec);
	pf_hex(fs, mcp + 12, "Sender ID", m->sender.p, m->sender.len);
	pf_hex(fs, mcp + 12 + m->sender.len, "Receiver ID", m->receiver.p,
	    m->receiver.len);
	pf_break(fs);
	off = mcp + MARS_SCSP_MCP_LEN + m->sender.len + m->receiver.len;
	if (m->type == MARS_SCSP_HELLO)
		fld_hello_ids(fs, m, off);
	else
		fld_records(fs, m, off);
	fld_extensions(fs, m, o);
	pf_break(fs);
}
