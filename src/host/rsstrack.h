/* track=rss (memcgfs(8) REAL PROCESSES): a sampler thread reads each member process's
 * resident memory from /proc/PID/statm every period and has the engine
 * charge it to the process's group.  Over a limit, the engine's OOM
 * handling kills (SIGKILL through the OOM hook); with oom_kill_disable the
 * sampler stops the OOM group's member processes (SIGSTOP) and resumes
 * them (SIGCONT) once the refused charge fits, or when they leave it.
 * Processes in the root group are not sampled. */
#ifndef MEMCGFS_RSSTRACK_H
#define MEMCGFS_RSSTRACK_H

int rsstrack_start(long period_ms);
void rsstrack_stop(void);

#endif
