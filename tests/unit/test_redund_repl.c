/*
 * The server database as RFC 2443 CSA records and back (redund.h,
 * redund_repl.c): record codec, export of what an entity serves, and
 * application at another entity (CMI continuity, draft §3.3; MCS-served
 * groups, §3.6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/err.h"
#include "mars/redund.h"
#include "mars/scsp.h"

static void
nosend(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	unsigned *n = ctx;

	(void)vc;
	(void)sdu;
	(void)len;
	(*n)++;
}

static struct mars_server *
mkserver(unsigned *sent)
{
	static const uint8_t self[20] = { 0x47, 1 };
	struct mars_server_conf c;
	struct mars_io io = { sent, nosend, NULL, NULL };
	struct mars_server *s;

	mars_server_conf_init(&c, MARS_PRO_IPV4, self, 20);
	assert_int_equal(mars_server_new(&s, &c, &io, NULL), 0);
	return s;
}

static struct mars_server_atm
atm(uint8_t last)
{
	struct mars_server_atm a;

	memset(&a, 0, sizeof(a));
	a.tl = 20;
	memset(a.addr, 0x39, 20);
	a.addr[19] = last;
	return a;
}

static void
test_record_round_trip(void **state)
{
	struct mars_redund_rec in, out;
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	uint8_t body[256];
	size_t len;
	uint8_t cls;
	int live;

	(void)state;
	for (cls = MARS_REDUND_K_HEARTBEAT; cls <= MARS_REDUND_K_SERVE; cls++) {
		for (live = 0; live < 2; live++) {
			memset(&in, 0, sizeof(in));
			in.cls = cls;
			in.live = live || cls <= MARS_REDUND_K_MAP;
			in.atm = atm(cls);
			in.atm.sub_tl = 2;
			in.atm.sub[0] = 0xaa;
			in.atm.sub[1] = cls;
			if (cls >= MARS_REDUND_K_REGISTER && cls <= MARS_REDUND_K_BLOCK)
				in.cmi = (uint16_t)(100 + cls);
			if (cls == MARS_REDUND_K_REGISTER) {
				in.spa_len = 4;
				memcpy(in.spa, "\x0a\x00\x00\x07", 4);
			}
			if (cls == MARS_REDUND_K_GROUP)
				in.layer3grp = true;
			if (cls == MARS_REDUND_K_GROUP || cls == MARS_REDUND_K_BLOCK ||
			    cls == MARS_REDUND_K_SERVE) {
				in.grp_len = 4;
				memcpy(in.min, "\xe0\x01\x02\x03", 4);
				memcpy(in.max, cls == MARS_REDUND_K_BLOCK ?
				    "\xe0\x01\x02\x09" : "\xe0\x01\x02\x03", 4);
			}
			assert_int_equal(mars_redund_rec_encode(&in, MARS_PRO_IPV4,
			    body, sizeof(body), &len), 0);
			/* The wire says what RFC 2443 §5 wants. */
			assert_int_equal(mars_scsp_mars_decode(&mp, body, len, 0,
			    &err), 0);
			assert_int_equal(mp.hw_type, 0x000f);
			assert_int_equal(mp.pro_type, MARS_PRO_IPV4);
			if (cls <= MARS_REDUND_K_MAP)
				assert_int_equal(mp.state, 1);
			else if (cls >= MARS_REDUND_K_MCS)
				assert_int_equal(mp.state, live ? 2 : 5);
			else
				assert_int_equal(mp.state, live ? 3 : 4);
			if (cls == MARS_REDUND_K_REGISTER || cls == MARS_REDUND_K_MCS) {
				assert_int_equal(mp.flags, MARS_FLAG_REGISTER);
				assert_int_equal(mp.grp_len, 0);
			}
			assert_int_equal(mars_redund_rec_decode(&out, cls, body,
			    len), 0);
			assert_true(mars_redund_rec_same(&in, &out));
			assert_int_equal(out.live, in.live);
			assert_int_equal(out.cmi, in.cmi);
			assert_int_equal(out.layer3grp, in.layer3grp);
			assert_int_equal(out.spa_len, in.spa_len);
			assert_memory_equal(out.max, in.max, in.grp_len);
		}
	}
	/* A key class that does not match the state is refused. */
	in.cls = MARS_REDUND_K_GROUP;
	in.live = true;
	assert_int_equal(mars_redund_rec_encode(&in, MARS_PRO_IPV4, body,
	    sizeof(body), &len), 0);
	assert_int_not_equal(mars_redund_rec_decode(&out, MARS_REDUND_K_MCS, body,
	    len), 0);
}

struct sink {
	struct mars_redund_rec recs[64];
	unsigned n;
};

static int
collect(void *ctx, const struct mars_redund_rec *rec)
{
	struct sink *s = ctx;

	assert_true(s->n < 64);
	s->recs[s->n++] = *rec;
	return 0;
}

/* Export from A (what A serves over its VCs), apply at B: same database. */
static void
test_database_round_trip(void **state)
{
	static const uint8_t g1[4] = { 224, 1, 1, 1 }, g2[4] = { 224, 1, 1, 2 };
	static const uint8_t b1[4] = { 224, 2, 0, 0 }, b2[4] = { 224, 2, 0, 9 };
	struct mars_server *a, *b;
	struct mars_server_member_info mi;
	struct mars_server_group_info gi;
	struct mars_server_atm c1 = atm(1), c2 = atm(2), c3 = atm(3), mcs = atm(9);
	struct sink sk;
	unsigned sa = 0, sb = 0, i;
	const uint8_t *g, *max;
	bool l3;

	(void)state;
	a = mkserver(&sa);
	b = mkserver(&sb);
	assert_int_equal(mars_server_import_member(a, 0, &c1, 17, 5), 0);
	assert_int_equal(mars_server_import_member(a, 0, &c2, 42, 6), 0);
	/* Imported with no VC: not A's to originate. */
	assert_int_equal(mars_server_import_member(a, 0, &c3, 99, 0), 0);
	assert_int_equal(mars_server_import_group(a, 0, &c1, g1, g1, true, true), 0);
	assert_int_equal(mars_server_import_group(a, 0, &c2, g2, g2, false, true),
	    0);
	assert_int_equal(mars_server_import_group(a, 0, &c2, b1, b2, false, true),
	    0);
	assert_int_equal(mars_server_import_mcs(a, 0, &mcs, 7, true), 0);
	assert_int_equal(mars_server_import_serve(a, 0, &mcs, g1, true), 0);

	memset(&sk, 0, sizeof(sk));
	assert_int_equal(mars_redund_rec_export(a, collect, &sk), 0);
	/* 2 registrations, 2 single joins, 1 block, 1 MCS, 1 served group. */
	assert_int_equal(sk.n, 7);
	for (i = 0; i < sk.n; i++)
		assert_int_equal(mars_redund_rec_apply(b, 0, &sk.recs[i], false,
		    false), 0);
	assert_int_equal(sb, 0);		/* a Backup stays silent */

	assert_true(mars_server_member_find(b, &c1, &mi));
	assert_true(mi.registered);
	assert_int_equal(mi.cmi, 17);		/* §3.3 */
	assert_int_equal(mi.vc_id, 0);
	assert_true(mars_server_member_group(b, mi.handle, 0, &g, &l3));
	assert_memory_equal(g, g1, 4);
	assert_true(l3);
	assert_true(mars_server_member_find(b, &c2, &mi));
	assert_int_equal(mi.cmi, 42);
	assert_true(mars_server_member_block(b, mi.handle, 0, &g, &max));
	assert_memory_equal(g, b1, 4);
	assert_memory_equal(max, b2, 4);
	assert_false(mars_server_member_find(b, &c3, &mi));
	assert_true(mars_server_group_find(b, g1, &gi));
	assert_int_equal(gi.nmcs, 1);		/* §3.6 */
	/* Exporting B gives nothing: it serves nobody over its VCs. */
	memset(&sk, 0, sizeof(sk));
	assert_int_equal(mars_redund_rec_export(b, collect, &sk), 0);
	assert_int_equal(sk.n, 0);
	mars_server_free(a);
	mars_server_free(b);
}

static void
test_apply_leaves(void **state)
{
	static const uint8_t g1[4] = { 224, 1, 1, 1 };
	struct mars_server *b;
	struct mars_server_member_info mi;
	struct mars_server_group_info gi;
	struct mars_server_atm c1 = atm(1);
	struct mars_redund_rec rec;
	unsigned sb = 0;

	(void)state;
	b = mkserver(&sb);
	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_REGISTER;
	rec.live = true;
	rec.atm = c1;
	rec.cmi = 5;
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	rec.cls = MARS_REDUND_K_GROUP;
	rec.grp_len = 4;
	memcpy(rec.min, g1, 4);
	memcpy(rec.max, g1, 4);
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	assert_true(mars_server_group_find(b, g1, &gi));
	/* A leave another originator still contradicts is not applied. */
	rec.live = false;
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, true), 0);
	assert_true(mars_server_group_find(b, g1, &gi));
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	assert_false(mars_server_group_find(b, g1, &gi));
	/* Relayed at an Active Sub-MARS: the JOIN goes on its CCVC. */
	rec.live = true;
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, true, false), 0);
	assert_int_equal(sb, 1);
	assert_int_equal(mars_server_csn(b), 1);
	/* Deregistration, then the CMI binding is kept (held). */
	rec.cls = MARS_REDUND_K_REGISTER;
	rec.live = false;
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	assert_true(mars_server_member_find(b, &c1, &mi));
	assert_false(mi.registered);
	assert_int_equal(mi.cmi, 5);
	mars_server_free(b);
}

/*
 * A deregistration of a member this entity never had (it learnt of it
 * only once its entity had restarted): the CMI stays bound to it, held,
 * so that neither a newcomer nor another member gets it (draft §3.3).
 */
static void
test_apply_unknown_deregistration_holds_cmi(void **state)
{
	struct mars_server *b;
	struct mars_server_member_info mi;
	struct mars_server_atm c1 = atm(1), c2 = atm(2);
	struct mars_redund_rec rec;
	unsigned sb = 0;

	(void)state;
	b = mkserver(&sb);
	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_REGISTER;
	rec.live = false;
	rec.atm = c1;
	rec.cmi = 1;
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	assert_true(mars_server_member_find(b, &c1, &mi));
	assert_false(mi.registered);
	assert_int_equal(mi.cmi, 1);
	/* A newcomer is not given CMI 1; the member gets it back. */
	assert_int_equal(mars_server_import_member(b, 0, &c2, 0, 0), 0);
	assert_true(mars_server_member_find(b, &c2, &mi));
	assert_int_not_equal(mi.cmi, 1);
	assert_int_equal(mars_server_import_member(b, 0, &c1, 0, 0), 0);
	assert_true(mars_server_member_find(b, &c1, &mi));
	assert_true(mi.registered);
	assert_int_equal(mi.cmi, 1);
	mars_server_free(b);
}

/*
 * RFC 2443 §5: records come in whatever order the CSUs bring them.  A
 * join whose member's registration record has not come yet registers the
 * member with the CMI it carries, rather than being refused and lost.
 */
static void
test_apply_join_before_registration(void **state)
{
	static const uint8_t g1[4] = { 224, 1, 1, 1 };
	struct mars_server *b;
	struct mars_server_member_info mi;
	struct mars_server_group_info gi;
	struct mars_server_atm c1 = atm(1);
	struct mars_redund_rec rec;
	unsigned sb = 0;

	(void)state;
	b = mkserver(&sb);
	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_GROUP;
	rec.live = true;
	rec.atm = c1;
	rec.cmi = 5;
	rec.layer3grp = true;
	rec.grp_len = 4;
	memcpy(rec.min, g1, 4);
	memcpy(rec.max, g1, 4);
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	assert_true(mars_server_group_find(b, g1, &gi));
	assert_true(mars_server_member_find(b, &c1, &mi));
	assert_true(mi.registered);
	assert_int_equal(mi.cmi, 5);
	/* Its registration record, when it comes, changes nothing. */
	rec.cls = MARS_REDUND_K_REGISTER;
	rec.grp_len = 0;
	assert_int_equal(mars_redund_rec_apply(b, 0, &rec, false, false), 0);
	assert_true(mars_server_group_find(b, g1, &gi));
	mars_server_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_database_round_trip),
		cmocka_unit_test(test_apply_leaves),
		cmocka_unit_test(test_apply_unknown_deregistration_holds_cmi),
		cmocka_unit_test(test_apply_join_before_registration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
