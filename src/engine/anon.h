/* A task's anonymous memory: pages it faulted in, in the order it did,
 * resident or in swap (memcgfs(8) THE WORKLOAD FILE `anon`, `free`). */
#ifndef MEMCG_ANON_H
#define MEMCG_ANON_H

#include <stdint.h>

struct task;

/* Fault in nr new pages, charged to the task's group.  0, -ENOMEM, or
 * -ESRCH if the task has exited. */
int anon_fault(struct task *t, long nr);

/* Free the nr newest pages (all if nr < 0), swapped ones too; returns how
 * many were freed. */
long anon_free(struct task *t, long nr);

/* Reclaim: send isolated anon page idx to swap.  1 if it went, 0 if it
 * was put back (no swap space) or is no longer there. */
long anon_swap_out(uint32_t idx);

/* The frame of the task's anon page at position pos (< nr_anon), under
 * the task's lock. */
uint32_t anon_position_page(struct task *t, uint32_t pos);

/* Charged anon plus swap pages of the task: its OOM score. */
long anon_task_pages(struct task *t);

#endif
