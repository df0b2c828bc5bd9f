/*
 * libpcap wrapper (capture.h): capture files and live interfaces in,
 * capture files out.  pcap_t stays hidden in struct mars_cap; records come out
 * as struct mars_frame with the link header already resolved by
 * mars_cap_decode_link() (linktype.c).
 *
 * libpcap's text goes into the caller's errbuf at open time and into the
 * handle's own buffer afterwards (mars_cap_geterr()); nothing here prints.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <pcap/pcap.h>

#include "mars/capture.h"
#include "mars/err.h"
#include "mars/frame.h"

#define CAP_LIVE_SNAPLEN	262144
#define CAP_LIVE_TIMEOUT_MS	100	/* how long an idle read waits */
/*
 * libpcap reads a file record by record with two small fread()s; stdio's
 * default block (4 KiB) makes that one read(2) per ~45 records.  A larger
 * block cuts the system calls a hundredfold on a big capture.
 */
#define CAP_FILE_BUFSIZE	(256 * 1024)

struct mars_cap {
	pcap_t			*p;
	int			 dlt;
	bool			 live;
	volatile sig_atomic_t	 stop;		/* set by mars_cap_breakloop() */
	uint64_t		 num;		/* records returned so far */
	void			(*idle)(void *);	/* live: before waiting */
	void			*idle_arg;
	int			 fd;		/* live: selectable, or -1 */
	char			*iobuf;		/* stdio block of a file, or NULL */
	char			 errbuf[MARS_CAP_ERRBUF_SIZE];
};

struct mars_cap_dump {
	pcap_dumper_t	*pd;
	pcap_t		*dead;		/* mars_cap_dump_open_dlt() only */
};

static const char *
dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n != NULL ? n : "unknown";
}

/*
 * Refuse a link type no adapter knows, naming it so the user sees what the
 * capture holds.
 */
static int
check_linktype(struct mars_cap *c, const char *what, char *errbuf)
{
	if (mars_cap_linktype_supported(c->dlt))
		return 0;
	snprintf(errbuf, MARS_CAP_ERRBUF_SIZE,
	    "%s: unsupported link type %s (%d); supported: ATM_RFC1483, "
	    "SUNATM, and lab UDP over EN10MB, LINUX_SLL, LINUX_SLL2, RAW, "
	    "IPV4, IPV6, NULL, LOOP", what, dlt_name(c->dlt), c->dlt);
	return MARS_E_LINKTYPE;
}

static struct mars_cap *
cap_alloc(char *errbuf)
{
	struct mars_cap *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "out of memory");
	return c;
}

int
mars_cap_open_file(struct mars_cap **cp, const char *path, char *errbuf)
{
	char pcerr[PCAP_ERRBUF_SIZE] = "";
	struct mars_cap *c;
	FILE *fp;
	int rc;

	*cp = NULL;
	if ((c = cap_alloc(errbuf)) == NULL)
		return MARS_E_SYS;
	/*
	 * Reads pcap and pcapng alike; "-" is standard input.  Opened here
	 * rather than by pcap_open_offline() only to give the stream a
	 * larger block; the errors read as libpcap's ("x.pcap: No such
	 * file or directory").  Standard input keeps its own buffer, which
	 * outlives the capture.
	 */
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s: %s", path,
		    strerror(errno));
		free(c);
		return MARS_E_SYS;
	} else if ((c->iobuf = malloc(CAP_FILE_BUFSIZE)) != NULL &&
	    setvbuf(fp, c->iobuf, _IOFBF, CAP_FILE_BUFSIZE) != 0) {
		free(c->iobuf);
		c->iobuf = NULL;
	}
	c->p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, pcerr);
	if (c->p == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s", pcerr);
		if (fp != stdin)
			fclose(fp);
		free(c->iobuf);
		free(c);
		return MARS_E_SYS;
	}
	c->dlt = pcap_datalink(c->p);
	if ((rc = check_linktype(c, path, errbuf)) != 0) {
		mars_cap_close(c);
		return rc;
	}
	*cp = c;
	return 0;
}

int
mars_cap_open_live(struct mars_cap **cp, const char *iface, int snaplen, bool promisc,
    char *errbuf)
{
	struct mars_cap_live_opts o;

	memset(&o, 0, sizeof(o));
	o.snaplen = snaplen;
	o.promisc = promisc;
	return mars_cap_open_live_opts(cp, iface, &o, errbuf);
}

/* What pcap_activate() said, named after the interface. */
static void
activate_failed(struct mars_cap *c, const char *iface, int rc, char *errbuf)
{
	const char *detail = pcap_geterr(c->p);

	if (detail == NULL || *detail == '\0')
		detail = pcap_statustostr(rc);
	if (rc == PCAP_ERROR_PERM_DENIED)
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s: %s (capturing "
		    "needs root or CAP_NET_RAW)", iface, detail);
	else
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s: %s", iface, detail);
}

int
mars_cap_open_live_opts(struct mars_cap **cp, const char *iface,
    const struct mars_cap_live_opts *o, char *errbuf)
{
	char pcerr[PCAP_ERRBUF_SIZE] = "";
	struct mars_cap *c;
	int rc;

	*cp = NULL;
	if (o->buffer_kib > INT32_MAX / 1024) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s: buffer of %u KiB "
		    "too large (at most %d)", iface, o->buffer_kib,
		    INT32_MAX / 1024);
		return MARS_E_INVAL;
	}
	if ((c = cap_alloc(errbuf)) == NULL)
		return MARS_E_SYS;
	c->live = true;
	c->fd = -1;
	if ((c->p = pcap_create(iface, pcerr)) == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s: %s", iface, pcerr);
		free(c);
		return MARS_E_SYS;
	}
	(void)pcap_set_snaplen(c->p, o->snaplen > 0 ? o->snaplen :
	    CAP_LIVE_SNAPLEN);
	(void)pcap_set_promisc(c->p, o->promisc ? 1 : 0);
	if (o->buffer_kib > 0)
		(void)pcap_set_buffer_size(c->p, (int)(o->buffer_kib * 1024));
	/*
	 * Blocks, not packets (capture.h): immediate mode costs a wake-up
	 * per packet and drops bursts a block-wise reader keeps up with.
	 * The timeout bounds the delay of a lone packet.
	 */
	(void)pcap_set_immediate_mode(c->p, o->immediate ? 1 : 0);
	(void)pcap_set_timeout(c->p, CAP_LIVE_TIMEOUT_MS);
	if ((rc = pcap_activate(c->p)) < 0) {
		activate_failed(c, iface, rc, errbuf);
		mars_cap_close(c);
		return MARS_E_SYS;
	}
	c->dlt = pcap_datalink(c->p);
	if ((rc = check_linktype(c, iface, errbuf)) != 0) {
		mars_cap_close(c);
		return rc;
	}
	/*
	 * Non-blocking reads: mars_cap_next() learns that the kernel has
	 * nothing more, runs the idle hook, then waits in poll() where a
	 * signal or the timeout lets it look at c->stop.
	 */
	c->fd = pcap_get_selectable_fd(c->p);
	if (c->fd >= 0 && pcap_setnonblock(c->p, 1, pcerr) != 0)
		c->fd = -1;
	*cp = c;
	return 0;
}

void
mars_cap_set_idle(struct mars_cap *c, void (*fn)(void *), void *arg)
{
	c->idle = fn;
	c->idle_arg = arg;
}

int
mars_cap_set_filter(struct mars_cap *c, const char *bpf, char *errbuf)
{
	struct bpf_program prog;

	if (pcap_compile(c->p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "filter \"%s\": %s", bpf,
		    pcap_geterr(c->p));
		return MARS_E_PARSE;
	}
	if (pcap_setfilter(c->p, &prog) != 0) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "filter \"%s\": %s", bpf,
		    pcap_geterr(c->p));
		pcap_freecode(&prog);
		return MARS_E_SYS;
	}
	pcap_freecode(&prog);
	return 0;
}

void
mars_cap_close(struct mars_cap *c)
{
	if (c == NULL)
		return;
	if (c->p != NULL)
		pcap_close(c->p);	/* closes a file's stream */
	free(c->iobuf);
	free(c);
}

int
mars_cap_linktype(const struct mars_cap *c)
{
	return c->dlt;
}

const char *
mars_cap_linktype_name(const struct mars_cap *c)
{
	return dlt_name(c->dlt);
}

int
mars_cap_fd(const struct mars_cap *c)
{
	if (!c->live)
		return -1;
	return pcap_get_selectable_fd(c->p);
}

const char *
mars_cap_geterr(const struct mars_cap *c)
{
	return c->errbuf;
}

/*
 * A record libpcap cannot deliver: a file that ends inside a record (the
 * usual way a capture gets damaged) is MARS_E_TRUNC, anything else a
 * system error.  The text stays in c->errbuf, which err->why points to.
 */
static int
read_error(struct mars_cap *c, struct mars_err *err)
{
	const char *why = pcap_geterr(c->p);
	int code;

	/* As tcpdump reports it, with the record that was cut short. */
	code = strstr(why, "truncated") != NULL ? MARS_E_TRUNC : MARS_E_SYS;
	snprintf(c->errbuf, sizeof(c->errbuf), "record %llu: %s",
	    (unsigned long long)c->num + 1, why);
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = code;
		err->field = "pcap record";
		err->why = c->errbuf;
	}
	return code;
}

/*
 * A live capture has handed over everything the kernel held: run the
 * idle hook, then wait for the next block, a signal or the timeout.
 */
static void
live_wait(struct mars_cap *c)
{
	struct pollfd pfd;

	if (c->idle != NULL)
		c->idle(c->idle_arg);
	if (c->fd < 0 || c->stop)
		return;
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	(void)poll(&pfd, 1, CAP_LIVE_TIMEOUT_MS);
}

static int
next_record(struct mars_cap *c, struct mars_frame *fr, struct mars_err *err,
    bool wait)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	for (;;) {
		if (c->stop)
			return 0;
		rc = pcap_next_ex(c->p, &h, &data);
		if (rc == 1)
			break;
		if (rc == 0 && c->live) {
			/* Nothing now (non-blocking) or an idle timeout. */
			if (!wait)
				return 0;
			live_wait(c);
			continue;
		}
		if (rc == 0 || rc == PCAP_ERROR_BREAK)
			return 0;	/* end of file, or mars_cap_breakloop() */
		return read_error(c, err);
	}
	fr->num = ++c->num;
	fr->ts_sec = (int64_t)h->ts.tv_sec;
	fr->ts_usec = (uint32_t)h->ts.tv_usec;
	fr->data = data;
	fr->caplen = h->caplen;
	fr->wirelen = h->len;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	(void)mars_cap_decode_link(c->dlt, fr, err);
	return 1;
}

int
mars_cap_next(struct mars_cap *c, struct mars_frame *fr, struct mars_err *err)
{
	return next_record(c, fr, err, true);
}

int
mars_cap_next_nowait(struct mars_cap *c, struct mars_frame *fr,
    struct mars_err *err)
{
	return next_record(c, fr, err, false);
}

int
mars_cap_stats(struct mars_cap *c, uint64_t *recv, uint64_t *drop)
{
	struct pcap_stat ps;

	if (!c->live)
		return MARS_E_INVAL;
	if (pcap_stats(c->p, &ps) != 0)
		return MARS_E_SYS;
	*recv = ps.ps_recv;
	*drop = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return 0;
}

int
mars_cap_stats_ex(struct mars_cap *c, struct mars_cap_stat *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (!c->live)
		return MARS_E_INVAL;
	if (pcap_stats(c->p, &ps) != 0) {
		snprintf(c->errbuf, sizeof(c->errbuf), "%s", pcap_geterr(c->p));
		return MARS_E_SYS;
	}
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->ifdropped = ps.ps_ifdrop;
	return 0;
}

/* Async-signal-safe: only sets flags the read loop checks. */
void
mars_cap_breakloop(struct mars_cap *c)
{
	c->stop = 1;
	pcap_breakloop(c->p);
}

int
mars_cap_dump_open(struct mars_cap_dump **dp, const struct mars_cap *c, const char *path,
    char *errbuf)
{
	struct mars_cap_dump *d;

	*dp = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "out of memory");
		return MARS_E_SYS;
	}
	/* Same link type and snap length as the input; "-" is stdout. */
	if ((d->pd = pcap_dump_open(c->p, path)) == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s", pcap_geterr(c->p));
		free(d);
		return MARS_E_SYS;
	}
	*dp = d;
	return 0;
}

int
mars_cap_dump_open_dlt(struct mars_cap_dump **dp, int dlt, int snaplen,
    const char *path, char *errbuf)
{
	struct mars_cap_dump *d;

	*dp = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "out of memory");
		return MARS_E_SYS;
	}
	d->dead = pcap_open_dead(dlt, snaplen > 0 ? snaplen : CAP_LIVE_SNAPLEN);
	if (d->dead == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "link type %d: cannot "
		    "write it", dlt);
		free(d);
		return MARS_E_LINKTYPE;
	}
	if ((d->pd = pcap_dump_open(d->dead, path)) == NULL) {
		snprintf(errbuf, MARS_CAP_ERRBUF_SIZE, "%s", pcap_geterr(d->dead));
		pcap_close(d->dead);
		free(d);
		return MARS_E_SYS;
	}
	*dp = d;
	return 0;
}

int
mars_cap_dump_write(struct mars_cap_dump *d, const struct mars_frame *fr)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)fr->ts_sec;
	h.ts.tv_usec = (suseconds_t)fr->ts_usec;
	h.caplen = fr->caplen;
	h.len = fr->wirelen < fr->caplen ? fr->caplen : fr->wirelen;
	pcap_dump((u_char *)d->pd, &h, fr->data);
	return ferror(pcap_dump_file(d->pd)) ? MARS_E_SYS : 0;
}

int
mars_cap_dump_flush(struct mars_cap_dump *d)
{
	return pcap_dump_flush(d->pd) == 0 ? 0 : MARS_E_SYS;
}

int
mars_cap_dump_close(struct mars_cap_dump *d)
{
	int rc = 0;

	if (d == NULL)
		return 0;
	if (pcap_dump_flush(d->pd) != 0 || ferror(pcap_dump_file(d->pd)))
		rc = MARS_E_SYS;
	pcap_dump_close(d->pd);
	if (d->dead != NULL)
		pcap_close(d->dead);
	free(d);
	return rc;
}
