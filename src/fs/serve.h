/* The FUSE request loop memcgfs runs (and the benchmark's hello file
 * system with it, so that both are measured on the same loop). */
#ifndef MEMCGFS_SERVE_H
#define MEMCGFS_SERVE_H

#include "ops.h"

/* Serve se until it ends: single-threaded with -s, else libfuse's
 * multithreaded loop with the thread counts given on the command line.
 * Returns libfuse's loop result. */
int fuse_serve(struct fuse_session *se, const struct fuse_cmdline_opts *co);

#endif
