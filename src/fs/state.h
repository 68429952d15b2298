/* The state that outlives a server (memcgfs(8) RESTART; the why is in
 * RESTART beside this file): groups with their ids, owners and modes,
 * the control files' values and the members, in a journal of checksummed
 * records that a snapshot compacts.  A server appends a record after each
 * change and before its reply; the next server replays them. */
#ifndef MEMCGFS_STATE_H
#define MEMCGFS_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/memcg.h"

/* In the supervisor, before the mount: where the state lives (path, or
 * NULL for a file in a private directory removed at the end), and
 * whether a state file that fails its checks makes memcgfs refuse to
 * start (refuse) or start empty.  A file given by path is checked now:
 * returns 0, or -1 after one line on stderr (refused). */
int state_setup(const char *path, bool refuse);

/* In the supervisor, once it has its final pid (after daemonizing):
 * without a path, make the private directory.  0 or -1 (logged). */
int state_setup_private(void);

/* In the supervisor at its end: remove the private directory. */
void state_teardown(void);

/* In a server, once the engine runs: replay the state, then journal from
 * it.  Returns 0, or -1 if the state is bad and refused. */
int state_restore(void);

/* In a server at its end. */
void state_close(void);

/* After a change, before its reply: what it made is recorded as it is
 * now (read back under the journal's lock, so racing changes are
 * recorded in the order of their effects). */
void state_note_group(struct memcg *m);		/* made, renamed, chmod/chown */
void state_note_gone(uint64_t id);		/* removed */
void state_note_file(struct memcg *m, int idx);	/* a file's chmod/chown */
/* A write of buf to row idx of m: its value, or the tasks it moved. */
void state_note_write(struct memcg *m, int idx, const char *buf, size_t len,
		      pid_t writer);
void state_note_opener(uid_t uid);		/* a new opener index */

#endif
