/*
 * Fault injection (marsd(8) FAULT INJECTION): switches that break one
 * rule on purpose, for test labs only.  Two families: the redundancy
 * layer's (redund.h MARS_REDUND_FI_*, a redundant MARS only) and the
 * quirks of the Windows 2000 MARS the server emulates (server.h
 * MARS_SERVER_Q_*, any MARS).  Refused unless the cluster file says
 * fault-injection = yes (or, without a file, --fault-injection).
 */
#include <stdio.h>
#include <string.h>

#include "marsd.h"

static const struct {
	const char	*name;
	unsigned	 faults;	/* MARS_REDUND_FI_* */
	unsigned	 quirks;	/* MARS_SERVER_Q_* */
	bool		 listed;	/* named by fault_names() */
} table[] = {
	{ "omit-dead",		MARS_REDUND_FI_OMIT_DEAD, 0, true },
	{ "fresh-cmi",		MARS_REDUND_FI_FRESH_CMI, 0, true },
	{ "skip-sync",		MARS_REDUND_FI_SKIP_SYNC, 0, true },
	/* the draft's wording */
	{ "unsynced-soft-redirect", MARS_REDUND_FI_SKIP_SYNC, 0, false },
	{ "stale-checksum",	0, MARS_SERVER_Q_STALE_CHKSUM, true },
	{ "cmi-zero",		0, MARS_SERVER_Q_CMI_ZERO, true },
	{ "nak-csn",		0, MARS_SERVER_Q_NAK_CSN, true },
	{ "null-map",		0, MARS_SERVER_Q_NULL_MAP, true },
	/* all four quirks of that server */
	{ "win2000",		0, MARS_SERVER_Q_WIN2000, false },
};

#define NFAULTS	(sizeof(table) / sizeof(table[0]))

int
fault_parse(const char *list, unsigned *faults, unsigned *quirks, char *msg,
    size_t msglen)
{
	const char *w = list;
	size_t wl, i;

	*faults = *quirks = 0;
	if (*w == '\0') {
		snprintf(msg, msglen, "no fault named");
		return -1;
	}
	while (*w != '\0') {
		wl = strcspn(w, ",");
		for (i = 0; i < NFAULTS; i++)
			if (strlen(table[i].name) == wl &&
			    strncmp(table[i].name, w, wl) == 0)
				break;
		if (i == NFAULTS) {
			snprintf(msg, msglen, "unknown fault \"%.*s\" "
			    "(omit-dead, fresh-cmi, skip-sync, stale-checksum, "
			    "cmi-zero, nak-csn, null-map, win2000)", (int)wl, w);
			return -1;
		}
		*faults |= table[i].faults;
		*quirks |= table[i].quirks;
		w += wl;
		if (*w == ',')
			w++;
	}
	return 0;
}

void
fault_names(unsigned faults, unsigned quirks, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NFAULTS; i++)
		if (table[i].listed && ((faults & table[i].faults) ||
		    (quirks & table[i].quirks)) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used ? "," : "", table[i].name);
	if (used == 0)
		snprintf(buf, len, "none");
}

int
fault_apply(struct marsd *d, unsigned faults, unsigned quirks, char *msg,
    size_t msglen)
{
	if (!d->set.fault_injection) {
		snprintf(msg, msglen, "fault injection refused: %s",
		    d->opts.conf_path != NULL ? "the cluster file does not say "
		    "fault-injection = yes" : "marsd was started without "
		    "--fault-injection");
		return -1;
	}
	if (faults != 0 && d->red == NULL) {
		snprintf(msg, msglen, "omit-dead, fresh-cmi and skip-sync need "
		    "a redundant MARS (a cluster file with several [mars])");
		return -1;
	}
	if ((d->red != NULL && mars_redund_set_faults(d->red, faults) != 0) ||
	    mars_server_set_quirks(d->srv, quirks) != 0) {
		snprintf(msg, msglen, "fault injection refused");
		return -1;
	}
	d->set.faults = faults;
	d->set.quirks = quirks;
	return 0;
}
