/*
 * marsfail: failover drills on simulated, lab and live MARS clusters,
 * random fault exploration, and the RFC 2022 conformance suite.  The
 * files:
 *   main.c      options, subcommands, exit status
 *   drill.c     the drill language (mars-drill(5)): file -> steps
 *   run.c       runs the steps on a backend, measures, judges expects
 *   sim.c       --sim: the cluster in the simulator (simclu.h)
 *   lab.c       --lab and --live: marsd processes, emulated members,
 *               a capture for the checker; netns.c the namespaces
 *   report.c    text, --json, --tap, --junit; html.c --html
 *   explore.c   random fault schedules, shrinking
 *   conform.c   the conformance subcommand
 *   complete.c  __complete for the shell completions
 */
#ifndef MARSFAIL_H
#define MARSFAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mars/check.h"
#include "mars/config.h"
#include "mars/event.h"
#include "mars/sim.h"
#include "mars/types.h"

/* Where `make install' puts the drill library (GNUmakefile DRILLDIR). */
#ifndef MARS_DRILLDIR
#define MARS_DRILLDIR	"/usr/local/share/marstools/drills"
#endif

#define EXIT_HELD	0	/* every expect held */
#define EXIT_FAILED	1	/* an expect failed */
#define EXIT_USAGE	2	/* bad usage, drill, cluster file, lab */

#define FAIL_NAME_MAX	64
#define FAIL_PATH_MAX	1024
#define FAIL_LINE_MAX	256

/* ---- diagnostics: lib/cli/diag.h ---- */

#include "cli/diag.h"

/* ---- the drill (drill.c) ---- */

enum step_kind {
	ST_START = 1,
	ST_WAIT,
	ST_KILL,
	ST_HANG,
	ST_RESUME,
	ST_RESTART,
	ST_PARTITION,
	ST_HEAL,
	ST_NET,
	ST_MCS,
	ST_EXPECT,
};

enum expect_kind {
	EX_ACTIVE = 1,		/* expect active M [within D] */
	EX_REREGISTERED,	/* expect reregistered [within D] */
	EX_RULES,		/* expect RULE / redirect-order / ... */
	EX_BROKEN,		/* expect broken RULE */
	EX_MEMBERSHIP,		/* expect membership-intact */
	EX_NO_DUAL,		/* expect no-dual-active */
	EX_NO_FINDINGS,		/* expect no-findings */
};

struct step {
	int		 kind;		/* enum step_kind */
	unsigned	 line;
	char		 text[FAIL_LINE_MAX];	/* the line as written */
	unsigned	 ent;		/* entity index */
	mars_time_t	 dur;		/* wait, hang (0: until resume), within */
	bool		 has_within;
	uint32_t	 seta;		/* partition: entity masks */
	uint32_t	 setb;
	int		 members_with;	/* 0, 1 (a), 2 (b) */
	struct mars_sim_net net;
	int		 ex;		/* enum expect_kind */
	uint32_t	 rules;		/* EX_RULES, EX_BROKEN */
	size_t		 group;		/* mcs serve G (0-based) */
};

struct drill {
	char		 path[FAIL_PATH_MAX];	/* as named, or "(explore)" */
	char		 name[FAIL_NAME_MAX];	/* file name without .drill */
	char		 title[FAIL_LINE_MAX];	/* `title`, or "" */
	char		 cluster_path[FAIL_PATH_MAX];
	unsigned	 cluster_line;
	struct mars_cluster_conf *cc;
	size_t		 clients;
	size_t		 groups;
	size_t		 groups_each;
	bool		 has_seed;
	uint64_t	 seed;
	struct mars_sim_net net;
	unsigned	 faults;	/* MARS_REDUND_FI_* on every entity */
	bool		 uses_mcs;
	size_t		 mcs_first;	/* mcs serve G before start, 0 none */
	struct step	*steps;
	size_t		 nsteps;
	size_t		 cap;
};

/*
 * Parse a drill file; the cluster file is read relative to the drill's
 * directory unless cluster_override is given.  Errors name file:line and
 * exit 2 (diag_fatal).
 */
void	drill_load(struct drill *d, const char *path,
	    const char *cluster_override);
/* The same from text (explore's replays and tests). */
int	drill_parse_text(struct drill *d, const char *text, const char *name,
	    const char *dir, const char *cluster_override, char *msg,
	    size_t msglen, unsigned *errline);
void	drill_free(struct drill *d);
/* Append a step (explore builds drills in memory). */
struct step *drill_add(struct drill *d, int kind, unsigned line);
/* One step back as drill text (explore's minimal drills). */
void	drill_step_text(const struct drill *d, const struct step *st,
	    char *buf, size_t len);
const char *fault_names(unsigned mask, char *buf, size_t len);
int	entity_index(const struct drill *d, const char *name);

/* ---- backends ---- */

/* Roles as sampled: enum mars_redund_role, and a hung entity. */
#define ROLE_HUNG	3

struct fail_member {
	bool		 registered;
	int		 mars;		/* entity index, -1 */
	uint16_t	 cmi;
	size_t		 ngroups;
	size_t		 njoined;
	int		 partition;
};

struct fail_run;

/* What a mode (sim, lab, live) does for a drill: one table per mode. */
struct backend_ops {
	/* Entities up, members created (not yet started). */
	int		(*setup)(struct fail_run *r, struct mars_err *err);
	int		(*start_members)(struct fail_run *r, struct mars_err *err);
	mars_time_t	(*now)(struct fail_run *r);
	/* Let time pass to t (ms, the backend's clock). */
	int		(*advance)(struct fail_run *r, mars_time_t t,
			    struct mars_err *err);
	int		(*kill)(struct fail_run *r, unsigned i,
			    struct mars_err *err);
	int		(*hang)(struct fail_run *r, unsigned i,
			    struct mars_err *err);
	int		(*resume)(struct fail_run *r, unsigned i,
			    struct mars_err *err);
	int		(*restart)(struct fail_run *r, unsigned i,
			    struct mars_err *err);
	int		(*partition)(struct fail_run *r, const struct step *st,
			    struct mars_err *err);
	int		(*heal)(struct fail_run *r, struct mars_err *err);
	int		(*net)(struct fail_run *r, const struct mars_sim_net *n,
			    struct mars_err *err);
	int		(*mcs)(struct fail_run *r, size_t group,
			    struct mars_err *err);
	/* Role entity i claims (enum mars_redund_role), -1 unknown. */
	int		(*role)(struct fail_run *r, unsigned i);
	/* The Active of partition p as the living entities see it, -1. */
	int		(*active)(struct fail_run *r, int p);
	/* Adjust the checker's entities (ends) before it is made. */
	void		(*check_conf)(struct fail_run *r,
			    struct mars_check_conf *cf);
	bool		(*up)(struct fail_run *r, unsigned i);
	size_t		(*registered)(struct fail_run *r);
	void		(*member)(struct fail_run *r, size_t k,
			    struct fail_member *out);
	/* Memberships the Active's database lost / invented; -1 unknown. */
	int		(*membership)(struct fail_run *r, uint64_t *lost,
			    uint64_t *invented);
	void		(*finish)(struct fail_run *r);
	void		(*free)(struct fail_run *r);
};

struct backend {
	const char	*mode;		/* "sim", "lab", "live" */
	void		*ctx;
	size_t		 nmars;
	size_t		 nmembers;
	const struct backend_ops *ops;
};

int	sim_backend(struct fail_run *r, struct backend *b);
int	lab_backend(struct fail_run *r, struct backend *b);

/* ---- the run (run.c) ---- */

enum fail_mode {
	MODE_SIM = 1,
	MODE_LAB,
	MODE_LIVE,
};

struct fail_opts {
	int		 mode;
	const char	*drill_path;
	const char	*cluster_path;	/* -c: overrides the drill's */
	bool		 has_seed;
	uint64_t	 seed;
	bool		 json;
	bool		 tap;
	bool		 junit;
	const char	*html;
	const char	*pcap;		/* -w FILE */
	const char	*marsd;		/* --marsd PATH */
	const char	*fail_cmd;	/* --live */
	const char	*restore_cmd;
	const char	*endpoint;	/* -m, conformance */
	int		 netns;		/* -1 auto, 0 no, 1 yes */
	bool		 quiet;
	int		 verbose;
	bool		 strict;
	const char	*only;		/* conformance --only */
	mars_time_t	 timeout;	/* conformance */
	const char	*keep;		/* --keep DIR: lab files kept */
	/* explore */
	uint64_t	 runs;
	size_t		 explore_members;
	size_t		 explore_steps;
	const char	*explore_cluster;
	const char	*explore_fault_text;
	bool		 explore;	/* stop at the first broken invariant */
	bool		 list;
};

/* A role change of an entity, or a sample of the members. */
struct role_seg {
	unsigned	 ent;
	int		 role;
	mars_time_t	 start;
	mars_time_t	 end;
};

struct curve_pt {
	mars_time_t	 t;
	uint32_t	 registered;
};

struct expect_result {
	const struct step *st;
	bool		 held;
	bool		 told;		/* false: cannot tell (rules) */
	mars_time_t	 at;		/* when it held (since the fault), or 0 */
	char		 detail[FAIL_LINE_MAX];
};

/* One phase: a fault step (or start) and what followed until the next. */
struct phase {
	const struct step *st;
	mars_time_t	 t0;		/* run time of the fault */
	mars_time_t	 t1;		/* end of the phase */
	int		 active_before;	/* entity, -1 */
	int		 active_after;
	mars_time_t	 detect_members;	/* first MARS_FAILED, -1 none */
	mars_time_t	 detect_group;	/* new Active claimed, -1 none */
	uint32_t	 rereg;		/* members that registered again */
	mars_time_t	 rereg_p50;
	mars_time_t	 rereg_p99;
	mars_time_t	 rereg_max;
	uint32_t	 kept_cmi;	/* of rereg */
	uint32_t	 changed_cmi;
	uint64_t	 lost;		/* memberships, at the end */
	uint64_t	 invented;
	bool		 membership_known;
	uint64_t	 maps;		/* redirect maps members received */
	uint64_t	 findings;	/* check findings in the phase */
	unsigned	 dual_intervals;
	mars_time_t	 dual_ms;
	uint64_t	 messages;
	double		 msgs_per_s;
	size_t		 first_expect;	/* index into results */
	size_t		 nexpect;
};

struct fail_run {
	const struct fail_opts *o;
	struct drill	*d;
	struct backend	 b;
	struct mars_check *chk;
	uint64_t	 seed;
	mars_time_t	 t_start;	/* backend clock at setup */
	uint64_t	 us_base;	/* event time (us) of backend clock 0 */
	mars_time_t	 tick;		/* sampling period */
	bool		 started;
	/* per member */
	mars_time_t	*rereg_at;	/* since the last fault, NEVER */
	uint16_t	*cmi_before;
	/* per phase counters */
	mars_time_t	 fault_at;	/* run time */
	mars_time_t	 first_failed;
	uint64_t	 maps;
	uint64_t	 messages;
	uint64_t	 findings_seen;
	/* timelines */
	int		 cur_role[32];
	size_t		 cur_seg[32];
	struct role_seg	*segs;
	size_t		 nsegs;
	size_t		 capsegs;
	struct curve_pt	*curve;
	size_t		 ncurve;
	size_t		 capcurve;
	mars_time_t	 dual_since;	/* NEVER: not now */
	unsigned	 dual_count;	/* in the phase */
	mars_time_t	 dual_ms;
	bool		 cut;		/* a partition is in force */
	uint64_t	 phase_findings0;
	/* results */
	struct phase	*phases;
	size_t		 nphases;
	struct expect_result *res;
	size_t		 nres;
	bool		 error;		/* a step could not run */
	char		 errmsg[1024];
	unsigned	 errline;
	int		 failed;	/* expects that failed */
	mars_time_t	 end;		/* run time at the end */
	double		 wall_s;
	uint64_t	 total_messages;
	/* pcap of the run (sim) */
	const char	*pcap;
	/* explore: stop at the first failed invariant */
	bool		 explore;
	size_t		 explore_failed_step;
	bool		 explore_stopped;
	bool		 quiet_steps;
};

/* Run time: the backend clock since setup. */
mars_time_t run_now(struct fail_run *r);
/* Events from the backend: members' happenings and messages. */
void	run_member_event(struct fail_run *r, size_t k,
	    const struct mars_event *ev);
void	run_check_event(struct fail_run *r, const struct mars_event *ev);

int	run_drill(struct fail_run *r, const struct fail_opts *o,
	    struct drill *d);
void	run_free(struct fail_run *r);
/* Invariants after a step (explore): 0 held, else a message in buf. */
int	run_invariants(struct fail_run *r, char *buf, size_t len);

/* ---- reports ---- */

void	report_text(FILE *fp, struct fail_run *r);
void	report_json(FILE *fp, struct fail_run *r);
void	report_tap(FILE *fp, struct fail_run *r);
void	report_junit(FILE *fp, struct fail_run *r);
int	report_html(const char *path, struct fail_run *r);
const char *verdict_line(struct fail_run *r, char *buf, size_t len);
const char *role_name(int role);
void	fmt_ms(char *buf, size_t len, mars_time_t ms);

/* ---- subcommands ---- */

int	explore_main(const struct fail_opts *o);
int	conform_main(const struct fail_opts *o);
int	complete_main(int argc, char **argv);

#endif
