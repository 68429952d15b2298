/* Growable arrays; see vec.h. */
#include "vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define VEC_MIN 8

bool vec_reserve(void *arrp, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : VEC_MIN;
	void *arr, *n;

	if (need <= *cap)
		return true;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return false;
		c *= 2;
	}
	if (c > SIZE_MAX / elem)
		return false;
	/* arrp points at a T *: every object pointer has void *'s form. */
	memcpy(&arr, arrp, sizeof(arr));
	n = realloc(arr, c * elem);
	if (!n)
		return false;
	memcpy(arrp, &n, sizeof(n));
	*cap = c;
	return true;
}
