/*
 * marsd: the reference MARS server daemon (marsd(8)).  Shared state of
 * its files: main.c (options, daemonise), settings.c (cluster file ->
 * settings), serve.c (link <-> server wiring, timers, reload), cluster.c
 * (the redundant MARS: inter-server VCs, redund.h), fault.c (fault
 * injection), control.c (admin socket), show.c and show_cluster.c
 * (admin answers), ctlclient.c (-C: a client of a running marsd),
 * report.c (errors, warnings, -t and start lines, text or JSON).
 */
#ifndef MARSD_H
#define MARSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/config.h"
#include "mars/ctl.h"
#include "mars/endpoint.h"
#include "mars/evloop.h"
#include "mars/link.h"
#include "mars/redund.h"
#include "mars/server.h"

/* What the cluster file and the command line say; reload rebuilds it. */
struct marsd_settings {
	char			 name[MARS_CONF_NAME_MAX];
	struct mars_endpoint		 listen;
	uint16_t		 pro;		/* MARS_PRO_IPV4 / IPV6 */
	uint8_t			 atm[MARS_ATM_ADDR_MAX];
	uint8_t			 atm_len;
	uint16_t		 cmi_low;	/* 0,0: the whole range */
	uint16_t		 cmi_high;
	mars_time_t		 redirect_interval;
	struct mars_server_atm	 mars[MARS_SERVER_MARS_MAX];	/* self first */
	uint8_t			 nmars;
	char			 admin[MARS_CONF_PATH_MAX];	/* the file's,
						   %n expanded; "" none */
	bool			 clustered;	/* several entities: redund */
	int			 self;		/* index in the file, or -1 */
	size_t			 n_mars;	/* entities in the file, 0 none */
	bool			 load_sharing;	/* the file has [partition]s */
	mars_time_t		 failure_timeout;	/* the file's; 0 none */
	bool			 fault_injection;	/* the file (or, without
						   one, --fault-injection)
						   allows it */
	unsigned		 faults;	/* MARS_REDUND_FI_* */
	unsigned		 quirks;	/* MARS_SERVER_Q_* */
};

/* Command-line values that override the cluster file. */
struct marsd_opts {
	const char		*conf_path;
	const char		*name;
	const char		*listen;
	const char		*atm;
	const char		*cmi;
	const char		*redirect;
	const char		*protocol;
	const char		*faults;	/* --fault NAME[,NAME] */
	bool			 fault_injection;	/* --fault-injection */
};

struct control;

struct marsd {
	struct marsd_opts	 opts;
	char			 conf_real[4096];	/* for reload */
	struct marsd_settings	 set;
	struct mars_evloop		*loop;
	struct mars_link		*link;
	struct mars_server	*srv;		/* the redund's one when clustered */
	struct mars_cluster_conf	*cluster;	/* clustered: kept for red */
	struct mars_redund	*red;		/* NULL: a single MARS */
	struct mars_link		*plink;		/* peer-endpoint socket, or NULL
						   (inter-server VCs on link) */
	uint32_t		 peer_id[MARS_CONF_MARS_MAX];	/* entity -> peer
						   id on the inter-server link */
	bool			 peer_down[MARS_CONF_MARS_MAX];
	uint64_t		 peer_losses;	/* inter-server VCs lost */
	struct mars_endpoint		 plocal;	/* plink's bound address */
	struct control		*ctl;
	struct mars_endpoint		 local;		/* bound address */
	bool			 writing;	/* polling link for writes */
	mars_time_t		 started;
	struct mars_alarm	 srv_alarm;	/* the machines' next deadline */
	mars_timer_id		 map_timer;
	uint32_t		 cur_peer;	/* sender of the SDU in hand */
	uint32_t		*gone;		/* peers that stopped being leaves */
	size_t			 ngone;
	size_t			 capgone;
	uint64_t		 reloads;
	uint64_t		 reload_errors;
	uint64_t		 peers_lost;	/* leaves reported gone */
	uint8_t			 rxbuf[MARS_LINK_DGRAM_MAX];
};

/* settings.c: 0, or -1 with msg ("FILE:LINE: problem"); -2 for a fault
 * injection the file does not allow. */
int	settings_build(struct marsd_settings *s, const struct marsd_opts *o,
	    const char *conf_path, char *msg, size_t msglen);
/* The admin socket: --admin, else the file's, else the default. */
void	settings_admin(const struct marsd_settings *s, const char *opt,
	    char *buf, size_t len);
/* Every host of the settings resolves (-t checks what start needs). */
int	settings_resolve(const struct marsd_settings *s, char *msg,
	    size_t msglen);
/* Warnings about settings that work but misbehave (report_warning()). */
void	settings_warn(const struct marsd_settings *s, const char *conf_path);

/* report.c (see there for the JSON objects) */
void	report_set_json(bool on);
bool	report_json(void);
void	report_set_conf(const char *user, const char *real);
void	report_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	report_warning(const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	report_usage(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	report_check(const char *file, const char *entity, size_t entities,
	    bool load_sharing, int verbose);
void	report_start(const char *name, const char *endpoint,
	    const char *peer_endpoint, const char *admin, bool redundant,
	    long pid);

/* fault.c: "omit-dead,win2000" -> redund faults and server quirks. */
int	fault_parse(const char *list, unsigned *faults, unsigned *quirks,
	    char *msg, size_t msglen);
/* Names of what is on, comma-separated, "none" if nothing. */
void	fault_names(unsigned faults, unsigned quirks, char *buf, size_t len);
/* Switch faults on a running marsd; 0, or -1 with msg. */
int	fault_apply(struct marsd *d, unsigned faults, unsigned quirks,
	    char *msg, size_t msglen);

/* ctlclient.c: -C, one admin request; returns the exit status. */
int	ctl_client(const char *path, int argc, char **argv, bool json);

/* serve.c */
int	serve_start(struct marsd *d, char *msg, size_t msglen);
void	serve_stop(struct marsd *d);
/* What a reload did (SIGHUP, the admin reload command). */
enum reload_result {
	RELOAD_APPLIED,		/* a lone MARS took the new map and interval */
	RELOAD_CHECKED,		/* a redundant MARS checked the file, kept all */
	RELOAD_FAILED,		/* no file, or a bad one: nothing changed */
};
/* Reread the cluster file; msg says what happened, in one line. */
enum reload_result serve_reload(struct marsd *d, char *msg, size_t msglen);

/* show.c: answer one admin request into out (framed, end line included). */
void	show_answer(struct marsd *d, const struct mars_ctl_request *req,
	    struct mars_ctl_buf *out);

/* cluster.c: the redundant MARS (marsd(8) REDUNDANCY AND LOAD SHARING). */
int	cluster_start(struct marsd *d, const struct mars_io *io,
	    void (*leaf)(void *, const struct mars_server_leaf *), char *msg,
	    size_t msglen);
void	cluster_stop(struct marsd *d);
/* Validate a clustered setting without opening anything (-t). */
int	cluster_check(const struct marsd_settings *s, const char *conf_path,
	    char *msg, size_t msglen);
/* The link that carries vc (the inter-server one for MARS_VC_SERVER). */
struct mars_link *cluster_link(struct marsd *d, uint8_t vc_kind);
/* Entity whose inter-server VC is peer on link l, or -1. */
int	cluster_entity(const struct marsd *d, const struct mars_link *l,
	    uint32_t peer);
/* A datagram arrived from entity e / its VC was reported gone. */
void	cluster_peer_seen(struct marsd *d, mars_time_t now, int e);
void	cluster_peer_lost(struct marsd *d, mars_time_t now, int e);

/* show_cluster.c: the redundancy commands. */
void	show_cluster(struct marsd *d, const struct mars_ctl_request *req,
	    struct mars_ctl_buf *out);
void	show_cluster_redirect(struct marsd *d, struct mars_ctl_buf *b, bool json);
/* show.c helpers shared with show_cluster.c */
void	show_json_str_or_null(struct mars_ctl_buf *b, const char *s);

#endif
