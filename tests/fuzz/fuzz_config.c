/*
 * libFuzzer harness for the cluster-file parser (config.h,
 * marsd.conf(5)): any text gives either a configuration that holds
 * together or an error naming the file and line, never a crash, a read
 * past the text (it is not NUL-terminated) or a leak.  A configuration
 * that parses is turned into each entity's redundancy configuration and
 * machine (config_redund.c, redund.h), as marsd does at start.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/config.h"
#include "mars/redund.h"

#include "fuzz_seq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mars_cluster_conf conf;
static struct mars_redund_conf rc;

static void
send_nothing(void *ctx, const struct mars_vc *vc, const uint8_t *sdu,
    size_t len)
{
}

static void
check_conf(const struct mars_cluster_conf *c)
{
	const struct mars_io io = { .send = send_nothing };
	struct mars_redund *r;
	struct mars_err err;
	size_t i, k;

	FZ_CHECK(c->protocol == MARS_CONF_PROTO_IPV4 ||
	    c->protocol == MARS_CONF_PROTO_IPV6);
	FZ_CHECK(c->n_mars >= 1 && c->n_mars <= MARS_CONF_MARS_MAX);
	FZ_CHECK(c->n_partitions <= MARS_CONF_PARTITION_MAX);
	FZ_CHECK(memchr(c->admin_socket, '\0', sizeof(c->admin_socket)) != NULL);
	FZ_CHECK(c->redirect_interval > 0 && c->failure_timeout > 0 &&
	    c->retransmit_interval > 0 && c->hello_interval > 0);
	for (i = 0; i < c->n_mars; i++) {
		const struct mars_entity_conf *e = &c->mars[i];

		FZ_CHECK(memchr(e->name, '\0', sizeof(e->name)) != NULL);
		FZ_CHECK(e->name[0] != '\0');
		FZ_CHECK(e->atm_len > 0 && e->atm_len <= MARS_ATM_ADDR_MAX);
		FZ_CHECK(e->endpoint.kind != MARS_ENDPOINT_NONE);
		FZ_CHECK(!e->has_cmi || (e->cmi_low >= 1 &&
		    e->cmi_low <= e->cmi_high));
		FZ_CHECK(mars_config_find_mars(c, e->name) == e);
		FZ_CHECK(mars_config_mars_index(c, e->name) == (int)i);
	}
	for (i = 0; i < c->n_partitions; i++) {
		const struct mars_partition_conf *p = &c->partitions[i];

		FZ_CHECK(memchr(p->name, '\0', sizeof(p->name)) != NULL);
		FZ_CHECK(p->n_mars >= 1 && p->n_mars <= MARS_CONF_MARS_MAX);
		for (k = 0; k < p->n_mars; k++)
			FZ_CHECK(p->mars[k] < c->n_mars);
		FZ_CHECK(p->cmi_low >= 1 && p->cmi_low <= p->cmi_high);
	}
	/* What marsd does next, for every entity of the file. */
	for (i = 0; i < c->n_mars; i++) {
		memset(&err, 0, sizeof(err));
		if (mars_config_redund(c, (unsigned)i, &rc, &err) != 0) {
			FZ_CHECK(err.code == MARS_E_INVAL && err.why != NULL);
			continue;
		}
		FZ_CHECK(rc.self == i && rc.n_mars == c->n_mars);
		memset(&err, 0, sizeof(err));
		if (mars_redund_new(&r, &rc, &io, &err) == 0)
			mars_redund_free(r);
		else
			FZ_CHECK(err.code == MARS_E_INVAL ||
			    err.code == MARS_E_NOSPACE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX], *text;
	int rc_parse;

	/* A copy of exactly size octets: a read past it is caught. */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	memset(&err, 0, sizeof(err));
	rc_parse = mars_config_parse_text(text, size, "fuzz.conf", &conf, &err,
	    msg, sizeof(msg));
	if (rc_parse == 0)
		check_conf(&conf);
	else {
		FZ_CHECK(rc_parse == MARS_E_PARSE);
		FZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
		FZ_CHECK(strncmp(msg, "fuzz.conf:", 10) == 0);
		FZ_CHECK(err.offset <= size);
	}
	free(text);
	return 0;
}
