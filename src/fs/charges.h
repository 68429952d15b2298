/* The charges a restarted server takes up (memcgfs(8) RESTART; the why is
 * in RESTART beside this file): the engine's checkpoint (engine/
 * checkpoint.h) in STATE.charges beside the state journal, rewritten
 * whole, by rename, before the reply of each request that changed a
 * charge or a counter, and within a second of a change no request made.
 * With it, the writes whose effect it holds: a write the kernel resends
 * after the server's death is answered, not applied again. */
#ifndef MEMCGFS_CHARGES_H
#define MEMCGFS_CHARGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct charges_file;

/* Read and check the checkpoint at path (the state path; the file is
 * path.charges).  0 with *cf set (NULL if there is none), or a negative
 * errno with why (a sentence) filled in: the file is not what a server
 * wrote. */
int charges_load(const char *path, struct charges_file **cf, char *why,
		 size_t whylen);
/* Put the charges back (the groups and members are back) and free cf. */
void charges_apply(struct charges_file *cf);
void charges_free(struct charges_file *cf);

/* Checkpoint to path.charges from now on; stop, after a last one. */
void charges_start(const char *path);
void charges_stop(void);

/* Around a request that may change charges: begin before it is applied,
 * end with its result (0 or a negative errno) before its reply; end
 * checkpoints if anything changed.  A request is applied entirely in one
 * checkpoint or not at all in it.  changes_uncounted: it may change what
 * memcg_version() does not count (slab objects, mappings: the workload
 * file), so it checkpoints whenever it succeeds. */
void charges_begin(void);
void charges_end(int result, bool changes_uncounted);
/* Checkpoint now if anything changed (a request charges_begin did not
 * cover: a removal that left a group dying). */
void charges_sync(void);
/* The calling worker's request is one the kernel resent whose effect the
 * last checkpoint holds: true, with its result. */
bool charges_resent(int *result);

#endif
