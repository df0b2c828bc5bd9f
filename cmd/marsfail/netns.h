/*
 * --lab as root: each marsd in a network namespace of its own, joined to
 * this host by a veth pair on a bridge, so that a partition, loss and
 * delay are real packet drops: nftables rules in each namespace (drop
 * to the other side's addresses; numgen random for loss) and tc netem for
 * delay where the kernel has it.  netns_down() removes everything
 * netns_up() made, and is safe to call twice and from a signal handler's
 * exit path.
 */
#ifndef MARSFAIL_NETNS_H
#define MARSFAIL_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/sim.h"

struct netns {
	unsigned	 n;
	unsigned	 tag;		/* from the pid: names and addresses */
	char		 bridge[16];
	bool		 bridge_made;
	bool		 made[32];
	bool		 nft[32];
	bool		 netem_warned;
	uint32_t	 cut_a;
	uint32_t	 cut_b;
	int		 cut_members;
	struct mars_sim_net net;
};

bool	netns_possible(void);
int	netns_up(struct netns *ns, size_t n, struct mars_err *err);
void	netns_down(struct netns *ns);
const char *netns_name(const struct netns *ns, unsigned i, char *buf,
	    size_t len);
const char *netns_addr(const struct netns *ns, unsigned i, char *buf,
	    size_t len);
const char *netns_host_addr(const struct netns *ns, char *buf, size_t len);
int	netns_partition(struct netns *ns, uint32_t a, uint32_t b,
	    int members_with, struct mars_err *err);
int	netns_heal(struct netns *ns, struct mars_err *err);
void	netns_net(struct netns *ns, const struct mars_sim_net *net);

#endif
