/*
 * libFuzzer harness for the SCSP codec (RFC 2334 App. B, RFC 2443 §3).
 *
 * Whatever mars_scsp_decode() accepts must walk cleanly, carry a valid MARS part
 * in every non-null CSA of a MARS CSU Request, re-encode to the same octets
 * (checksum aside, see below) and decode again to the same view.  Any
 * difference aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/scsp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounded by Packet Size: a CSAS is at least 12 octets, an ID 1. */
#define MAX_CSAS	(UINT16_MAX / MARS_SCSP_CSAS_LEN + 1)
#define MAX_IDS		(UINT16_MAX + 1)

static struct mars_scsp_csas	recs[MAX_CSAS];
static struct mars_scsp_id	ids[MAX_IDS];
static uint8_t		out[UINT16_MAX + 1];
static uint8_t		part[UINT16_MAX + 1];

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static bool
id_equal(const struct mars_scsp_id *a, const struct mars_scsp_id *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

/* Everything but the checksum and the buffer pointers. */
static void
same_view(const struct mars_scsp_msg *a, const struct mars_scsp_msg *b)
{
	unsigned i;

	check(a->version == b->version && a->type == b->type);
	check(a->size == b->size && a->extoff == b->extoff);
	check(a->ca_seq == b->ca_seq);
	check(a->hello_interval == b->hello_interval);
	check(a->dead_factor == b->dead_factor);
	check(a->hello_unused == b->hello_unused);
	check(a->family_id == b->family_id);
	check(a->protocol_id == b->protocol_id && a->sgid == b->sgid);
	check(a->mcp_unused == b->mcp_unused && a->flags == b->flags);
	check(id_equal(&a->sender, &b->sender));
	check(id_equal(&a->receiver, &b->receiver));
	check(a->nrec == b->nrec);
	check(a->rec_off == b->rec_off && a->rec_len == b->rec_len);
	check(a->rec_len == 0 || memcmp(a->rec, b->rec, a->rec_len) == 0);
	check(a->has_ext == b->has_ext && a->next == b->next);
	check(a->next_total == b->next_total && a->len == b->len);
	for (i = 0; i < a->next; i++) {
		check(a->ext[i].type == b->ext[i].type);
		check(a->ext[i].len == b->ext[i].len);
		check(a->ext[i].len == 0 ||
		    memcmp(a->ext[i].value, b->ext[i].value, a->ext[i].len) == 0);
	}
}

/* RFC 2443 §3 part: must decode, re-encode to its prefix, decode alike. */
static void
check_mars_part(const struct mars_scsp_csas *rec)
{
	struct mars_scsp_mars_part mp, again;
	struct mars_err err;
	size_t n;

	check(mars_scsp_mars_decode(&mp, rec->body, rec->body_len, 0, &err) == 0);
	check(mars_scsp_mars_encode(&mp, part, sizeof(part), &n, &err) == 0);
	check(n <= rec->body_len && memcmp(part, rec->body, n) == 0);
	check(mars_scsp_mars_decode(&again, part, n, 0, &err) == 0);
	check(again.state == mp.state && again.flags == mp.flags);
	check(again.cmi == mp.cmi && again.grp_len == mp.grp_len);
}

/* Walk every record; returns whether one carries the reserved number. */
static bool
walk(struct mars_scsp_msg *m)
{
	struct mars_scsp_iter it;
	bool reserved = false;
	unsigned n = 0;

	mars_scsp_iter_init(m, &it);
	if (m->type == MARS_SCSP_HELLO) {
		while (n < MAX_IDS && mars_scsp_next_id(&it, &ids[n]))
			n++;
	} else {
		while (n < MAX_CSAS && mars_scsp_next_csas(&it, &recs[n])) {
			if (recs[n].seq == MARS_SCSP_SEQ_RESERVED)
				reserved = true;
			if (m->type == MARS_SCSP_CSU_REQUEST &&
			    m->protocol_id == MARS_SCSP_PROTO_MARS && !recs[n].null)
				check_mars_part(&recs[n]);
			n++;
		}
	}
	check(n == m->nrec && it.left == 0);
	m->csas = recs;
	m->ids = ids;
	return reserved;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mars_scsp_msg m, d;
	struct mars_err err;
	size_t n;
	int rc;

	rc = mars_scsp_decode(&m, data, size, 0, 0, &err);
	if (rc != 0 && rc != MARS_E_CHKSUM) {
		check(err.code == rc && err.field != NULL);
		return 0;
	}
	check(m.size <= size);
	check(mars_scsp_type_name(m.type) != NULL);
	if (walk(&m)) {
		rc = mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err);
		check(rc == MARS_E_INVAL);
		return 0;
	}
	/* The view keeps MARS_SCSP_EXT_MAX extensions; more cannot re-encode. */
	if (m.next_total > m.next)
		return 0;

	check(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err) == 0);
	check(n == m.size);
	/*
	 * The checksum is recomputed: it differs from a corrupt one, and
	 * 0x0000 and 0xFFFF are the same one's-complement value.
	 */
	check(memcmp(out, data, 4) == 0);
	check(memcmp(out + 6, data + 6, n - 6) == 0);
	check(mars_scsp_decode(&d, out, n, 0, 0, &err) == 0);
	same_view(&m, &d);
	return 0;
}
