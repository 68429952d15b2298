/* The state file's format (state.c writes and replays it):
 *
 * A line "memcgfs-state 1", then records, one a line, each "CCCCCCCC BODY"
 * with CCCCCCCC the FNV-1a hash of BODY in hex, BODY a type letter and
 * fields separated by one space:
 *
 *   N next_id                        ids below it are never given again
 *   O uid                            the next opener index stands for uid
 *   G id parent mode uid gid :name   the group is there, so named and owned
 *   X id                             the group is gone
 *   A id file mode uid gid           a control file's mode and owner
 *   V id file :text                  a control file's value, as it reads
 *   T tid start id                   the task that started then is in id
 *   R                                the registrations are those that follow
 *   E id ev arg tgid start efd evid  a cgroup.event_control registration:
 *                                    process tgid's eventfd efd (eventfd-id
 *                                    evid), for event ev with arg, on id
 *
 * Numbers are decimal, modes octal, file names control files' names;
 * strings are escaped (":" then the bytes, with \xx for spaces, controls,
 * non-ASCII bytes and backslashes). */
#ifndef MEMCGFS_STATEFILE_H
#define MEMCGFS_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"
#include "lib/vec.h"

#define RECORD_MAX_FIELDS 8

/* One record read back: fields point into the file's text, strings
 * unescaped in place (len[i] their length). */
struct record {
	char type;
	int nf;
	char *f[RECORD_MAX_FIELDS];
	size_t len[RECORD_MAX_FIELDS];
};

struct statefile {
	char *text;
	VEC(struct record) recs;
	bool torn;		/* a last record cut short was dropped */
};

/* Writing: the first line, then each record's body in body (emptied)
 * sealed into out as one line. */
void statefile_begin(struct strbuf *out);
void statefile_add_escaped(struct strbuf *sb, const char *s, size_t n);
void statefile_seal(struct strbuf *out, struct strbuf *body);
/* The checksum (FNV-1a); and add_escaped undone in place (s ends at a
 * NUL), false if malformed.  The charges file (charges.c) shares them. */
uint32_t statefile_hash(const char *s, size_t n);
/* Whether s is a decimal number (digits only, at least one). */
bool statefile_is_number(const char *s);
bool statefile_unescape(char *s, size_t *len);

/* write(2) all of buf to fd: 0 or -errno. */
int statefile_write_all(int fd, const char *buf, size_t len);
/* Write buf as the whole file at path: beside it, then renamed over it,
 * so that a crash leaves the old file or the new one.  0 or -errno. */
int statefile_replace(const char *path, const char *buf, size_t len);

/* The whole file at path, NUL-terminated, malloc'ed: 0 or -errno. */
int statefile_read(const char *path, char **text, size_t *len);

/* Read and check the whole file at path.  0; -ENOENT if there is none;
 * or another negative errno with why (a sentence) filled in. */
int statefile_load(const char *path, struct statefile *sf, char *why,
		   size_t whylen);
void statefile_free(struct statefile *sf);

/* Field i of r as a number. */
uint64_t record_num(const struct record *r, int i);

#endif
