/*
 * Field sink for the verbose (-v) and tree (-vv) printers (print_int.h).
 *
 *   -v   "\tmar$afn 0x000f mar$pro.type 0x0800 ..." groups of name/value
 *        pairs, one line per part of the message (pf_break ends a line);
 *   -vv  "\t[8] mar$afn 0x000f", one field per line with its octet offset
 *        in the SDU, nested parts indented one tab further.
 *
 * These paths are not performance-critical, but they still avoid printf
 * so that -v on a large capture stays fast.
 */
#include <string.h>

#include "mars/proto.h"
#include "print_int.h"

bool
pf_tree(const struct fsink *fs)
{
	return fs->mode == MARS_PRINT_TREE;
}

static void
pf_indent(struct fsink *fs)
{
	int i;

	for (i = 0; i <= fs->depth; i++)
		mars_out_putc(fs->ob, '\t');
}

void
pf_open(struct fsink *fs, uint32_t off, const char *name)
{
	struct mars_out *ob = fs->ob;

	if (fs->mode == MARS_PRINT_TREE) {
		pf_indent(fs);
		mars_out_putc(ob, '[');
		mars_out_u64(ob, off);
		mars_out_write(ob, "] ", 2);
	} else {
		mars_out_putc(ob, fs->open ? ' ' : '\t');
		fs->open = true;
	}
	mars_out_puts(ob, name);
	mars_out_putc(ob, ' ');
}

void
pf_close(struct fsink *fs)
{
	if (fs->mode == MARS_PRINT_TREE)
		mars_out_putc(fs->ob, '\n');
}

void
pf_break(struct fsink *fs)
{
	if (fs->mode != MARS_PRINT_TREE && fs->open) {
		mars_out_putc(fs->ob, '\n');
		fs->open = false;
	}
}

const char *
pf_iname(char *buf, size_t len, const char *name, unsigned idx)
{
	size_t n = strlen(name);
	char digits[10];
	size_t d = 0, i;

	if (idx == 0 || n + 1 + sizeof(digits) + 1 > len)
		return name;
	memcpy(buf, name, n);
	buf[n++] = '.';
	do {
		digits[d++] = (char)('0' + idx % 10);
		idx /= 10;
	} while (idx != 0);
	for (i = 0; i < d; i++)
		buf[n++] = digits[d - 1 - i];
	buf[n] = '\0';
	return buf;
}

/*
 * A part with sub-fields (a TLV, an SCSP record): its own line in the
 * tree with the children one level deeper; in -v a line of its own.
 */
void
pf_node(struct fsink *fs, uint32_t off, const char *name, unsigned idx)
{
	char nb[64];
	const char *n = pf_iname(nb, sizeof(nb), name, idx);

	if (fs->mode == MARS_PRINT_TREE) {
		pf_indent(fs);
		mars_out_putc(fs->ob, '[');
		mars_out_u64(fs->ob, off);
		mars_out_write(fs->ob, "] ", 2);
		mars_out_puts(fs->ob, n);
		mars_out_putc(fs->ob, '\n');
	} else {
		pf_break(fs);
		mars_out_putc(fs->ob, '\t');
		mars_out_puts(fs->ob, n);
		fs->open = true;
	}
	fs->depth++;
}

void
pf_node_end(struct fsink *fs)
{
	if (fs->depth > 0)
		fs->depth--;
	pf_break(fs);
}

void
pf_u(struct fsink *fs, uint32_t off, const char *name, uint64_t v)
{
	pf_open(fs, off, name);
	mars_out_u64(fs->ob, v);
	pf_close(fs);
}

void
pf_x(struct fsink *fs, uint32_t off, const char *name, uint32_t v,
    unsigned digits)
{
	pf_open(fs, off, name);
	pr_x(fs->ob, v, digits);
	pf_close(fs);
}

void
pf_bool(struct fsink *fs, uint32_t off, const char *name, bool v)
{
	pf_open(fs, off, name);
	mars_out_putc(fs->ob, v ? '1' : '0');
	pf_close(fs);
}

void
pf_hex(struct fsink *fs, uint32_t off, const char *name, const uint8_t *p,
    size_t n)
{
	pf_open(fs, off, name);
	if (n == 0 || p == NULL)
		mars_out_putc(fs->ob, '-');
	else
		mars_out_hex(fs->ob, p, n);
	pf_close(fs);
}

void
pf_str(struct fsink *fs, uint32_t off, const char *name, const char *s)
{
	pf_open(fs, off, name);
	mars_out_puts(fs->ob, s);
	pf_close(fs);
}

void
pf_pa(struct fsink *fs, uint32_t off, const char *name, const uint8_t *p,
    size_t n)
{
	pf_open(fs, off, name);
	pr_pa(fs->ob, p, n);
	pf_close(fs);
}

void
pf_atm(struct fsink *fs, uint32_t off, const char *name,
    const struct mars_atm *a)
{
	pf_open(fs, off, name);
	pr_atm(fs->ob, a);
	pf_close(fs);
}

/*
 * A type-and-length octet (RFC 2022 §5.1.2, RFC 2225 §8.7.3); the tree
 * spells out the format and length.
 */
void
pf_tl(struct fsink *fs, uint32_t off, const char *name, uint8_t tl)
{
	pf_open(fs, off, name);
	pr_x(fs->ob, tl, 2);
	if (fs->mode == MARS_PRINT_TREE && (tl & MARS_ATM_TL_LEN) != 0) {
		mars_out_puts(fs->ob, (tl & MARS_ATM_TL_E164) ? " (e164, " : " (nsap, ");
		mars_out_u64(fs->ob, tl & MARS_ATM_TL_LEN);
		mars_out_putc(fs->ob, ')');
	}
	pf_close(fs);
}
