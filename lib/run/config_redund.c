/*
 * The redundancy machine's configuration from a cluster file (config.h):
 * the machine knows nothing of files, admin sockets or endpoints, so
 * marsd, the tests and the lab build its struct from the file here.
 */
#include <stdio.h>
#include <string.h>

#include "mars/config.h"
#include "mars/proto.h"
#include "mars/redund.h"

int
mars_config_redund(const struct mars_cluster_conf *cc, unsigned self,
    struct mars_redund_conf *rc, struct mars_err *err)
{
	const struct mars_entity_conf *e;
	struct mars_redund_entity *re;
	size_t i, p;

	memset(rc, 0, sizeof(*rc));
	if (cc->n_mars == 0 || cc->n_mars > MARS_REDUND_MAX)
		return mars_err_set(err, MARS_E_INVAL, "[mars]",
		    "the cluster file names no MARS entity, or too many");
	if (self >= cc->n_mars)
		return mars_err_set(err, MARS_E_INVAL, "self",
		    "not an entity of the cluster file");
	if (cc->n_partitions > MARS_REDUND_PART_MAX)
		return mars_err_set(err, MARS_E_INVAL, "[partition]",
		    "too many partitions");
	rc->self = self;
	rc->n_mars = cc->n_mars;
	for (i = 0; i < cc->n_mars; i++) {
		e = &cc->mars[i];
		re = &rc->mars[i];
		snprintf(re->name, sizeof(re->name), "%s", e->name);
		memcpy(re->atm, e->atm, sizeof(re->atm) < sizeof(e->atm) ?
		    sizeof(re->atm) : sizeof(e->atm));
		re->atm_len = e->atm_len;
		re->priority = e->priority;
		re->has_cmi = e->has_cmi;
		re->cmi_low = e->cmi_low;
		re->cmi_high = e->cmi_high;
	}
	rc->n_partitions = cc->n_partitions;
	for (p = 0; p < cc->n_partitions; p++) {
		rc->partitions[p].n_mars = cc->partitions[p].n_mars;
		memcpy(rc->partitions[p].mars, cc->partitions[p].mars,
		    cc->partitions[p].n_mars);
		rc->partitions[p].cmi_low = cc->partitions[p].cmi_low;
		rc->partitions[p].cmi_high = cc->partitions[p].cmi_high;
	}
	rc->pro = cc->protocol == MARS_CONF_PROTO_IPV6 ? MARS_PRO_IPV6 :
	    MARS_PRO_IPV4;
	rc->redirect_interval = cc->redirect_interval;
	rc->hello_interval = cc->hello_interval;
	rc->dead_factor = cc->dead_factor;
	rc->mcs_timeout = cc->mcs_timeout;
	rc->fault_injection = cc->fault_injection;
	return 0;
}
