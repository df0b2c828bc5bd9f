/* UDP lab transport (link.h) over IPv4 and IPv6 loopback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/link.h"
#include "mars/shim.h"

static struct mars_link *
open_on(const char *text)
{
	struct mars_endpoint ep;
	struct mars_err err;
	struct mars_link *l = NULL;

	assert_int_equal(mars_endpoint_parse(&ep, text, &err), 0);
	assert_int_equal(mars_link_open(&l, &ep, 0, &err), 0);
	return l;
}

/* Peer id on `from` for the address `to` is bound to. */
static uint32_t
peer_of(struct mars_link *from, struct mars_link *to)
{
	struct mars_endpoint ep;
	struct mars_err err;
	uint32_t id;

	assert_int_equal(mars_link_local(to, &ep, &err), 0);
	assert_int_not_equal(ep.port, 0);
	assert_int_equal(mars_link_peer_add(from, &ep, &id, &err), 0);
	return id;
}

/* Wait (bounded) for one datagram; returns mars_link_recv's result. */
static int
recv_one(struct mars_link *l, uint8_t *buf, struct mars_link_rx *rx, struct mars_err *err)
{
	struct pollfd pfd = { mars_link_fd(l), POLLIN, 0 };

	if (poll(&pfd, 1, 2000) != 1)
		return 0;
	return mars_link_recv(l, buf, MARS_LINK_DGRAM_MAX, rx, err);
}

static void
exchange(const char *bind_text)
{
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	static const uint8_t sdu[] = {
		0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03, 0x01, 0x02
	};
	struct mars_link *a = open_on(bind_text), *b = open_on(bind_text);
	struct mars_vc vc = { MARS_VC_P2P, 0 };
	struct mars_link_rx rx;
	struct mars_err err;
	struct mars_link_stats st;
	uint32_t b_at_a, a_at_b;
	uint16_t vpi, vci;

	b_at_a = peer_of(a, b);
	assert_int_equal(b_at_a, 1);
	vc.id = b_at_a;
	assert_int_equal(mars_link_send(a, &vc, sdu, sizeof(sdu), &err), 0);
	assert_int_equal(recv_one(b, buf, &rx, &err), 1);
	assert_int_equal(rx.vc.kind, MARS_VC_P2P);
	assert_true(rx.new_peer);
	a_at_b = rx.peer;
	assert_int_equal(rx.vc.id, a_at_b);
	assert_int_equal(rx.vpi, 0);
	assert_int_equal(rx.vci, MARS_LINK_VCI_P2P_BASE + 1);
	assert_int_equal(rx.flags, 0);
	assert_int_equal(rx.len, sizeof(sdu));
	assert_memory_equal(rx.sdu, sdu, sizeof(sdu));
	assert_int_equal(mars_link_peer_count(b), 1);

	/* b answers on its own label for the VC; a adopts it */
	assert_int_equal(mars_link_peer_set_vc(b, a_at_b, 0, 177), 0);
	vc.id = a_at_b;
	assert_int_equal(mars_link_send(b, &vc, sdu, 3, &err), 0);
	assert_int_equal(recv_one(a, buf, &rx, &err), 1);
	assert_false(rx.new_peer);
	assert_int_equal(rx.peer, b_at_a);
	assert_int_equal(rx.vci, 177);
	assert_int_equal(rx.len, 3);
	assert_int_equal(mars_link_peer_vc(a, b_at_a, &vpi, &vci), 0);
	assert_int_equal(vci, 177);

	/* a known source reuses its id */
	vc.id = b_at_a;
	assert_int_equal(mars_link_send(a, &vc, sdu, 0, &err), 0);
	assert_int_equal(recv_one(b, buf, &rx, &err), 1);
	assert_false(rx.new_peer);
	assert_int_equal(rx.peer, a_at_b);
	assert_int_equal(rx.len, 0);
	assert_int_equal(mars_link_peer_count(b), 1);

	/* server kind keeps its kind and the peer's label */
	vc.kind = MARS_VC_SERVER;
	assert_int_equal(mars_link_send(a, &vc, sdu, 4, &err), 0);
	assert_int_equal(recv_one(b, buf, &rx, &err), 1);
	assert_int_equal(rx.vc.kind, MARS_VC_SERVER);
	assert_int_equal(rx.vc.id, a_at_b);

	assert_int_equal(mars_link_recv(b, buf, sizeof(buf), &rx, &err), 0);
	mars_link_get_stats(b, &st);
	assert_int_equal(st.rx_dgrams, 3);
	assert_int_equal(st.peers_learned, 1);
	assert_int_equal(st.tx_dgrams, 1);
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_dgrams, 3);
	assert_int_equal(st.rx_dgrams, 1);
	mars_link_close(a);
	mars_link_close(b);
}

static void
test_ipv4(void **state)
{
	(void)state;
	exchange("udp:127.0.0.1:0");
}

static void
test_ipv6(void **state)
{
	struct mars_link *l = open_on("udp:[::1]:0");
	struct mars_endpoint ep;
	struct mars_err err;
	char text[MARS_ENDPOINT_TEXT_MAX];

	(void)state;
	assert_int_equal(mars_link_family(l), AF_INET6);
	assert_int_equal(mars_link_local(l, &ep, &err), 0);
	mars_endpoint_format(&ep, text, sizeof(text));
	assert_memory_equal(text, "udp:[::1]:", 10);
	mars_link_close(l);
	exchange("udp:[::1]:0");
}

static void
test_fanout(void **state)
{
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	static const uint8_t sdu[] = { 1, 2, 3, 4, 5 };
	struct mars_link *srv = open_on("udp:127.0.0.1:0"), *m[3];
	struct mars_vc ccvc = { MARS_VC_CCVC, 0 }, scvc = { MARS_VC_SCVC, 0 };
	struct mars_link_rx rx;
	struct mars_err err;
	uint32_t id[3];
	int i;

	(void)state;
	assert_int_equal(mars_link_send(srv, &ccvc, sdu, sizeof(sdu), &err), 0);
	for (i = 0; i < 3; i++) {
		m[i] = open_on("udp:127.0.0.1:0");
		id[i] = peer_of(srv, m[i]);
		assert_int_equal(mars_link_leaf_add(srv, MARS_VC_CCVC, id[i]), 0);
		assert_int_equal(mars_link_leaf_add(srv, MARS_VC_CCVC, id[i]), 0);
	}
	assert_int_equal(mars_link_leaf_count(srv, MARS_VC_CCVC), 3);
	assert_int_equal(mars_link_leaf_add(srv, MARS_VC_SCVC, id[1]), 0);
	assert_int_equal(mars_link_leaf_add(srv, MARS_VC_P2P, id[1]), MARS_E_INVAL);
	assert_int_equal(mars_link_leaf_add(srv, MARS_VC_CCVC, 99), MARS_E_INVAL);

	assert_int_equal(mars_link_send(srv, &ccvc, sdu, sizeof(sdu), &err), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(recv_one(m[i], buf, &rx, &err), 1);
		assert_int_equal(rx.vc.kind, MARS_VC_CCVC);
		assert_int_equal(rx.vc.id, 0);
		assert_int_equal(rx.vpi, 0);
		assert_int_equal(rx.vci, MARS_LINK_VCI_CCVC);
		assert_memory_equal(rx.sdu, sdu, sizeof(sdu));
		assert_int_equal(mars_link_recv(m[i], buf, sizeof(buf), &rx, &err), 0);
	}
	/* scvc reaches only its leaf */
	assert_int_equal(mars_link_send(srv, &scvc, sdu, 2, &err), 0);
	assert_int_equal(recv_one(m[1], buf, &rx, &err), 1);
	assert_int_equal(rx.vc.kind, MARS_VC_SCVC);
	assert_int_equal(rx.vci, MARS_LINK_VCI_SCVC);
	assert_int_equal(mars_link_recv(m[0], buf, sizeof(buf), &rx, &err), 0);
	assert_int_equal(mars_link_recv(m[2], buf, sizeof(buf), &rx, &err), 0);

	/* a removed leaf, and a removed peer, get nothing more */
	assert_int_equal(mars_link_leaf_del(srv, MARS_VC_CCVC, id[0]), 0);
	assert_int_equal(mars_link_peer_del(srv, id[2]), 0);
	assert_int_equal(mars_link_leaf_count(srv, MARS_VC_CCVC), 1);
	assert_int_equal(mars_link_send(srv, &ccvc, sdu, 1, &err), 0);
	assert_int_equal(recv_one(m[1], buf, &rx, &err), 1);
	usleep(20000);
	assert_int_equal(mars_link_recv(m[0], buf, sizeof(buf), &rx, &err), 0);
	assert_int_equal(mars_link_recv(m[2], buf, sizeof(buf), &rx, &err), 0);
	for (i = 0; i < 3; i++)
		mars_link_close(m[i]);
	mars_link_close(srv);
}

static void
test_refusals(void **state)
{
	static uint8_t big[MARS_MTU + 1];
	struct mars_link *a = open_on("udp:127.0.0.1:0"), *b = open_on("udp:127.0.0.1:0");
	struct mars_vc vc = { MARS_VC_P2P, 0 };
	struct mars_endpoint ep;
	struct mars_err err;
	struct mars_link_stats st;
	struct mars_link *none = NULL;

	(void)state;
	vc.id = peer_of(a, b);
	assert_int_equal(mars_link_send(a, &vc, big, sizeof(big), &err), MARS_E_INVAL);
	assert_non_null(err.why);
	assert_int_equal(mars_link_send(a, &vc, big, MARS_MTU, &err), 0);
	vc.id = 42;
	assert_int_equal(mars_link_send(a, &vc, big, 1, &err), MARS_E_INVAL);
	vc.kind = 9;
	assert_int_equal(mars_link_send(a, &vc, big, 1, &err), MARS_E_INVAL);

	assert_int_equal(mars_endpoint_parse(&ep, "atmpvc:0.0.100", &err), 0);
	assert_int_equal(mars_link_open(&none, &ep, 0, &err), MARS_E_INVAL);
	assert_string_equal(err.why, "ATM sockets backend not built");
	assert_null(none);
	assert_int_equal(mars_endpoint_parse(&ep, "udp:[::1]:4500", &err), 0);
	assert_int_equal(mars_link_peer_add(a, &ep, &vc.id, &err), MARS_E_INVAL);
	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:0", &err), 0);
	assert_int_equal(mars_link_peer_add(a, &ep, &vc.id, &err), MARS_E_INVAL);

	/* the full-MTU datagram arrives whole */
	{
		static uint8_t buf[MARS_LINK_DGRAM_MAX];
		struct mars_link_rx rx;

		assert_int_equal(recv_one(b, buf, &rx, &err), 1);
		assert_int_equal(rx.len, MARS_MTU);
	}
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_dgrams, 1);
	mars_link_close(a);
	mars_link_close(b);
}

static void
test_garbage(void **state)
{
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	static const uint8_t junk[] = "hello, not a shim";
	struct mars_link *l = open_on("udp:127.0.0.1:0");
	struct mars_endpoint ep;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct mars_err err;
	struct mars_link_rx rx;
	struct mars_link_stats st;
	struct mars_shim sh = { MARS_SHIM_VERSION, 7, 0, 40, 0 };
	uint8_t badkind[MARS_SHIM_LEN + 2];
	int fd;

	(void)state;
	assert_int_equal(mars_link_local(l, &ep, &err), 0);
	assert_int_equal(mars_endpoint_resolve(&ep, AF_INET, false, &ss, &sslen,
	    &err), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	mars_shim_encode(&sh, badkind);
	badkind[12] = badkind[13] = 0;
	assert_true(sendto(fd, junk, sizeof(junk), 0, (struct sockaddr *)&ss,
	    sslen) > 0);
	assert_true(sendto(fd, junk, 5, 0, (struct sockaddr *)&ss, sslen) > 0);
	assert_true(sendto(fd, badkind, sizeof(badkind), 0,
	    (struct sockaddr *)&ss, sslen) > 0);

	assert_int_equal(recv_one(l, buf, &rx, &err), MARS_E_NOTOURS);
	assert_string_equal(err.why, "no lab shim (bad magic or version)");
	assert_int_equal(recv_one(l, buf, &rx, &err), MARS_E_TRUNC);
	assert_int_equal(err.need, MARS_SHIM_LEN);
	assert_int_equal(err.have, 5);
	assert_int_equal(recv_one(l, buf, &rx, &err), MARS_E_FIELD);
	/* too small a buffer: counted as oversize */
	sh.kind = MARS_VC_P2P;
	mars_shim_encode(&sh, badkind);
	assert_true(sendto(fd, badkind, sizeof(badkind), 0,
	    (struct sockaddr *)&ss, sslen) > 0);
	{
		struct pollfd pfd = { mars_link_fd(l), POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 2000), 1);
	}
	assert_int_equal(mars_link_recv(l, buf, MARS_SHIM_LEN, &rx, &err),
	    MARS_E_LENGTH);
	assert_int_equal(mars_link_recv(l, buf, sizeof(buf), &rx, &err), 0);

	mars_link_get_stats(l, &st);
	assert_int_equal(st.rx_bad_shim, 3);
	assert_int_equal(st.rx_oversize, 1);
	assert_int_equal(st.rx_dgrams, 0);
	assert_int_equal(mars_link_peer_count(l), 0);	/* junk makes no peers */
	close(fd);
	mars_link_close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
