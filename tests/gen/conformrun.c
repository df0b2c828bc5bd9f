/*
 * conformrun: run the RFC 2022 conformance suite (conform.h) against one
 * MARS and print one line per case, for the tests.
 *
 *   conformrun [-6] [-t MS] [-w MS] [-o IDS] [-c CLUSTER] ENDPOINT
 *   conformrun -l
 *
 * Each line is "VERDICT ID MS" then, for FAIL and SKIP, ": detail"
 * (VERDICT is PASS, FAIL or SKIP, MS the case's time).  -l lists the
 * catalogue, "ID<TAB>REF<TAB>TITLE".  -6: IPv6 groups; -t: the wait for
 * one answer; -w: the wait for redirect maps; -o: case ids or prefixes,
 * comma-separated; -c: the cluster file (the cluster-* cases).  Exit 0
 * when no case failed, 1 when one did, 2 on errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/config.h"
#include "mars/conform.h"
#include "mars/endpoint.h"
#include "mars/proto.h"

static const char *const names[] = { "PASS", "FAIL", "SKIP" };

struct tally {
	unsigned	 n[3];
};

static void
report(void *ctx, const struct mars_conform_result *res)
{
	struct tally *t = ctx;

	t->n[res->verdict]++;
	printf("%s %s %llu", names[res->verdict], res->tcase->id,
	    (unsigned long long)res->elapsed);
	if (res->detail != NULL)
		printf(": %s", res->detail);
	printf("\n");
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: conformrun [-6] [-t MS] [-w MS] [-o IDS] "
	    "[-c CLUSTER] ENDPOINT\n       conformrun -l\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const struct mars_conform_case *cc;
	struct mars_conform_conf conf;
	struct mars_cluster_conf *cluster = NULL;
	struct mars_err err;
	struct tally t = { { 0, 0, 0 } };
	char msg[MARS_CONF_MSG_MAX], why[256];
	size_t i;
	int ch, rc;

	memset(&conf, 0, sizeof(conf));
	conf.pro = MARS_PRO_IPV4;
	while ((ch = getopt(argc, argv, "6c:lo:t:w:")) != -1) {
		switch (ch) {
		case '6':
			conf.pro = MARS_PRO_IPV6;
			break;
		case 'c':
			if (mars_config_load_new(&cluster, optarg, &err, msg,
			    sizeof(msg)) != 0) {
				fprintf(stderr, "conformrun: %s\n", msg);
				return 2;
			}
			conf.cluster = cluster;
			break;
		case 'l':
			for (i = 0; (cc = mars_conform_case(i)) != NULL; i++)
				printf("%s\t%s\t%s\n", cc->id, cc->ref,
				    cc->title);
			return 0;
		case 'o':
			conf.only = optarg;
			break;
		case 't':
			conf.timeout = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			conf.map_wait = strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	if (mars_endpoint_parse(&conf.mars, argv[optind], &err) != 0) {
		fprintf(stderr, "conformrun: bad endpoint %s\n", argv[optind]);
		return 2;
	}
	conf.seed = 1;
	rc = mars_conform_run(&conf, report, &t, &err);
	free(cluster);
	if (rc != 0) {
		mars_err_format(&err, why, sizeof(why));
		fprintf(stderr, "conformrun: %s\n", why);
		return 2;
	}
	printf("total %u pass %u fail %u skip %u\n", t.n[0] + t.n[1] + t.n[2],
	    t.n[0], t.n[1], t.n[2]);
	return t.n[1] > 0 ? 1 : 0;
}
