/*
 * marsfail: what does a MARS cluster do when its Active MARS dies?  Runs
 * a drill (mars-drill(5)) on a simulated cluster (--sim, the default), on
 * marsd processes in a lab on this host (--lab) or on an existing cluster
 * (--live), judges every expect with the rules of check.h, and reports in
 * text, JSON, TAP, JUnit or HTML.  `marsfail explore' runs random fault
 * schedules in simulation; `marsfail --live -m ENDPOINT conformance' the
 * RFC 2022 conformance suite.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/version.h"

#include "marsfail.h"


enum {
	OPT_SIM = 256,
	OPT_LAB,
	OPT_LIVE,
	OPT_SEED,
	OPT_JSON,
	OPT_TAP,
	OPT_JUNIT,
	OPT_HTML,
	OPT_MARSD,
	OPT_FAIL_CMD,
	OPT_RESTORE_CMD,
	OPT_NETNS,
	OPT_NO_NETNS,
	OPT_STRICT,
	OPT_RUNS,
	OPT_MEMBERS,
	OPT_STEPS,
	OPT_FAULT,
	OPT_ONLY,
	OPT_TIMEOUT,
	OPT_LIST,
	OPT_KEEP,
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: marsfail [--sim | --lab | --live -c CLUSTERFILE] "
	    "[-c CLUSTERFILE] [--seed N]\n"
	    "                [--json | --tap | --junit] [--html FILE] "
	    "[-w PCAP] [--strict]\n"
	    "                [--marsd PATH] [--netns | --no-netns] "
	    "[--keep DIR]\n"
	    "                [--fail-cmd CMD] [--restore-cmd CMD] [-q] [-v] "
	    "DRILL\n"
	    "       marsfail explore [--seed N] [--runs N] [-c CLUSTERFILE] "
	    "[--members N]\n"
	    "                [--steps N] [--fault LIST] [--json]\n"
	    "       marsfail --live -m ENDPOINT conformance [--only LIST] "
	    "[--timeout DURATION]\n"
	    "                [--seed N] [--json | --tap | --junit]\n"
	    "       marsfail --list [--json]\n"
	    "       marsfail -h | -V\n"
	    "\n"
	    "  DRILL              a drill file (mars-drill(5)) or the name of "
	    "a shipped one\n"
	    "  --sim              in the simulator, virtual time (the "
	    "default)\n"
	    "  --lab              marsd processes and emulated members on "
	    "this host\n"
	    "  --live             an existing cluster (-c); faults by "
	    "--fail-cmd\n"
	    "  -c CLUSTERFILE     the cluster, instead of the drill's "
	    "(marsd.conf(5))\n"
	    "  --seed N           the seed of every random choice\n"
	    "  --json             JSON lines (mars-json(7))\n"
	    "  --tap              TAP, one test per expect\n"
	    "  --junit            JUnit XML, one testcase per expect\n"
	    "  --html FILE        a self-contained page with the timeline\n"
	    "  -w PCAP            the control traffic as a pcap\n"
	    "  --strict           an expect that cannot be told fails\n"
	    "  --marsd PATH       --lab: the marsd to run (default: beside "
	    "marsfail)\n"
	    "  --netns            --lab: each marsd in a network namespace "
	    "(root)\n"
	    "  --no-netns         --lab: all on loopback\n"
	    "  --keep DIR         --lab: keep the cluster file and logs in "
	    "DIR\n"
	    "  --fail-cmd CMD     --live: run to fail a MARS (%%n its name, "
	    "%%a the fault)\n"
	    "  --restore-cmd CMD  --live: run to bring it back\n"
	    "  -m ENDPOINT        conformance: the MARS under test "
	    "(udp:HOST:PORT)\n"
	    "  --only LIST        conformance: case ids or prefixes, "
	    "comma-separated\n"
	    "  --timeout DURATION conformance: wait for one answer\n"
	    "  --runs N           explore: schedules to run (100)\n"
	    "  --members N        explore: members (5)\n"
	    "  --steps N          explore: faults per schedule (6)\n"
	    "  --fault LIST       explore: marsd fault switches on every "
	    "entity\n"
	    "  --list             the shipped drills\n"
	    "  -q                 only the verdict line\n"
	    "  -v                 more detail\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n"
	    "\n"
	    "Exit status: 0 every expect held, 1 one failed, 2 an error.\n");
}

static uint64_t
num_arg(const char *opt, const char *v)
{
	char *end;
	unsigned long long x;

	x = strtoull(v, &end, 0);
	if (*v == '\0' || *end != '\0' || *v == '-')
		diag_usage("%s %s: not a number", opt, v);
	return x;
}

static void
set_mode(struct fail_opts *o, int mode, const char *opt)
{
	if (o->mode != 0 && o->mode != mode)
		diag_usage("%s: only one of --sim, --lab and --live", opt);
	o->mode = mode;
}

static const char *
drill_dir(void)
{
	const char *e = getenv("MARSFAIL_DRILLS");

	return e != NULL && *e != '\0' ? e : MARS_DRILLDIR;
}

/* A shipped drill by name, else the path as given. */
static const char *
resolve_drill(const char *arg, char *buf, size_t len)
{
	if (strchr(arg, '/') != NULL || (access(arg, R_OK) == 0 &&
	    strstr(arg, ".drill") != NULL))
		return arg;
	snprintf(buf, len, "%s/%s%s", drill_dir(), arg,
	    strstr(arg, ".drill") != NULL ? "" : ".drill");
	if (access(buf, F_OK) == 0)
		return buf;
	return arg;
}

static int
list_drills(bool json)
{
	char cmd[FAIL_PATH_MAX + 64], line[FAIL_PATH_MAX], *nl;
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null", drill_dir());
	if ((p = popen(cmd, "r")) == NULL)
		return EXIT_USAGE;
	while (fgets(line, sizeof(line), p) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((nl = strstr(line, ".drill")) == NULL || nl[6] != '\0')
			continue;
		*nl = '\0';
		if (json) {
			fputs("{\"type\":\"drill\",\"name\":", stdout);
			diag_json_str(stdout, line);
			fputs(",\"dir\":", stdout);
			diag_json_str(stdout, drill_dir());
			fputs("}\n", stdout);
		} else
			printf("%s\n", line);
		n++;
	}
	pclose(p);
	if (n == 0)
		diag_fatal(EXIT_USAGE, drill_dir(), 0, "no drill here");
	return 0;
}

static void
parse_args(struct fail_opts *o, int argc, char **argv, int *first)
{
	static const struct option longopts[] = {
		{ "sim", no_argument, NULL, OPT_SIM },
		{ "lab", no_argument, NULL, OPT_LAB },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "tap", no_argument, NULL, OPT_TAP },
		{ "junit", no_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "marsd", required_argument, NULL, OPT_MARSD },
		{ "fail-cmd", required_argument, NULL, OPT_FAIL_CMD },
		{ "restore-cmd", required_argument, NULL, OPT_RESTORE_CMD },
		{ "netns", no_argument, NULL, OPT_NETNS },
		{ "no-netns", no_argument, NULL, OPT_NO_NETNS },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "members", required_argument, NULL, OPT_MEMBERS },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mars_err err;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:w:m:qvhV", longopts,
	    NULL)) != -1) {
		memset(&err, 0, sizeof(err));
		switch (ch) {
		case OPT_SIM:
			set_mode(o, MODE_SIM, "--sim");
			break;
		case OPT_LAB:
			set_mode(o, MODE_LAB, "--lab");
			break;
		case OPT_LIVE:
			set_mode(o, MODE_LIVE, "--live");
			break;
		case 'c':
			o->cluster_path = optarg;
			break;
		case 'w':
			o->pcap = optarg;
			break;
		case 'm':
			o->endpoint = optarg;
			break;
		case OPT_SEED:
			o->seed = num_arg("--seed", optarg);
			o->has_seed = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_TAP:
			o->tap = true;
			break;
		case OPT_JUNIT:
			o->junit = true;
			break;
		case OPT_HTML:
			o->html = optarg;
			break;
		case OPT_MARSD:
			o->marsd = optarg;
			break;
		case OPT_FAIL_CMD:
			o->fail_cmd = optarg;
			break;
		case OPT_RESTORE_CMD:
			o->restore_cmd = optarg;
			break;
		case OPT_NETNS:
			o->netns = 1;
			break;
		case OPT_NO_NETNS:
			o->netns = 0;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_RUNS:
			o->runs = num_arg("--runs", optarg);
			break;
		case OPT_MEMBERS:
			o->explore_members = (size_t)num_arg("--members",
			    optarg);
			break;
		case OPT_STEPS:
			o->explore_steps = (size_t)num_arg("--steps", optarg);
			break;
		case OPT_FAULT:
			o->explore_fault_text = optarg;
			break;
		case OPT_ONLY:
			o->only = optarg;
			break;
		case OPT_TIMEOUT:
			if (mars_config_parse_duration(optarg, &o->timeout,
			    &err) != 0)
				diag_usage("--timeout %s: %s", optarg, err.why);
			break;
		case OPT_LIST:
			o->list = true;
			break;
		case OPT_KEEP:
			o->keep = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("marsfail %s\n", MARS_VERSION_STRING);
			exit(0);
		default:
			diag_bad_option(ch, argv);
		}
	}
	*first = optind;
	if (o->json + o->tap + o->junit > 1)
		diag_usage("--json, --tap and --junit: choose one");
}

static int
run_one(const struct fail_opts *o, const char *arg)
{
	static struct fail_run r;
	struct drill d;
	char buf[FAIL_PATH_MAX], line[512];
	const char *path;
	int status;

	path = resolve_drill(arg, buf, sizeof(buf));
	drill_load(&d, path, o->cluster_path);
	if (run_drill(&r, o, &d) != 0 && r.nres == 0 && r.nphases == 0 &&
	    r.chk == NULL) {
		diag_fatal(EXIT_USAGE, d.path, r.errline, "%s", r.errmsg);
	}
	if (o->html != NULL && report_html(o->html, &r) != 0)
		diag_warn(o->html, 0, "cannot write the HTML report");
	if (o->json)
		report_json(stdout, &r);
	else if (o->tap)
		report_tap(stdout, &r);
	else if (o->junit)
		report_junit(stdout, &r);
	else if (o->quiet)
		printf("%s\n", verdict_line(&r, line, sizeof(line)));
	else
		report_text(stdout, &r);
	if (r.error && !o->json && !o->tap && !o->junit)
		diag_warn(d.path, r.errline, "%s", r.errmsg);
	status = r.error ? EXIT_USAGE : r.failed > 0 ? EXIT_FAILED : EXIT_HELD;
	run_free(&r);
	drill_free(&d);
	return status;
}

int
main(int argc, char **argv)
{
	static struct fail_opts o;
	int first;

	if (argc > 1 && strcmp(argv[1], "__complete") == 0)
		return complete_main(argc - 2, argv + 2);
	diag_init("marsfail", argc, argv);
	o.netns = -1;
	parse_args(&o, argc, argv, &first);
	if (o.list) {
		if (first < argc)
			diag_usage("--list takes no drill");
		return list_drills(o.json);
	}
	if (first < argc && strcmp(argv[first], "explore") == 0) {
		if (first + 1 < argc)
			diag_usage("explore: unexpected \"%s\"",
			    argv[first + 1]);
		if (o.mode != 0 && o.mode != MODE_SIM)
			diag_usage("explore runs in simulation only");
		return explore_main(&o);
	}
	if (first < argc && strcmp(argv[first], "conformance") == 0) {
		if (first + 1 < argc)
			diag_usage("conformance: unexpected \"%s\"",
			    argv[first + 1]);
		if (o.mode != MODE_LIVE || o.endpoint == NULL)
			diag_usage("conformance needs --live -m ENDPOINT");
		return conform_main(&o);
	}
	if (o.endpoint != NULL)
		diag_usage("-m goes with conformance");
	if (first == argc)
		diag_usage("a drill is needed (marsfail --list shows the "
		    "shipped ones)");
	if (first + 1 < argc)
		diag_usage("unexpected \"%s\": one drill at a time",
		    argv[first + 1]);
	if (o.mode == 0)
		o.mode = MODE_SIM;
	if (o.mode == MODE_LIVE && o.cluster_path == NULL)
		diag_usage("--live needs -c CLUSTERFILE");
	if (o.mode != MODE_LIVE && (o.fail_cmd != NULL ||
	    o.restore_cmd != NULL))
		diag_usage("--fail-cmd and --restore-cmd go with --live");
	if (o.mode == MODE_SIM && (o.marsd != NULL || o.netns == 1 ||
	    o.keep != NULL))
		diag_usage("--marsd, --netns and --keep go with --lab");
	return run_one(&o, argv[first]);
}
