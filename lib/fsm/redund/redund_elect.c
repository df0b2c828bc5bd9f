/*
 * Election of the Active MARS and composition of MARS_REDIRECT_MAP lists
 * (draft-armitage-ion-mars-scsp-03 §3.2, §3.4, §3.5, §4.4, §4.5): pure
 * functions over a view of the MARS Group, so that every member of the
 * Living Group computes the same result from the same view.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/redund.h"

/* <0 when a goes before b: priority descending, ATM ascending, index. */
static int
elect_cmp(const struct mars_redund_view *v, uint8_t a, uint8_t b)
{
	size_t n;
	int c;

	if (v[a].priority != v[b].priority)
		return v[a].priority > v[b].priority ? -1 : 1;
	n = v[a].atm_len < v[b].atm_len ? v[a].atm_len : v[b].atm_len;
	if (n > 0 && (c = memcmp(v[a].atm, v[b].atm, n)) != 0)
		return c;
	if (v[a].atm_len != v[b].atm_len)
		return v[a].atm_len < v[b].atm_len ? -1 : 1;
	return a < b ? -1 : a > b;
}

void
mars_redund_elect_order(const struct mars_redund_view *v, size_t n, uint8_t *order)
{
	size_t i, j;
	uint8_t t;

	for (i = 0; i < n; i++)
		order[i] = (uint8_t)i;
	/* Insertion sort: the group is small and the order must be stable. */
	for (i = 1; i < n; i++) {
		t = order[i];
		for (j = i; j > 0 && elect_cmp(v, order[j - 1], t) > 0; j--)
			order[j] = order[j - 1];
		order[j] = t;
	}
}

int
mars_redund_elect_active(const struct mars_redund_view *v, const uint8_t *list,
    size_t n, bool fallback)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[list[i]].alive && v[list[i]].ready)
			return list[i];
	if (!fallback)
		return -1;
	for (i = 0; i < n; i++)
		if (v[list[i]].alive)
			return list[i];
	return -1;
}

size_t
mars_redund_compose_map(const struct mars_redund_view *v, const uint8_t *list,
    size_t n, int active, bool omit_dead, uint8_t *map)
{
	size_t i, k = 0;

	if (active >= 0)
		map[k++] = (uint8_t)active;
	for (i = 0; i < n; i++)
		if (v[list[i]].alive && list[i] != active)
			map[k++] = list[i];
	if (omit_dead)
		return k;
	for (i = 0; i < n; i++)
		if (!v[list[i]].alive && list[i] != active)
			map[k++] = list[i];
	return k;
}
