/*
 * marsd: the reference MARS server daemon (marsd(8)).  Shared state of
 * its files: main.c (options, daemonise), settings.c (cluster file ->
 * settings), serve.c (link <-> server wiring, timers, reload), control.c
 * (admin socket), show.c (admin answers).
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
#include "mars/server.h"

/* What the cluster file and the command line say; reload rebuilds it. */
struct marsd_settings {
	char			 name[CONF_NAME_MAX];
	struct endpoint		 listen;
	uint16_t		 pro;		/* MARS_PRO_IPV4 / IPV6 */
	uint8_t			 atm[ATM_ADDR_MAX];
	uint8_t			 atm_len;
	uint16_t		 cmi_low;	/* 0,0: the whole range */
	uint16_t		 cmi_high;
	mars_time_t		 redirect_interval;
	struct server_atm	 mars[SERVER_MARS_MAX];	/* self first */
	uint8_t			 nmars;
	char			 admin[CONF_PATH_MAX];	/* "" none given */
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
};

struct control;

struct marsd {
	struct marsd_opts	 opts;
	char			 conf_real[4096];	/* for reload */
	struct marsd_settings	 set;
	struct evloop		*loop;
	struct link		*link;
	struct mars_server	*srv;
	struct control		*ctl;
	struct endpoint		 local;		/* bound address */
	mars_time_t		 started;
	evloop_timer_id		 srv_timer;
	mars_time_t		 srv_deadline;
	evloop_timer_id		 map_timer;
	uint32_t		 cur_peer;	/* sender of the SDU in hand */
	uint32_t		*gone;		/* peers that stopped being leaves */
	size_t			 ngone;
	size_t			 capgone;
	uint64_t		 reloads;
	uint64_t		 reload_errors;
	uint64_t		 peers_lost;	/* leaves reported gone */
	uint8_t			 rxbuf[LINK_DGRAM_MAX];
};

/* settings.c: 0, or -1 with msg ("FILE:LINE: problem"). */
int	settings_build(struct marsd_settings *s, const struct marsd_opts *o,
	    const char *conf_path, char *msg, size_t msglen);
/* Default admin socket path for name (marsd(8) FILES). */
void	settings_default_admin(char *buf, size_t len, const char *name);

/* serve.c */
int	serve_start(struct marsd *d, char *msg, size_t msglen);
void	serve_stop(struct marsd *d);
void	serve_reload(struct marsd *d);

/* show.c: answer one admin request into out (framed, end line included). */
void	show_answer(struct marsd *d, const struct ctl_request *req,
	    struct ctl_buf *out);

#endif
