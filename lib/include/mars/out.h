/*
 * Output buffer every printer writes into: appends into a caller-supplied
 * block and flushes to a file descriptor when full, so printing a million
 * lines costs a few thousand write(2) calls.  A failed write sets err and
 * further output is discarded.
 */
#ifndef MARS_OUT_H
#define MARS_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbuf {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 fd;		/* -1: memory only, grows never; tests read buf */
	bool		 err;
	bool		 line_flush;	/* flush after every newline (live capture) */
};

void	ob_init(struct outbuf *ob, int fd, char *storage, size_t cap);
int	ob_flush(struct outbuf *ob);
void	ob_write(struct outbuf *ob, const void *p, size_t n);
void	ob_puts(struct outbuf *ob, const char *s);
void	ob_putc(struct outbuf *ob, char c);
void	ob_u64(struct outbuf *ob, uint64_t v);
void	ob_hex(struct outbuf *ob, const uint8_t *p, size_t n);	/* lowercase */
void	ob_printf(struct outbuf *ob, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	ob_json_str(struct outbuf *ob, const char *s);	/* quoted, escaped */

#endif
