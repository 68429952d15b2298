/* Real processes' resident memory (memcgfs(8) REAL PROCESSES, track=rss): the host samples
 * each member process and the engine keeps the process's charges in step,
 * its anonymous resident memory as anon pages of its task and its
 * file-backed resident memory as pages of a private file it maps. */
#ifndef MEMCG_RSS_H
#define MEMCG_RSS_H

struct task;

/* Make the process whose leader task is t hold anon anonymous pages and
 * file file-backed pages: growth is charged like a fault or a read (with
 * reclaim and OOM), shrinkage uncharged.  0, -ENOMEM if a charge was
 * refused (the other kind may have been set), -ESRCH if t has exited. */
int rss_set(struct task *t, long anon, long file);
/* The process is no longer sampled (it exited or left): drop its file
 * pages and the private file.  Its anon goes with its exit. */
void rss_forget(struct task *t);

#endif
