/*
 * marsping command line (marsping(1)).  Every problem is reported as
 * "marsping: ..." and exits 2.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/atm.h"
#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/proto.h"
#include "mars/version.h"

#include "marsping.h"

enum {
	OPT_JSON = 256,
	OPT_ATM_MARS,
	OPT_REGISTER,
	OPT_JOIN,
	OPT_GROUPLIST,
	OPT_CLUSTER,
	OPT_FAILURE,
	OPT_RETRANSMIT,
	OPT_SEED,
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: marsping [-qv] [-c COUNT] [-i INTERVAL] [-W TIMEOUT] "
	    "[-w DEADLINE] [--json]\n"
	    "                [-s ATMHEX] [-p PROTO_ADDR] [-m ENDPOINT] "
	    "[--atm-mars ATMHEX]\n"
	    "                [--cluster FILE] [--failure-timeout DURATION]\n"
	    "                [--retransmit-interval DURATION] [--seed N]\n"
	    "                [--register | --join GROUP[,GROUP...] | "
	    "--grouplist [MIN-MAX]] [GROUP]\n"
	    "       marsping -h | -V\n"
	    "\n"
	    "  -m ENDPOINT        the MARS, udp:HOST:PORT\n"
	    "  -c COUNT           stop after COUNT requests\n"
	    "  -i INTERVAL        between requests (default 1s)\n"
	    "  -W TIMEOUT         wait for each reply (default 1s)\n"
	    "  -w DEADLINE        stop after DEADLINE in any mode\n"
	    "  -q                 only the summary\n"
	    "  -v                 more detail (members, every redirect map)\n"
	    "  --json             one JSON object per line\n"
	    "  -s ATMHEX          own ATM address (20-octet NSAP)\n"
	    "  -p PROTO_ADDR      own protocol address\n"
	    "  --atm-mars ATMHEX  the MARS's ATM address\n"
	    "  --cluster FILE     MARS list and timers from a cluster file\n"
	    "  --failure-timeout DURATION, --retransmit-interval DURATION\n"
	    "                     client timers (250ms, 2s, 1m)\n"
	    "  --seed N           seed of the client's random delays\n"
	    "  --register         one registration round trip\n"
	    "  --join G1,G2       stay a member of the groups until -w or ^C\n"
	    "  --grouplist [MIN-MAX]  groups with members in the range\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "marsping: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_USAGE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "marsping: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(EXIT_USAGE);
}

int
opts_duration(const char *s, mars_time_t *ms)
{
	struct mars_err e;
	const char *p;
	uint64_t whole = 0, frac = 0, scale = 1000;

	if (strchr(s, '.') == NULL)
		return mars_config_parse_duration(s, ms, &e);
	/* Decimal seconds, as ping's -i 0.2: at most millisecond precision. */
	for (p = s; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 86400)
			return -1;
	}
	if (p == s && p[1] == '\0')
		return -1;
	if (*p++ != '.')
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (scale > 1) {
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p == 's')
		p++;
	if (*p != '\0')
		return -1;
	*ms = whole * 1000 + frac;
	if (*ms == 0 || *ms > 86400 * 1000)
		return -1;
	return 0;
}

static mars_time_t
duration_arg(const char *opt, const char *arg)
{
	mars_time_t ms;

	if (opts_duration(arg, &ms) != 0)
		fail("%s: not a duration (250ms, 2s, 1m, 0.5): %s", opt, arg);
	return ms;
}

/* A protocol address: 4 octets (IPv4) or 16 (IPv6); 0 if neither. */
static int
parse_pa(const char *text, struct mars_client_pa *pa)
{
	memset(pa, 0, sizeof(*pa));
	if (inet_pton(AF_INET, text, pa->addr) == 1) {
		pa->len = 4;
		return 4;
	}
	if (inet_pton(AF_INET6, text, pa->addr) == 1) {
		pa->len = 16;
		return 16;
	}
	return 0;
}

/* RFC 1112 224.0.0.0/4, RFC 4291 ff00::/8. */
static bool
is_multicast(const struct mars_client_pa *pa)
{
	if (pa->len == 4)
		return (pa->addr[0] & 0xf0) == 0xe0;
	return pa->len == 16 && pa->addr[0] == 0xff;
}

static void
parse_group(const char *text, struct mars_client_pa *pa)
{
	if (parse_pa(text, pa) == 0)
		fail("not an IPv4 or IPv6 address: %s", text);
	if (!is_multicast(pa))
		fail("not a multicast group: %s", text);
}

static void
parse_atm(const char *opt, const char *text, uint8_t *out)
{
	if (mars_atm_parse_hex(text, out, MARS_ATM_ADDR_MAX) != MARS_ATM_ADDR_MAX)
		fail("%s: not a 20-octet NSAP address (40 hex digits): %s",
		    opt, text);
}

static void
parse_join(struct mp_opts *o, const char *arg)
{
	char buf[1024], *tok, *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		fail("--join: list too long: %s", arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (o->njoin == MP_JOIN_MAX)
			fail("--join: more than 64 groups: %s", arg);
		parse_group(tok, &o->join[o->njoin++]);
	}
	if (o->njoin == 0)
		fail("--join: no group given");
}

static void
parse_range(struct mp_opts *o, const char *arg)
{
	char buf[128], *dash;

	if (strlen(arg) >= sizeof(buf) || (dash = strchr(arg, '-')) == NULL)
		fail("--grouplist: not a range MIN-MAX: %s", arg);
	strcpy(buf, arg);
	buf[dash - arg] = '\0';
	if (parse_pa(buf, &o->gl_min) == 0 ||
	    parse_pa(buf + (dash - arg) + 1, &o->gl_max) == 0)
		fail("--grouplist: not a range of addresses: %s", arg);
	if (o->gl_min.len != o->gl_max.len)
		fail("--grouplist: MIN and MAX of different families: %s", arg);
	if (memcmp(o->gl_min.addr, o->gl_max.addr, o->gl_min.len) > 0)
		fail("--grouplist: MIN above MAX: %s", arg);
}

static void
default_range(struct mp_opts *o)
{
	static const uint8_t v4min[4] = { 224, 0, 0, 0 };
	static const uint8_t v4max[4] = { 239, 255, 255, 255 };

	memset(&o->gl_min, 0, sizeof(o->gl_min));
	memset(&o->gl_max, 0, sizeof(o->gl_max));
	if (o->pro_type == MARS_PRO_IPV6) {
		o->gl_min.len = o->gl_max.len = 16;
		o->gl_min.addr[0] = 0xff;
		memset(o->gl_max.addr, 0xff, 16);
	} else {
		o->gl_min.len = o->gl_max.len = 4;
		memcpy(o->gl_min.addr, v4min, 4);
		memcpy(o->gl_max.addr, v4max, 4);
	}
}

static void
check_family(const struct mp_opts *o, const struct mars_client_pa *pa,
    const char *what)
{
	size_t want = o->pro_type == MARS_PRO_IPV6 ? 16 : 4;

	if (pa->len != 0 && pa->len != want)
		fail("%s: address family differs from the cluster protocol",
		    what);
}

/* The protocol: the cluster file's, else that of the addresses given. */
static void
choose_protocol(struct mp_opts *o, bool have_range)
{
	size_t len = 0;

	if (o->cluster != NULL)
		o->pro_type = o->cluster->protocol == MARS_CONF_PROTO_IPV6 ?
		    MARS_PRO_IPV6 : MARS_PRO_IPV4;
	else {
		if (o->group.len != 0)
			len = o->group.len;
		else if (o->njoin > 0)
			len = o->join[0].len;
		else if (have_range)
			len = o->gl_min.len;
		else if (o->own_pa.len != 0)
			len = o->own_pa.len;
		o->pro_type = len == 16 ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	}
}

static void
load_cluster(struct mp_opts *o)
{
	struct mars_err e;
	char msg[MARS_CONF_MSG_MAX];

	if (mars_config_load_new(&o->cluster, o->cluster_path, &e, msg,
	    sizeof(msg)) != 0)
		fail("%s", msg);
}

static void
set_mode(struct mp_opts *o, enum mp_mode m, bool *set)
{
	if (*set && o->mode != m)
		usage_error("--register, --join and --grouplist exclude each "
		    "other");
	o->mode = m;
	*set = true;
}

void
opts_parse(struct mp_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",		no_argument,	   NULL, OPT_JSON },
		{ "atm-mars",		required_argument, NULL, OPT_ATM_MARS },
		{ "register",		no_argument,	   NULL, OPT_REGISTER },
		{ "join",		required_argument, NULL, OPT_JOIN },
		{ "grouplist",		optional_argument, NULL, OPT_GROUPLIST },
		{ "cluster",		required_argument, NULL, OPT_CLUSTER },
		{ "failure-timeout",	required_argument, NULL, OPT_FAILURE },
		{ "retransmit-interval", required_argument, NULL, OPT_RETRANSMIT },
		{ "seed",		required_argument, NULL, OPT_SEED },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL,			0,		   NULL, 0 },
	};
	struct mars_err e;
	char *end, opt[3] = { '-', 0, 0 };
	bool mode_set = false, have_range = false;
	size_t i;
	int ch;

	memset(o, 0, sizeof(*o));
	o->interval = 1000;
	o->timeout = 1000;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:i:W:w:qvs:p:m:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->count = strtoull(optarg, &end, 10);
			if (!isdigit((unsigned char)*optarg) || *end != '\0' ||
			    o->count == 0)
				fail("-c: not a positive count: %s", optarg);
			break;
		case 'i':
			o->interval = duration_arg("-i", optarg);
			break;
		case 'W':
			o->timeout = duration_arg("-W", optarg);
			break;
		case 'w':
			o->deadline = duration_arg("-w", optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 's':
			parse_atm("-s", optarg, o->own);
			o->has_own = true;
			break;
		case 'p':
			if (parse_pa(optarg, &o->own_pa) == 0)
				fail("-p: not an IPv4 or IPv6 address: %s",
				    optarg);
			break;
		case 'm':
			if (mars_endpoint_parse(&o->mars_ep, optarg, &e) != 0) {
				fprintf(stderr, "marsping: -m %s: %s\n", optarg,
				    e.why != NULL ? e.why : "bad endpoint");
				exit(EXIT_USAGE);
			}
			if (o->mars_ep.kind == MARS_ENDPOINT_UDP &&
			    o->mars_ep.port == 0)
				fail("-m %s: port 0 cannot be reached", optarg);
			o->has_mars_ep = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_ATM_MARS:
			parse_atm("--atm-mars", optarg, o->mars_atm);
			o->has_mars_atm = true;
			break;
		case OPT_REGISTER:
			set_mode(o, MODE_REGISTER, &mode_set);
			break;
		case OPT_JOIN:
			set_mode(o, MODE_JOIN, &mode_set);
			parse_join(o, optarg);
			break;
		case OPT_GROUPLIST:
			set_mode(o, MODE_GROUPLIST, &mode_set);
			if (optarg != NULL) {
				parse_range(o, optarg);
				have_range = true;
			}
			break;
		case OPT_CLUSTER:
			o->cluster_path = optarg;
			break;
		case OPT_FAILURE:
			o->failure_timeout = duration_arg("--failure-timeout",
			    optarg);
			break;
		case OPT_RETRANSMIT:
			o->retransmit_interval =
			    duration_arg("--retransmit-interval", optarg);
			break;
		case OPT_SEED:
			o->seed = strtoull(optarg, &end, 0);
			if (!isdigit((unsigned char)*optarg) || *end != '\0')
				fail("--seed: not a number: %s", optarg);
			o->has_seed = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("marsping %s\n", mars_version());
			exit(0);
		case ':':
			opt[1] = (char)optopt;
			usage_error("option needs an argument: %s",
			    optopt != 0 ? opt : argv[optind - 1]);
			break;
		default:
			opt[1] = (char)optopt;
			usage_error("unknown option: %s",
			    optopt != 0 ? opt : argv[optind - 1]);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (o->mode == MODE_GROUPLIST && !have_range && argc == 1 &&
	    strchr(argv[0], '-') != NULL) {
		/* "--grouplist MIN-MAX" with a space. */
		parse_range(o, argv[0]);
		have_range = true;
		argc--;
		argv++;
	}
	if (argc > 1)
		usage_error("one GROUP at most: %s", argv[1]);
	if (argc == 1) {
		if (o->mode != MODE_REQUEST)
			usage_error("GROUP is for request mode only: %s",
			    argv[0]);
		parse_group(argv[0], &o->group);
	} else if (o->mode == MODE_REQUEST)
		usage_error("a GROUP to ask for is needed");

	if (o->cluster_path != NULL)
		load_cluster(o);
	if (!o->has_mars_ep && o->cluster == NULL)
		usage_error("-m ENDPOINT (or --cluster FILE) is needed");
	choose_protocol(o, have_range);
	if (!have_range)
		default_range(o);
	check_family(o, &o->group, "GROUP");
	check_family(o, &o->own_pa, "-p");
	check_family(o, &o->gl_min, "--grouplist");
	if (o->njoin > 0)
		check_family(o, &o->join[0], "--join");
	for (i = 1; i < o->njoin; i++)
		if (o->join[i].len != o->join[0].len)
			fail("--join: mixed address families");
}
