/*
 * Wire constants of MARS (RFC 2022), SCSP (RFC 2334), MARS over SCSP
 * (RFC 2443) and their encapsulation.  Each cites the clause it comes from;
 * see also ../shared/protocol/PROTOCOL.md.
 */
#ifndef MARS_PROTO_H
#define MARS_PROTO_H

#ifdef __cplusplus
extern "C" {
#endif

/* LLC/SNAP (RFC 2022 §4.2, RFC 2334 App. B, RFC 2684). */
#define MARS_LLC_SNAP_LEN		8
#define MARS_LLC_OUI_IANA		0x00005e
#define MARS_LLC_OUI_ETHERTYPE	0x000000
#define MARS_LLC_PID_MARS_DATA1	0x0001	/* Type #1 multicast data, §5.5 */
#define MARS_LLC_PID_MARS_CTL	0x0003	/* MARS and NHRP control, §4.2 */
#define MARS_LLC_PID_MARS_DATA2	0x0004	/* Type #2 multicast data, §5.5 */
#define MARS_LLC_PID_SCSP		0x0005	/* RFC 2334 App. B */

/* mar$op.version (RFC 2022 §4.3.5): tells MARS from NHRP on PID 0x0003. */
#define MARS_OPVER_MARS		0x00
#define MARS_OPVER_NHRP		0x01

#define MARS_AFN_ATM		0x000f	/* mar$afn, §4.3.1 */
#define MARS_PRO_IPV4		0x0800	/* mar$pro.type, §4.3.2 */
#define MARS_PRO_IPV6		0x86dd
#define MARS_PRO_LONG		0x0080	/* mar$pro.snap carries OUI+PID */

#define MARS_FIXED_LEN		20	/* fixed header, §4.3 */
#define MARS_HDR_LEN		32	/* fixed header + mandatory part */
#define MARS_MTU		9180	/* default AAL5 SDU, RFC 2225 §7 */

/* mar$op.type, RFC 2022 §11 (SJOIN/SLEAVE: 8/9, PROTOCOL.md C1). */
enum mars_op {
	MARS_REQUEST		= 1,
	MARS_MULTI		= 2,
	MARS_MSERV		= 3,
	MARS_JOIN		= 4,
	MARS_LEAVE		= 5,
	MARS_NAK		= 6,
	MARS_UNSERV		= 7,
	MARS_SJOIN		= 8,
	MARS_SLEAVE		= 9,
	MARS_GROUPLIST_REQUEST	= 10,
	MARS_GROUPLIST_REPLY	= 11,
	MARS_REDIRECT_MAP	= 12,
	MARS_MIGRATE		= 13,
};
#define MARS_OP_MAX		13

/* ATM number / subaddress type-and-length octet, §5.1.2 / RFC 2225 §8.7.3. */
#define MARS_ATM_TL_RESERVED		0x80
#define MARS_ATM_TL_E164		0x40
#define MARS_ATM_TL_LEN		0x3f
#define MARS_ATM_ADDR_MAX		20

/* mar$flags, §5.2.1. */
#define MARS_FLAG_LAYER3GRP	0x8000
#define MARS_FLAG_COPY		0x4000
#define MARS_FLAG_REGISTER	0x2000
#define MARS_FLAG_PUNCHED	0x1000
#define MARS_FLAG_RESERVED	0x0f00
#define MARS_FLAG_SEQUENCE	0x00ff

/* mar$seqxy, §5.1.2. */
#define MARS_SEQ_LAST		0x8000
#define MARS_SEQ_PART		0x7fff

/* mar$redirf, §5.4.3. */
#define MARS_REDIRF_HARD	0x80

/* TLVs, §10. */
#define MARS_TLV_ACTION		0xc000	/* Type.x */
#define MARS_TLV_SKIP		0x0000
#define MARS_TLV_DROP		0x4000
#define MARS_TLV_DROP_ERR	0x8000
#define MARS_TLV_RESERVED	0xc000	/* treat as skip */
#define MARS_TLV_NULL		0x0000
#define MARS_TLV_MULTI_IS_MCS	0x3a00	/* Microsoft, experimental (C6) */

/* SCSP (RFC 2334 B.1, B.2). */
#define MARS_SCSP_VERSION		1
#define MARS_SCSP_FIXED_LEN		8
#define MARS_SCSP_MCP_LEN		12	/* without the IDs */
#define MARS_SCSP_CSAS_LEN		12	/* without key and originator ID */
enum mars_scsp_type {
	MARS_SCSP_CA			= 1,
	MARS_SCSP_CSU_REQUEST	= 2,
	MARS_SCSP_CSU_REPLY		= 3,
	MARS_SCSP_CSUS		= 4,
	MARS_SCSP_HELLO		= 5,
};
#define MARS_SCSP_CA_M		0x8000
#define MARS_SCSP_CA_I		0x4000
#define MARS_SCSP_CA_O		0x2000
#define MARS_SCSP_CSAS_NULL		0x8000
#define MARS_SCSP_SEQ_RESERVED	0x80000000u
#define MARS_SCSP_SEQ_FIRST		0x80000001u

#define MARS_SCSP_EXT_END		0
#define MARS_SCSP_EXT_AUTH		1
#define MARS_SCSP_EXT_VENDOR		2

enum mars_scsp_protocol {
	MARS_SCSP_PROTO_ATMARP	= 1,
	MARS_SCSP_PROTO_NHRP		= 2,
	MARS_SCSP_PROTO_MARS		= 3,
	MARS_SCSP_PROTO_DHCP		= 4,
	MARS_SCSP_PROTO_LNNI		= 5,
};

/* RFC 2443 §3–§5: MARS-specific part of a CSA record. */
#define MARS_SCSP_MARS_PART_LEN	20	/* fixed octets before the addresses */
#define MARS_SCSP_MARS_ID_LEN	4
enum mars_scsp_mars_state {
	MARS_SCSP_MARS_REDIRECT	= 1,	/* MARS Server Redirect Entry */
	MARS_SCSP_MARS_MCS_SERVE	= 2,	/* MCS Serve/Register */
	MARS_SCSP_MARS_CLIENT_JOIN	= 3,	/* MARS Client Join/Register */
	MARS_SCSP_MARS_CLIENT_LEAVE	= 4,	/* MARS Client Leave/Deregister */
	MARS_SCSP_MARS_MCS_UNSERVE	= 5,	/* MCS Unserve/Deregister */
};
#define MARS_SCSP_MARS_FLAGS_VALID	(MARS_FLAG_LAYER3GRP | MARS_FLAG_REGISTER | MARS_FLAG_SEQUENCE)

/* NHRP fixed header (RFC 2332 §5.1): same 20-octet shape as MARS. */
#define MARS_NHRP_FIXED_LEN		20

#ifdef __cplusplus
}
#endif

#endif
