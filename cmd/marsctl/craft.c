/*
 * send OP field=value ...: any MARS (RFC 2022 §4-§10) or SCSP (RFC 2334
 * App. B, RFC 2443) message, built with the codec (mars_encode,
 * mars_scsp_encode) from the fields given and sensible defaults, then,
 * for negative tests, patched after encoding: counts, lengths, T/L
 * octets, the operation, the checksum, the LLC header, octets cut or
 * appended.  After a patch the checksum is computed again (unless
 * chksum= says what it must be), so that a receiver rejects the message
 * for the fault asked for and not for a stale checksum.
 *
 * raw HEX ... sends octets as they are.  Both print the bytes (hex) and
 * the decoded message with the shared printers, then every message that
 * arrives during wait= (default 1 s).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mars/atm.h"
#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/scsp.h"

#include "marsctl.h"

#define SDU_MAX		MARS_MTU
#define LIST_MAX	4096
#define PATCH_MAX	16
#define REC_MAX		32
#define DEF_WAIT	1000

/* Where a field applies: MARS families and SCSP types, as bits. */
#define F_A	0x0001		/* REQUEST, NAK */
#define F_B	0x0002		/* MULTI, MIGRATE */
#define F_B1	0x0004		/* GROUPLIST_REPLY */
#define F_B2	0x0008		/* REDIRECT_MAP */
#define F_C	0x0010		/* JOIN family */
#define F_MARS	0x001f
#define F_CA	0x0100
#define F_CSU	0x0200		/* CSU Request, CSU Reply */
#define F_CSUS	0x0400
#define F_HELLO	0x0800
#define F_SCSP	0x0f00
#define F_ALL	0xffff

struct field {
	const char	*name;
	unsigned	 where;
	const char	*help;
};

/* Every field, in the order completion offers them. */
static const struct field fields[] = {
	/* delivery */
	{ "vc=", F_ALL, "p2p, ccvc, scvc or server: the VC kind in the shim" },
	{ "to=", F_ALL, "the MARS (entity name or endpoint) to send to" },
	{ "wait=", F_ALL, "how long to show what comes back (1s)" },
	/* MARS fixed header, §4.3 */
	{ "afn=", F_MARS, "mar$afn (0x000f)" },
	{ "pro=", F_MARS, "mar$pro.type: ipv4, ipv6 or a number" },
	{ "snap=", F_MARS, "mar$pro.snap, 5 octets of hex" },
	{ "hdrrsv=", F_MARS, "mar$hdrrsv, 3 octets of hex" },
	{ "sha=", F_MARS, "source ATM number (hex; ours by default; none)" },
	{ "ssa=", F_MARS, "source ATM subaddress (hex)" },
	{ "spa=", F_A | F_B | F_B1 | F_C, "source protocol address" },
	/* family A, B */
	{ "group=", F_A | F_B | F_C, "the group (tpa; a pair <G,G> in a JOIN)" },
	{ "tpa=", F_A | F_B, "mar$tpa, the group" },
	{ "tha=", F_A, "mar$tha (hex)" },
	{ "tsa=", F_A, "mar$tsa (hex)" },
	{ "pad=", F_A, "mar$pad, 8 octets of hex" },
	{ "targets=", F_B | F_B2, "ATM numbers, comma-separated (hex)" },
	{ "groups=", F_B1, "group addresses, comma-separated" },
	{ "seqxy=", F_B | F_B1 | F_B2, "mar$seqxy (0x8001)" },
	{ "msn=", F_B | F_B1 | F_B2 | F_C, "mar$msn" },
	{ "redirf=", F_B2, "mar$redirf (0x80: hard)" },
	{ "hard=", F_B2, "yes or no: mar$redirf bit 7" },
	/* family C */
	{ "pairs=", F_C, "MIN-MAX or G, comma-separated" },
	{ "flags=", F_C, "a number, or names joined by +: layer3grp, copy, "
	    "register, punched" },
	{ "cmi=", F_C, "mar$cmi (ours once registered)" },
	/* TLVs, §10 */
	{ "tlv=", F_MARS, "TYPE:HEX, a TLV (repeat for more)" },
	/* patches after encoding */
	{ "op=", F_MARS, "mar$op.type written over the encoded one" },
	{ "opver=", F_MARS, "mar$op.version written over" },
	{ "shtl=", F_MARS, "mar$shtl written over" },
	{ "sstl=", F_MARS, "mar$sstl written over" },
	{ "spln=", F_A | F_B | F_B1 | F_C, "mar$spln written over" },
	{ "tpln=", F_A | F_B | F_B1 | F_C, "mar$tpln written over" },
	{ "thtl=", F_A | F_B | F_B2, "mar$thtl written over" },
	{ "tstl=", F_A | F_B | F_B2, "mar$tstl written over" },
	{ "tnum=", F_B | F_B1 | F_B2, "mar$tnum written over" },
	{ "pnum=", F_C, "mar$pnum written over" },
	{ "extoff=", F_MARS, "mar$extoff written over" },
	/* SCSP, RFC 2334 B.1-B.2 */
	{ "version=", F_SCSP, "SCSP version (1)" },
	{ "type=", F_SCSP, "SCSP type written over the encoded one" },
	{ "size=", F_SCSP, "Packet Size written over" },
	{ "protocol=", F_SCSP, "Protocol ID (3: MARS)" },
	{ "sgid=", F_SCSP, "Server Group ID" },
	{ "sender=", F_SCSP, "Sender ID (hex)" },
	{ "receiver=", F_SCSP, "Receiver ID (hex; the entity's by default)" },
	{ "seq=", F_CA, "CA Sequence Number" },
	{ "caflags=", F_CA, "a number, or M+I+O" },
	{ "csas=", F_CA | F_CSU | F_CSUS, "SEQ:KEY:OID[:null], a record (repeat)" },
	{ "hello-interval=", F_HELLO, "HelloInterval, seconds" },
	{ "dead-factor=", F_HELLO, "DeadFactor" },
	{ "family=", F_HELLO, "Family ID" },
	{ "ids=", F_HELLO, "additional receiver IDs, comma-separated (hex)" },
	{ "mstate=", F_CSU, "RFC 2443 state: a number or redirect, "
	    "mcs-serve, client-join, client-leave, mcs-unserve" },
	{ "mcmi=", F_CSU, "RFC 2443 CMI" },
	{ "matm=", F_CSU, "RFC 2443 ATM address (hex; ours)" },
	{ "mspa=", F_CSU, "RFC 2443 protocol address" },
	{ "mmin=", F_CSU, "RFC 2443 group range low end" },
	{ "mmax=", F_CSU, "RFC 2443 group range high end" },
	{ "mflags=", F_CSU, "RFC 2443 flags" },
	/* either */
	{ "chksum=", F_ALL, "a number, bad, or zero (none computed)" },
	{ "len=", F_ALL, "cut or zero-extend the message to this many octets" },
	{ "append=", F_ALL, "octets (hex) added after the message" },
	{ "set=", F_ALL, "OFFSET:HEX, octets written at a message offset" },
	{ "llc=", F_ALL, "the 8-octet LLC/SNAP header (hex)" },
	{ NULL, 0, NULL }
};

static const struct {
	const char	*name;
	uint8_t		 type;
} scsp_ops[] = {
	{ "ca", MARS_SCSP_CA },
	{ "csu-request", MARS_SCSP_CSU_REQUEST },
	{ "csu-reply", MARS_SCSP_CSU_REPLY },
	{ "csus", MARS_SCSP_CSUS },
	{ "hello", MARS_SCSP_HELLO },
	{ NULL, 0 }
};

/* What completion offers for OP. */
static const char *const op_words[] = {
	"request", "multi", "mserv", "join", "leave", "nak", "unserv",
	"sjoin", "sleave", "grouplist-request", "grouplist-reply",
	"redirect-map", "migrate",
	"ca", "csu-request", "csu-reply", "csus", "hello", NULL
};

struct patch {
	size_t		 off;
	uint8_t		 b[64];
	size_t		 n;
};

struct craft {
	bool		 scsp;
	uint8_t		 op;		/* MARS op.type or SCSP type */
	unsigned	 where;		/* F_* of the operation */
	enum mars_family fam;
	struct mars_msg	 m;
	struct mars_scsp_msg s;

	uint8_t		 sha[MARS_ATM_ADDR_MAX], ssa[MARS_ATM_ADDR_MAX];
	uint8_t		 spa[16], tpa[16];
	uint8_t		 tha[MARS_ATM_ADDR_MAX], tsa[MARS_ATM_ADDR_MAX];
	uint8_t		 list[LIST_MAX];
	size_t		 list_len;
	int		 grp_len;	/* group length of the list, 0 none */
	bool		 cmi_set, flags_set, seqxy_set;
	uint8_t		 tlvval[MARS_TLV_MAX][64];

	/* SCSP records */
	struct mars_scsp_csas recs[REC_MAX];
	struct mars_scsp_id ids[REC_MAX];
	uint8_t		 idbuf[REC_MAX][32];
	uint8_t		 keybuf[REC_MAX][32];
	uint8_t		 oidbuf[REC_MAX][32];
	size_t		 nrec;
	uint8_t		 sender[32], receiver[32];
	struct mars_scsp_mars_part mp;
	bool		 mp_set;
	uint8_t		 mpatm[MARS_ATM_ADDR_MAX], mpspa[16], mpmin[16],
			 mpmax[16];
	uint8_t		 body[256];
	size_t		 body_len;

	/* after encoding */
	struct patch	 patch[PATCH_MAX];
	size_t		 npatch;
	bool		 has_len;
	size_t		 len;
	uint8_t		 append[256];
	size_t		 append_len;
	bool		 has_llc;
	uint8_t		 llc[MARS_LLC_SNAP_LEN];
	enum { CK_AUTO, CK_VALUE, CK_BAD } ck;
	uint16_t	 ckval;
	bool		 patched;

	/* delivery */
	uint8_t		 vc;
	size_t		 to;
	mars_time_t	 wait;
};

static const char *err_arg;
static char err_msg[256];

static int	bad(const char *arg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

static int
bad(const char *arg, const char *fmt, ...)
{
	va_list ap;

	err_arg = arg;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *v > max || s[0] == '-')
		return -1;
	return 0;
}

static int
hex(const char *s, uint8_t *out, size_t cap)
{
	if (strcasecmp(s, "none") == 0 || s[0] == '\0')
		return 0;
	return mars_atm_parse_hex(s, out, cap);
}

/* --- operations --- */

static bool
op_lookup(const char *w, struct craft *k)
{
	char norm[64];
	unsigned long v;
	size_t i;
	int op;

	snprintf(norm, sizeof(norm), "%s", strncasecmp(w, "scsp-", 5) == 0 ?
	    w + 5 : w);
	for (i = 0; norm[i] != '\0'; i++)
		norm[i] = norm[i] == '_' ? '-' : (char)tolower(
		    (unsigned char)norm[i]);
	for (i = 0; scsp_ops[i].name != NULL; i++)
		if (strcmp(norm, scsp_ops[i].name) == 0) {
			k->scsp = true;
			k->op = scsp_ops[i].type;
			switch (k->op) {
			case MARS_SCSP_CA:
				k->where = F_CA;
				break;
			case MARS_SCSP_CSUS:
				k->where = F_CSUS;
				break;
			case MARS_SCSP_HELLO:
				k->where = F_HELLO;
				break;
			default:
				k->where = F_CSU;
			}
			return true;
		}
	for (i = 0; norm[i] != '\0'; i++)
		if (norm[i] == '-')
			norm[i] = '_';
	if ((op = mars_op_lookup(norm)) < 0) {
		/* a number: an operation RFC 2022 does not define */
		if (number(w, 255, &v) != 0)
			return false;
		op = (int)v;
	}
	k->op = (uint8_t)op;
	k->fam = mars_op_family(k->op);
	switch (k->fam) {
	case MARS_FAM_A:
		k->where = F_A;
		break;
	case MARS_FAM_B:
		k->where = F_B;
		break;
	case MARS_FAM_B1:
		k->where = F_B1;
		break;
	case MARS_FAM_B2:
		k->where = F_B2;
		break;
	case MARS_FAM_C:
		k->where = F_C;
		break;
	default:
		/* unknown: laid out as a REQUEST, op.type patched */
		k->fam = MARS_FAM_A;
		k->where = F_A;
	}
	return true;
}

size_t
craft_complete_op(const char *prefix, cmdtab_add_fn add, void *actx)
{
	size_t i, n = 0, pl = strlen(prefix);

	for (i = 0; op_words[i] != NULL; i++)
		if (strncasecmp(op_words[i], prefix, pl) == 0) {
			add(actx, op_words[i]);
			n++;
		}
	return n;
}

size_t
craft_complete_field(const char *op, const char *prefix, cmdtab_add_fn add,
    void *actx)
{
	struct craft k;
	size_t i, n = 0, pl = strlen(prefix);

	memset(&k, 0, sizeof(k));
	if (!op_lookup(op, &k))
		return 0;
	for (i = 0; fields[i].name != NULL; i++)
		if ((fields[i].where & k.where) != 0 &&
		    strncmp(fields[i].name, prefix, pl) == 0) {
			add(actx, fields[i].name);
			n++;
		}
	return n;
}

/* --- fields --- */

static int
group_list(struct craft *k, const char *v, bool pairs, const char *arg)
{
	uint8_t lo[16], hi[16];
	char item[128];
	const char *p = v;
	size_t n, count = 0;
	int len;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (n >= sizeof(item))
			return bad(arg, "%s", "entry too long");
		memcpy(item, p, n);
		item[n] = '\0';
		p += n + (p[n] == ',');
		if (parse_range(item, lo, hi, &len) != 0 || (!pairs &&
		    memcmp(lo, hi, (size_t)len) != 0))
			return bad(arg, "not a group%s", pairs ?
			    " or range MIN-MAX" : "");
		if (k->grp_len != 0 && len != k->grp_len)
			return bad(arg, "%s", "groups of two lengths");
		k->grp_len = len;
		if (k->list_len + 2 * (size_t)len > sizeof(k->list))
			return bad(arg, "%s", "list too long");
		memcpy(k->list + k->list_len, lo, (size_t)len);
		k->list_len += (size_t)len;
		if (pairs) {
			memcpy(k->list + k->list_len, hi, (size_t)len);
			k->list_len += (size_t)len;
		}
		count++;
	}
	if (pairs)
		k->m.pnum = (uint16_t)count;
	else
		k->m.tnum = (uint16_t)count;
	k->m.grp_len = (uint8_t)k->grp_len;
	return 0;
}

static int
target_list(struct craft *k, const char *v, const char *arg)
{
	char item[128];
	const char *p = v;
	size_t n, count = 0;
	int len, first = -1;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (n >= sizeof(item))
			return bad(arg, "%s", "entry too long");
		memcpy(item, p, n);
		item[n] = '\0';
		p += n + (p[n] == ',');
		if (k->list_len + MARS_ATM_ADDR_MAX > sizeof(k->list) ||
		    (len = hex(item, k->list + k->list_len,
		    MARS_ATM_ADDR_MAX)) <= 0)
			return bad(arg, "%s", "not an ATM number in hex");
		if (first >= 0 && len != first)
			return bad(arg, "%s", "ATM numbers of two lengths");
		first = len;
		k->list_len += (size_t)len;
		count++;
	}
	k->m.tnum = (uint16_t)count;
	k->m.thtl = (uint8_t)(first > 0 ? first : 0);
	k->m.tstl = 0;
	return 0;
}

static int
add_patch(struct craft *k, size_t off, unsigned long v, size_t n,
    const char *arg)
{
	struct patch *p;
	size_t i;

	if (k->npatch == PATCH_MAX)
		return bad(arg, "%s", "too many patches");
	p = &k->patch[k->npatch++];
	p->off = off;
	p->n = n;
	for (i = 0; i < n; i++)
		p->b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	k->patched = true;
	return 0;
}

static int
mars_state(const char *v, unsigned long *st)
{
	static const char *const names[] = { "", "redirect", "mcs-serve",
	    "client-join", "client-leave", "mcs-unserve", NULL };
	size_t i;

	for (i = 1; names[i] != NULL; i++)
		if (strcasecmp(v, names[i]) == 0) {
			*st = i;
			return 0;
		}
	return number(v, 255, st);
}

static int
named_flags(const char *v, const char *const *names, const uint16_t *bits,
    unsigned long *out)
{
	char w[32];
	const char *p = v;
	size_t n, i;

	if (number(v, 0xffff, out) == 0)
		return 0;
	*out = 0;
	while (*p != '\0') {
		n = strcspn(p, "+,");
		if (n >= sizeof(w))
			return -1;
		memcpy(w, p, n);
		w[n] = '\0';
		p += n + (p[n] != '\0');
		for (i = 0; names[i] != NULL; i++)
			if (strcasecmp(w, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return -1;
		*out |= bits[i];
	}
	return 0;
}

/* SEQ:KEY:OID[:null] */
static int
csas_record(struct craft *k, const char *v, const char *arg)
{
	char buf[256], *f[4], *save = NULL, *t;
	struct mars_scsp_csas *r;
	unsigned long seq;
	int nf = 0, kl, ol;

	if (k->nrec == REC_MAX)
		return bad(arg, "%s", "too many records");
	snprintf(buf, sizeof(buf), "%s", v);
	for (t = strtok_r(buf, ":", &save); t != NULL && nf < 4;
	    t = strtok_r(NULL, ":", &save))
		f[nf++] = t;
	if (nf < 3 || number(f[0], 0xffffffffUL, &seq) != 0 ||
	    (kl = hex(f[1], k->keybuf[k->nrec], 32)) < 0 ||
	    (ol = hex(f[2], k->oidbuf[k->nrec], 32)) < 0 ||
	    (nf == 4 && strcasecmp(f[3], "null") != 0))
		return bad(arg, "%s", "expected SEQ:KEYHEX:OIDHEX[:null]");
	r = &k->recs[k->nrec++];
	memset(r, 0, sizeof(*r));
	r->hops = 1;
	r->seq = (uint32_t)seq;
	r->null = nf == 4;
	r->key.p = k->keybuf[k->nrec - 1];
	r->key.len = (uint8_t)kl;
	r->oid.p = k->oidbuf[k->nrec - 1];
	r->oid.len = (uint8_t)ol;
	return 0;
}

static const struct field *
field_of(const char *word, const char **val)
{
	const char *eq = strchr(word, '=');
	size_t i, n;

	if (eq == NULL)
		return NULL;
	n = (size_t)(eq - word) + 1;
	for (i = 0; fields[i].name != NULL; i++)
		if (strlen(fields[i].name) == n &&
		    strncmp(fields[i].name, word, n) == 0) {
			*val = eq + 1;
			return &fields[i];
		}
	return NULL;
}

/* Message offsets of the mandatory part's octets by family (§3.2). */
static int
family_off(const struct craft *k, const char *name)
{
	if (strcmp(name, "spln=") == 0)
		return 20;
	if (k->fam == MARS_FAM_C)
		return strcmp(name, "tpln=") == 0 ? 21 :
		    strcmp(name, "pnum=") == 0 ? 22 : -1;
	if (strcmp(name, "thtl=") == 0)
		return 21;
	if (strcmp(name, "tstl=") == 0)
		return 22;
	if (strcmp(name, "tpln=") == 0)
		return k->fam == MARS_FAM_B2 ? -1 : 23;
	if (strcmp(name, "tnum=") == 0)
		return 24;
	return -1;
}

static int
apply(struct ctl *c, struct craft *k, const char *word)
{
	static const char *const jflags[] = { "layer3grp", "copy", "register",
	    "punched", NULL };
	static const uint16_t jbits[] = { MARS_FLAG_LAYER3GRP, MARS_FLAG_COPY,
	    MARS_FLAG_REGISTER, MARS_FLAG_PUNCHED };
	static const char *const caflags[] = { "M", "I", "O", NULL };
	static const uint16_t cabits[] = { MARS_SCSP_CA_M, MARS_SCSP_CA_I,
	    MARS_SCSP_CA_O };
	const struct field *f;
	const char *v, *colon;
	unsigned long n;
	mars_time_t ms;
	uint8_t tmp[64];
	int len, off, idx;

	if ((f = field_of(word, &v)) == NULL)
		return bad(word, "%s", "not a field=value of send (help send, "
		    "or complete with Tab)");
	if ((f->where & k->where) == 0)
		return bad(word, "%s", "not a field of this operation");
#define IS(s)	(strcmp(f->name, s) == 0)
#define NUM(max) do { if (number(v, (max), &n) != 0) \
		return bad(word, "not a number up to %s", #max); } while (0)
	if (IS("vc=")) {
		if (strcmp(v, "p2p") == 0)
			k->vc = MARS_VC_P2P;
		else if (strcmp(v, "ccvc") == 0)
			k->vc = MARS_VC_CCVC;
		else if (strcmp(v, "scvc") == 0)
			k->vc = MARS_VC_SCVC;
		else if (strcmp(v, "server") == 0)
			k->vc = MARS_VC_SERVER;
		else
			return bad(word, "%s", "p2p, ccvc, scvc or server");
	} else if (IS("to=")) {
		if ((idx = ctl_find_mars(c, v)) < 0)
			return bad(word, "%s", "not a MARS we are connected to");
		k->to = (size_t)idx;
	} else if (IS("wait=")) {
		if (strcmp(v, "0") == 0)
			ms = 0;
		else if (parse_duration(v, &ms) != 0)
			return bad(word, "%s", "not a duration");
		k->wait = ms;
	} else if (IS("afn=")) {
		NUM(0xffff);
		k->m.afn = (uint16_t)n;
	} else if (IS("pro=")) {
		if (strcasecmp(v, "ipv4") == 0)
			n = MARS_PRO_IPV4;
		else if (strcasecmp(v, "ipv6") == 0)
			n = MARS_PRO_IPV6;
		else
			NUM(0xffff);
		k->m.pro_type = (uint16_t)n;
	} else if (IS("snap=")) {
		if (hex(v, k->m.pro_snap, 5) != 5)
			return bad(word, "%s", "5 octets of hex");
	} else if (IS("hdrrsv=")) {
		if (hex(v, k->m.hdrrsv, 3) != 3)
			return bad(word, "%s", "3 octets of hex");
	} else if (IS("sha=") || IS("ssa=") || IS("tha=") || IS("tsa=")) {
		uint8_t *buf = IS("sha=") ? k->sha : IS("ssa=") ? k->ssa :
		    IS("tha=") ? k->tha : k->tsa;
		struct mars_atm *a = IS("sha=") ? &k->m.sha : IS("ssa=") ?
		    &k->m.ssa : IS("tha=") ? &k->m.tha : &k->m.tsa;

		if ((len = hex(v, buf, MARS_ATM_ADDR_MAX)) < 0)
			return bad(word, "%s", "not hex of at most 20 octets");
		a->addr = len > 0 ? buf : NULL;
		a->tl = (uint8_t)len;
	} else if (IS("spa=")) {
		if (strcasecmp(v, "none") == 0)
			k->m.spa.len = 0;
		else if ((len = parse_group(v, k->spa)) < 0)
			return bad(word, "%s", "not an IPv4 or IPv6 address");
		else {
			k->m.spa.addr = k->spa;
			k->m.spa.len = (uint8_t)len;
		}
	} else if (IS("tpa=") || (IS("group=") && k->fam != MARS_FAM_C)) {
		if (strcasecmp(v, "none") == 0)
			k->m.tpa.len = 0;
		else if ((len = parse_group(v, k->tpa)) < 0)
			return bad(word, "%s", "not a group address");
		else {
			k->m.tpa.addr = k->tpa;
			k->m.tpa.len = (uint8_t)len;
			note_group(c, v);
		}
	} else if (IS("group=") || IS("pairs=")) {
		if (group_list(k, v, true, word) != 0)
			return -1;
	} else if (IS("groups=")) {
		if (group_list(k, v, false, word) != 0)
			return -1;
	} else if (IS("targets=")) {
		if (target_list(k, v, word) != 0)
			return -1;
	} else if (IS("pad=")) {
		if (hex(v, k->m.pad, 8) != 8)
			return bad(word, "%s", "8 octets of hex");
	} else if (IS("seqxy=")) {
		NUM(0xffff);
		k->m.seqxy = (uint16_t)n;
		k->seqxy_set = true;
	} else if (IS("msn=")) {
		NUM(0xffffffffUL);
		k->m.msn = (uint32_t)n;
	} else if (IS("redirf=")) {
		NUM(0xff);
		k->m.redirf = (uint8_t)n;
	} else if (IS("hard=")) {
		k->m.redirf = strcmp(v, "yes") == 0 ? MARS_REDIRF_HARD : 0;
	} else if (IS("flags=")) {
		if (named_flags(v, jflags, jbits, &n) != 0)
			return bad(word, "%s", "a number or names joined by +");
		k->m.flags = (uint16_t)n;
		k->flags_set = true;
	} else if (IS("cmi=")) {
		NUM(0xffff);
		k->m.cmi = (uint16_t)n;
		k->cmi_set = true;
	} else if (IS("tlv=")) {
		if ((colon = strchr(v, ':')) == NULL)
			return bad(word, "%s", "TYPE:HEX");
		snprintf((char *)tmp, sizeof(tmp), "%.*s", (int)(colon - v), v);
		if (number((char *)tmp, 0xffff, &n) != 0 ||
		    k->m.ntlv == MARS_TLV_MAX ||
		    (len = hex(colon + 1, k->tlvval[k->m.ntlv], 64)) < 0)
			return bad(word, "%s", "TYPE:HEX, at most 8 TLVs of 64 "
			    "octets");
		k->m.tlv[k->m.ntlv].type = (uint16_t)n;
		k->m.tlv[k->m.ntlv].len = (uint16_t)len;
		k->m.tlv[k->m.ntlv].value = k->tlvval[k->m.ntlv];
		k->m.ntlv++;
		k->m.has_tlvs = true;
	} else if (IS("op=") || IS("opver=") || IS("shtl=") || IS("sstl=")) {
		NUM(0xff);
		return add_patch(k, IS("op=") ? 17 : IS("opver=") ? 16 :
		    IS("shtl=") ? 18 : 19, n, 1, word);
	} else if (IS("spln=") || IS("tpln=") || IS("thtl=") || IS("tstl=")) {
		NUM(0xff);
		if ((off = family_off(k, f->name)) < 0)
			return bad(word, "%s", "not in this message's layout");
		return add_patch(k, (size_t)off, n, 1, word);
	} else if (IS("tnum=") || IS("pnum=")) {
		NUM(0xffff);
		if ((off = family_off(k, f->name)) < 0)
			return bad(word, "%s", "not in this message's layout");
		return add_patch(k, (size_t)off, n, 2, word);
	} else if (IS("extoff=")) {
		NUM(0xffff);
		return add_patch(k, 14, n, 2, word);
	} else if (IS("version=")) {
		NUM(0xff);
		k->s.version = (uint8_t)n;
	} else if (IS("type=")) {
		NUM(0xff);
		return add_patch(k, 1, n, 1, word);
	} else if (IS("size=")) {
		NUM(0xffff);
		return add_patch(k, 2, n, 2, word);
	} else if (IS("protocol=")) {
		NUM(0xffff);
		k->s.protocol_id = (uint16_t)n;
	} else if (IS("sgid=")) {
		NUM(0xffff);
		k->s.sgid = (uint16_t)n;
	} else if (IS("sender=") || IS("receiver=")) {
		uint8_t *buf = IS("sender=") ? k->sender : k->receiver;
		struct mars_scsp_id *id = IS("sender=") ? &k->s.sender :
		    &k->s.receiver;

		if ((len = hex(v, buf, 32)) < 0)
			return bad(word, "%s", "hex of at most 32 octets");
		id->p = buf;
		id->len = (uint8_t)len;
	} else if (IS("seq=")) {
		NUM(0xffffffffUL);
		k->s.ca_seq = (uint32_t)n;
	} else if (IS("caflags=")) {
		if (named_flags(v, caflags, cabits, &n) != 0)
			return bad(word, "%s", "a number or M+I+O");
		k->s.flags = (uint16_t)n;
	} else if (IS("csas=")) {
		return csas_record(k, v, word);
	} else if (IS("hello-interval=")) {
		NUM(0xffff);
		k->s.hello_interval = (uint16_t)n;
	} else if (IS("dead-factor=")) {
		NUM(0xffff);
		k->s.dead_factor = (uint16_t)n;
	} else if (IS("family=")) {
		NUM(0xffff);
		k->s.family_id = (uint16_t)n;
	} else if (IS("ids=")) {
		const char *p = v;
		char item[80];
		size_t l;

		while (*p != '\0') {
			l = strcspn(p, ",");
			snprintf(item, sizeof(item), "%.*s", (int)l, p);
			p += l + (p[l] == ',');
			if (k->nrec == REC_MAX || (len = hex(item,
			    k->idbuf[k->nrec], 32)) <= 0)
				return bad(word, "%s", "IDs in hex, "
				    "comma-separated");
			k->ids[k->nrec].p = k->idbuf[k->nrec];
			k->ids[k->nrec].len = (uint8_t)len;
			k->nrec++;
		}
	} else if (IS("mstate=")) {
		if (mars_state(v, &n) != 0)
			return bad(word, "%s", "a state number or name");
		k->mp.state = (uint8_t)n;
		k->mp_set = true;
	} else if (IS("mcmi=")) {
		NUM(0xffff);
		k->mp.cmi = (uint16_t)n;
		k->mp_set = true;
	} else if (IS("mflags=")) {
		NUM(0xffff);
		k->mp.flags = (uint16_t)n;
		k->mp_set = true;
	} else if (IS("matm=")) {
		if ((len = hex(v, k->mpatm, MARS_ATM_ADDR_MAX)) < 0)
			return bad(word, "%s", "hex of at most 20 octets");
		k->mp.atm.addr = len ? k->mpatm : NULL;
		k->mp.atm.tl = (uint8_t)len;
		k->mp_set = true;
	} else if (IS("mspa=")) {
		if ((len = parse_group(v, k->mpspa)) < 0)
			return bad(word, "%s", "not an address");
		k->mp.spa.addr = k->mpspa;
		k->mp.spa.len = (uint8_t)len;
		k->mp_set = true;
	} else if (IS("mmin=") || IS("mmax=")) {
		if ((len = parse_group(v, IS("mmin=") ? k->mpmin :
		    k->mpmax)) < 0)
			return bad(word, "%s", "not a group");
		k->mp.grp_len = (uint8_t)len;
		if (IS("mmin="))
			k->mp.min = k->mpmin;
		else
			k->mp.max = k->mpmax;
		k->mp_set = true;
	} else if (IS("chksum=")) {
		if (strcmp(v, "bad") == 0)
			k->ck = CK_BAD;
		else if (strcmp(v, "zero") == 0) {
			k->ck = CK_VALUE;
			k->ckval = 0;
		} else {
			NUM(0xffff);
			k->ck = CK_VALUE;
			k->ckval = (uint16_t)n;
		}
	} else if (IS("len=")) {
		NUM(SDU_MAX);
		k->has_len = true;
		k->len = n;
	} else if (IS("append=")) {
		if ((len = hex(v, k->append, sizeof(k->append))) < 0)
			return bad(word, "%s", "hex of at most 256 octets");
		k->append_len = (size_t)len;
	} else if (IS("set=")) {
		struct patch *p;

		if ((colon = strchr(v, ':')) == NULL)
			return bad(word, "%s", "OFFSET:HEX");
		snprintf((char *)tmp, sizeof(tmp), "%.*s", (int)(colon - v), v);
		if (number((char *)tmp, SDU_MAX, &n) != 0 ||
		    k->npatch == PATCH_MAX)
			return bad(word, "%s", "OFFSET:HEX");
		p = &k->patch[k->npatch];
		if ((len = hex(colon + 1, p->b, sizeof(p->b))) <= 0)
			return bad(word, "%s", "OFFSET:HEX, at most 64 octets");
		p->off = n;
		p->n = (size_t)len;
		k->npatch++;
		k->patched = true;
	} else if (IS("llc=")) {
		if (hex(v, k->llc, sizeof(k->llc)) != MARS_LLC_SNAP_LEN)
			return bad(word, "%s", "8 octets of hex");
		k->has_llc = true;
	}
#undef IS
#undef NUM
	return 0;
}

/* --- building --- */

static void
mars_defaults(struct ctl *c, struct craft *k)
{
	struct mars_msg *m = &k->m;

	m->afn = MARS_AFN_ATM;
	m->pro_type = c->cluster != NULL && c->cluster->protocol ==
	    MARS_CONF_PROTO_IPV6 ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	m->op = k->fam == MARS_FAM_A && mars_op_family(k->op) ==
	    MARS_FAM_UNKNOWN ? MARS_REQUEST : k->op;
	memcpy(k->sha, member_own_atm(c), MARS_ATM_ADDR_MAX);
	m->sha.addr = k->sha;
	m->sha.tl = MARS_ATM_ADDR_MAX;
	m->list = k->list;
}

static void
scsp_defaults(struct ctl *c, struct craft *k)
{
	struct mars_scsp_msg *s = &k->s;
	int idx;

	s->version = MARS_SCSP_VERSION;
	s->type = k->op;
	s->protocol_id = MARS_SCSP_PROTO_MARS;
	s->hello_interval = 3;
	s->dead_factor = 3;
	s->ca_seq = 1;
	if (k->op == MARS_SCSP_CA)
		s->flags = MARS_SCSP_CA_M | MARS_SCSP_CA_I;
	/* entity IDs are the file order plus one (marsd) */
	idx = c->cluster != NULL && c->nmars > 0 && c->mars[0].name[0] ?
	    mars_config_mars_index(c->cluster, c->mars[0].name) : -1;
	k->sender[3] = (uint8_t)(c->cluster != NULL ? c->cluster->n_mars + 1 :
	    99);
	s->sender.p = k->sender;
	s->sender.len = 4;
	k->receiver[3] = (uint8_t)(idx >= 0 ? idx + 1 : 1);
	s->receiver.p = k->receiver;
	s->receiver.len = 4;
	k->mp.hw_type = MARS_AFN_ATM;
	k->mp.pro_type = MARS_PRO_IPV4;
	k->mp.state = MARS_SCSP_MARS_CLIENT_JOIN;
	memcpy(k->mpatm, member_own_atm(c), MARS_ATM_ADDR_MAX);
	k->mp.atm.addr = k->mpatm;
	k->mp.atm.tl = MARS_ATM_ADDR_MAX;
}

/* The rest of the defaults, once the fields are known. */
static void
mars_finish(struct ctl *c, struct craft *k)
{
	struct mars_msg *m = &k->m;

	switch (k->fam) {
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		if (!k->seqxy_set)
			m->seqxy = MARS_SEQ_LAST | 1;
		break;
	case MARS_FAM_C:
		if (!k->flags_set)
			m->flags = m->pnum == 0 ? MARS_FLAG_REGISTER :
			    MARS_FLAG_LAYER3GRP;
		if (!k->cmi_set)
			m->cmi = member_cmi(c);
		if (m->pnum == 0)
			m->grp_len = m->pro_type == MARS_PRO_IPV6 ? 16 : 4;
		break;
	default:
		break;
	}
	if (k->fam == MARS_FAM_A) {
		m->thtl = m->tha.tl;
		m->tstl = m->tsa.tl;
	}
}

static int
encode(struct ctl *c, struct craft *k, uint8_t *out, size_t *outlen)
{
	struct mars_err e;
	char why[256];
	size_t i, n;
	int rc;

	memset(&e, 0, sizeof(e));
	if (!k->scsp) {
		mars_finish(c, k);
		rc = mars_encode(&k->m, out, SDU_MAX, outlen, MARS_ENC_LLC |
		    (k->ck == CK_VALUE && k->ckval == 0 ? MARS_ENC_NOCHKSUM : 0),
		    &e);
	} else {
		if (k->op == MARS_SCSP_HELLO)
			k->s.ids = k->ids;
		else {
			if (k->mp_set && k->op != MARS_SCSP_CSUS &&
			    k->op != MARS_SCSP_CA) {
				memset(&e, 0, sizeof(e));
				if (mars_scsp_mars_encode(&k->mp, k->body,
				    sizeof(k->body), &k->body_len, &e) != 0) {
					mars_err_format(&e, why, sizeof(why));
					return bad(NULL, "RFC 2443 part: %s", why);
				}
				for (i = 0; i < k->nrec; i++) {
					k->recs[i].body = k->body;
					k->recs[i].body_len =
					    (uint16_t)k->body_len;
				}
			}
			k->s.csas = k->recs;
		}
		k->s.nrec = (uint16_t)k->nrec;
		rc = mars_scsp_encode(&k->s, out, SDU_MAX, outlen,
		    MARS_SCSP_ENC_LLC, &e);
	}
	if (rc != 0) {
		mars_err_format(&e, why, sizeof(why));
		return bad(NULL, "cannot encode: %s", why);
	}
	(void)n;
	return 0;
}

/* Patches after encoding, then the checksum (RFC 2022 §4.3.3, 2334 B.1). */
static int
patch(struct craft *k, uint8_t *sdu, size_t *len)
{
	size_t i, mlen, ckoff = k->scsp ? 4 : 12, sumlen;
	const struct patch *p;
	uint8_t *msg = sdu + MARS_LLC_SNAP_LEN;
	uint16_t sum;
	bool was_zero;

	mlen = *len - MARS_LLC_SNAP_LEN;
	was_zero = mlen > ckoff + 1 && msg[ckoff] == 0 && msg[ckoff + 1] == 0;
	if (k->has_len) {
		if (k->len > SDU_MAX - MARS_LLC_SNAP_LEN)
			return bad(NULL, "%s", "len= beyond the MTU");
		if (k->len > mlen)
			memset(msg + mlen, 0, k->len - mlen);
		mlen = k->len;
		k->patched = true;
	}
	for (i = 0; i < k->npatch; i++) {
		p = &k->patch[i];
		if (p->off + p->n > SDU_MAX - MARS_LLC_SNAP_LEN)
			return bad(NULL, "%s", "a patch beyond the MTU");
		if (p->off + p->n > mlen) {
			memset(msg + mlen, 0, p->off + p->n - mlen);
			mlen = p->off + p->n;
		}
		memcpy(msg + p->off, p->b, p->n);
	}
	if (k->append_len > 0) {
		if (mlen + k->append_len > SDU_MAX - MARS_LLC_SNAP_LEN)
			return bad(NULL, "%s", "append= beyond the MTU");
		memcpy(msg + mlen, k->append, k->append_len);
		mlen += k->append_len;
		k->patched = true;
	}
	if (k->has_llc)
		memcpy(sdu, k->llc, MARS_LLC_SNAP_LEN);
	*len = mlen + MARS_LLC_SNAP_LEN;
	if (mlen < ckoff + 2)
		return 0;
	if (k->ck == CK_VALUE) {
		msg[ckoff] = (uint8_t)(k->ckval >> 8);
		msg[ckoff + 1] = (uint8_t)k->ckval;
		return 0;
	}
	if (k->patched && !was_zero) {
		/* MARS: the whole message; SCSP: Packet Size octets */
		sumlen = mlen;
		if (k->scsp) {
			sumlen = (size_t)msg[2] << 8 | msg[3];
			if (sumlen > mlen)
				sumlen = mlen;
		}
		msg[ckoff] = msg[ckoff + 1] = 0;
		sum = mars_cksum(msg, sumlen);
		if (sum == 0 && !k->scsp)
			sum = 0xffff;
		msg[ckoff] = (uint8_t)(sum >> 8);
		msg[ckoff + 1] = (uint8_t)sum;
	}
	if (k->ck == CK_BAD) {
		msg[ckoff] ^= 0x5a;
		msg[ckoff + 1] ^= 0xa5;
	}
	return 0;
}

/* --- sending and the reply window --- */

static void
window_end(struct ctl *c)
{
	member_show_replies(c, false);
	out_flush(c);
	job_end(c, 0);
}

static int
deliver(struct ctl *c, uint8_t kind, size_t to, const uint8_t *sdu,
    size_t len, mars_time_t wait)
{
	uint32_t peer;

	peer = member_peer(c, to, kind == MARS_VC_SERVER);
	if (peer == 0) {
		out_error(c, NULL, "%s has no %s endpoint to send to",
		    c->mars[to].name[0] ? c->mars[to].name : c->mars[to].text,
		    kind == MARS_VC_SERVER ? "peer (SCSP)" : "");
		return EXIT_FAIL;
	}
	if (member_send(c, kind, peer, sdu, len) != 0) {
		out_flush(c);
		return EXIT_FAIL;
	}
	out_flush(c);
	if (wait == 0)
		return 0;
	member_show_replies(c, true);
	job_begin(c, wait, window_end, window_end);
	return CMD_ASYNC;
}

static bool
connected(struct ctl *c)
{
	if (c->connected)
		return true;
	out_error(c, NULL, "not connected to a MARS endpoint (connect "
	    "ENDPOINT, connect --cluster FILE)");
	return false;
}

int
cmd_send(struct ctl *c, const struct cmdtab_result *r)
{
	static struct craft k;
	static uint8_t sdu[SDU_MAX];
	const char *op = cmdtab_arg(r, 0), *w;
	size_t i, len;

	if (!connected(c))
		return EXIT_FAIL;
	memset(&k, 0, sizeof(k));
	if (!op_lookup(op, &k)) {
		out_error(c, op, "not a MARS operation (join, request, "
		    "redirect-map, ... or a number) nor an SCSP type (ca, "
		    "csu-request, csu-reply, csus, hello)");
		return EXIT_USAGE;
	}
	k.vc = k.scsp ? MARS_VC_SERVER : MARS_VC_P2P;
	k.to = c->cur;
	k.wait = DEF_WAIT;
	if (k.scsp)
		scsp_defaults(c, &k);
	else
		mars_defaults(c, &k);
	for (i = 1; (w = cmdtab_arg(r, i)) != NULL; i++)
		if (apply(c, &k, w) != 0) {
			out_error(c, err_arg, "%s", err_msg);
			return EXIT_USAGE;
		}
	if (!k.scsp && mars_op_family(k.op) == MARS_FAM_UNKNOWN)
		add_patch(&k, 17, k.op, 1, op);
	if (encode(c, &k, sdu, &len) != 0 || patch(&k, sdu, &len) != 0) {
		out_error(c, err_arg, "%s", err_msg);
		return EXIT_USAGE;
	}
	return deliver(c, k.vc, k.to, sdu, len, k.wait);
}

int
cmd_raw(struct ctl *c, const struct cmdtab_result *r)
{
	static struct craft k;
	static uint8_t sdu[SDU_MAX];
	const char *w;
	size_t i, len = 0;
	int n;

	if (!connected(c))
		return EXIT_FAIL;
	memset(&k, 0, sizeof(k));
	k.vc = MARS_VC_P2P;
	k.to = c->cur;
	k.wait = DEF_WAIT;
	k.where = F_ALL;
	for (i = 0; (w = cmdtab_arg(r, i)) != NULL; i++) {
		if (strchr(w, '=') != NULL) {
			if (strncmp(w, "vc=", 3) != 0 && strncmp(w, "to=", 3) != 0 &&
			    strncmp(w, "wait=", 5) != 0) {
				out_error(c, w, "raw takes vc=, to= and wait= "
				    "besides the octets");
				return EXIT_USAGE;
			}
			if (apply(c, &k, w) != 0) {
				out_error(c, err_arg, "%s", err_msg);
				return EXIT_USAGE;
			}
			continue;
		}
		if ((n = mars_atm_parse_hex(w, sdu + len, SDU_MAX - len)) < 0) {
			out_error(c, w, "not hex (pairs of digits; . : - "
			    "ignored), or past %d octets", SDU_MAX);
			return EXIT_USAGE;
		}
		len += (size_t)n;
	}
	if (len == 0) {
		out_error(c, NULL, "no octets to send");
		return EXIT_USAGE;
	}
	return deliver(c, k.vc, k.to, sdu, len, k.wait);
}
