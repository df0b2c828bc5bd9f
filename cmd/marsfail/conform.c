/*
 * marsfail --live -m ENDPOINT conformance: the RFC 2022 conformance suite
 * of conform.h against one MARS, each verdict reported as it comes, in
 * text (one line a case, a summary and a one-line verdict), --json
 * (mars-json(7) lines), --tap or --junit.  Exit 0 when no case failed,
 * 1 when one did, 2 when the suite could not run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/conform.h"
#include "mars/endpoint.h"
#include "mars/proto.h"

#include "marsfail.h"

struct cf_run {
	const struct fail_opts	*o;
	unsigned		 n;
	unsigned		 pass;
	unsigned		 fail;
	unsigned		 skip;
	mars_time_t		 elapsed;
	FILE			*junit;		/* testcases, kept to the end */
};

static const char *
verdict_word(int v)
{
	switch (v) {
	case MARS_CONFORM_PASS:	return "pass";
	case MARS_CONFORM_FAIL:	return "fail";
	}
	return "skip";
}

static void
xml(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '<':	fputs("&lt;", fp); break;
		case '>':	fputs("&gt;", fp); break;
		case '&':	fputs("&amp;", fp); break;
		case '"':	fputs("&quot;", fp); break;
		default:
			if ((unsigned char)*s >= 0x20)
				putc(*s, fp);
		}
}

static void
on_result(void *ctx, const struct mars_conform_result *res)
{
	struct cf_run *c = ctx;
	const struct mars_conform_case *tc = res->tcase;
	const char *s;

	c->n++;
	c->elapsed += res->elapsed;
	if (res->verdict == MARS_CONFORM_PASS)
		c->pass++;
	else if (res->verdict == MARS_CONFORM_FAIL)
		c->fail++;
	else
		c->skip++;
	if (c->o->json) {
		fputs("{\"type\":\"case\",\"id\":", stdout);
		diag_json_str(stdout, tc->id);
		fputs(",\"title\":", stdout);
		diag_json_str(stdout, tc->title);
		fputs(",\"ref\":", stdout);
		diag_json_str(stdout, tc->ref);
		printf(",\"verdict\":\"%s\",\"detail\":",
		    verdict_word(res->verdict));
		diag_json_str(stdout, res->detail);
		printf(",\"elapsed_ms\":%llu}\n",
		    (unsigned long long)res->elapsed);
	} else if (c->o->tap) {
		printf("%s %u - %s (%s)", res->verdict == MARS_CONFORM_FAIL ?
		    "not ok" : "ok", c->n, tc->id, tc->ref);
		if (res->verdict == MARS_CONFORM_SKIP)
			printf(" # SKIP %s", res->detail != NULL ?
			    res->detail : "");
		else if (res->detail != NULL)
			for (printf(" # "), s = res->detail; *s != '\0'; s++)
				putchar(*s == '#' || *s == '\n' ? ' ' : *s);
		putchar('\n');
	} else if (c->o->junit) {
		fputs("  <testcase classname=\"marsfail.conformance\" name=\"",
		    c->junit);
		xml(c->junit, tc->id);
		fprintf(c->junit, "\" time=\"%.3f\"", (double)res->elapsed /
		    1000.0);
		if (res->verdict == MARS_CONFORM_PASS)
			fputs("/>\n", c->junit);
		else {
			fputs(res->verdict == MARS_CONFORM_FAIL ?
			    ">\n    <failure message=\"" :
			    ">\n    <skipped message=\"", c->junit);
			xml(c->junit, tc->ref);
			fputs(": ", c->junit);
			xml(c->junit, res->detail);
			fputs("\"/>\n  </testcase>\n", c->junit);
		}
	} else {
		printf("%-4s %-28s %-18s %s", res->verdict == MARS_CONFORM_PASS ?
		    "PASS" : res->verdict == MARS_CONFORM_FAIL ? "FAIL" : "SKIP",
		    tc->id, tc->ref, tc->title);
		if (res->detail != NULL)
			printf(" -- %s", res->detail);
		putchar('\n');
	}
	fflush(stdout);
}

int
conform_main(const struct fail_opts *o)
{
	struct mars_conform_conf cc;
	struct mars_cluster_conf *cl = NULL;
	struct mars_err err;
	struct cf_run c;
	char verdict[256], *jbuf = NULL;
	size_t jlen = 0, i;
	int rc;

	memset(&cc, 0, sizeof(cc));
	memset(&err, 0, sizeof(err));
	if (mars_endpoint_parse(&cc.mars, o->endpoint, &err) != 0 ||
	    cc.mars.kind != MARS_ENDPOINT_UDP)
		diag_usage("-m %s: not an endpoint udp:HOST:PORT", o->endpoint);
	cc.pro = cc.mars.ipv6_literal ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	if (o->cluster_path != NULL) {
		char msg[MARS_CONF_MSG_MAX];

		/* -c: the MARS Group for the cluster-* cases, and the
		 * protocol. */
		if (mars_config_load_new(&cl, o->cluster_path, &err, msg,
		    sizeof(msg)) != 0)
			diag_fatal(EXIT_USAGE, o->cluster_path, 0, "%s", msg);
		cc.pro = cl->protocol == MARS_CONF_PROTO_IPV6 ?
		    MARS_PRO_IPV6 : MARS_PRO_IPV4;
		cc.cluster = cl;
	}
	cc.timeout = o->timeout;
	cc.only = o->only;
	cc.seed = o->has_seed ? o->seed : 1;
	memset(&c, 0, sizeof(c));
	c.o = o;
	if (o->junit && (c.junit = open_memstream(&jbuf, &jlen)) == NULL)
		diag_fatal(EXIT_USAGE, NULL, 0, "no memory");
	if (o->tap) {
		for (i = 0; mars_conform_case(i) != NULL; i++)
			;
		printf("TAP version 13\n");
	}
	rc = mars_conform_run(&cc, on_result, &c, &err);
	free(cl);
	if (rc != 0) {
		if (c.junit != NULL)
			fclose(c.junit);
		free(jbuf);
		diag_fatal(EXIT_USAGE, o->endpoint, 0, "conformance: %s%s%s",
		    err.field != NULL ? err.field : "",
		    err.field != NULL ? ": " : "",
		    err.why != NULL ? err.why : mars_strerror(rc));
	}
	snprintf(verdict, sizeof(verdict), "%s conformance of %s: %u passed, "
	    "%u failed, %u skipped", c.fail > 0 ? "FAIL" : "PASS",
	    o->endpoint, c.pass, c.fail, c.skip);
	if (o->json) {
		printf("{\"type\":\"summary\",\"verdict\":\"%s\",\"mars\":",
		    c.fail > 0 ? "fail" : "pass");
		diag_json_str(stdout, o->endpoint);
		printf(",\"cases\":%u,\"passed\":%u,\"failed\":%u,"
		    "\"skipped\":%u,\"elapsed_ms\":%llu,\"message\":", c.n,
		    c.pass, c.fail, c.skip, (unsigned long long)c.elapsed);
		diag_json_str(stdout, verdict);
		fputs("}\n", stdout);
	} else if (o->tap)
		printf("1..%u\n# %s\n", c.n, verdict);
	else if (o->junit) {
		fclose(c.junit);
		printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<testsuites>\n<testsuite name=\"conformance\" "
		    "tests=\"%u\" failures=\"%u\" skipped=\"%u\" errors=\"0\" "
		    "time=\"%.3f\">\n", c.n, c.fail, c.skip,
		    (double)c.elapsed / 1000.0);
		fwrite(jbuf, 1, jlen, stdout);
		printf("</testsuite>\n</testsuites>\n");
		free(jbuf);
	} else
		printf("\n%u cases: %u passed, %u failed, %u skipped\n%s\n",
		    c.n, c.pass, c.fail, c.skip, verdict);
	return c.fail > 0 ? EXIT_FAILED : EXIT_HELD;
}
