/*
 * libFuzzer harness for everything a captured record goes through in
 * marsdump: link-type adapter, PDU decoder, every printer and a display
 * filter.  The first input octet picks the link type; the rest is the
 * record.  Nothing may crash, read out of bounds or leak.
 */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/capture.h"
#include "mars/filter.h"
#include "mars/out.h"
#include "mars/pdu.h"
#include "mars/print.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {
	DLT_ATM_RFC1483, DLT_SUNATM, DLT_EN10MB, DLT_LINUX_SLL,
	DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP,
};

static const char *const exprs[] = {
	"op join or (group 224.0.0.0/4 and not malformed)",
	"scsp or nhrp or vc 0/32 or cmi 7 or src 4700918100000000000000000100204800000100",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char store[1 << 14];
	static struct mars_filter *filt[2];
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_err err;
	struct mars_out ob;
	struct mars_print_opts po;
	unsigned i, mode;

	if (size < 1)
		return 0;
	if (filt[0] == NULL)
		for (i = 0; i < 2; i++)
			if (mars_filter_compile(exprs[i], &filt[i], &err) != 0)
				__builtin_trap();
	memset(&fr, 0, sizeof(fr));
	fr.num = 1;
	fr.dir = MARS_DIR_UNKNOWN;
	fr.data = data + 1;
	fr.caplen = fr.wirelen = (uint32_t)(size - 1);
	if (mars_cap_decode_link(dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))],
	    &fr, &err) != 0 || fr.sdu == NULL)
		return 0;
	mars_pdu_decode(&pdu, fr.sdu, fr.sdu_len, 0);
	for (i = 0; i < 2; i++)
		(void)mars_filter_match(filt[i], &fr, &pdu);
	for (mode = MARS_PRINT_LINE; mode <= MARS_PRINT_JSON; mode++) {
		memset(&po, 0, sizeof(po));
		po.mode = mode;
		po.hex = mode == MARS_PRINT_TREE;
		po.abs_time = true;	/* localtime_r would dominate */
		mars_out_init(&ob, -1, store, sizeof(store));
		mars_print_frame(&ob, &po, &fr, &pdu);
	}
	return 0;
}
