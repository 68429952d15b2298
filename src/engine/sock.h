/* A task's socket-buffer memory: the kernel's v1 tcp counter
 * (memory.kmem.tcp.*; memcgfs(8) THE WORKLOAD FILE `tcp`, `tcpfree`).
 * Charged to the task's group and its ancestors on that counter alone,
 * never to memory, memsw or kmem; a charge past a tcp limit fails at once
 * (no reclaim, no OOM).  The charges stay with the group they were made
 * in when the task moves, go to the parent with a removed group (through
 * the group's memcg_ptr), and are freed when the task exits, as a
 * process's sockets close with it. */
#ifndef MEMCG_SOCK_H
#define MEMCG_SOCK_H

struct task;

/* Charge nr pages of socket buffers to the task's group: 0, -ENOMEM
 * (the tcp limit of the group or an ancestor refused; its failcnt
 * counted), or -ESRCH if the task has exited. */
int sock_charge(struct task *t, long nr);

/* Free the task's nr newest socket-buffer pages (all if nr < 0); returns
 * how many were freed. */
long sock_free(struct task *t, long nr);

/* The task exited: all its socket buffers go. */
void sock_task_exit(struct task *t);

/* The task record is freed: its (empty) list of charges goes. */
void sock_task_release(struct task *t);

#endif
