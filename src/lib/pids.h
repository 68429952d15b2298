/* Sorting lists of process and thread ids. */
#ifndef MEMCG_PIDS_H
#define MEMCG_PIDS_H

#include <sys/types.h>

/* Sort ids[0..n) ascending (n may be 0, ids then NULL). */
void pids_sort(pid_t *ids, long n);

/* Sort ids ascending and drop repeats in place; returns the new count. */
long pids_sort_unique(pid_t *ids, long n);

#endif
