/*
 * marsping command line (marsping(1)).  Every problem is reported as
 * "marsping: ..." (a mars-json(7) error object under --json) and exits 2;
 * a usage error is one line that points to --help.
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

#include "cli/diag.h"
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
	OPT_PROTOCOL,
	OPT_NO_CHECKSUM,
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: marsping [-qv] [-c COUNT] [-i INTERVAL] [-W TIMEOUT] "
	    "[-w DEADLINE] [--json]\n"
	    "                [-s ATMHEX] [-p PROTO_ADDR] [-m ENDPOINT] "
	    "[--atm-mars ATMHEX]\n"
	    "                [--cluster FILE] [--protocol ipv4|ipv6] "
	    "[--no-checksum]\n"
	    "                [--failure-timeout DURATION] "
	    "[--retransmit-interval DURATION]\n"
	    "                [--seed N] [--register | --join GROUP[,GROUP...] "
	    "|\n"
	    "                --grouplist [MIN-MAX]] [GROUP]\n"
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
	    "  --protocol ipv4|ipv6  the cluster's protocol (default: that of\n"
	    "                     the cluster file or the addresses given;\n"
	    "                     with none, both are tried)\n"
	    "  --no-checksum      send mar$chksum 0 (RFC 2022 4.3.3)\n"
	    "  --failure-timeout DURATION, --retransmit-interval DURATION\n"
	    "                     client timers (250ms, 2s, 1m)\n"
	    "  --seed N           seed of the client's random delays\n"
	    "  --register         one registration round trip\n"
	    "  --join G1,G2       stay a member of the groups until -w or ^C\n"
	    "  --grouplist [MIN-MAX]  groups with members in the range\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n");
}

#define fail	diag_usage

const char *
mp_pro_name(uint16_t pro)
{
	return pro == MARS_PRO_IPV6 ? "IPv6" : "IPv4";
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

void
opts_default_range(uint16_t pro, struct mars_client_pa *min,
    struct mars_client_pa *max)
{
	static const uint8_t v4min[4] = { 224, 0, 0, 0 };
	static const uint8_t v4max[4] = { 239, 255, 255, 255 };

	memset(min, 0, sizeof(*min));
	memset(max, 0, sizeof(*max));
	if (pro == MARS_PRO_IPV6) {
		min->len = max->len = 16;
		min->addr[0] = 0xff;
		memset(max->addr, 0xff, 16);
	} else {
		min->len = max->len = 4;
		memcpy(min->addr, v4min, 4);
		memcpy(max->addr, v4max, 4);
	}
}

static void
check_family(const struct mp_opts *o, const struct mars_client_pa *pa,
    const char *what, const char *whence)
{
	size_t want = o->pro_type == MARS_PRO_IPV6 ? 16 : 4;

	if (pa->len != 0 && pa->len != want)
		fail("%s: an %s address, but the protocol is %s (%s)", what,
		    pa->len == 16 ? "IPv6" : "IPv4", mp_pro_name(o->pro_type),
		    whence);
}

/*
 * The protocol (mar$pro.type, RFC 2022 §4.3.2): --protocol, else the
 * cluster file's, else that of the addresses given.  With none of them
 * (--register, --grouplist without a range) nothing says which, and
 * registration tries both: a MARS ignores a registration in a protocol
 * it does not serve.
 */
static const char *
choose_protocol(struct mp_opts *o, bool have_range, int pro_opt)
{
	size_t len = 0;

	if (o->cluster != NULL) {
		o->pro_type = o->cluster->protocol == MARS_CONF_PROTO_IPV6 ?
		    MARS_PRO_IPV6 : MARS_PRO_IPV4;
		if (pro_opt != 0 && pro_opt != o->pro_type)
			fail("--protocol %s: the cluster file %s says %s",
			    pro_opt == MARS_PRO_IPV6 ? "ipv6" : "ipv4",
			    o->cluster_path, mp_pro_name(o->pro_type));
		return "the cluster file's";
	}
	if (pro_opt != 0) {
		o->pro_type = (uint16_t)pro_opt;
		return "--protocol";
	}
	if (o->group.len != 0)
		len = o->group.len;
	else if (o->njoin > 0)
		len = o->join[0].len;
	else if (have_range)
		len = o->gl_min.len;
	else if (o->own_pa.len != 0)
		len = o->own_pa.len;
	o->pro_type = len == 16 ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	o->pro_auto = len == 0;
	return "that of the first address";
}

static void
load_cluster(struct mp_opts *o)
{
	struct mp_diag d;
	struct mars_err e;
	char msg[MARS_CONF_MSG_MAX];

	if (mars_config_load_new(&o->cluster, o->cluster_path, &e, msg,
	    sizeof(msg)) != 0) {
		memset(&d, 0, sizeof(d));
		d.file = o->cluster_path;
		d.field = e.field;
		mp_diag(&d, "%s", msg);
		exit(EXIT_USAGE);
	}
}

static void
set_mode(struct mp_opts *o, enum mp_mode m, bool *set)
{
	if (*set && o->mode != m)
		diag_usage("--register, --join and --grouplist exclude each "
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
		{ "protocol",		required_argument, NULL, OPT_PROTOCOL },
		{ "no-checksum",	no_argument,	   NULL, OPT_NO_CHECKSUM },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL,			0,		   NULL, 0 },
	};
	struct mars_err e;
	char *end;
	const char *whence;
	bool mode_set = false, have_range = false;
	size_t i;
	int ch, pro_opt = 0;

	memset(o, 0, sizeof(*o));
	o->interval = 1000;
	o->timeout = 1000;
	/* Errors in the options before --json are JSON too. */
	diag_init("marsping", argc, argv);
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
			if (mars_endpoint_parse(&o->mars_ep, optarg, &e) != 0)
				fail("-m %s: %s", optarg, e.why != NULL ?
				    e.why : "bad endpoint");
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
		case OPT_PROTOCOL:
			if (strcmp(optarg, "ipv4") == 0)
				pro_opt = MARS_PRO_IPV4;
			else if (strcmp(optarg, "ipv6") == 0)
				pro_opt = MARS_PRO_IPV6;
			else
				diag_usage("--protocol: ipv4 or ipv6, not %s",
				    optarg);
			break;
		case OPT_NO_CHECKSUM:
			o->no_checksum = true;
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
		default:
			diag_bad_option(ch, argv);
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
		diag_usage("one GROUP at most: %s", argv[1]);
	if (argc == 1) {
		if (o->mode != MODE_REQUEST)
			diag_usage("GROUP is for request mode only: %s",
			    argv[0]);
		parse_group(argv[0], &o->group);
	} else if (o->mode == MODE_REQUEST)
		diag_usage("a GROUP to ask for is needed");

	if (o->cluster_path != NULL)
		load_cluster(o);
	if (!o->has_mars_ep && o->cluster == NULL)
		diag_usage("-m ENDPOINT (or --cluster FILE) is needed");
	for (i = 1; i < o->njoin; i++)
		if (o->join[i].len != o->join[0].len)
			fail("--join: mixed address families");
	whence = choose_protocol(o, have_range, pro_opt);
	if (!have_range)
		opts_default_range(o->pro_type, &o->gl_min, &o->gl_max);
	check_family(o, &o->group, "GROUP", whence);
	check_family(o, &o->own_pa, "-p", whence);
	check_family(o, &o->gl_min, "--grouplist", whence);
	if (o->njoin > 0)
		check_family(o, &o->join[0], "--join", whence);
}
