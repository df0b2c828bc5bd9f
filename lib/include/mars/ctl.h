/*
 * The admin protocol between marsd and its clients (marsctl, the tests'
 * adminq): framing and the command table (STYLE.md §3.1, §3.5).
 *
 * Transport: a UNIX stream socket.  A client writes one request per line
 * (at most MARS_CTL_REQUEST_MAX octets with the newline), e.g.
 *
 *   show members json
 *
 * and the daemon answers with zero or more data lines, then one end line:
 *
 *   .                 the answer is complete
 *   .error TEXT       the request failed (no data lines before it)
 *
 * A data line that begins with "." is sent with one more "." in front
 * (dot-stuffing), so end lines are unambiguous.  Requests are answered in
 * order; a client may pipeline them.
 *
 * The daemon sends data and the client formats it (bgpctl's show()):
 * text answers are records, one per line, a record type then key=value
 * fields (values never contain spaces), e.g.
 *
 *   member cmi=1 atm=47000580ffe1000000f21a26d80020ea00000100 ...
 *
 * and a json answer is one JSON document on one line.  The records and
 * keys of every command are listed in marsd(8).
 */
#ifndef MARS_CTL_H
#define MARS_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "mars/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_CTL_REQUEST_MAX	256		/* request line, newline included */
#define MARS_CTL_WORDS_MAX	8

enum mars_ctl_cmd {
	MARS_CTL_NONE = 0,
	MARS_CTL_SHOW_MEMBERS,
	MARS_CTL_SHOW_GROUPS,
	MARS_CTL_SHOW_MCS,
	MARS_CTL_SHOW_REDIRECT_MAP,
	MARS_CTL_SHOW_STATS,
	MARS_CTL_SHOW_LIVING_GROUP,		/* redundant MARS (marsd(8)) */
	MARS_CTL_SHOW_ELECTION,
	MARS_CTL_SHOW_SCSP,
	MARS_CTL_FAULT,			/* fault NAME on|off */
	MARS_CTL_HELP,			/* the commands, one line each */
	MARS_CTL_RELOAD,		/* reread the cluster file (SIGHUP) */
	MARS_CTL_CMD_MAX
};

#define MARS_CTL_ARG_MAX	32		/* one argument word, NUL included */

struct mars_ctl_request {
	enum mars_ctl_cmd	 cmd;
	bool		 json;		/* trailing word "json" */
	char		 arg[MARS_CTL_ARG_MAX];	/* MARS_CTL_FAULT: the fault name */
	bool		 on;		/* MARS_CTL_FAULT: on (true) or off */
};

/*
 * Parse one request line (no newline needed).  Every command word is
 * matched exactly or as an unambiguous prefix ("sh mem j"); the arguments
 * of "fault NAME on|off" are taken as written.  Returns 0, or
 * MARS_E_PARSE with why holding "unknown command \"x\"", "ambiguous
 * command \"s\": show, stats" or "incomplete command".
 */
int		 mars_ctl_parse(const char *line, struct mars_ctl_request *req,
		    char *why, size_t whylen);
/* Canonical words of a command: "show members". */
const char	*mars_ctl_cmd_name(enum mars_ctl_cmd cmd);
/* One-line help of a command, for help output and completions. */
const char	*mars_ctl_cmd_help(enum mars_ctl_cmd cmd);
/* The arguments a command takes after its words ("NAME on|off", ""). */
const char	*mars_ctl_cmd_args(enum mars_ctl_cmd cmd);

/*
 * A reply under construction: grows up to max octets, then sets
 * overflow and drops further output (the daemon then answers .error).
 */
struct mars_ctl_buf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	bool		 overflow;
};

void	mars_ctl_buf_init(struct mars_ctl_buf *b, size_t max);
void	mars_ctl_buf_free(struct mars_ctl_buf *b);
void	mars_ctl_buf_reset(struct mars_ctl_buf *b);
/* Raw octets, no framing. */
void	mars_ctl_buf_put(struct mars_ctl_buf *b, const char *s, size_t n);
void	mars_ctl_buf_puts(struct mars_ctl_buf *b, const char *s);
void	mars_ctl_buf_printf(struct mars_ctl_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A JSON string: quoted, with ", \ and control characters escaped. */
void	mars_ctl_buf_json_str(struct mars_ctl_buf *b, const char *s);
/* Lowercase hex of n octets. */
void	mars_ctl_buf_hex(struct mars_ctl_buf *b, const unsigned char *p, size_t n);
/*
 * Frame the octets appended since mark (start of the current line, no
 * newline yet) as a data line: dot-stuff and add the newline.
 */
void	mars_ctl_buf_end_line(struct mars_ctl_buf *b, size_t mark);
/* End lines. */
void	mars_ctl_buf_end_ok(struct mars_ctl_buf *b);
void	mars_ctl_buf_end_error(struct mars_ctl_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* What a received line (newline removed) is, for clients. */
enum mars_ctl_line {
	MARS_CTL_LINE_DATA,		/* *text: the line without its stuffing dot */
	MARS_CTL_LINE_END,		/* answer complete */
	MARS_CTL_LINE_ERROR,		/* *text: the error message */
};
enum mars_ctl_line	 mars_ctl_line_kind(const char *line, const char **text);

/*
 * Connect to the admin socket at path (blocking).  Returns the descriptor
 * or MARS_E_SYS / MARS_E_INVAL (path too long) with err filled.
 */
int	mars_ctl_connect(const char *path, struct mars_err *err);

#ifdef __cplusplus
}
#endif

#endif
