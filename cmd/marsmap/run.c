/*
 * What every mode shares: the checker built from the options and the
 * cluster file, the events fed to it, the log of recent events and
 * findings the live view shows, and the end -- report and exit status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/pdu.h"
#include "mars/print.h"

#include "marsmap.h"

static char outstore[1 << 16];
volatile sig_atomic_t mm_interrupted;

uint64_t
mm_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* "HH:MM:SS.mmm" local time, as marsdump prints a capture's times. */
void
mm_time_text(uint64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	if (us == 0 || localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned)(us % 1000000u / 1000u));
}

/* The name of entity i for tables: the file's name, else its address. */
const char *
mm_mars_name(const struct mars_check *c, int i, char *buf, size_t len)
{
	struct mars_check_mars_info mi;
	size_t k, o = 0;

	if (i < 0 || !mars_check_mars(c, (size_t)i, &mi)) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (mi.name[0] != '\0')
		snprintf(buf, len, "%s", mi.name);
	else if (mi.atm_len > 0) {
		for (k = 0; k < mi.atm_len && o + 3 <= len; k++)
			o += (size_t)snprintf(buf + o, len - o, "%02x",
			    mi.atm[k]);
	} else if (mi.end.kind != MARS_END_NONE)
		mars_end_format(&mi.end, buf, len);
	else
		snprintf(buf, len, "#%d", i);
	return buf;
}

/*
 * The same, short enough for a column: an address is cut to its last
 * ten digits (the ESI and selector, which tell a cluster's entities
 * apart), behind "..".
 */
const char *
mm_mars_short(const struct mars_check *c, int i, char *buf, size_t len)
{
	char full[64];
	size_t n;

	mm_mars_name(c, i, full, sizeof(full));
	n = strlen(full);
	if (n <= 12 || strspn(full, "0123456789abcdef") != n)
		snprintf(buf, len, "%s", full);
	else
		snprintf(buf, len, "..%s", full + n - 10);
	return buf;
}

static struct mm_line *
log_slot(struct mm_run *r)
{
	struct mm_line *l = &r->log[r->log_head];

	r->log_head = (r->log_head + 1) % MM_LOG_LINES;
	if (r->log_n < MM_LOG_LINES)
		r->log_n++;
	r->log_total++;
	memset(l, 0, sizeof(*l));
	return l;
}

static void
on_finding(void *ctx, const struct mars_check_finding *f)
{
	struct mm_run *r = ctx;
	const struct mars_check_rule_info *ri = mars_check_rule_info(f->rule);
	struct mm_line *l;

	if (r->keep_log) {
		l = log_slot(r);
		l->us = f->us;
		l->finding = true;
		l->rule = f->rule;
		snprintf(l->text, sizeof(l->text), "%s: %s", ri->name,
		    f->message);
	}
	if (r->stream_findings) {
		if (r->o->json)
			mm_json_finding(&r->ob, f);
		else
			mm_text_finding(&r->ob, r->chk, f);
		(void)mars_out_flush(&r->ob);
	}
}

void
mm_run_init(struct mm_run *r, const struct mm_opts *o, const char *source)
{
	struct mars_check_conf conf;
	struct mars_err err;
	char why[256];

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->source = source;
	r->keep_log = o->tui;
	r->stream_findings = !o->tui && o->mode != MM_READ;
	mars_out_init(&r->ob, STDOUT_FILENO, outstore, sizeof(outstore));
	mars_check_conf_init(&conf);
	memset(&err, 0, sizeof(err));
	if (o->cluster != NULL &&
	    mars_check_conf_cluster(&conf, o->cluster, &err) != 0) {
		mars_err_format(&err, why, sizeof(why));
		diag_fatal(EXIT_USAGE, o->cfile, 0, "%s: %s", o->cfile, why);
	}
	conf.rules = o->rules;
	conf.on_finding = on_finding;
	conf.ctx = r;
	if (mars_check_new(&r->chk, &conf, &err) != 0) {
		mars_err_format(&err, why, sizeof(why));
		diag_fatal(EXIT_USAGE, NULL, 0, "checker: %s", why);
	}
}

/* One line for the live view: the message as marsdump prints it. */
static void
log_event(struct mm_run *r, const struct mars_event *ev)
{
	struct mars_print_opts po;
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_out mo;
	struct mm_line *l;
	char buf[1024], *p;
	size_t n;

	l = log_slot(r);
	l->us = mars_event_us(ev);
	if (ev->kind != MARS_EV_MESSAGE) {
		l->message = false;
		snprintf(l->text, sizeof(l->text), "%s%s%s",
		    ev->entity_name != NULL ? ev->entity_name : "",
		    ev->entity_name != NULL ? ": " : "",
		    ev->detail != NULL ? ev->detail : "happening");
		return;
	}
	l->message = true;
	mars_event_frame(ev, &fr);
	if (fr.sdu == NULL) {
		snprintf(l->text, sizeof(l->text), "record %llu: not MARS",
		    (unsigned long long)fr.num);
		return;
	}
	if (ev->pdu == NULL)
		mars_pdu_decode(&pdu, fr.sdu, fr.sdu_len, 0);
	memset(&po, 0, sizeof(po));
	po.mode = MARS_PRINT_LINE;
	mars_out_init(&mo, -1, buf, sizeof(buf));
	mars_print_frame(&mo, &po, &fr, ev->pdu != NULL ? ev->pdu : &pdu);
	/* Without marsdump's time stamp: the view shows its own. */
	p = buf;
	if (mo.len > 16 && buf[2] == ':' && buf[5] == ':' && buf[15] == ' ')
		p = buf + 16;
	n = mo.len - (size_t)(p - buf);
	if (n > sizeof(l->text) - 1)
		n = sizeof(l->text) - 1;
	memcpy(l->text, p, n);
	l->text[n] = '\0';
	if ((n = strcspn(l->text, "\n")) < sizeof(l->text))
		l->text[n] = '\0';
}

void
mm_feed(struct mm_run *r, const struct mars_event *ev)
{
	mars_check_feed(r->chk, ev);
	if (r->keep_log && ev->kind == MARS_EV_MESSAGE)
		log_event(r, ev);
}

void
mm_note(struct mm_run *r, uint64_t us, const char *fmt, ...)
{
	struct mm_line *l;
	va_list ap;

	if (!r->keep_log)
		return;
	l = log_slot(r);
	l->us = us;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

void
mm_idle(struct mm_run *r, uint64_t now_us)
{
	mars_check_tick(r->chk, now_us);
	if (r->tui != NULL && mm_tui_poll(r, now_us))
		r->stop = true;
}

/* Report, exit status: 1 broken (--strict: or not told), else 0. */
int
mm_finish(struct mm_run *r)
{
	const struct mm_opts *o = r->o;
	int status = r->status, v;
	unsigned i;

	mars_check_end(r->chk);
	if (r->tui != NULL) {
		if (!r->stop)
			mm_tui_wait(r);
		mm_tui_close(r);
	}
	if (o->json)
		mm_json(&r->ob, r->chk, o, r->source);
	else
		mm_report(&r->ob, r->chk, o, r->source);
	if (mars_out_flush(&r->ob) != 0 && status == 0)
		status = EXIT_USAGE;
	if (status == 0) {
		for (i = 0; i < MARS_CHECK_NRULES; i++) {
			v = mars_check_verdict(r->chk, i, NULL, NULL);
			if (v == MARS_CHECK_BROKEN ||
			    (o->strict && v == MARS_CHECK_CANNOT_TELL))
				status = EXIT_BROKEN;
		}
	}
	mars_check_free(r->chk);
	r->chk = NULL;
	return status;
}
