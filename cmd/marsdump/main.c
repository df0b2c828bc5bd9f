/*
 * marsdump: print the MARS (RFC 2022), SCSP (RFC 2334, RFC 2443) and NHRP
 * control messages in a capture file or on a live interface.
 *
 * The loop is one mars_cap_next(), one mars_pdu_decode(), the display filter and
 * one mars_print_frame() per frame; output goes through a large outbuf, so
 * nothing here allocates or calls stdio per frame.
 */
#include <err.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
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

#include "stats.h"

#define EXIT_MALFORMED	1	/* --strict and a malformed message seen */
#define EXIT_USAGE	2	/* bad usage, input, link type or filter */

enum {
	OPT_JSON = 256,
	OPT_STATS,
	OPT_STRICT,
	OPT_TT,
};

struct opts {
	const char	*rfile;
	const char	*iface;
	const char	*wfile;
	const char	*bpf;
	const char	*user;
	uint64_t	 count;		/* 0: no limit */
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
	    "[-f BPF] [-n] [-v|-vv]\n"
	    "                [-x] [--json] [--stats] [--strict] [-Z USER] "
	    "[--tt] [EXPRESSION]\n"
	    "       marsdump -h | -V\n"
	    "\n"
	    "  -r FILE    read a pcap or pcapng file (\"-\": standard input)\n"
	    "  -i IFACE   capture live on IFACE\n"
	    "  -w FILE    write the frames that match to a capture file\n"
	    "  -c COUNT   stop after COUNT messages\n"
	    "  -f BPF     capture filter (pcap-filter(7))\n"
	    "  -n         numbers instead of names\n"
	    "  -v, -vv    every field; field tree\n"
	    "  -x         hex dump of each message\n"
	    "  --json     one JSON object per message\n"
	    "  --stats    counters after the messages\n"
	    "  --strict   exit 1 if any message was malformed\n"
	    "  -Z USER    drop privileges to USER after opening the device\n"
	    "  --tt       time stamps as seconds since the epoch\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  the version\n"
	    "\n"
	    "EXPRESSION: op NAME, group ADDR[/LEN], cmi N, src ATMHEX, "
	    "vc VPI/VCI,\n"
	    "  mars, scsp, nhrp, malformed; and (&&), or (||), not (!), "
	    "( ).\n");
}

static void __attribute__((noreturn))
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "marsdump: %s%s\n", what, arg);
	usage(stderr);
	exit(EXIT_USAGE);
}

/* getopt_long leaves optopt 0 for long options: name them from argv. */
static void
bad_option(const char *what, int opt, const char *arg)
{
	char shortopt[3] = { '-', (char)opt, '\0' };

	usage_error(what, opt != 0 ? shortopt : arg);
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
		err(EXIT_USAGE, "malloc");
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,	NULL,	OPT_JSON },
		{ "stats",	no_argument,	NULL,	OPT_STATS },
		{ "strict",	no_argument,	NULL,	OPT_STRICT },
		{ "tt",		no_argument,	NULL,	OPT_TT },
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 },
	};
	char *end;
	bool json = false;
	int ch;

	memset(o, 0, sizeof(*o));
	opterr = 0;		/* our own messages, named "marsdump" */
	while ((ch = getopt_long(argc, argv, ":r:i:w:c:f:nvxZ:hV", longopts,
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
			o->count = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    o->count == 0)
				usage_error("-c: not a positive count: ",
				    optarg);
			break;
		case 'f':
			o->bpf = optarg;
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
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("marsdump %s\n", mars_version());
			exit(0);
		case ':':
			bad_option("option needs an argument: ", optopt,
			    argv[optind - 1]);
			break;
		default:
			bad_option("unknown option: ", optopt,
			    argv[optind - 1]);
			break;
		}
	}
	if (o->rfile != NULL && o->iface != NULL)
		usage_error("-r and -i cannot be used together", "");
	if (o->rfile == NULL && o->iface == NULL)
		usage_error("one of -r FILE or -i IFACE is needed", "");
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
	fprintf(stderr, "marsdump: bad filter: %s\n    %s\n    %*s^\n", msg,
	    expr, (int)e.offset, "");
	exit(EXIT_USAGE);
}

/* Like tcpdump -Z: leave root for USER once the device is open. */
static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		errx(EXIT_USAGE, "-Z %s: no such user", user);
	if (geteuid() != 0) {
		if (pw->pw_uid != getuid())
			errx(EXIT_USAGE, "-Z %s: changing user needs root",
			    user);
		return;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		err(EXIT_USAGE, "-Z %s", user);
	if (pw->pw_uid != 0 && setuid(0) == 0)
		errx(EXIT_USAGE, "-Z %s: could still regain root", user);
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
		errx(EXIT_USAGE, "%s", why);
	errx(EXIT_USAGE, "%s: %s", name, why);
}

static struct mars_cap *
open_input(const struct opts *o)
{
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_cap *c;

	errbuf[0] = '\0';
	if (o->iface != NULL) {
		if (mars_cap_open_live(&c, o->iface, 0, true, errbuf) != 0)
			open_failed(o->iface, errbuf);
	} else if (mars_cap_open_file(&c, o->rfile, errbuf) != 0)
		open_failed(o->rfile, errbuf);
	if (o->bpf != NULL && mars_cap_set_filter(c, o->bpf, errbuf) != 0)
		errx(EXIT_USAGE, "%s", errbuf);
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
	uint64_t	 matched;
	uint64_t	 malformed;
	bool		 quiet;
	bool		 dump_failed;
	int		 status;
};

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
			/* A file cut short mid-record: malformed, stop. */
			warnx("%s: %s", o->rfile != NULL ? o->rfile : o->iface,
			    e.why != NULL ? e.why : mars_strerror(rc));
			r->malformed++;
			if (o->stats)
				stats_read_error(&r->st, rc);
			if (rc != MARS_E_TRUNC)
				r->status = EXIT_USAGE;
			return;
		}
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
			if (pdu.verdict != 0 && stats_pdu_malformed(&pdu))
				r->malformed++;
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

/* Statistics, counts on stderr, and the exit status. */
static int
finish(struct run *r)
{
	const struct opts *o = r->o;
	uint64_t recv, drop;

	if (o->stats)
		stats_print(&r->ob, &r->st, o->po.mode == MARS_PRINT_JSON);
	if (mars_out_flush(&r->ob) != 0 && r->status == 0)
		r->status = EXIT_USAGE;
	if (r->dump != NULL) {
		if (mars_cap_dump_close(r->dump) != 0)
			r->dump_failed = true;
		if (r->dump_failed) {
			warnx("%s: write error", o->wfile);
			r->status = EXIT_USAGE;
		} else if (r->quiet)
			fprintf(stderr, "%llu messages written to %s\n",
			    (unsigned long long)r->matched, o->wfile);
	}
	if (o->iface != NULL && mars_cap_stats(r->c, &recv, &drop) == 0)
		fprintf(stderr, "%llu messages, %llu frames received, "
		    "%llu dropped\n", (unsigned long long)r->matched,
		    (unsigned long long)recv, (unsigned long long)drop);
	if (r->status == 0 && o->strict && r->malformed > 0)
		r->status = EXIT_MALFORMED;
	return r->status;
}

int
main(int argc, char **argv)
{
	static struct run r;
	struct opts o;
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	int status;

	parse_args(&o, argc, argv);
	r.o = &o;
	if (o.expr != NULL)
		r.flt = compile_filter(o.expr);
	if (o.stats && stats_init(&r.st) != 0)
		errx(EXIT_USAGE, "out of memory");

	r.c = open_input(&o);
	if (o.wfile != NULL &&
	    mars_cap_dump_open(&r.dump, r.c, o.wfile, errbuf) != 0)
		errx(EXIT_USAGE, "%s", errbuf);
	if (o.user != NULL)
		drop_privileges(o.user);
	capture = r.c;
	catch_signals();

	/* With -w, print only when asked to (-v, --json), like tcpdump. */
	r.quiet = o.wfile != NULL && o.po.mode == MARS_PRINT_LINE;
	mars_out_init(&r.ob, o.wfile != NULL && strcmp(o.wfile, "-") == 0 ? 2 : 1,
	    outstore, sizeof(outstore));
	r.ob.line_flush = o.iface != NULL;

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
