/*
 * marsfail __complete WORD... PREFIX: the candidates for PREFIX after the
 * words typed so far, one a line, for the bash and zsh completions
 * (completions/marsfail.bash, completions/_marsfail): options, the
 * subcommands, the shipped drills, rule names after `expect', fault
 * switches, and the words of a drill file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/check.h"

#include "marsfail.h"

static const char *const options[] = {
	"--sim", "--lab", "--live", "-c", "--seed", "--json", "--tap",
	"--junit", "--html", "-w", "--strict", "--marsd", "--netns",
	"--no-netns", "--keep", "--fail-cmd", "--restore-cmd", "-m", "--only",
	"--timeout", "--runs", "--members", "--steps", "--fault", "--list",
	"-q", "-v", "-h", "--help", "-V", "--version", NULL,
};

static void
offer(const char *prefix, const char *w)
{
	if (strncmp(w, prefix, strlen(prefix)) == 0)
		printf("%s\n", w);
}

int
complete_main(int argc, char **argv)
{
	static const char *const faults[] = { "omit-dead", "fresh-cmi",
	    "skip-sync", NULL };
	const char *prefix = argc > 0 ? argv[argc - 1] : "";
	const char *prev = argc > 1 ? argv[argc - 2] : "";
	const struct mars_check_rule_info *ri;
	char cmd[1200], line[512], *nl;
	size_t i;
	FILE *p;

	if (strcmp(prev, "--fault") == 0) {
		for (i = 0; faults[i] != NULL; i++)
			offer(prefix, faults[i]);
		return 0;
	}
	if (strcmp(prev, "--seed") == 0 || strcmp(prev, "--runs") == 0 ||
	    strcmp(prev, "--members") == 0 || strcmp(prev, "--steps") == 0 ||
	    strcmp(prev, "--fail-cmd") == 0 ||
	    strcmp(prev, "--restore-cmd") == 0 || strcmp(prev, "--only") == 0)
		return 0;
	if (strcmp(prev, "--timeout") == 0) {
		offer(prefix, "500ms");
		offer(prefix, "2s");
		offer(prefix, "10s");
		return 0;
	}
	if (strcmp(prev, "-m") == 0) {
		offer(prefix, "udp:");
		return 0;
	}
	if (strcmp(prev, "expect") == 0) {
		static const char *const ex[] = { "active", "reregistered",
		    "membership-intact", "no-dual-active", "no-findings",
		    "redirect-order", "broken", NULL };

		for (i = 0; ex[i] != NULL; i++)
			offer(prefix, ex[i]);
		for (i = 0; (ri = mars_check_rule_info((unsigned)i)) != NULL;
		    i++)
			offer(prefix, ri->name);
		return 0;
	}
	if (prefix[0] == '-') {
		for (i = 0; options[i] != NULL; i++)
			offer(prefix, options[i]);
		return 0;
	}
	offer(prefix, "explore");
	offer(prefix, "conformance");
	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null",
	    getenv("MARSFAIL_DRILLS") != NULL ? getenv("MARSFAIL_DRILLS") :
	    MARS_DRILLDIR);
	if ((p = popen(cmd, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), p) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((nl = strstr(line, ".drill")) == NULL || nl[6] != '\0')
			continue;
		*nl = '\0';
		offer(prefix, line);
	}
	pclose(p);
	return 0;
}
