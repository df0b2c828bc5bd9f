/*
 * The rule registry (check.h): stable names, the section each rule
 * checks, its severity; and the bookkeeping every rule shares -- held,
 * broken with a finding, or cannot tell and why.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

#define DRAFT	"draft-armitage-ion-mars-scsp-03 "

static const struct mars_check_rule_info rules[MARS_CHECK_NRULES] = {
	[MARS_CHECK_REDIRECT_WHOLE_GROUP] = {
		"redirect-whole-group", DRAFT "§3.5",
		"a redirect map lists the whole MARS Group (of its partition), "
		"the dead entities too, not only the living",
		MARS_CHECK_ERROR },
	[MARS_CHECK_REDIRECT_ONLY_GROUP] = {
		"redirect-only-group", DRAFT "§2, §3",
		"a redirect map lists only entities of the MARS Group: every "
		"one it names is a legitimate Backup",
		MARS_CHECK_ERROR },
	[MARS_CHECK_REDIRECT_SENDER_FIRST] = {
		"redirect-sender-first", DRAFT "§3.2, §3.4",
		"the Active lists itself first in the maps it sends; a soft "
		"map naming another entity first hands over to it, which "
		"then takes over",
		MARS_CHECK_ERROR },
	[MARS_CHECK_REDIRECT_LIVING_FIRST] = {
		"redirect-living-first", DRAFT "§3.5",
		"Backups known to be alive come before dead entities in a "
		"redirect map",
		MARS_CHECK_ERROR },
	[MARS_CHECK_REDIRECT_STABLE] = {
		"redirect-stable", DRAFT "§3.4",
		"the order of a partition's maps changes only when an entity "
		"dies or returns or a new Active is elected",
		MARS_CHECK_WARNING },
	[MARS_CHECK_REDIRECT_PARTITION] = {
		"redirect-partition", DRAFT "§4.1, §4.4, §4.5",
		"each Active Sub-MARS sends the map of its own partition, and "
		"partitions sharing a pool of Backups list them in opposite "
		"orders",
		MARS_CHECK_ERROR },
	[MARS_CHECK_REDIRECT_HARD_FROM_BACKUP] = {
		"redirect-hard-from-backup", DRAFT "§3.2, §3.4",
		"hard redirects come from Backups and point to the elected "
		"Active; the Active hands over with a soft redirect",
		MARS_CHECK_ERROR },
	[MARS_CHECK_BACKUP_HARD_REDIRECT] = {
		"backup-hard-redirect", DRAFT "§3.2",
		"a Backup that answers a registration at once sends the member "
		"the Active's map with the hard bit set",
		MARS_CHECK_ERROR },
	[MARS_CHECK_SOFT_AFTER_SYNC] = {
		"soft-after-sync", DRAFT "§3.4",
		"a soft redirect to a returning entity comes only after its "
		"database was synchronised (SCSP Cache Alignment under way "
		"both ways)",
		MARS_CHECK_ERROR },
	[MARS_CHECK_CMI_CONTINUITY] = {
		"cmi-continuity", DRAFT "§3.3",
		"a member that registers again after a failover keeps its "
		"Cluster Member ID",
		MARS_CHECK_WARNING },
	[MARS_CHECK_CMI_UNIQUE] = {
		"cmi-unique", "RFC 2022 §5.2.3, " DRAFT "§4.3",
		"no two registered members hold the same CMI, cluster-wide",
		MARS_CHECK_ERROR },
	[MARS_CHECK_CMI_BLOCK] = {
		"cmi-block", DRAFT "§4.3, §4.4",
		"an Active Sub-MARS hands out new CMIs from its partition's "
		"block",
		MARS_CHECK_ERROR },
	[MARS_CHECK_REGISTRATION_CSN] = {
		"registration-csn", DRAFT "§2, RFC 2022 §5.2.3",
		"the registration reply carries the answering MARS's own "
		"current CSN",
		MARS_CHECK_ERROR },
	[MARS_CHECK_CSN_SEQUENCE] = {
		"csn-sequence", "RFC 2022 §5.1.4.2, §6.1.4",
		"each MARS numbers its ClusterControlVC messages one by one; a "
		"new Active starts its own sequence",
		MARS_CHECK_ERROR },
	[MARS_CHECK_MCS_JOIN_SUPPRESSED] = {
		"mcs-join-suppressed", DRAFT "§3.6, RFC 2022 §6.2.4",
		"no MARS_JOIN goes on ClusterControlVC for an MCS-supported "
		"group, across failover too",
		MARS_CHECK_ERROR },
	[MARS_CHECK_SINGLE_ACTIVE] = {
		"single-active", DRAFT "§2, §3.2",
		"one partition never has two Actives sending maps beyond the "
		"election window",
		MARS_CHECK_ERROR },
};

const struct mars_check_rule_info *
mars_check_rule_info(unsigned rule)
{
	return rule < MARS_CHECK_NRULES ? &rules[rule] : NULL;
}

int
mars_check_rule_lookup(const char *name)
{
	unsigned i;

	for (i = 0; i < MARS_CHECK_NRULES; i++)
		if (strcmp(rules[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
mars_check_rules_parse(const char *list, uint32_t *mask,
    struct mars_err *err)
{
	static char bad[64];
	const char *p = list, *e;
	uint32_t m = 0;
	char word[64];
	size_t n;
	bool neg, first = true;
	int r;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		neg = n > 0 && *p == '-';
		if (neg && first)
			m = MARS_CHECK_ALL_RULES;
		first = false;
		if (n - neg >= sizeof(word) || n - neg == 0)
			goto unknown;
		memcpy(word, p + neg, n - neg);
		word[n - neg] = '\0';
		if (strcmp(word, "all") == 0)
			r = -2;
		else if ((r = mars_check_rule_lookup(word)) < 0)
			goto unknown;
		if (r == -2)
			m = neg ? 0 : MARS_CHECK_ALL_RULES;
		else if (neg)
			m &= ~(1u << r);
		else
			m |= 1u << r;
		p += n;
		if (*p == ',')
			p++;
		continue;
unknown:
		n = n < sizeof(bad) - 1 ? n : sizeof(bad) - 1;
		memcpy(bad, p, n);
		bad[n] = '\0';
		if (err != NULL) {
			mars_err_set(err, MARS_E_PARSE, bad, "unknown rule");
			err->offset = (uint32_t)(p - list);
		}
		return MARS_E_PARSE;
	}
	if (m == 0) {
		if (err != NULL)
			mars_err_set(err, MARS_E_PARSE, "", "no rule selected");
		return MARS_E_PARSE;
	}
	*mask = m;
	return 0;
}

const char *
mars_check_verdict_name(int verdict)
{
	switch (verdict) {
	case MARS_CHECK_HELD:		return "held";
	case MARS_CHECK_BROKEN:		return "broken";
	case MARS_CHECK_CANNOT_TELL:	return "cannot tell";
	case MARS_CHECK_OFF:		return "off";
	}
	return "unknown";
}

bool
rule_on(const struct mars_check *c, unsigned rule)
{
	return (c->conf.rules & (1u << rule)) != 0;
}

void
rule_held(struct mars_check *c, unsigned rule)
{
	c->rule[rule].checked++;
}

void
rule_unknown(struct mars_check *c, unsigned rule, const char *why)
{
	if (c->rule[rule].why == NULL)
		c->rule[rule].why = why;
}

void
finding(struct mars_check *c, unsigned rule, uint64_t us, int mars,
    const uint64_t *frames, unsigned nframes, const char *fmt, ...)
{
	struct mars_check_finding f, *kept;
	va_list ap;
	unsigned i;

	if (!rule_on(c, rule))
		return;
	c->rule[rule].checked++;
	c->rule[rule].broken++;
	memset(&f, 0, sizeof(f));
	f.rule = rule;
	f.severity = rules[rule].severity;
	f.us = us;
	f.mars = mars;
	for (i = 0; i < nframes && f.nframes < MARS_CHECK_FRAMES; i++)
		if (frames[i] != 0)
			f.frames[f.nframes++] = frames[i];
	va_start(ap, fmt);
	vsnprintf(f.message, sizeof(f.message), fmt, ap);
	va_end(ap);
	c->total_found++;
	if (c->nfound < c->conf.max_findings) {
		kept = &c->found[c->nfound++];
		*kept = f;
	}
	if (c->conf.on_finding != NULL)
		c->conf.on_finding(c->conf.ctx, &f);
}

uint64_t
mars_check_finding_total(const struct mars_check *c)
{
	return c->total_found;
}

size_t
mars_check_finding_count(const struct mars_check *c)
{
	return c->nfound;
}

const struct mars_check_finding *
mars_check_finding(const struct mars_check *c, size_t i)
{
	return i < c->nfound ? &c->found[i] : NULL;
}

int
mars_check_verdict(const struct mars_check *c, unsigned rule,
    const char **why, uint64_t *checked)
{
	const struct rule_state *r;

	if (why != NULL)
		*why = NULL;
	if (checked != NULL)
		*checked = 0;
	if (rule >= MARS_CHECK_NRULES)
		return MARS_CHECK_OFF;
	if (!rule_on(c, rule))
		return MARS_CHECK_OFF;
	r = &c->rule[rule];
	if (checked != NULL)
		*checked = r->checked;
	if (r->broken > 0)
		return MARS_CHECK_BROKEN;
	if (r->checked > 0)
		return MARS_CHECK_HELD;
	if (why != NULL)
		*why = r->why != NULL ? r->why :
		    "nothing in the stream this rule applies to";
	return MARS_CHECK_CANNOT_TELL;
}

unsigned
mars_check_broken(const struct mars_check *c)
{
	unsigned i, n = 0;

	for (i = 0; i < MARS_CHECK_NRULES; i++)
		if (mars_check_verdict(c, i, NULL, NULL) == MARS_CHECK_BROKEN)
			n++;
	return n;
}
