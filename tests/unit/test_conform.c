/*
 * The conformance suite (conform.h): its catalogue and selection, and
 * runs against a MARS server machine (server.h) on a lab link of its
 * own, served by a thread -- conforming (every case passes) and with
 * each emulated quirk of the Windows 2000 server (the case that judges
 * that rule fails, with a detail saying why) -- and against endpoints
 * that answer nothing (quick verdicts, no hang).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mars/conform.h"
#include "mars/endpoint.h"
#include "mars/evloop.h"
#include "mars/link.h"
#include "mars/server.h"

/* ---- a MARS in a thread ---- */

struct tmars {
	pthread_t		 th;
	struct mars_link	*link;
	struct mars_server	*srv;
	atomic_int		 stop;
	struct mars_endpoint	 ep;
	uint8_t			 buf[MARS_LINK_DGRAM_MAX];
};

static const uint8_t mars_atm[20] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
	0x1a, 0x26, 0xd8, 0x00, 0x20, 0xea, 0x00, 0x00, 0x01, 0x00,
};

static void
tm_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct tmars *t = ctx;

	(void)mars_link_send(t->link, vc, sdu, len, NULL);
}

static void
tm_leaf(void *ctx, const struct mars_server_leaf *lf)
{
	struct tmars *t = ctx;

	if (lf->add)
		mars_link_leaf_add(t->link, lf->pmp, lf->peer);
	else
		mars_link_leaf_del(t->link, lf->pmp, lf->peer);
}

static void *
tm_main(void *arg)
{
	struct tmars *t = arg;
	struct mars_link_rx rx;
	struct pollfd pfd;
	mars_time_t now, next;
	uint32_t peer;
	int wait;

	pfd.fd = mars_link_fd(t->link);
	pfd.events = POLLIN;
	while (!atomic_load(&t->stop)) {
		now = mars_evloop_now();
		next = mars_server_tick(t->srv, now);
		wait = next <= now ? 0 : next - now > 20 ? 20 : (int)(next - now);
		if (mars_link_pending(t->link) > 0)
			(void)mars_link_flush(t->link);
		if (poll(&pfd, 1, wait) <= 0)
			continue;
		while (mars_link_recv(t->link, t->buf, sizeof(t->buf), &rx,
		    NULL) != 0)
			if (rx.vc.kind == MARS_VC_P2P)
				mars_server_input(t->srv, mars_evloop_now(),
				    &rx.vc, rx.sdu, rx.len);
		while (mars_link_lost(t->link, &peer) == 1)
			mars_server_leaf_lost(t->srv, mars_evloop_now(), peer);
	}
	return NULL;
}

static void
tm_start(struct tmars *t, unsigned quirks, mars_time_t redirect)
{
	struct mars_server_conf sc;
	struct mars_endpoint ep;
	struct mars_io io;

	memset(t, 0, sizeof(*t));
	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:0", NULL), 0);
	assert_int_equal(mars_link_open(&t->link, &ep, MARS_LINK_F_MARS |
	    MARS_LINK_F_RETRY, NULL), 0);
	assert_int_equal(mars_link_local(t->link, &t->ep, NULL), 0);
	mars_server_conf_init(&sc, MARS_PRO_IPV4, mars_atm, 20);
	sc.redirect_interval = redirect;
	sc.quirks = quirks;
	sc.leaf = tm_leaf;
	memset(&io, 0, sizeof(io));
	io.ctx = t;
	io.send = tm_send;
	assert_int_equal(mars_server_new(&t->srv, &sc, &io, NULL), 0);
	assert_int_equal(pthread_create(&t->th, NULL, tm_main, t), 0);
}

static void
tm_stop(struct tmars *t)
{
	atomic_store(&t->stop, 1);
	pthread_join(t->th, NULL);
	mars_server_free(t->srv);
	mars_link_close(t->link);
}

/* ---- running the suite ---- */

#define MAXRES	80

struct got {
	size_t		 n;
	char		 id[MAXRES][40];
	int		 verdict[MAXRES];
	char		 detail[MAXRES][400];
};

static void
collect(void *ctx, const struct mars_conform_result *res)
{
	struct got *g = ctx;

	assert_true(g->n < MAXRES);
	snprintf(g->id[g->n], sizeof(g->id[0]), "%s", res->tcase->id);
	g->verdict[g->n] = res->verdict;
	snprintf(g->detail[g->n], sizeof(g->detail[0]), "%s",
	    res->detail != NULL ? res->detail : "");
	if (res->verdict == MARS_CONFORM_PASS)
		assert_null(res->detail);
	else
		assert_non_null(res->detail);
	g->n++;
}

static int
run(const struct mars_endpoint *ep, const char *only, mars_time_t timeout,
    mars_time_t map_wait, struct got *g)
{
	struct mars_conform_conf c;
	struct mars_err err;

	memset(&c, 0, sizeof(c));
	c.mars = *ep;
	c.pro = MARS_PRO_IPV4;
	c.timeout = timeout;
	c.map_wait = map_wait;
	c.only = only;
	memset(g, 0, sizeof(*g));
	return mars_conform_run(&c, collect, g, &err);
}

static int
verdict_of(const struct got *g, const char *id)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->id[i], id) == 0)
			return g->verdict[i];
	fail_msg("case %s did not run", id);
	return -1;
}

static const char *
detail_of(const struct got *g, const char *id)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->id[i], id) == 0)
			return g->detail[i];
	return "";
}

static void
print_failures(const struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->verdict[i] != MARS_CONFORM_PASS)
			print_message("# %s %s: %s\n", g->verdict[i] ==
			    MARS_CONFORM_FAIL ? "FAIL" : "SKIP", g->id[i],
			    g->detail[i]);
}

/* ---- the catalogue ---- */

static void
test_catalogue(void **state)
{
	const struct mars_conform_case *c, *d;
	size_t i, j;

	(void)state;
	for (i = 0; (c = mars_conform_case(i)) != NULL; i++) {
		assert_non_null(c->id);
		assert_non_null(c->title);
		assert_true(strncmp(c->ref, "RFC 2022 §", 11) == 0 ||
		    strncmp(c->ref, "draft-armitage-ion-mars-scsp-03 §",
		    34) == 0);
		for (j = 0; j < i; j++) {
			d = mars_conform_case(j);
			assert_string_not_equal(c->id, d->id);
		}
	}
	assert_true(i >= 50);
	assert_null(mars_conform_case(i));
	assert_null(mars_conform_case((size_t)-1));
}

static void
test_bad_conf(void **state)
{
	struct mars_conform_conf c;
	struct mars_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(mars_conform_run(NULL, NULL, NULL, &err),
	    MARS_E_INVAL);
	/* not a udp: endpoint */
	assert_int_equal(mars_endpoint_parse(&c.mars, "atmpvc:0.0.100", NULL),
	    0);
	assert_int_equal(mars_conform_run(&c, NULL, NULL, &err), MARS_E_INVAL);
	assert_string_equal(err.field, "mars");
	assert_int_equal(mars_endpoint_parse(&c.mars, "udp:127.0.0.1:9", NULL),
	    0);
	c.pro = 0x1234;
	assert_int_equal(mars_conform_run(&c, NULL, NULL, &err), MARS_E_INVAL);
	assert_string_equal(err.field, "pro");
	c.pro = MARS_PRO_IPV4;
	c.only = "register-cmi,bogus";
	assert_int_equal(mars_conform_run(&c, NULL, NULL, &err), MARS_E_INVAL);
	assert_string_equal(err.field, "only");
	assert_non_null(strstr(err.why, "\"bogus\""));
	c.only = " , ";
	assert_int_equal(mars_conform_run(&c, NULL, NULL, &err), MARS_E_INVAL);
}

/* A whole id selects one case; a prefix its family; in catalogue order. */
static void
test_selection(void **state)
{
	struct tmars t;
	struct got g;

	(void)state;
	tm_start(&t, 0, 60000);
	assert_int_equal(run(&t.ep, "join-copy", 2000, 0, &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.id[0], "join-copy");
	assert_int_equal(run(&t.ep, "tlv-d,register-c", 2000, 0, &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.id[0], "register-cmi");
	assert_string_equal(g.id[1], "register-csn");
	assert_string_equal(g.id[2], "tlv-drop");
	assert_string_equal(g.id[3], "tlv-drop-log");
	assert_int_equal(g.verdict[0], MARS_CONFORM_PASS);
	tm_stop(&t);
}

/* A conforming server machine passes every case but the cluster ones,
 * which skip without a cluster file. */
static void
test_conforming(void **state)
{
	struct tmars t;
	struct got g;
	size_t i, n = 0;

	(void)state;
	tm_start(&t, 0, 200);
	assert_int_equal(run(&t.ep, NULL, 3000, 3000, &g), 0);
	while (mars_conform_case(n) != NULL)
		n++;
	assert_int_equal(g.n, n);
	for (i = 0; i < g.n; i++) {
		assert_string_equal(g.id[i], mars_conform_case(i)->id);
		if ((g.verdict[i] == MARS_CONFORM_PASS) ==
		    (strncmp(g.id[i], "cluster-", 8) == 0))
			print_failures(&g);
		if (strncmp(g.id[i], "cluster-", 8) == 0) {
			assert_int_equal(g.verdict[i], MARS_CONFORM_SKIP);
			assert_non_null(strstr(g.detail[i], "cluster file"));
		} else
			assert_int_equal(g.verdict[i], MARS_CONFORM_PASS);
	}
	tm_stop(&t);
}

/* Each quirk of the Windows 2000 server fails the case of its rule. */
static void
quirk(unsigned q, const char *only, const char *id, const char *why)
{
	struct tmars t;
	struct got g;

	tm_start(&t, q, 200);
	assert_int_equal(run(&t.ep, only, 2000, 3000, &g), 0);
	if (verdict_of(&g, id) != MARS_CONFORM_FAIL)
		print_failures(&g);
	assert_int_equal(verdict_of(&g, id), MARS_CONFORM_FAIL);
	assert_non_null(strstr(detail_of(&g, id), why));
	tm_stop(&t);
}

static void
test_quirk_cmi_zero(void **state)
{
	(void)state;
	quirk(MARS_SERVER_Q_CMI_ZERO, "register-cmi", "register-cmi",
	    "mar$cmi 0");
}

static void
test_quirk_nak_csn(void **state)
{
	(void)state;
	quirk(MARS_SERVER_Q_NAK_CSN, "request-nak", "request-nak", "mar$pad");
}

static void
test_quirk_stale_checksum(void **state)
{
	(void)state;
	quirk(MARS_SERVER_Q_STALE_CHKSUM, "checksum-reply", "checksum-reply",
	    "does not verify");
}

static void
test_quirk_null_map(void **state)
{
	(void)state;
	quirk(MARS_SERVER_Q_NULL_MAP, "redirect-map", "redirect-map",
	    "null mar$shtl");
}

/* The quirks fail those cases and no other of the selection. */
static void
test_quirk_win2000(void **state)
{
	static const char *const failing[] = { "register-cmi", "request-nak",
	    "checksum-reply", "redirect-map" };
	struct tmars t;
	struct got g;
	size_t i, k;

	(void)state;
	tm_start(&t, MARS_SERVER_Q_WIN2000, 200);
	assert_int_equal(run(&t.ep, "register,csn,join,request-nak,checksum,"
	    "drop,tlv,redirect", 2000, 3000, &g), 0);
	for (i = 0; i < g.n; i++) {
		for (k = 0; k < 4; k++)
			if (strcmp(g.id[i], failing[k]) == 0)
				break;
		if (g.verdict[i] != (k < 4 ? MARS_CONFORM_FAIL :
		    MARS_CONFORM_PASS))
			print_failures(&g);
		assert_int_equal(g.verdict[i], k < 4 ? MARS_CONFORM_FAIL :
		    MARS_CONFORM_PASS);
	}
	tm_stop(&t);
}

/* Nothing listens: one verdict needs no timeout at all (ICMP). */
static void
test_nobody(void **state)
{
	struct mars_endpoint ep;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct got g;
	mars_time_t t0;
	char text[64];
	size_t i;
	int s;

	(void)state;
	/* A port that was free a moment ago. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	close(s);
	snprintf(text, sizeof(text), "udp:127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(mars_endpoint_parse(&ep, text, NULL), 0);
	t0 = mars_evloop_now();
	assert_int_equal(run(&ep, NULL, 5000, 5000, &g), 0);
	assert_true(mars_evloop_now() - t0 < 5000);
	assert_int_equal(g.verdict[0], MARS_CONFORM_FAIL);
	assert_non_null(strstr(g.detail[0], "unreachable"));
	for (i = 1; i < g.n; i++)
		assert_int_equal(g.verdict[i], MARS_CONFORM_SKIP);
}

/* Something listens and answers nothing: one timeout for the whole run. */
static void
test_silent(void **state)
{
	struct mars_endpoint ep;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct got g;
	mars_time_t t0;
	char text[64];
	size_t i;
	int s;

	(void)state;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	snprintf(text, sizeof(text), "udp:127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(mars_endpoint_parse(&ep, text, NULL), 0);
	t0 = mars_evloop_now();
	assert_int_equal(run(&ep, NULL, 300, 5000, &g), 0);
	assert_true(mars_evloop_now() - t0 < 3 * 300);
	assert_int_equal(g.verdict[0], MARS_CONFORM_FAIL);
	assert_non_null(strstr(g.detail[0], "no answer at all"));
	for (i = 1; i < g.n; i++) {
		assert_int_equal(g.verdict[i], MARS_CONFORM_SKIP);
		assert_true(strlen(g.detail[i]) > 0);
	}
	close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_bad_conf),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_conforming),
		cmocka_unit_test(test_quirk_cmi_zero),
		cmocka_unit_test(test_quirk_nak_csn),
		cmocka_unit_test(test_quirk_stale_checksum),
		cmocka_unit_test(test_quirk_null_map),
		cmocka_unit_test(test_quirk_win2000),
		cmocka_unit_test(test_nobody),
		cmocka_unit_test(test_silent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
