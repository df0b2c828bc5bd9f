/*
 * mars_link_lost() (link.h): a peer whose socket closed is reported through
 * the ICMP port unreachable its next datagram provokes, and the pending
 * report does not cost a live leaf its copy of a fan-out.  Loopback only.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mars/link.h"

static const uint8_t sdu[] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03 };

static struct mars_link *
open_link(void)
{
	struct mars_endpoint ep;
	struct mars_link *l = NULL;

	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:0", NULL), 0);
	assert_int_equal(mars_link_open(&l, &ep, MARS_LINK_F_MARS, NULL), 0);
	return l;
}

/* A bound loopback UDP socket and its address. */
static int
peer_socket(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

/* Wait (at most 2 s) for the link's descriptor to report an error. */
static void
wait_error(struct mars_link *l)
{
	struct pollfd pfd = { .fd = mars_link_fd(l), .events = POLLIN };
	int i;

	for (i = 0; i < 200; i++) {
		assert_true(poll(&pfd, 1, 10) >= 0);
		if (pfd.revents & POLLERR)
			return;
	}
	fail_msg("no error reported on the link socket");
}

static void
test_closed_peer_reported(void **state)
{
	struct sockaddr_in sin;
	struct mars_vc vc = { MARS_VC_P2P, 0 };
	struct mars_link_stats st;
	struct mars_link *l = open_link();
	uint32_t id, lost = 0;
	int fd;

	fd = peer_socket(&sin);
	assert_int_equal(mars_link_peer_add_addr(l, (struct sockaddr *)&sin,
	    sizeof(sin), &id, NULL), 0);
	/* nothing to report while the peer lives */
	assert_int_equal(mars_link_lost(l, &lost), 0);
	assert_int_equal(mars_link_lost_errno(l), 0);
	close(fd);
	vc.id = id;
	assert_int_equal(mars_link_send(l, &vc, sdu, sizeof(sdu), NULL), 0);
	wait_error(l);
	assert_int_equal(mars_link_lost(l, &lost), 1);
	assert_int_equal(lost, id);
	/* which ICMP report: port unreachable */
	assert_int_equal(mars_link_lost_errno(l), ECONNREFUSED);
	assert_int_equal(mars_link_lost(l, &lost), 0);
	mars_link_get_stats(l, &st);
	assert_int_equal(st.peers_lost, 1);
	mars_link_close(l);
}

static void
test_forgotten_peer_ignored(void **state)
{
	struct sockaddr_in sin;
	struct mars_vc vc = { MARS_VC_P2P, 0 };
	struct mars_link *l = open_link();
	uint32_t id, lost = 0;
	int fd;

	fd = peer_socket(&sin);
	assert_int_equal(mars_link_peer_add_addr(l, (struct sockaddr *)&sin,
	    sizeof(sin), &id, NULL), 0);
	close(fd);
	vc.id = id;
	assert_int_equal(mars_link_send(l, &vc, sdu, sizeof(sdu), NULL), 0);
	wait_error(l);
	assert_int_equal(mars_link_peer_del(l, id), 0);
	assert_int_equal(mars_link_lost(l, &lost), 0);
	mars_link_close(l);
}

static void
test_fanout_survives_dead_leaf(void **state)
{
	struct sockaddr_in a, b;
	struct mars_vc ccvc = { MARS_VC_CCVC, 0 };
	struct mars_link *l = open_link();
	uint8_t buf[64];
	uint32_t ida, idb, lost = 0;
	int fda, fdb, i;
	struct pollfd pfd;

	fda = peer_socket(&a);
	fdb = peer_socket(&b);
	assert_int_equal(mars_link_peer_add_addr(l, (struct sockaddr *)&a,
	    sizeof(a), &ida, NULL), 0);
	assert_int_equal(mars_link_peer_add_addr(l, (struct sockaddr *)&b,
	    sizeof(b), &idb, NULL), 0);
	/* b first: its send meets the report a's datagram provoked */
	assert_int_equal(mars_link_leaf_add(l, MARS_VC_CCVC, idb), 0);
	assert_int_equal(mars_link_leaf_add(l, MARS_VC_CCVC, ida), 0);
	close(fda);
	(void)mars_link_send(l, &ccvc, sdu, sizeof(sdu), NULL);
	wait_error(l);
	/* the pending report must not eat b's second copy */
	(void)mars_link_send(l, &ccvc, sdu, sizeof(sdu), NULL);
	pfd.fd = fdb;
	pfd.events = POLLIN;
	for (i = 0; i < 2; i++) {
		assert_int_equal(poll(&pfd, 1, 1000), 1);
		assert_int_equal(recv(fdb, buf, sizeof(buf), 0),
		    MARS_SHIM_LEN + (int)sizeof(sdu));
	}
	while (mars_link_lost(l, &lost) == 1)
		assert_int_equal(lost, ida);
	assert_int_equal(lost, ida);
	close(fdb);
	mars_link_close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_peer_reported),
		cmocka_unit_test(test_forgotten_peer_ignored),
		cmocka_unit_test(test_fanout_survives_dead_leaf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
