/*
 * Ready-made simulator ops for the cluster member (client.h) and the MARS
 * (server.h), and the server_conf.leaf callback that keeps the simulated
 * ClusterControlVC and ServerControlVC in step with the MARS's database.
 */
#include <stddef.h>

#include "mars/client.h"
#include "mars/server.h"
#include "mars/sim.h"
#include "sim_int.h"

static void
client_op_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	/* A dropped SDU is reported by the client as MARS_EV_DROPPED. */
	(void)mars_client_input(m, now, vc, sdu, len);
}

static mars_time_t
client_op_tick(void *m, mars_time_t now)
{
	return mars_client_tick(m, now);
}

static mars_time_t
client_op_deadline(const void *m)
{
	return mars_client_next_deadline(m);
}

static void
client_op_free(void *m)
{
	mars_client_free(m);
}

const struct mars_sim_node_ops mars_sim_client_ops = {
	.input = client_op_input,
	.tick = client_op_tick,
	.deadline = client_op_deadline,
	.free = client_op_free,
};

static void
server_op_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	mars_server_input(m, now, vc, sdu, len);
}

static mars_time_t
server_op_tick(void *m, mars_time_t now)
{
	return mars_server_tick(m, now);
}

static void
server_op_free(void *m)
{
	mars_server_free(m);
}

/* No deadline op: mars_server_tick() at a time with nothing due is harmless. */
const struct mars_sim_node_ops mars_sim_server_ops = {
	.input = server_op_input,
	.tick = server_op_tick,
	.free = server_op_free,
};

/*
 * server.h: the peer is the id of the member's p2p VC at the server, which
 * names the node at the other end; the io ctx is the server's sim node.
 */
void
mars_sim_server_leaf(void *io_ctx, const struct mars_server_leaf *lf)
{
	struct sim_node *n = io_ctx;

	if (n == NULL || lf == NULL)
		return;
	(void)mars_sim_leaf_by_peer(n->sim, n->id, lf->pmp, lf->peer, lf->add);
}
