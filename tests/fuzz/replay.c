/*
 * Replays corpora through one fuzz harness without libFuzzer, so that
 * `make check` (gcc or clang, under the sanitizers with SANITIZE=1) runs
 * every seed and every crash reproducer of testdata/fuzz/ through every
 * harness: linked with one fuzz_*.o, it calls LLVMFuzzerTestOneInput()
 * once per file.
 *
 *   replay_NAME [-n] PATH ...
 *
 * A PATH is a file or a directory (its regular files, in name order).
 * Prints "replay_NAME: N inputs" and exits 0; 1 when a path cannot be
 * read, or with -n when the first PATH holds no input (a harness whose
 * own corpus went missing must not pass silently).  A broken invariant
 * aborts, as it does under libFuzzer.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX	(1 << 20)	/* libFuzzer's -max_len is far below */

static uint8_t *buf;

static int
run_file(const char *path)
{
	FILE *f;
	size_t n;
	uint8_t *copy;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, INPUT_MAX, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so that ASan sees a read past the input. */
	if ((copy = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir; returns how many, or -1. */
static long
run_dir(const char *dir)
{
	char **names = NULL, path[4096];
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, i;
	long ran = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				exit(1);
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			exit(1);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), names_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int
main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	struct stat st;
	long total = 0, k;
	int i = 1, need = 0;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		need = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-n] path ...\n", name);
		return 2;
	}
	if ((buf = malloc(INPUT_MAX)) == NULL)
		return 1;
	for (; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s: %s\n", name, argv[i],
			    strerror(errno));
			return 1;
		}
		k = S_ISDIR(st.st_mode) ? run_dir(argv[i]) :
		    (run_file(argv[i]) == 0 ? 1 : -1);
		if (k < 0)
			return 1;
		if (need && k == 0) {
			fprintf(stderr, "%s: %s: no input\n", name, argv[i]);
			return 1;
		}
		need = 0;
		total += k;
	}
	printf("%s: %ld inputs\n", name, total);
	free(buf);
	return 0;
}
