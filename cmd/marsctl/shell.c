/*
 * Where commands come from, and the one command that runs at a time.
 *
 * On a terminal: readline's callback interface driven by the event loop
 * (DESIGN.md rule 6), so that the member's traffic, replies and lab
 * notices print while a line is being typed without breaking it: the
 * prompt and line are cleared, the output written, and both redrawn
 * (out.c calls shell_hide/shell_show).  While a command runs the prompt
 * is taken down; Ctrl-C cancels the command, and at the prompt only
 * discards the line.  History is kept in ~/.marsctl_history.
 *
 * Elsewhere: lines from -c, -f SCRIPT or a pipe, without readline; one
 * line may hold several commands separated by ';'.  The next command is
 * read only when the previous one is over, so scripts are sequential.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "marsctl.h"

#define HISTORY_MAX	1000
#define SCRIPT_MAX	(1 << 20)
#define CANDS_MAX	2048

void	shell_hide(struct ctl *c);
void	shell_show(struct ctl *c);

/* A text of lines: -c, -f, or what came from a pipe so far. */
struct source {
	char		*text;
	size_t		 len;
	size_t		 cap;
	size_t		 pos;
	bool		 eof;		/* no more will come */
	unsigned	 line;
	int		 fd;		/* pipe: read more; -1 otherwise */
};

static struct {
	struct ctl	*c;
	struct source	 src;
	bool		 from_tty;
	bool		 rl_on;		/* handler installed, prompt shown */
	bool		 hidden;
	char		 line[CTL_LINE_MAX];
	char		*rest;		/* commands left on the line */
	const char	*pre;		/* a command before all others */
	int		 argc;		/* argv mode */
	char		**argv;
	bool		 argv_done;
	mars_timer_id	 pump_timer;
	char		 history[4096];
	char		 prompt[256];
	/* completion candidates */
	char		*cands[CANDS_MAX];
	size_t		 ncands;
	size_t		 cand_next;
} S;

static void	pump(struct ctl *c);

/* --- prompt and async output --- */

static const char *
prompt_text(struct ctl *c)
{
	if (c->target[0] == '\0')
		snprintf(S.prompt, sizeof(S.prompt), "marsctl> ");
	else if (c->role[0] != '\0')
		snprintf(S.prompt, sizeof(S.prompt), "marsctl %.200s(%.15s)> ",
		    c->target, c->role);
	else
		snprintf(S.prompt, sizeof(S.prompt), "marsctl %.200s> ", c->target);
	return S.prompt;
}

void
shell_hide(struct ctl *c)
{
	if (!S.rl_on || S.hidden)
		return;
	S.hidden = true;
	rl_clear_visible_line();
	fflush(rl_outstream);
}

void
shell_show(struct ctl *c)
{
	if (!S.rl_on || !S.hidden)
		return;
	S.hidden = false;
	rl_on_new_line();
	rl_redisplay();
}

void
shell_prompt_changed(struct ctl *c)
{
	const char *p = prompt_text(c);

	if (!S.rl_on) {
		return;
	}
	shell_hide(c);
	rl_set_prompt(p);
	shell_show(c);
}

/* --- the running command --- */

static void
job_timer_cb(struct mars_evloop *loop, void *arg)
{
	struct ctl *c = arg;

	c->job.timer = 0;
	if (c->job.active && c->job.expire != NULL)
		c->job.expire(c);
	else if (c->job.active) {
		out_error(c, NULL, "no answer within %llu ms",
		    (unsigned long long)c->timeout);
		job_end(c, EXIT_FAIL);
	}
}

void
job_begin(struct ctl *c, mars_time_t timeout, void (*expire)(struct ctl *),
    void (*cancel)(struct ctl *))
{
	c->job.active = true;
	c->job.expire = expire;
	c->job.cancel = cancel;
	c->job.timer = timeout != 0 ? mars_evloop_timer_after(c->loop, timeout,
	    job_timer_cb, c) : 0;
}

static void
pump_cb(struct mars_evloop *loop, void *arg)
{
	S.pump_timer = 0;
	pump(arg);
}

static void
pump_later(struct ctl *c)
{
	if (S.pump_timer == 0)
		S.pump_timer = mars_evloop_timer_after(c->loop, 0, pump_cb, c);
}

static void
finish(struct ctl *c, int status)
{
	out_flush(c);
	if (status != 0)
		c->exit_status = status;
	c->cmd_name[0] = '\0';
}

void
job_end(struct ctl *c, int status)
{
	if (!c->job.active)
		return;
	if (c->job.timer != 0)
		mars_evloop_timer_cancel(c->loop, c->job.timer);
	memset(&c->job, 0, sizeof(c->job));
	finish(c, status);
	pump_later(c);
}

/* --- readline --- */

static void	line_cb(char *line);

static void
rl_start(struct ctl *c)
{
	if (S.rl_on || !S.from_tty)
		return;
	S.rl_on = true;
	S.hidden = false;
	rl_callback_handler_install(prompt_text(c), line_cb);
	mars_evloop_fd_mod(c->loop, STDIN_FILENO, MARS_EVLOOP_READ);
}

static void
rl_stop(struct ctl *c)
{
	if (!S.rl_on)
		return;
	S.rl_on = false;
	rl_callback_handler_remove();
	mars_evloop_fd_mod(c->loop, STDIN_FILENO, 0);
}

static void
history_add(const char *line)
{
	HIST_ENTRY *last;

	if (line[0] == '\0' || line[0] == ' ')
		return;
	last = history_length > 0 ? history_get(history_base +
	    history_length - 1) : NULL;
	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (S.history[0] != '\0')
		(void)append_history(1, S.history);
}

static void
line_cb(char *line)
{
	struct ctl *c = S.c;

	rl_stop(c);
	if (line == NULL) {
		/* Ctrl-D */
		out_write(c, STDOUT_FILENO, "\n", 1);
		c->quitting = true;
		pump_later(c);
		return;
	}
	history_add(line);
	snprintf(S.line, sizeof(S.line), "%s", line);
	free(line);
	S.rest = S.line;
	pump_later(c);
}

static void
add_cand(void *actx, const char *cand)
{
	if (S.ncands < CANDS_MAX && (S.cands[S.ncands] = strdup(cand)) != NULL)
		S.ncands++;
}

static char *
cand_gen(const char *text, int state)
{
	if (state == 0)
		S.cand_next = 0;
	if (S.cand_next >= S.ncands)
		return NULL;
	return strdup(S.cands[S.cand_next++]);
}

static void
cands_free(void)
{
	while (S.ncands > 0)
		free(S.cands[--S.ncands]);
}

static char **
complete_cb(const char *text, int start, int end)
{
	char buf[CTL_LINE_MAX], *cmd, *next, *words[CMDTAB_WORDS_MAX], why[128];
	size_t len;
	int n;
	char last;

	rl_attempted_completion_over = 1;
	cands_free();
	snprintf(buf, sizeof(buf), "%.*s", start, rl_line_buffer);
	/* the command being typed is the one after the last ';' */
	for (cmd = buf; (next = cmdtab_next_command(cmd)) != NULL; cmd = next)
		;
	if ((n = cmdtab_split(cmd, words, CMDTAB_WORDS_MAX, why,
	    sizeof(why))) < 0)
		return NULL;
	cmd_complete(S.c, n, words, text, add_cand, NULL);
	if (S.ncands == 0)
		return NULL;
	if (S.ncands == 1) {
		len = strlen(S.cands[0]);
		last = len > 0 ? S.cands[0][len - 1] : 0;
		rl_completion_suppress_append = last == '=' || last == '/' ||
		    last == ':';
	}
	return rl_completion_matches(text, cand_gen);
}

static void
stdin_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct ctl *c = arg;
	ssize_t n;

	if (S.from_tty) {
		if (S.rl_on)
			rl_callback_read_char();
		return;
	}
	/* a pipe: gather lines */
	if (S.src.len == S.src.cap) {
		if (memchr(S.src.text + S.src.pos, '\n', S.src.len -
		    S.src.pos) != NULL) {
			/* lines wait for the command running: read later */
			mars_evloop_fd_mod(loop, fd, 0);
			return;
		}
		if (S.src.pos > 0) {
			memmove(S.src.text, S.src.text + S.src.pos,
			    S.src.len - S.src.pos);
			S.src.len -= S.src.pos;
			S.src.pos = 0;
		} else {
			/* a line longer than the buffer: cut it */
			S.src.len = 0;
			out_error(c, NULL, "input line longer than %d octets",
			    CTL_LINE_MAX);
			c->exit_status = EXIT_USAGE;
		}
	}
	n = read(fd, S.src.text + S.src.len, S.src.cap - S.src.len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		S.src.eof = true;
		mars_evloop_fd_del(loop, fd);
	} else
		S.src.len += (size_t)n;
	pump(c);
}

/* --- signals --- */

static void
sigint_cb(struct mars_evloop *loop, int signo, void *arg)
{
	struct ctl *c = arg;

	if (c->job.active) {
		out_write(c, STDOUT_FILENO, "\n", S.from_tty ? 1 : 0);
		if (c->job.cancel != NULL)
			c->job.cancel(c);
		if (c->job.active) {
			out_error(c, NULL, "interrupted");
			job_end(c, EXIT_FAIL);
		}
		return;
	}
	if (S.rl_on) {
		/* discard the line being typed, as a shell does */
		rl_callback_sigcleanup();
		shell_hide(c);
		rl_replace_line("", 0);
		rl_point = rl_end = 0;
		write(STDOUT_FILENO, "^C\n", 3);
		shell_show(c);
		return;
	}
	c->exit_status = EXIT_FAIL;
	c->quitting = true;
	pump_later(c);
}

static void
sigterm_cb(struct mars_evloop *loop, int signo, void *arg)
{
	struct ctl *c = arg;

	if (c->job.active) {
		if (c->job.cancel != NULL)
			c->job.cancel(c);
		job_end(c, EXIT_FAIL);
	}
	c->exit_status = EXIT_FAIL;
	c->quitting = true;
	pump_later(c);
}

static void
sigwinch_cb(struct mars_evloop *loop, int signo, void *arg)
{
	if (S.rl_on)
		rl_resize_terminal();
}

/* --- the pump: run commands while nothing waits --- */

/* The next line of a source into S.line; false when none is complete. */
static bool
next_line(struct source *s)
{
	char *nl;
	size_t n;

	if (s->pos >= s->len)
		return false;
	nl = memchr(s->text + s->pos, '\n', s->len - s->pos);
	if (nl == NULL && !s->eof)
		return false;
	n = nl != NULL ? (size_t)(nl - (s->text + s->pos)) : s->len - s->pos;
	s->line++;
	if (n >= sizeof(S.line)) {
		S.c->src_line = s->line;
		out_error(S.c, NULL, "line longer than %zu octets",
		    sizeof(S.line) - 1);
		S.c->exit_status = EXIT_USAGE;
		S.line[0] = '\0';
	} else {
		memcpy(S.line, s->text + s->pos, n);
		S.line[n] = '\0';
	}
	s->pos += n + (nl != NULL ? 1 : 0);
	if (s->fd >= 0 && !s->eof)
		mars_evloop_fd_mod(S.c->loop, s->fd, MARS_EVLOOP_READ);
	S.c->src_line = S.src.fd >= 0 || S.c->src_file != NULL ? s->line : 0;
	S.rest = S.line;
	return true;
}

static void
run_one(struct ctl *c, char *cmd)
{
	char *words[CMDTAB_WORDS_MAX], why[256];
	int n, status;

	if ((n = cmdtab_split(cmd, words, CMDTAB_WORDS_MAX, why,
	    sizeof(why))) < 0) {
		c->cmd_name[0] = '\0';
		out_error(c, NULL, "%s", why);
		finish(c, EXIT_USAGE);
		return;
	}
	if (n == 0)
		return;
	status = cmd_execute(c, n, words);
	if (status != CMD_ASYNC)
		finish(c, status);
}

static void
pump(struct ctl *c)
{
	char *cmd;

	while (!c->job.active && !c->quitting) {
		if (S.pre != NULL) {
			char pre[CTL_LINE_MAX];

			snprintf(pre, sizeof(pre), "%s", S.pre);
			S.pre = NULL;
			c->quiet = true;
			run_one(c, pre);
			c->quiet = false;
			continue;
		}
		if (S.rest != NULL) {
			cmd = S.rest;
			S.rest = cmdtab_next_command(S.rest);
			run_one(c, cmd);
			continue;
		}
		if (S.argv != NULL) {
			if (S.argv_done) {
				c->quitting = true;
				break;
			}
			S.argv_done = true;
			{
				int status = cmd_execute(c, S.argc, S.argv);

				if (status != CMD_ASYNC)
					finish(c, status);
			}
			continue;
		}
		if (S.from_tty) {
			if (c->interactive)
				admin_refresh_role(c);
			rl_start(c);
			break;
		}
		if (next_line(&S.src))
			continue;
		if (S.src.eof || S.src.fd < 0)
			c->quitting = true;
		break;
	}
	if (c->quitting && !c->job.active)
		mars_evloop_stop(c->loop);
}

/* --- setup --- */

static int
load_script(struct ctl *c, const char *path)
{
	struct source *s = &S.src;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "marsctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (s->len == s->cap) {
			fprintf(stderr, "marsctl: %s: larger than %d octets\n",
			    path, SCRIPT_MAX);
			close(fd);
			return -1;
		}
		n = read(fd, s->text + s->len, s->cap - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "marsctl: %s: %s\n", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		s->len += (size_t)n;
	}
	close(fd);
	s->eof = true;
	return 0;
}

static void
history_open(void)
{
	const char *home = getenv("HOME");
	int fd;

	using_history();
	stifle_history(HISTORY_MAX);
	if (home == NULL || home[0] == '\0')
		return;
	snprintf(S.history, sizeof(S.history), "%s/.marsctl_history", home);
	if ((fd = open(S.history, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) < 0) {
		S.history[0] = '\0';
		return;
	}
	close(fd);
	(void)read_history(S.history);
}

int
shell_run(struct ctl *c, const char *commands, const char *script, int argc,
    char **argv, const char *pre)
{
	struct mars_err e;
	int rc;

	S.c = c;
	S.pre = pre;
	S.src.fd = -1;
	S.src.cap = SCRIPT_MAX;
	if ((S.src.text = malloc(S.src.cap)) == NULL) {
		fprintf(stderr, "marsctl: out of memory\n");
		return EXIT_FAIL;
	}
	if (commands != NULL) {
		snprintf(S.src.text, S.src.cap, "%s", commands);
		S.src.len = strlen(S.src.text);
		S.src.eof = true;
	} else if (script != NULL) {
		if (load_script(c, script) != 0)
			return EXIT_USAGE;
		c->src_file = script;
	} else if (argc > 0) {
		S.argc = argc;
		S.argv = argv;
	} else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		S.from_tty = true;
		c->interactive = true;
	} else {
		S.src.fd = STDIN_FILENO;
		S.src.cap = CTL_LINE_MAX * 4;
		(void)fcntl(STDIN_FILENO, F_SETFL,
		    fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	}

	if (mars_evloop_signal_add(c->loop, SIGINT, sigint_cb, c) != 0 ||
	    mars_evloop_signal_add(c->loop, SIGTERM, sigterm_cb, c) != 0 ||
	    mars_evloop_signal_add(c->loop, SIGHUP, sigterm_cb, c) != 0) {
		fprintf(stderr, "marsctl: cannot catch signals\n");
		return EXIT_FAIL;
	}
	signal(SIGPIPE, SIG_IGN);
	if (S.from_tty) {
		rl_readline_name = "marsctl";
		rl_catch_signals = 0;
		rl_catch_sigwinch = 0;
		rl_completer_word_break_characters = (char *)" \t;";
		rl_attempted_completion_function = complete_cb;
		history_open();
		(void)mars_evloop_signal_add(c->loop, SIGWINCH, sigwinch_cb, c);
		if (mars_evloop_fd_add(c->loop, STDIN_FILENO, 0, stdin_cb,
		    c) != 0)
			return EXIT_FAIL;
	} else if (S.src.fd >= 0 && mars_evloop_fd_add(c->loop, STDIN_FILENO,
	    MARS_EVLOOP_READ, stdin_cb, c) != 0)
		return EXIT_FAIL;

	pump_later(c);
	memset(&e, 0, sizeof(e));
	rc = mars_evloop_run(c->loop, &e);
	rl_stop(c);
	if (S.from_tty) {
		if (S.history[0] != '\0')
			(void)history_truncate_file(S.history, HISTORY_MAX);
		mars_evloop_fd_del(c->loop, STDIN_FILENO);
	}
	cands_free();
	free(S.src.text);
	out_flush(c);
	if (rc != 0) {
		fprintf(stderr, "marsctl: poll: %s\n", strerror(e.sys_errno));
		return EXIT_FAIL;
	}
	return c->exit_status;
}
