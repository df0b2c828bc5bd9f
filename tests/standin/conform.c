/*
 * A stand-in for the conformance suite of mars/conform.h, linked into
 * marsfail only while lib/lab has no conform*.c (GNUmakefile): it runs
 * nothing unless MARSFAIL_CONFORM_STANDIN is set, and then reports three
 * made-up cases (one of each verdict) so that the command line and its
 * output formats can be tested before the suite exists.
 */
#include <stdlib.h>
#include <string.h>

#include "mars/conform.h"

static const struct mars_conform_case cases[] = {
	{ "standin-pass", "a case that passes", "RFC 2022 §5.2.3" },
	{ "standin-fail", "a case that fails", "RFC 2022 §5.2.2" },
	{ "standin-skip", "a case that is skipped", "RFC 2022 §6.2" },
};

const struct mars_conform_case *
mars_conform_case(size_t i)
{
	return i < sizeof(cases) / sizeof(cases[0]) ? &cases[i] : NULL;
}

int
mars_conform_run(const struct mars_conform_conf *c,
    void (*fn)(void *ctx, const struct mars_conform_result *r), void *ctx,
    struct mars_err *err)
{
	struct mars_conform_result r;
	size_t i;

	if (getenv("MARSFAIL_CONFORM_STANDIN") == NULL)
		return mars_err_set(err, MARS_E_INVAL, "suite",
		    "not built into this libmars");
	if (c->only != NULL && strstr("standin-pass,standin-fail,"
	    "standin-skip", c->only) == NULL)
		return mars_err_set(err, MARS_E_INVAL, "only",
		    "selects no case");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (c->only != NULL && strncmp(cases[i].id, c->only,
		    strlen(c->only)) != 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.tcase = &cases[i];
		r.verdict = (int)i;
		r.detail = i == 0 ? NULL : i == 1 ? "no CMI in the reply" :
		    "no MCS here";
		r.elapsed = 10 * (i + 1);
		fn(ctx, &r);
	}
	return 0;
}
