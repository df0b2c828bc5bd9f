/*
 * Private interface between the printer files (print.c, print_mars.c,
 * print_scsp.c, print_json.c).  Not installed, not for programs: they
 * use mars/print.h.
 */
#ifndef MARS_PRINT_INT_H
#define MARS_PRINT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/out.h"
#include "mars/pdu.h"
#include "mars/print.h"
#include "mars/proto.h"

/* Offset of the first message octet in the SDU: after LLC/SNAP. */
#define PR_MSG_OFF	MARS_LLC_SNAP_LEN

/*
 * Cursor forms of the atoms below, for printers that reserve a span
 * (out.h) and write several fields into it: each returns the end of what
 * it wrote and writes at most the octets its bound says.
 */
#define PC_TIME_MAX	32			/* pc_time */
#define PC_PA_LEN_MAX	255			/* pc_pa: address octets */
#define PC_PA_MAX	(2 * PC_PA_LEN_MAX + 2)	/* pc_pa, pc_pa_bare */
#define PC_ATM_MAX	(2 * MARS_ATM_TL_LEN)	/* pc_atm */
#define PC_ATM_SUB_MAX	(2 * PC_ATM_MAX + 1)	/* pc_atm_sub */

char	*pc_time(char *d, struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr);	/* ob: time-of-day cache */
char	*pc_pa_other(char *d, const uint8_t *p, size_t n);
extern const char pr_ipv4_dec[256][6];

/*
 * Dotted quad without printf.  Writes 16 octets at d (the last copy's
 * padding), returns the end of the 7 to 15 that count.
 */
static inline char *
pc_ipv4(char *d, const uint8_t *p)
{
	int i;

	for (i = 0; i < 4; i++) {
		memcpy(d, pr_ipv4_dec[p[i]], 4);
		d += pr_ipv4_dec[p[i]][4];
	}
	return d - 1;		/* no dot after the last octet */
}

/* Protocol address in its usual notation; "" when null.  n <= 255. */
static inline char *
pc_pa_bare(char *d, const uint8_t *p, size_t n)
{
	if (n == 4 && p != NULL)
		return pc_ipv4(d, p);
	return pc_pa_other(d, p, n);
}

/* The same, "-" when null. */
static inline char *
pc_pa(char *d, const uint8_t *p, size_t n)
{
	if (n == 0 || p == NULL) {
		*d = '-';
		return d + 1;
	}
	return pc_pa_bare(d, p, n);
}
char	*pc_x(char *d, uint32_t v, unsigned digits);	/* at most 10 */
char	*pc_atm(char *d, const struct mars_atm *a);
char	*pc_atm_sub(char *d, const struct mars_atm *num,
	    const struct mars_atm *sub);

/* Text atoms shared by the line, field and JSON printers. */
void	pr_time(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr);
void	pr_ts_json(struct mars_out *ob, const struct mars_frame *fr);
void	pr_vc(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr);
void	pr_atm(struct mars_out *ob, const struct mars_atm *a);	/* hex or "-" */
void	pr_atm_sub(struct mars_out *ob, const struct mars_atm *num,
	    const struct mars_atm *sub);			/* hex[/subhex] */
void	pr_pa(struct mars_out *ob, const uint8_t *p, size_t n);	/* or "-" */
void	pr_pa_bare(struct mars_out *ob, const uint8_t *p, size_t n); /* "" if null */
void	pr_x(struct mars_out *ob, uint32_t v, unsigned digits);	/* 0x%0*x */
void	pr_s32(struct mars_out *ob, int64_t v);
const char *pr_dir_name(int dir);

/*
 * Field sink for -v (name value pairs, grouped on lines) and -vv (one
 * field per line, "[offset] name value", indented by nesting).  A field
 * is opened with pf_open(), its value written with the ob_* calls, then
 * closed with pf_close(); the pf_* helpers do all three.
 */
struct fsink {
	struct mars_out	*ob;
	enum mars_print_mode	 mode;		/* MARS_PRINT_VERBOSE or MARS_PRINT_TREE */
	int		 depth;
	bool		 open;		/* verbose: a line has been started */
};

void	pf_open(struct fsink *fs, uint32_t off, const char *name);
void	pf_close(struct fsink *fs);
void	pf_break(struct fsink *fs);		/* verbose: end the line */
void	pf_node(struct fsink *fs, uint32_t off, const char *name,
	    unsigned idx);			/* name.idx when idx != 0 */
void	pf_node_end(struct fsink *fs);
bool	pf_tree(const struct fsink *fs);	/* derived detail wanted */
void	pf_u(struct fsink *fs, uint32_t off, const char *name, uint64_t v);
void	pf_x(struct fsink *fs, uint32_t off, const char *name, uint32_t v,
	    unsigned digits);
void	pf_bool(struct fsink *fs, uint32_t off, const char *name, bool v);
void	pf_hex(struct fsink *fs, uint32_t off, const char *name,
	    const uint8_t *p, size_t n);
void	pf_str(struct fsink *fs, uint32_t off, const char *name, const char *s);
void	pf_pa(struct fsink *fs, uint32_t off, const char *name,
	    const uint8_t *p, size_t n);
void	pf_atm(struct fsink *fs, uint32_t off, const char *name,
	    const struct mars_atm *a);
void	pf_tl(struct fsink *fs, uint32_t off, const char *name, uint8_t tl);
/* Name with a 1-based index: "mar$tha" 3 -> "mar$tha.3" into buf. */
const char *pf_iname(char *buf, size_t len, const char *name, unsigned idx);

/*
 * Malformed and nonconforming (pdu.h): the reason word of a malformed
 * frame, whether its operation or type was read, and the RFC section and
 * sentence of a nonconformity (an SCSP Checksum is RFC 2334 B.1's).
 */
const char *pr_reason(int code);
bool	pr_op_known(const struct mars_pdu *pdu);
const char *pr_nonconf_ref(const struct mars_pdu *pdu, unsigned bit);
const char *pr_nonconf_text(const struct mars_pdu *pdu, unsigned bit);

/* Per-kind printers. */
void	print_mars_line(struct mars_out *ob, const struct mars_msg *m);
/* Time to newline of a common family C message; false: not that shape. */
bool	print_mars_join_frame(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr, const struct mars_msg *m);
void	print_mars_fields(struct fsink *fs, const struct mars_pdu *pdu);
void	print_scsp_line(struct mars_out *ob, const struct mars_scsp_msg *m);
void	print_scsp_fields(struct fsink *fs, const struct mars_pdu *pdu);
void	print_json_frame(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr, const struct mars_pdu *pdu);
void	print_json_error(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr, const struct mars_err *err);

#endif
