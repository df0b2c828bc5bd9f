/*
 * Display filter: a small expression language over decoded frames, shared
 * by marsdump and any tool that selects messages (marsmap, marsctl).
 *
 *   expr      = and-expr { ("or" | "||") and-expr }
 *   and-expr  = unary { ("and" | "&&") unary }
 *   unary     = ("not" | "!") unary | "(" expr ")" | primitive
 *   primitive = "op" NAME | "group" ADDR["/"LEN] | "cmi" N | "src" ATMHEX
 *             | "vc" VPI"/"VCI | "mars" | "scsp" | "nhrp" | "malformed"
 *             | "nonconforming" [REASON]
 *
 * "src" with fewer than 40 hex digits is a prefix of the source ATM
 * number, digit by digit.  "malformed" is a PDU that cannot be parsed,
 * "nonconforming" one that parses but breaks a receiver's rule (pdu.h);
 * REASON is a mars_nonconf_name() ("null-source", "checksum", ...).
 *
 * The text is compiled once into a tree held in one allocation; matching
 * walks it without allocating.  An empty expression matches everything.
 */
#ifndef MARS_FILTER_H
#define MARS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "mars/err.h"
#include "mars/frame.h"
#include "mars/pdu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_filter;

/*
 * Compile text into *out.  Returns 0, MARS_E_PARSE with err->offset = the
 * 0-based character position of the offending token, err->why = what was
 * expected (static text, e.g. "expected a group address after \"group\""),
 * err->have = the token's length (0 at the end of the expression), or
 * MARS_E_SYS when memory runs out.  *out is NULL on failure.
 */
int	mars_filter_compile(const char *text, struct mars_filter **out,
	    struct mars_err *err);

/*
 * One line naming the problem, the position and the token, e.g.
 *   expected a group address after "group" at position 6, got "foo"
 * text is the expression handed to mars_filter_compile().  Returns what
 * snprintf would.
 */
int	mars_filter_error(const char *text, const struct mars_err *err, char *buf,
	    size_t len);

/*
 * Does the frame match?  pdu is NULL for a frame that carried no SDU (bad
 * or truncated link header); such a frame matches only "malformed" and
 * "vc".  A malformed PDU's address fields are not consulted; a
 * nonconforming one's are.
 */
bool	mars_filter_match(const struct mars_filter *f, const struct mars_frame *fr,
	    const struct mars_pdu *pdu);

void	mars_filter_free(struct mars_filter *f);

#ifdef __cplusplus
}
#endif

#endif
