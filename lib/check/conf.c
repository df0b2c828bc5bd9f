/*
 * The checker's configuration (check.h): defaults, and what the cluster
 * file (marsd.conf(5), parsed by the run layer) tells it.  The check
 * layer never reads files itself.
 */
#include <sys/socket.h>

#include <string.h>

#include "mars/config.h"
#include "mars/endpoint.h"
#include "check_int.h"

void
mars_check_conf_init(struct mars_check_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rules = MARS_CHECK_ALL_RULES;
}

/* A lab endpoint as the end a capture shows for it. */
static int
end_of(const struct mars_endpoint *ep, struct mars_end *e,
    struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	memset(e, 0, sizeof(*e));
	if (ep->kind != MARS_ENDPOINT_UDP)
		return 0;
	if (mars_endpoint_resolve(ep, AF_UNSPEC, false, &ss, &sslen, err) != 0)
		return mars_err_set(err, MARS_E_INVAL, "endpoint",
		    "cannot resolve an endpoint of the cluster file");
	(void)mars_end_from_sockaddr(e, (const struct sockaddr *)&ss);
	return 0;
}

int
mars_check_conf_cluster(struct mars_check_conf *c,
    const struct mars_cluster_conf *cc, struct mars_err *err)
{
	const struct mars_entity_conf *ec;
	struct mars_check_mars_conf *m;
	size_t i;
	int rc;

	if (cc->n_mars > MARS_CHECK_MARS_MAX ||
	    cc->n_partitions > MARS_CHECK_PART_MAX)
		return mars_err_set(err, MARS_E_INVAL, "cluster",
		    "too many entities or partitions");
	c->has_cluster = true;
	c->lsid_by_index = true;
	c->n_mars = cc->n_mars;
	for (i = 0; i < cc->n_mars; i++) {
		ec = &cc->mars[i];
		m = &c->mars[i];
		memset(m, 0, sizeof(*m));
		memcpy(m->name, ec->name, sizeof(m->name) - 1);
		memcpy(m->atm, ec->atm, ec->atm_len);
		m->atm_len = ec->atm_len;
		if ((rc = end_of(&ec->endpoint, &m->ends[0], err)) != 0)
			return rc;
		m->n_ends = m->ends[0].kind != MARS_END_NONE;
		if (ec->has_peer_endpoint) {
			rc = end_of(&ec->peer_endpoint, &m->ends[m->n_ends],
			    err);
			if (rc != 0)
				return rc;
			if (m->ends[m->n_ends].kind != MARS_END_NONE)
				m->n_ends++;
		}
		m->priority = ec->priority;
		m->has_cmi = ec->has_cmi;
		m->cmi_low = ec->cmi_low;
		m->cmi_high = ec->cmi_high;
	}
	c->n_partitions = cc->n_partitions;
	for (i = 0; i < cc->n_partitions; i++) {
		memset(&c->partitions[i], 0, sizeof(c->partitions[i]));
		memcpy(c->partitions[i].name, cc->partitions[i].name,
		    sizeof(c->partitions[i].name) - 1);
		c->partitions[i].n_mars = cc->partitions[i].n_mars;
		memcpy(c->partitions[i].mars, cc->partitions[i].mars,
		    cc->partitions[i].n_mars);
		c->partitions[i].cmi_low = cc->partitions[i].cmi_low;
		c->partitions[i].cmi_high = cc->partitions[i].cmi_high;
	}
	c->redirect_interval = cc->redirect_interval;
	c->hello_interval = cc->hello_interval;
	c->dead_factor = cc->dead_factor;
	return 0;
}
