/*
 * marsmap --tui: the ncurses live view, drawn from the checker's state
 * (check.h) and the run's event log.  From the top: a status line; the
 * MARS Group with roles and liveness; the current redirect map of each
 * partition; the members with CMI, MARS and groups; the scrolling list of
 * events and findings; a key line.  Keys:
 *
 *   q        quit             p, space  pause / resume the view
 *   s        member sort order (first seen, CMI, ATM address, MARS)
 *   f        event filter (everything, findings, messages)
 *   up/down, PgUp/PgDn  scroll the events (pauses)
 *   home/end back to the newest events
 *
 * Usable from 80x24; a resize redraws at the new size.  The terminal is
 * restored on every way out: q, the end of a live run, SIGINT/SIGTERM
 * (the modes stop, then mm_tui_close() runs endwin()).
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marsmap.h"

#define REDRAW_US	200000	/* at most five frames a second */
#define ATM_SHORT	12	/* hex digits of a member's address shown */

enum sort_key { SORT_SEEN, SORT_CMI, SORT_ATM, SORT_MARS, SORT_N };
enum filter { FILTER_ALL, FILTER_FINDINGS, FILTER_MESSAGES, FILTER_N };

static const char *const sort_names[SORT_N] = {
	"seen", "cmi", "atm", "mars",
};
static const char *const filter_names[FILTER_N] = {
	"all", "findings", "messages",
};

struct mm_tui {
	bool		 paused;
	bool		 ended;
	bool		 dirty;
	int		 sort;
	int		 filter;
	size_t		 scroll;	/* events scrolled back */
	uint64_t	 last_draw;
	bool		 color;
};

static struct mm_tui tui_store;

int
mm_tui_fd(const struct mm_run *r)
{
	return STDIN_FILENO;
}

int
mm_tui_open(struct mm_run *r)
{
	struct mm_tui *t = &tui_store;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	memset(t, 0, sizeof(*t));
	if (initscr() == NULL)
		return -1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		init_pair(2, COLOR_GREEN, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_CYAN, -1);
		t->color = true;
	}
	t->dirty = true;
	r->tui = t;
	return 0;
}

void
mm_tui_close(struct mm_run *r)
{
	if (r->tui == NULL)
		return;
	endwin();
	r->tui = NULL;
}

static void
hl_on(const struct mm_tui *t, int pair, bool bold)
{
	if (t->color && pair)
		attron(COLOR_PAIR(pair));
	if (bold)
		attron(A_BOLD);
}

static void
hl_off(const struct mm_tui *t, int pair, bool bold)
{
	if (t->color && pair)
		attroff(COLOR_PAIR(pair));
	if (bold)
		attroff(A_BOLD);
}

/* Print at (y, 0), cut to the width, the rest of the line cleared. */
static void
line(int y, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
line(int y, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	move(y, 0);
	clrtoeol();
	addnstr(buf, COLS > 0 ? COLS : 0);
}

static int
role_pair(int role)
{
	switch (role) {
	case MARS_CHECK_ROLE_ACTIVE:	return 2;
	case MARS_CHECK_ROLE_DEAD:	return 1;
	case MARS_CHECK_ROLE_BACKUP:	return 4;
	}
	return 0;
}

static int
draw_group(struct mm_run *r, int y, int max)
{
	const struct mars_check *c = r->chk;
	struct mars_check_mars_info mi;
	char name[48], csn[48];
	size_t i;
	int n = 0;

	hl_on(r->tui, 0, true);
	line(y++, "MARS Group%*s role    alive maps  csn", 20, "");
	hl_off(r->tui, 0, true);
	for (i = 0; i < mars_check_mars_count(c) && n < max; i++) {
		if (!mars_check_mars(c, i, &mi))
			continue;
		mm_mars_short(c, (int)i, name, sizeof(name));
		if (mi.has_csn)
			snprintf(csn, sizeof(csn), "%u..%u%s", mi.csn_first,
			    mi.csn_last, mi.csn_gaps ? " GAPS" : "");
		else
			snprintf(csn, sizeof(csn), "-");
		hl_on(r->tui, role_pair(mi.role), false);
		line(y++, "  %-27.27s %-7s %-5s %5llu %s", name,
		    mars_check_role_name(mi.role),
		    !mi.liveness_known ? "?" : mi.alive ? "yes" : "no",
		    (unsigned long long)mi.maps, csn);
		hl_off(r->tui, role_pair(mi.role), false);
		n++;
	}
	return y;
}

static int
draw_maps(struct mm_run *r, int y)
{
	const struct mars_check *c = r->chk;
	struct mars_check_map_info mi;
	char buf[400], name[48];
	size_t p, k, o;

	for (p = 0; p < mars_check_partition_count(c) && p < 4; p++) {
		o = (size_t)snprintf(buf, sizeof(buf), "map %s: ",
		    mars_check_partition_name(c, p));
		if (!mars_check_current_map(c, p, &mi))
			snprintf(buf + o, sizeof(buf) - o, "none yet");
		else {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "from %s %s:", mm_mars_short(c, mi.sender, name,
			    sizeof(name)), mi.hard ? "hard" : "soft");
			for (k = 0; k < mi.n && o < sizeof(buf); k++)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				    " %s", mm_mars_short(c, mi.entries[k], name,
				    sizeof(name)));
		}
		line(y++, "%s", buf);
	}
	return y;
}

/* Member order for the table. */
static const struct mars_check *sort_chk;
static int sort_by;

static int
member_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	struct mars_check_member_info x, y;
	int d = 0;

	if (sort_by == SORT_SEEN)
		return i < j ? -1 : i > j;
	mars_check_member(sort_chk, i, &x);
	mars_check_member(sort_chk, j, &y);
	switch (sort_by) {
	case SORT_CMI:
		d = (int)x.cmi - (int)y.cmi;
		break;
	case SORT_ATM:
		d = memcmp(x.atm, y.atm, MARS_ATM_ADDR_MAX);
		break;
	case SORT_MARS:
		d = x.mars - y.mars;
		break;
	}
	return d != 0 ? d : (i < j ? -1 : i > j);
}

static int
draw_members(struct mm_run *r, int y, int rows)
{
	const struct mars_check *c = r->chk;
	struct mars_check_member_info mb;
	size_t n = mars_check_member_count(c), i, k, shown;
	size_t order_store[256], *order = order_store;
	char name[48], atm[2 * MARS_ATM_ADDR_MAX + 1], g[64], groups[200];
	size_t o;

	hl_on(r->tui, 0, true);
	line(y++, "Members %zu (sort: %s)   atm          cmi   mars         "
	    "groups", n, sort_names[r->tui->sort]);
	hl_off(r->tui, 0, true);
	/* Sorting past a screenful of members is not worth the memory. */
	shown = n < 256 ? n : 256;
	for (i = 0; i < shown; i++)
		order[i] = i;
	sort_chk = c;
	sort_by = r->tui->sort;
	qsort(order, shown, sizeof(order[0]), member_cmp);
	for (i = 0; i < shown && rows > 0; i++, rows--) {
		if (!mars_check_member(c, order[i], &mb))
			continue;
		for (k = 0; k < mb.atm_len && 2 * k + 2 < sizeof(atm); k++)
			snprintf(atm + 2 * k, 3, "%02x", mb.atm[k]);
		atm[2 * k] = '\0';
		o = 0;
		groups[0] = '\0';
		for (k = 0; mars_check_member_group(c, order[i], k, g,
		    sizeof(g)) && o < sizeof(groups); k++)
			o += (size_t)snprintf(groups + o, sizeof(groups) - o,
			    "%s%s", k ? "," : "", g);
		line(y++, "  ..%-*s %5s %-12.12s %s", ATM_SHORT,
		    strlen(atm) > ATM_SHORT ? atm + strlen(atm) - ATM_SHORT :
		    atm, mb.cmi ? (snprintf(g, sizeof(g), "%u", mb.cmi), g) :
		    "-", mb.mars >= 0 ? mm_mars_short(c, mb.mars, name,
		    sizeof(name)) : "-", groups);
	}
	return y;
}

static bool
passes(const struct mm_tui *t, const struct mm_line *l)
{
	switch (t->filter) {
	case FILTER_FINDINGS:
		return l->finding;
	case FILTER_MESSAGES:
		return l->message;
	}
	return true;
}

static void
draw_events(struct mm_run *r, int y, int rows)
{
	struct mm_tui *t = r->tui;
	const struct mm_line *l, *shown[128];
	size_t i, n = 0, skip = t->scroll;
	char ts[32];
	int k;

	hl_on(t, 0, true);
	line(y++, "Events and findings (filter: %s)%s", filter_names[t->filter],
	    t->scroll ? "  [scrolled back]" : "");
	hl_off(t, 0, true);
	rows--;
	if (rows > 128)
		rows = 128;
	/* Newest last: walk back from the head, keep what passes. */
	for (i = 0; i < r->log_n && (int)n < rows; i++) {
		l = &r->log[(r->log_head + MM_LOG_LINES - 1 - i) %
		    MM_LOG_LINES];
		if (!passes(t, l))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		shown[n++] = l;
	}
	for (k = (int)n - 1; k >= 0; k--) {
		l = shown[k];
		mm_time_text(l->us, ts, sizeof(ts));
		hl_on(t, l->finding ? 1 : 0, l->finding);
		line(y++, "%s %s", ts, l->text);
		hl_off(t, l->finding ? 1 : 0, l->finding);
	}
	while (rows-- > (int)n)
		line(y++, "%s", "");
}

static void
draw(struct mm_run *r)
{
	struct mm_tui *t = r->tui;
	const struct mars_check *c = r->chk;
	const struct mars_check_stats *st = mars_check_stats(c);
	int y = 0, rest, member_rows, group_rows;
	unsigned broken = mars_check_broken(c);

	erase();
	hl_on(t, broken ? 1 : 2, true);
	line(y++, "marsmap %s  [%s]  %llu messages  %llu findings  %u rule%s "
	    "broken", r->source, t->ended ? "END" : t->paused ? "PAUSED" :
	    "LIVE", (unsigned long long)st->messages,
	    (unsigned long long)mars_check_finding_total(c), broken,
	    broken == 1 ? "" : "s");
	hl_off(t, broken ? 1 : 2, true);
	/* Share the rows: the group, the maps, members, then events. */
	group_rows = LINES >= 30 ? 8 : 4;
	y = draw_group(r, y, group_rows);
	y = draw_maps(r, y);
	rest = LINES - y - 1;
	member_rows = rest / 3 > 2 ? rest / 3 : 2;
	y = draw_members(r, y, member_rows);
	draw_events(r, y, LINES - y - 1);
	hl_on(t, 3, false);
	line(LINES - 1, "q quit  p pause  s sort  f filter  up/down scroll  "
	    "end newest");
	hl_off(t, 3, false);
	refresh();
	t->dirty = false;
}

/* One key; true when it says quit. */
static bool
key(struct mm_run *r, int ch)
{
	struct mm_tui *t = r->tui;

	switch (ch) {
	case 'q':
	case 'Q':
		return true;
	case 'p':
	case ' ':
		t->paused = !t->paused;
		if (!t->paused)
			t->scroll = 0;
		break;
	case 's':
		t->sort = (t->sort + 1) % SORT_N;
		break;
	case 'f':
		t->filter = (t->filter + 1) % FILTER_N;
		t->scroll = 0;
		break;
	case KEY_UP:
	case 'k':
		t->scroll++;
		t->paused = true;
		break;
	case KEY_DOWN:
	case 'j':
		if (t->scroll > 0)
			t->scroll--;
		break;
	case KEY_PPAGE:
		t->scroll += 10;
		t->paused = true;
		break;
	case KEY_NPAGE:
		t->scroll = t->scroll > 10 ? t->scroll - 10 : 0;
		break;
	case KEY_HOME:
	case KEY_END:
	case 'G':
		t->scroll = 0;
		break;
	case KEY_RESIZE:
		break;
	default:
		return false;
	}
	t->dirty = true;
	return false;
}

bool
mm_tui_poll(struct mm_run *r, uint64_t now_us)
{
	struct mm_tui *t = r->tui;
	bool keyed = false;
	int ch;

	if (t == NULL)
		return false;
	while ((ch = getch()) != ERR) {
		if (key(r, ch))
			return true;
		keyed = true;
	}
	if (keyed || (!t->paused && now_us >= t->last_draw + REDRAW_US)) {
		t->last_draw = now_us;
		draw(r);
	}
	return false;
}

void
mm_tui_wait(struct mm_run *r)
{
	struct mm_tui *t = r->tui;
	int ch;

	if (t == NULL)
		return;
	t->ended = true;
	draw(r);
	nodelay(stdscr, FALSE);
	timeout(500);
	for (;;) {
		ch = getch();
		if (mm_interrupted)
			return;
		if (ch == ERR)
			continue;
		if (key(r, ch))
			return;
		draw(r);
	}
}
