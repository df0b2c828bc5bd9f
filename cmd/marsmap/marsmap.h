/*
 * marsmap: the redirect maps, CMI continuity and CSN sequences of a MARS
 * cluster, checked against draft-armitage-ion-mars-scsp-03 and RFC 2022
 * by the rule engine of check.h, from a capture, a live interface or as a
 * live cluster member.  The files:
 *   main.c     options, modes, exit status
 *   run.c      the checker, the event log the live view shows, the end
 *   capture.c  -r and -i: capture records become events
 *   member.c   -m and --cluster: a registered member's SDUs become events
 *   report.c   the summary table; json.c the --json object
 *   tui.c      --tui, the ncurses live view
 */
#ifndef MARSMAP_H
#define MARSMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mars/check.h"
#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/event.h"
#include "mars/out.h"

#define EXIT_HELD	0	/* every selected rule held (or could not be told) */
#define EXIT_BROKEN	1	/* a rule broken; --strict: or not told */
#define EXIT_USAGE	2	/* bad usage, file, capture, cluster file */

enum mm_mode {
	MM_READ = 1,		/* -r FILE */
	MM_LIVE,		/* -i IFACE */
	MM_MEMBER,		/* -m ENDPOINT or --cluster FILE */
};

struct mm_opts {
	int			 mode;
	const char		*rfile;
	const char		*iface;
	const char		*user;		/* -Z */
	struct mars_endpoint	 mars_ep;	/* -m */
	const char		*mars_ep_text;
	const char		*member_cluster;	/* --cluster FILE */
	const char		*cfile;		/* -c FILE, or --cluster's */
	struct mars_cluster_conf *cluster;	/* loaded cfile, NULL */
	uint32_t		 rules;
	bool			 json;
	bool			 tui;
	bool			 strict;
	bool			 list_rules;
	int			 verbose;
	uint64_t		 deadline_ms;	/* -w, live modes; 0 none */
	const char		*bpf;		/* -f */
	uint64_t		 seed;
	bool			 has_seed;
};

/* The last events, for the live view: a ring of short lines. */
#define MM_LOG_LINES	512
#define MM_LOG_WIDTH	320

struct mm_line {
	uint64_t	 us;
	bool		 finding;
	bool		 message;	/* a MARS/SCSP message, not a happening */
	unsigned	 rule;		/* when finding */
	char		 text[MM_LOG_WIDTH];
};

struct mm_run {
	const struct mm_opts	*o;
	struct mars_check	*chk;
	const char		*source;	/* what is being checked */
	/* the log ring */
	struct mm_line		 log[MM_LOG_LINES];
	size_t			 log_head;	/* next slot */
	size_t			 log_n;
	uint64_t		 log_total;
	bool			 keep_log;	/* --tui */
	/* live findings printed as they come (live modes, no --tui) */
	bool			 stream_findings;
	struct mars_out		 ob;
	bool			 stop;
	int			 status;	/* EXIT_USAGE on a read error */
	uint64_t		 cap_dropped;	/* live capture: kernel drops */
	uint64_t		 deadline_us;	/* -w, wall clock; 0 none */
	struct mm_tui		*tui;
};

/* Diagnostics: lib/cli/diag.h. */
#include "cli/diag.h"

/* run.c; mm_interrupted: SIGINT or SIGTERM arrived */
#include <signal.h>
extern volatile sig_atomic_t mm_interrupted;
void	mm_run_init(struct mm_run *r, const struct mm_opts *o,
	    const char *source);
void	mm_feed(struct mm_run *r, const struct mars_event *ev);
void	mm_note(struct mm_run *r, uint64_t us, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Periodic work of live modes: settle windows, redraw the view. */
void	mm_idle(struct mm_run *r, uint64_t now_us);
int	mm_finish(struct mm_run *r);
uint64_t mm_wall_us(void);
void	mm_time_text(uint64_t us, char *buf, size_t len);
const char *mm_mars_name(const struct mars_check *c, int i, char *buf,
	    size_t len);
const char *mm_mars_short(const struct mars_check *c, int i, char *buf,
	    size_t len);

/* capture.c, member.c */
int	mm_capture(struct mm_run *r);
int	mm_member(struct mm_run *r);

/* report.c, json.c */
void	mm_report(struct mars_out *ob, const struct mars_check *c,
	    const struct mm_opts *o, const char *source);
void	mm_json(struct mars_out *ob, const struct mars_check *c,
	    const struct mm_opts *o, const char *source);
void	mm_json_finding(struct mars_out *ob, const struct mars_check_finding *f);
void	mm_text_finding(struct mars_out *ob, const struct mars_check *c,
	    const struct mars_check_finding *f);
void	mm_list_rules(struct mars_out *ob, bool json);

/* tui.c */
struct mm_tui;
int	mm_tui_open(struct mm_run *r);
/* Keys, resizing, redraw when due; returns true when the user quits. */
bool	mm_tui_poll(struct mm_run *r, uint64_t now_us);
/* The stream is over: keep showing until the user quits. */
void	mm_tui_wait(struct mm_run *r);
void	mm_tui_close(struct mm_run *r);
int	mm_tui_fd(const struct mm_run *r);

#endif
