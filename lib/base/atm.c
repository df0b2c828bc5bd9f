/*
 * Text forms of ATM numbers (RFC 2022 §5.1.2, RFC 2225 §8.7.3) and of
 * protocol addresses (mar$spa, mar$tpa, group addresses).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mars/atm.h"

static const char hexdig[] = "0123456789abcdef";

size_t
mars_atm_hex(char *buf, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf[2 * i] = hexdig[p[i] >> 4];
		buf[2 * i + 1] = hexdig[p[i] & 0x0f];
	}
	buf[2 * n] = '\0';
	return 2 * n;
}

int
mars_atm_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mars_atm_parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == '.' || *s == ':' || *s == '-')
			continue;
		if ((v = mars_atm_hexval(*s)) < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -1;		/* odd number of digits */
	return (int)n;
}

/*
 * RFC 5952: lowercase, no leading zeros, the longest run of two or more
 * zero groups (the first on a tie) becomes "::", and IPv4-mapped
 * addresses (::ffff:0:0/96) end in dotted-quad form (§5).
 */
static size_t
ipv6_text(char *buf, const uint8_t *p)
{
	uint16_t g[8];
	int best = -1, bestlen = 0, run = -1, runlen = 0;
	int i, n = 0, last;
	for (i = 0; i < 8; i++)
		g[i] = (uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
	for (i = 0; i < 8; i++) {
		if (g[i] == 0) {
			if (run < 0) {
				run = i;
				runlen = 0;
			}
			runlen++;
			if (runlen > bestlen) {
				best = run;
				bestlen = runlen;
			}
		} else
			run = -1;
	}
	if (bestlen < 2)
		best = -1;

	last = 8;
	if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 &&
	    g[5] == 0xffff)
		last = 6;	/* IPv4-mapped: "::ffff:" then the quad */
	if (best >= 0 && best + bestlen > last)
		bestlen = last - best;

	for (i = 0; i < last; i++) {
		if (i == best) {
			n += sprintf(buf + n, "::");
			i += bestlen - 1;
			continue;
		}
		if (n > 0 && buf[n - 1] != ':')
			buf[n++] = ':';
		n += sprintf(buf + n, "%x", g[i]);
	}
	if (last == 6) {
		if (buf[n - 1] != ':')
			buf[n++] = ':';
		n += sprintf(buf + n, "%u.%u.%u.%u", p[12], p[13], p[14],
		    p[15]);
	}
	buf[n] = '\0';
	return (size_t)n;
}

size_t
mars_pa_text(char *buf, const uint8_t *p, size_t n)
{
	size_t shown;

	if (p == NULL || n == 0) {
		buf[0] = '-';
		buf[1] = '\0';
		return 1;
	}
	if (n == 4)
		return (size_t)sprintf(buf, "%u.%u.%u.%u", p[0], p[1], p[2],
		    p[3]);
	if (n == 16)
		return ipv6_text(buf, p);
	/* Other lengths: hex, cut to fit MARS_PA_TEXT_MAX with a ".." marker. */
	if (2 * n + 1 <= MARS_PA_TEXT_MAX)
		return mars_atm_hex(buf, p, n);
	shown = (MARS_PA_TEXT_MAX - 3) / 2;
	mars_atm_hex(buf, p, shown);
	buf[2 * shown] = '.';
	buf[2 * shown + 1] = '.';
	buf[2 * shown + 2] = '\0';
	return 2 * shown + 2;
}
