/*
 * VCs over a transport (DESIGN.md "Transports", mars-lab(7)).
 *
 * A link owns one non-blocking UDP socket (IPv4 or IPv6).  Every datagram
 * is the 12-octet lab shim (shim.h: VC kind, VPI, VCI, flags) followed by
 * exactly one AAL5 SDU of at most MARS_MTU octets.
 *
 * Peers are the remote UDP addresses, numbered 1, 2, ... (ids of removed
 * peers are reused).  A peer id is the fsm_vc.id of the point-to-point or
 * inter-server VC to that peer.  A server learns its peers from arriving
 * datagrams: mars_link_recv() creates a peer for each new source address.
 *
 * VPI/VCI labels, so that captures show stable VCs:
 *   p2p to peer N      0/(100 + N), unless mars_link_peer_set_vc() chose another;
 *                      a peer added with mars_link_peer_add() takes the label of
 *                      the first p2p datagram it sends us (the accepting end
 *                      numbers the VC, as an ATM switch would)
 *   ClusterControlVC   0/32        (MARS_LINK_VCI_CCVC)
 *   ServerControlVC    0/33        (MARS_LINK_VCI_SCVC)
 *   inter-server       0/34 and up (chosen by the caller with
 *                      mars_link_peer_set_vc(); default as p2p)
 * pt-mpt VCs (ccvc, scvc) are emulated by fan-out: one datagram per leaf.
 *
 * The atmpvc:/atmsvc: endpoints parse but are refused here with
 * MARS_E_INVAL "ATM sockets backend not built" until that backend exists.
 *
 * A full socket buffer (EAGAIN, EWOULDBLOCK, ENOBUFS) is handled by VC
 * kind, by what recovers the datagram otherwise:
 *   p2p          a private reply (registration copy, MULTI, NAK, a
 *                targeted redirect map) has no other way to its member
 *                than a retransmission of the request seconds later, so
 *                on a link opened with MARS_LINK_F_RETRY (a MARS; a
 *                member retransmits its own requests) it waits on the
 *                link's retry queue: at most
 *                MARS_LINK_RETRY_DGRAMS datagrams for at most
 *                MARS_LINK_RETRY_MS ms, sent in order as soon as the
 *                socket takes them (mars_link_flush(); the caller polls
 *                for writing while mars_link_pending() is not 0).  While
 *                the queue holds anything, later p2p datagrams queue
 *                behind it, so a member sees its replies in order.
 *   ccvc, scvc   dropped and counted: members and MCSs find the gap in
 *                the CSN/SSN and revalidate (RFC 2022 §5.1.4.2, §6.1.4),
 *                and the next periodic redirect map reaches them anyway.
 *   server       dropped and counted: SCSP retransmits what was not
 *                acknowledged (RFC 2334 §2.2, §2.3) and Hellos are
 *                periodic.
 * Every case is in the stats (tx_full, tx_queued, tx_retried,
 * tx_dropped), which marsd shows in `show stats`.
 */
#ifndef MARS_LINK_H
#define MARS_LINK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/proto.h"
#include "mars/shim.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_link;

#define MARS_LINK_VCI_CCVC		32
#define MARS_LINK_VCI_SCVC		33
#define MARS_LINK_VCI_SERVER		34	/* first inter-server label */
#define MARS_LINK_VCI_P2P_BASE	100
#define MARS_LINK_PEER_MAX		(65535 - MARS_LINK_VCI_P2P_BASE)
/* A receive buffer of this size holds any datagram mars_link_recv accepts. */
#define MARS_LINK_DGRAM_MAX		(MARS_SHIM_LEN + MARS_MTU)

/* The retry queue of p2p datagrams refused for a full buffer. */
#define MARS_LINK_RETRY_DGRAMS	256
#define MARS_LINK_RETRY_MS		1000

/* mars_link_open() flags */
#define MARS_LINK_F_MARS		0x01	/* set MARS_SHIM_F_FROM_MARS on sends */
#define MARS_LINK_F_RETRY		0x02	/* queue p2p datagrams refused
						   for a full buffer (above) */

struct mars_link_rx {
	struct mars_vc	 vc;		/* kind from the shim; id = peer for
					   p2p and server, 0 for ccvc/scvc */
	uint32_t	 peer;		/* sender's peer id, always set */
	bool		 new_peer;	/* this datagram created the peer */
	uint16_t	 vpi;		/* as in the shim */
	uint16_t	 vci;
	uint16_t	 flags;		/* shim flags */
	const uint8_t	*sdu;		/* inside the caller's buffer */
	size_t		 len;
};

struct mars_link_stats {
	uint64_t	 rx_dgrams;	/* accepted datagrams */
	uint64_t	 rx_octets;	/* SDU octets in them */
	uint64_t	 tx_dgrams;	/* datagrams sent (one per leaf) */
	uint64_t	 tx_octets;
	uint64_t	 rx_bad_shim;	/* too short, bad magic/version, bad kind */
	uint64_t	 rx_oversize;	/* larger than the buffer or MARS_MTU */
	uint64_t	 rx_errors;	/* recvfrom failures */
	uint64_t	 tx_errors;	/* datagrams sendmsg refused for another
					   reason than a full buffer */
	uint64_t	 tx_full;	/* sends refused for a full buffer
					   (EAGAIN, ENOBUFS), per attempt */
	uint64_t	 tx_queued;	/* p2p datagrams put on the retry queue */
	uint64_t	 tx_retried;	/* queued datagrams sent later */
	uint64_t	 tx_dropped;	/* given up for a full buffer: ccvc,
					   scvc, server at once; p2p when the
					   queue is full or the time passed */
	uint64_t	 peers_learned;	/* peers created by mars_link_recv */
	uint64_t	 peers_lost;	/* unreachable reports naming a peer */
};

/*
 * Bind a socket to `bind` (udp:HOST:PORT, port 0 for any).  Returns 0,
 * MARS_E_INVAL (ATM endpoint), MARS_E_PARSE (host does not resolve) or
 * MARS_E_SYS (err->field names the call).
 */
int	mars_link_open(struct mars_link **lp, const struct mars_endpoint *bind,
	    unsigned flags, struct mars_err *err);
void	mars_link_close(struct mars_link *l);
int	mars_link_fd(const struct mars_link *l);		/* for the event loop */
int	mars_link_family(const struct mars_link *l);	/* AF_INET or AF_INET6 */
/* The bound address, with the port the kernel picked. */
int	mars_link_local(const struct mars_link *l, struct mars_endpoint *ep,
	    struct mars_err *err);

/*
 * Peer for an address: the existing id if the address is known, else a
 * new one.  An IPv4 address on an IPv6 link is stored v4-mapped.  Port 0
 * and a family the socket cannot reach give MARS_E_INVAL; MARS_E_NOSPACE
 * past MARS_LINK_PEER_MAX peers.
 */
int	mars_link_peer_add_addr(struct mars_link *l, const struct sockaddr *sa,
	    socklen_t salen, uint32_t *id, struct mars_err *err);
int	mars_link_peer_add(struct mars_link *l, const struct mars_endpoint *ep, uint32_t *id,
	    struct mars_err *err);
/* Forget a peer: leaves it was, its id becomes free.  MARS_E_INVAL if unknown. */
int	mars_link_peer_del(struct mars_link *l, uint32_t id);
/* Label the p2p/server VC to peer id with vpi/vci. */
int	mars_link_peer_set_vc(struct mars_link *l, uint32_t id, uint16_t vpi,
	    uint16_t vci);
int	mars_link_peer_vc(const struct mars_link *l, uint32_t id, uint16_t *vpi,
	    uint16_t *vci);
int	mars_link_peer_endpoint(const struct mars_link *l, uint32_t id,
	    struct mars_endpoint *ep);
/* Peer id for an address, 0 if unknown. */
uint32_t mars_link_peer_find(const struct mars_link *l, const struct sockaddr *sa,
	    socklen_t salen);
size_t	mars_link_peer_count(const struct mars_link *l);

/*
 * Leaves of the emulated pt-mpt VCs; kind is MARS_VC_CCVC or MARS_VC_SCVC.
 * Adding a leaf twice or deleting a non-leaf is harmless.
 */
int	mars_link_leaf_add(struct mars_link *l, uint8_t kind, uint32_t peer);
int	mars_link_leaf_del(struct mars_link *l, uint8_t kind, uint32_t peer);
size_t	mars_link_leaf_count(const struct mars_link *l, uint8_t kind);
/* The pt-mpt VCs peer id is a leaf of: bit 1 << kind; 0 if none or unknown. */
unsigned mars_link_peer_leaves(const struct mars_link *l, uint32_t id);

/*
 * Send one SDU on vc: p2p and server to peer vc->id, ccvc and scvc to
 * every leaf (no leaf: nothing sent, 0).  MARS_E_INVAL for len > MARS_MTU,
 * an unknown kind or peer; MARS_E_SYS when a datagram could not be sent
 * (the other leaves are still tried).  With MARS_LINK_F_RETRY a p2p
 * datagram refused for a full buffer is queued and 0 returned; otherwise
 * it is dropped (see the top of this file) and MARS_E_SYS returned with
 * sys_errno EAGAIN or ENOBUFS.
 */
int	mars_link_send(struct mars_link *l, const struct mars_vc *vc, const uint8_t *sdu,
	    size_t len, struct mars_err *err);
/*
 * Send what the retry queue holds, oldest first, until the socket is
 * full again; datagrams older than the retry time are dropped.  Returns
 * how many are left (mars_link_pending()).
 */
size_t	mars_link_flush(struct mars_link *l);
size_t	mars_link_pending(const struct mars_link *l);
/* Change the retry queue's bounds (tests, tuning); 0 keeps a value. */
void	mars_link_set_retry(struct mars_link *l, size_t dgrams, unsigned ms);

/*
 * Receive one datagram into buf (MARS_LINK_DGRAM_MAX octets suffice).  Returns
 * 1 with *rx filled, 0 when nothing is waiting, or an error for that
 * datagram (which is dropped and counted): MARS_E_TRUNC (shorter than the
 * shim), MARS_E_NOTOURS (bad magic or version), MARS_E_FIELD (unknown VC
 * kind), MARS_E_LENGTH (larger than buf or than MARS_MTU), MARS_E_SYS.
 * Call it until it returns 0.
 */
int	mars_link_recv(struct mars_link *l, uint8_t *buf, size_t cap, struct mars_link_rx *rx,
	    struct mars_err *err);

/*
 * A peer whose VC went away.  On Linux the socket asks for ICMP errors
 * (IP_RECVERR, IPV6_RECVERR): a port or host unreachable for a peer's
 * address means the process or host behind it is gone, which is how the
 * lab shows a leaf dropping off ClusterControlVC (RFC 2022 §6.1.2
 * ERR_L_RELEASE).  Drains the socket's error queue: returns 1 with *peer
 * set for a report naming a known peer, 0 when no such report is waiting
 * (reports for unknown addresses and other errors are consumed).  Call it
 * until it returns 0 when the descriptor polls with an error; the peer is
 * not forgotten (mars_link_peer_del() is the caller's).  Elsewhere always 0.
 */
int	mars_link_lost(struct mars_link *l, uint32_t *peer);
/*
 * The errno of the ICMP report mars_link_lost() last returned 1 for:
 * ECONNREFUSED (port unreachable), EHOSTUNREACH, ENETUNREACH or
 * EHOSTDOWN; 0 before any.
 */
int	mars_link_lost_errno(const struct mars_link *l);

void	mars_link_get_stats(const struct mars_link *l, struct mars_link_stats *st);

#ifdef __cplusplus
}
#endif

#endif
