/*
 * --lab: real marsd processes (lab.h's controller) and emulated members
 * over UDP (lab.h's pool, many client machines in this process), on
 * loopback with fresh ports, or as root each marsd in a network namespace
 * of its own (netns.c) so that partitions, loss and delay are real packet
 * drops.  --live: an existing cluster; the operator's --fail-cmd and
 * --restore-cmd inject the faults, the members are emulated from here.
 *
 * The checker sees the control traffic as a capture would (root: a live
 * capture of the loopback or the lab's bridge, also written with -w);
 * roles come from each marsd's admin socket (`show election').
 * Everything started is torn down on every way out: normal end, error,
 * exit(), SIGINT/SIGTERM/SIGHUP (the handlers), and the marsd children
 * die with this process in any case (PR_SET_PDEATHSIG).
 */
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "mars/capture.h"
#include "mars/evloop.h"
#include "mars/lab.h"
#include "mars/link.h"
#include "mars/redund.h"
#include "mars/simclu.h"

#include "marsfail.h"
#include "netns.h"

#define QUERY_MS	300
#define ELECTION_MAX	4096
#define CAP_BATCH	1024	/* packets read per wakeup of the capture */
#define CAP_SNAPLEN	(MARS_LINK_DGRAM_MAX + 128)	/* + link, IP, UDP headers */

struct labb {
	struct fail_run		*r;
	bool			 live;
	char			 dir[512];
	bool			 own_dir;
	char			 conf[FAIL_PATH_MAX];
	struct mars_evloop	*loop;
	struct mars_lab_pool	*pool;
	struct mars_lab_daemon	*d[32];
	char			 admin[32][FAIL_PATH_MAX];
	bool			 paused[32];
	bool			 down[32];	/* live: failed by --fail-cmd */
	struct netns		 ns;
	bool			 use_ns;
	struct mars_cap		*cap;
	struct mars_cap_dump	*dump;
	uint64_t		 frames;
	/* `show election' per entity, cached for one sample */
	mars_time_t		 el_at[32];
	int			 el_role[32];
	int			 el_active[32][MARS_CONF_PARTITION_MAX + 1];
	char			 grp_text[MARS_SIMCLU_GROUPS_MAX][48];
};

static struct labb *cleanup_lab;

static struct labb *
LB(struct fail_run *r)
{
	return r->b.ctx;
}

/* ---- teardown, whatever happens ---- */

static void
teardown(struct labb *lb)
{
	size_t i;

	if (lb == NULL)
		return;
	if (lb->pool != NULL)
		mars_lab_pool_free(lb->pool);
	lb->pool = NULL;
	for (i = 0; i < 32; i++) {
		if (lb->d[i] != NULL)
			mars_lab_daemon_free(lb->d[i]);
		lb->d[i] = NULL;
	}
	if (lb->cap != NULL)
		mars_cap_close(lb->cap);
	lb->cap = NULL;
	if (lb->dump != NULL)
		mars_cap_dump_close(lb->dump);
	lb->dump = NULL;
	if (lb->use_ns)
		netns_down(&lb->ns);
	lb->use_ns = false;
	if (lb->own_dir && lb->dir[0] != '\0') {
		char cmd[FAIL_PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", lb->dir);
		if (system(cmd) != 0)
			lb->own_dir = false;
	}
	lb->dir[0] = '\0';
}

static void
at_exit(void)
{
	teardown(cleanup_lab);
	cleanup_lab = NULL;
}

static void
on_signal(int sig)
{
	at_exit();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
guard(struct labb *lb)
{
	static bool once;
	struct sigaction sa;

	cleanup_lab = lb;
	if (once)
		return;
	once = true;
	atexit(at_exit);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- the cluster file with fresh ports ---- */

static int
free_port(int family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, port = -1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	if ((fd = socket(family, SOCK_DGRAM, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = ntohs(family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	close(fd);
	return port;
}

/*
 * Copy the cluster file with each [mars]'s endpoint and peer-endpoint on
 * a free port (and, with namespaces, the entity's own address).
 */
static int
write_cluster(struct labb *lb, const char *src, struct mars_err *err)
{
	char line[1024], key[64], mars[MARS_CONF_NAME_MAX] = "", host[64];
	FILE *in, *out;
	int idx = -1, fam, port;
	const char *v;

	if ((in = fopen(src, "r")) == NULL)
		return mars_err_set(err, MARS_E_SYS, "cluster", "cannot read");
	snprintf(lb->conf, sizeof(lb->conf), "%s/cluster.conf", lb->dir);
	if ((out = fopen(lb->conf, "w")) == NULL) {
		fclose(in);
		return mars_err_set(err, MARS_E_SYS, "cluster",
		    "cannot write the lab's copy");
	}
	fam = lb->r->d->cc->mars[0].endpoint.ipv6_literal ? AF_INET6 : AF_INET;
	if (lb->use_ns && fam == AF_INET6)
		return mars_err_set(err, MARS_E_INVAL, "netns",
		    "IPv6 clusters run on loopback (--no-netns)");
	while (fgets(line, sizeof(line), in) != NULL) {
		if (sscanf(line, " [mars %31[^] \t]]", mars) == 1)
			idx = entity_index(lb->r->d, mars);
		else if (line[strspn(line, " \t")] == '[')
			idx = -1;
		if (idx >= 0 && sscanf(line, " %63[a-z-] =", key) == 1 &&
		    (strcmp(key, "endpoint") == 0 ||
		    strcmp(key, "peer-endpoint") == 0 ||
		    strcmp(key, "admin-socket") == 0)) {
			if (strcmp(key, "admin-socket") == 0)
				continue;
			if ((port = free_port(fam)) < 0)
				break;
			if (lb->use_ns)
				v = netns_addr(&lb->ns, (unsigned)idx, host,
				    sizeof(host));
			else
				v = fam == AF_INET6 ? "[::1]" : "127.0.0.1";
			fprintf(out, "%s = udp:%s:%d\n", key, v, port);
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	if (fclose(out) != 0)
		return mars_err_set(err, MARS_E_SYS, "cluster",
		    "cannot write the lab's copy");
	return 0;
}

static int
reload_cluster(struct labb *lb, struct mars_err *err)
{
	struct mars_cluster_conf *cc;
	static char msg[MARS_CONF_MSG_MAX];

	if (mars_config_load_new(&cc, lb->conf, err, msg, sizeof(msg)) != 0)
		return mars_err_set(err, MARS_E_INVAL, "lab cluster", msg);
	free(lb->r->d->cc);
	lb->r->d->cc = cc;
	return 0;
}

/* ---- marsd ---- */

static const char *
marsd_path(const struct fail_opts *o, char *buf, size_t len)
{
	char self[512], *slash;
	ssize_t n;

	if (o->marsd != NULL)
		return o->marsd;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(buf, len, "%s/marsd", self);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return "marsd";
}

static int
start_daemons(struct labb *lb, struct mars_err *err)
{
	struct fail_run *r = lb->r;
	struct mars_lab_daemon_conf dc;
	char marsd[FAIL_PATH_MAX], wrap[FAIL_PATH_MAX], log[FAIL_PATH_MAX];
	char faults[64], fl[64];
	const char *args[4] = { NULL, NULL, NULL, NULL };
	const char *prog;
	size_t i;
	int rc;
	FILE *fp;

	prog = marsd_path(r->o, marsd, sizeof(marsd));
	if (r->d->faults != 0) {
		args[0] = "--fault";
		args[1] = fault_names(r->d->faults, faults, sizeof(faults));
	}
	for (i = 0; i < r->b.nmars; i++) {
		memset(&dc, 0, sizeof(dc));
		dc.marsd = prog;
		if (lb->use_ns) {
			/* ip netns exec keeps the pid: signals reach marsd. */
			snprintf(wrap, sizeof(wrap), "%s/marsd-%zu", lb->dir, i);
			if ((fp = fopen(wrap, "w")) == NULL)
				return mars_err_set(err, MARS_E_SYS, "lab",
				    "cannot write a wrapper");
			fprintf(fp, "#!/bin/sh\nexec ip netns exec %s '%s' "
			    "\"$@\"\n", netns_name(&lb->ns, (unsigned)i, fl,
			    sizeof(fl)), prog);
			fclose(fp);
			chmod(wrap, 0755);
			dc.marsd = wrap;
		}
		snprintf(lb->admin[i], sizeof(lb->admin[i]), "%s/%s.sock",
		    lb->dir, r->d->cc->mars[i].name);
		snprintf(log, sizeof(log), "%s/%s.log", lb->dir,
		    r->d->cc->mars[i].name);
		dc.cluster_path = lb->conf;
		dc.name = r->d->cc->mars[i].name;
		dc.admin_path = lb->admin[i];
		dc.log_path = log;
		dc.args = args[0] != NULL ? args : NULL;
		if ((rc = mars_lab_daemon_new(&lb->d[i], &dc, err)) != 0 ||
		    (rc = mars_lab_daemon_start(lb->d[i], err)) != 0)
			return rc;
	}
	for (i = 0; i < r->b.nmars; i++)
		if ((rc = mars_lab_daemon_wait_ready(lb->d[i], 10000,
		    err)) != 0)
			return rc;
	return 0;
}

/* ---- the capture ---- */

static void
cap_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct labb *lb = arg;
	struct mars_frame fr;
	struct mars_event ev;
	struct mars_err err;
	unsigned n;

	(void)loop;
	(void)fd;
	(void)revents;
	/*
	 * Everything the kernel holds (a ClusterControlVC message is one
	 * datagram per member), within a bound so that the members and the
	 * timers get their turn; the fd stays readable for the rest.
	 */
	for (n = 0; n < CAP_BATCH; n++) {
		memset(&err, 0, sizeof(err));
		if (mars_cap_next_nowait(lb->cap, &fr, &err) != 1)
			return;
		if (lb->dump != NULL)
			mars_cap_dump_write(lb->dump, &fr);
		if (fr.sdu == NULL)
			continue;
		mars_cap_event(&ev, &fr, NULL);
		ev.frame = ++lb->frames;
		run_check_event(lb->r, &ev);
	}
}

static void
open_capture(struct labb *lb)
{
	struct mars_cap_live_opts co;
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	const char *dev = lb->use_ns ? lb->ns.bridge : "lo";

	if (geteuid() != 0) {
		diag_warn(NULL, 0, "not root: no capture, the rules cannot be "
		    "told in the lab");
		return;
	}
	/*
	 * Immediate mode, so that the checker is never behind the drill; it
	 * gives the kernel one frame of snaplen per packet, so a snaplen
	 * just above the largest lab datagram (not libpcap's 256 KiB) turns
	 * the buffer into thousands of frames: a burst of ClusterControlVC
	 * copies to every member must fit.
	 */
	memset(&co, 0, sizeof(co));
	co.immediate = true;
	co.snaplen = CAP_SNAPLEN;
	co.buffer_kib = 65536;
	if (mars_cap_open_live_opts(&lb->cap, dev, &co, errbuf) != 0) {
		diag_warn(dev, 0, "capture: %s", errbuf);
		lb->cap = NULL;
		return;
	}
	/* Only this lab's ports: the loopback carries other labs too. */
	{
		const struct mars_cluster_conf *cc = lb->r->d->cc;
		char bpf[2048];
		size_t i, o;

		o = (size_t)snprintf(bpf, sizeof(bpf), "udp and (");
		for (i = 0; i < cc->n_mars && o + 64 < sizeof(bpf); i++) {
			o += (size_t)snprintf(bpf + o, sizeof(bpf) - o,
			    "%sport %u", i > 0 ? " or " : "",
			    cc->mars[i].endpoint.port);
			if (cc->mars[i].has_peer_endpoint)
				o += (size_t)snprintf(bpf + o, sizeof(bpf) - o,
				    " or port %u",
				    cc->mars[i].peer_endpoint.port);
		}
		snprintf(bpf + o, sizeof(bpf) - o, ")");
		if (mars_cap_set_filter(lb->cap, bpf, errbuf) != 0)
			diag_warn(dev, 0, "capture filter: %s", errbuf);
	}
	if (lb->r->pcap != NULL && mars_cap_dump_open(&lb->dump, lb->cap,
	    lb->r->pcap, errbuf) != 0)
		diag_warn(lb->r->pcap, 0, "%s", errbuf);
	mars_evloop_fd_add(lb->loop, mars_cap_fd(lb->cap), MARS_EVLOOP_READ,
	    cap_cb, lb);
}

/* ---- members ---- */

static void
pool_event(void *ctx, size_t member, const struct mars_event *ev)
{
	struct labb *lb = ctx;

	run_member_event(lb->r, member, ev);
}

static void
group_addr(const struct fail_run *r, size_t g, uint8_t *addr, size_t *len)
{
	g++;
	if (r->d->cc->protocol == MARS_CONF_PROTO_IPV6) {
		memset(addr, 0, 16);
		addr[0] = 0xff;
		addr[1] = 0x0e;
		addr[13] = 1;
		addr[14] = (uint8_t)(g >> 8);
		addr[15] = (uint8_t)g;
		*len = 16;
	} else {
		addr[0] = 224;
		addr[1] = 1;
		addr[2] = (uint8_t)(g >> 8);
		addr[3] = (uint8_t)g;
		*len = 4;
	}
}

static int
make_pool(struct labb *lb, struct mars_err *err)
{
	struct fail_run *r = lb->r;
	struct mars_lab_pool_conf pc;
	char bind[80], host[64];
	uint8_t g[16];
	size_t k, j, len;
	int rc;

	memset(&pc, 0, sizeof(pc));
	pc.cluster = r->d->cc;
	pc.nmembers = r->b.nmembers;
	pc.seed = r->seed;
	pc.on_event = pool_event;
	pc.ctx = lb;
	if (lb->use_ns) {
		snprintf(bind, sizeof(bind), "udp:%s:0",
		    netns_host_addr(&lb->ns, host, sizeof(host)));
		pc.bind = bind;
	}
	if ((rc = mars_lab_pool_new(&lb->pool, &pc, lb->loop, err)) != 0)
		return rc;
	for (k = 0; k < r->b.nmembers; k++)
		for (j = 0; j < r->d->groups_each; j++) {
			group_addr(r, (k + j) % r->d->groups, g, &len);
			if ((rc = mars_lab_pool_join(lb->pool, k, g,
			    len)) != 0)
				return mars_err_set(err, rc, "join", "refused");
		}
	for (k = 0; k < r->d->groups && k < MARS_SIMCLU_GROUPS_MAX; k++) {
		group_addr(r, k, g, &len);
		inet_ntop(len == 16 ? AF_INET6 : AF_INET, g, lb->grp_text[k],
		    sizeof(lb->grp_text[k]));
	}
	return 0;
}

/* ---- the backend ---- */

static mars_time_t
now(struct fail_run *r)
{
	(void)r;
	return mars_evloop_now();
}

static uint64_t
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static int
setup(struct fail_run *r, struct mars_err *err)
{
	struct labb *lb = LB(r);
	size_t i;
	int rc;

	guard(lb);
	if (r->b.nmembers > MARS_LAB_MEMBERS_MAX)
		return mars_err_set(err, MARS_E_INVAL, "clients",
		    "more than the lab's 1024 emulated members");
	if (r->d->uses_mcs)
		return mars_err_set(err, MARS_E_INVAL, "mcs",
		    "an emulated MCS runs in --sim only");
	if ((rc = mars_evloop_new(&lb->loop, err)) != 0)
		return rc;
	if (lb->live) {
		for (i = 0; i < r->b.nmars; i++)
			(void)mars_config_admin_socket(r->d->cc,
			    r->d->cc->mars[i].name, lb->admin[i],
			    sizeof(lb->admin[i]));
	} else {
		if (r->o->keep != NULL) {
			snprintf(lb->dir, sizeof(lb->dir), "%s", r->o->keep);
			(void)mkdir(lb->dir, 0755);
		} else {
			snprintf(lb->dir, sizeof(lb->dir), "%s/marsfail.XXXXXX",
			    getenv("TMPDIR") != NULL ? getenv("TMPDIR") :
			    "/tmp");
			if (mkdtemp(lb->dir) == NULL)
				return mars_err_set(err, MARS_E_SYS, "lab",
				    "cannot make a directory");
			lb->own_dir = true;
		}
		lb->use_ns = r->o->netns == 1 ||
		    (r->o->netns == -1 && netns_possible());
		if (lb->use_ns && (rc = netns_up(&lb->ns, r->b.nmars,
		    err)) != 0)
			return rc;
		if ((rc = write_cluster(lb, r->d->cluster_path, err)) != 0 ||
		    (rc = reload_cluster(lb, err)) != 0 ||
		    (rc = start_daemons(lb, err)) != 0)
			return rc;
		if (lb->use_ns && r->d->net.loss_ppm + r->d->net.delay > 1)
			netns_net(&lb->ns, &r->d->net);
	}
	r->us_base = wall_us() - (uint64_t)mars_evloop_now() * 1000u;
	open_capture(lb);
	return make_pool(lb, err);
}

static int
start_members(struct fail_run *r, struct mars_err *err)
{
	return mars_lab_pool_start(LB(r)->pool, err);
}

static int
advance(struct fail_run *r, mars_time_t t, struct mars_err *err)
{
	struct labb *lb = LB(r);
	mars_time_t n;
	int rc;

	while ((n = mars_evloop_now()) < t)
		if ((rc = mars_evloop_run_once(lb->loop, (int)(t - n),
		    err)) < 0)
			return rc;
	return 0;
}

/* --live: the operator's command, %n the entity, %a the action. */
static int
live_cmd(struct labb *lb, const char *tmpl, unsigned i, const char *action,
    struct mars_err *err)
{
	char cmd[4096];
	size_t o = 0;
	const char *s;
	int st;

	if (tmpl == NULL)
		return mars_err_set(err, MARS_E_INVAL, action,
		    "--live needs --fail-cmd and --restore-cmd for it");
	for (s = tmpl; *s != '\0' && o + 64 < sizeof(cmd); s++) {
		if (s[0] == '%' && s[1] == 'n') {
			o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s",
			    lb->r->d->cc->mars[i].name);
			s++;
		} else if (s[0] == '%' && s[1] == 'a') {
			o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s",
			    action);
			s++;
		} else
			cmd[o++] = *s;
	}
	cmd[o] = '\0';
	if ((st = system(cmd)) != 0)
		return mars_err_set(err, MARS_E_SYS, action,
		    "the command failed");
	return 0;
}

static void
forget(struct labb *lb, unsigned i)
{
	lb->el_at[i] = MARS_TIME_NEVER;
}

static int
b_kill(struct fail_run *r, unsigned i, struct mars_err *err)
{
	struct labb *lb = LB(r);

	forget(lb, i);
	if (lb->live) {
		lb->down[i] = true;
		return live_cmd(lb, r->o->fail_cmd, i, "kill", err);
	}
	return mars_lab_daemon_kill(lb->d[i], err);
}

static int
b_hang(struct fail_run *r, unsigned i, struct mars_err *err)
{
	struct labb *lb = LB(r);

	forget(lb, i);
	if (lb->live) {
		lb->down[i] = true;
		return live_cmd(lb, r->o->fail_cmd, i, "hang", err);
	}
	lb->paused[i] = true;
	return mars_lab_daemon_pause(lb->d[i], err);
}

static int
b_resume(struct fail_run *r, unsigned i, struct mars_err *err)
{
	struct labb *lb = LB(r);

	forget(lb, i);
	if (lb->live) {
		lb->down[i] = false;
		return live_cmd(lb, r->o->restore_cmd, i, "resume", err);
	}
	lb->paused[i] = false;
	return mars_lab_daemon_resume(lb->d[i], err);
}

static int
b_restart(struct fail_run *r, unsigned i, struct mars_err *err)
{
	struct labb *lb = LB(r);

	forget(lb, i);
	if (lb->live) {
		lb->down[i] = false;
		return live_cmd(lb, r->o->restore_cmd, i, "restart", err);
	}
	lb->paused[i] = false;
	if (mars_lab_daemon_running(lb->d[i]))
		(void)mars_lab_daemon_kill(lb->d[i], NULL);
	return mars_lab_daemon_restart(lb->d[i], 10000, err);
}

static int
b_partition(struct fail_run *r, const struct step *st, struct mars_err *err)
{
	struct labb *lb = LB(r);
	unsigned i;

	if (lb->live) {
		for (i = 0; i < r->b.nmars; i++)
			if (st->setb & (1u << i))
				return live_cmd(lb, r->o->fail_cmd, i,
				    "partition", err);
		return 0;
	}
	if (!lb->use_ns)
		return mars_err_set(err, MARS_E_INVAL, "partition",
		    "needs network namespaces (--lab as root)");
	return netns_partition(&lb->ns, st->seta, st->setb, st->members_with,
	    err);
}

static int
b_heal(struct fail_run *r, struct mars_err *err)
{
	struct labb *lb = LB(r);
	unsigned i;

	if (lb->live) {
		for (i = 0; i < r->b.nmars; i++)
			if (live_cmd(lb, r->o->restore_cmd, i, "heal",
			    err) != 0)
				return -1;
		return 0;
	}
	if (!lb->use_ns)
		return mars_err_set(err, MARS_E_INVAL, "heal",
		    "needs network namespaces (--lab as root)");
	return netns_heal(&lb->ns, err);
}

static int
b_net(struct fail_run *r, const struct mars_sim_net *n, struct mars_err *err)
{
	struct labb *lb = LB(r);

	if (!lb->use_ns)
		return mars_err_set(err, MARS_E_INVAL, "net",
		    "needs network namespaces (--lab as root)");
	netns_net(&lb->ns, n);
	return 0;
}

static int
b_mcs(struct fail_run *r, size_t g, struct mars_err *err)
{
	(void)r;
	(void)g;
	return mars_err_set(err, MARS_E_INVAL, "mcs", "--sim only");
}

static bool
up(struct fail_run *r, unsigned i)
{
	struct labb *lb = LB(r);

	if (lb->live)
		return !lb->down[i];
	return lb->d[i] != NULL && mars_lab_daemon_running(lb->d[i]) &&
	    !lb->paused[i];
}

/* `show election': "election self=M1 role=active ..." and one
 * "partition name=... active=NAME ..." line per partition. */
static void
election(struct fail_run *r, unsigned i)
{
	struct labb *lb = LB(r);
	static char buf[ELECTION_MAX];
	struct mars_err err;
	char *line, *save, *p, name[MARS_CONF_NAME_MAX];
	mars_time_t t = mars_evloop_now();
	size_t np = 0, k;
	int rc;

	if (lb->el_at[i] == t)
		return;
	lb->el_at[i] = t;
	lb->el_role[i] = -1;
	for (k = 0; k <= MARS_CONF_PARTITION_MAX; k++)
		lb->el_active[i][k] = -1;
	if (!up(r, i) || lb->admin[i][0] == '\0')
		return;
	memset(&err, 0, sizeof(err));
	rc = lb->live ? mars_lab_admin_query(lb->admin[i], "show election",
	    buf, sizeof(buf), NULL, QUERY_MS, &err) :
	    mars_lab_daemon_query(lb->d[i], "show election", buf, sizeof(buf),
	    NULL, QUERY_MS, &err);
	if (rc != 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "election ", 9) == 0 &&
		    (p = strstr(line, " role=")) != NULL)
			lb->el_role[i] = strncmp(p + 6, "active", 6) == 0 ?
			    MARS_REDUND_ACTIVE : strncmp(p + 6, "backup", 6) ==
			    0 ? MARS_REDUND_BACKUP : MARS_REDUND_DEAD;
		else if (strncmp(line, "partition ", 10) == 0 &&
		    (p = strstr(line, " active=")) != NULL &&
		    np <= MARS_CONF_PARTITION_MAX) {
			if (sscanf(p + 8, "%31[^ ]", name) == 1)
				lb->el_active[i][np] = entity_index(r->d, name);
			np++;
		}
	}
}

static int
role(struct fail_run *r, unsigned i)
{
	struct labb *lb = LB(r);

	if (!lb->live && (lb->d[i] == NULL ||
	    !mars_lab_daemon_running(lb->d[i])))
		return MARS_REDUND_DEAD;
	if (lb->paused[i])
		return ROLE_HUNG;
	if (lb->live && lb->down[i])
		return MARS_REDUND_DEAD;
	election(r, i);
	return lb->el_role[i];
}

static int
active(struct fail_run *r, int p)
{
	struct labb *lb = LB(r);
	unsigned votes[32] = { 0 }, i, best = 0;
	int a, pick = -1;

	if (p < 0 || p > MARS_CONF_PARTITION_MAX)
		p = 0;
	for (i = 0; i < r->b.nmars; i++) {
		if (!up(r, i))
			continue;
		election(r, i);
		a = lb->el_active[i][p];
		if (a >= 0 && a < 32 && ++votes[a] > best) {
			best = votes[a];
			pick = a;
		}
	}
	if (pick < 0 || !up(r, (unsigned)pick) ||
	    role(r, (unsigned)pick) != MARS_REDUND_ACTIVE)
		return -1;
	return pick;
}

static size_t
registered(struct fail_run *r)
{
	return mars_lab_pool_registered(LB(r)->pool);
}

static void
member(struct fail_run *r, size_t k, struct fail_member *out)
{
	struct mars_lab_member_info m;

	memset(out, 0, sizeof(*out));
	out->mars = -1;
	if (mars_lab_member_get(LB(r)->pool, k, &m) != 0)
		return;
	out->registered = m.registered;
	out->mars = m.registered ? m.mars : -1;
	out->cmi = m.cmi;
	out->ngroups = m.ngroups;
	out->njoined = m.njoined;
}

/* The Active's `show groups' against what the members joined. */
static int
membership(struct fail_run *r, uint64_t *lost, uint64_t *invented)
{
	struct labb *lb = LB(r);
	static char buf[1 << 20];
	static uint8_t *seen;
	struct mars_lab_member_info m;
	struct mars_err err;
	char *line, *save, *p, *c, addr[64];
	size_t k, g, ng = r->d->groups, each = r->d->groups_each, j;
	unsigned long cmi;
	int a, rc;

	*lost = *invented = 0;
	if ((a = active(r, 0)) < 0 || lb->admin[a][0] == '\0')
		return -1;
	memset(&err, 0, sizeof(err));
	rc = lb->live ? mars_lab_admin_query(lb->admin[a], "show groups", buf,
	    sizeof(buf), NULL, 2000, &err) : mars_lab_daemon_query(lb->d[a],
	    "show groups", buf, sizeof(buf), NULL, 2000, &err);
	if (rc != 0)
		return -1;
	if (seen == NULL && (seen = calloc(ng * 65536u / 8 + 1, 1)) == NULL)
		return -1;
	memset(seen, 0, ng * 65536u / 8 + 1);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "group addr=%63s", addr) != 1 ||
		    (p = strstr(line, " cmis=")) == NULL)
			continue;
		for (g = 0; g < ng; g++)
			if (strcmp(lb->grp_text[g], addr) == 0)
				break;
		for (c = p + 6; *c != '\0' && *c != '-'; c++) {
			cmi = strtoul(c, &c, 10);
			if (g < ng && cmi < 65536)
				seen[(g * 65536u + cmi) / 8] |=
				    (uint8_t)(1u << (cmi % 8));
			else
				(*invented)++;
			if (*c != ',')
				break;
		}
	}
	for (k = 0; k < r->b.nmembers; k++) {
		if (mars_lab_member_get(lb->pool, k, &m) != 0 || m.cmi == 0)
			continue;
		for (j = 0; j < each; j++) {
			g = (k + j) % ng;
			if (!(seen[(g * 65536u + m.cmi) / 8] &
			    (1u << (m.cmi % 8))))
				(*lost)++;
			else
				seen[(g * 65536u + m.cmi) / 8] &=
				    (uint8_t)~(1u << (m.cmi % 8));
		}
	}
	/* What is left was never joined by a member of ours. */
	for (k = 0; k < ng * 65536u / 8 + 1; k++)
		for (j = 0; j < 8; j++)
			if (seen[k] & (1u << j))
				(*invented)++;
	return 0;
}

static void
check_conf(struct fail_run *r, struct mars_check_conf *cf)
{
	(void)r;
	(void)cf;
}

static void
finish(struct fail_run *r)
{
	struct labb *lb = LB(r);
	struct mars_cap_stat st;
	size_t k;

	/* Members leave; the daemons are stopped. */
	if (lb->pool != NULL) {
		mars_lab_pool_deregister(lb->pool);
		for (k = 0; k < 20 && mars_lab_pool_registered(lb->pool) > 0;
		    k++)
			(void)mars_evloop_run_once(lb->loop, 50, NULL);
	}
	if (lb->dump != NULL)
		mars_cap_dump_flush(lb->dump);
	if (lb->cap != NULL && mars_cap_stats_ex(lb->cap, &st) == 0 &&
	    st.dropped > 0)
		diag_warn(NULL, 0, "capture: the kernel dropped %llu of %llu "
		    "packets: the rules judged an incomplete stream",
		    (unsigned long long)st.dropped,
		    (unsigned long long)st.received);
	teardown(lb);
	cleanup_lab = NULL;
}

static void
lab_free(struct fail_run *r)
{
	struct labb *lb = LB(r);

	if (lb == NULL)
		return;
	teardown(lb);
	if (cleanup_lab == lb)
		cleanup_lab = NULL;
	if (lb->loop != NULL)
		mars_evloop_free(lb->loop);
	free(lb);
	r->b.ctx = NULL;
}

static const struct backend_ops ops = {
	.setup = setup,
	.start_members = start_members,
	.now = now,
	.advance = advance,
	.kill = b_kill,
	.hang = b_hang,
	.resume = b_resume,
	.restart = b_restart,
	.partition = b_partition,
	.heal = b_heal,
	.net = b_net,
	.mcs = b_mcs,
	.role = role,
	.active = active,
	.check_conf = check_conf,
	.up = up,
	.registered = registered,
	.member = member,
	.membership = membership,
	.finish = finish,
	.free = lab_free,
};

int
lab_backend(struct fail_run *r, struct backend *b)
{
	struct labb *lb;
	size_t i;

	if ((lb = calloc(1, sizeof(*lb))) == NULL)
		return MARS_E_NOSPACE;
	lb->r = r;
	lb->live = r->o->mode == MODE_LIVE;
	for (i = 0; i < 32; i++)
		lb->el_at[i] = MARS_TIME_NEVER;
	memset(b, 0, sizeof(*b));
	b->mode = lb->live ? "live" : "lab";
	b->ctx = lb;
	b->nmars = r->d->cc->n_mars;
	b->nmembers = r->d->clients;
	b->ops = &ops;
	r->tick = 200;
	return 0;
}
