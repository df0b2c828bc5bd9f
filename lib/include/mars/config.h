/*
 * The cluster file (DESIGN.md rule 5, marsd.conf(5)): one INI-style file
 * describes a MARS cluster; marsd, marsfail, marsctl and marsmap read it.
 *
 *   [cluster]          protocol, timers, fault-injection, admin-socket
 *   [mars NAME]        one per MARS entity: atm, endpoint, peer-endpoint,
 *                      priority, cmi, admin-socket
 *   [partition NAME]   load sharing: mars (Active first), cmi
 *
 * Durations are kept in milliseconds.  Errors name file, line and problem:
 *   cluster.conf:12: unknown key "priorty" in [mars m2]
 */
#ifndef MARS_CONFIG_H
#define MARS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/proto.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_CONF_MARS_MAX		32
#define MARS_CONF_PARTITION_MAX	32
#define MARS_CONF_NAME_MAX		32	/* NUL included */
#define MARS_CONF_PATH_MAX		256
#define MARS_CONF_MSG_MAX		512	/* a message buffer that always suffices */

/* RFC 2022 and seed-draft defaults, in milliseconds (marsd.conf(5)). */
#define MARS_CONF_DEF_REDIRECT	(60 * 1000)	/* RFC 2022 §6.1.3: every 1 min */
#define MARS_CONF_DEF_FAILURE	(4 * 60 * 1000)	/* RFC 2022 §5.4 */
#define MARS_CONF_DEF_RETRANSMIT	(10 * 1000)	/* RFC 2022 §5.2.2 */
#define MARS_CONF_DEF_HELLO		(3 * 1000)	/* SCSP Hello, RFC 2334 */
#define MARS_CONF_DEF_DEAD_FACTOR	3
#define MARS_CONF_DEF_MCS_TIMEOUT	(2 * 60 * 1000)
#define MARS_CONF_DEF_PRIORITY	0

enum mars_conf_protocol {
	MARS_CONF_PROTO_IPV4	= 4,	/* mar$pro.type 0x0800 */
	MARS_CONF_PROTO_IPV6	= 6,	/* mar$pro.type 0x86dd */
};

struct mars_entity_conf {
	char		 name[MARS_CONF_NAME_MAX];
	uint8_t		 atm[MARS_ATM_ADDR_MAX];	/* NSAP, 20 octets */
	uint8_t		 atm_len;
	struct mars_endpoint	 endpoint;		/* where members reach it */
	bool		 has_peer_endpoint;
	struct mars_endpoint	 peer_endpoint;		/* inter-server VCs */
	uint8_t		 priority;		/* higher wins the election */
	bool		 has_cmi;		/* else 1-65535 */
	uint16_t	 cmi_low;
	uint16_t	 cmi_high;
	char		 admin_socket[MARS_CONF_PATH_MAX];	/* "" if not set */
	unsigned	 line;			/* of the section header */
};

struct mars_partition_conf {
	char		 name[MARS_CONF_NAME_MAX];
	size_t		 n_mars;
	uint8_t		 mars[MARS_CONF_MARS_MAX];	/* indices into conf->mars,
						   Active first */
	uint16_t	 cmi_low;
	uint16_t	 cmi_high;
	unsigned	 line;
};

struct mars_cluster_conf {
	int		 protocol;		/* enum mars_conf_protocol */
	mars_time_t	 redirect_interval;
	mars_time_t	 failure_timeout;
	mars_time_t	 retransmit_interval;
	mars_time_t	 hello_interval;
	unsigned	 dead_factor;
	mars_time_t	 mcs_timeout;
	bool		 fault_injection;
	char		 admin_socket[MARS_CONF_PATH_MAX];	/* "" if not set;
						   %n: an entity's name */

	size_t		 n_mars;
	struct mars_entity_conf mars[MARS_CONF_MARS_MAX];
	size_t		 n_partitions;
	struct mars_partition_conf partitions[MARS_CONF_PARTITION_MAX];
};

/* The defaults and no entities. */
void	mars_config_defaults(struct mars_cluster_conf *conf);

/*
 * Parse text (len octets, need not be NUL-terminated); name is what error
 * messages call the file.  Returns 0, or MARS_E_PARSE with msg holding
 * "NAME:LINE: problem" (err->offset = byte offset of the offending line,
 * err->why = msg).  conf is left in an unspecified state on error.
 */
int	mars_config_parse_text(const char *text, size_t len, const char *name,
	    struct mars_cluster_conf *conf, struct mars_err *err, char *msg,
	    size_t msglen);

/* Read and parse path; MARS_E_SYS if it cannot be read ("PATH: reason"). */
int	mars_config_load(const char *path, struct mars_cluster_conf *conf,
	    struct mars_err *err, char *msg, size_t msglen);
/* The same into a new struct in *cp (free(3) it); *cp NULL on error. */
int	mars_config_load_new(struct mars_cluster_conf **cp, const char *path,
	    struct mars_err *err, char *msg, size_t msglen);

const struct mars_entity_conf *mars_config_find_mars(const struct mars_cluster_conf *conf,
	    const char *name);
/* Index of the named entity, or -1. */
int	mars_config_mars_index(const struct mars_cluster_conf *conf, const char *name);
/*
 * The admin socket the file gives entity `name`: its [mars] admin-socket,
 * else [cluster]'s, with %n replaced by the name ("" when neither is
 * set).  0, or MARS_E_NOSPACE when it does not fit in len.
 */
int	mars_config_admin_socket(const struct mars_cluster_conf *conf,
	    const char *name, char *buf, size_t len);
/*
 * The admin socket of entity `name` when neither the file nor the
 * command line names one (marsd(8) FILES): /run/marsd.NAME.sock as root,
 * else $XDG_RUNTIME_DIR/marsd.NAME.sock, else /tmp/marsd.UID.NAME.sock.
 */
void	mars_config_default_admin(const char *name, char *buf, size_t len);

struct mars_redund_conf;

/*
 * The redundancy machine's configuration (redund.h) for entity self of
 * cc: entities, partitions, timers, protocol, fault-injection switch.
 * The caller adds what is not in the file (seed, VC ids, leaf callback).
 * 0 or MARS_E_INVAL (err->why says what).
 */
int	mars_config_redund(const struct mars_cluster_conf *cc, unsigned self,
	    struct mars_redund_conf *rc, struct mars_err *err);

/*
 * Parse a duration: a decimal number with an optional unit ms, s, m or h
 * (no unit: seconds).  0 and more than 24h are refused.  Returns 0 or
 * MARS_E_PARSE (err->why says why, err->offset where).
 */
int	mars_config_parse_duration(const char *s, mars_time_t *ms,
	    struct mars_err *err);

#ifdef __cplusplus
}
#endif

#endif
