/*
 * libpcap wrapper: capture files (pcap, pcapng, "-" for stdin) and live
 * interfaces in, capture files out, and the link-type adapters that turn a
 * record into a struct mars_frame (VC and AAL5 SDU).
 *
 * Link types: ATM_RFC1483 (LLC first), SUNATM (4-octet pseudo-header with
 * direction, VPI, VCI), and the lab UDP shim (mars-lab(7)) over Ethernet,
 * Linux cooked v1/v2, raw IPv4/IPv6 and BSD loopback/null.
 */
#ifndef MARS_CAPTURE_H
#define MARS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/event.h"
#include "mars/frame.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_cap;		/* opaque; hides pcap_t */
struct mars_cap_dump;

#define MARS_CAP_ERRBUF_SIZE	512

int	mars_cap_open_file(struct mars_cap **cp, const char *path, char *errbuf);
int	mars_cap_open_live(struct mars_cap **cp, const char *iface, int snaplen,
	    bool promisc, char *errbuf);

/*
 * Live capture with every knob.  mars_cap_open_live() is this with
 * buffer_kib 0 and immediate false.
 *
 * Without immediate mode the kernel hands packets over in blocks, when a
 * block fills or 100 ms after its first packet: a reader keeps up with
 * bursts of hundreds of thousands of packets a second, and a lone packet
 * waits at most that long.  Immediate mode wakes the reader for every
 * packet, and under a burst the kernel drops what the reader cannot
 * take (on lo, two thirds of 50,000 back-to-back datagrams).
 */
struct mars_cap_live_opts {
	int		 snaplen;	/* <= 0: 262144 */
	bool		 promisc;
	unsigned	 buffer_kib;	/* kernel buffer in KiB; 0: libpcap's */
	bool		 immediate;	/* each packet at once (latency first) */
};

int	mars_cap_open_live_opts(struct mars_cap **cp, const char *iface,
	    const struct mars_cap_live_opts *o, char *errbuf);

/*
 * Live captures: fn(arg) runs each time mars_cap_next() has handed over
 * every packet the kernel holds and is about to wait for more: the place
 * to flush output, so that it is written in batches under load and
 * without delay when traffic is sparse.  NULL fn: none.
 */
void	mars_cap_set_idle(struct mars_cap *c, void (*fn)(void *), void *arg);
int	mars_cap_set_filter(struct mars_cap *c, const char *bpf, char *errbuf);
void	mars_cap_close(struct mars_cap *c);

int	mars_cap_linktype(const struct mars_cap *c);	/* DLT_* */
const char *mars_cap_linktype_name(const struct mars_cap *c);
int	mars_cap_fd(const struct mars_cap *c);		/* live: selectable fd, else -1 */

/*
 * Next record.  Returns 1 with *fr filled, 0 at end of file, or MARS_E_*
 * with err filled (MARS_E_TRUNC: the file ends inside a record, err->why
 * "record N: truncated dump file; ..." names the 1-based record; other
 * read errors MARS_E_SYS).  A record whose
 * link header is malformed or cut short still returns 1: fr->sdu is NULL
 * and err says why; a record that is simply not lab/ATM traffic returns 1
 * with fr->sdu NULL and err->code MARS_E_NOTOURS.
 */
int	mars_cap_next(struct mars_cap *c, struct mars_frame *fr, struct mars_err *err);
/*
 * For a live capture on an event loop (mars_cap_fd() readable): the same,
 * but 0 as soon as the kernel holds nothing more, instead of waiting.
 * On a file it is mars_cap_next().
 */
int	mars_cap_next_nowait(struct mars_cap *c, struct mars_frame *fr,
	    struct mars_err *err);

/* Live captures: packets received / dropped; MARS_E_INVAL for a file,
 * MARS_E_SYS when libpcap cannot tell (mars_cap_geterr()). */
int	mars_cap_stats(struct mars_cap *c, uint64_t *recv, uint64_t *drop);

/*
 * The same, as tcpdump reports them: received by the filter (ps_recv),
 * dropped by the kernel for lack of buffer space (ps_drop), dropped by
 * the interface (ps_ifdrop).
 */
struct mars_cap_stat {
	uint64_t	 received;
	uint64_t	 dropped;
	uint64_t	 ifdropped;
};
int	mars_cap_stats_ex(struct mars_cap *c, struct mars_cap_stat *st);
/*
 * Stop reading: the next (or the current, blocked) mars_cap_next() returns 0
 * within about 100 ms.  Safe to call from a signal handler.  A live
 * mars_cap_next() otherwise waits for a record, however long that takes.
 */
void	mars_cap_breakloop(struct mars_cap *c);

/* libpcap's text for the last read error; err->why points to it too. */
const char *mars_cap_geterr(const struct mars_cap *c);

int	mars_cap_dump_open(struct mars_cap_dump **dp, const struct mars_cap *c,
	    const char *path, char *errbuf);
/* A file of link type dlt (DLT_*), e.g. DLT_SUNATM; snaplen <= 0: 262144. */
int	mars_cap_dump_open_dlt(struct mars_cap_dump **dp, int dlt, int snaplen,
	    const char *path, char *errbuf);
/* Writes ts, caplen, wirelen and data of fr as they are. */
int	mars_cap_dump_write(struct mars_cap_dump *d, const struct mars_frame *fr);
int	mars_cap_dump_flush(struct mars_cap_dump *d);	/* e.g. after each live record */
int	mars_cap_dump_close(struct mars_cap_dump *d);

/*
 * Link-type adapter on its own (pure): locate VC and SDU in one record of
 * link type dlt.  Returns 0, MARS_E_NOTOURS, MARS_E_TRUNC or MARS_E_LINKTYPE.
 */
int	mars_cap_decode_link(int dlt, struct mars_frame *fr, struct mars_err *err);
bool	mars_cap_linktype_supported(int dlt);

/*
 * The record as a message event (event.h, DESIGN.md rule 3): its time
 * stamp in microseconds, VC label and kind, direction, frame number, SDU
 * and, for lab traffic, both UDP endpoints and the shim's FROM_MARS flag.
 * pdu, when not NULL, is the SDU decoded by the caller (pdu.h).  ev points
 * into fr: valid as long as the record is.
 */
struct mars_pdu;
void	mars_cap_event(struct mars_event *ev, const struct mars_frame *fr,
	    const struct mars_pdu *pdu);

#ifdef __cplusplus
}
#endif

#endif
