/*
 * Output buffer every printer writes into: appends into a caller-supplied
 * block and flushes to a file descriptor when full, so printing a million
 * lines costs a few thousand write(2) calls.  A failed write sets err and
 * further output is discarded.
 *
 * Usage: mars_out_init(&ob, STDOUT_FILENO, block, sizeof(block)); set
 * ob.line_flush for live captures; append; mars_out_flush() before exit (its
 * return value, or ob.err, says whether everything was written).  With
 * fd -1 output stays in buf[0..len) and stops at cap (no flush, no err).
 * mars_out_printf is for rare paths only; the rest never formats with printf.
 */
#ifndef MARS_OUT_H
#define MARS_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mars_out {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 fd;		/* -1: memory only, grows never; tests read buf */
	bool		 err;
	bool		 line_flush;	/* flush after every newline (live capture) */

	/*
	 * Printers' time-stamp cache (print.h): the local "HH:MM:SS" of the
	 * last second printed, so localtime is consulted once per second
	 * of capture time, not once per line.  mars_out_init() clears it.
	 */
	bool		 tcache_valid;
	int64_t		 tcache_sec;
	char		 tcache_hms[8];
};

void	mars_out_init(struct mars_out *ob, int fd, char *storage, size_t cap);
int	mars_out_flush(struct mars_out *ob);
void	mars_out_u64(struct mars_out *ob, uint64_t v);
void	mars_out_hex(struct mars_out *ob, const uint8_t *p, size_t n);	/* lowercase */
void	mars_out_printf(struct mars_out *ob, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	mars_out_json_str(struct mars_out *ob, const char *s);	/* quoted, escaped */

/*
 * Converters that write at a cursor with no capacity check and return
 * the cursor after what they wrote; the caller guarantees the room
 * (mars_out_span below).  mars_fmt_u64 writes at most MARS_FMT_U64_MAX octets, mars_fmt_hex
 * exactly 2 * n.
 */
#define MARS_FMT_U64_MAX	20
char	*mars_fmt_u64(char *d, uint64_t v);
char	*mars_fmt_hex(char *d, const uint8_t *p, size_t n);	/* lowercase */

/* Out of line parts of the appends below; not for direct use. */
void	mars_out_write_slow(struct mars_out *ob, const void *p, size_t n);
void	mars_out_line_done(struct mars_out *ob, const void *p, size_t n);
char	*mars_out_span_slow(struct mars_out *ob, size_t n, char *tmp);

/*
 * The appends every printer calls for every field: inline, so that a
 * constant string becomes a few stores and the common case never leaves
 * the caller (marsdump's one-line output is bound by them).
 */
static inline void
mars_out_write(struct mars_out *ob, const void *p, size_t n)
{
	if (__builtin_expect(n <= ob->cap - ob->len && !ob->err, 1)) {
		memcpy(ob->buf + ob->len, p, n);
		ob->len += n;
	} else
		mars_out_write_slow(ob, p, n);
	if (__builtin_expect(ob->line_flush, 0))
		mars_out_line_done(ob, p, n);
}

static inline void
mars_out_puts(struct mars_out *ob, const char *s)
{
	mars_out_write(ob, s, strlen(s));
}

static inline void
mars_out_putc(struct mars_out *ob, char c)
{
	if (__builtin_expect(ob->len < ob->cap && !ob->err, 1))
		ob->buf[ob->len++] = c;
	else
		mars_out_write_slow(ob, &c, 1);
	if (__builtin_expect(ob->line_flush, 0) && c == '\n')
		mars_out_line_done(ob, &c, 1);
}

/*
 * Spans: room for up to n octets, reserved once, so a printer can write
 * a run of fields with the oc_* converters and no check per piece.
 *
 *	char tmp[N], *d0, *d;
 *	d = d0 = mars_out_span(ob, sizeof(tmp), tmp);
 *	d = mars_fmt_u64(d, v); ...			(at most N octets)
 *	mars_out_span_end(ob, d0, d, tmp);
 *
 * The span is in the buffer itself when it has room (after a flush if
 * need be); otherwise (memory only and nearly full, an error, line_flush
 * mode, or n larger than the buffer) it is tmp, and mars_out_span_end appends
 * tmp with mars_out_write, so the output is exactly what the appends above
 * would have produced.  Nothing else may touch ob in between.
 */
static inline char *
mars_out_span(struct mars_out *ob, size_t n, char *tmp)
{
	if (__builtin_expect(n <= ob->cap - ob->len && !ob->err &&
	    !ob->line_flush, 1))
		return ob->buf + ob->len;
	return mars_out_span_slow(ob, n, tmp);
}

static inline void
mars_out_span_end(struct mars_out *ob, const char *start, const char *end,
    const char *tmp)
{
	if (__builtin_expect(start != tmp, 1))
		ob->len += (size_t)(end - start);
	else
		mars_out_write(ob, tmp, (size_t)(end - start));
}

#ifdef __cplusplus
}
#endif

#endif
