/*
 * The lab UDP transport's shim header (shim.h, mars-lab(7)).
 *
 *   0        4     5      6     8     10      12
 *   +--------+-----+------+-----+-----+-------+------------------------
 *   | "MLAB" | ver | kind | VPI | VCI | flags | SDU (LLC/SNAP + message)
 *   +--------+-----+------+-----+-----+-------+------------------------
 *
 * All fields big-endian.  The shim only names the emulated VC; the SDU
 * after it is byte for byte what an AAL5 VC would carry (RFC 2684 §4).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/shim.h"
#include "base/wire.h"

/*
 * A payload is lab traffic when it holds a whole shim with the magic and
 * version 1.  Any VC kind is accepted so that a newer peer's kinds still
 * decode; mars_vc_kind_name() names the unknown ones.
 */
bool
mars_shim_decode(struct mars_shim *sh, const uint8_t *p, size_t len)
{
	struct wire_rd rd;
	uint32_t magic;

	wire_rd_init(&rd, p, len, 0, NULL);
	magic = wire_u32(&rd, "shim magic");
	sh->version = wire_u8(&rd, "shim version");
	sh->kind = wire_u8(&rd, "shim kind");
	sh->vpi = wire_u16(&rd, "shim VPI");
	sh->vci = wire_u16(&rd, "shim VCI");
	sh->flags = wire_u16(&rd, "shim flags");
	if (rd.failed)
		return false;
	return magic == MARS_SHIM_MAGIC && sh->version == MARS_SHIM_VERSION;
}

/* A zero sh->version means the current one (1). */
void
mars_shim_encode(const struct mars_shim *sh, uint8_t *out)
{
	struct wire_wr wr;

	wire_wr_init(&wr, out, MARS_SHIM_LEN);
	wire_put_u32(&wr, MARS_SHIM_MAGIC);
	wire_put_u8(&wr, sh->version != 0 ? sh->version : MARS_SHIM_VERSION);
	wire_put_u8(&wr, sh->kind);
	wire_put_u16(&wr, sh->vpi);
	wire_put_u16(&wr, sh->vci);
	wire_put_u16(&wr, sh->flags);
}
