/*
 * Output buffer (out.h): appends into a caller-supplied block, flushed
 * to a file descriptor with write(2) when full.
 *
 * Every printer writes through these functions, so they are the hot path
 * of marsdump: appends that fit are a bounds test and a memcpy, numbers
 * and hex are converted by hand (no printf), and write(2) is called only
 * when the block is full, at mars_out_flush(), or per line in line_flush mode.
 *
 * With fd -1 the buffer is memory only: it never flushes and never grows,
 * output beyond the capacity is dropped (tests read buf and len).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mars/err.h"
#include "mars/out.h"

static const char hexdigits[] = "0123456789abcdef";

/* "00" "01" ... "ff": one lookup per octet. */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void
mars_out_init(struct mars_out *ob, int fd, char *storage, size_t cap)
{
	ob->buf = storage;
	ob->len = 0;
	ob->cap = cap;
	ob->fd = fd;
	ob->err = false;
	ob->line_flush = false;
	ob->tcache_valid = false;
	ob->tcache_sec = 0;
	memset(ob->tcache_hms, 0, sizeof(ob->tcache_hms));
}

/*
 * Write the whole buffer out, resuming after partial writes and EINTR.
 * On failure err is set and everything buffered is discarded, so a
 * closed pipe costs one failed write, not one per line.
 */
int
mars_out_flush(struct mars_out *ob)
{
	size_t done = 0;
	ssize_t n;

	if (ob->fd < 0)
		return ob->err ? MARS_E_SYS : 0;
	if (ob->err) {
		ob->len = 0;
		return MARS_E_SYS;
	}
	while (done < ob->len) {
		n = write(ob->fd, ob->buf + done, ob->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ob->err = true;
			ob->len = 0;
			return MARS_E_SYS;
		}
		if (n == 0) {
			ob->err = true;
			ob->len = 0;
			return MARS_E_SYS;
		}
		done += (size_t)n;
	}
	ob->len = 0;
	return 0;
}

/* The slow path of every append: the data does not fit in what is left. */
void
mars_out_write_slow(struct mars_out *ob, const void *src, size_t n)
{
	const char *p = src;
	size_t room;

	if (ob->err)
		return;
	if (ob->fd < 0) {
		room = ob->cap - ob->len;
		if (n > room)
			n = room;
		memcpy(ob->buf + ob->len, p, n);
		ob->len += n;
		return;
	}
	while (n > 0 && !ob->err) {
		room = ob->cap - ob->len;
		if (room == 0) {
			if (mars_out_flush(ob) != 0)
				return;
			room = ob->cap;
			if (room == 0) {
				ob->err = true;
				return;
			}
		}
		if (room > n)
			room = n;
		memcpy(ob->buf + ob->len, p, room);
		ob->len += room;
		p += room;
		n -= room;
	}
}

/* line_flush mode: push complete lines out as soon as they are written. */
void
mars_out_line_done(struct mars_out *ob, const void *p, size_t n)
{
	if (ob->line_flush && ob->fd >= 0 && memchr(p, '\n', n) != NULL)
		mars_out_flush(ob);
}

/*
 * A span the buffer cannot give in place: flush to make room when there
 * is a descriptor and the span fits an empty buffer, else the caller's
 * tmp (appended by mars_out_span_end with mars_out_write, which truncates, drops on
 * error and flushes per line exactly as the plain appends do).
 */
char *
mars_out_span_slow(struct mars_out *ob, size_t n, char *tmp)
{
	if (ob->err || ob->line_flush || ob->fd < 0 || n > ob->cap)
		return tmp;
	if (mars_out_flush(ob) != 0)
		return tmp;
	return ob->buf + ob->len;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static const uint64_t pow10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

/*
 * Decimal without printf, two digits per division, written from the
 * last digit back.  Numbers below 100 (most counters, flags, octets)
 * take one table lookup.
 */
char *
mars_fmt_u64(char *d, uint64_t v)
{
	size_t n, i;
	uint32_t w;
	unsigned k, t;

	if (v < 100) {
		if (v < 10) {
			*d = (char)('0' + v);
			return d + 1;
		}
		memcpy(d, digit_pairs + 2 * v, 2);
		return d + 2;
	}
	/* Digits from the bit length (log10(2) ~ 1233 / 4096), then exact. */
	t = (unsigned)(64 - __builtin_clzll(v)) * 1233 >> 12;
	n = t + 1 - (v < pow10[t]);
	i = n;
	/* 32-bit divisions once the value fits: cheaper on every target. */
	while (v > UINT32_MAX) {
		k = (unsigned)(v % 100) * 2;
		v /= 100;
		i -= 2;
		memcpy(d + i, digit_pairs + k, 2);
	}
	w = (uint32_t)v;
	while (w >= 100) {
		k = (w % 100) * 2;
		w /= 100;
		i -= 2;
		memcpy(d + i, digit_pairs + k, 2);
	}
	if (w >= 10)
		memcpy(d, digit_pairs + 2 * w, 2);
	else
		d[0] = (char)('0' + w);
	return d + n;
}

void
mars_out_u64(struct mars_out *ob, uint64_t v)
{
	char tmp[MARS_FMT_U64_MAX], *d0;

	d0 = mars_out_span(ob, sizeof(tmp), tmp);
	mars_out_span_end(ob, d0, mars_fmt_u64(d0, v), tmp);	/* digits: no newline */
}

#if defined(__SSE2__)
/*
 * Sixteen octets to 32 hex digits at once: split the nibbles, interleave
 * them high first, and map 0-9 to '0'-'9', 10-15 to 'a'-'f'.
 */
static inline __m128i
hex_digits(__m128i nib)
{
	__m128i letter = _mm_cmpgt_epi8(nib, _mm_set1_epi8(9));

	return _mm_add_epi8(_mm_add_epi8(nib, _mm_set1_epi8('0')),
	    _mm_and_si128(letter, _mm_set1_epi8('a' - '0' - 10)));
}

static inline void
hex16(char *d, const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i mask = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
	__m128i lo = _mm_and_si128(v, mask);

	_mm_storeu_si128((__m128i *)(void *)d,
	    hex_digits(_mm_unpacklo_epi8(hi, lo)));
	_mm_storeu_si128((__m128i *)(void *)(d + 16),
	    hex_digits(_mm_unpackhi_epi8(hi, lo)));
}

static inline void
hex8(char *d, const uint8_t *p)
{
	__m128i v = _mm_loadl_epi64((const __m128i *)(const void *)p);
	__m128i mask = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
	__m128i lo = _mm_and_si128(v, mask);

	_mm_storeu_si128((__m128i *)(void *)d,
	    hex_digits(_mm_unpacklo_epi8(hi, lo)));
}
#endif

char *
mars_fmt_hex(char *d, const uint8_t *p, size_t n)
{
	size_t i;

#if defined(__SSE2__)
	char *end = d + 2 * n;

	/*
	 * A tail of 8 or more octets is converted by one more block that
	 * ends at the last octet and overlaps digits already written with
	 * the same digits (a 20-octet ATM number: two blocks, no loop).
	 */
	if (n >= 16) {
		for (; n >= 32; n -= 16, p += 16, d += 32)
			hex16(d, p);
		hex16(d, p);
		if (n > 16)
			hex16(end - 32, p + n - 16);
		return end;
	}
	if (n >= 8) {
		hex8(d, p);
		hex8(end - 16, p + n - 8);
		return end;
	}
#endif
	for (i = 0; i < n; i++)
		memcpy(d + 2 * i, hex_pairs + 2 * p[i], 2);
	return d + 2 * n;
}

void
mars_out_hex(struct mars_out *ob, const uint8_t *p, size_t n)
{
	char tmp[64], *d0;
	size_t chunk;

	/* Whole when it fits, else in pieces of 32 octets. */
	while (n > 0) {
		if (2 * n <= ob->cap - ob->len && !ob->err && !ob->line_flush)
			chunk = n;	/* in place: tmp is not used */
		else
			chunk = n < sizeof(tmp) / 2 ? n : sizeof(tmp) / 2;
		d0 = mars_out_span(ob, 2 * chunk, tmp);
		mars_out_span_end(ob, d0, mars_fmt_hex(d0, p, chunk), tmp);
		p += chunk;
		n -= chunk;
	}
}

/* For rare paths only (errors, tree mode): formats on the stack. */
void
mars_out_printf(struct mars_out *ob, const char *fmt, ...)
{
	char small[256];
	char *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		mars_out_write(ob, small, (size_t)n);
		return;
	}
	/* Longer than the stack block: format once more on the heap. */
	big = malloc((size_t)n + 1);
	if (big == NULL) {
		mars_out_write(ob, small, sizeof(small) - 1);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	mars_out_write(ob, big, (size_t)n);
	free(big);
}

/*
 * A JSON string (RFC 8259 §7): quote, backslash and control characters
 * escaped; other octets are copied as they are.
 */
void
mars_out_json_str(struct mars_out *ob, const char *s)
{
	const char *run = s;
	char esc[6];
	unsigned char c;

	mars_out_putc(ob, '"');
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (s > run)
			mars_out_write(ob, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':	mars_out_write(ob, "\\\"", 2); break;
		case '\\':	mars_out_write(ob, "\\\\", 2); break;
		case '\n':	mars_out_write(ob, "\\n", 2); break;
		case '\r':	mars_out_write(ob, "\\r", 2); break;
		case '\t':	mars_out_write(ob, "\\t", 2); break;
		case '\b':	mars_out_write(ob, "\\b", 2); break;
		case '\f':	mars_out_write(ob, "\\f", 2); break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hexdigits[c >> 4];
			esc[5] = hexdigits[c & 0x0f];
			mars_out_write(ob, esc, sizeof(esc));
			break;
		}
	}
	if (s > run)
		mars_out_write(ob, run, (size_t)(s - run));
	mars_out_putc(ob, '"');
}
