/*
 * Daemon logging to stderr or syslog (log.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "run/log.h"
#include "mars/out.h"

#define LOG_LINE_MAX	1024

static const char	*log_ident = "mars";
static bool		 log_syslog;
static int		 log_verbose;
static bool		 log_json;

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

void
log_set_json(bool on)
{
	log_json = on;
}

static const char *
level_name(int level)
{
	switch (level) {
	case LOG_EMERG:		return "emerg";
	case LOG_ALERT:		return "alert";
	case LOG_CRIT:		return "crit";
	case LOG_ERR:		return "err";
	case LOG_WARNING:	return "warning";
	case LOG_NOTICE:	return "notice";
	case LOG_INFO:		return "info";
	}
	return "debug";
}

/*
 * mars-json(7):
 * {"type":"log","ts":1767225600.123456,"program":"marsd","level":"info",
 *  "message":"..."}
 */
static void
log_json_line(int level, const char *line)
{
	char store[6 * LOG_LINE_MAX + 128];
	struct mars_out ob;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	mars_out_init(&ob, -1, store, sizeof(store));
	mars_out_printf(&ob, "{\"type\":\"log\",\"ts\":%lld.%06ld,"
	    "\"program\":", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	mars_out_json_str(&ob, log_ident);
	mars_out_puts(&ob, ",\"level\":\"");
	mars_out_puts(&ob, level_name(level));
	mars_out_puts(&ob, "\",\"message\":");
	mars_out_json_str(&ob, line);
	mars_out_putc(&ob, '}');
	fprintf(stderr, "%.*s\n", (int)ob.len, ob.buf);
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
	else if (log_json)
		log_json_line(level, line);
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
