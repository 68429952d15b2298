/* Fork following without the process-events connector (memcgfs(8) REAL PROCESSES): every
 * period, the children and new threads of each group member are read
 * from /proc, and those that started since the previous scan join their
 * parent's group.  A child can thus run briefly in the root group first;
 * one that its parent forked just before joining a group may follow it. */
#ifndef MEMCGFS_FORKSCAN_H
#define MEMCGFS_FORKSCAN_H

/* Start scanning if pidwatch has no connector; 0 or a negative errno. */
int forkscan_start(long period_ms);
void forkscan_stop(void);

#endif
