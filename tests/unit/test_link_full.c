/*
 * The UDP lab transport when the socket's send buffer is full (link.h):
 * p2p datagrams wait on the retry queue, in order, bounded in number and
 * time; pt-mpt and inter-server ones are dropped and counted; other
 * errors are errors.  The kernel rarely fills a UDP send buffer on
 * loopback (datagrams leave it at once), so this program interposes
 * sendmsg(2): while `full` is set it answers as the kernel does for a
 * full buffer, otherwise it makes the real system call.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/link.h"
#include "mars/shim.h"

static int full_errno;		/* 0: the real sendmsg */
static unsigned calls;

ssize_t
sendmsg(int fd, const struct msghdr *mh, int flags)
{
	calls++;
	if (full_errno != 0) {
		errno = full_errno;
		return -1;
	}
	return syscall(SYS_sendmsg, fd, mh, flags);
}

static struct mars_link *
open_lo(unsigned flags)
{
	struct mars_endpoint ep;
	struct mars_err err;
	struct mars_link *l = NULL;

	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:0", &err), 0);
	assert_int_equal(mars_link_open(&l, &ep, flags, &err), 0);
	return l;
}

static uint32_t
peer_of(struct mars_link *from, struct mars_link *to)
{
	struct mars_endpoint ep;
	struct mars_err err;
	uint32_t id;

	assert_int_equal(mars_link_local(to, &ep, &err), 0);
	assert_int_equal(mars_link_peer_add(from, &ep, &id, &err), 0);
	return id;
}

/* The first octet after the LLC header of each datagram b receives. */
static size_t
drain(struct mars_link *b, uint8_t *tags, size_t cap)
{
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	struct pollfd pfd = { mars_link_fd(b), POLLIN, 0 };
	struct mars_link_rx rx;
	struct mars_err err;
	size_t n = 0;

	while (poll(&pfd, 1, 200) == 1) {
		if (mars_link_recv(b, buf, sizeof(buf), &rx, &err) != 1)
			break;
		if (n < cap)
			tags[n] = rx.sdu[8];
		n++;
	}
	return n;
}

static int
send_tag(struct mars_link *a, uint8_t kind, uint32_t id, uint8_t tag,
    struct mars_err *err)
{
	uint8_t sdu[16] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03 };
	struct mars_vc vc = { kind, id };

	sdu[8] = tag;
	return mars_link_send(a, &vc, sdu, sizeof(sdu), err);
}

static void
test_p2p_waits_in_order(void **state)
{
	struct mars_link *a = open_lo(MARS_LINK_F_RETRY), *b = open_lo(0);
	struct mars_link_stats st;
	struct mars_err err;
	uint8_t tags[8];
	uint32_t id = peer_of(a, b);

	(void)state;
	full_errno = EAGAIN;
	assert_int_equal(send_tag(a, MARS_VC_P2P, id, 1, &err), 0);
	full_errno = ENOBUFS;
	assert_int_equal(send_tag(a, MARS_VC_P2P, id, 2, &err), 0);
	assert_int_equal(mars_link_pending(a), 2);
	/* still full: nothing leaves */
	assert_int_equal(mars_link_flush(a), 2);
	full_errno = 0;
	/* room again: a new datagram goes behind the waiting ones */
	assert_int_equal(send_tag(a, MARS_VC_P2P, id, 3, &err), 0);
	assert_int_equal(mars_link_pending(a), 0);
	assert_int_equal(drain(b, tags, sizeof(tags)), 3);
	assert_int_equal(tags[0], 1);
	assert_int_equal(tags[1], 2);
	assert_int_equal(tags[2], 3);
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_queued, 2);
	assert_int_equal(st.tx_retried, 2);
	assert_int_equal(st.tx_full, 3);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.tx_errors, 0);
	assert_int_equal(st.tx_dgrams, 3);
	mars_link_close(a);
	mars_link_close(b);
}

static void
test_queue_bounded(void **state)
{
	struct mars_link *a = open_lo(MARS_LINK_F_RETRY), *b = open_lo(0);
	struct mars_link_stats st;
	struct mars_err err;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint8_t tags[8];
	uint32_t id = peer_of(a, b);
	unsigned i;

	(void)state;
	mars_link_set_retry(a, 4, 50);
	full_errno = EAGAIN;
	for (i = 0; i < 6; i++)
		(void)send_tag(a, MARS_VC_P2P, id, (uint8_t)i, &err);
	assert_int_equal(mars_link_pending(a), 4);
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_queued, 4);
	assert_int_equal(st.tx_dropped, 2);
	/* the time runs out: they are dropped, not sent late */
	for (i = 0; i < 100 && mars_link_flush(a) > 0; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(mars_link_pending(a), 0);
	full_errno = 0;
	assert_int_equal(mars_link_flush(a), 0);
	assert_int_equal(drain(b, tags, sizeof(tags)), 0);
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_dropped, 6);
	assert_int_equal(st.tx_retried, 0);
	mars_link_close(a);
	mars_link_close(b);
}

/* ClusterControlVC and inter-server VCs: dropped, counted, reported. */
static void
test_pmp_and_server_dropped(void **state)
{
	struct mars_link *a = open_lo(MARS_LINK_F_RETRY), *b = open_lo(0),
	    *c = open_lo(0);
	struct mars_link_stats st;
	struct mars_err err;
	uint8_t tags[8];
	uint32_t ib = peer_of(a, b), ic = peer_of(a, c);

	(void)state;
	assert_int_equal(mars_link_leaf_add(a, MARS_VC_CCVC, ib), 0);
	assert_int_equal(mars_link_leaf_add(a, MARS_VC_CCVC, ic), 0);
	full_errno = ENOBUFS;
	assert_int_equal(send_tag(a, MARS_VC_CCVC, 0, 7, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, ENOBUFS);
	assert_int_equal(send_tag(a, MARS_VC_SERVER, ib, 8, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, ENOBUFS);
	assert_int_equal(mars_link_pending(a), 0);
	full_errno = 0;
	assert_int_equal(drain(b, tags, sizeof(tags)), 0);
	assert_int_equal(drain(c, tags, sizeof(tags)), 0);
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_dropped, 3);
	assert_int_equal(st.tx_full, 3);
	assert_int_equal(st.tx_queued, 0);
	mars_link_close(a);
	mars_link_close(b);
	mars_link_close(c);
}

/* Without MARS_LINK_F_RETRY (a member's link) p2p is dropped too; a
 * failure that is not a full buffer is an error, never queued. */
static void
test_no_retry_and_hard_errors(void **state)
{
	struct mars_link *a = open_lo(0), *r = open_lo(MARS_LINK_F_RETRY),
	    *b = open_lo(0);
	struct mars_link_stats st;
	struct mars_err err;
	uint32_t id = peer_of(a, b), rid = peer_of(r, b);

	(void)state;
	full_errno = EAGAIN;
	assert_int_equal(send_tag(a, MARS_VC_P2P, id, 1, &err), MARS_E_SYS);
	assert_int_equal(mars_link_pending(a), 0);
	full_errno = EMSGSIZE;
	assert_int_equal(send_tag(r, MARS_VC_P2P, rid, 1, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, EMSGSIZE);
	assert_int_equal(mars_link_pending(r), 0);
	full_errno = 0;
	mars_link_get_stats(a, &st);
	assert_int_equal(st.tx_dropped, 1);
	mars_link_get_stats(r, &st);
	assert_int_equal(st.tx_errors, 1);
	assert_int_equal(st.tx_full, 0);
	assert_int_equal(st.tx_dropped, 0);
	mars_link_close(a);
	mars_link_close(r);
	mars_link_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2p_waits_in_order),
		cmocka_unit_test(test_queue_bounded),
		cmocka_unit_test(test_pmp_and_server_dropped),
		cmocka_unit_test(test_no_retry_and_hard_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
