/*
 * Names, references and sentences of the nonconformities a MARS message
 * can have (msg.h, MARS_NC_*): what marsdump, marsmap and the logs show
 * beside the message, so an operator sees which rule it breaks.
 */
#include <stddef.h>
#include <string.h>

#include "mars/msg.h"

static const struct nc_entry {
	unsigned	 bit;
	const char	*name;
	const char	*ref;
	const char	*text;
} nc[] = {
	{ MARS_NC_CHECKSUM, "checksum", "RFC 2022 §4.3.3",
	    "mar$chksum does not verify" },
	{ MARS_NC_NULL_SOURCE, "null-source", "RFC 2022 §4.3",
	    "null source ATM number (mar$shtl 0)" },
	{ MARS_NC_RESERVED, "reserved-bits", "RFC 2022 §5.1.2, §5.2.1",
	    "reserved bits set" },
	{ MARS_NC_SEQXY, "seqxy", "RFC 2022 §5.1.2",
	    "mar$seqxy part number 0 (parts count from 1)" },
	{ MARS_NC_CMI_ZERO, "cmi-zero", "RFC 2022 §5.2.3",
	    "registration reply with CMI 0" },
	{ MARS_NC_TLV_DROP, "tlv-drop", "RFC 2022 §10.2",
	    "unknown TLV with Type.x = 1 (drop)" },
	{ MARS_NC_TLV_ERROR, "tlv-error", "RFC 2022 §10.2",
	    "unknown TLV with Type.x = 2 (drop and report)" },
};

#define NNC	(sizeof(nc) / sizeof(nc[0]))

static const struct nc_entry *
find(unsigned bit)
{
	size_t i;

	for (i = 0; i < NNC; i++)
		if (nc[i].bit == bit)
			return &nc[i];
	return NULL;
}

const char *
mars_nonconf_name(unsigned bit)
{
	const struct nc_entry *e = find(bit);

	return e != NULL ? e->name : NULL;
}

const char *
mars_nonconf_ref(unsigned bit)
{
	const struct nc_entry *e = find(bit);

	return e != NULL ? e->ref : NULL;
}

const char *
mars_nonconf_text(unsigned bit)
{
	const struct nc_entry *e = find(bit);

	return e != NULL ? e->text : NULL;
}

unsigned
mars_nonconf_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NNC; i++)
		if (strcmp(nc[i].name, name) == 0)
			return nc[i].bit;
	return 0;
}
