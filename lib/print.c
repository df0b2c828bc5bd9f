/*
 * Printers shared by every program (print.h, DESIGN.md rule 4): the
 * dispatcher, the text atoms every format uses (time, VC, addresses),
 * the malformed-frame line, NHRP and other-LLC lines, and the hex dump.
 *
 * The one-line and JSON printers sit on the hot path of marsdump, so
 * they append with ob_puts/ob_u64/ob_hex and never call printf; the
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

/* Two decimal digits of v (0..99) at d. */
static inline void
put2(char *d, unsigned v)
{
	d[0] = (char)('0' + v / 10 % 10);
	d[1] = (char)('0' + v % 10);
}

/* Six decimal digits of the microseconds at d. */
static inline void
put_usec(char *d, uint32_t usec)
{
	int i;

	usec %= 1000000;
	for (i = 5; i >= 0; i--) {
		d[i] = (char)('0' + usec % 10);
		usec /= 10;
	}
}

/* Seconds and microseconds since the epoch: "1700000000.000123". */
static void
pr_ts_abs(struct outbuf *ob, int64_t sec, uint32_t usec)
{
	char frac[7];

	if (sec < 0) {
		ob_putc(ob, '-');
		ob_u64(ob, (uint64_t)0 - (uint64_t)sec);
	} else
		ob_u64(ob, (uint64_t)sec);
	frac[0] = '.';
	put_usec(frac + 1, usec);
	ob_write(ob, frac, sizeof(frac));
}

/*
 * Local time of day "HH:MM:SS.uuuuuu", or seconds since the epoch with
 * -t abs.  localtime_r() runs only when the second changes.
 */
void
pr_time(struct outbuf *ob, const struct print_opts *po,
    const struct mars_frame *fr)
{
	char t[15];
	struct tm tm;
	time_t tt;

	if (po->abs_time) {
		pr_ts_abs(ob, fr->ts_sec, fr->ts_usec);
		return;
	}
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
	memcpy(t, ob->tcache_hms, 8);
	t[8] = '.';
	put_usec(t + 9, fr->ts_usec);
	ob_write(ob, t, sizeof(t));
}

void
pr_ts_json(struct outbuf *ob, const struct mars_frame *fr)
{
	pr_ts_abs(ob, fr->ts_sec, fr->ts_usec);
}

const char *
pr_dir_name(int dir)
{
	switch (dir) {
	case FRAME_DIR_RX:	return "rx";
	case FRAME_DIR_TX:	return "tx";
	}
	return NULL;
}

/* " [0/32 rx ccvc]" when the frame came with a VC; nothing otherwise. */
void
pr_vc(struct outbuf *ob, const struct print_opts *po,
    const struct mars_frame *fr)
{
	const char *dir, *kind;

	if (!fr->has_vc)
		return;
	ob_write(ob, " [", 2);
	ob_u64(ob, fr->vpi);
	ob_putc(ob, '/');
	ob_u64(ob, fr->vci);
	if ((dir = pr_dir_name(fr->dir)) != NULL) {
		ob_putc(ob, ' ');
		ob_puts(ob, dir);
	}
	if (fr->vc_kind != LAB_VC_UNKNOWN) {
		kind = po->numeric || fr->vc_kind > LAB_VC_KIND_MAX ? NULL :
		    lab_vc_kind_name(fr->vc_kind);
		if (kind != NULL) {
			ob_putc(ob, ' ');
			ob_puts(ob, kind);
		} else {
			ob_write(ob, " kind ", 6);
			ob_u64(ob, fr->vc_kind);
		}
	}
	ob_putc(ob, ']');
}

/* "0x" and exactly `digits` lowercase hex digits of v. */
void
pr_x(struct outbuf *ob, uint32_t v, unsigned digits)
{
	char t[10];
	unsigned i;

	if (digits > 8)
		digits = 8;
	t[0] = '0';
	t[1] = 'x';
	for (i = 0; i < digits; i++)
		t[2 + i] = hexdigits[(v >> (4 * (digits - 1 - i))) & 0x0f];
	ob_write(ob, t, 2 + digits);
}

void
pr_s32(struct outbuf *ob, int64_t v)
{
	if (v < 0) {
		ob_putc(ob, '-');
		ob_u64(ob, (uint64_t)0 - (uint64_t)v);
	} else
		ob_u64(ob, (uint64_t)v);
}

/* ATM number or subaddress as lowercase hex (PROTOCOL.md 2.2), "-" if null. */
void
pr_atm(struct outbuf *ob, const struct mars_atm *a)
{
	size_t n = a->tl & ATM_TL_LEN;

	if (n == 0 || a->addr == NULL)
		ob_putc(ob, '-');
	else
		ob_hex(ob, a->addr, n);
}

void
pr_atm_sub(struct outbuf *ob, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	pr_atm(ob, num);
	if ((sub->tl & ATM_TL_LEN) != 0 && sub->addr != NULL) {
		ob_putc(ob, '/');
		ob_hex(ob, sub->addr, sub->tl & ATM_TL_LEN);
	}
}

/* Dotted quad without printf; d needs 15 octets. */
static size_t
ipv4_text(char *d, const uint8_t *p)
{
	size_t n = 0;
	unsigned v;
	int i;

	for (i = 0; i < 4; i++) {
		v = p[i];
		if (i > 0)
			d[n++] = '.';
		if (v >= 100)
			d[n++] = (char)('0' + v / 100);
		if (v >= 10)
			d[n++] = (char)('0' + v / 10 % 10);
		d[n++] = (char)('0' + v % 10);
	}
	return n;
}

/* Protocol address in its usual notation; "" when null. */
void
pr_pa_bare(struct outbuf *ob, const uint8_t *p, size_t n)
{
	char t[PA_TEXT_MAX + 64];
	size_t len;

	if (n == 0 || p == NULL)
		return;
	if (n == 4) {
		len = ipv4_text(t, p);
		ob_write(ob, t, len);
		return;
	}
	if (n == 16) {
		len = pa_text(t, p, n);
		ob_write(ob, t, len);
		return;
	}
	ob_hex(ob, p, n);
}

void
pr_pa(struct outbuf *ob, const uint8_t *p, size_t n)
{
	if (n == 0 || p == NULL)
		ob_putc(ob, '-');
	else
		pr_pa_bare(ob, p, n);
}

/* " MALFORMED truncated at offset 36 (mar$sha): need 20, have 12" */
static void
pr_malformed(struct outbuf *ob, const struct mars_err *err, bool why)
{
	ob_write(ob, " MALFORMED ", 11);
	ob_puts(ob, mars_err_reason(err->code));
	ob_write(ob, " at offset ", 11);
	ob_u64(ob, err->offset);
	ob_write(ob, " (", 2);
	ob_puts(ob, err->field != NULL ? err->field : "?");
	ob_putc(ob, ')');
	if (err->code == MARS_E_TRUNC) {
		ob_write(ob, ": need ", 7);
		ob_u64(ob, err->need);
		ob_write(ob, ", have ", 7);
		ob_u64(ob, err->have);
	} else if (why && err->why != NULL) {
		ob_write(ob, ": ", 2);
		ob_puts(ob, err->why);
	}
}

/*
 * Verdicts that leave the decoded view complete: the message is well
 * formed and a conforming receiver drops it (RFC 2022 §4.3.3, §10.2;
 * RFC 2334 B.1).
 */
static bool
pdu_complete(const struct mars_pdu *pdu)
{
	if (pdu->verdict == 0)
		return pdu->kind != PDU_NONE;
	switch (pdu->kind) {
	case PDU_MARS:
		return pdu->verdict == MARS_E_CHKSUM ||
		    pdu->verdict == MARS_E_TLV_DROP ||
		    pdu->verdict == MARS_E_TLV_ERROR;
	case PDU_SCSP:
		return pdu->verdict == MARS_E_CHKSUM;
	case PDU_LLC_OTHER:
		return pdu->verdict == MARS_E_NOTOURS;
	default:
		return false;
	}
}

/* NHRP fixed header, RFC 2332 §5.1: recognised, not interpreted. */
static void
pr_nhrp_line(struct outbuf *ob, const struct nhrp_hdr *h)
{
	ob_write(ob, " NHRP op ", 9);
	ob_u64(ob, h->op_type);
	ob_write(ob, " version ", 9);
	ob_u64(ob, h->op_version);
	ob_write(ob, " afn ", 5);
	pr_x(ob, h->afn, 4);
	ob_write(ob, " pro ", 5);
	pr_x(ob, h->pro_type, 4);
	ob_write(ob, " pktsz ", 7);
	ob_u64(ob, h->pktsz);
	ob_puts(ob, " (not MARS)");
}

/* Another LLC/SNAP payload (RFC 2684): data, ATMARP. */
static void
pr_llc_line(struct outbuf *ob, const struct mars_pdu *pdu)
{
	ob_write(ob, " LLC oui ", 9);
	pr_x(ob, pdu->oui, 6);
	ob_write(ob, " pid ", 5);
	pr_x(ob, pdu->pid, 4);
	ob_write(ob, " len ", 5);
	ob_u64(ob, pdu->len);
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
pr_nhrp_fields(struct fsink *fs, const struct nhrp_hdr *h)
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
pr_fields(struct outbuf *ob, const struct print_opts *po,
    const struct mars_pdu *pdu)
{
	struct fsink fs = { ob, po->mode, 0, false };

	pr_llc_fields(&fs, pdu);
	switch (pdu->kind) {
	case PDU_MARS:
		print_mars_fields(&fs, pdu);
		break;
	case PDU_SCSP:
		print_scsp_fields(&fs, pdu);
		break;
	case PDU_NHRP:
		pr_nhrp_fields(&fs, &pdu->u.nhrp);
		break;
	default:
		break;
	}
	pf_break(&fs);
}

void
print_frame(struct outbuf *ob, const struct print_opts *po,
    const struct mars_frame *fr, const struct mars_pdu *pdu)
{
	const char *name;
	bool complete;

	if (po->mode == PRINT_JSON) {
		print_json_frame(ob, po, fr, pdu);
		return;
	}
	pr_time(ob, po, fr);
	pr_vc(ob, po, fr);
	complete = pdu_complete(pdu);
	if (pdu->verdict != 0 && pdu->kind != PDU_LLC_OTHER) {
		pr_malformed(ob, &pdu->err, !complete);
		if (complete && pdu->kind == PDU_MARS &&
		    (name = mars_op_name(pdu->u.mars.op)) != NULL) {
			ob_putc(ob, ' ');
			ob_puts(ob, name);
		} else if (complete && pdu->kind == PDU_SCSP &&
		    (name = scsp_type_name(pdu->u.scsp.type)) != NULL) {
			ob_write(ob, " SCSP ", 6);
			ob_puts(ob, name);
		}
	} else {
		switch (pdu->kind) {
		case PDU_MARS:
			print_mars_line(ob, &pdu->u.mars);
			break;
		case PDU_SCSP:
			print_scsp_line(ob, &pdu->u.scsp);
			break;
		case PDU_NHRP:
			pr_nhrp_line(ob, &pdu->u.nhrp);
			break;
		case PDU_LLC_OTHER:
			pr_llc_line(ob, pdu);
			break;
		default:
			ob_write(ob, " not LLC/SNAP len ", 18);
			ob_u64(ob, pdu->len);
			break;
		}
	}
	ob_putc(ob, '\n');
	if ((po->mode == PRINT_VERBOSE || po->mode == PRINT_TREE) && complete)
		pr_fields(ob, po, pdu);
	if (po->hex) {
		if (pdu->sdu != NULL)
			print_hex(ob, pdu->sdu, pdu->len);
		else if (fr->sdu != NULL)
			print_hex(ob, fr->sdu, fr->sdu_len);
	}
}

void
print_frame_error(struct outbuf *ob, const struct print_opts *po,
    const struct mars_frame *fr, const struct mars_err *err)
{
	if (po->mode == PRINT_JSON) {
		print_json_error(ob, fr, err, NULL);
		return;
	}
	pr_time(ob, po, fr);
	pr_vc(ob, po, fr);
	pr_malformed(ob, err, true);
	ob_putc(ob, '\n');
	if (po->hex && fr->data != NULL)
		print_hex(ob, fr->data, fr->caplen);
}

/* "\t0x0010:  0000 0000 1f22 0000 0004 1400 0000 0000" per 16 octets. */
void
print_hex(struct outbuf *ob, const uint8_t *p, size_t n)
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
		ob_write(ob, line, len);
	}
}
