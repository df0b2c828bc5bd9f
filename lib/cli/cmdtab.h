/*
 * Command tables (STYLE.md §3.1, after OpenBSD ospfctl/bgpctl parser.c):
 * one tree of token tables drives a program's argv, its shell, `help`,
 * readline completion and the hidden `__complete` the shell completion
 * scripts call, so none of them can drift from the others.
 *
 * A table is an array of tokens ended by CMDTAB_END.  A word is matched
 * against a table as follows: a keyword written in full wins; else a
 * unique keyword prefix; several keywords starting with the word are
 * refused with the candidates (never the first of them: STYLE.md §4);
 * else an argument token of the table takes the word.  A table with a
 * CMDTAB_NOTOKEN entry may end the command; a token whose next is NULL
 * must be the last word.  CMDTAB_ARGS takes every remaining word (at
 * least one).
 *
 * Parsing and completion do not allocate and never print; errors are
 * written into the caller's buffer and name the command and the word:
 *   show: unknown argument "x"; expected members|groups|...
 *   ambiguous command "s": show, status
 */
#ifndef CLI_CMDTAB_H
#define CLI_CMDTAB_H

#include <stdbool.h>
#include <stddef.h>

enum cmdtab_type {
	CMDTAB_END = 0,		/* end of a table */
	CMDTAB_NOTOKEN,		/* the command may end here */
	CMDTAB_KEYWORD,		/* a fixed word; unique prefixes accepted */
	CMDTAB_ARG,		/* one argument word */
	CMDTAB_ARGS,		/* every remaining word, at least one */
};

struct cmdtab {
	enum cmdtab_type	 type;
	/* keyword, or the argument's name as help shows it ("GROUP") */
	const char		*word;
	int			 action;	/* taken when matched; 0 keeps it */
	int			 kind;		/* ARG, ARGS: the program's kind of
						   value, for completion */
	const struct cmdtab	*next;		/* NULL: nothing may follow */
	const char		*help;		/* one line */
};

#define CMDTAB_WORDS_MAX	64

/* What a command line parsed into: each word and the token it matched. */
struct cmdtab_result {
	int			 action;
	size_t			 nwords;
	const char		*word[CMDTAB_WORDS_MAX];
	const struct cmdtab	*tok[CMDTAB_WORDS_MAX];
};

/*
 * Parse argv[0..argc) against root.  Returns 0 with *res filled, or -1
 * with why holding the reason (unknown word, ambiguous prefix with the
 * candidates, incomplete command with what may follow, too many words).
 * Words are not copied: res->word[] points into argv.
 */
int	cmdtab_parse(const struct cmdtab *root, int argc, char *const argv[],
	    struct cmdtab_result *res, char *why, size_t whylen);

/* The arguments of a result, in order: i-th ARG/ARGS word, NULL past them. */
const char *cmdtab_arg(const struct cmdtab_result *res, size_t i);
size_t	cmdtab_nargs(const struct cmdtab_result *res);
/* The keyword taken at position pos (0-based word index), NULL if none. */
const char *cmdtab_keyword(const struct cmdtab_result *res, size_t pos);
/* "show members": the keywords taken, in canonical (full) spelling. */
void	cmdtab_name(const struct cmdtab_result *res, char *buf, size_t len);

/*
 * Completion of the word being typed (prefix, "" for a new word) after
 * the complete words argv[0..argc).  Every candidate goes to add(); for
 * argument tokens arg_fn(ctx, kind, sofar, prefix, add, actx) adds the
 * program's values (names from a cluster file, groups seen, field
 * names).  sofar is the parse of argv so far.  Returns the number of
 * candidates added by the table itself plus those arg_fn reports; 0
 * when argv does not parse.
 */
typedef void	(*cmdtab_add_fn)(void *actx, const char *cand);
typedef size_t	(*cmdtab_arg_fn)(void *ctx, int kind,
		    const struct cmdtab_result *sofar, const char *prefix,
		    cmdtab_add_fn add, void *actx);
size_t	cmdtab_complete(const struct cmdtab *root, int argc, char *const argv[],
	    const char *prefix, cmdtab_arg_fn arg_fn, void *ctx,
	    cmdtab_add_fn add, void *actx);

/*
 * Usage lines, generated from the tree: one line per command a user can
 * give ("show members", "fault NAME on|off", "join GROUP[-GROUP]...",
 * "grouplist [RANGE]"), with the help of the keyword that names the
 * command.  A keyword opens lines of its own when it sets an action or
 * leads to one that does; the other tokens of a table are written
 * inline as alternatives, optional ones in brackets.  Only the commands
 * under the keywords matched by argv[0..argc) are listed (argc 0: all).
 * Returns the number of lines, or -1 when argv does not parse as a
 * prefix of a command (why says so).
 */
typedef void	(*cmdtab_line_fn)(void *ctx, const char *usage, const char *help);
int	cmdtab_usage(const struct cmdtab *root, int argc, char *const argv[],
	    cmdtab_line_fn fn, void *ctx, char *why, size_t whylen);

/*
 * Split a command line into words in place: blanks separate words,
 * "..." and '...' quote (no escapes inside '...'; \" and \\ inside
 * "..."), a backslash outside quotes takes the next character as it is,
 * and an unquoted # starts a comment.  Returns the number of words, or
 * -1 (unterminated quote, more than max words) with why set.
 */
int	cmdtab_split(char *line, char *argv[], int max, char *why, size_t whylen);

/*
 * The next command of a line of several separated by unquoted ';':
 * returns a pointer to the rest after the separator (or NULL at the
 * end), having written the command's NUL-terminated text in place.
 */
char	*cmdtab_next_command(char *line);

#endif
