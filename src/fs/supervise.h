/* The supervisor: the process that mounted holds the /dev/fuse descriptor
 * for the mount's whole life and runs the server in a child it restarts
 * when it dies, so that a crash never leaves the mount answering ENOTCONN
 * (memcgfs(8) RESTART; the why is in RESTART beside this file). */
#ifndef MEMCGFS_SUPERVISE_H
#define MEMCGFS_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include "ops.h"

/* Runs one server on se (the supervisor's session, inherited by fork) and
 * returns its exit status; restarted says whether a server ran before. */
typedef int (*server_fn)(struct fuse_session *se, bool restarted, void *arg);

/* Take the kernel's INIT request off se's descriptor, then run serve in a
 * child process, again each time it dies while the mount lives.  Returns
 * the exit status for the command: 0 once the mount is gone (an unmount)
 * or after SIGTERM, SIGINT or SIGHUP (forwarded to the server as SIGTERM),
 * 1 if the server cannot be kept running.  The caller unmounts. */
int supervise(struct fuse_session *se, server_fn serve, void *arg);

/* In a server: whether its supervisor died (kill -9), so that nobody
 * holds the mount but the server itself. */
bool supervisor_gone(void);

/* In a server: the kernel's id of the request the calling worker is
 * handling (0 if unknown).  A request the kernel resends after a server's
 * death (FUSE_NOTIFY_RESEND) keeps its id with this bit set. */
#define SUPERVISE_RESENT (1ULL << 63)
uint64_t supervise_request_unique(void);

#endif
