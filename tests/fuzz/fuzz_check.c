/*
 * libFuzzer harness for the check layer: the input is a stream of
 * events, each a 4-octet header -- VC kind, sender (an index into three
 * MARS endpoints and a member's, or none), SDU length (16 bits, big
 * endian) -- and the SDU.  Whatever the stream, the checker must not
 * crash, every verdict and accessor must answer, and what it keeps stays
 * within its caps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
end_of(struct mars_end *e, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->kind = MARS_END_UDP4;
	e->addr[0] = 127;
	e->addr[3] = 1;
	e->port = port;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mars_check_conf cf;
	struct mars_check_mars_info mi;
	struct mars_check_member_info mb;
	struct mars_check_map_info map;
	struct mars_check *c;
	struct mars_event ev;
	size_t off = 0, len, i;
	uint64_t frame = 0;
	char g[64];

	mars_check_conf_init(&cf);
	cf.max_findings = 16;
	cf.max_members = 64;
	cf.max_groups = 64;
	/* Odd inputs check with a cluster file, even ones without. */
	if (size > 0 && (data[0] & 1)) {
		cf.has_cluster = true;
		cf.n_mars = 3;
		for (i = 0; i < 3; i++) {
			memset(cf.mars[i].atm, 0x47, 20);
			cf.mars[i].atm[19] = (uint8_t)i;
			cf.mars[i].atm_len = 20;
			end_of(&cf.mars[i].ends[0], (uint16_t)(4501 + i));
			cf.mars[i].n_ends = 1;
		}
		cf.redirect_interval = 500;
	}
	if (mars_check_new(&c, &cf, NULL) != 0)
		return 0;
	while (off + 4 <= size) {
		len = (size_t)data[off + 2] << 8 | data[off + 3];
		if (len > size - off - 4)
			len = size - off - 4;
		mars_event_init(&ev, MARS_EV_MESSAGE, frame * 10);
		ev.us = 1700000000000000ull + frame * 10000;
		ev.vc.kind = data[off] % 5;
		if (data[off + 1] % 5 < 4)
			end_of(&ev.src, (uint16_t)(4501 + data[off + 1] % 5));
		ev.frame = ++frame;
		ev.sdu = data + off + 4;
		ev.sdu_len = len;
		mars_check_feed(c, &ev);
		off += 4 + len;
	}
	mars_check_end(c);
	for (i = 0; i < MARS_CHECK_NRULES; i++)
		(void)mars_check_verdict(c, (unsigned)i, NULL, NULL);
	for (i = 0; i < mars_check_mars_count(c); i++)
		(void)mars_check_mars(c, i, &mi);
	for (i = 0; mars_check_member(c, i, &mb); i++)
		(void)mars_check_member_group(c, i, 0, g, sizeof(g));
	for (i = 0; i < mars_check_partition_count(c); i++)
		(void)mars_check_current_map(c, i, &map);
	if (mars_check_member_count(c) > 64 || mars_check_finding_count(c) > 16)
		abort();
	mars_check_free(c);
	return 0;
}
