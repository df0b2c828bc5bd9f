/*
 * The RFC 2022 conformance suite (conform.h): the catalogue of cases,
 * the selection by id or prefix, and a run.  The cases live in the
 * conform_*.c files of their family; mars-conformance(7) lists them.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform_int.h"

#define RFC	"RFC 2022 "
#define DRAFT	"draft-armitage-ion-mars-scsp-03 "

enum {
	NEEDS_WATCH = 0x01,	/* reads the redirect maps of the run */
};

static const struct entry {
	struct mars_conform_case c;
	cf_case_fn	 fn;
	unsigned	 flags;
} catalogue[] = {
	/* registration, deregistration, sequence numbers */
	{ { "register-cmi", "a registration JOIN comes back privately, "
	    "copy = 1, with a non-zero CMI", RFC "§5.2.3, §6.1.2" },
	    cf_case_register_cmi, 0 },
	{ { "register-private", "the registration reply is not sent on "
	    "ClusterControlVC", RFC "§6.1.2" },
	    cf_case_register_private, 0 },
	{ { "register-again", "a member that registers again keeps its CMI",
	    RFC "§6.1.2" }, cf_case_register_again, 0 },
	{ { "register-new-vc", "a member that registers again over a new VC "
	    "keeps its CMI", RFC "§6.1.2; " DRAFT "§3.3" },
	    cf_case_register_new_vc, 0 },
	{ { "register-unique", "every member gets a CMI of its own",
	    RFC "§5.2.3" }, cf_case_register_unique, 0 },
	{ { "register-csn", "the registration reply carries the current CSN",
	    RFC "§5.1.4.2, §6.1.4" }, cf_case_register_csn, 0 },
	{ { "csn-increment", "mar$msn grows by one per ClusterControlVC "
	    "message", RFC "§5.1.4.2, §6.1.4" }, cf_case_csn_increment, 0 },
	{ { "csn-private", "private replies carry the current CSN without "
	    "moving it", RFC "§5.1.4.2, §6.1.4" }, cf_case_csn_private, 0 },
	{ { "deregister", "a deregistration LEAVE comes back privately; the "
	    "member leaves ClusterControlVC and its groups",
	    RFC "§5.2.3, §6.1.2, §6.1.1" }, cf_case_deregister, 0 },
	/* JOIN and LEAVE */
	{ { "join-copy", "a group JOIN is copied on ClusterControlVC, "
	    "copy = 1, sequence kept", RFC "§5.2.1, §5.2.2, §6.1.2" },
	    cf_case_join_copy, 0 },
	{ { "leave-copy", "a group LEAVE is copied on ClusterControlVC",
	    RFC "§6.1.2" }, cf_case_leave_copy, 0 },
	{ { "join-redundant", "a redundant JOIN comes back privately, not on "
	    "ClusterControlVC", RFC "§6.1.2" }, cf_case_join_redundant, 0 },
	{ { "leave-redundant", "a LEAVE of a group not joined comes back "
	    "privately", RFC "§6.1.2" }, cf_case_leave_redundant, 0 },
	{ { "join-block", "a block JOIN is copied on ClusterControlVC and "
	    "its layer3grp treated as reset", RFC "§5.2.1, §6.1.2, §5.3" },
	    cf_case_join_block, 0 },
	{ { "join-block-punch", "a block JOIN over a joined group: original "
	    "privately, hole-punched copy on ClusterControlVC",
	    RFC "§6.1.2, App. A" }, cf_case_join_block_punch, 0 },
	{ { "join-pairs", "a JOIN with two <min,max> pairs is dropped",
	    RFC "§6.1.2" }, cf_case_join_pairs, 0 },
	{ { "join-copy-set", "a JOIN arriving with copy = 1 is ignored",
	    RFC "§6.1.2" }, cf_case_join_copy_set, 0 },
	{ { "join-unregistered", "a JOIN from a node that is not registered "
	    "is ignored", RFC "§6.1.2" }, cf_case_join_unregistered, 0 },
	/* MARS_REQUEST, MULTI, NAK, GROUPLIST */
	{ { "request-multi", "MULTI lists exactly the group's members, "
	    "source copied from the REQUEST", RFC "§5.1.1, §5.1.2" },
	    cf_case_request_multi, 0 },
	{ { "request-nak", "NAK for an empty group: the REQUEST unchanged "
	    "but for its operation", RFC "§5.1.1, §5.1.2" },
	    cf_case_request_nak, 0 },
	{ { "request-multi-parts", "a group too large for one MULTI comes "
	    "in full parts, y from 1, x on the last, one mar$msn",
	    RFC "§5.1.1, §5.1.2, §5.1.4.2" }, cf_case_request_parts, 0 },
	{ { "request-multi-types", "E.164 and NSAP members come in separate "
	    "MULTI parts", RFC "§5.1.1" }, cf_case_request_types, 0 },
	{ { "request-unregistered", "a REQUEST from a node that is not "
	    "registered is dropped", RFC "§6.1.1" },
	    cf_case_request_unregistered, 0 },
	{ { "grouplist", "GROUPLIST_REPLY lists the groups of the block "
	    "with layer 3 members", RFC "§5.3" }, cf_case_grouplist, 0 },
	{ { "grouplist-pnum0", "a GROUPLIST_REQUEST without pairs is ignored",
	    RFC "§5.3" }, cf_case_grouplist_pnum0, 0 },
	/* checksum and drop rules */
	{ { "checksum-reply", "every message from the MARS has a mar$chksum "
	    "of 0 or one that verifies", RFC "§4.3.3" },
	    cf_case_checksum_reply, 0 },
	{ { "checksum-zero", "a message with mar$chksum 0 is valid",
	    RFC "§4.3.3" }, cf_case_checksum_zero, 0 },
	{ { "checksum-bad", "a message whose mar$chksum does not verify is "
	    "dropped (when the MARS checks)", RFC "§4.3.3" },
	    cf_case_checksum_bad, 0 },
	{ { "drop-null-source", "a message with a null source ATM number is "
	    "discarded", RFC "§6, §4.3" }, cf_case_drop_null_source, 0 },
	{ { "drop-unknown-op", "a message with an unknown mar$op.type is "
	    "dropped", RFC "§4.3.5, §11" }, cf_case_drop_unknown_op, 0 },
	{ { "drop-op-version", "a message of another mar$op.version is not "
	    "taken for MARS", RFC "§4.3.5" }, cf_case_drop_op_version, 0 },
	{ { "drop-protocol", "a message for a protocol the MARS does not "
	    "serve is dropped", RFC "§6, §9" }, cf_case_drop_protocol, 0 },
	{ { "drop-reserved-flags", "a JOIN with reserved mar$flags bits set "
	    "is dropped", RFC "§5.2.1" }, cf_case_drop_reserved_flags, 0 },
	{ { "drop-reserved-tl", "a message with the reserved bit of a "
	    "type-and-length octet set is dropped", RFC "§5.1.2" },
	    cf_case_drop_reserved_tl, 0 },
	{ { "tlv-null", "a lone NULL TLV is accepted", RFC "§10.1, §10.4" },
	    cf_case_tlv_null, 0 },
	{ { "tlv-extoff-bits", "the two low bits of mar$extoff are masked "
	    "off", RFC "§10.1" }, cf_case_tlv_extoff_bits, 0 },
	{ { "tlv-skip", "an unknown TLV with Type.x = 0 is skipped",
	    RFC "§10.2, §10.3" }, cf_case_tlv_skip, 0 },
	{ { "tlv-drop", "an unknown TLV with Type.x = 1 drops the message",
	    RFC "§10.2, §10.3" }, cf_case_tlv_drop, 0 },
	{ { "tlv-drop-log", "an unknown TLV with Type.x = 2 drops the "
	    "message", RFC "§10.2, §10.3" }, cf_case_tlv_drop_log, 0 },
	{ { "tlv-reserved", "an unknown TLV with Type.x = 3 is skipped "
	    "(treated as 0)", RFC "§10.2" }, cf_case_tlv_reserved, 0 },
	{ { "length-truncated", "a JOIN cut short inside its pair is "
	    "dropped", RFC "§5.2.1" }, cf_case_length_truncated, 0 },
	{ { "length-shtl", "a mar$shtl longer than the message is dropped",
	    RFC "§4.3, §5.2.1" }, cf_case_length_shtl, 0 },
	{ { "length-pnum", "a mar$pnum counting more pairs than present is "
	    "dropped", RFC "§5.2.1" }, cf_case_length_pnum, 0 },
	{ { "length-extoff", "a mar$extoff past the end of the message is "
	    "dropped", RFC "§10.1" }, cf_case_length_extoff, 0 },
	{ { "length-tlv", "a TLV whose Length runs past the message is "
	    "dropped", RFC "§10.2" }, cf_case_length_tlv, 0 },
	/* redirect maps */
	{ { "redirect-map", "MARS_REDIRECT_MAP on ClusterControlVC names "
	    "the MARS as source and in its list, one whole part",
	    RFC "§5.4.3, §6.1.3, §5.1.2" }, cf_case_redirect_map,
	    NEEDS_WATCH },
	{ { "redirect-map-interval", "a MARS_REDIRECT_MAP at least every 2 "
	    "minutes", RFC "§5.4.3, §6.1.3" }, cf_case_redirect_interval,
	    NEEDS_WATCH },
	/* the MARS Group (a cluster file) */
	{ { "cluster-map-group", "the map lists the whole MARS Group, dead "
	    "entities included, and nothing else",
	    DRAFT "§3.5; " RFC "§5.4.3" }, cf_case_cluster_map_group,
	    NEEDS_WATCH },
	{ { "cluster-map-first", "the Active MARS lists itself first",
	    DRAFT "§3.2, §3.4" }, cf_case_cluster_map_first, NEEDS_WATCH },
	{ { "cluster-backup-redirect", "a Backup that a member registers "
	    "with sends it a hard redirect to the Active", DRAFT "§3.2" },
	    cf_case_cluster_backup_redirect, NEEDS_WATCH },
	{ { "cluster-backup-cmi", "a Backup gives a member the CMI the Active "
	    "gave it", DRAFT "§3.3" }, cf_case_cluster_backup_cmi,
	    NEEDS_WATCH },
	{ { "cluster-soft-after-sync", "no soft redirect to an entity whose "
	    "cache is not aligned", DRAFT "§3.4; RFC 2334 §2.1, §2.2" },
	    cf_case_cluster_soft_after_sync, NEEDS_WATCH },
};

#define NCASES	(sizeof(catalogue) / sizeof(catalogue[0]))

const struct mars_conform_case *
mars_conform_case(size_t i)
{
	return i < NCASES ? &catalogue[i].c : NULL;
}

/* ---- selection ---- */

static bool
word_selects(const char *w, size_t wl, const char *id)
{
	return wl > 0 && strncmp(id, w, wl) == 0;
}

/* Marks the selected cases; the first word that selects nothing in bad. */
static int
select_cases(const char *only, bool *sel, char *bad, size_t badlen)
{
	const char *w = only;
	size_t i, wl, n = 0;
	bool any;

	if (only == NULL) {
		for (i = 0; i < NCASES; i++)
			sel[i] = true;
		return 0;
	}
	memset(sel, 0, NCASES * sizeof(*sel));
	for (;;) {
		while (*w == ',' || *w == ' ')
			w++;
		if (*w == '\0')
			break;
		wl = strcspn(w, ", ");
		any = false;
		/* A whole id selects that case alone (join-copy is not
		 * join-copy-set); anything else is a prefix. */
		for (i = 0; i < NCASES && !any; i++)
			if (strlen(catalogue[i].c.id) == wl &&
			    strncmp(catalogue[i].c.id, w, wl) == 0)
				sel[i] = any = true;
		for (i = 0; i < NCASES && !any; i++)
			if (word_selects(w, wl, catalogue[i].c.id))
				sel[i] = true;
		for (i = 0; i < NCASES && !any; i++)
			any = sel[i] && word_selects(w, wl, catalogue[i].c.id);
		if (!any) {
			snprintf(bad, badlen, "no case id or prefix \"%.*s\"",
			    (int)(wl > 64 ? 64 : wl), w);
			return -1;
		}
		n++;
		w += wl;
	}
	if (n == 0) {
		snprintf(bad, badlen, "the list of cases is empty");
		return -1;
	}
	return 0;
}

/* ---- a run ---- */

static uint32_t
run_tag(uint64_t seed)
{
	static unsigned runs;
	uint64_t x;

	/* Unique per process and run, so that ATM numbers and groups of
	 * two runs against one MARS never meet; the seed is mixed in. */
	x = ((uint64_t)getpid() << 20) ^ ((uint64_t)++runs << 8) ^ seed ^
	    mars_evloop_now();
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static int
run_init(struct cf_run *r, const struct mars_conform_conf *c,
    struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct cf_member *probe;
	struct mars_err e;

	memset(r, 0, sizeof(*r));
	r->conf = c;
	r->mars = c->mars;
	r->pro = c->pro != 0 ? c->pro : MARS_PRO_IPV4;
	r->grp_len = r->pro == MARS_PRO_IPV6 ? 16 : 4;
	r->timeout = c->timeout != 0 ? c->timeout : CF_DEFAULT_TIMEOUT;
	r->map_wait = c->map_wait != 0 ? c->map_wait : CF_DEFAULT_MAP_WAIT;
	r->tag = run_tag(c->seed);
	if (mars_endpoint_resolve(&c->mars, AF_UNSPEC, false, &ss, &sslen,
	    &e) != 0)
		return mars_err_set(err, MARS_E_INVAL, "mars",
		    "the MARS's host does not resolve");
	r->family = ss.ss_family;
	if (mars_evloop_new(&r->loop, err) != 0)
		return MARS_E_SYS;
	/* A link that cannot be opened now never will: say so at once. */
	if (cf_member_new(r, &probe, 0) != 0) {
		mars_evloop_free(r->loop);
		r->loop = NULL;
		if (err != NULL) {
			mars_err_set(err, MARS_E_SYS, "link",
			    "cannot open a UDP link");
		}
		return MARS_E_SYS;
	}
	cf_member_free(probe);
	return 0;
}

static void
run_done(struct cf_run *r)
{
	struct cf_member *w = r->watch;

	cf_members_release(r, NULL);
	r->watch = NULL;
	if (w != NULL)
		cf_member_free(w);
	if (r->loop != NULL)
		mars_evloop_free(r->loop);
}

int
mars_conform_run(const struct mars_conform_conf *c,
    void (*fn)(void *ctx, const struct mars_conform_result *res), void *ctx,
    struct mars_err *err)
{
	static char bad[128];
	bool sel[NCASES];
	struct mars_conform_result res;
	struct cf_run *r;
	mars_time_t t0;
	size_t i;
	int rc;

	if (c == NULL)
		return mars_err_set(err, MARS_E_INVAL, "conf", "no conf");
	if (c->mars.kind != MARS_ENDPOINT_UDP)
		return mars_err_set(err, MARS_E_INVAL, "mars",
		    "the MARS is not a udp: endpoint (mars-lab(7))");
	if (c->pro != 0 && c->pro != MARS_PRO_IPV4 && c->pro != MARS_PRO_IPV6)
		return mars_err_set(err, MARS_E_INVAL, "pro",
		    "neither MARS_PRO_IPV4 nor MARS_PRO_IPV6");
	if (select_cases(c->only, sel, bad, sizeof(bad)) != 0)
		return mars_err_set(err, MARS_E_INVAL, "only", bad);
	if ((r = malloc(sizeof(*r))) == NULL)
		return mars_err_set(err, MARS_E_SYS, "malloc", "out of memory");
	if ((rc = run_init(r, c, err)) != 0) {
		free(r);
		return rc;
	}
	for (i = 0; i < NCASES; i++)
		if (sel[i] && (catalogue[i].flags & NEEDS_WATCH))
			break;
	if (i < NCASES)
		cf_watch_start(r);
	for (i = 0; i < NCASES; i++) {
		if (!sel[i])
			continue;
		r->detail[0] = '\0';
		t0 = cf_now();
		res.tcase = &catalogue[i].c;
		res.verdict = catalogue[i].fn(r);
		cf_members_release(r, NULL);
		res.detail = res.verdict == MARS_CONFORM_PASS ? NULL :
		    r->detail[0] != '\0' ? r->detail : "no detail";
		res.elapsed = cf_now() - t0;
		if (fn != NULL)
			fn(ctx, &res);
	}
	run_done(r);
	free(r);
	return 0;
}
