/*
 * marsd: the reference MARS server (RFC 2022) on the UDP lab transport
 * (mars-lab(7)); see marsd(8).  Options, daemonising and the event loop;
 * the wiring is in serve.c, the admin socket in control.c.
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
#include "mars/out.h"
#include "mars/version.h"
#include "control.h"
#include "marsd.h"

#define EXIT_USAGE	2

enum {
	OPT_LISTEN = 256, OPT_ATM, OPT_CMI, OPT_REDIRECT, OPT_ADMIN,
	OPT_PIDFILE, OPT_SYSLOG, OPT_READY_FD, OPT_PROTOCOL, OPT_FAULT,
	OPT_JSON,
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
	{ "daemon",		no_argument,	   NULL, 'd' },
	{ "pidfile",		required_argument, NULL, OPT_PIDFILE },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
	{ "ready-fd",		required_argument, NULL, OPT_READY_FD },
	{ "check",		no_argument,	   NULL, 't' },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: marsd [-dtv] [--json] -c file [-n name] [--listen endpoint] "
	    "[--admin path]\n"
	    "             [--fault name[,name]] [--pidfile path] "
	    "[--ready-fd fd] [--syslog]\n"
	    "       marsd [-dtv] [--json] --listen endpoint --atm nsap [--cmi low-high]\n"
	    "             [--redirect-interval duration] [--protocol ipv4|ipv6]\n"
	    "             [--admin path] [--pidfile path] [--ready-fd fd] "
	    "[--syslog]\n"
	    "       marsd -h | -V\n");
}

static struct marsd	 daemon_state;
static const char	*pidfile;
static bool		 json;		/* --json: logs and -t results as JSON */

/* One JSON object on f: {"<key>":"<text>"} plus extra members. */
static void
say_json(FILE *f, const char *key, const char *text, const char *extra)
{
	char store[2 * MARS_CONF_MSG_MAX + 64];
	struct mars_out ob;

	mars_out_init(&ob, -1, store, sizeof(store));
	mars_out_putc(&ob, '{');
	mars_out_json_str(&ob, key);
	mars_out_putc(&ob, ':');
	mars_out_json_str(&ob, text);
	mars_out_puts(&ob, extra);
	mars_out_putc(&ob, '}');
	fprintf(f, "%.*s\n", (int)ob.len, ob.buf);
}

static void
on_signal(struct mars_evloop *loop, int signo, void *arg)
{
	struct marsd *d = arg;

	if (signo == SIGHUP) {
		serve_reload(d);
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

/* fork, setsid, stdio to /dev/null; the parent exits 0. */
static int
detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid != 0)
		_exit(0);
	(void)chdir("/");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
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

static int
parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* Config errors keep the file name the user wrote. */
static void
say_error(const struct marsd *d, const char *msg)
{
	char line[MARS_CONF_MSG_MAX + MARS_CONF_PATH_MAX];

	if (d->opts.conf_path != NULL && strncmp(msg, d->conf_real,
	    strlen(d->conf_real)) == 0)
		snprintf(line, sizeof(line), "%s%s", d->opts.conf_path,
		    msg + strlen(d->conf_real));
	else
		snprintf(line, sizeof(line), "marsd: %s", msg);
	if (json)
		say_json(stderr, "error", line, ",\"ok\":false");
	else
		fprintf(stderr, "%s\n", line);
}

/* -t on a cluster file without -n: every entity must be able to start. */
static int
check_all(struct marsd *d, int verbose)
{
	struct mars_cluster_conf *c;
	struct marsd_settings s;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX];
	size_t i;
	int rc = 0;

	if (mars_config_load_new(&c, d->conf_real, &err, msg, sizeof(msg)) !=
	    0) {
		say_error(d, msg);
		return EXIT_USAGE;
	}
	for (i = 0; i < c->n_mars && rc == 0; i++) {
		d->opts.name = c->mars[i].name;
		if (settings_build(&s, &d->opts, d->conf_real, msg,
		    sizeof(msg)) != 0 || (s.clustered && cluster_check(&s,
		    d->conf_real, msg, sizeof(msg)) != 0)) {
			say_error(d, msg);
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0 && json)
		say_json(stdout, "config", d->opts.conf_path, ",\"ok\":true");
	else if (rc == 0 && verbose)
		printf("%s: ok (%zu MARS entit%s%s)\n", d->opts.conf_path,
		    c->n_mars, c->n_mars == 1 ? "y" : "ies",
		    c->n_partitions ? ", load sharing" : "");
	d->opts.name = NULL;
	free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct marsd *d = &daemon_state;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX], admin[MARS_CONF_PATH_MAX], ep[MARS_ENDPOINT_TEXT_MAX];
	const char *admin_opt = NULL;
	bool check = false, background = false, use_syslog = false;
	int ch, verbose = 0, ready_fd = -1, rc = 0;

	while ((ch = getopt_long(argc, argv, "c:dhn:tvV", longopts,
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
			if ((ready_fd = parse_fd(optarg)) < 0) {
				fprintf(stderr, "marsd: --ready-fd %s: not a "
				    "descriptor number\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			check = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("marsd %s\n", mars_version());
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (d->opts.conf_path != NULL && realpath(d->opts.conf_path,
	    d->conf_real) == NULL)
		snprintf(d->conf_real, sizeof(d->conf_real), "%s",
		    d->opts.conf_path);
	if (check && d->opts.conf_path != NULL && d->opts.name == NULL)
		return check_all(d, verbose);
	if (settings_build(&d->set, &d->opts, d->opts.conf_path != NULL ?
	    d->conf_real : NULL, msg, sizeof(msg)) != 0 ||
	    (d->set.clustered && cluster_check(&d->set, d->conf_real, msg,
	    sizeof(msg)) != 0)) {
		say_error(d, msg);
		return EXIT_USAGE;
	}
	if (check) {
		if (json)
			say_json(stdout, "config", d->opts.conf_path != NULL ?
			    d->opts.conf_path : "command line", ",\"ok\":true");
		else if (verbose)
			printf("%s: ok\n", d->opts.conf_path != NULL ?
			    d->opts.conf_path : "command line");
		return 0;
	}
	if (admin_opt != NULL)
		snprintf(admin, sizeof(admin), "%s", admin_opt);
	else if (d->set.admin[0] != '\0')
		memcpy(admin, d->set.admin, sizeof(admin));
	else
		settings_default_admin(admin, sizeof(admin), d->set.name);

	log_init("marsd", use_syslog, verbose);
	log_set_json(json);
	if (mars_evloop_new(&d->loop, &err) != 0) {
		fprintf(stderr, "marsd: event loop: %s\n", strerror(err.sys_errno));
		return 1;
	}
	if (serve_start(d, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "marsd: %s\n", msg);
		return 1;
	}
	if (admin[0] != '\0' && control_open(&d->ctl, d->loop, admin, answer,
	    d, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "marsd: %s\n", msg);
		serve_stop(d);
		return 1;
	}
	mars_endpoint_format(&d->local, ep, sizeof(ep));
	if (!background)
		fprintf(stderr, "marsd: listening on %s\n", ep);
	if (background) {
		if (detach() != 0) {
			fprintf(stderr, "marsd: daemonise: %s\n",
			    strerror(errno));
			rc = 1;
			goto out;
		}
		log_use_syslog(true);
	}
	if (pidfile != NULL && write_pidfile(pidfile) != 0)
		log_warn("%s", pidfile);
	if (ready_fd >= 0) {
		dprintf(ready_fd, "%s\n", ep);
		close(ready_fd);
	}
	log_msg(LOG_NOTICE, "%s: MARS on %s, admin socket %s",
	    d->set.name, ep, admin[0] != '\0' ? admin : "none");
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
