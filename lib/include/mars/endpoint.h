/*
 * Transport endpoints as written on command lines and in cluster files
 * (DESIGN.md "Transports", mars-lab(7)):
 *
 *   udp:HOST:PORT        udp:127.0.0.1:4500, udp:[::1]:4500, udp:mars1:4500
 *   atmpvc:ITF.VPI.VCI   atmpvc:0.0.100
 *   atmsvc:NSAP          atmsvc:47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
 *
 * Parsing is purely syntactic (no name lookup); mars_endpoint_resolve() turns a
 * udp endpoint into a socket address.  Port 0 parses: it means "any free
 * port" when binding and is refused when sending.
 */
#ifndef MARS_ENDPOINT_H
#define MARS_ENDPOINT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mars_endpoint_kind {
	MARS_ENDPOINT_NONE	= 0,
	MARS_ENDPOINT_UDP	= 1,
	MARS_ENDPOINT_ATMPVC	= 2,
	MARS_ENDPOINT_ATMSVC	= 3,
};

#define MARS_ENDPOINT_HOST_MAX	256	/* host name or address, NUL included */
#define MARS_ENDPOINT_TEXT_MAX	(MARS_ENDPOINT_HOST_MAX + 16)
#define MARS_ENDPOINT_ATM_VPI_MAX	4095	/* 12-bit NNI VPI */
#define MARS_ENDPOINT_ATM_ITF_MAX	1023

struct mars_endpoint {
	int		 kind;		/* enum mars_endpoint_kind */
	/* udp: host as written, IPv6 without its brackets */
	char		 host[MARS_ENDPOINT_HOST_MAX];
	uint16_t	 port;
	bool		 ipv6_literal;	/* written in brackets */
	/* atmpvc */
	uint16_t	 itf;
	uint16_t	 vpi;
	uint16_t	 vci;
	/* atmsvc: a 20-octet NSAP address */
	uint8_t		 nsap[MARS_ATM_ADDR_MAX];
	uint8_t		 nsap_len;
};

/*
 * Parse text into *ep.  Returns 0, or MARS_E_PARSE with err->why naming
 * the problem and err->offset the character position of it.
 */
int	mars_endpoint_parse(struct mars_endpoint *ep, const char *text,
	    struct mars_err *err);

/*
 * Canonical text of ep ("udp:[::1]:4500", "atmpvc:0.0.100",
 * "atmsvc:<40 lowercase hex digits>").  Always NUL-terminates; returns
 * what snprintf would (MARS_ENDPOINT_TEXT_MAX always suffices).
 */
int	mars_endpoint_format(const struct mars_endpoint *ep, char *buf, size_t len);

/* Same host text (case-insensitive) and port, or same ATM address. */
bool	mars_endpoint_equal(const struct mars_endpoint *a, const struct mars_endpoint *b);

/*
 * Resolve a udp endpoint with getaddrinfo(3), numeric forms first.
 * family is AF_UNSPEC, AF_INET or AF_INET6; passive asks for an address
 * to bind (an empty host is not accepted, write 0.0.0.0 or [::]).
 * Returns 0, MARS_E_INVAL for a non-udp endpoint, or MARS_E_PARSE when
 * the name does not resolve (err->why is getaddrinfo's message).
 */
int	mars_endpoint_resolve(const struct mars_endpoint *ep, int family, bool passive,
	    struct sockaddr_storage *ss, socklen_t *sslen, struct mars_err *err);

/* The udp endpoint of a socket address (numeric host).  0 or MARS_E_INVAL. */
int	mars_endpoint_from_sockaddr(struct mars_endpoint *ep, const struct sockaddr *sa,
	    socklen_t salen);

#ifdef __cplusplus
}
#endif

#endif
