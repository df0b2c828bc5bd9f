/*
 * marsdump: print the MARS (RFC 2022), SCSP (RFC 2334, RFC 2443) and NHRP
 * control messages in a capture file or on a live interface.
 *
 * The loop is one mars_cap_next(), one mars_pdu_decode(), the display filter and
 * one mars_print_frame() per frame; output goes through a large outbuf, so
 * nothing here allocates or calls stdio per frame.  A live capture
 * flushes it whenever the kernel has no more packets (mars_cap_set_idle):
 * in batches under load, at once when traffic is sparse.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/capture.h"
#include "mars/err.h"
#include "mars/filter.h"
#include "mars/frame.h"
#include "mars/out.h"
#include "mars/pdu.h"
#include "mars/print.h"
#include "mars/version.h"

#include "cli/diag.h"
#include "stats.h"

#define EXIT_FAIL	1	/* --strict and a bad message; a truncated file */
#define EXIT_USAGE	2	/* bad usage, input, link type or filter */

/* pcap_set_buffer_size() takes an int of octets. */
#define BUFFER_KIB_MAX	(INT32_MAX / 1024)

enum {
	OPT_JSON = 256,
	OPT_STATS,
	OPT_STRICT,
	OPT_TT,
	OPT_IMMEDIATE,
};

struct opts {
	const char	*rfile;
	const char	*iface;
	const char	*wfile;
	const char	*bpf;
	const char	*user;
	uint64_t	count;		/* 0: no limit */
	unsigned	buffer_kib;	/* -B; 0: libpcap's default */
	bool		immediate;
	int		 verbose;
	bool		 stats;
	bool		 strict;
	struct mars_print_opts po;
	char		*expr;		/* display filter text, or NULL */
};

static char outstore[1 << 16];
static struct mars_cap *volatile capture;
static volatile sig_atomic_t stopped;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: marsdump [-r FILE | -i IFACE] [-w FILE] [-c COUNT] "
	    "[-f BPF] [-B KIB] [-n]\n"
	    "                [-v|-vv] [-x] [--json] [--stats] [--strict] "
	    "[-Z USER] [--tt]\n"
	    "                [--immediate-mode] [EXPRESSION]\n"
	    "       marsdump -h | -V\n"
	    "\n"
	    "  -r FILE    read a pcap or pcapng file (\"-\": standard input)\n"
	    "  -i IFACE   capture live on IFACE\n"
	    "  -w FILE    write the frames that match to a capture file\n"
	    "  -c COUNT   stop after COUNT messages\n"
	    "  -f BPF     capture filter (pcap-filter(7))\n"
	    "  -B KIB     kernel capture buffer in KiB (-i)\n"
	    "  -n         numbers instead of names\n"
	    "  -v, -vv    every field; field tree\n"
	    "  -x         hex dump of each message\n"
	    "  --json     one JSON object per message (mars-json(7))\n"
	    "  --stats    counters after the messages\n"
	    "  --strict   exit 1 if a message was malformed or nonconforming\n"
	    "  -Z USER    drop privileges to USER after opening the device\n"
	    "  --tt       time stamps as seconds since the epoch\n"
	    "  --immediate-mode  hand over each packet at once (-i)\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  the version\n"
	    "\n"
	    "EXPRESSION: op NAME, group ADDR[/LEN], cmi N, src ATMHEX, "
	    "vc VPI/VCI,\n"
	    "  mars, scsp, nhrp, malformed, nonconforming [NAME]; "
	    "and (&&), or (||),\n"
	    "  not (!), ( ).\n");
}

/* The rest of argv, joined by spaces, is the display filter. */
static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	if (argc == 0)
		return NULL;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((s = malloc(len)) == NULL)
		diag_fatal(EXIT_USAGE, NULL, 0, "out of memory");
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static uint64_t
positive(const char *opt, const char *arg, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    v == 0 || v > max) {
		if (max == UINT64_MAX)
			diag_usage("%s: not a positive count: %s", opt, arg);
		diag_usage("%s: not a count from 1 to %llu: %s", opt,
		    (unsigned long long)max, arg);
	}
	return v;
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,	NULL,	OPT_JSON },
		{ "stats",	no_argument,	NULL,	OPT_STATS },
		{ "strict",	no_argument,	NULL,	OPT_STRICT },
		{ "tt",		no_argument,	NULL,	OPT_TT },
		{ "immediate-mode", no_argument, NULL,	OPT_IMMEDIATE },
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 },
	};
	bool json = false;
	int ch;

	memset(o, 0, sizeof(*o));
	opterr = 0;		/* our own messages, named "marsdump" */
	while ((ch = getopt_long(argc, argv, ":r:i:w:c:f:B:nvxZ:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			o->rfile = optarg;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'w':
			o->wfile = optarg;
			break;
		case 'c':
			o->count = positive("-c", optarg, UINT64_MAX);
			break;
		case 'f':
			o->bpf = optarg;
			break;
		case 'B':
			o->buffer_kib = (unsigned)positive("-B", optarg,
			    BUFFER_KIB_MAX);
			break;
		case 'n':
			o->po.numeric = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'x':
			o->po.hex = true;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_TT:
			o->po.abs_time = true;
			break;
		case OPT_IMMEDIATE:
			o->immediate = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("marsdump %s\n", mars_version());
			exit(0);
		default:
			diag_bad_option(ch, argv);
		}
	}
	if (o->rfile != NULL && o->iface != NULL)
		diag_usage("-r and -i cannot be used together");
	if (o->rfile == NULL && o->iface == NULL)
		diag_usage("one of -r FILE or -i IFACE is needed");
	if (o->iface == NULL && (o->buffer_kib != 0 || o->immediate))
		diag_usage("%s applies to a live capture (-i)",
		    o->buffer_kib != 0 ? "-B" : "--immediate-mode");
	o->po.mode = json ? MARS_PRINT_JSON : o->verbose >= 2 ? MARS_PRINT_TREE :
	    o->verbose == 1 ? MARS_PRINT_VERBOSE : MARS_PRINT_LINE;
	o->expr = join_args(argc - optind, argv + optind);
}

/* The expression, and a caret under the position that failed. */
static struct mars_filter *
compile_filter(const char *expr)
{
	struct mars_filter *f;
	struct mars_err e;
	char msg[256];

	if (mars_filter_compile(expr, &f, &e) == 0)
		return f;
	mars_filter_error(expr, &e, msg, sizeof(msg));
	if (diag_is_json()) {
		diag_at("error", NULL, 0, e.code == MARS_E_PARSE ? (long long)e.offset :
		    -1, "expression", "bad filter: %s", msg);
	} else
		fprintf(stderr, "marsdump: bad filter: %s\n    %s\n    %*s^\n",
		    msg, expr, (int)e.offset, "");
	exit(EXIT_USAGE);
}

static void
on_signal(int sig)
{
	(void)sig;
	stopped = 1;
	if (capture != NULL)
		mars_cap_breakloop(capture);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

/* "marsdump: FILE: reason", whether or not libpcap named the file. */
static void __attribute__((noreturn))
open_failed(const char *name, const char *why)
{
	size_t n = strlen(name);

	if (strncmp(why, name, n) == 0 && why[n] == ':')
		diag_fatal(EXIT_USAGE, name, 0, "%s", why);
	diag_fatal(EXIT_USAGE, name, 0, "%s: %s", name, why);
}

static struct mars_cap *
open_input(const struct opts *o)
{
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_cap_live_opts lo;
	struct mars_cap *c;

	errbuf[0] = '\0';
	if (o->iface != NULL) {
		memset(&lo, 0, sizeof(lo));
		lo.promisc = true;
		lo.buffer_kib = o->buffer_kib;
		lo.immediate = o->immediate;
		if (mars_cap_open_live_opts(&c, o->iface, &lo, errbuf) != 0)
			open_failed(o->iface, errbuf);
	} else if (mars_cap_open_file(&c, o->rfile, errbuf) != 0)
		open_failed(o->rfile, errbuf);
	if (o->bpf != NULL && mars_cap_set_filter(c, o->bpf, errbuf) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "%s", errbuf);
	return c;
}

/* Everything the read loop and the final report share. */
struct run {
	const struct opts *o;
	struct mars_cap	*c;
	struct mars_filter	*flt;
	struct mars_cap_dump	*dump;
	struct mars_out	 ob;
	struct stats	 st;
	uint64_t	 frames;	/* records read */
	uint64_t	 matched;
	uint64_t	 malformed;
	uint64_t	 nonconforming;
	bool		 quiet;
	bool		 dump_failed;
	int		 status;
};

/*
 * The capture has nothing more for now: what was printed and written
 * goes out, so that a reader of either sees every message so far.
 */
static void
on_idle(void *arg)
{
	struct run *r = arg;

	(void)mars_out_flush(&r->ob);
	if (r->dump != NULL && mars_cap_dump_flush(r->dump) != 0)
		r->dump_failed = true;
}

/*
 * A record libpcap could not deliver.  A file that ends inside a record
 * fails as tcpdump's "truncated dump file" does (exit 1), naming the
 * record; the messages before it have been printed.
 */
static void
read_failed(struct run *r, int rc, const struct mars_err *e)
{
	const struct opts *o = r->o;
	const char *name = o->rfile != NULL ? o->rfile : o->iface;

	if (strcmp(name, "-") == 0)
		name = "standard input";
	diag_at("error", name, 0, -1, NULL, "%s: %s", name,
	    e->why != NULL ? e->why : mars_strerror(rc));
	r->malformed++;
	if (o->stats)
		stats_read_error(&r->st, rc);
	r->status = rc == MARS_E_TRUNC ? EXIT_FAIL : EXIT_USAGE;
}

/*
 * The hot path: per frame one mars_cap_next(), one mars_pdu_decode(), the
 * filter, one print; counters only when --stats asked for them.
 */
static void
read_loop(struct run *r)
{
	const struct opts *o = r->o;
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_err e;
	int rc;

	while (!stopped && (rc = mars_cap_next(r->c, &fr, &e)) != 0) {
		if (rc < 0) {
			read_failed(r, rc, &e);
			return;
		}
		/* Stored, not incremented: r escapes into every call, so
		 * an increment is a load and a store per frame (measured:
		 * a tenth of marsdump -r on make bench's capture). */
		r->frames = fr.num;
		if (o->stats)
			r->st.frames++;
		if (fr.sdu == NULL) {
			/* Not lab or ATM traffic: skipped, not counted. */
			if (e.code == MARS_E_NOTOURS ||
			    !mars_filter_match(r->flt, &fr, NULL))
				continue;
			r->malformed++;
			if (o->stats)
				stats_count(&r->st, &fr, NULL, &e);
			if (!r->quiet)
				mars_print_frame_error(&r->ob, &o->po, &fr, &e);
		} else {
			mars_pdu_decode(&pdu, fr.sdu, fr.sdu_len, 0);
			if (o->stats)
				stats_csn(&r->st, &fr, &pdu);
			if (r->flt != NULL && !mars_filter_match(r->flt, &fr, &pdu))
				continue;
			if (pdu.verdict != 0) {
				if (mars_pdu_malformed(&pdu))
					r->malformed++;
				else if (mars_pdu_nonconf(&pdu) != 0)
					r->nonconforming++;
			}
			if (o->stats)
				stats_count(&r->st, &fr, &pdu, NULL);
			if (!r->quiet)
				mars_print_frame(&r->ob, &o->po, &fr, &pdu);
		}
		if (r->dump != NULL && mars_cap_dump_write(r->dump, &fr) != 0)
			r->dump_failed = true;
		if (++r->matched == o->count)
			return;
	}
}

/*
 * A live capture is ready (filter set, privileges dropped): say so on
 * standard error, as tcpdump does; scripts wait for this line.
 */
static void
listening(const struct run *r)
{
	if (diag_is_json()) {
		fputs("{\"type\":\"listening\",\"interface\":", stderr);
		diag_json_str(stderr, r->o->iface);
		fputs(",\"linktype\":", stderr);
		diag_json_str(stderr, mars_cap_linktype_name(r->c));
		fputs("}\n", stderr);
	} else
		fprintf(stderr, "marsdump: listening on %s, link-type %s\n",
		    r->o->iface, mars_cap_linktype_name(r->c));
}

/*
 * A live capture's counters on standard error, as tcpdump prints them:
 * the records read, what the kernel's filter accepted, and what the
 * kernel (and the interface, when it says) dropped for lack of room.
 */
static void
capture_report(struct run *r)
{
	struct mars_cap_stat cs;

	if (mars_cap_stats_ex(r->c, &cs) != 0) {
		diag_at("warning", r->o->iface, 0, -1, NULL, "%s: %s", r->o->iface,
		    mars_cap_geterr(r->c));
		return;
	}
	if (diag_is_json()) {
		fputs("{\"type\":\"capture\",\"interface\":", stderr);
		diag_json_str(stderr, r->o->iface);
		fprintf(stderr, ",\"captured\":%llu,\"received\":%llu,"
		    "\"dropped\":%llu,\"ifdropped\":%llu}\n",
		    (unsigned long long)r->frames,
		    (unsigned long long)cs.received,
		    (unsigned long long)cs.dropped,
		    (unsigned long long)cs.ifdropped);
		return;
	}
	fprintf(stderr, "%llu packets captured\n%llu packets received by "
	    "filter\n%llu packets dropped by kernel\n",
	    (unsigned long long)r->frames, (unsigned long long)cs.received,
	    (unsigned long long)cs.dropped);
	if (cs.ifdropped != 0)
		fprintf(stderr, "%llu packets dropped by interface\n",
		    (unsigned long long)cs.ifdropped);
}

/* Statistics, counts on stderr, and the exit status. */
static int
finish(struct run *r)
{
	const struct opts *o = r->o;

	if (o->stats)
		stats_print(&r->ob, &r->st, o->po.mode == MARS_PRINT_JSON);
	if (mars_out_flush(&r->ob) != 0 && r->status == 0)
		r->status = EXIT_USAGE;
	if (r->dump != NULL) {
		if (mars_cap_dump_close(r->dump) != 0)
			r->dump_failed = true;
		r->dump = NULL;
		if (r->dump_failed) {
			diag_at("error", o->wfile, 0, -1, NULL, "%s: write error",
			    o->wfile);
			r->status = EXIT_USAGE;
		} else if (r->quiet)
			fprintf(stderr, "%llu messages written to %s\n",
			    (unsigned long long)r->matched, o->wfile);
	}
	if (o->iface != NULL)
		capture_report(r);
	if (r->status == 0 && o->strict &&
	    (r->malformed > 0 || r->nonconforming > 0))
		r->status = EXIT_FAIL;
	return r->status;
}

int
main(int argc, char **argv)
{
	static struct run r;
	struct opts o;
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	int status;

	diag_init("marsdump", argc, argv);
	parse_args(&o, argc, argv);
	r.o = &o;
	if (o.expr != NULL)
		r.flt = compile_filter(o.expr);
	if (o.stats && stats_init(&r.st) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "out of memory");

	r.c = open_input(&o);
	if (o.wfile != NULL &&
	    mars_cap_dump_open(&r.dump, r.c, o.wfile, errbuf) != 0)
		diag_fatal(EXIT_USAGE, o.wfile, 0, "%s", errbuf);
	if (o.user != NULL)
		diag_drop_privileges(o.user);
	capture = r.c;
	catch_signals();

	/* With -w, print only when asked to (-v, --json), like tcpdump. */
	r.quiet = o.wfile != NULL && o.po.mode == MARS_PRINT_LINE;
	mars_out_init(&r.ob, o.wfile != NULL && strcmp(o.wfile, "-") == 0 ? 2 : 1,
	    outstore, sizeof(outstore));
	if (o.iface != NULL) {
		mars_cap_set_idle(r.c, on_idle, &r);
		listening(&r);
	}

	read_loop(&r);
	status = finish(&r);

	capture = NULL;
	mars_cap_close(r.c);
	mars_filter_free(r.flt);
	free(o.expr);
	if (o.stats)
		stats_free(&r.st);
	return status;
}
