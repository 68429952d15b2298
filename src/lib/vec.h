/* Growable arrays: one helper instead of a realloc loop per array.
 *
 *	VEC(struct row) rows = VEC_INIT;
 *	struct row *r = VEC_PUSH(&rows);	(NULL when out of memory)
 *	...
 *	free(rows.v);
 *
 * Arrays kept as separate fields (a pointer, a count, a capacity) grow
 * with vec_reserve() or VEC_GROW(). */
#ifndef MEMCG_VEC_H
#define MEMCG_VEC_H

#include <stdbool.h>
#include <stddef.h>

/* Make room for need elements of elem bytes in the array that arrp points
 * at (a T **), whose capacity *cap is: the capacity doubles, from 8.
 * False when out of memory; then nothing changed. */
bool vec_reserve(void *arrp, size_t *cap, size_t need, size_t elem);

/* Room for one element after the nr in use in arr (capacity cap). */
#define VEC_GROW(arr, nr, cap) \
	vec_reserve(&(arr), &(cap), (size_t)(nr) + 1, sizeof(*(arr)))

#define VEC(type) struct { type *v; size_t nr, cap; }
#define VEC_INIT { NULL, 0, 0 }

/* The address of a new last element (uninitialised), or NULL. */
#define VEC_PUSH(vec) \
	(VEC_GROW((vec)->v, (vec)->nr, (vec)->cap) ? \
	 &(vec)->v[(vec)->nr++] : NULL)

#endif
