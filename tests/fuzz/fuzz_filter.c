/*
 * libFuzzer harness for the display-filter compiler: any text must give
 * a filter or a positioned error, never a crash or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/filter.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mars_filter *f = NULL;
	struct mars_err err;
	char *text, msg[512];

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (mars_filter_compile(text, &f, &err) == 0)
		mars_filter_free(f);
	else
		mars_filter_error(text, &err, msg, sizeof(msg));
	free(text);
	return 0;
}
