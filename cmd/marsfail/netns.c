/*
 * Network namespaces for --lab (netns.h).  Entity i lives in namespace
 * mf<tag>-<i> with address 10.201.<tag mod 250>.<i+1>/24 on a veth whose
 * other end is on the bridge mfb<tag>; this host, where the members run,
 * is .254 on the bridge.  Faults are nftables rules inside the
 * namespaces, rewritten whole at each change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	return system(cmd) == 0 ? 0 : -1;
}

bool
netns_possible(void)
{
	return geteuid() == 0 && sh("ip netns list") == 0 &&
	    sh("command -v nft") == 0;
}

const char *
netns_name(const struct netns *ns, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "mf%u-%u", ns->tag, i);
	return buf;
}

const char *
netns_addr(const struct netns *ns, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "10.201.%u.%u", ns->tag % 250, i + 1);
	return buf;
}

const char *
netns_host_addr(const struct netns *ns, char *buf, size_t len)
{
	snprintf(buf, len, "10.201.%u.254", ns->tag % 250);
	return buf;
}

void
netns_down(struct netns *ns)
{
	char name[32];
	unsigned i;

	for (i = 0; i < ns->n && i < 32; i++)
		if (ns->made[i]) {
			/* Deleting the namespace deletes its veth pair. */
			(void)sh("ip netns delete %s",
			    netns_name(ns, i, name, sizeof(name)));
			ns->made[i] = false;
		}
	if (ns->bridge_made)
		(void)sh("ip link delete %s", ns->bridge);
	ns->bridge_made = false;
}

int
netns_up(struct netns *ns, size_t n, struct mars_err *err)
{
	char name[32], addr[32], host[32];
	unsigned i;

	memset(ns, 0, sizeof(*ns));
	ns->n = (unsigned)n;
	ns->tag = (unsigned)getpid() % 100000;
	snprintf(ns->bridge, sizeof(ns->bridge), "mfb%u", ns->tag);
	if (sh("ip link add %s type bridge", ns->bridge) != 0)
		return mars_err_set(err, MARS_E_SYS, "netns",
		    "cannot make a bridge");
	ns->bridge_made = true;
	if (sh("ip addr add %s/24 dev %s", netns_host_addr(ns, host,
	    sizeof(host)), ns->bridge) != 0 ||
	    sh("ip link set %s up", ns->bridge) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		netns_name(ns, i, name, sizeof(name));
		if (sh("ip netns add %s", name) != 0)
			goto fail;
		ns->made[i] = true;
		if (sh("ip link add mfh%ux%u type veth peer name mfn%ux%u",
		    ns->tag, i, ns->tag, i) != 0 ||
		    sh("ip link set mfn%ux%u netns %s", ns->tag, i, name) != 0 ||
		    sh("ip link set mfh%ux%u master %s up", ns->tag, i,
		    ns->bridge) != 0 ||
		    sh("ip netns exec %s ip addr add %s/24 dev mfn%ux%u", name,
		    netns_addr(ns, i, addr, sizeof(addr)), ns->tag, i) != 0 ||
		    sh("ip netns exec %s ip link set mfn%ux%u up", name,
		    ns->tag, i) != 0 ||
		    sh("ip netns exec %s ip link set lo up", name) != 0)
			goto fail;
	}
	return 0;
fail:
	netns_down(ns);
	return mars_err_set(err, MARS_E_SYS, "netns",
	    "cannot set up the namespaces (ip netns, veth)");
}

/* The ruleset of namespace i from the current faults. */
static int
apply(struct netns *ns, unsigned i)
{
	char name[32], addr[32], host[32];
	uint32_t other = 0;
	unsigned j;
	FILE *p;
	char cmd[128];
	bool members_cut;

	netns_name(ns, i, name, sizeof(name));
	snprintf(cmd, sizeof(cmd), "ip netns exec %s nft -f - 2>/dev/null",
	    name);
	if ((p = popen(cmd, "w")) == NULL)
		return -1;
	if (ns->cut_a & (1u << i))
		other = ns->cut_b;
	else if (ns->cut_b & (1u << i))
		other = ns->cut_a;
	members_cut = (ns->cut_members == 1 && (ns->cut_b & (1u << i))) ||
	    (ns->cut_members == 2 && (ns->cut_a & (1u << i)));
	fprintf(p, "flush ruleset\ntable inet mf {\n chain out {\n"
	    "  type filter hook output priority 0;\n");
	for (j = 0; j < ns->n; j++)
		if (other & (1u << j))
			fprintf(p, "  ip daddr %s drop\n", netns_addr(ns, j,
			    addr, sizeof(addr)));
	if (members_cut)
		fprintf(p, "  ip daddr %s drop\n", netns_host_addr(ns, host,
		    sizeof(host)));
	if (ns->net.loss_ppm > 0)
		fprintf(p, "  meta l4proto udp numgen random mod 1000000 < %u "
		    "drop\n", ns->net.loss_ppm);
	fprintf(p, " }\n chain in {\n  type filter hook input priority 0;\n");
	if (members_cut)
		fprintf(p, "  ip saddr %s drop\n", netns_host_addr(ns, host,
		    sizeof(host)));
	if (ns->net.loss_ppm > 0)
		fprintf(p, "  ip saddr %s meta l4proto udp numgen random mod "
		    "1000000 < %u drop\n", netns_host_addr(ns, host,
		    sizeof(host)), ns->net.loss_ppm);
	fprintf(p, " }\n}\n");
	if (pclose(p) != 0)
		return -1;
	ns->nft[i] = true;
	return 0;
}

static int
apply_all(struct netns *ns, struct mars_err *err)
{
	unsigned i;

	for (i = 0; i < ns->n; i++)
		if (apply(ns, i) != 0)
			return mars_err_set(err, MARS_E_SYS, "nft",
			    "cannot load the rules (nftables)");
	return 0;
}

int
netns_partition(struct netns *ns, uint32_t a, uint32_t b, int members_with,
    struct mars_err *err)
{
	ns->cut_a = a;
	ns->cut_b = b;
	ns->cut_members = members_with;
	return apply_all(ns, err);
}

int
netns_heal(struct netns *ns, struct mars_err *err)
{
	ns->cut_a = ns->cut_b = 0;
	ns->cut_members = 0;
	return apply_all(ns, err);
}

void
netns_net(struct netns *ns, const struct mars_sim_net *net)
{
	char name[32];
	unsigned i;

	ns->net = *net;
	(void)apply_all(ns, NULL);
	for (i = 0; i < ns->n; i++) {
		netns_name(ns, i, name, sizeof(name));
		if (net->delay <= 1 && net->jitter == 0) {
			(void)sh("ip netns exec %s tc qdisc del dev mfn%ux%u "
			    "root", name, ns->tag, i);
			continue;
		}
		if (sh("ip netns exec %s tc qdisc replace dev mfn%ux%u root "
		    "netem delay %llums %llums", name, ns->tag, i,
		    (unsigned long long)net->delay,
		    (unsigned long long)net->jitter) != 0 &&
		    !ns->netem_warned) {
			fprintf(stderr, "marsfail: net delay: this kernel has "
			    "no netem qdisc; delay not applied\n");
			ns->netem_warned = true;
		}
	}
}
