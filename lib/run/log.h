/*
 * Daemon logging (STYLE.md §3.3, as ospfd's log.c): lines go to stderr
 * while a daemon runs in the foreground and to syslog(3) once it has
 * detached.  The level filter follows -v: notice and worse by default,
 * info with one -v, debug with two.
 *
 * This is the one libmars module that writes to the outside world; it
 * is meant for daemons (marsd) and never used by the codec or the state
 * machines, which report through fsm_io.log.
 */
#ifndef MARS_LOG_H
#define MARS_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

/* ident prefixes stderr lines ("marsd: ") and names the syslog ident. */
void	log_init(const char *ident, bool use_syslog, int verbose);
/* Switch to syslog (after daemonising) or back to stderr. */
void	log_use_syslog(bool on);
void	log_set_verbose(int verbose);
/* stderr lines as mars-json(7) objects (--json):
 * {"type":"log","ts","program","level","message"}. */
void	log_set_json(bool on);
/* Whether a line at level would be written (skip costly formatting). */
bool	log_enabled(int level);

/* level as syslog(3): LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(int level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* One finished line, as fsm_io.log hands it over. */
void	log_line(int level, const char *line);

/* Shorthands; log_warn appends ": strerror(errno)". */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
