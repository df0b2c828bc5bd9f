/*
 * marsctl internals.  The program is one event loop (evloop.h) with:
 *   commands.c  the command table (lib/cli/cmdtab.h) and dispatch
 *   shell.c     input: readline's callback interface on a terminal, lines
 *               from a pipe, -c and -f; the command queue and the
 *               running command (job), prompt, Ctrl-C
 *   out.c       output: text or JSON lines, printed around the line being
 *               typed; errors naming the command and the argument
 *   admin.c     marsd's admin socket (ctl.h): show, fault, reload
 *   member.c    the cluster member: lab link, client state machine
 *   status.c    the status command
 *   craft.c     send and raw: any MARS or SCSP message, right or wrong
 *   pcap.c      capture start/stop: a SunATM pcap of what passes
 *   lab.c       lab up/down/kill/hang/resume/restart/status
 */
#ifndef MARSCTL_H
#define MARSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mars/client.h"
#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/evloop.h"
#include "mars/link.h"
#include "mars/out.h"
#include "mars/rng.h"

#include "cli/cmdtab.h"

#define EXIT_FAIL	1	/* a command failed: refused, no answer */
#define EXIT_USAGE	2	/* bad option, unknown command, bad argument */

#define CMD_ASYNC	(-1)	/* a handler started a job (job_begin) */

#define CTL_DEF_TIMEOUT	5000	/* ms: answers, registration, joins */
#define CTL_GROUPS_SEEN	64	/* remembered for completion */
#define CTL_LINE_MAX	4096

enum action {
	A_NONE = 0,
	A_CONNECT,
	A_CONNECT_CLUSTER,
	A_CONNECT_ADMIN,
	A_DISCONNECT,
	A_STATUS,
	A_REGISTER,
	A_DEREGISTER,
	A_JOIN,
	A_LEAVE,
	A_REQUEST,
	A_GROUPLIST,
	A_WATCH,
	A_SHOW,
	A_ADMIN,
	A_FAULT,
	A_RELOAD,
	A_SEND,
	A_RAW,
	A_LAB_UP,
	A_LAB_DOWN,
	A_LAB_KILL,
	A_LAB_HANG,
	A_LAB_RESUME,
	A_LAB_RESTART,
	A_LAB_STATUS,
	A_CAPTURE_START,
	A_CAPTURE_STOP,
	A_HELP,
	A_QUIT,
};

/* Kinds of argument, for completion (commands.c). */
enum argkind {
	K_NONE = 0,
	K_ENDPOINT,	/* udp:HOST:PORT or an entity name */
	K_FILE,
	K_NAME,		/* entity of the cluster file */
	K_GROUP,	/* GROUP[-GROUP] */
	K_RANGE,
	K_FAULT,
	K_OP,		/* send: operation */
	K_FIELD,	/* send: field=value */
	K_HEX,
	K_COMMAND,	/* help: command words */
	K_REQUEST,	/* admin: request words */
	K_SHOW,		/* show: a word of marsd's help */
	K_DURATION,
};

extern const struct cmdtab cmd_root[];

struct ctl;

/* A MARS the member knows: from the cluster file or connect ENDPOINT. */
struct ctl_mars {
	char			 name[MARS_CONF_NAME_MAX];	/* "" without a file */
	struct mars_endpoint	 ep;
	char			 text[MARS_ENDPOINT_TEXT_MAX];
	bool			 has_peer_ep;
	struct mars_endpoint	 peer_ep;	/* inter-server (SCSP) */
	uint32_t		 peer;		/* link peer id of ep */
	uint32_t		 speer;		/* of peer_ep, 0 until used */
	bool			 atm_known;
	char			 admin[MARS_CONF_PATH_MAX];	/* "" unknown */
};

/* The command being run, when it waits for something. */
struct job {
	bool		 active;
	mars_timer_id	 timer;
	void		(*expire)(struct ctl *);	/* timeout */
	void		(*cancel)(struct ctl *);	/* Ctrl-C, or before expire */
};

struct member;
struct admin;
struct lab;
struct capture;

struct ctl {
	struct mars_evloop	*loop;
	bool		 json;
	bool		 interactive;	/* readline on a terminal */
	mars_time_t	 timeout;	/* -t */
	bool		 quitting;
	bool		 quiet;		/* the implicit connect of the options */
	int		 exit_status;	/* of the last failing command */

	/* What is being run, for errors: "join", the script and line. */
	char		 cmd_name[64];
	const char	*src_file;
	unsigned	 src_line;
	struct job	 job;

	/* Output (out.c): a memory buffer flushed around the prompt. */
	struct mars_out	 ob;

	/* The cluster file loaded by connect --cluster or lab up. */
	struct mars_cluster_conf *cluster;
	char		 cluster_path[MARS_CONF_PATH_MAX];

	/* Where we are connected: the MARSs, the one we talk to. */
	struct ctl_mars	 mars[MARS_CONF_MARS_MAX];
	size_t		 nmars;
	size_t		 cur;
	bool		 connected;	/* member link open */
	char		 admin_path[MARS_CONF_PATH_MAX];	/* current admin socket */
	char		 target[MARS_CONF_NAME_MAX + MARS_ENDPOINT_TEXT_MAX];
	char		 role[16];	/* from show election, "" unknown */

	char		 groups_seen[CTL_GROUPS_SEEN][48];
	size_t		 ngroups_seen;

	struct member	*mb;
	struct admin	*adm;
	struct lab	*lab;
	struct capture	*cap;
};

/* shell.c */
int	shell_run(struct ctl *c, const char *commands, const char *script,
	    int argc, char **argv, const char *pre);
/* A handler that waits: expire on timeout (ms, 0: none), cancel on ^C. */
void	job_begin(struct ctl *c, mars_time_t timeout, void (*expire)(struct ctl *),
	    void (*cancel)(struct ctl *));
/* The running command is over with this status. */
void	job_end(struct ctl *c, int status);
/* The prompt may have changed (connection, role). */
void	shell_prompt_changed(struct ctl *c);

/* commands.c */
int	cmd_execute(struct ctl *c, int argc, char **argv);
size_t	cmd_complete(struct ctl *c, int argc, char *const argv[], const char *prefix,
	    cmdtab_add_fn add, void *actx);
void	note_group(struct ctl *c, const char *text);

/* out.c */
void	out_init(struct ctl *c);
/* Write what is in c->ob (stdout), around the line being typed. */
void	out_flush(struct ctl *c);
void	out_line(struct ctl *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Errors and warnings: "marsctl: CMD: message" or a JSON object. */
void	out_error(struct ctl *c, const char *arg, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	out_warn(struct ctl *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* JSON pieces into c->ob. */
void	out_json_begin(struct ctl *c, const char *type);
void	out_json_str(struct ctl *c, const char *key, const char *val);	/* NULL: null */
void	out_json_num(struct ctl *c, const char *key, uint64_t val);
void	out_json_bool(struct ctl *c, const char *key, bool val);
void	out_json_raw(struct ctl *c, const char *key, const char *json);
void	out_json_end(struct ctl *c);
/* Seconds since the epoch with six decimals. */
void	out_ts(struct ctl *c);
/* Emit raw octets through the prompt-aware writer (fd 1 or 2). */
void	out_write(struct ctl *c, int fd, const char *p, size_t n);

/* admin.c */
typedef void	(*admin_cb)(struct ctl *, void *arg, int status, const char *text,
		    size_t len);
int	admin_init(struct ctl *c);
void	admin_free(struct ctl *c);
/*
 * Send request (no newline) to socket path; cb gets status 0 and the
 * data lines (newline-separated, dot-stuffing removed), 1 and the
 * daemon's error, or 2 and why the socket could not be used.  Requests
 * are answered in order.  quiet: no effect on the prompt's state.
 */
void	admin_request(struct ctl *c, const char *path, const char *request,
	    admin_cb cb, void *arg);
/* Forget queued requests of cb (a cancelled command). */
void	admin_cancel(struct ctl *c, admin_cb cb);
int	cmd_show(struct ctl *c, const struct cmdtab_result *r);
int	cmd_admin(struct ctl *c, const struct cmdtab_result *r);
int	cmd_fault(struct ctl *c, const struct cmdtab_result *r);
int	cmd_reload(struct ctl *c, const struct cmdtab_result *r);
/* Ask the current MARS its role for the prompt. */
void	admin_refresh_role(struct ctl *c);
/*
 * Completion from the help of the marsd talked to: its command words
 * (after NULL) or the words that follow one ("show"), less the keywords
 * of skip (the table's own), starting with prefix.
 */
size_t	admin_complete(struct ctl *c, const char *after, const char *prefix,
	    const struct cmdtab *skip, cmdtab_add_fn add, void *actx);

/* member.c */
int	member_init(struct ctl *c);
void	member_free(struct ctl *c);
int	cmd_connect(struct ctl *c, const struct cmdtab_result *r);
int	cmd_disconnect(struct ctl *c, const struct cmdtab_result *r);
int	cmd_status(struct ctl *c, const struct cmdtab_result *r);
int	cmd_register(struct ctl *c, const struct cmdtab_result *r);
int	cmd_deregister(struct ctl *c, const struct cmdtab_result *r);
int	cmd_join(struct ctl *c, const struct cmdtab_result *r);
int	cmd_request(struct ctl *c, const struct cmdtab_result *r);
int	cmd_grouplist(struct ctl *c, const struct cmdtab_result *r);
int	cmd_watch(struct ctl *c, const struct cmdtab_result *r);
/* Disconnect at once (quit): deregistration sent, not awaited. */
void	member_close(struct ctl *c);
/* Send an SDU on a VC of kind to peer (0: the current MARS), recorded. */
int	member_send(struct ctl *c, uint8_t kind, uint32_t peer, const uint8_t *sdu,
	    size_t len);
/* The peer id of a MARS's endpoint (scsp: its peer-endpoint), 0 if none. */
uint32_t member_peer(struct ctl *c, size_t mars, bool scsp);
/* Print received frames (send, raw) until the running command ends. */
void	member_show_replies(struct ctl *c, bool on);
const uint8_t *member_own_atm(struct ctl *c);
bool	member_registered(struct ctl *c);
uint16_t member_cmi(struct ctl *c);
/* Load a cluster file into c->cluster; msg on failure. */
int	ctl_load_cluster(struct ctl *c, const char *path, char *msg, size_t len);
/* The admin socket of entity name: the lab's, the file's, marsd's default. */
void	ctl_entity_admin(struct ctl *c, const char *name, char *buf, size_t len);
/* Index of a MARS by name or endpoint text, -1. */
int	ctl_find_mars(struct ctl *c, const char *what);

/* craft.c */
int	cmd_send(struct ctl *c, const struct cmdtab_result *r);
int	cmd_raw(struct ctl *c, const struct cmdtab_result *r);
/* Completion of send: operations, and the fields of one. */
size_t	craft_complete_op(const char *prefix, cmdtab_add_fn add, void *actx);
size_t	craft_complete_field(const char *op, const char *prefix, cmdtab_add_fn add,
	    void *actx);

/* pcap.c */
int	cmd_capture_start(struct ctl *c, const struct cmdtab_result *r);
int	cmd_capture_stop(struct ctl *c, const struct cmdtab_result *r);
/* Record one SDU: dir MARS_DIR_TX/RX, VC label. */
void	capture_record(struct ctl *c, int dir, uint16_t vpi, uint16_t vci,
	    const uint8_t *sdu, size_t len);
void	capture_close(struct ctl *c);

/* lab.c */
int	cmd_lab(struct ctl *c, const struct cmdtab_result *r);
/* Kill and reap every entity (quit, signals). */
void	lab_shutdown(struct ctl *c);
/* The admin socket of a lab entity, NULL when no lab runs it. */
const char *lab_admin_path(struct ctl *c, const char *name);
/* Names of the lab's entities for completion. */
size_t	lab_complete(struct ctl *c, const char *prefix, cmdtab_add_fn add, void *actx);

/* Shared parsers (commands.c). */
/* "224.1.2.3" or an IPv6 group into out; returns its length or -1. */
int	parse_group(const char *s, uint8_t *out);
/* GROUP or GROUP-GROUP; lengths equal; 0 or -1. */
int	parse_range(const char *s, uint8_t *lo, uint8_t *hi, int *len);
int	parse_duration(const char *s, mars_time_t *ms);

#endif
