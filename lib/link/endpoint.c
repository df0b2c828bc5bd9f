/*
 * Endpoint text: udp:HOST:PORT, atmpvc:ITF.VPI.VCI, atmsvc:NSAP
 * (endpoint.h, mars-lab(7)).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mars/endpoint.h"
#include "mars/atm.h"
#include "mars/err.h"

static int
parse_fail(struct mars_err *err, size_t offset, const char *why)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = MARS_E_PARSE;
		err->offset = (uint32_t)offset;
		err->field = "endpoint";
		err->why = why;
	}
	return MARS_E_PARSE;
}

/*
 * Decimal number at s[*pos] of at most max; advances *pos.  Returns 0,
 * -1 when there is no digit, -2 when the value exceeds max.
 */
static int
parse_decimal(const char *s, size_t *pos, unsigned long max,
    unsigned long *out)
{
	unsigned long v = 0;
	size_t i = *pos;

	if (!isdigit((unsigned char)s[i]))
		return -1;
	for (; isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -2;
	}
	*pos = i;
	*out = v;
	return 0;
}

static bool
host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* udp:HOST:PORT; s points after "udp:", base is its offset in the text. */
static int
parse_udp(struct mars_endpoint *ep, const char *s, size_t base,
    struct mars_err *err)
{
	const char *hs, *he, *colon;
	unsigned long port;
	size_t i, pos;
	char addr[MARS_ENDPOINT_HOST_MAX];
	struct in6_addr a6;
	int rc;

	if (s[0] == '[') {
		hs = s + 1;
		he = strchr(hs, ']');
		if (he == NULL)
			return parse_fail(err, base,
			    "missing ']' after IPv6 address");
		if (he == hs)
			return parse_fail(err, base + 1, "empty IPv6 address");
		if ((size_t)(he - hs) >= sizeof(addr))
			return parse_fail(err, base + 1, "IPv6 address too long");
		memcpy(addr, hs, (size_t)(he - hs));
		addr[he - hs] = '\0';
		/* A zone ("%lo") may follow the address itself. */
		addr[strcspn(addr, "%")] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return parse_fail(err, base + 1,
			    "not an IPv6 address inside the brackets");
		if (he[1] != ':')
			return parse_fail(err, base + (size_t)(he - s) + 1,
			    "expected ':PORT' after ']'");
		colon = he + 1;
		ep->ipv6_literal = true;
	} else {
		hs = s;
		colon = strchr(s, ':');
		if (colon == NULL)
			return parse_fail(err, base + strlen(s),
			    "expected ':PORT' after the host");
		if (strchr(colon + 1, ':') != NULL)
			return parse_fail(err, base,
			    "IPv6 addresses must be written in brackets");
		he = colon;
		if (he == hs)
			return parse_fail(err, base, "missing host");
		for (i = 0; hs + i < he; i++)
			if (!host_char_ok(hs[i]))
				return parse_fail(err, base + i,
				    "invalid character in host name");
	}
	if ((size_t)(he - hs) >= sizeof(ep->host))
		return parse_fail(err, base, "host name too long");
	memcpy(ep->host, hs, (size_t)(he - hs));
	ep->host[he - hs] = '\0';

	pos = (size_t)(colon - s) + 1;
	rc = parse_decimal(s, &pos, 65535, &port);
	if (rc == -1)
		return parse_fail(err, base + pos, s[pos] == '\0' ?
		    "missing port" : "port is not a number");
	if (rc == -2)
		return parse_fail(err, base + pos, "port out of range (0-65535)");
	if (s[pos] != '\0')
		return parse_fail(err, base + pos, "trailing characters after port");
	ep->port = (uint16_t)port;
	ep->kind = MARS_ENDPOINT_UDP;
	return 0;
}

/* atmpvc:ITF.VPI.VCI (the Linux ATM text form of a PVC address). */
static int
parse_atmpvc(struct mars_endpoint *ep, const char *s, size_t base,
    struct mars_err *err)
{
	static const struct {
		const char	*name;
		unsigned long	 max;
		const char	*range;
	} part[3] = {
		{ "interface",	MARS_ENDPOINT_ATM_ITF_MAX,	"interface out of range (0-1023)" },
		{ "VPI",	MARS_ENDPOINT_ATM_VPI_MAX,	"VPI out of range (0-4095)" },
		{ "VCI",	65535,			"VCI out of range (0-65535)" },
	};
	unsigned long v[3];
	size_t pos = 0;
	int i, rc;

	for (i = 0; i < 3; i++) {
		rc = parse_decimal(s, &pos, part[i].max, &v[i]);
		if (rc == -1)
			return parse_fail(err, base + pos,
			    "expected ITF.VPI.VCI (three decimal numbers)");
		if (rc == -2)
			return parse_fail(err, base + pos, part[i].range);
		if (i < 2) {
			if (s[pos] != '.')
				return parse_fail(err, base + pos,
				    "expected ITF.VPI.VCI (three decimal numbers)");
			pos++;
		}
	}
	if (s[pos] != '\0')
		return parse_fail(err, base + pos, "trailing characters after VCI");
	ep->itf = (uint16_t)v[0];
	ep->vpi = (uint16_t)v[1];
	ep->vci = (uint16_t)v[2];
	ep->kind = MARS_ENDPOINT_ATMPVC;
	return 0;
}

/* atmsvc:NSAP: 40 hex digits (20 octets, RFC 2225 §8.7.3), dots allowed. */
static int
parse_atmsvc(struct mars_endpoint *ep, const char *s, size_t base,
    struct mars_err *err)
{
	size_t i, digits = 0;
	int h;

	memset(ep->nsap, 0, sizeof(ep->nsap));
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.')
			continue;
		if ((h = mars_atm_hexval(s[i])) < 0)
			return parse_fail(err, base + i,
			    "invalid character in NSAP address");
		if (digits == 2 * MARS_ATM_ADDR_MAX)
			return parse_fail(err, base + i,
			    "NSAP address longer than 40 hex digits");
		ep->nsap[digits / 2] |= (uint8_t)(digits % 2 == 0 ? h << 4 : h);
		digits++;
	}
	if (digits != 2 * MARS_ATM_ADDR_MAX)
		return parse_fail(err, base + i,
		    "NSAP address needs 40 hex digits");
	ep->nsap_len = MARS_ATM_ADDR_MAX;
	ep->kind = MARS_ENDPOINT_ATMSVC;
	return 0;
}

int
mars_endpoint_parse(struct mars_endpoint *ep, const char *text, struct mars_err *err)
{
	static const struct {
		const char	*prefix;
		int		(*parse)(struct mars_endpoint *, const char *, size_t,
				    struct mars_err *);
	} kinds[] = {
		{ "udp:",	parse_udp },
		{ "atmpvc:",	parse_atmpvc },
		{ "atmsvc:",	parse_atmsvc },
	};
	size_t i, n;

	memset(ep, 0, sizeof(*ep));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i].prefix);
		if (strncmp(text, kinds[i].prefix, n) == 0)
			return kinds[i].parse(ep, text + n, n, err);
	}
	return parse_fail(err, 0,
	    "unknown endpoint type (expected udp:, atmpvc: or atmsvc:)");
}

int
mars_endpoint_format(const struct mars_endpoint *ep, char *buf, size_t len)
{
	char hex[2 * MARS_ATM_ADDR_MAX + 1];
	size_t i;

	switch (ep->kind) {
	case MARS_ENDPOINT_UDP:
		if (ep->ipv6_literal || strchr(ep->host, ':') != NULL)
			return snprintf(buf, len, "udp:[%s]:%u", ep->host,
			    (unsigned)ep->port);
		return snprintf(buf, len, "udp:%s:%u", ep->host,
		    (unsigned)ep->port);
	case MARS_ENDPOINT_ATMPVC:
		return snprintf(buf, len, "atmpvc:%u.%u.%u", (unsigned)ep->itf,
		    (unsigned)ep->vpi, (unsigned)ep->vci);
	case MARS_ENDPOINT_ATMSVC:
		for (i = 0; i < ep->nsap_len && i < MARS_ATM_ADDR_MAX; i++)
			snprintf(hex + 2 * i, 3, "%02x", ep->nsap[i]);
		hex[2 * i] = '\0';
		return snprintf(buf, len, "atmsvc:%s", hex);
	}
	return snprintf(buf, len, "none");
}

bool
mars_endpoint_equal(const struct mars_endpoint *a, const struct mars_endpoint *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case MARS_ENDPOINT_UDP:
		return a->port == b->port && strcasecmp(a->host, b->host) == 0;
	case MARS_ENDPOINT_ATMPVC:
		return a->itf == b->itf && a->vpi == b->vpi && a->vci == b->vci;
	case MARS_ENDPOINT_ATMSVC:
		return a->nsap_len == b->nsap_len &&
		    memcmp(a->nsap, b->nsap, a->nsap_len) == 0;
	}
	return true;
}

int
mars_endpoint_resolve(const struct mars_endpoint *ep, int family, bool passive,
    struct sockaddr_storage *ss, socklen_t *sslen, struct mars_err *err)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	if (ep->kind != MARS_ENDPOINT_UDP) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			err->code = MARS_E_INVAL;
			err->field = "endpoint";
			err->why = "not a udp endpoint";
		}
		return MARS_E_INVAL;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)ep->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
	    (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(ep->host, port, &hints, &res);
	if (rc == EAI_NONAME && !ep->ipv6_literal) {
		hints.ai_flags &= ~AI_NUMERICHOST;
		rc = getaddrinfo(ep->host, port, &hints, &res);
	}
	if (rc != 0 || res == NULL) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			err->code = MARS_E_PARSE;
			err->field = "host";
			err->why = rc != 0 ? gai_strerror(rc) : "no address";
		}
		if (res != NULL)
			freeaddrinfo(res);
		return MARS_E_PARSE;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = (socklen_t)res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
mars_endpoint_from_sockaddr(struct mars_endpoint *ep, const struct sockaddr *sa,
    socklen_t salen)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET && salen >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, ep->host, sizeof(ep->host));
		ep->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6 && salen >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ep->host, sizeof(ep->host));
		ep->port = ntohs(sin6->sin6_port);
		ep->ipv6_literal = true;
	} else
		return MARS_E_INVAL;
	ep->kind = MARS_ENDPOINT_UDP;
	return 0;
}
