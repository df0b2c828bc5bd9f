/*
 * Bounds-checked cursor for every wire read and write (STYLE.md §3.2).
 *
 * A reader never touches a byte past its end: the first short read records
 * MARS_E_TRUNC with the field name and offset in the attached struct
 * mars_err and makes the cursor sticky-failed, so a decoder can read a run
 * of fields and test once.  All values are big-endian on the wire.
 *
 * Everything is static inline: the codec's hot path is these functions.
 */
#ifndef MARS_WIRE_H
#define MARS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/err.h"

struct wire_rd {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;
	uint32_t	 base;		/* added to offsets in errors */
	bool		 failed;
	struct mars_err	*err;		/* may be NULL */
};

struct wire_wr {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 off;
	bool		 failed;	/* MARS_E_NOSPACE once set */
};

static inline void
wire_rd_init(struct wire_rd *rd, const uint8_t *buf, size_t len, uint32_t base,
    struct mars_err *err)
{
	rd->buf = buf;
	rd->len = len;
	rd->off = 0;
	rd->base = base;
	rd->failed = false;
	rd->err = err;
}

static inline size_t
wire_left(const struct wire_rd *rd)
{
	return rd->len - rd->off;
}

/* Record an error at the current offset (or at `at`), keep the first one. */
static inline int
wire_fail_at(struct wire_rd *rd, size_t at, int code, const char *field,
    const char *why)
{
	if (!rd->failed) {
		rd->failed = true;
		if (rd->err != NULL) {
			rd->err->code = code;
			rd->err->offset = rd->base + (uint32_t)at;
			rd->err->field = field;
			rd->err->why = why;
			rd->err->need = 0;
			rd->err->have = 0;
		}
	}
	return code;
}

static inline int
wire_fail(struct wire_rd *rd, int code, const char *field, const char *why)
{
	return wire_fail_at(rd, rd->off, code, field, why);
}

static inline bool
wire_need(struct wire_rd *rd, size_t n, const char *field)
{
	if (rd->failed)
		return false;
	if (rd->len - rd->off < n) {
		wire_fail(rd, MARS_E_TRUNC, field, NULL);
		if (rd->err != NULL) {
			rd->err->need = (uint32_t)n;
			rd->err->have = (uint32_t)(rd->len - rd->off);
		}
		return false;
	}
	return true;
}

static inline uint8_t
wire_u8(struct wire_rd *rd, const char *field)
{
	if (!wire_need(rd, 1, field))
		return 0;
	return rd->buf[rd->off++];
}

static inline uint16_t
wire_u16(struct wire_rd *rd, const char *field)
{
	const uint8_t *p;

	if (!wire_need(rd, 2, field))
		return 0;
	p = rd->buf + rd->off;
	rd->off += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
wire_u32(struct wire_rd *rd, const char *field)
{
	const uint8_t *p;

	if (!wire_need(rd, 4, field))
		return 0;
	p = rd->buf + rd->off;
	rd->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Returns a pointer into the buffer (no copy), or NULL when short. */
static inline const uint8_t *
wire_bytes(struct wire_rd *rd, size_t n, const char *field)
{
	const uint8_t *p;

	if (!wire_need(rd, n, field))
		return NULL;
	p = rd->buf + rd->off;
	rd->off += n;
	return p;
}

static inline void
wire_copy(struct wire_rd *rd, void *dst, size_t n, const char *field)
{
	const uint8_t *p = wire_bytes(rd, n, field);

	if (p != NULL)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/*
 * A sub-reader limited to the next n octets; the parent skips past them
 * (bgpctl's ibuf_get_ibuf).  Errors in the child report absolute offsets.
 */
static inline bool
wire_sub(struct wire_rd *rd, struct wire_rd *sub, size_t n, const char *field)
{
	if (!wire_need(rd, n, field)) {
		wire_rd_init(sub, NULL, 0, rd->base + (uint32_t)rd->off, rd->err);
		sub->failed = true;
		return false;
	}
	wire_rd_init(sub, rd->buf + rd->off, n, rd->base + (uint32_t)rd->off,
	    rd->err);
	rd->off += n;
	return true;
}

static inline void
wire_wr_init(struct wire_wr *wr, uint8_t *buf, size_t cap)
{
	wr->buf = buf;
	wr->cap = cap;
	wr->off = 0;
	wr->failed = false;
}

static inline uint8_t *
wire_reserve(struct wire_wr *wr, size_t n)
{
	uint8_t *p;

	if (wr->failed || wr->cap - wr->off < n) {
		wr->failed = true;
		return NULL;
	}
	p = wr->buf + wr->off;
	wr->off += n;
	return p;
}

static inline void
wire_put_u8(struct wire_wr *wr, uint8_t v)
{
	uint8_t *p = wire_reserve(wr, 1);

	if (p != NULL)
		p[0] = v;
}

static inline void
wire_put_u16(struct wire_wr *wr, uint16_t v)
{
	uint8_t *p = wire_reserve(wr, 2);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void
wire_put_u32(struct wire_wr *wr, uint32_t v)
{
	uint8_t *p = wire_reserve(wr, 4);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void
wire_put_bytes(struct wire_wr *wr, const void *src, size_t n)
{
	uint8_t *p = wire_reserve(wr, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

static inline void
wire_put_zero(struct wire_wr *wr, size_t n)
{
	uint8_t *p = wire_reserve(wr, n);

	if (p != NULL && n > 0)
		memset(p, 0, n);
}

/* Backfill a 16-bit field written earlier (lengths, offsets, checksums). */
static inline void
wire_set_u16(struct wire_wr *wr, size_t at, uint16_t v)
{
	if (!wr->failed && at + 2 <= wr->off) {
		wr->buf[at] = (uint8_t)(v >> 8);
		wr->buf[at + 1] = (uint8_t)v;
	}
}

static inline uint16_t
wire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

#endif
