/* Names of the VC kinds (types.h), as marsdump and the logs print them. */
#include <stdint.h>

#include "mars/types.h"

const char *
mars_vc_kind_name(uint8_t kind)
{
	switch (kind) {
	case MARS_VC_P2P:	return "p2p";
	case MARS_VC_CCVC:	return "ccvc";
	case MARS_VC_SCVC:	return "scvc";
	case MARS_VC_SERVER:	return "server";
	}
	return "unknown";
}
