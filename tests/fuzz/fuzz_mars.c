/*
 * libFuzzer harness for the MARS codec: the input is one AAL5 SDU.
 * Whatever it is, mars_pdu_decode() must not crash; when it decodes a
 * MARS message cleanly (checksum aside, so that mutations get through), encoding the view and decoding that again must
 * give the same message, and encoding once more the same octets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/pdu.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc1[65536 + MARS_LLC_SNAP_LEN], enc2[65536 + MARS_LLC_SNAP_LEN];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mars_pdu pdu, again;
	struct mars_err err;
	size_t len1, len2;
	int rc;

	/* The checksum path, then the round trip of anything well formed. */
	mars_pdu_decode(&pdu, data, size, 0);
	if (mars_pdu_decode(&pdu, data, size, MARS_PDU_DEC_NOCHKSUM) != 0 ||
	    pdu.kind != MARS_PDU_MARS)
		return 0;

	rc = mars_encode(&pdu.u.mars, enc1, sizeof(enc1), &len1,
	    MARS_ENC_LLC, &err);
	if (rc != 0) {
		/* Only a list too long for one message may be refused. */
		if (rc == MARS_E_INVAL && strcmp(err.field, "len") == 0)
			return 0;
		abort();
	}
	if (mars_pdu_decode(&again, enc1, len1, 0) != 0 ||
	    again.kind != MARS_PDU_MARS ||
	    !mars_msg_same(&pdu.u.mars, &again.u.mars) ||
	    again.u.mars.len != len1 - MARS_LLC_SNAP_LEN)
		abort();
	if (mars_encode(&again.u.mars, enc2, sizeof(enc2), &len2,
	    MARS_ENC_LLC, &err) != 0 || len2 != len1 ||
	    memcmp(enc1, enc2, len1) != 0)
		abort();
	return 0;
}
