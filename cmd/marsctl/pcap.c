/*
 * capture start FILE / capture stop: every SDU marsctl sends or receives
 * as the member, written to a pcap file of link type SUNATM (123): the
 * 4-octet pseudo-header (direction and traffic type, VPI, VCI) and then
 * the AAL5 SDU, LLC/SNAP first, exactly as an ATM capture holds it, so
 * that marsdump(1) -r FILE decodes it as it decodes the real thing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mars/capture.h"
#include "mars/frame.h"
#include "mars/proto.h"

#include "marsctl.h"

#define LINKTYPE_SUNATM		123
#define SUNATM_DIR_TX		0x80	/* sent by this host */
#define SUNATM_TYPE_LLC		0x02	/* LLC-multiplexed traffic */

struct capture {
	struct mars_cap_dump	*d;
	char			 path[1024];
	uint64_t		 frames;
};

void
capture_record(struct ctl *c, int dir, uint16_t vpi, uint16_t vci,
    const uint8_t *sdu, size_t len)
{
	static uint8_t rec[4 + MARS_MTU];
	struct mars_frame fr;
	struct timespec ts;

	if (c->cap == NULL || len > MARS_MTU)
		return;
	rec[0] = (uint8_t)((dir == MARS_DIR_TX ? SUNATM_DIR_TX : 0) |
	    SUNATM_TYPE_LLC);
	rec[1] = (uint8_t)vpi;		/* the pseudo-header has 8 bits */
	rec[2] = (uint8_t)(vci >> 8);
	rec[3] = (uint8_t)vci;
	memcpy(rec + 4, sdu, len);
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&fr, 0, sizeof(fr));
	fr.ts_sec = ts.tv_sec;
	fr.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	fr.data = rec;
	fr.caplen = fr.wirelen = (uint32_t)(4 + len);
	if (mars_cap_dump_write(c->cap->d, &fr) == 0) {
		c->cap->frames++;
		(void)mars_cap_dump_flush(c->cap->d);
	}
}

void
capture_close(struct ctl *c)
{
	if (c->cap == NULL)
		return;
	mars_cap_dump_close(c->cap->d);
	free(c->cap);
	c->cap = NULL;
}

int
cmd_capture_start(struct ctl *c, const struct cmdtab_result *r)
{
	const char *path = cmdtab_arg(r, 0);
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	struct capture *cap;

	if (c->cap != NULL) {
		out_error(c, path, "already capturing to %s (capture stop "
		    "first)", c->cap->path);
		return EXIT_FAIL;
	}
	if ((cap = calloc(1, sizeof(*cap))) == NULL) {
		out_error(c, path, "out of memory");
		return EXIT_FAIL;
	}
	errbuf[0] = '\0';
	if (mars_cap_dump_open_dlt(&cap->d, LINKTYPE_SUNATM, 0, path,
	    errbuf) != 0) {
		out_error(c, path, "%s", errbuf[0] ? errbuf :
		    "cannot open the capture file");
		free(cap);
		return EXIT_FAIL;
	}
	snprintf(cap->path, sizeof(cap->path), "%s", path);
	c->cap = cap;
	if (c->json) {
		out_json_begin(c, "capture");
		out_json_str(c, "file", path);
		out_json_bool(c, "active", true);
		out_json_raw(c, "frames", NULL);
		out_json_end(c);
	} else
		out_line(c, "capturing to %s (SunATM)", path);
	return 0;
}

int
cmd_capture_stop(struct ctl *c, const struct cmdtab_result *r)
{
	char path[1024];
	uint64_t n;

	if (c->cap == NULL) {
		out_error(c, NULL, "no capture running");
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s", c->cap->path);
	n = c->cap->frames;
	capture_close(c);
	if (c->json) {
		out_json_begin(c, "capture");
		out_json_str(c, "file", path);
		out_json_bool(c, "active", false);
		out_json_num(c, "frames", n);
		out_json_end(c);
	} else
		out_line(c, "%s: %llu frame%s", path, (unsigned long long)n,
		    n == 1 ? "" : "s");
	return 0;
}
