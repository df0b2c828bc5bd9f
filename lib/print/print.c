/*
 * Printers shared by every program (print.h, DESIGN.md rule 4): the
 * dispatcher, the text atoms every format uses (time, VC, addresses),
 * the malformed-frame line, NHRP and other-LLC lines, and the hex dump.
 *
 * The one-line and JSON printers sit on the hot path of marsdump, so
 * they append with mars_out_puts/mars_out_u64/mars_out_hex and never call printf; the
 * local time of day is computed once per second of capture time and
 * cached in the outbuf.
 */
#include <string.h>
#include <time.h>

#include "mars/atm.h"
#include "mars/err.h"
#include "mars/print.h"
#include "mars/proto.h"
#include "mars/shim.h"
#include "print_int.h"

static const char hexdigits[] = "0123456789abcdef";

/* "00" .. "99": two digits per lookup. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Two decimal digits of v (0..99) at d. */
static inline void
put2(char *d, unsigned v)
{
	memcpy(d, digit_pairs + 2 * (v % 100), 2);
}

/* Six decimal digits of the microseconds at d. */
static inline void
put_usec(char *d, uint32_t usec)
{
	uint32_t hi, mid;

	usec %= 1000000;
	hi = usec / 10000;		/* 0..99: no further reduction */
	usec -= hi * 10000;
	mid = usec / 100;
	usec -= mid * 100;
	memcpy(d, digit_pairs + 2 * hi, 2);
	memcpy(d + 2, digit_pairs + 2 * mid, 2);
	memcpy(d + 4, digit_pairs + 2 * usec, 2);
}

/* Seconds and microseconds since the epoch: "1700000000.000123". */
static char *
pc_ts_abs(char *d, int64_t sec, uint32_t usec)
{
	if (sec < 0) {
		*d++ = '-';
		d = mars_fmt_u64(d, (uint64_t)0 - (uint64_t)sec);
	} else
		d = mars_fmt_u64(d, (uint64_t)sec);
	d[0] = '.';
	put_usec(d + 1, usec);
	return d + 7;
}

/*
 * Local time of day "HH:MM:SS.uuuuuu", or seconds since the epoch with
 * -t abs.  localtime_r() runs only when the second changes; the cache
 * lives in ob.
 */
char *
pc_time(char *d, struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr)
{
	struct tm tm;
	time_t tt;

	if (po->abs_time)
		return pc_ts_abs(d, fr->ts_sec, fr->ts_usec);
	if (!ob->tcache_valid || ob->tcache_sec != fr->ts_sec) {
		tt = (time_t)fr->ts_sec;
		tzset();
		if (localtime_r(&tt, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		put2(ob->tcache_hms, (unsigned)tm.tm_hour);
		ob->tcache_hms[2] = ':';
		put2(ob->tcache_hms + 3, (unsigned)tm.tm_min);
		ob->tcache_hms[5] = ':';
		put2(ob->tcache_hms + 6, (unsigned)tm.tm_sec);
		ob->tcache_sec = fr->ts_sec;
		ob->tcache_valid = true;
	}
	memcpy(d, ob->tcache_hms, 8);
	d[8] = '.';
	put_usec(d + 9, fr->ts_usec);
	return d + 15;
}

void
pr_time(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr)
{
	char tmp[PC_TIME_MAX], *d0;

	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_time(d0, ob, po, fr), tmp);
}

void
pr_ts_json(struct mars_out *ob, const struct mars_frame *fr)
{
	char tmp[PC_TIME_MAX], *d0;

	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_ts_abs(d0, fr->ts_sec, fr->ts_usec), tmp);
}

const char *
pr_dir_name(int dir)
{
	switch (dir) {
	case MARS_DIR_RX:	return "rx";
	case MARS_DIR_TX:	return "tx";
	}
	return NULL;
}

/* " [0/32 rx ccvc]" when the frame came with a VC; nothing otherwise. */
void
pr_vc(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr)
{
	const char *dir, *kind;

	if (!fr->has_vc)
		return;
	mars_out_write(ob, " [", 2);
	mars_out_u64(ob, fr->vpi);
	mars_out_putc(ob, '/');
	mars_out_u64(ob, fr->vci);
	if ((dir = pr_dir_name(fr->dir)) != NULL) {
		mars_out_putc(ob, ' ');
		mars_out_puts(ob, dir);
	}
	if (fr->vc_kind != MARS_VC_UNKNOWN) {
		kind = po->numeric || fr->vc_kind > MARS_VC_KIND_MAX ? NULL :
		    mars_vc_kind_name(fr->vc_kind);
		if (kind != NULL) {
			mars_out_putc(ob, ' ');
			mars_out_puts(ob, kind);
		} else {
			mars_out_write(ob, " kind ", 6);
			mars_out_u64(ob, fr->vc_kind);
		}
	}
	mars_out_putc(ob, ']');
}

/* "0x" and exactly `digits` (at most 8) lowercase hex digits of v. */
char *
pc_x(char *d, uint32_t v, unsigned digits)
{
	unsigned i;

	if (digits > 8)
		digits = 8;
	d[0] = '0';
	d[1] = 'x';
	for (i = 0; i < digits; i++)
		d[2 + i] = hexdigits[(v >> (4 * (digits - 1 - i))) & 0x0f];
	return d + 2 + digits;
}

void
pr_x(struct mars_out *ob, uint32_t v, unsigned digits)
{
	char t[10];

	mars_out_write(ob, t, (size_t)(pc_x(t, v, digits) - t));
}

void
pr_s32(struct mars_out *ob, int64_t v)
{
	if (v < 0) {
		mars_out_putc(ob, '-');
		mars_out_u64(ob, (uint64_t)0 - (uint64_t)v);
	} else
		mars_out_u64(ob, (uint64_t)v);
}

/* ATM number or subaddress as lowercase hex (PROTOCOL.md 2.2), "-" if null. */
char *
pc_atm(char *d, const struct mars_atm *a)
{
	size_t n = a->tl & MARS_ATM_TL_LEN;

	if (n == 0 || a->addr == NULL) {
		*d = '-';
		return d + 1;
	}
	return mars_fmt_hex(d, a->addr, n);
}

char *
pc_atm_sub(char *d, const struct mars_atm *num, const struct mars_atm *sub)
{
	d = pc_atm(d, num);
	if ((sub->tl & MARS_ATM_TL_LEN) != 0 && sub->addr != NULL) {
		*d++ = '/';
		d = mars_fmt_hex(d, sub->addr, sub->tl & MARS_ATM_TL_LEN);
	}
	return d;
}

void
pr_atm(struct mars_out *ob, const struct mars_atm *a)
{
	char tmp[PC_ATM_MAX], *d0;

	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_atm(d0, a), tmp);
}

void
pr_atm_sub(struct mars_out *ob, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	char tmp[PC_ATM_SUB_MAX], *d0;

	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_atm_sub(d0, num, sub), tmp);
}

/*
 * Each octet of a dotted quad with its dot, zero-padded to 4 octets, and
 * its length in the fifth: pc_ipv4 (print_int.h) writes an octet as one
 * 4-octet copy and an advance by that length.
 */
const char pr_ipv4_dec[256][6] = {
	"0.\0\0\2", "1.\0\0\2", "2.\0\0\2", "3.\0\0\2", "4.\0\0\2",
	"5.\0\0\2", "6.\0\0\2", "7.\0\0\2", "8.\0\0\2", "9.\0\0\2", "10.\0\3",
	"11.\0\3", "12.\0\3", "13.\0\3", "14.\0\3", "15.\0\3", "16.\0\3",
	"17.\0\3", "18.\0\3", "19.\0\3", "20.\0\3", "21.\0\3", "22.\0\3",
	"23.\0\3", "24.\0\3", "25.\0\3", "26.\0\3", "27.\0\3", "28.\0\3",
	"29.\0\3", "30.\0\3", "31.\0\3", "32.\0\3", "33.\0\3", "34.\0\3",
	"35.\0\3", "36.\0\3", "37.\0\3", "38.\0\3", "39.\0\3", "40.\0\3",
	"41.\0\3", "42.\0\3", "43.\0\3", "44.\0\3", "45.\0\3", "46.\0\3",
	"47.\0\3", "48.\0\3", "49.\0\3", "50.\0\3", "51.\0\3", "52.\0\3",
	"53.\0\3", "54.\0\3", "55.\0\3", "56.\0\3", "57.\0\3", "58.\0\3",
	"59.\0\3", "60.\0\3", "61.\0\3", "62.\0\3", "63.\0\3", "64.\0\3",
	"65.\0\3", "66.\0\3", "67.\0\3", "68.\0\3", "69.\0\3", "70.\0\3",
	"71.\0\3", "72.\0\3", "73.\0\3", "74.\0\3", "75.\0\3", "76.\0\3",
	"77.\0\3", "78.\0\3", "79.\0\3", "80.\0\3", "81.\0\3", "82.\0\3",
	"83.\0\3", "84.\0\3", "85.\0\3", "86.\0\3", "87.\0\3", "88.\0\3",
	"89.\0\3", "90.\0\3", "91.\0\3", "92.\0\3", "93.\0\3", "94.\0\3",
	"95.\0\3", "96.\0\3", "97.\0\3", "98.\0\3", "99.\0\3", "100.\4",
	"101.\4", "102.\4", "103.\4", "104.\4", "105.\4", "106.\4", "107.\4",
	"108.\4", "109.\4", "110.\4", "111.\4", "112.\4", "113.\4", "114.\4",
	"115.\4", "116.\4", "117.\4", "118.\4", "119.\4", "120.\4", "121.\4",
	"122.\4", "123.\4", "124.\4", "125.\4", "126.\4", "127.\4", "128.\4",
	"129.\4", "130.\4", "131.\4", "132.\4", "133.\4", "134.\4", "135.\4",
	"136.\4", "137.\4", "138.\4", "139.\4", "140.\4", "141.\4", "142.\4",
	"143.\4", "144.\4", "145.\4", "146.\4", "147.\4", "148.\4", "149.\4",
	"150.\4", "151.\4", "152.\4", "153.\4", "154.\4", "155.\4", "156.\4",
	"157.\4", "158.\4", "159.\4", "160.\4", "161.\4", "162.\4", "163.\4",
	"164.\4", "165.\4", "166.\4", "167.\4", "168.\4", "169.\4", "170.\4",
	"171.\4", "172.\4", "173.\4", "174.\4", "175.\4", "176.\4", "177.\4",
	"178.\4", "179.\4", "180.\4", "181.\4", "182.\4", "183.\4", "184.\4",
	"185.\4", "186.\4", "187.\4", "188.\4", "189.\4", "190.\4", "191.\4",
	"192.\4", "193.\4", "194.\4", "195.\4", "196.\4", "197.\4", "198.\4",
	"199.\4", "200.\4", "201.\4", "202.\4", "203.\4", "204.\4", "205.\4",
	"206.\4", "207.\4", "208.\4", "209.\4", "210.\4", "211.\4", "212.\4",
	"213.\4", "214.\4", "215.\4", "216.\4", "217.\4", "218.\4", "219.\4",
	"220.\4", "221.\4", "222.\4", "223.\4", "224.\4", "225.\4", "226.\4",
	"227.\4", "228.\4", "229.\4", "230.\4", "231.\4", "232.\4", "233.\4",
	"234.\4", "235.\4", "236.\4", "237.\4", "238.\4", "239.\4", "240.\4",
	"241.\4", "242.\4", "243.\4", "244.\4", "245.\4", "246.\4", "247.\4",
	"248.\4", "249.\4", "250.\4", "251.\4", "252.\4", "253.\4", "254.\4",
	"255.\4"
};

/* Protocol address other than IPv4 in its usual notation; "" when null. */
char *
pc_pa_other(char *d, const uint8_t *p, size_t n)
{
	if (n == 0 || p == NULL)
		return d;
	if (n == 16)
		return d + mars_pa_text(d, p, n);
	return mars_fmt_hex(d, p, n);
}

void
pr_pa_bare(struct mars_out *ob, const uint8_t *p, size_t n)
{
	char tmp[PC_PA_MAX], *d0;

	if (n > PC_PA_LEN_MAX && p != NULL) {
		mars_out_hex(ob, p, n);	/* longer than any length octet allows */
		return;
	}
	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_pa_bare(d0, p, n), tmp);
}

void
pr_pa(struct mars_out *ob, const uint8_t *p, size_t n)
{
	char tmp[PC_PA_MAX], *d0;

	if (n > PC_PA_LEN_MAX && p != NULL) {
		mars_out_hex(ob, p, n);	/* longer than any length octet allows */
		return;
	}
	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, pc_pa(d0, p, n), tmp);
}

/* The reason word of a malformed frame; a frame without LLC is "no-llc". */
const char *
pr_reason(int code)
{
	return code == MARS_E_NOTOURS ? "no-llc" : mars_err_reason(code);
}

/* " MALFORMED truncated at offset 36 (mar$sha): need 20, have 12" */
static void
pr_malformed(struct mars_out *ob, const struct mars_err *err)
{
	mars_out_write(ob, " MALFORMED ", 11);
	mars_out_puts(ob, pr_reason(err->code));
	mars_out_write(ob, " at offset ", 11);
	mars_out_u64(ob, err->offset);
	mars_out_write(ob, " (", 2);
	mars_out_puts(ob, err->field != NULL ? err->field : "?");
	mars_out_putc(ob, ')');
	if (err->code == MARS_E_TRUNC) {
		mars_out_write(ob, ": need ", 7);
		mars_out_u64(ob, err->need);
		mars_out_write(ob, ", have ", 7);
		mars_out_u64(ob, err->have);
	} else if (err->why != NULL) {
		mars_out_write(ob, ": ", 2);
		mars_out_puts(ob, err->why);
	}
}

/*
 * Was the operation (MARS, RFC 2022 §4.3: octet 17) or the type (SCSP,
 * RFC 2334 B.1: octet 1) read before the message turned out malformed?
 * Always, for a message that parsed.  The decoders read it as soon as
 * the octet is there, unless mar$op.version already failed.
 */
bool
pr_op_known(const struct mars_pdu *pdu)
{
	if (pdu->kind == MARS_PDU_MARS)
		return !mars_pdu_malformed(pdu) ||
		    (pdu->len >= MARS_LLC_SNAP_LEN + 18 &&
		    pdu->err.offset != MARS_LLC_SNAP_LEN + 16);
	if (pdu->kind == MARS_PDU_SCSP)
		return !mars_pdu_malformed(pdu) ||
		    pdu->len >= MARS_LLC_SNAP_LEN + 2;
	return false;
}

/* " MARS_MULTI", " MARS op 42", " MARS", " SCSP CSU_REPLY", " NHRP". */
static void
pr_malformed_what(struct mars_out *ob, const struct mars_pdu *pdu)
{
	const char *name;
	bool known = pr_op_known(pdu);

	switch (pdu->kind) {
	case MARS_PDU_MARS:
		if (known && (name = mars_op_name(pdu->u.mars.op)) != NULL) {
			mars_out_putc(ob, ' ');
			mars_out_puts(ob, name);
		} else if (known) {
			mars_out_write(ob, " MARS op ", 9);
			mars_out_u64(ob, pdu->u.mars.op);
		} else
			mars_out_write(ob, " MARS", 5);
		break;
	case MARS_PDU_SCSP:
		mars_out_write(ob, " SCSP", 5);
		if (known && (name = mars_scsp_type_name(pdu->u.scsp.type)) !=
		    NULL) {
			mars_out_putc(ob, ' ');
			mars_out_puts(ob, name);
		} else if (known) {
			mars_out_write(ob, " type ", 6);
			mars_out_u64(ob, pdu->u.scsp.type);
		}
		break;
	case MARS_PDU_NHRP:
		mars_out_write(ob, " NHRP", 5);
		break;
	default:
		break;
	}
}

/* The name, RFC section and sentence of a reason, SCSP's checksum its own. */
const char *
pr_nonconf_ref(const struct mars_pdu *pdu, unsigned bit)
{
	if (bit == MARS_NC_CHECKSUM && pdu->kind == MARS_PDU_SCSP)
		return "RFC 2334 B.1";
	return mars_nonconf_ref(bit);
}

const char *
pr_nonconf_text(const struct mars_pdu *pdu, unsigned bit)
{
	if (bit == MARS_NC_CHECKSUM && pdu->kind == MARS_PDU_SCSP)
		return "Checksum does not verify";
	return mars_nonconf_text(bit);
}

/*
 * " NONCONFORMING null-source (RFC 2022 §4.3), seqxy (RFC 2022 §5.1.2)":
 * every rule the message breaks, lowest bit first.
 */
static void
pr_nonconf_line(struct mars_out *ob, const struct mars_pdu *pdu, unsigned nc)
{
	const char *name;
	unsigned bit;
	bool first = true;

	mars_out_write(ob, " NONCONFORMING", 14);
	for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
		if ((nc & bit) == 0 || (name = mars_nonconf_name(bit)) == NULL)
			continue;
		mars_out_puts(ob, first ? " " : ", ");
		first = false;
		mars_out_puts(ob, name);
		mars_out_write(ob, " (", 2);
		mars_out_puts(ob, pr_nonconf_ref(pdu, bit));
		mars_out_putc(ob, ')');
	}
}

/*
 * -v and -vv: after the fields, one line per reason with its sentence;
 * a checksum adds what was received and what it should have been.
 */
static void
pr_nonconf_fields(struct mars_out *ob, const struct mars_pdu *pdu,
    unsigned nc)
{
	const char *name;
	unsigned bit;

	for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
		if ((nc & bit) == 0 || (name = mars_nonconf_name(bit)) == NULL)
			continue;
		mars_out_write(ob, "\tnonconforming ", 15);
		mars_out_puts(ob, name);
		mars_out_write(ob, " (", 2);
		mars_out_puts(ob, pr_nonconf_ref(pdu, bit));
		mars_out_write(ob, "): ", 3);
		mars_out_puts(ob, pr_nonconf_text(pdu, bit));
		if (bit == MARS_NC_CHECKSUM && pdu->verdict == MARS_E_CHKSUM) {
			mars_out_write(ob, ", received ", 11);
			pr_x(ob, pdu->err.have, 4);
			mars_out_write(ob, ", computed ", 11);
			pr_x(ob, pdu->err.need, 4);
		}
		mars_out_putc(ob, '\n');
	}
}

/* NHRP fixed header, RFC 2332 §5.1: recognised, not interpreted. */
static void
pr_nhrp_line(struct mars_out *ob, const struct mars_nhrp_hdr *h)
{
	mars_out_write(ob, " NHRP op ", 9);
	mars_out_u64(ob, h->op_type);
	mars_out_write(ob, " version ", 9);
	mars_out_u64(ob, h->op_version);
	mars_out_write(ob, " afn ", 5);
	pr_x(ob, h->afn, 4);
	mars_out_write(ob, " pro ", 5);
	pr_x(ob, h->pro_type, 4);
	mars_out_write(ob, " pktsz ", 7);
	mars_out_u64(ob, h->pktsz);
	mars_out_puts(ob, " (not MARS)");
}

/* Another LLC/SNAP payload (RFC 2684): data, ATMARP. */
static void
pr_llc_line(struct mars_out *ob, const struct mars_pdu *pdu)
{
	mars_out_write(ob, " LLC oui ", 9);
	pr_x(ob, pdu->oui, 6);
	mars_out_write(ob, " pid ", 5);
	pr_x(ob, pdu->pid, 4);
	mars_out_write(ob, " len ", 5);
	mars_out_u64(ob, pdu->len);
}

/* LLC/SNAP header fields (RFC 2684 §4), the first node of every tree. */
static void
pr_llc_fields(struct fsink *fs, const struct mars_pdu *pdu)
{
	if (pdu->sdu != NULL && pdu->len >= 3)
		pf_hex(fs, 0, "llc", pdu->sdu, 3);
	pf_x(fs, 3, "snap.oui", pdu->oui, 6);
	pf_x(fs, 6, "snap.pid", pdu->pid, 4);
	pf_break(fs);
}

/* RFC 2332 §5.1 names. */
static void
pr_nhrp_fields(struct fsink *fs, const struct mars_nhrp_hdr *h)
{
	uint32_t o = PR_MSG_OFF;

	pf_x(fs, o + 0, "ar$afn", h->afn, 4);
	pf_x(fs, o + 2, "ar$pro.type", h->pro_type, 4);
	pf_hex(fs, o + 4, "ar$pro.snap", h->pro_snap, sizeof(h->pro_snap));
	pf_u(fs, o + 9, "ar$hopcnt", h->hopcnt);
	pf_u(fs, o + 10, "ar$pktsz", h->pktsz);
	pf_x(fs, o + 12, "ar$chksum", h->chksum, 4);
	pf_u(fs, o + 14, "ar$extoff", h->extoff);
	pf_break(fs);
	pf_u(fs, o + 16, "ar$op.version", h->op_version);
	pf_u(fs, o + 17, "ar$op.type", h->op_type);
	pf_x(fs, o + 18, "ar$shtl", h->shtl, 2);
	pf_x(fs, o + 19, "ar$sstl", h->sstl, 2);
	pf_break(fs);
}

static void
pr_fields(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_pdu *pdu)
{
	struct fsink fs = { ob, po->mode, 0, false };

	pr_llc_fields(&fs, pdu);
	switch (pdu->kind) {
	case MARS_PDU_MARS:
		print_mars_fields(&fs, pdu);
		break;
	case MARS_PDU_SCSP:
		print_scsp_fields(&fs, pdu);
		break;
	case MARS_PDU_NHRP:
		pr_nhrp_fields(&fs, &pdu->u.nhrp);
		break;
	default:
		break;
	}
	pf_break(&fs);
}

void
mars_print_frame(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr, const struct mars_pdu *pdu)
{
	bool malformed = false;
	unsigned nc = 0;

	if (po->mode == MARS_PRINT_JSON) {
		print_json_frame(ob, po, fr, pdu);
		return;
	}
	if (pdu->verdict == 0 && pdu->kind == MARS_PDU_MARS &&
	    print_mars_join_frame(ob, po, fr, &pdu->u.mars))
		goto after_line;
	pr_time(ob, po, fr);
	pr_vc(ob, po, fr);
	malformed = mars_pdu_malformed(pdu);
	nc = mars_pdu_nonconf(pdu);
	if (malformed) {
		pr_malformed_what(ob, pdu);
		pr_malformed(ob, &pdu->err);
	} else {
		switch (pdu->kind) {
		case MARS_PDU_MARS:
			print_mars_line(ob, &pdu->u.mars);
			break;
		case MARS_PDU_SCSP:
			print_scsp_line(ob, &pdu->u.scsp);
			break;
		case MARS_PDU_NHRP:
			pr_nhrp_line(ob, &pdu->u.nhrp);
			break;
		case MARS_PDU_LLC_OTHER:
			pr_llc_line(ob, pdu);
			break;
		default:
			mars_out_write(ob, " not LLC/SNAP len ", 18);
			mars_out_u64(ob, pdu->len);
			break;
		}
		if (nc != 0)
			pr_nonconf_line(ob, pdu, nc);
	}
	mars_out_putc(ob, '\n');
after_line:
	if ((po->mode == MARS_PRINT_VERBOSE || po->mode == MARS_PRINT_TREE) &&
	    !malformed && pdu->kind != MARS_PDU_NONE) {
		pr_fields(ob, po, pdu);
		if (nc != 0)
			pr_nonconf_fields(ob, pdu, nc);
	}
	if (po->hex) {
		if (pdu->sdu != NULL)
			mars_print_hex(ob, pdu->sdu, pdu->len);
		else if (fr->sdu != NULL)
			mars_print_hex(ob, fr->sdu, fr->sdu_len);
	}
}

void
mars_print_frame_error(struct mars_out *ob, const struct mars_print_opts *po,
    const struct mars_frame *fr, const struct mars_err *err)
{
	if (po->mode == MARS_PRINT_JSON) {
		print_json_error(ob, po, fr, err);
		return;
	}
	pr_time(ob, po, fr);
	pr_vc(ob, po, fr);
	pr_malformed(ob, err);
	mars_out_putc(ob, '\n');
	if (po->hex && fr->data != NULL)
		mars_print_hex(ob, fr->data, fr->caplen);
}

/* "\t0x0010:  0000 0000 1f22 0000 0004 1400 0000 0000" per 16 octets. */
void
mars_print_hex(struct mars_out *ob, const uint8_t *p, size_t n)
{
	char line[3 + 6 + 2 + 40 + 1];
	size_t off, i, k, len;

	for (off = 0; off < n; off += 16) {
		line[0] = '\t';
		line[1] = '0';
		line[2] = 'x';
		for (i = 0; i < 4; i++)
			line[3 + i] = hexdigits[(off >> (4 * (3 - i))) & 0x0f];
		line[7] = ':';
		line[8] = ' ';
		len = 9;
		for (i = off, k = 0; i < n && k < 16; i++, k++) {
			if (k % 2 == 0)
				line[len++] = ' ';
			line[len++] = hexdigits[p[i] >> 4];
			line[len++] = hexdigits[p[i] & 0x0f];
		}
		line[len++] = '\n';
		mars_out_write(ob, line, len);
	}
}
