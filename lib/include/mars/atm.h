/*
 * ATM and protocol address text forms shared by all programs.
 * ATM numbers print as lowercase hex without separators (marsdump --json,
 * marsping); E.164 numbers likewise.  Writers fill caller buffers.
 */
#ifndef MARS_ATM_H
#define MARS_ATM_H

#include <stddef.h>
#include <stdint.h>

#include "mars/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_ATM_HEX_MAX	(2 * MARS_ATM_ADDR_MAX + 1)
#define MARS_PA_TEXT_MAX	46	/* INET6_ADDRSTRLEN */

/* Lowercase hex of n octets into buf (2n+1); returns chars written. */
size_t	mars_atm_hex(char *buf, const uint8_t *p, size_t n);

/* Value of one hex digit, -1 if c is not one. */
int	mars_atm_hexval(char c);

/*
 * Parse hex (dots, colons and dashes ignored) into out[cap]; returns the
 * number of octets, or -1 on a non-hex character, an odd digit count or
 * more than cap octets.
 */
int	mars_atm_parse_hex(const char *s, uint8_t *out, size_t cap);

/*
 * A protocol address in its usual notation: dotted quad for 4 octets, RFC
 * 5952 for 16 (IPv4-mapped as ::ffff:a.b.c.d), hex otherwise; "-" for a
 * null address.  buf holds MARS_PA_TEXT_MAX: hex longer than that shows the
 * leading octets followed by "..".  Returns the length written.
 */
size_t	mars_pa_text(char *buf, const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
