/* Pid lists; see pids.h. */
#include "pids.h"

#include <stdlib.h>

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

void pids_sort(pid_t *ids, long n)
{
	/* qsort must not see a NULL array, even for no element. */
	if (n > 1)
		qsort(ids, (size_t)n, sizeof(*ids), cmp_pid);
}

long pids_sort_unique(pid_t *ids, long n)
{
	long uniq = 0;

	pids_sort(ids, n);
	for (long i = 0; i < n; i++)
		if (uniq == 0 || ids[uniq - 1] != ids[i])
			ids[uniq++] = ids[i];
	return uniq;
}
