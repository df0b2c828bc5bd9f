/*
 * marsmap: did the MARS entities advertise the right redirect maps, and
 * did every cluster member keep its Cluster Member ID?  Checks a capture
 * (-r), a live interface (-i) or a live cluster (-m, --cluster) against
 * draft-armitage-ion-mars-scsp-03 and RFC 2022 (check.h), prints what it
 * reconstructed and every finding, and exits 1 when a rule is broken.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/check.h"
#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/version.h"

#include "marsmap.h"

enum {
	OPT_JSON = 256,
	OPT_RULES,
	OPT_TUI,
	OPT_STRICT,
	OPT_CLUSTER,
	OPT_SEED,
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: marsmap [-r FILE | -i IFACE | -m ENDPOINT | "
	    "--cluster FILE]\n"
	    "               [-c CLUSTERFILE] [--json] [--rules LIST] [--tui] "
	    "[--strict]\n"
	    "               [-w DURATION] [-f BPF] [-Z USER] [-v]\n"
	    "       marsmap -l [--json]\n"
	    "       marsmap -h | -V\n"
	    "\n"
	    "  -r FILE          check a pcap or pcapng capture "
	    "(\"-\": standard input)\n"
	    "  -i IFACE         check live on an interface\n"
	    "  -m ENDPOINT      check live as a cluster member of the MARS at "
	    "ENDPOINT\n"
	    "  --cluster FILE   check live as a cluster member of the cluster "
	    "in FILE\n"
	    "  -c CLUSTERFILE   the MARS Group, partitions and CMI blocks "
	    "(marsd.conf(5))\n"
	    "  --json           the report as one JSON object (mars-json(7))\n"
	    "  --rules LIST     the rules to check: names, all, -name "
	    "(see -l)\n"
	    "  --tui            the ncurses live view\n"
	    "  --strict         exit 1 also when a rule cannot be told\n"
	    "  -w DURATION      live modes: stop after DURATION (250ms, 2s, "
	    "1m)\n"
	    "  -f BPF           -i: capture filter (pcap-filter(7))\n"
	    "  -Z USER          -i: drop privileges to USER after opening\n"
	    "  -v               more detail in the report\n"
	    "  -l, --list-rules the rules, their sections and severities\n"
	    "  -h, --help       this text\n"
	    "  -V, --version    the version\n"
	    "\n"
	    "Exit status: 0 every rule held, 1 a rule broken, 2 an error.\n");
}

static void
set_mode(struct mm_opts *o, int mode, const char *opt)
{
	if (o->mode != 0 && !(o->mode == MM_MEMBER && mode == MM_MEMBER))
		diag_usage("%s: only one of -r, -i, -m and --cluster", opt);
	o->mode = mode;
}

static void
load_cluster(struct mm_opts *o, const char *path)
{
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX];

	memset(&err, 0, sizeof(err));
	if (mars_config_load_new(&o->cluster, path, &err, msg,
	    sizeof(msg)) != 0)
		diag_fatal(EXIT_USAGE, path, 0, "%s", msg);
	if (o->cluster->n_mars == 0)
		diag_fatal(EXIT_USAGE, path, 0, "%s: no [mars] section", path);
}

static void
parse_args(struct mm_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "tui", no_argument, NULL, OPT_TUI },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mars_err err;
	mars_time_t ms;
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->rules = MARS_CHECK_ALL_RULES;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:i:m:c:w:f:Z:lvhV", longopts,
	    NULL)) != -1) {
		memset(&err, 0, sizeof(err));
		switch (ch) {
		case 'r':
			set_mode(o, MM_READ, "-r");
			o->rfile = optarg;
			break;
		case 'i':
			set_mode(o, MM_LIVE, "-i");
			o->iface = optarg;
			break;
		case 'm':
			set_mode(o, MM_MEMBER, "-m");
			if (o->mars_ep_text != NULL)
				diag_usage("-m: given twice");
			if (mars_endpoint_parse(&o->mars_ep, optarg,
			    &err) != 0 || o->mars_ep.kind != MARS_ENDPOINT_UDP)
				diag_usage("-m %s: not an endpoint "
				    "udp:HOST:PORT", optarg);
			o->mars_ep_text = optarg;
			break;
		case OPT_CLUSTER:
			set_mode(o, MM_MEMBER, "--cluster");
			o->member_cluster = optarg;
			break;
		case 'c':
			o->cfile = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_RULES:
			if (mars_check_rules_parse(optarg, &o->rules,
			    &err) != 0)
				diag_usage("--rules %s: %s \"%s\"", optarg,
				    err.why, err.field);
			break;
		case OPT_TUI:
			o->tui = true;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case 'w':
			if (mars_config_parse_duration(optarg, &ms, &err) != 0)
				diag_usage("-w %s: %s", optarg, err.why);
			o->deadline_ms = ms;
			break;
		case 'f':
			o->bpf = optarg;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case OPT_SEED:
			o->seed = strtoull(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0')
				diag_usage("--seed %s: not a number", optarg);
			o->has_seed = true;
			break;
		case 'l':
			o->list_rules = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("marsmap %s\n", MARS_VERSION_STRING);
			exit(0);
		default:
			diag_bad_option(ch, argv);
		}
	}
	if (optind < argc)
		diag_usage("unexpected argument \"%s\"", argv[optind]);
	if (o->list_rules)
		return;
	if (o->mode == 0)
		diag_usage("one of -r, -i, -m or --cluster is needed");
	if (o->tui && o->json)
		diag_usage("--tui and --json: choose one");
	if (o->mode != MM_LIVE && (o->bpf != NULL || o->user != NULL))
		diag_usage("-f and -Z go with -i");
	if (o->mode == MM_READ && o->deadline_ms != 0)
		diag_usage("-w goes with the live modes");
	if (o->member_cluster != NULL && o->cfile == NULL)
		o->cfile = o->member_cluster;
	if (o->cfile != NULL)
		load_cluster(o, o->cfile);
	if (o->member_cluster != NULL &&
	    strcmp(o->member_cluster, o->cfile) != 0)
		diag_usage("--cluster and -c name different files: the "
		    "member's cluster is the one checked");
}

int
main(int argc, char **argv)
{
	static struct mm_opts o;
	static struct mm_run r;
	static char store[1 << 14];
	struct mars_out ob;
	int status;

	diag_init("marsmap", argc, argv);
	parse_args(&o, argc, argv);
	if (o.list_rules) {
		mars_out_init(&ob, 1, store, sizeof(store));
		mm_list_rules(&ob, o.json);
		return mars_out_flush(&ob) == 0 ? 0 : EXIT_USAGE;
	}
	switch (o.mode) {
	case MM_READ:
		mm_run_init(&r, &o, strcmp(o.rfile, "-") == 0 ?
		    "standard input" : o.rfile);
		status = mm_capture(&r);
		break;
	case MM_LIVE:
		mm_run_init(&r, &o, o.iface);
		status = mm_capture(&r);
		break;
	default:
		mm_run_init(&r, &o, o.mars_ep_text != NULL ? o.mars_ep_text :
		    o.member_cluster);
		status = mm_member(&r);
		break;
	}
	free(o.cluster);
	return status;
}
