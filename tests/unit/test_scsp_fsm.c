/*
 * SCSP Hello and Cache Alignment machines (scspfsm.h, RFC 2334 §2.1,
 * §2.2) on a fake clock: 2-node networks (scsp_net.h), and single nodes
 * fed hand-built packets.
 */
#include "scsp_net.h"

#include "mars/pdu.h"

/* ---- sniffing helpers ---- */

struct sniffed {
	unsigned	 from, to;
	uint8_t		 type;
	uint16_t	 flags;
	uint16_t	 nrec;
	uint8_t		 rcv_len;
	uint8_t		 rcv[8];
	uint32_t	 ca_seq;
};

struct sniffer {
	struct sniffed	 pk[4096];
	unsigned	 n;
};

static void
sniff(struct net *net, unsigned from, unsigned to, const uint8_t *sdu,
    size_t len)
{
	struct sniffer	*s = net->sniff_ctx;
	struct mars_pdu	 pdu;
	struct sniffed	*p;

	assert_int_equal(mars_pdu_decode(&pdu, sdu, len, 0), 0);
	assert_int_equal(pdu.kind, MARS_PDU_SCSP);
	if (s->n >= 4096)
		return;
	p = &s->pk[s->n++];
	p->from = from;
	p->to = to;
	p->type = pdu.u.scsp.type;
	p->flags = pdu.u.scsp.flags;
	p->nrec = pdu.u.scsp.nrec;
	p->rcv_len = pdu.u.scsp.receiver.len;
	if (p->rcv_len <= 8 && p->rcv_len > 0)
		memcpy(p->rcv, pdu.u.scsp.receiver.p, p->rcv_len);
	p->ca_seq = pdu.u.scsp.ca_seq;
}

static struct net net;
static struct sniffer sn;

static void
two_nodes(void)
{
	net_init(&net, 2);
	net_link(&net, 0, 1);
	memset(&sn, 0, sizeof(sn));
	net.sniff = sniff;
	net.sniff_ctx = &sn;
}

/* ---- Hello FSM ---- */

static void
test_hello_bidirectional(void **state)
{
	unsigned i, first = 0, later = 0;

	(void)state;
	two_nodes();
	net_build(&net);
	net_start(&net);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_WAITING);
	net_run(&net, 100);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_BIDIR);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_BIDIR);
	assert_int_equal(net.ev[0][MARS_EV_PEER_UP], 1);
	assert_int_equal(net.ev[1][MARS_EV_PEER_UP], 1);
	/* Filling rules: nobody heard -> Recvr ID Len 0; then the DCS. */
	for (i = 0; i < sn.n; i++) {
		if (sn.pk[i].type != MARS_SCSP_HELLO || sn.pk[i].from != 0)
			continue;
		if (first++ == 0) {
			assert_int_equal(sn.pk[i].rcv_len, 0);
			continue;
		}
		later++;
		assert_int_equal(sn.pk[i].rcv_len, 4);
		assert_int_equal(sn.pk[i].rcv[3], 2);
		assert_int_equal(sn.pk[i].nrec, 0);
	}
	assert_true(later >= 1);
	/* Stays up over a minute of Hellos, one per HelloInterval. */
	sn.n = 0;
	net_run(&net, 60000);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_BIDIR);
	assert_int_equal(net.ev[0][MARS_EV_PEER_DOWN], 0);
	assert_true(net.sent[0][1][MARS_SCSP_HELLO] >= 20);
	assert_true(net.sent[0][1][MARS_SCSP_HELLO] <= 24);
	net_free(&net);
}

static void
test_hello_one_way_loss(void **state)
{
	(void)state;
	two_nodes();
	net.cut[1][0] = true;		/* 1 -> 0 is lost */
	net_build(&net);
	net_start(&net);
	net_run(&net, 20000);
	/* 0 never hears 1; 1 hears Hellos that do not list it. */
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_WAITING);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_UNIDIR);
	assert_int_equal(net_cs(&net, 1, 0), MARS_SCSP_CA_DOWN);
	/* The loss ends: Bidirectional both ways. */
	net.cut[1][0] = false;
	net_run(&net, 4000);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_BIDIR);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_BIDIR);
	/* Loss again after Bidirectional: 0 declares 1 dead, 1 goes Uni. */
	net.cut[1][0] = true;
	net_run(&net, 20000);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_WAITING);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_UNIDIR);
	assert_int_equal(net.ev[0][MARS_EV_PEER_DOWN], 1);
	assert_int_equal(net.ev[1][MARS_EV_PEER_DOWN], 1);
	net_free(&net);
}

static void
test_hello_dead_interval(void **state)
{
	mars_time_t t0;

	(void)state;
	two_nodes();
	/* Node 1 advertises 1 s x 2: node 0 must use that, not its own 3 x 3. */
	net.conf[1].hello_interval = 1;
	net.conf[1].dead_factor = 2;
	net_build(&net);
	net_start(&net);
	net_run(&net, 5000);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_BIDIR);
	net_kill(&net, 1);
	t0 = net.now;
	net_run_until(&net, t0 + 1000);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_BIDIR);
	net_run_until(&net, t0 + 2100);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_WAITING);
	assert_int_equal(net_cs(&net, 0, 1), MARS_SCSP_CA_DOWN);
	assert_int_equal(net.ev[0][MARS_EV_PEER_DOWN], 1);

	/* And node 1 sees node 0 dead after 3 x 3 s. */
	net_free(&net);
	two_nodes();
	net_build(&net);
	net_start(&net);
	net_run(&net, 5000);
	net_kill(&net, 0);
	t0 = net.now;
	net_run_until(&net, t0 + 6000);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_BIDIR);
	net_run_until(&net, t0 + 9100);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_WAITING);
	net_free(&net);
}

static void
test_vc_down_up(void **state)
{
	(void)state;
	two_nodes();
	net_build(&net);
	net_start(&net);
	net_run(&net, 5000);
	assert_true(net_all_aligned(&net));
	mars_scsp_vc_down(net.node[0], net.now, 2);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_DOWN);
	assert_int_equal(net_cs(&net, 0, 1), MARS_SCSP_CA_DOWN);
	net.cut[0][1] = net.cut[1][0] = true;
	net_run(&net, 15000);
	assert_int_equal(net_hs(&net, 0, 1), MARS_SCSP_HS_DOWN);
	assert_int_equal(net_hs(&net, 1, 0), MARS_SCSP_HS_WAITING);
	net.cut[0][1] = net.cut[1][0] = false;
	mars_scsp_vc_up(net.node[0], net.now, 2);
	net_run(&net, 8000);
	assert_true(net_all_aligned(&net));
	net_free(&net);
}

/* Several DCSs on one VC: one Hello lists every DCS heard (§2.1). */
static uint8_t hello_buf[256];
static size_t hello_len;
static unsigned hello_count;

static void
keep_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	if (net_type(sdu, len) == MARS_SCSP_HELLO) {
		assert_true(len <= sizeof(hello_buf));
		memcpy(hello_buf, sdu, len);
		hello_len = len;
		hello_count++;
	}
}

static uint16_t hello_sgid = 1;

static size_t
make_hello(uint8_t *out, size_t cap, uint8_t sender, const uint8_t *rcv,
    unsigned nrcv)
{
	uint8_t		 sid[4] = { 10, 0, 0, sender };
	uint8_t		 ids[4][4];
	struct mars_scsp_id	 extra[4];
	struct mars_scsp_msg	 m;
	struct mars_err	 err;
	size_t		 len;
	unsigned	 i;

	memset(&m, 0, sizeof(m));
	m.type = MARS_SCSP_HELLO;
	m.hello_interval = 3;
	m.dead_factor = 3;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sgid = hello_sgid;
	m.sender.p = sid;
	m.sender.len = 4;
	for (i = 0; i < nrcv; i++) {
		ids[i][0] = 10;
		ids[i][1] = 0;
		ids[i][2] = 0;
		ids[i][3] = rcv[i];
		extra[i].p = ids[i];
		extra[i].len = 4;
	}
	if (nrcv > 0) {
		m.receiver = extra[0];
		m.ids = &extra[1];
		m.nrec = (uint16_t)(nrcv - 1);
	}
	assert_int_equal(mars_scsp_encode(&m, out, cap, &len, MARS_SCSP_ENC_LLC, &err),
	    0);
	return len;
}

static void
test_hello_pt_mpt_filling(void **state)
{
	struct mars_scsp_dcs_conf	 dcs[3];
	struct mars_scsp_conf	 c;
	struct mars_scsp_node	*n;
	struct mars_vc		 vc = { MARS_VC_SERVER, 7 };
	struct mars_pdu		 pdu;
	struct mars_scsp_iter	 it;
	struct mars_scsp_id		 id;
	uint8_t			 pkt[128];
	uint8_t			 me = 1;
	size_t			 len;
	unsigned		 i;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(dcs, 0, sizeof(dcs));
	for (i = 0; i < 3; i++) {
		net_id(dcs[i].id, i + 1);	/* 10.0.0.2 .. 10.0.0.4 */
		dcs[i].id_len = 4;
		dcs[i].vc_id = 7;		/* one pt-mpt VC */
	}
	net_id(c.lsid, 0);
	c.lsid_len = 4;
	c.protocol_id = MARS_SCSP_PROTO_MARS;
	c.sgid = 1;
	c.dcs = dcs;
	c.ndcs = 3;
	c.io.send = keep_send;
	assert_int_equal(mars_scsp_node_new(&n, &c, NULL), 0);
	hello_count = 0;
	mars_scsp_start(n, 0);
	assert_int_equal(hello_count, 1);	/* one Hello for the VC */
	len = make_hello(pkt, sizeof(pkt), 2, &me, 1);
	mars_scsp_input(n, 10, &vc, pkt, len);
	len = make_hello(pkt, sizeof(pkt), 4, NULL, 0);
	mars_scsp_input(n, 20, &vc, pkt, len);
	assert_int_equal(mars_scsp_hello_state(n, 0), MARS_SCSP_HS_BIDIR);
	assert_int_equal(mars_scsp_hello_state(n, 1), MARS_SCSP_HS_WAITING);
	assert_int_equal(mars_scsp_hello_state(n, 2), MARS_SCSP_HS_UNIDIR);
	(void)mars_scsp_tick(n, 3000);
	assert_int_equal(mars_pdu_decode(&pdu, hello_buf, hello_len, 0), 0);
	assert_int_equal(pdu.u.scsp.receiver.len, 4);
	assert_int_equal(pdu.u.scsp.receiver.p[3], 2);
	assert_int_equal(pdu.u.scsp.nrec, 1);
	mars_scsp_iter_init(&pdu.u.scsp, &it);
	assert_true(mars_scsp_next_id(&it, &id));
	assert_int_equal(id.len, 4);
	assert_int_equal(id.p[3], 4);
	assert_false(mars_scsp_next_id(&it, &id));
	/* A Hello from a server that is not configured is ignored. */
	len = make_hello(pkt, sizeof(pkt), 9, &me, 1);
	mars_scsp_input(n, 30, &vc, pkt, len);
	assert_int_equal(mars_scsp_node_stats(n)->ignored, 1);
	/* Malformed (bad checksum) -> Waiting (§2.1 abnormal event). */
	len = make_hello(pkt, sizeof(pkt), 2, &me, 1);
	pkt[len - 1] ^= 0x55;
	mars_scsp_input(n, 40, &vc, pkt, len);
	assert_int_equal(mars_scsp_hello_state(n, 0), MARS_SCSP_HS_WAITING);
	assert_int_equal(mars_scsp_node_stats(n)->malformed, 1);
	mars_scsp_node_free(n);
}

/* ---- Cache Alignment FSM ---- */

static void
test_ca_master_and_empty_alignment(void **state)
{
	unsigned i, neg = 0;

	(void)state;
	two_nodes();
	net_build(&net);
	net_start(&net);
	net_run(&net, 5000);
	/* 10.0.0.2 > 10.0.0.1: node 1 is master. */
	assert_true(mars_scsp_is_master(net.node[1], 0));
	assert_false(mars_scsp_is_master(net.node[0], 0));
	assert_int_equal(net_cs(&net, 0, 1), MARS_SCSP_CA_ALIGNED);
	assert_int_equal(net_cs(&net, 1, 0), MARS_SCSP_CA_ALIGNED);
	assert_int_equal(net.ev[0][MARS_EV_ALIGNED], 1);
	assert_int_equal(net.ev[1][MARS_EV_ALIGNED], 1);
	for (i = 0; i < sn.n; i++) {
		if (sn.pk[i].type != MARS_SCSP_CA)
			continue;
		if (sn.pk[i].flags == (MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O))
			neg++;
		else if (sn.pk[i].from == 1)
			assert_int_equal(sn.pk[i].flags, MARS_SCSP_CA_M);
		else
			assert_int_equal(sn.pk[i].flags, 0);
		assert_int_equal(sn.pk[i].nrec, 0);
	}
	assert_true(neg >= 1);
	assert_int_equal(net.sent[0][1][MARS_SCSP_CSUS], 0);
	net_free(&net);
}

static void
test_id_and_seq_order(void **state)
{
	uint8_t		 a[] = { 1, 2 }, b[] = { 1, 2, 0 }, c[] = { 1, 3 };
	struct mars_scsp_id	 ia = { a, 2 }, ib = { b, 3 }, ic = { c, 2 };

	(void)state;
	assert_true(mars_scsp_id_cmp(&ia, &ib) < 0);		/* longer wins */
	assert_true(mars_scsp_id_cmp(&ic, &ib) > 0);
	assert_int_equal(mars_scsp_id_cmp(&ia, &ia), 0);
	assert_true(mars_scsp_seq_newer(0x80000002u, 0x80000001u));
	assert_true(mars_scsp_seq_newer(0x00000000u, 0xffffffffu));
	assert_true(mars_scsp_seq_newer(0x7ffffffeu, 0x80000001u));
	assert_false(mars_scsp_seq_newer(0x80000001u, 0x7ffffffeu));
	assert_false(mars_scsp_seq_newer(5, 5));
	/* B.2.0.2 wrap: after the purge at 2^31-1 numbers restart. */
	assert_true(mars_scsp_seq_newer(0x7fffffffu, 0x7ffffffeu));
	assert_true(mars_scsp_seq_newer(0x7fffffffu, 0x00000005u));
	assert_true(mars_scsp_seq_newer(0x80000001u, 0x7fffffffu));
	assert_true(mars_scsp_seq_newer(0xfffffff0u, 0x7fffffffu));
	assert_false(mars_scsp_seq_newer(0x7fffffffu, 0x80000001u));
	assert_false(mars_scsp_seq_newer(0x00000000u, 0x7fffffffu));
	assert_string_equal(mars_scsp_hello_state_name(MARS_SCSP_HS_BIDIR),
	    "BIDIRECTIONAL");
	assert_string_equal(mars_scsp_ca_state_name(MARS_SCSP_CA_UPDATE), "UPDATE");
	assert_null(mars_scsp_ca_state_name(9));
}

static void
test_align_nonempty_several_cas(void **state)
{
	struct mars_scsp_entry_view	 v;
	unsigned		 i, k, with_o = 0, cas = 0;

	(void)state;
	two_nodes();
	net.conf[0].mtu = net.conf[1].mtu = 160;
	net_build(&net);
	/* Caches filled before the nodes meet. */
	for (k = 0; k < 30; k++)
		(void)net_originate(&net, 0, 100 + k, (uint8_t)k);
	for (k = 0; k < 20; k++)
		(void)net_originate(&net, 1, 500 + k, (uint8_t)k);
	assert_int_equal(mars_scsp_cache_len(net.node[0]), 30);
	net_start(&net);
	net_run(&net, 8000);
	assert_true(net_all_aligned(&net));
	assert_int_equal(mars_scsp_cache_len(net.node[0]), 50);
	assert_true(net_same_cache(&net, 0, 1));
	for (k = 0; k < 30; k++) {
		assert_true(net_lookup(&net, 1, 0, 100 + k, &v));
		assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST);
		assert_false(v.own);
	}
	assert_int_equal(net.upd[1][MARS_SCSP_UPD_ADDED], 30);
	assert_int_equal(net.upd[0][MARS_SCSP_UPD_ADDED], 20);
	for (i = 0; i < sn.n; i++) {
		if (sn.pk[i].type != MARS_SCSP_CA)
			continue;
		cas++;
		if ((sn.pk[i].flags & MARS_SCSP_CA_O) &&
		    !(sn.pk[i].flags & MARS_SCSP_CA_I))
			with_o++;
		/* (160 - 8 - 4 - 12 - 8) / 20 = 6 summaries per CA */
		assert_true(sn.pk[i].nrec <= 6);
	}
	assert_true(with_o >= 5);
	assert_true(cas >= 10);
	/* The missing entries were solicited with CSUS. */
	assert_true(net.sent[0][1][MARS_SCSP_CSUS] >= 1);
	assert_true(net.sent[1][0][MARS_SCSP_CSUS] >= 1);
	for (i = 0; i < 2; i++)
		assert_int_equal(mars_scsp_rexmt_len(net.node[i], 0), 0);
	net_free(&net);
}

/* Drop a share of the CAs: retransmission still completes alignment. */
static unsigned ca_drop_count;

static bool
drop_some_cas(struct net *n, unsigned from, unsigned to, const uint8_t *sdu,
    size_t len)
{
	(void)n;
	(void)from;
	(void)to;
	if (net_type(sdu, len) != MARS_SCSP_CA)
		return false;
	return (ca_drop_count++ % 3) == 0;
}

static void
test_ca_loss_retransmit(void **state)
{
	unsigned k;

	(void)state;
	two_nodes();
	net.conf[0].mtu = net.conf[1].mtu = 160;
	net.drop = drop_some_cas;
	ca_drop_count = 0;
	net_build(&net);
	for (k = 0; k < 25; k++)
		(void)net_originate(&net, 0, 100 + k, (uint8_t)k);
	for (k = 0; k < 25; k++)
		(void)net_originate(&net, 1, 300 + k, (uint8_t)k);
	net_start(&net);
	net_run(&net, 60000);
	assert_true(net_all_aligned(&net));
	assert_true(net_same_cache(&net, 0, 1));
	assert_int_equal(mars_scsp_cache_len(net.node[0]), 50);
	assert_true(ca_drop_count > 5);
	net_free(&net);
}

/* CSUS fetches entries the DCS has newer. */
static void
test_csus_fetches_newer(void **state)
{
	struct mars_scsp_entry_view	 v;
	unsigned		 before;

	(void)state;
	two_nodes();
	net_build(&net);
	net_start(&net);
	(void)net_originate(&net, 0, 7, 1);
	(void)net_originate(&net, 0, 8, 1);
	net_run(&net, 5000);
	assert_true(net_lookup(&net, 1, 0, 7, &v));
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST);
	/* The VC goes away; 0 updates key 7 meanwhile. */
	mars_scsp_vc_down(net.node[0], net.now, 2);
	mars_scsp_vc_down(net.node[1], net.now, 1);
	assert_int_equal(net.ev[0][MARS_EV_PEER_DOWN], 1);
	assert_int_equal(net_originate(&net, 0, 7, 2), MARS_SCSP_SEQ_FIRST + 1);
	net_run(&net, 1000);
	assert_true(net_lookup(&net, 1, 0, 7, &v));
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST);
	before = net.sent[1][0][MARS_SCSP_CSUS];
	mars_scsp_vc_up(net.node[0], net.now, 2);
	mars_scsp_vc_up(net.node[1], net.now, 1);
	net_run(&net, 8000);
	assert_true(net_all_aligned(&net));
	assert_true(net.sent[1][0][MARS_SCSP_CSUS] > before);
	assert_true(net_lookup(&net, 1, 0, 7, &v));
	assert_int_equal(v.seq, MARS_SCSP_SEQ_FIRST + 1);
	assert_int_equal(net.upd[1][MARS_SCSP_UPD_CHANGED], 1);
	assert_int_equal(net.last_upd[1].seq, MARS_SCSP_SEQ_FIRST + 1);
	assert_true(net_same_cache(&net, 0, 1));
	net_free(&net);
}

/* A DCS configured without an ID takes the one its Hello carries. */
static void
test_learned_dcs_id(void **state)
{
	struct mars_scsp_dcs_conf	 dcs;
	struct mars_scsp_conf	 c;
	struct mars_scsp_node	*n;
	struct mars_vc		 vc = { MARS_VC_SERVER, 3 };
	uint8_t			 pkt[128], me = 1, want[4] = { 10, 0, 0, 6 };
	struct mars_scsp_id		 id = { want, 4 };
	size_t			 len;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&dcs, 0, sizeof(dcs));
	dcs.vc_id = 3;
	net_id(c.lsid, 0);
	c.lsid_len = 4;
	c.protocol_id = MARS_SCSP_PROTO_MARS;
	c.sgid = 1;
	c.dcs = &dcs;
	c.ndcs = 1;
	c.io.send = keep_send;
	assert_int_equal(mars_scsp_node_new(&n, &c, NULL), 0);
	assert_int_equal(mars_scsp_dcs_find(n, &id), -1);
	mars_scsp_start(n, 0);
	len = make_hello(pkt, sizeof(pkt), 6, &me, 1);
	mars_scsp_input(n, 10, &vc, pkt, len);
	assert_int_equal(mars_scsp_dcs_find(n, &id), 0);
	assert_int_equal(mars_scsp_hello_state(n, 0), MARS_SCSP_HS_BIDIR);
	assert_int_equal(mars_scsp_ca_state(n, 0), MARS_SCSP_CA_NEGOTIATE);
	/* Another server on the same VC is not taken for it. */
	len = make_hello(pkt, sizeof(pkt), 8, &me, 1);
	mars_scsp_input(n, 20, &vc, pkt, len);
	assert_int_equal(mars_scsp_dcs_find(n, &id), 0);
	assert_int_equal(mars_scsp_hello_state(n, 0), MARS_SCSP_HS_BIDIR);
	/* Another Server Group on the same VC is ignored... */
	hello_sgid = 2;
	len = make_hello(pkt, sizeof(pkt), 6, NULL, 0);
	hello_sgid = 1;
	mars_scsp_input(n, 30, &vc, pkt, len);
	assert_int_equal(mars_scsp_hello_state(n, 0), MARS_SCSP_HS_BIDIR);
	/* ...but a corrupted packet is an abnormal event (§2.1). */
	pkt[len - 1] ^= 1;
	mars_scsp_input(n, 40, &vc, pkt, len);
	assert_int_equal(mars_scsp_hello_state(n, 0), MARS_SCSP_HS_WAITING);
	assert_int_equal(mars_scsp_ca_state(n, 0), MARS_SCSP_CA_DOWN);
	mars_scsp_node_free(n);
}

/* A thousand entries on each side align within seconds of fake time. */
static void
test_align_large(void **state)
{
	unsigned k;

	(void)state;
	two_nodes();
	net.sniff = NULL;
	net_build(&net);
	for (k = 0; k < 1000; k++) {
		(void)net_originate(&net, 0, k, (uint8_t)k);
		(void)net_originate(&net, 1, k, (uint8_t)k);
	}
	net_start(&net);
	net_run(&net, 10000);
	assert_true(net_all_aligned(&net));
	assert_int_equal(mars_scsp_cache_len(net.node[0]), 2000);
	assert_true(net_same_cache(&net, 0, 1));
	assert_int_equal(net.upd[0][MARS_SCSP_UPD_ADDED], 1000);
	net_free(&net);
}

/* Bad configurations are refused. */
static void
test_conf_refused(void **state)
{
	struct mars_scsp_conf	 c;
	struct mars_scsp_dcs_conf	 d;
	struct mars_scsp_node	*n;
	struct mars_err		 e;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(mars_scsp_node_new(&n, &c, &e), MARS_E_INVAL);
	assert_null(n);				/* no LSID */
	assert_string_equal(e.field, "lsid_len");
	c.lsid_len = MARS_SCSP_ID_MAX + 1;
	assert_int_equal(mars_scsp_node_new(&n, &c, &e), MARS_E_INVAL);
	assert_null(n);
	c.lsid_len = 4;
	c.ndcs = 1;
	assert_int_equal(mars_scsp_node_new(&n, &c, &e), MARS_E_INVAL);
	assert_null(n);				/* dcs NULL */
	assert_string_equal(e.field, "dcs");
	memset(&d, 0, sizeof(d));
	d.id_len = MARS_SCSP_ID_MAX + 1;
	c.dcs = &d;
	assert_int_equal(mars_scsp_node_new(&n, &c, &e), MARS_E_INVAL);
	assert_null(n);
	d.id_len = 0;				/* learned from Hello */
	assert_int_equal(mars_scsp_node_new(&n, &c, &e), 0);
	assert_non_null(n);
	mars_scsp_node_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_bidirectional),
		cmocka_unit_test(test_hello_one_way_loss),
		cmocka_unit_test(test_hello_dead_interval),
		cmocka_unit_test(test_vc_down_up),
		cmocka_unit_test(test_hello_pt_mpt_filling),
		cmocka_unit_test(test_ca_master_and_empty_alignment),
		cmocka_unit_test(test_id_and_seq_order),
		cmocka_unit_test(test_align_nonempty_several_cas),
		cmocka_unit_test(test_ca_loss_retransmit),
		cmocka_unit_test(test_csus_fetches_newer),
		cmocka_unit_test(test_learned_dcs_id),
		cmocka_unit_test(test_align_large),
		cmocka_unit_test(test_conf_refused),
	};

	return cmocka_run_group_tests_name("scsp_fsm", tests, NULL, NULL);
}
