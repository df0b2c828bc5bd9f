/*
 * SCSP Cache State Update (scspfsm.h, RFC 2334 §2.3, §2.4) on networks
 * of 2, 3 and 5 nodes under a fake clock (scsp_net.h): flooding in a
 * mesh and a line, newer/older instances, retransmission and its limit,
 * restart, partition, purge, tombstones coming of age, the sequence
 * number wrap of B.2.0.2, and garbage input.
 */
#include "scsp_net.h"

#include "mars/pdu.h"

static struct net net;

static void
up(unsigned n, bool line)
{
	net_init(&net, n);
	if (line)
		net_line(&net);
	else
		net_mesh(&net);
	net_build(&net);
	net_start(&net);
	net_run(&net, 8000);
	assert_true(net_all_aligned(&net));
}

static void
assert_everywhere(unsigned o, uint32_t k, uint32_t seq)
{
	struct mars_scsp_entry_view	 v;
	unsigned		 i;

	for (i = 0; i < net.nn; i++) {
		if (net.dead[i])
			continue;
		assert_true(net_lookup(&net, i, o, k, &v));
		assert_int_equal(v.seq, seq);
		assert_int_equal(v.own, i == o);
	}
}

static void
assert_queues_empty(void)
{
	unsigned i, k;

	for (i = 0; i < net.nn; i++)
		for (k = 0; k < mars_scsp_dcs_count(net.node[i]); k++)
			assert_int_equal(mars_scsp_rexmt_len(net.node[i], k), 0);
}

static void
test_flood_mesh3(void **state)
{
	struct mars_scsp_entry_view	 v;
	uint32_t		 seq;

	(void)state;
	up(3, false);
	seq = net_originate(&net, 0, 42, 9);
	assert_int_equal(seq, MARS_SCSP_SEQ_FIRST);
	net_run(&net, 100);
	assert_everywhere(0, 42, MARS_SCSP_SEQ_FIRST);
	assert_int_equal(net.upd[1][MARS_SCSP_UPD_ADDED], 1);
	assert_int_equal(net.upd[2][MARS_SCSP_UPD_ADDED], 1);
	assert_int_equal(net.upd[0][MARS_SCSP_UPD_ADDED], 0);	/* not its own */
	assert_int_equal(net.ev[1][MARS_EV_CACHE_UPDATE], 1);
	assert_int_equal(net.last_upd[1].key.len, 4);
	assert_int_equal(net.last_upd[1].oid.p[3], 1);
	assert_true(net_same_cache(&net, 0, 1));
	assert_true(net_same_cache(&net, 0, 2));
	assert_queues_empty();
	/* The body is the RFC 2443 part as given. */
	assert_true(net_lookup(&net, 2, 0, 42, &v));
	assert_int_equal(v.body[11], MARS_SCSP_MARS_CLIENT_JOIN);
	/* Hop count 3 arrives as 3, kept as 2 for onward flooding. */
	assert_int_equal(v.hops, 2);
	/* An update with a higher number replaces it everywhere. */
	seq = net_originate(&net, 0, 42, 10);
	assert_int_equal(seq, MARS_SCSP_SEQ_FIRST + 1);
	net_run(&net, 100);
	assert_everywhere(0, 42, MARS_SCSP_SEQ_FIRST + 1);
	assert_int_equal(net.upd[2][MARS_SCSP_UPD_CHANGED], 1);
	assert_true(net_lookup(&net, 2, 0, 42, &v));
	assert_int_equal(v.body[v.body_len - 1], 10);
	assert_queues_empty();
	net_free(&net);
}

static void
test_flood_mesh5_and_line(void **state)
{
	unsigned i, k;

	(void)state;
	up(5, false);
	for (i = 0; i < 5; i++)
		for (k = 0; k < 4; k++)
			(void)net_originate(&net, i, k, (uint8_t)i);
	net_run(&net, 200);
	for (i = 1; i < 5; i++)
		assert_true(net_same_cache(&net, 0, i));
	assert_int_equal(mars_scsp_cache_len(net.node[3]), 20);
	assert_int_equal(net.upd[3][MARS_SCSP_UPD_ADDED], 16);
	assert_queues_empty();
	net_free(&net);

	/* A - B - C: C hears A only through B. */
	up(3, true);
	assert_int_equal(mars_scsp_dcs_count(net.node[0]), 1);
	assert_int_equal(mars_scsp_dcs_count(net.node[1]), 2);
	(void)net_originate(&net, 0, 1, 1);
	(void)net_originate(&net, 2, 2, 2);
	net_run(&net, 100);
	assert_everywhere(0, 1, MARS_SCSP_SEQ_FIRST);
	assert_everywhere(2, 2, MARS_SCSP_SEQ_FIRST);
	assert_int_equal(net.sent[0][1][MARS_SCSP_CSU_REQUEST], 1);
	assert_int_equal(net.sent[1][2][MARS_SCSP_CSU_REQUEST], 1);
	/* B does not send A's entry back to A. */
	assert_int_equal(net.sent[1][0][MARS_SCSP_CSU_REQUEST], 1);
	assert_queues_empty();
	net_free(&net);
}

/* A hand-built CSU Request from node `from` (its ID) to node `to`. */
static size_t
csu_request(uint8_t *out, size_t cap, unsigned from, unsigned to,
    unsigned oid_node, uint32_t k, uint32_t seq, uint8_t g)
{
	uint8_t			 sid[4], rid[4], oid[4], body[128];
	uint8_t			 key[4] = { (uint8_t)(k >> 24),
				    (uint8_t)(k >> 16), (uint8_t)(k >> 8),
				    (uint8_t)k };
	struct mars_scsp_csas	 r;
	struct mars_scsp_msg		 m;
	struct mars_err		 err;
	size_t			 len;

	net_id(sid, from);
	net_id(rid, to);
	net_id(oid, oid_node);
	memset(&r, 0, sizeof(r));
	r.hops = 3;
	r.seq = seq;
	r.key.p = key;
	r.key.len = 4;
	r.oid.p = oid;
	r.oid.len = 4;
	r.body = body;
	r.body_len = net_body(body, sizeof(body), (uint16_t)k, g);
	memset(&m, 0, sizeof(m));
	m.type = MARS_SCSP_CSU_REQUEST;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sgid = 1;
	m.sender.p = sid;
	m.sender.len = 4;
	m.receiver.p = rid;
	m.receiver.len = 4;
	m.csas = &r;
	m.nrec = 1;
	assert_int_equal(mars_scsp_encode(&m, out, cap, &len, MARS_SCSP_ENC_LLC, &err),
	    0);
	return len;
}

struct reply_watch {
	unsigned	 replies;
	uint32_t	 seq;
	uint16_t	 hops;
	bool		 null;
};

static void
watch_replies(struct net *n, unsigned from, unsigned to, const uint8_t *sdu,
    size_t len)
{
	struct reply_watch	*w = n->sniff_ctx;
	struct mars_pdu		 pdu;
	struct mars_scsp_iter	 it;
	struct mars_scsp_csas	 r;

	if (from != 0 || to != 1 || net_type(sdu, len) != MARS_SCSP_CSU_REPLY)
		return;
	assert_int_equal(mars_pdu_decode(&pdu, sdu, len, 0), 0);
	mars_scsp_iter_init(&pdu.u.scsp, &it);
	assert_true(mars_scsp_next_csas(&it, &r));
	w->replies++;
	w->seq = r.seq;
	w->hops = r.hops;
	w->null = r.null;
	assert_int_equal(r.body_len, 0);
}

static void
test_older_answered_with_cached(void **state)
{
	struct reply_watch	 w;
	struct mars_scsp_entry_view	 v;
	struct mars_vc		 vc = { MARS_VC_SERVER, 2 };
	uint8_t			 pkt[256];
	size_t			 len;

	(void)state;
	up(2, false);
	(void)net_originate(&net, 0, 5, 1);
	(void)net_originate(&net, 0, 5, 2);
	(void)net_originate(&net, 0, 5, 3);	/* 0x80000003 */
	net_run(&net, 100);
	memset(&w, 0, sizeof(w));
	net.sniff = watch_replies;
	net.sniff_ctx = &w;
	/* Node 1 (by its ID) sends node 0 an older instance of node 0's key. */
	len = csu_request(pkt, sizeof(pkt), 1, 0, 0, 5, MARS_SCSP_SEQ_FIRST, 7);
	mars_scsp_input(net.node[0], net.now, &vc, pkt, len);
	assert_int_equal(w.replies, 1);
	assert_int_equal(w.seq, MARS_SCSP_SEQ_FIRST + 2);	/* the cached CSAS */
	assert_true(net_lookup(&net, 0, 0, 5, &v));
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST + 2);
	assert_int_equal(v.body[v.body_len - 1], 3);

	/* Same with an entry node 0 learned from node 1: older is refused. */
	(void)net_originate(&net, 1, 6, 1);
	(void)net_originate(&net, 1, 6, 2);
	net_run(&net, 100);
	w.replies = 1;
	len = csu_request(pkt, sizeof(pkt), 1, 0, 1, 6, MARS_SCSP_SEQ_FIRST, 9);
	mars_scsp_input(net.node[0], net.now, &vc, pkt, len);
	assert_int_equal(w.replies, 2);
	assert_int_equal(w.seq, MARS_SCSP_SEQ_FIRST + 1);
	assert_true(net_lookup(&net, 0, 1, 6, &v));
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST + 1);
	assert_int_equal(v.body[v.body_len - 1], 2);
	assert_int_equal(net.upd[0][MARS_SCSP_UPD_CHANGED], 1);

	/* A newer one is taken, acknowledged as received, flooded on. */
	len = csu_request(pkt, sizeof(pkt), 1, 0, 1, 6, MARS_SCSP_SEQ_FIRST + 5, 4);
	mars_scsp_input(net.node[0], net.now, &vc, pkt, len);
	assert_int_equal(w.replies, 3);
	assert_int_equal(w.seq, MARS_SCSP_SEQ_FIRST + 5);
	assert_int_equal(w.hops, 1);
	assert_true(net_lookup(&net, 0, 1, 6, &v));
	assert_int_equal(v.body[v.body_len - 1], 4);
	assert_int_equal(net.upd[0][MARS_SCSP_UPD_CHANGED], 2);

	/* Receiver ID neither ours nor all 0xFF: discarded. */
	len = csu_request(pkt, sizeof(pkt), 1, 4, 1, 6, MARS_SCSP_SEQ_FIRST + 9, 4);
	mars_scsp_input(net.node[0], net.now, &vc, pkt, len);
	assert_int_equal(w.replies, 3);
	assert_true(net_lookup(&net, 0, 1, 6, &v));
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST + 5);
	net_free(&net);
}

/* Drop CSU Replies from `replier` while *budget > 0 (or always if -1). */
static int reply_drop_budget;
static unsigned replier;

static bool
drop_replies(struct net *n, unsigned from, unsigned to, const uint8_t *sdu,
    size_t len)
{
	(void)n;
	(void)to;
	if (from != replier || net_type(sdu, len) != MARS_SCSP_CSU_REPLY)
		return false;
	if (reply_drop_budget < 0)
		return true;
	if (reply_drop_budget == 0)
		return false;
	reply_drop_budget--;
	return true;
}

static void
test_retransmit_until_acked(void **state)
{
	(void)state;
	up(2, false);
	net.drop = drop_replies;
	replier = 1;
	reply_drop_budget = 3;
	(void)net_originate(&net, 0, 77, 1);
	net_run(&net, 100);
	assert_int_equal(mars_scsp_rexmt_len(net.node[0], 0), 1);
	net_run(&net, 2000);
	assert_int_equal(net.sent[0][1][MARS_SCSP_CSU_REQUEST], 2);
	net_run(&net, 10000);
	assert_int_equal(net.sent[0][1][MARS_SCSP_CSU_REQUEST], 4);
	assert_int_equal(mars_scsp_rexmt_len(net.node[0], 0), 0);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->csa_rexmt, 3);
	/* Repeats are not news to node 1. */
	assert_int_equal(net.upd[1][MARS_SCSP_UPD_ADDED], 1);
	assert_everywhere(0, 77, MARS_SCSP_SEQ_FIRST);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->abnormal, 0);
	net_free(&net);
}

static void
test_retransmit_limit_abnormal(void **state)
{
	(void)state;
	up(2, false);
	net.drop = drop_replies;
	replier = 1;
	reply_drop_budget = -1;
	(void)net_originate(&net, 0, 77, 1);
	/* 1 + 5 sends, 2 s apart, then the abnormal event. */
	net_run(&net, 11500);
	assert_int_equal(net.sent[0][1][MARS_SCSP_CSU_REQUEST], 6);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->abnormal, 0);
	net_run(&net, 1000);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->abnormal, 1);
	assert_true(net.ev[0][MARS_EV_PEER_DOWN] >= 1);
	/* The replies flow again: the two realign and stay up. */
	reply_drop_budget = 0;
	net_run(&net, 15000);
	assert_true(net_all_aligned(&net));
	assert_queues_empty();
	assert_everywhere(0, 77, MARS_SCSP_SEQ_FIRST);
	net_free(&net);
}

/*
 * Many CSAs in flight at once (a thousand members registering): each
 * CSU Request carries what is due in queue order -- the order the keys
 * were first queued, a requeued key keeping its place -- every one is
 * sent again when its timer runs out, acknowledged ones never again.
 */
#define FLIGHT	600

static uint32_t	flight_keys[4 * FLIGHT];
static size_t	flight_n;

static void
sniff_requests(struct net *n, unsigned from, unsigned to, const uint8_t *sdu,
    size_t len)
{
	struct mars_scsp_msg	 m;
	struct mars_scsp_iter	 it;
	struct mars_scsp_csas	 rec;
	struct mars_err		 err;
	uint32_t		 k, prev = 0;

	(void)n;
	(void)to;
	if (from != 0 || net_type(sdu, len) != MARS_SCSP_CSU_REQUEST)
		return;
	assert_int_equal(mars_scsp_decode(&m, sdu + MARS_LLC_SNAP_LEN,
	    len - MARS_LLC_SNAP_LEN, 0, 0, &err), 0);
	mars_scsp_iter_init(&m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		assert_int_equal(rec.key.len, 4);
		k = (uint32_t)rec.key.p[0] << 24 | (uint32_t)rec.key.p[1] << 16 |
		    (uint32_t)rec.key.p[2] << 8 | rec.key.p[3];
		assert_true(k > prev);		/* queue order */
		prev = k;
		assert_true(flight_n < sizeof(flight_keys) /
		    sizeof(flight_keys[0]));
		flight_keys[flight_n++] = k;
	}
}

static void
test_many_in_flight(void **state)
{
	static unsigned seen[FLIGHT + 1];
	uint32_t seq[FLIGHT + 1], k;
	size_t i, first;

	(void)state;
	up(2, false);
	net.drop = drop_replies;
	net.sniff = sniff_requests;
	replier = 1;
	reply_drop_budget = -1;		/* nothing acknowledged yet */
	flight_n = 0;
	for (k = 1; k <= FLIGHT; k++) {
		seq[k] = net_originate(&net, 0, 1000 + k, 1);
		if (k % 7 == 0)		/* now and then a newer instance */
			seq[k / 2] = net_originate(&net, 0, 1000 + k / 2, 2);
		if (k % 50 == 0)
			net_run(&net, 1);
	}
	net_run(&net, 10);
	assert_int_equal(mars_scsp_rexmt_len(net.node[0], 0), FLIGHT);
	/* The first sends: every key at least once. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < flight_n; i++)
		seen[flight_keys[i] - 1000]++;
	for (k = 1; k <= FLIGHT; k++)
		assert_true(seen[k] >= 1);
	/* The resends, two seconds on: every key once. */
	first = flight_n;
	net_run(&net, 2000);
	memset(seen, 0, sizeof(seen));
	for (i = first; i < flight_n; i++)
		seen[flight_keys[i] - 1000]++;
	for (k = 1; k <= FLIGHT; k++)
		assert_int_equal(seen[k], 1);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->csa_rexmt, FLIGHT);
	/* Acknowledged at last: the queue empties, nothing goes again. */
	reply_drop_budget = 0;
	net_run(&net, 2500);
	assert_int_equal(mars_scsp_rexmt_len(net.node[0], 0), 0);
	first = flight_n;
	net_run(&net, 10000);
	assert_int_equal(flight_n, first);
	for (k = 1; k <= FLIGHT; k++)
		assert_everywhere(0, 1000 + k, seq[k]);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->abnormal, 0);
	net_free(&net);
}

/* §2.3 (2b): a CSU Reply newer than what is queued -> dequeue, CSUS. */
static void
test_reply_newer_solicits(void **state)
{
	struct mars_scsp_csas	 r;
	struct mars_scsp_msg		 m;
	struct mars_err		 err;
	struct mars_vc		 vc = { MARS_VC_SERVER, 1 };
	uint8_t			 sid[4], rid[4], oid[4], pkt[128];
	uint8_t			 key[4] = { 0, 0, 0, 6 };
	unsigned		 csus;
	size_t			 len;

	(void)state;
	up(3, true);			/* 0 - 1 - 2 */
	net.drop = drop_replies;
	replier = 0;
	reply_drop_budget = -1;
	(void)net_originate(&net, 2, 6, 1);
	net_run(&net, 100);
	assert_int_equal(mars_scsp_rexmt_len(net.node[1], net_dcs(&net, 1, 0)), 1);
	net_id(sid, 0);
	net_id(rid, 1);
	net_id(oid, 2);
	memset(&r, 0, sizeof(r));
	r.hops = 1;
	r.seq = MARS_SCSP_SEQ_FIRST + 2;
	r.key.p = key;
	r.key.len = 4;
	r.oid.p = oid;
	r.oid.len = 4;
	memset(&m, 0, sizeof(m));
	m.type = MARS_SCSP_CSU_REPLY;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sgid = 1;
	m.sender.p = sid;
	m.sender.len = 4;
	m.receiver.p = rid;
	m.receiver.len = 4;
	m.csas = &r;
	m.nrec = 1;
	assert_int_equal(mars_scsp_encode(&m, pkt, sizeof(pkt), &len, MARS_SCSP_ENC_LLC,
	    &err), 0);
	csus = net.sent[1][0][MARS_SCSP_CSUS];
	mars_scsp_input(net.node[1], net.now, &vc, pkt, len);
	assert_int_equal(mars_scsp_rexmt_len(net.node[1], net_dcs(&net, 1, 0)), 0);
	assert_int_equal(net.sent[1][0][MARS_SCSP_CSUS], csus + 1);
	/* Node 0 answers with what it has; node 1 does not ask for ever. */
	reply_drop_budget = 0;
	net_run(&net, 20000);
	assert_int_equal(net.sent[1][0][MARS_SCSP_CSUS], csus + 1);
	assert_true(net_all_aligned(&net));
	assert_everywhere(2, 6, MARS_SCSP_SEQ_FIRST);
	net_free(&net);
}

static void
test_restart_realigns(void **state)
{
	struct mars_scsp_entry_view	 v;
	unsigned		 i;
	uint32_t		 seq;

	(void)state;
	up(3, false);
	for (i = 0; i < 3; i++) {
		(void)net_originate(&net, i, 10, (uint8_t)i);
		(void)net_originate(&net, i, 11, (uint8_t)i);
	}
	(void)net_originate(&net, 2, 11, 50);
	(void)net_originate(&net, 2, 11, 51);	/* 0x80000003 */
	net_run(&net, 200);
	assert_true(net_same_cache(&net, 0, 2));

	net_kill(&net, 2);
	net_run(&net, 20000);
	assert_int_equal(net_hs(&net, 0, 2), MARS_SCSP_HS_WAITING);
	/* Back with an empty cache; before aligning it re-originates key 11. */
	net_restart(&net, 2);
	assert_int_equal(mars_scsp_cache_len(net.node[2]), 0);
	seq = net_originate(&net, 2, 11, 60);
	assert_int_equal(seq, MARS_SCSP_SEQ_FIRST);
	net_run(&net, 15000);
	assert_true(net_all_aligned(&net));
	for (i = 1; i < 3; i++)
		assert_true(net_same_cache(&net, 0, i));
	assert_int_equal(mars_scsp_cache_len(net.node[2]), 6);
	/* Its previous incarnation's key 10 came back to it as its own. */
	assert_true(net_lookup(&net, 2, 2, 10, &v));
	assert_true(v.own);
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST);
	/* Key 11: the new body wins, numbered past the old 0x80000003. */
	assert_everywhere(2, 11, MARS_SCSP_SEQ_FIRST + 3);
	assert_true(net_lookup(&net, 0, 2, 11, &v));
	assert_int_equal(v.body[v.body_len - 1], 60);
	/* Its next change continues from there. */
	assert_int_equal(net_originate(&net, 2, 11, 61), MARS_SCSP_SEQ_FIRST + 4);
	net_run(&net, 100);
	assert_everywhere(2, 11, MARS_SCSP_SEQ_FIRST + 4);
	assert_queues_empty();
	net_free(&net);
}

/*
 * A restarted node re-uses a number its previous incarnation spent, with
 * other content: the group still ends with the new content everywhere.
 */
static void
same_number(uint8_t old_g, uint8_t new_g, uint32_t want_seq)
{
	struct mars_scsp_entry_view	 v;
	unsigned		 i;

	up(3, true);				/* 0 - 1 - 2 */
	(void)net_originate(&net, 2, 8, old_g);
	net_run(&net, 100);
	assert_everywhere(2, 8, MARS_SCSP_SEQ_FIRST);
	net_kill(&net, 2);
	net_run(&net, 15000);
	net_restart(&net, 2);
	assert_int_equal(net_originate(&net, 2, 8, new_g), MARS_SCSP_SEQ_FIRST);
	net_run(&net, 15000);
	assert_true(net_all_aligned(&net));
	assert_everywhere(2, 8, want_seq);
	for (i = 0; i < 3; i++) {
		assert_true(net_lookup(&net, i, 2, 8, &v));
		assert_int_equal(v.body[v.body_len - 1], new_g);
	}
	assert_true(net_same_cache(&net, 0, 1));
	assert_true(net_same_cache(&net, 0, 2));
	assert_queues_empty();
	net_free(&net);
}

static void
test_restart_same_number(void **state)
{
	(void)state;
	same_number(1, 9, MARS_SCSP_SEQ_FIRST);	/* new content is "larger" */
	same_number(9, 1, MARS_SCSP_SEQ_FIRST + 1);	/* owner numbers past it */
}

static void
test_partition_heals(void **state)
{
	unsigned i, a, b;

	(void)state;
	up(5, false);
	for (i = 0; i < 5; i++)
		(void)net_originate(&net, i, 1, (uint8_t)i);
	net_run(&net, 100);
	/* {0,1} | {2,3,4} */
	for (a = 0; a < 2; a++)
		for (b = 2; b < 5; b++)
			net_partition(&net, a, b, true);
	(void)net_originate(&net, 0, 1, 20);
	(void)net_originate(&net, 0, 2, 21);
	(void)net_originate(&net, 3, 1, 22);
	(void)net_originate(&net, 4, 9, 23);
	assert_int_equal(mars_scsp_withdraw(net.node[2], net.now,
	    (const uint8_t *)"\0\0\0\1", 4), 0);
	net_run(&net, 30000);
	assert_int_equal(net_hs(&net, 0, 3), MARS_SCSP_HS_WAITING);
	assert_true(net_same_cache(&net, 0, 1));
	assert_true(net_same_cache(&net, 2, 4));
	assert_false(net_same_cache(&net, 0, 2));
	for (a = 0; a < 2; a++)
		for (b = 2; b < 5; b++)
			net_partition(&net, a, b, false);
	net_run(&net, 20000);
	assert_true(net_all_aligned(&net));
	for (i = 1; i < 5; i++)
		assert_true(net_same_cache(&net, 0, i));
	assert_int_equal(mars_scsp_cache_len(net.node[1]), 7);
	assert_everywhere(0, 1, MARS_SCSP_SEQ_FIRST + 1);
	assert_everywhere(4, 9, MARS_SCSP_SEQ_FIRST);
	net_free(&net);
}

static void
test_withdraw(void **state)
{
	struct mars_scsp_entry_view	 v;
	const uint8_t		 key[4] = { 0, 0, 0, 3 };
	uint8_t			 oid[4];
	struct mars_scsp_id		 o = { oid, 4 }, k = { key, 4 };

	(void)state;
	up(3, true);
	(void)net_originate(&net, 0, 3, 1);
	net_run(&net, 100);
	assert_int_equal(mars_scsp_withdraw(net.node[0], net.now, key, 4), 0);
	assert_int_equal(mars_scsp_withdraw(net.node[0], net.now,
	    (const uint8_t *)"nope", 4), MARS_E_INVAL);
	net_run(&net, 100);
	assert_int_equal(net.upd[1][MARS_SCSP_UPD_REMOVED], 1);
	assert_int_equal(net.upd[2][MARS_SCSP_UPD_REMOVED], 1);
	assert_true(net_lookup(&net, 2, 0, 3, &v));
	assert_true(v.null);
	assert_null(v.body);
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST + 1);
	/* Node 2 restarts: alignment does not resurrect the entry. */
	net_kill(&net, 2);
	net_run(&net, 15000);
	net_restart(&net, 2);
	memset(net.upd[2], 0, sizeof(net.upd[2]));
	net_run(&net, 15000);
	assert_true(net_all_aligned(&net));
	assert_true(net_lookup(&net, 2, 0, 3, &v));
	assert_true(v.null);
	assert_int_equal(net.upd[2][MARS_SCSP_UPD_ADDED], 0);
	/* Re-originated after the purge: next number, live again. */
	assert_int_equal(net_originate(&net, 0, 3, 2), MARS_SCSP_SEQ_FIRST + 2);
	net_run(&net, 100);
	assert_true(net_lookup(&net, 2, 0, 3, &v));
	assert_false(v.null);
	assert_int_equal(net.upd[2][MARS_SCSP_UPD_ADDED], 1);
	/* Tombstones can be forgotten; live entries cannot. */
	net_id(oid, 0);
	assert_false(mars_scsp_forget(net.node[1], &o, &k));
	assert_int_equal(mars_scsp_withdraw(net.node[0], net.now, key, 4), 0);
	net_run(&net, 100);
	assert_true(mars_scsp_forget(net.node[1], &o, &k));
	assert_false(net_lookup(&net, 1, 0, 3, &v));
	net_free(&net);
}

/*
 * RFC 2334 B.2.0.2 purge: tombstones are dropped once every DCS has them
 * and the hold has passed, not while one still waits on a retransmit
 * queue; the removal told the owner what the entry had been.
 */
static void
test_tombstones_purged(void **state)
{
	struct mars_scsp_entry_view	 v;
	const uint8_t		 k3[4] = { 0, 0, 0, 3 }, k4[4] = { 0, 0, 0, 4 };
	unsigned		 i;

	(void)state;
	net_init(&net, 3);
	net_mesh(&net);
	for (i = 0; i < 3; i++)
		net.conf[i].tomb_hold = 5000;
	net_build(&net);
	net_start(&net);
	net_run(&net, 8000);
	assert_true(net_all_aligned(&net));
	(void)net_originate(&net, 0, 3, 1);
	(void)net_originate(&net, 0, 4, 1);
	net_run(&net, 100);
	assert_int_equal(mars_scsp_withdraw(net.node[0], net.now, k3, 4), 0);
	net_run(&net, 100);
	for (i = 1; i < 3; i++) {
		assert_int_equal(net.upd[i][MARS_SCSP_UPD_REMOVED], 1);
		assert_int_equal(net.removed_old[i], 1);
		assert_true(net_lookup(&net, i, 0, 3, &v));
		assert_true(v.null);
	}
	/*
	 * Node 2 stops acknowledging (for less than the retransmit limit):
	 * the purge of key 4 stays queued for it at node 0.
	 */
	replier = 2;
	reply_drop_budget = -1;
	net.drop = drop_replies;
	assert_int_equal(mars_scsp_withdraw(net.node[0], net.now, k4, 4), 0);
	net_run(&net, 3000);
	assert_true(net_lookup(&net, 0, 0, 3, &v));	/* not of age yet */
	net_run(&net, 3000);
	/* key 3 came of age and nobody waits for it: gone everywhere */
	for (i = 0; i < 3; i++)
		assert_false(net_lookup(&net, i, 0, 3, &v));
	/* key 4 is of age too, but node 0 still waits for node 2's ack */
	assert_true(mars_scsp_rexmt_len(net.node[0], net_dcs(&net, 0, 2)) > 0);
	assert_true(net_lookup(&net, 0, 0, 4, &v));
	assert_true(v.null);
	net.drop = NULL;
	net_run(&net, 15000);
	for (i = 0; i < 3; i++)
		assert_int_equal(mars_scsp_cache_len(net.node[i]), 0);
	/* (node 2 learnt key 4 again from node 0's retransmissions) */
	assert_true(mars_scsp_node_stats(net.node[1])->tombstones_purged >= 2);
	assert_true(net_all_aligned(&net));
	assert_queues_empty();
	/* A later origination of the key starts afresh and floods. */
	assert_int_equal(net_originate(&net, 0, 3, 5), MARS_SCSP_SEQ_FIRST);
	net_run(&net, 100);
	assert_everywhere(0, 3, MARS_SCSP_SEQ_FIRST);
	net_free(&net);
}

/* Node `from` hands node `to` a CSA of oid_node's key k at seq. */
static void
inject(unsigned from, unsigned to, unsigned oid_node, uint32_t k,
    uint32_t seq, uint8_t g)
{
	struct mars_vc	 vc = { MARS_VC_SERVER, from + 1 };
	uint8_t		 pkt[256];
	size_t		 len;

	len = csu_request(pkt, sizeof(pkt), from, to, oid_node, k, seq, g);
	mars_scsp_input(net.node[to], net.now, &vc, pkt, len);
}

static void
assert_body_g(unsigned i, unsigned o, uint32_t k, uint32_t seq, uint8_t g)
{
	struct mars_scsp_entry_view	 v;

	assert_true(net_lookup(&net, i, o, k, &v));
	assert_int_equal(v.seq, seq);
	assert_false(v.null);
	assert_int_equal(v.body[v.body_len - 1], g);
}

/*
 * B.2.0.2 wrap: an entry at 2^31-2 that changes is purged at 2^31-1,
 * then restarts at -2^31+1 once every DCS acknowledged the purge; the
 * group ends with the new content everywhere, and changes made while
 * the purge is out wait and win.
 */
static void
test_sequence_wrap(void **state)
{
	struct mars_scsp_entry_view	 v;
	uint32_t		 seq;
	unsigned		 i;

	(void)state;
	up(3, false);
	/* A previous incarnation of node 0 left key 7 at 2^31-3. */
	inject(1, 0, 0, 7, 0x7FFFFFFDu, 1);
	net_run(&net, 100);
	assert_int_equal(net_originate(&net, 0, 7, 2), 0x7FFFFFFEu);
	net_run(&net, 100);
	assert_everywhere(0, 7, 0x7FFFFFFEu);
	/* The next change wraps; node 2's acknowledgements are held up. */
	replier = 2;
	reply_drop_budget = -1;
	net.drop = drop_replies;
	assert_int_equal(net_originate(&net, 0, 7, 3), MARS_SCSP_SEQ_WRAP);
	net_run(&net, 500);
	for (i = 0; i < 3; i++) {
		assert_true(net_lookup(&net, i, 0, 7, &v));
		assert_int_equal(v.seq, MARS_SCSP_SEQ_WRAP);
		assert_true(v.null);
	}
	/* While the purge waits, the newest content replaces the waiting one. */
	seq = net_originate(&net, 0, 7, 4);
	assert_int_equal(seq, MARS_SCSP_SEQ_WRAP);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->seq_wraps, 0);
	net.drop = NULL;
	net_run(&net, 5000);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->seq_wraps, 1);
	for (i = 0; i < 3; i++)
		assert_body_g(i, 0, 7, MARS_SCSP_SEQ_FIRST, 4);
	assert_true(net_same_cache(&net, 0, 1));
	assert_true(net_same_cache(&net, 0, 2));
	assert_queues_empty();
	/* Numbering goes on from the restart. */
	assert_int_equal(net_originate(&net, 0, 7, 5), MARS_SCSP_SEQ_FIRST + 1);
	net_run(&net, 100);
	for (i = 0; i < 3; i++)
		assert_body_g(i, 0, 7, MARS_SCSP_SEQ_FIRST + 1, 5);
	/* A late copy of the purge never undoes the restart. */
	inject(1, 2, 0, 7, MARS_SCSP_SEQ_WRAP, 0);
	net_run(&net, 100);
	assert_body_g(2, 0, 7, MARS_SCSP_SEQ_FIRST + 1, 5);
	net_free(&net);
}

/*
 * A DCS that offers one of our entries at 2^31-2 (a previous
 * incarnation's) makes the originator wrap rather than give up: the
 * group converges on the originator's content.
 */
static void
test_wrap_on_stale_high_number(void **state)
{
	unsigned i;

	(void)state;
	up(2, false);
	assert_int_equal(net_originate(&net, 0, 9, 1), MARS_SCSP_SEQ_FIRST);
	net_run(&net, 100);
	/* Node 1 claims to hold node 0's key 9 at 2^31-2. */
	inject(1, 0, 0, 9, 0x7FFFFFFEu, 8);
	net_run(&net, 5000);
	assert_int_equal(mars_scsp_node_stats(net.node[0])->seq_wraps, 1);
	for (i = 0; i < 2; i++)
		assert_body_g(i, 0, 9, MARS_SCSP_SEQ_FIRST, 1);
	assert_true(net_same_cache(&net, 0, 1));
	net_free(&net);
}

/* on_update may originate: the answer goes out after the input. */
static void
answer_update(void *ctx, const struct mars_scsp_update *u)
{
	struct net_end *e = ctx;

	net_update(ctx, u);
	if (u->kind == MARS_SCSP_UPD_ADDED && u->key.p[3] == 99)
		(void)net_originate(e->net, e->idx, 100, 1);
}

static void
test_originate_from_callback(void **state)
{
	(void)state;
	net_init(&net, 3);
	net_mesh(&net);
	net.conf[1].on_update = answer_update;
	net_build(&net);
	net_start(&net);
	net_run(&net, 8000);
	(void)net_originate(&net, 0, 99, 1);
	net_run(&net, 100);
	assert_everywhere(0, 99, MARS_SCSP_SEQ_FIRST);
	assert_everywhere(1, 100, MARS_SCSP_SEQ_FIRST);
	assert_int_equal(net.upd[0][MARS_SCSP_UPD_ADDED], 1);
	assert_queues_empty();
	net_free(&net);
}

static void
test_originate_limits(void **state)
{
	struct mars_scsp_node	*n;
	uint8_t			 key[MARS_SCSP_ID_MAX + 1] = { 1 };
	uint8_t			 body[64];
	uint16_t		 blen;
	uint32_t		 seq;

	(void)state;
	net_init(&net, 1);
	net_build(&net);
	n = net.node[0];
	blen = net_body(body, sizeof(body), 1, 1);
	assert_int_equal(mars_scsp_originate(n, 0, key, 0, body, blen, NULL),
	    MARS_E_INVAL);
	assert_int_equal(mars_scsp_originate(n, 0, key, MARS_SCSP_ID_MAX + 1, body,
	    blen, NULL), MARS_E_INVAL);
	assert_int_equal(mars_scsp_originate(n, 0, key, 4, NULL, 3, NULL),
	    MARS_E_INVAL);
	assert_int_equal(mars_scsp_originate(n, 0, key, 4, body, blen, &seq), 0);
	assert_int_equal(seq, MARS_SCSP_SEQ_FIRST);
	assert_int_equal(mars_scsp_cache_len(n), 1);
	net_free(&net);
}

/* Garbage of every kind on the inter-server VCs never crashes a node. */
static void
test_garbage_input(void **state)
{
	static const uint8_t llc[8] = { 0xaa, 0xaa, 0x03, 0, 0, 0x5e, 0, 0x05 };
	struct mars_rng	 rng;
	struct mars_vc	 vc = { MARS_VC_SERVER, 2 };
	uint8_t		 buf[600], pkt[256];
	size_t		 len, i, plen;
	unsigned	 round;

	(void)state;
	up(2, false);
	(void)net_originate(&net, 1, 4, 4);
	net_run(&net, 100);
	mars_rng_seed(&rng, 2334);
	plen = csu_request(pkt, sizeof(pkt), 1, 0, 1, 4, MARS_SCSP_SEQ_FIRST + 1, 5);
	for (round = 0; round < 20000; round++) {
		len = (size_t)mars_rng_range(&rng, 0, sizeof(buf));
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)mars_rng_next(&rng);
		switch (round % 4) {
		case 0:				/* pure noise */
			break;
		case 1:				/* SCSP LLC + noise */
			if (len >= 8)
				memcpy(buf, llc, 8);
			break;
		case 2:				/* a real packet, bits flipped */
			len = plen;
			memcpy(buf, pkt, len);
			for (i = 0; i < 3; i++)
				buf[mars_rng_range(&rng, 8, len - 1)] ^=
				    (uint8_t)(1u << mars_rng_range(&rng, 0, 7));
			break;
		default:			/* a real packet, cut short */
			len = (size_t)mars_rng_range(&rng, 0, plen);
			memcpy(buf, pkt, len);
			break;
		}
		/* Node 0 hears node 1 on VC 2, node 1 hears node 0 on VC 1. */
		vc.id = (round & 1) ? 1 : 2;
		mars_scsp_input(net.node[round & 1], net.now, &vc, buf, len);
		(void)mars_scsp_tick(net.node[round & 1], net.now);
	}
	assert_true(mars_scsp_node_stats(net.node[0])->malformed > 0);
	assert_true(mars_scsp_node_stats(net.node[0])->ignored > 0);
	/* Once the noise stops, they recover. */
	net_run(&net, 20000);
	assert_true(net_all_aligned(&net));
	assert_true(net_same_cache(&net, 0, 1));
	net_free(&net);
}

/* 5 nodes, 15 % loss, changes everywhere: once the loss ends, one cache. */
static struct mars_rng loss_rng;
static unsigned loss_pct;

static bool
drop_random(struct net *n, unsigned from, unsigned to, const uint8_t *sdu,
    size_t len)
{
	(void)n;
	(void)from;
	(void)to;
	(void)sdu;
	(void)len;
	return mars_rng_range(&loss_rng, 0, 99) < loss_pct;
}

static void
test_lossy_soak_converges(void **state)
{
	struct mars_rng	 rng;
	unsigned	 step, i, who;
	uint32_t	 k;

	(void)state;
	mars_rng_seed(&loss_rng, 7);
	mars_rng_seed(&rng, 11);
	loss_pct = 15;
	net_init(&net, 5);
	net_mesh(&net);
	net.drop = drop_random;
	net_build(&net);
	net_start(&net);
	for (step = 0; step < 120; step++) {
		who = (unsigned)mars_rng_range(&rng, 0, 4);
		k = (uint32_t)mars_rng_range(&rng, 0, 15);
		if (mars_rng_range(&rng, 0, 9) == 0)
			(void)mars_scsp_withdraw(net.node[who], net.now,
			    (const uint8_t[]){ 0, 0, 0, (uint8_t)k }, 4);
		else
			(void)net_originate(&net, who, k, (uint8_t)step);
		net_run(&net, mars_rng_range(&rng, 10, 1500));
	}
	loss_pct = 0;
	net_run(&net, 40000);
	assert_true(net_all_aligned(&net));
	for (i = 1; i < 5; i++)
		assert_true(net_same_cache(&net, 0, i));
	assert_queues_empty();
	net_free(&net);
}

/* Nodes die and come back empty while changes go on: one cache at the end. */
static void
churn(uint64_t seed)
{
	struct mars_rng	 rng;
	unsigned	 step, i, who;
	uint32_t	 k;

	mars_rng_seed(&loss_rng, seed);
	mars_rng_seed(&rng, seed * 31);
	loss_pct = 5;
	net_init(&net, 5);
	net_mesh(&net);
	net.drop = drop_random;
	net_build(&net);
	net_start(&net);
	for (step = 0; step < 100; step++) {
		who = (unsigned)mars_rng_range(&rng, 0, 4);
		if (mars_rng_range(&rng, 0, 9) == 0) {
			if (net.dead[who])
				net_restart(&net, who);
			else
				net_kill(&net, who);
		} else if (!net.dead[who]) {
			k = (uint32_t)mars_rng_range(&rng, 0, 15);
			(void)net_originate(&net, who, k, (uint8_t)step);
		}
		net_run(&net, mars_rng_range(&rng, 10, 3000));
	}
	for (i = 0; i < 5; i++)
		if (net.dead[i])
			net_restart(&net, i);
	loss_pct = 0;
	net_run(&net, 40000);
	assert_true(net_all_aligned(&net));
	for (i = 1; i < 5; i++)
		assert_true(net_same_cache(&net, 0, i));
	assert_queues_empty();
	net_free(&net);
}

static void
test_churn_converges(void **state)
{
	(void)state;
	churn(3);
	churn(4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_mesh3),
		cmocka_unit_test(test_flood_mesh5_and_line),
		cmocka_unit_test(test_older_answered_with_cached),
		cmocka_unit_test(test_retransmit_until_acked),
		cmocka_unit_test(test_retransmit_limit_abnormal),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_reply_newer_solicits),
		cmocka_unit_test(test_restart_realigns),
		cmocka_unit_test(test_restart_same_number),
		cmocka_unit_test(test_partition_heals),
		cmocka_unit_test(test_withdraw),
		cmocka_unit_test(test_tombstones_purged),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_wrap_on_stale_high_number),
		cmocka_unit_test(test_originate_from_callback),
		cmocka_unit_test(test_originate_limits),
		cmocka_unit_test(test_garbage_input),
		cmocka_unit_test(test_lossy_soak_converges),
		cmocka_unit_test(test_churn_converges),
	};

	return cmocka_run_group_tests_name("scsp_flood", tests, NULL, NULL);
}
