/*
 * marsctl: the operator's shell and scripting tool for MARS clusters
 * (marsctl(8)).  Options, the hidden entry points the completion scripts
 * and the tests use, and the setup around shell_run().
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/version.h"

#include "marsctl.h"

static struct ctl ctl_state;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: marsctl [--json] [-t timeout] [--cluster file [-n name] | "
	    "-m endpoint]\n"
	    "               [--admin path] [-c commands | -f script | "
	    "command ...]\n");
}

/* The options that take an argument, for __complete to skip. */
static bool
takes_arg(const char *w)
{
	static const char *const o[] = { "-c", "-f", "-t", "--timeout",
	    "--cluster", "-n", "--name", "--admin", "-m", NULL };
	size_t i;

	for (i = 0; o[i] != NULL; i++)
		if (strcmp(w, o[i]) == 0)
			return true;
	return false;
}

static void
print_cand(void *actx, const char *cand)
{
	printf("%s\n", cand);
}

/*
 * marsctl __complete WORD ... PREFIX: the candidates for PREFIX after
 * the words, one a line (the bash and zsh completions call it).  The
 * options come first, then the words of a command.
 */
static int
complete_main(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "-c", "-f", "-t", "-m", "-n",
	    "-h", "-V", "--json", "--timeout", "--cluster", "--name",
	    "--admin", "--help", "--version", NULL };
	const char *prefix, *prev;
	char msg[MARS_CONF_MSG_MAX], *words[3];
	size_t i;
	int k = 0;

	if (argc == 0)
		return 0;
	prefix = argv[argc - 1];
	while (k < argc - 1 && argv[k][0] == '-') {
		if (strcmp(argv[k], "--cluster") == 0 && k + 1 < argc - 1)
			(void)ctl_load_cluster(c, argv[k + 1], msg, sizeof(msg));
		/* the admin socket, for the words of marsd's help */
		if ((strcmp(argv[k], "-n") == 0 || strcmp(argv[k],
		    "--name") == 0) && k + 1 < argc - 1 && c->cluster != NULL)
			ctl_entity_admin(c, argv[k + 1], c->admin_path,
			    sizeof(c->admin_path));
		if (strcmp(argv[k], "--admin") == 0 && k + 1 < argc - 1)
			snprintf(c->admin_path, sizeof(c->admin_path), "%s",
			    argv[k + 1]);
		k += takes_arg(argv[k]) ? 2 : 1;
	}
	if (k > argc - 1) {
		/* the prefix is an option's argument */
		prev = argv[argc - 2];
		words[0] = (char *)"connect";
		if (strcmp(prev, "-f") == 0 || strcmp(prev, "--cluster") == 0 ||
		    strcmp(prev, "--admin") == 0) {
			words[1] = (char *)"--admin";
			cmd_complete(c, 2, words, prefix, print_cand, NULL);
		} else if (strcmp(prev, "-n") == 0 ||
		    strcmp(prev, "--name") == 0) {
			words[1] = (char *)"--cluster";
			words[2] = (char *)c->cluster_path;
			if (c->cluster != NULL)
				cmd_complete(c, 3, words, prefix, print_cand,
				    NULL);
		} else if (strcmp(prev, "-m") == 0)
			cmd_complete(c, 1, words, prefix, print_cand, NULL);
		else if (strcmp(prev, "-t") == 0 ||
		    strcmp(prev, "--timeout") == 0) {
			words[0] = (char *)"watch";
			cmd_complete(c, 1, words, prefix, print_cand, NULL);
		}
		return 0;
	}
	if (k == argc - 1 && prefix[0] == '-') {
		for (i = 0; opts[i] != NULL; i++)
			if (strncmp(opts[i], prefix, strlen(prefix)) == 0)
				printf("%s\n", opts[i]);
		return 0;
	}
	cmd_complete(c, argc - 1 - k, argv + k, prefix, print_cand, NULL);
	return 0;
}

static void
print_usage_line(void *ctx, const char *usage, const char *help)
{
	printf("%s\t%s\n", usage, help);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "cluster",	required_argument,	NULL, 'C' },
		{ "name",	required_argument,	NULL, 'n' },
		{ "admin",	required_argument,	NULL, 'a' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl *c = &ctl_state;
	const char *commands = NULL, *script = NULL, *cluster = NULL,
	    *name = NULL, *admin = NULL, *endpoint = NULL;
	char pre[2048], why[256];
	struct mars_err e;
	int ch, rc;

	c->timeout = CTL_DEF_TIMEOUT;
	out_init(c);
	if (argc > 1 && strcmp(argv[1], "__complete") == 0) {
		if (member_init(c) != 0)
			return EXIT_FAIL;
		return complete_main(c, argc - 2, argv + 2);
	}
	if (argc > 1 && strcmp(argv[1], "__commands") == 0) {
		if (cmdtab_usage(cmd_root, argc - 2, argv + 2, print_usage_line,
		    NULL, why, sizeof(why)) < 0) {
			fprintf(stderr, "marsctl: %s\n", why);
			return EXIT_USAGE;
		}
		return 0;
	}
	while ((ch = getopt_long(argc, argv, "+c:f:t:m:n:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			commands = optarg;
			break;
		case 'f':
			script = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 't':
			if (parse_duration(optarg, &c->timeout) != 0) {
				fprintf(stderr, "marsctl: -t %s: not a duration "
				    "(5s, 500ms, 1m)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'C':
			cluster = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'a':
			admin = optarg;
			break;
		case 'm':
			endpoint = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("marsctl %s\n", mars_version());
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if ((commands != NULL) + (script != NULL) + (argc > 0) > 1 ||
	    (name != NULL && cluster == NULL) ||
	    (cluster != NULL && endpoint != NULL)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	/* --cluster, -m, --admin: a connect before anything else */
	pre[0] = '\0';
	if (cluster != NULL)
		snprintf(pre, sizeof(pre), "connect --cluster '%s'%s%s",
		    cluster, name != NULL ? " " : "", name != NULL ? name : "");
	else if (endpoint != NULL)
		snprintf(pre, sizeof(pre), "connect '%s'%s%s%s", endpoint,
		    admin != NULL ? " --admin '" : "", admin != NULL ? admin :
		    "", admin != NULL ? "'" : "");
	else if (admin != NULL)
		snprintf(pre, sizeof(pre), "connect --admin '%s'", admin);
	if (strchr(pre, '\n') != NULL)
		pre[0] = '\0';
	memset(&e, 0, sizeof(e));
	if (mars_evloop_new(&c->loop, &e) != 0) {
		fprintf(stderr, "marsctl: event loop: %s\n", mars_strerror(e.code));
		return EXIT_FAIL;
	}
	if (member_init(c) != 0 || admin_init(c) != 0) {
		fprintf(stderr, "marsctl: out of memory\n");
		return EXIT_FAIL;
	}
	rc = shell_run(c, commands, script, argc, argv,
	    pre[0] != '\0' ? pre : NULL);
	capture_close(c);
	member_free(c);
	lab_shutdown(c);
	admin_free(c);
	mars_evloop_free(c->loop);
	free(c->cluster);
	return rc;
}
