/*
 * Daemon logging to stderr or syslog (log.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "mars/log.h"

#define LOG_LINE_MAX	1024

static const char	*log_ident = "mars";
static bool		 log_syslog;
static int		 log_verbose;

void
log_init(const char *ident, bool use_syslog, int verbose)
{
	log_ident = ident;
	log_verbose = verbose;
	log_use_syslog(use_syslog);
}

void
log_use_syslog(bool on)
{
	if (on && !log_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

bool
log_enabled(int level)
{
	int max = LOG_NOTICE + (log_verbose > 2 ? 2 : log_verbose);

	return level <= max;
}

void
log_line(int level, const char *line)
{
	if (!log_enabled(level))
		return;
	if (log_syslog)
		syslog(level, "%s", line);
	else
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	if (!log_enabled(level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_line(level, line);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(LOG_WARNING, "%s: %s", line, strerror(e));
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap);
	va_end(ap);
}
