/*
 * Decode one MARS message from the octets of an AAL5 SDU and print it
 * as a JSON object, as marsdump --json would.
 *
 *	cc -o decode decode.c $(pkg-config --cflags --libs libmars)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mars/mars.h>

/* A MARS_REQUEST from 10.1.1.3: who has joined 224.1.2.3? */
static const uint8_t sdu[] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03,	/* LLC/SNAP: MARS */
	0x00, 0x0f, 0x08, 0x00,				/* afn ATM, pro.type IPv4 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* pro.snap, hdrrsv */
	0x4c, 0x18, 0x00, 0x00,				/* chksum, extoff */
	0x00, 0x01, 0x14, 0x00,				/* op REQUEST, shtl, sstl */
	0x04, 0x00, 0x00, 0x04,				/* spln, thtl, tstl, tpln */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* pad */
	0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00,	/* sha, the ATM */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x48,	/* address that */
	0xaa, 0x00, 0x03, 0x00,				/* asks */
	0x0a, 0x01, 0x01, 0x03,				/* spa 10.1.1.3 */
	0xe0, 0x01, 0x02, 0x03,				/* tpa 224.1.2.3 */
};

int
main(void)
{
	struct mars_print_opts po = { .mode = MARS_PRINT_JSON };
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_out ob;
	char buf[4096];
	int verdict;

	/* LLC/SNAP, checksum and every field checked; 0 or MARS_E_*. */
	verdict = mars_pdu_decode(&pdu, sdu, sizeof(sdu), 0);

	/* The frame around it, as a capture would give it. */
	memset(&fr, 0, sizeof(fr));
	fr.num = 1;
	fr.dir = MARS_DIR_UNKNOWN;
	fr.data = fr.sdu = sdu;
	fr.caplen = fr.wirelen = fr.sdu_len = sizeof(sdu);

	/* One JSON object and a newline; a malformed message says why. */
	mars_out_init(&ob, STDOUT_FILENO, buf, sizeof(buf));
	mars_print_frame(&ob, &po, &fr, &pdu);
	if (mars_out_flush(&ob) != 0) {
		perror("decode: stdout");
		return 1;
	}
	return verdict == 0 ? 0 : 1;
}
