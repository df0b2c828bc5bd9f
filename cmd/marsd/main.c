/*
 * marsd: the reference MARS server (RFC 2022) on the UDP lab transport
 * (mars-lab(7)); see marsd(8).  Options, daemonising and the event loop;
 * the wiring is in serve.c, the admin socket in control.c, what is told
 * to the user in report.c.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/log.h"
#include "mars/version.h"
#include "control.h"
#include "marsd.h"

#define EXIT_USAGE	2

enum {
	OPT_LISTEN = 256, OPT_ATM, OPT_CMI, OPT_REDIRECT, OPT_ADMIN,
	OPT_PIDFILE, OPT_SYSLOG, OPT_READY_FD, OPT_PROTOCOL, OPT_FAULT,
	OPT_FAULT_INJECTION, OPT_JSON,
};

static const struct option longopts[] = {
	{ "config",		required_argument, NULL, 'c' },
	{ "name",		required_argument, NULL, 'n' },
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "atm",		required_argument, NULL, OPT_ATM },
	{ "cmi",		required_argument, NULL, OPT_CMI },
	{ "redirect-interval",	required_argument, NULL, OPT_REDIRECT },
	{ "protocol",		required_argument, NULL, OPT_PROTOCOL },
	{ "admin",		required_argument, NULL, OPT_ADMIN },
	{ "fault",		required_argument, NULL, OPT_FAULT },
	{ "fault-injection",	no_argument,	   NULL, OPT_FAULT_INJECTION },
	{ "daemon",		no_argument,	   NULL, 'd' },
	{ "pidfile",		required_argument, NULL, OPT_PIDFILE },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
	{ "ready-fd",		required_argument, NULL, OPT_READY_FD },
	{ "check",		no_argument,	   NULL, 't' },
	{ "ctl",		no_argument,	   NULL, 'C' },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
help(void)
{
	printf(
"usage: marsd [-dtv] [--json] -c file [-n name] [--listen endpoint]\n"
"             [--admin path] [--fault name[,name]] [--pidfile path]\n"
"             [--ready-fd fd] [--syslog]\n"
"       marsd [-dtv] [--json] --listen endpoint --atm nsap [--cmi low-high]\n"
"             [--redirect-interval duration] [--protocol ipv4|ipv6]\n"
"             [--admin path] [--fault-injection --fault name[,name]]\n"
"             [--pidfile path] [--ready-fd fd] [--syslog]\n"
"       marsd -C [--json] [-c file [-n name] | --admin path] command ...\n"
"       marsd -h | -V\n"
"\n"
"A MARS server (RFC 2022) on the UDP lab transport; with several [mars]\n"
"entities in the cluster file, one entity of a redundant MARS (SCSP).\n"
"\n"
"  -c, --config file         the cluster file (marsd.conf(5))\n"
"  -n, --name name           the [mars name] entity to be; needed when the\n"
"                            file has several\n"
"      --listen endpoint     udp:HOST:PORT to bind, over the file's; port 0\n"
"                            picks one; makes a lone MARS\n"
"      --atm nsap            the server's ATM address, 40 hex digits\n"
"      --cmi low-high        the Cluster Member IDs to hand out (1-65535)\n"
"      --redirect-interval d how often to send MARS_REDIRECT_MAP (1m)\n"
"      --protocol ipv4|ipv6  the protocol whose groups are resolved (ipv4)\n"
"      --admin path          the admin socket (default in marsd(8) FILES)\n"
"      --fault name[,name]   start with faults injected (test labs only):\n"
"                            omit-dead, fresh-cmi, skip-sync, stale-checksum,\n"
"                            cmi-zero, nak-csn, null-map, win2000\n"
"      --fault-injection     without a cluster file: allow --fault and the\n"
"                            fault admin command (the file's\n"
"                            fault-injection = yes otherwise)\n"
"  -d, --daemon              detach once listening; log to syslog\n"
"      --pidfile path        write the process ID there, removed at exit\n"
"      --syslog              log to syslog in the foreground too\n"
"      --ready-fd fd         once listening, write the bound endpoint and a\n"
"                            newline to descriptor fd and close it\n"
"  -t, --check               check the settings and the cluster file, exit\n"
"  -C, --ctl                 send the operands as one command to a running\n"
"                            marsd's admin socket and print its answer\n"
"                            (marsd -C help lists them)\n"
"      --json                every line written is a JSON object\n"
"                            (mars-json(7)); with -C, the JSON answer\n"
"  -v, --verbose             log more: -v registrations, -vv every message\n"
"  -h, --help                this help\n"
"  -V, --version             the version\n"
"\n"
"Exit status: 0 stopped by SIGTERM/SIGINT or -t found no problem, or -C\n"
"answered; 1 cannot start (or -C failed); 2 usage or cluster file error.\n");
}

static struct marsd	 daemon_state;
static const char	*pidfile;

static void
on_signal(struct mars_evloop *loop, int signo, void *arg)
{
	struct marsd *d = arg;

	char msg[MARS_CONF_MSG_MAX];

	if (signo == SIGHUP) {
		log_info("SIGHUP: rereading the cluster file");
		(void)serve_reload(d, msg, sizeof(msg));
		return;
	}
	log_info("signal %d: exiting", signo);
	mars_evloop_stop(loop);
}

static void
answer(void *arg, const struct mars_ctl_request *req, struct mars_ctl_buf *out)
{
	show_answer(arg, req, out);
}

/*
 * fork, setsid, fork.  The first process waits until the daemon says it
 * is ready (it writes its process ID to *ready), then exits 0; so does
 * the one in between.  Returns the write end in the daemon, -1 on error.
 */
static int
detach(long *daemon_pid)
{
	char buf[32];
	ssize_t n;
	pid_t pid;
	int p[2];

	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid != 0) {
		close(p[1]);
		while ((n = read(p[0], buf, sizeof(buf) - 1)) == -1 &&
		    errno == EINTR)
			;
		if (n <= 0)
			_exit(1);
		buf[n] = '\0';
		*daemon_pid = atol(buf);
		return -2;	/* the caller reports, then exits 0 */
	}
	close(p[0]);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid != 0)
		_exit(0);
	(void)chdir("/");
	return p[1];
}

static void
stdio_to_null(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static int
write_pidfile(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

/* --ready-fd: a number, and a descriptor that is open. */
static int
parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0 || v > INT_MAX) {
		report_usage("--ready-fd %s: not a descriptor number", s);
		return -1;
	}
	if (fcntl((int)v, F_GETFD) == -1) {
		report_usage("--ready-fd %ld: descriptor %ld is not open (give "
		    "one the caller opened, e.g. 3>file)", v, v);
		return -1;
	}
	return (int)v;
}

/* -t on a cluster file without -n: every entity must be able to start. */
static int
check_all(struct marsd *d, int verbose)
{
	struct mars_cluster_conf *c;
	struct marsd_settings s;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX];
	char (*admin)[MARS_CONF_PATH_MAX];
	size_t i, j;
	bool shared = false;
	int rc = 0;

	if (mars_config_load_new(&c, d->conf_real, &err, msg, sizeof(msg)) !=
	    0) {
		report_error("%s", msg);
		return EXIT_USAGE;
	}
	if ((admin = calloc(c->n_mars, sizeof(*admin))) == NULL) {
		report_error("out of memory");
		free(c);
		return 1;
	}
	for (i = 0; i < c->n_mars && rc == 0; i++) {
		d->opts.name = c->mars[i].name;
		if (settings_build(&s, &d->opts, d->conf_real, msg,
		    sizeof(msg)) != 0 || (s.clustered && cluster_check(&s,
		    d->conf_real, msg, sizeof(msg)) != 0) ||
		    settings_resolve(&s, msg, sizeof(msg)) != 0) {
			report_error("%s", msg);
			rc = EXIT_USAGE;
			break;
		}
		settings_admin(&s, NULL, admin[i], sizeof(admin[i]));
		if (i == 0)
			settings_warn(&s, d->conf_real);
	}
	/* entities on one host each need a socket of their own */
	for (i = 0; i < c->n_mars && rc == 0 && !shared; i++)
		for (j = i + 1; j < c->n_mars && !shared; j++)
			if (strcmp(admin[i], admin[j]) == 0) {
				report_warning("admin-socket", "%s: [mars %s] "
				    "and [mars %s] share the admin socket %s: "
				    "on one host only one of them can start "
				    "(put %%n in admin-socket)", d->conf_real,
				    c->mars[i].name, c->mars[j].name,
				    admin[i]);
				shared = true;
			}
	if (rc == 0)
		report_check(d->opts.conf_path, NULL, c->n_mars,
		    c->n_partitions > 0, verbose);
	d->opts.name = NULL;
	free(admin);
	free(c);
	return rc;
}

/* -C: the admin socket as the daemon would choose it. */
static int
client(struct marsd *d, const char *admin_opt, int argc, char **argv)
{
	char msg[MARS_CONF_MSG_MAX], path[MARS_CONF_PATH_MAX];

	if (d->opts.conf_path != NULL && settings_build(&d->set, &d->opts,
	    d->conf_real, msg, sizeof(msg)) != 0) {
		report_error("%s", msg);
		return EXIT_USAGE;
	}
	if (d->opts.conf_path == NULL)
		snprintf(d->set.name, sizeof(d->set.name), "%s",
		    d->opts.name != NULL ? d->opts.name : "default");
	settings_admin(&d->set, admin_opt, path, sizeof(path));
	return ctl_client(path, argc, argv, report_json());
}

/* Under --json every line is JSON: known before getopt says anything. */
static bool
wants_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

static const char *
option_name(int argc, char **argv, int opt)
{
	static char buf[8];

	if (opt != 0 && opt < 256 && opt != '?') {
		snprintf(buf, sizeof(buf), "-%c", opt);
		return buf;
	}
	return optind > 1 && optind - 1 < argc ? argv[optind - 1] : "?";
}

int
main(int argc, char **argv)
{
	struct marsd *d = &daemon_state;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX], admin[MARS_CONF_PATH_MAX];
	char ep[MARS_ENDPOINT_TEXT_MAX], pep[MARS_ENDPOINT_TEXT_MAX];
	const char *admin_opt = NULL;
	bool check = false, background = false, use_syslog = false;
	bool ctl = false;
	long daemon_pid = 0;
	int ch, verbose = 0, ready_fd = -1, rc = 0, readyp = -1;

	report_set_json(wants_json(argc, argv));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:dhn:tvVC", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			d->opts.conf_path = optarg;
			break;
		case 'n':
			d->opts.name = optarg;
			break;
		case OPT_LISTEN:
			d->opts.listen = optarg;
			break;
		case OPT_ATM:
			d->opts.atm = optarg;
			break;
		case OPT_CMI:
			d->opts.cmi = optarg;
			break;
		case OPT_REDIRECT:
			d->opts.redirect = optarg;
			break;
		case OPT_PROTOCOL:
			d->opts.protocol = optarg;
			break;
		case OPT_ADMIN:
			admin_opt = optarg;
			break;
		case OPT_FAULT:
			d->opts.faults = optarg;
			break;
		case OPT_FAULT_INJECTION:
			d->opts.fault_injection = true;
			break;
		case 'd':
			background = true;
			break;
		case OPT_PIDFILE:
			pidfile = optarg;
			break;
		case OPT_SYSLOG:
			use_syslog = true;
			break;
		case OPT_READY_FD:
			if ((ready_fd = parse_fd(optarg)) < 0)
				return EXIT_USAGE;
			break;
		case 't':
			check = true;
			break;
		case 'C':
			ctl = true;
			break;
		case OPT_JSON:
			report_set_json(true);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			printf("marsd %s\n", mars_version());
			return 0;
		case ':':
			report_usage("option %s needs an argument",
			    option_name(argc, argv, optopt));
			return EXIT_USAGE;
		default:
			report_usage("unknown option %s",
			    option_name(argc, argv, optopt));
			return EXIT_USAGE;
		}
	}
	if (d->opts.conf_path != NULL && realpath(d->opts.conf_path,
	    d->conf_real) == NULL)
		snprintf(d->conf_real, sizeof(d->conf_real), "%s",
		    d->opts.conf_path);
	report_set_conf(d->opts.conf_path, d->conf_real);
	if (ctl)
		return client(d, admin_opt, argc - optind, argv + optind);
	if (optind != argc) {
		report_usage("unexpected operand \"%s\" (operands are for -C)",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (check && d->opts.conf_path != NULL && d->opts.name == NULL)
		return check_all(d, verbose);
	if (settings_build(&d->set, &d->opts, d->opts.conf_path != NULL ?
	    d->conf_real : NULL, msg, sizeof(msg)) != 0 ||
	    (d->set.clustered && cluster_check(&d->set, d->conf_real, msg,
	    sizeof(msg)) != 0) || settings_resolve(&d->set, msg,
	    sizeof(msg)) != 0) {
		report_error("%s", msg);
		return EXIT_USAGE;
	}
	settings_warn(&d->set, d->conf_real);
	if (check) {
		report_check(d->opts.conf_path, d->opts.conf_path != NULL ?
		    d->set.name : NULL, d->set.n_mars, d->set.load_sharing,
		    verbose);
		return 0;
	}
	settings_admin(&d->set, admin_opt, admin, sizeof(admin));

	log_init("marsd", use_syslog, verbose);
	log_set_json(report_json());
	if (mars_evloop_new(&d->loop, &err) != 0) {
		report_error("event loop: %s", strerror(err.sys_errno));
		return 1;
	}
	if (serve_start(d, msg, sizeof(msg)) != 0) {
		report_error("%s", msg);
		return 1;
	}
	if (admin[0] != '\0' && control_open(&d->ctl, d->loop, admin, answer,
	    d, msg, sizeof(msg)) != 0) {
		report_error("admin socket %s (give another with --admin, or "
		    "admin-socket in the cluster file)", msg);
		serve_stop(d);
		return 1;
	}
	mars_endpoint_format(&d->local, ep, sizeof(ep));
	pep[0] = '\0';
	if (d->plink != NULL)
		mars_endpoint_format(&d->plocal, pep, sizeof(pep));
	if (background) {
		if ((readyp = detach(&daemon_pid)) == -2) {
			report_start(d->set.name, ep, pep[0] ? pep : NULL,
			    admin[0] ? admin : NULL, d->set.clustered,
			    daemon_pid);
			_exit(0);
		}
		if (readyp < 0) {
			report_error("daemonise: %s", strerror(errno));
			rc = 1;
			goto out;
		}
		log_use_syslog(true);
	} else
		report_start(d->set.name, ep, pep[0] ? pep : NULL,
		    admin[0] ? admin : NULL, d->set.clustered, (long)getpid());
	if (pidfile != NULL && write_pidfile(pidfile) != 0)
		log_warn("%s", pidfile);
	if (readyp >= 0) {
		/* the first process reports and exits: stdio goes */
		dprintf(readyp, "%ld", (long)getpid());
		close(readyp);
		stdio_to_null();
	}
	if (ready_fd >= 0) {
		dprintf(ready_fd, "%s\n", ep);
		close(ready_fd);
	}
	log_msg(LOG_NOTICE, "%s: MARS on %s%s%s, admin socket %s",
	    d->set.name, ep, pep[0] ? ", peers on " : "", pep,
	    admin[0] != '\0' ? admin : "none");
	if (mars_evloop_signal_add(d->loop, SIGHUP, on_signal, d) != 0 ||
	    mars_evloop_signal_add(d->loop, SIGTERM, on_signal, d) != 0 ||
	    mars_evloop_signal_add(d->loop, SIGINT, on_signal, d) != 0) {
		log_warnx("cannot catch signals");
		rc = 1;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (mars_evloop_run(d->loop, &err) != 0) {
		log_warnx("event loop: %s", strerror(err.sys_errno));
		rc = 1;
	}
out:
	control_close(d->ctl);
	serve_stop(d);
	mars_evloop_free(d->loop);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	return rc;
}
