/*
 * marsping internals: options (options.c), diagnostics (diag.c), the
 * cluster-member session every mode runs on (session.c), and the modes:
 * MARS_REQUEST probes (probe.c), --register and --grouplist (oneshot.c),
 * --join (member.c).
 */
#ifndef MARSPING_H
#define MARSPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/client.h"
#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/evloop.h"
#include "mars/fsm.h"
#include "mars/link.h"
#include "mars/out.h"

#define EXIT_NOREPLY	1	/* no reply, no registration */
#define EXIT_USAGE	2	/* bad option, endpoint, socket error */

#define MP_JOIN_MAX	64	/* groups given to --join */

enum mp_mode {
	MODE_REQUEST = 0,	/* default: MARS_REQUEST probes */
	MODE_REGISTER,
	MODE_JOIN,
	MODE_GROUPLIST,
};

struct mp_opts {
	enum mp_mode	 mode;
	uint64_t	 count;		/* -c; 0: until interrupted */
	mars_time_t	 interval;	/* -i, ms */
	mars_time_t	 timeout;	/* -W, ms */
	mars_time_t	 deadline;	/* -w, ms; 0: none */
	bool		 quiet;
	bool		 json;
	int		 verbose;
	uint16_t	 pro_type;	/* MARS_PRO_IPV4 or MARS_PRO_IPV6 */
	/* Nothing says which: IPv4 and IPv6 are offered in turn until the
	 * MARS answers one (client.h pro_type_alt). */
	bool		 pro_auto;
	bool		 no_checksum;	/* --no-checksum */

	bool		 has_own;	/* -s */
	uint8_t		 own[MARS_ATM_ADDR_MAX];
	struct mars_client_pa own_pa;	/* -p, len 0: none */

	bool		 has_mars_ep;	/* -m */
	struct mars_endpoint	 mars_ep;
	bool		 has_mars_atm;	/* --atm-mars */
	uint8_t		 mars_atm[MARS_ATM_ADDR_MAX];
	const char	*cluster_path;	/* --cluster */
	struct mars_cluster_conf *cluster;

	mars_time_t	 failure_timeout;	/* 0: cluster file or RFC default */
	mars_time_t	 retransmit_interval;
	bool		 has_seed;
	uint64_t	 seed;

	struct mars_client_pa group;		/* request mode */
	struct mars_client_pa join[MP_JOIN_MAX];	/* --join */
	size_t		 njoin;
	struct mars_client_pa gl_min, gl_max;	/* --grouplist */
};

/* options.c: exits 2 with a message on bad usage, 0 after -h / -V. */
void	opts_parse(struct mp_opts *o, int argc, char **argv);
/* Decimal seconds ("0.2"), or a duration ("250ms", "2s", "1m"). */
int	opts_duration(const char *s, mars_time_t *ms);
/* Every multicast group of the protocol: 224/4 or ff00::/8. */
void	opts_default_range(uint16_t pro, struct mars_client_pa *min,
	    struct mars_client_pa *max);
const char *mp_pro_name(uint16_t pro);		/* "IPv4", "IPv6" */

/* diag.c: "marsping: ..." or, under --json, mars-json(7) objects. */
struct mp_diag {
	bool		 warning;	/* else an error */
	const char	*file;
	long		 line;		/* 0: none */
	const char	*field;
	uint16_t	 nonconf;	/* MARS_NC_* (warnings) */
	const struct mars_client_atm *mars;
	const char	*endpoint;
};
void	mp_diag(const struct mp_diag *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The client's log line (-vv); level as syslog(3). */
void	mp_log(int level, const char *msg);

struct mp_session;
struct mp_mars;

/* What a mode does with the session's happenings. */
struct mp_mode_ops {
	/* The client is created and started (groups, first probe). */
	void	(*start)(struct mp_session *);
	/* A client event (inside the client's callback: no mars_client_free,
	 * no mars_client_deregister; use mp_defer()). */
	void	(*event)(struct mp_session *, const struct mars_event *);
	/* A datagram the client has seen; ns = monotonic receive time. */
	void	(*rx)(struct mp_session *, const struct mars_link_rx *, uint64_t ns);
	/* -w expired or SIGINT/SIGTERM: wrap up (then mp_stop()). */
	void	(*finish)(struct mp_session *, const char *why);
	/* The MARS's ATM address was learnt from a redirect map. */
	void	(*learned)(struct mp_session *);
	/*
	 * An ICMP report says the MARS cannot be reached (why: "port
	 * unreachable"...); NULL: the session prints it.  The client hears
	 * of it after this (mars_client_vc_lost()).
	 */
	void	(*unreachable)(struct mp_session *, const struct mp_mars *,
		    const char *why);
};

struct mp_mars {
	struct mars_endpoint	 ep;
	char		 text[MARS_ENDPOINT_TEXT_MAX];
	uint32_t	 peer;
	bool		 atm_known;
};

struct mp_session {
	const struct mp_opts	*o;
	const struct mp_mode_ops *ops;
	struct mars_evloop		*loop;
	struct mars_link		*link;
	struct mars_client	*cl;
	struct mars_rng		 rng;

	struct mars_client_mars	 mars[MARS_CONF_MARS_MAX];
	struct mp_mars		 mi[MARS_CONF_MARS_MAX];
	size_t			 nmars;
	bool			 learning;	/* MARS ATM address unknown */
	uint8_t			 own[MARS_ATM_ADDR_MAX];

	struct mars_alarm	 client_alarm;
	mars_timer_id		 grace_timer;
	mars_timer_id		 defer_timer;
	void			(*deferred[8])(struct mp_session *);
	size_t			 ndeferred;
	bool			 stopping;	/* deregistering on the way out */
	bool			 finished;	/* mode's finish() ran */
	bool			 ever_registered;
	bool			 heard;		/* a datagram from a MARS */
	uint16_t		 other_pro;	/* mar$pro.type heard, not ours */
	uint64_t		 strangers;	/* datagrams from others */
	uint64_t		 unreachable;	/* ICMP reports naming a MARS */
	int			 unreach_errno;	/* of the last one */
	uint32_t		 unreach_mask;	/* MARSs reported, 1 << index */
	mars_time_t		 failure_ms;	/* the client's failure timeout */
	uint32_t		 warned[16];	/* code << 16 | nonconf, once */
	size_t			 nwarned;
	int			 status;	/* exit status */
	uint64_t		 last_send_ns;	/* of the last SDU the client sent */
	uint64_t		 start_ns;

	struct mars_out		 ob;
};

/* session.c */
int	mp_run(const struct mp_opts *o, const struct mp_mode_ops *ops);
/* Re-arm the client's timer after calling into it. */
void	mp_kick(struct mp_session *s);
/* Run fn once from the loop, outside any client callback. */
void	mp_defer(struct mp_session *s, void (*fn)(struct mp_session *));
/* Call the mode's finish() once (deadline, signal, count done). */
void	mp_finish(struct mp_session *s, const char *why);
/* Replace the client by a fresh one that knows the learnt MARS address,
 * and start it (the MARS hands back the same CMI, RFC 2022 §5.2.3). */
int	mp_restart(struct mp_session *s);
/* Deregister from whichever MARS holds the registration (bounded by
 * -W), then leave the loop. */
void	mp_stop(struct mp_session *s);
/* The registration (or what) failed: say why, as well as can be told. */
void	mp_no_answer(struct mp_session *s, const char *what);
/* "From ENDPOINT seq=N: port unreachable" (seq < 0: none), or JSON. */
void	mp_print_unreachable(struct mp_session *s, const struct mp_mars *mm,
	    int64_t seq, const char *why);
/* All the MARSs of the session were reported unreachable. */
bool	mp_all_unreachable(const struct mp_session *s);
/* Monotonic and wall clocks. */
uint64_t mp_mono_ns(void);
void	mp_wall(uint64_t *sec, uint32_t *usec);
/* The MARS a session talks to: by peer id, NULL if none. */
const struct mp_mars *mp_mars_by_peer(const struct mp_session *s,
	    uint32_t peer);
/* The VC to the current MARS (the first one before registration). */
const struct mars_vc *mp_current_vc(const struct mp_session *s);
/* The current MARS's ATM address, NULL while unknown. */
const struct mars_client_atm *mp_current_atm(const struct mp_session *s);
const char *mp_current_text(const struct mp_session *s);

/* Output helpers (session.c). */
void	mp_json_atm(struct mars_out *ob, const struct mars_client_atm *a);
void	mp_text_atm(struct mars_out *ob, const struct mars_client_atm *a);
void	mp_json_pa(struct mars_out *ob, const uint8_t *p, size_t n);
void	mp_text_pa(struct mars_out *ob, const uint8_t *p, size_t n);
void	mp_ms(struct mars_out *ob, double ms);	/* 3 decimals */
void	mp_ts(struct mars_out *ob);		/* sec.usec, wall clock */

/* The modes. */
extern const struct mp_mode_ops probe_ops;	/* probe.c */
extern const struct mp_mode_ops register_ops;	/* oneshot.c */
extern const struct mp_mode_ops grouplist_ops;	/* oneshot.c */
extern const struct mp_mode_ops member_ops;	/* member.c */

#endif
