/*
 * The UDP lab transport (link.h, mars-lab(7)): emulated ATM VCs, one AAL5
 * SDU per datagram behind the lab shim (shim.h).
 *
 * Peers sit in an array indexed by id - 1 and in a hash of their socket
 * address, so a server with many members finds the sender of a datagram
 * without a scan.  The leaves of the two pt-mpt VCs are arrays of peer
 * ids, and each peer carries a bit per VC it is a leaf of.  The retry
 * queue (link.h) is a ring of datagrams refused for a full buffer, each
 * with the address it was for, so that a peer forgotten meanwhile (and
 * its id reused) cannot receive another one's reply.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#ifdef __linux__
#include <linux/errqueue.h>
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/link.h"
#include "mars/shim.h"

#define LINK_BUCKETS	1024		/* power of two */
#define LINK_SOCKBUF	(1 << 20)

struct link_peer {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	bool			 in_use;
	bool			 adopt;		/* take the label the peer uses */
	uint8_t			 leaf_mask;	/* 1 << kind */
	uint16_t		 vpi;
	uint16_t		 vci;
	uint32_t		 hnext;		/* hash chain, 0 ends it */
	uint32_t		 next_free;	/* free list, 0 ends it */
};

struct leaf_set {
	uint32_t	*ids;
	size_t		 n;
	size_t		 cap;
};

/* A p2p datagram waiting for room in the socket buffer. */
struct retry {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	uint64_t		 expires;	/* monotonic ms */
	size_t			 len;		/* shim + SDU */
	uint8_t			*dgram;
};

struct mars_link {
	int			 fd;
	int			 family;
	unsigned		 flags;
	struct link_peer	*peers;
	size_t			 cappeers;
	size_t			 used;		/* high-water mark of ids */
	size_t			 npeers;
	uint32_t		 free_head;
	uint32_t		 buckets[LINK_BUCKETS];
	struct leaf_set		 leaves[2];	/* ccvc, scvc */
	struct mars_link_stats	 st;
	int			 lost_errno;	/* of the last mars_link_lost() */
	struct retry		*rq;		/* ring of rq_cap */
	size_t			 rq_cap;
	size_t			 rq_head;
	size_t			 rq_n;
	size_t			 rq_max;	/* datagrams */
	unsigned		 rq_ms;		/* how long one may wait */
};

static int
fail(struct mars_err *err, int code, const char *field, const char *why)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = code;
		err->field = field;
		err->why = why;
		if (code == MARS_E_SYS)
			err->sys_errno = errno;
	}
	return code;
}

/* --- peers --- */

static struct link_peer *
peer_get(const struct mars_link *l, uint32_t id)
{
	if (id == 0 || id > l->used || !l->peers[id - 1].in_use)
		return NULL;
	return &l->peers[id - 1];
}

/* Address and port bytes, the hash and equality key of a peer. */
static size_t
addr_key(const struct sockaddr_storage *ss, const uint8_t **a, uint16_t *port)
{
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		*a = (const uint8_t *)&sin->sin_addr;
		*port = sin->sin_port;
		return sizeof(sin->sin_addr);
	}
	*a = (const uint8_t *)&sin6->sin6_addr;
	*port = sin6->sin6_port;
	return sizeof(sin6->sin6_addr);
}

static uint32_t
addr_hash(const struct sockaddr_storage *ss)
{
	const uint8_t *a;
	uint16_t port;
	size_t n, i;
	uint32_t h = 2166136261u;		/* FNV-1a */

	n = addr_key(ss, &a, &port);
	for (i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h & (LINK_BUCKETS - 1);
}

static bool
addr_equal(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
	const uint8_t *a, *b;
	uint16_t pa, pb;
	size_t n;

	if (x->ss_family != y->ss_family)
		return false;
	n = addr_key(x, &a, &pa);
	addr_key(y, &b, &pb);
	if (pa != pb || memcmp(a, b, n) != 0)
		return false;
	if (x->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)(const void *)x)->sin6_scope_id ==
		    ((const struct sockaddr_in6 *)(const void *)y)->sin6_scope_id;
	return true;
}

/*
 * The address as this socket sends to it: IPv4 becomes v4-mapped on an
 * IPv6 socket.  false when the socket cannot reach it.
 */
static bool
addr_normalise(const struct mars_link *l, const struct sockaddr *sa,
    socklen_t salen, struct sockaddr_storage *out, socklen_t *outlen)
{
	const struct sockaddr_in *sin;
	struct sockaddr_in6 *m;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == l->family) {
		if (salen > sizeof(*out) || salen < (l->family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)))
			return false;
		memcpy(out, sa, salen);
		*outlen = salen;
		return true;
	}
	if (sa->sa_family != AF_INET || l->family != AF_INET6 ||
	    salen < sizeof(*sin))
		return false;
	sin = (const struct sockaddr_in *)(const void *)sa;
	m = (struct sockaddr_in6 *)(void *)out;
	m->sin6_family = AF_INET6;
	m->sin6_port = sin->sin_port;
	m->sin6_addr.s6_addr[10] = 0xff;
	m->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&m->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
	*outlen = sizeof(*m);
	return true;
}

static uint32_t
peer_lookup(const struct mars_link *l, const struct sockaddr_storage *ss)
{
	uint32_t id;

	for (id = l->buckets[addr_hash(ss)]; id != 0; id = l->peers[id - 1].hnext)
		if (addr_equal(&l->peers[id - 1].addr, ss))
			return id;
	return 0;
}

/* New peer for a normalised address not yet known. */
static int
peer_create(struct mars_link *l, const struct sockaddr_storage *ss,
    socklen_t sslen, uint32_t *idp, struct mars_err *err)
{
	struct link_peer *p, *np;
	uint32_t id, h;
	size_t cap;

	if (l->free_head != 0) {
		id = l->free_head;
		l->free_head = l->peers[id - 1].next_free;
	} else {
		if (l->used == MARS_LINK_PEER_MAX)
			return fail(err, MARS_E_NOSPACE, "peer",
			    "too many peers on this link");
		if (l->used == l->cappeers) {
			cap = l->cappeers ? 2 * l->cappeers : 64;
			if (cap > MARS_LINK_PEER_MAX)
				cap = MARS_LINK_PEER_MAX;
			if ((np = realloc(l->peers, cap * sizeof(*np))) == NULL)
				return fail(err, MARS_E_SYS, "peer", NULL);
			l->peers = np;
			l->cappeers = cap;
		}
		id = (uint32_t)++l->used;
	}
	p = &l->peers[id - 1];
	memset(p, 0, sizeof(*p));
	memcpy(&p->addr, ss, sizeof(*ss));
	p->addrlen = sslen;
	p->in_use = true;
	p->vpi = 0;
	p->vci = (uint16_t)(MARS_LINK_VCI_P2P_BASE + id);
	h = addr_hash(ss);
	p->hnext = l->buckets[h];
	l->buckets[h] = id;
	l->npeers++;
	*idp = id;
	return 0;
}

int
mars_link_peer_add_addr(struct mars_link *l, const struct sockaddr *sa, socklen_t salen,
    uint32_t *id, struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint8_t const *a;
	uint16_t port;
	int rc;

	if (!addr_normalise(l, sa, salen, &ss, &sslen))
		return fail(err, MARS_E_INVAL, "peer",
		    "address family differs from the link's");
	addr_key(&ss, &a, &port);
	if (port == 0)
		return fail(err, MARS_E_INVAL, "peer", "peer port 0");
	if ((*id = peer_lookup(l, &ss)) != 0)
		return 0;
	if ((rc = peer_create(l, &ss, sslen, id, err)) != 0)
		return rc;
	l->peers[*id - 1].adopt = true;
	return 0;
}

int
mars_link_peer_add(struct mars_link *l, const struct mars_endpoint *ep, uint32_t *id,
    struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	if (ep->kind == MARS_ENDPOINT_ATMPVC || ep->kind == MARS_ENDPOINT_ATMSVC)
		return fail(err, MARS_E_INVAL, "endpoint",
		    "ATM sockets backend not built");
	/* the link's own family first; another one is refused below */
	rc = mars_endpoint_resolve(ep, l->family, false, &ss, &sslen, err);
	if (rc != 0)
		rc = mars_endpoint_resolve(ep, AF_UNSPEC, false, &ss, &sslen, err);
	if (rc != 0)
		return rc;
	return mars_link_peer_add_addr(l, (struct sockaddr *)&ss, sslen, id, err);
}

static void
leaf_remove(struct mars_link *l, int set, uint32_t id)
{
	struct leaf_set *ls = &l->leaves[set];
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->ids[i] == id) {
			/* keep the order: fan-out order is the join order */
			memmove(&ls->ids[i], &ls->ids[i + 1],
			    (ls->n - i - 1) * sizeof(ls->ids[0]));
			ls->n--;
			return;
		}
}

int
mars_link_peer_del(struct mars_link *l, uint32_t id)
{
	struct link_peer *p = peer_get(l, id);
	uint32_t *pp;

	if (p == NULL)
		return MARS_E_INVAL;
	if (p->leaf_mask & (1u << MARS_VC_CCVC))
		leaf_remove(l, 0, id);
	if (p->leaf_mask & (1u << MARS_VC_SCVC))
		leaf_remove(l, 1, id);
	for (pp = &l->buckets[addr_hash(&p->addr)]; *pp != 0;
	    pp = &l->peers[*pp - 1].hnext)
		if (*pp == id) {
			*pp = p->hnext;
			break;
		}
	p->in_use = false;
	p->next_free = l->free_head;
	l->free_head = id;
	l->npeers--;
	return 0;
}

int
mars_link_peer_set_vc(struct mars_link *l, uint32_t id, uint16_t vpi, uint16_t vci)
{
	struct link_peer *p = peer_get(l, id);

	if (p == NULL)
		return MARS_E_INVAL;
	p->vpi = vpi;
	p->vci = vci;
	p->adopt = false;
	return 0;
}

int
mars_link_peer_vc(const struct mars_link *l, uint32_t id, uint16_t *vpi, uint16_t *vci)
{
	const struct link_peer *p = peer_get(l, id);

	if (p == NULL)
		return MARS_E_INVAL;
	*vpi = p->vpi;
	*vci = p->vci;
	return 0;
}

int
mars_link_peer_endpoint(const struct mars_link *l, uint32_t id, struct mars_endpoint *ep)
{
	const struct link_peer *p = peer_get(l, id);

	if (p == NULL)
		return MARS_E_INVAL;
	return mars_endpoint_from_sockaddr(ep, (const struct sockaddr *)&p->addr,
	    p->addrlen);
}

uint32_t
mars_link_peer_find(const struct mars_link *l, const struct sockaddr *sa,
    socklen_t salen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	if (!addr_normalise(l, sa, salen, &ss, &sslen))
		return 0;
	return peer_lookup(l, &ss);
}

size_t
mars_link_peer_count(const struct mars_link *l)
{
	return l->npeers;
}

/* --- leaves --- */

static int
leaf_set_index(uint8_t kind)
{
	if (kind == MARS_VC_CCVC)
		return 0;
	if (kind == MARS_VC_SCVC)
		return 1;
	return -1;
}

int
mars_link_leaf_add(struct mars_link *l, uint8_t kind, uint32_t id)
{
	struct link_peer *p = peer_get(l, id);
	struct leaf_set *ls;
	uint32_t *n;
	size_t cap;
	int set = leaf_set_index(kind);

	if (p == NULL || set < 0)
		return MARS_E_INVAL;
	if (p->leaf_mask & (1u << kind))
		return 0;
	ls = &l->leaves[set];
	if (ls->n == ls->cap) {
		cap = ls->cap ? 2 * ls->cap : 32;
		if ((n = realloc(ls->ids, cap * sizeof(*n))) == NULL)
			return MARS_E_SYS;
		ls->ids = n;
		ls->cap = cap;
	}
	ls->ids[ls->n++] = id;
	p->leaf_mask |= (uint8_t)(1u << kind);
	return 0;
}

int
mars_link_leaf_del(struct mars_link *l, uint8_t kind, uint32_t id)
{
	struct link_peer *p = peer_get(l, id);
	int set = leaf_set_index(kind);

	if (p == NULL || set < 0)
		return MARS_E_INVAL;
	if (!(p->leaf_mask & (1u << kind)))
		return 0;
	leaf_remove(l, set, id);
	p->leaf_mask &= (uint8_t)~(1u << kind);
	return 0;
}

size_t
mars_link_leaf_count(const struct mars_link *l, uint8_t kind)
{
	int set = leaf_set_index(kind);

	return set < 0 ? 0 : l->leaves[set].n;
}

unsigned
mars_link_peer_leaves(const struct mars_link *l, uint32_t id)
{
	const struct link_peer *p = peer_get(l, id);

	return p == NULL ? 0 : p->leaf_mask;
}

/* --- socket --- */

/*
 * Ask for ICMP errors on the error queue (mars_link_lost()).  Without it an
 * unconnected UDP socket never hears that a peer's port is closed.
 */
static void
set_recverr(int fd, int family)
{
#ifdef __linux__
	int on = 1;

	if (family == AF_INET6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
		/* v4-mapped peers report through the IPv4 option */
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	} else
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
#else
	(void)fd;
	(void)family;
#endif
}

/*
 * With IP_RECVERR a queued ICMP report also sets the socket's pending
 * error, which the next send or receive returns (and clears) instead of
 * doing its work: such an errno is about another datagram.
 */
static bool
is_icmp_report(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	    e == EHOSTDOWN;
}

int
mars_link_open(struct mars_link **lp, const struct mars_endpoint *bind_ep, unsigned flags,
    struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct mars_link *l;
	int fd, rc, sz = LINK_SOCKBUF;

	if (bind_ep->kind == MARS_ENDPOINT_ATMPVC || bind_ep->kind == MARS_ENDPOINT_ATMSVC)
		return fail(err, MARS_E_INVAL, "endpoint",
		    "ATM sockets backend not built");
	if ((rc = mars_endpoint_resolve(bind_ep, AF_UNSPEC, true, &ss, &sslen,
	    err)) != 0)
		return rc;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd == -1)
		return fail(err, MARS_E_SYS, "socket", NULL);
	/* Bursts of fan-out and of members registering at once: best effort. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	set_recverr(fd, ss.ss_family);
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		rc = fail(err, MARS_E_SYS, "bind", NULL);
		close(fd);
		return rc;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		rc = fail(err, MARS_E_SYS, "link", NULL);
		close(fd);
		return rc;
	}
	l->fd = fd;
	l->family = ss.ss_family;
	l->flags = flags;
	l->rq_max = MARS_LINK_RETRY_DGRAMS;
	l->rq_ms = MARS_LINK_RETRY_MS;
	*lp = l;
	return 0;
}

void
mars_link_close(struct mars_link *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	while (l->rq_n > 0) {
		free(l->rq[l->rq_head].dgram);
		l->rq_head = (l->rq_head + 1) % l->rq_cap;
		l->rq_n--;
	}
	free(l->rq);
	free(l->peers);
	free(l->leaves[0].ids);
	free(l->leaves[1].ids);
	free(l);
}

int
mars_link_fd(const struct mars_link *l)
{
	return l->fd;
}

int
mars_link_family(const struct mars_link *l)
{
	return l->family;
}

int
mars_link_local(const struct mars_link *l, struct mars_endpoint *ep, struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (getsockname(l->fd, (struct sockaddr *)&ss, &sslen) == -1)
		return fail(err, MARS_E_SYS, "getsockname", NULL);
	return mars_endpoint_from_sockaddr(ep, (struct sockaddr *)&ss, sslen);
}

/* --- datagrams --- */

/* The socket buffer is full: worth waiting for, not a failure. */
static bool
is_full(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * One datagram to addr: iov[] as given.  0, or the errno; a full buffer
 * is counted in tx_full, anything else in tx_errors.
 */
static int
send_iov(struct mars_link *l, const struct sockaddr_storage *addr,
    socklen_t addrlen, struct iovec *iov, int niov, size_t sdu_len)
{
	struct msghdr mh;
	int e;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)(uintptr_t)addr;
	mh.msg_namelen = addrlen;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)niov;
	if (sendmsg(l->fd, &mh, MSG_NOSIGNAL) == -1 && (!is_icmp_report(errno) ||
	    sendmsg(l->fd, &mh, MSG_NOSIGNAL) == -1)) {
		e = errno;
		if (is_full(e))
			l->st.tx_full++;
		else
			l->st.tx_errors++;
		return e;
	}
	l->st.tx_dgrams++;
	l->st.tx_octets += sdu_len;
	return 0;
}

/* Copy shim + SDU to the back of the retry queue; false when full. */
static bool
retry_push(struct mars_link *l, const struct link_peer *p, const uint8_t *hdr,
    const uint8_t *sdu, size_t len)
{
	struct retry *r, *n;
	size_t cap, i;

	if (l->rq_n >= l->rq_max)
		return false;
	if (l->rq_n == l->rq_cap) {
		cap = l->rq_cap ? 2 * l->rq_cap : 16;
		if ((n = calloc(cap, sizeof(*n))) == NULL)
			return false;
		for (i = 0; i < l->rq_n; i++)
			n[i] = l->rq[(l->rq_head + i) % l->rq_cap];
		free(l->rq);
		l->rq = n;
		l->rq_cap = cap;
		l->rq_head = 0;
	}
	r = &l->rq[(l->rq_head + l->rq_n) % l->rq_cap];
	if ((r->dgram = malloc(MARS_SHIM_LEN + len)) == NULL)
		return false;
	memcpy(r->dgram, hdr, MARS_SHIM_LEN);
	memcpy(r->dgram + MARS_SHIM_LEN, sdu, len);
	r->len = MARS_SHIM_LEN + len;
	memcpy(&r->addr, &p->addr, sizeof(r->addr));
	r->addrlen = p->addrlen;
	r->expires = mono_ms() + l->rq_ms;
	l->rq_n++;
	l->st.tx_queued++;
	return true;
}

static void
retry_pop(struct mars_link *l)
{
	free(l->rq[l->rq_head].dgram);
	l->rq[l->rq_head].dgram = NULL;
	l->rq_head = (l->rq_head + 1) % l->rq_cap;
	l->rq_n--;
}

size_t
mars_link_flush(struct mars_link *l)
{
	struct retry *r;
	struct iovec iov;
	uint64_t now;
	int e;

	if (l->rq_n == 0)
		return 0;
	now = mono_ms();
	while (l->rq_n > 0) {
		r = &l->rq[l->rq_head];
		if (now >= r->expires) {
			l->st.tx_dropped++;
			retry_pop(l);
			continue;
		}
		iov.iov_base = r->dgram;
		iov.iov_len = r->len;
		e = send_iov(l, &r->addr, r->addrlen, &iov, 1,
		    r->len - MARS_SHIM_LEN);
		if (is_full(e))
			break;
		if (e == 0)
			l->st.tx_retried++;
		retry_pop(l);
	}
	return l->rq_n;
}

size_t
mars_link_pending(const struct mars_link *l)
{
	return l->rq_n;
}

void
mars_link_set_retry(struct mars_link *l, size_t dgrams, unsigned ms)
{
	if (dgrams != 0)
		l->rq_max = dgrams;
	if (ms != 0)
		l->rq_ms = ms;
}

/*
 * One datagram: shim then SDU, gathered without a copy.  A p2p one that
 * meets a full buffer, or finds others waiting, joins the retry queue
 * (link.h); *queued says so.
 */
static int
send_one(struct mars_link *l, const struct link_peer *p, uint8_t kind,
    uint16_t vpi, uint16_t vci, const uint8_t *sdu, size_t len, bool *queued)
{
	struct mars_shim sh = {
		.version = MARS_SHIM_VERSION,
		.kind = kind,
		.vpi = vpi,
		.vci = vci,
		.flags = (l->flags & MARS_LINK_F_MARS) ? MARS_SHIM_F_FROM_MARS : 0,
	};
	uint8_t hdr[MARS_SHIM_LEN];
	struct iovec iov[2];
	bool retry = kind == MARS_VC_P2P && (l->flags & MARS_LINK_F_RETRY);
	int e;

	*queued = false;
	mars_shim_encode(&sh, hdr);
	if (retry && l->rq_n > 0 && mars_link_flush(l) > 0) {
		/* others wait: keep the order */
		if (!retry_push(l, p, hdr, sdu, len)) {
			l->st.tx_dropped++;
			return EAGAIN;
		}
		*queued = true;
		return 0;
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)sdu;
	iov[1].iov_len = len;
	e = send_iov(l, &p->addr, p->addrlen, iov, 2, len);
	if (e == 0 || !is_full(e))
		return e;
	if (retry && retry_push(l, p, hdr, sdu, len)) {
		*queued = true;
		return 0;
	}
	l->st.tx_dropped++;
	return e;
}

/*
 * The fsm_io send path (fsm.h): an AAL5 SDU on a VC, RFC 2022 §4.2
 * LLC/SNAP included by the caller.  pt-mpt VCs fan out to their leaves.
 */
int
mars_link_send(struct mars_link *l, const struct mars_vc *vc, const uint8_t *sdu,
    size_t len, struct mars_err *err)
{
	const struct link_peer *p;
	const struct leaf_set *ls;
	uint16_t vci;
	size_t i;
	bool queued;
	int e, last = 0;

	if (len > MARS_MTU)
		return fail(err, MARS_E_INVAL, "sdu",
		    "SDU larger than the AAL5 MTU (9180 octets)");
	switch (vc->kind) {
	case MARS_VC_P2P:
	case MARS_VC_SERVER:
		if ((p = peer_get(l, vc->id)) == NULL)
			return fail(err, MARS_E_INVAL, "vc", "unknown peer id");
		if ((e = send_one(l, p, vc->kind, p->vpi, p->vci, sdu, len,
		    &queued)) != 0) {
			errno = e;
			return fail(err, MARS_E_SYS, "sendmsg", NULL);
		}
		return 0;
	case MARS_VC_CCVC:
	case MARS_VC_SCVC:
		ls = &l->leaves[leaf_set_index(vc->kind)];
		vci = vc->kind == MARS_VC_CCVC ? MARS_LINK_VCI_CCVC : MARS_LINK_VCI_SCVC;
		for (i = 0; i < ls->n; i++)
			if ((e = send_one(l, &l->peers[ls->ids[i] - 1],
			    vc->kind, 0, vci, sdu, len, &queued)) != 0)
				last = e;
		if (last != 0) {
			errno = last;
			return fail(err, MARS_E_SYS, "sendmsg", NULL);
		}
		return 0;
	}
	return fail(err, MARS_E_INVAL, "vc", "unknown VC kind");
}

static int
rx_reject(struct mars_link *l, uint64_t *counter, struct mars_err *err, int code,
    const char *why, uint32_t need, uint32_t have)
{
	(*counter)++;
	fail(err, code, "shim", why);
	if (err != NULL) {
		err->need = need;
		err->have = have;
	}
	return code;
}

int
mars_link_recv(struct mars_link *l, uint8_t *buf, size_t cap, struct mars_link_rx *rx,
    struct mars_err *err)
{
	struct sockaddr_storage from, ss;
	socklen_t fromlen = sizeof(from), sslen;
	struct mars_shim sh;
	struct link_peer *p;
	ssize_t n;
	uint32_t id;
	int rc;

	n = recvfrom(l->fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&from,
	    &fromlen);
	if (n == -1 && is_icmp_report(errno)) {
		fromlen = sizeof(from);
		n = recvfrom(l->fd, buf, cap, MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		l->st.rx_errors++;
		return fail(err, MARS_E_SYS, "recvfrom", NULL);
	}
	if ((size_t)n > cap)
		return rx_reject(l, &l->st.rx_oversize, err, MARS_E_LENGTH,
		    "datagram larger than the receive buffer", (uint32_t)n,
		    (uint32_t)cap);
	if ((size_t)n < MARS_SHIM_LEN)
		return rx_reject(l, &l->st.rx_bad_shim, err, MARS_E_TRUNC,
		    "datagram shorter than the lab shim", MARS_SHIM_LEN,
		    (uint32_t)n);
	if (!mars_shim_decode(&sh, buf, (size_t)n))
		return rx_reject(l, &l->st.rx_bad_shim, err, MARS_E_NOTOURS,
		    "no lab shim (bad magic or version)", 0, 0);
	if (sh.kind == MARS_VC_UNKNOWN || sh.kind > MARS_VC_KIND_MAX) {
		rc = rx_reject(l, &l->st.rx_bad_shim, err, MARS_E_FIELD,
		    "unknown VC kind in the lab shim", 0, 0);
		if (err != NULL)
			err->offset = 5;
		return rc;
	}
	if ((size_t)n - MARS_SHIM_LEN > MARS_MTU)
		return rx_reject(l, &l->st.rx_oversize, err, MARS_E_LENGTH,
		    "SDU larger than the AAL5 MTU (9180 octets)", MARS_MTU,
		    (uint32_t)((size_t)n - MARS_SHIM_LEN));

	memset(rx, 0, sizeof(*rx));
	if (!addr_normalise(l, (struct sockaddr *)&from, fromlen, &ss, &sslen))
		return rx_reject(l, &l->st.rx_errors, err, MARS_E_INVAL,
		    "source address of an unexpected family", 0, 0);
	if ((id = peer_lookup(l, &ss)) == 0) {
		if ((rc = peer_create(l, &ss, sslen, &id, err)) != 0) {
			l->st.rx_errors++;
			return rc;
		}
		l->st.peers_learned++;
		rx->new_peer = true;
	}
	p = &l->peers[id - 1];
	if (p->adopt && sh.kind == MARS_VC_P2P) {
		/* The accepting end numbered this VC: use its label. */
		p->vpi = sh.vpi;
		p->vci = sh.vci;
		p->adopt = false;
	}
	rx->vc.kind = sh.kind;
	rx->vc.id = (sh.kind == MARS_VC_P2P || sh.kind == MARS_VC_SERVER) ? id : 0;
	rx->peer = id;
	rx->vpi = sh.vpi;
	rx->vci = sh.vci;
	rx->flags = sh.flags;
	rx->sdu = buf + MARS_SHIM_LEN;
	rx->len = (size_t)n - MARS_SHIM_LEN;
	l->st.rx_dgrams++;
	l->st.rx_octets += rx->len;
	return 1;
}

int
mars_link_lost(struct mars_link *l, uint32_t *peer)
{
#ifdef __linux__
	struct sockaddr_storage to, ss;
	socklen_t sslen;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
				    sizeof(struct sockaddr_in6))];
	} ctl;
	const struct sock_extended_err *ee;
	struct cmsghdr *c;
	struct msghdr mh;
	struct iovec iov;
	uint8_t junk[64];
	uint32_t id;
	bool unreach;
	int why = 0;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		memset(&to, 0, sizeof(to));
		iov.iov_base = junk;
		iov.iov_len = sizeof(junk);
		mh.msg_name = &to;
		mh.msg_namelen = sizeof(to);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(l->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			return 0;
		unreach = false;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (!((c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (const void *)CMSG_DATA(c);
			if ((ee->ee_origin == SO_EE_ORIGIN_ICMP ||
			    ee->ee_origin == SO_EE_ORIGIN_ICMP6) &&
			    is_icmp_report((int)ee->ee_errno)) {
				unreach = true;
				why = (int)ee->ee_errno;
			}
		}
		/* msg_name is the destination of the datagram that bounced */
		if (!unreach || mh.msg_namelen == 0 || !addr_normalise(l,
		    (struct sockaddr *)&to, mh.msg_namelen, &ss, &sslen))
			continue;
		if ((id = peer_lookup(l, &ss)) == 0)
			continue;
		l->st.peers_lost++;
		l->lost_errno = why;
		*peer = id;
		return 1;
	}
#else
	(void)l;
	(void)peer;
	return 0;
#endif
}

int
mars_link_lost_errno(const struct mars_link *l)
{
	return l->lost_errno;
}

void
mars_link_get_stats(const struct mars_link *l, struct mars_link_stats *st)
{
	*st = l->st;
}
