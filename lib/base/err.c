/* Error codes -> text (err.h). */
#include <stdio.h>
#include <string.h>

#include "mars/err.h"

const char *
mars_strerror(int code)
{
	switch (code) {
	case MARS_OK:		return "success";
	case MARS_E_TRUNC:	return "message truncated";
	case MARS_E_FIELD:	return "invalid field value";
	case MARS_E_CHKSUM:	return "checksum mismatch";
	case MARS_E_OP:		return "unknown operation";
	case MARS_E_TLV_DROP:	return "unknown TLV (drop)";
	case MARS_E_TLV_ERROR:	return "unknown TLV (drop and report)";
	case MARS_E_LENGTH:	return "length does not match the data";
	case MARS_E_NOSPACE:	return "output buffer too small";
	case MARS_E_INVAL:	return "inconsistent input";
	case MARS_E_NOTOURS:	return "not MARS, SCSP or NHRP";
	case MARS_E_SYS:	return "system error";
	case MARS_E_PARSE:	return "parse error";
	case MARS_E_LINKTYPE:	return "unsupported link type";
	case MARS_E_NONCONF:	return "nonconforming message";
	}
	return "unknown error";
}

const char *
mars_err_reason(int code)
{
	switch (code) {
	case MARS_E_TRUNC:	return "truncated";
	case MARS_E_FIELD:	return "bad-field";
	case MARS_E_CHKSUM:	return "checksum";
	case MARS_E_OP:		return "unknown-op";
	case MARS_E_TLV_DROP:	return "tlv-drop";
	case MARS_E_TLV_ERROR:	return "tlv-error";
	case MARS_E_LENGTH:	return "length";
	case MARS_E_LINKTYPE:	return "linktype";
	case MARS_E_NONCONF:	return "nonconforming";
	}
	return "error";
}

int
mars_err_parsed(int code)
{
	return code == 0 || code == MARS_E_CHKSUM || code == MARS_E_NONCONF ||
	    code == MARS_E_TLV_DROP || code == MARS_E_TLV_ERROR;
}

int
mars_err_format(const struct mars_err *e, char *buf, size_t len)
{
	const char *field = e->field != NULL ? e->field : "?";

	switch (e->code) {
	case MARS_E_TRUNC:
		return snprintf(buf, len,
		    "truncated %s at offset %u: need %u, have %u",
		    field, e->offset, e->need, e->have);
	case MARS_E_CHKSUM:
		/* Decoders put the received value in have, computed in need. */
		return snprintf(buf, len,
		    "bad checksum at offset %u (%s): 0x%04x, computed 0x%04x",
		    e->offset, field, e->have, e->need);
	case MARS_E_SYS:
		return snprintf(buf, len, "%s: %s", field,
		    strerror(e->sys_errno));
	case MARS_E_INVAL:
	case MARS_E_NOSPACE:
		/* API errors name a member of the caller's input, not an
		 * octet of a message. */
		if (e->why != NULL)
			return snprintf(buf, len, "%s: %s", field, e->why);
		return snprintf(buf, len, "%s: %s", field,
		    mars_strerror(e->code));
	default:
		if (e->why != NULL)
			return snprintf(buf, len, "%s at offset %u (%s): %s",
			    mars_strerror(e->code), e->offset, field, e->why);
		return snprintf(buf, len, "%s at offset %u (%s)",
		    mars_strerror(e->code), e->offset, field);
	}
}

int
mars_err_set(struct mars_err *e, int code, const char *field, const char *why)
{
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		e->code = code;
		e->field = field;
		e->why = why;
	}
	return code;
}
