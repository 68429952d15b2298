/* Control-file text; see render.h. */
#include "render.h"

#include <stdlib.h>

#include "engine/memcg.h"
#include "engine/slab.h"

static void render_flags(struct strbuf *sb, unsigned flags)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ MEMCG_ONLINE, "ONLINE" },
		{ MEMCG_KMEM_ACTIVE, "KMEM_ACTIVE" },
		{ MEMCG_KMEM_DEAD, "KMEM_DEAD" },
	};
	const char *sep = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		strbuf_addf(sb, "%s%s", sep, names[i].name);
		sep = ",";
	}
	if (!*sep)
		strbuf_add(sb, "-", 1);
}

/* The caches= column is read after the snapshot, outside the engine's
 * dying lock, which ranks below the slab lock (src/engine/LOCKING). */
void render_dying(struct strbuf *sb)
{
	unsigned long page = memcg_config()->page_size;
	struct memcg_dying *rows;
	long n = memcg_dying_snapshot(&rows);

	if (n < 0) {
		sb->oom = true;
		return;
	}
	for (long i = 0; i < n; i++) {
		const struct memcg_dying *r = &rows[i];

		strbuf_addf(sb, "%llu %s refs=%ld kmem=%llu pages=%ld ",
			    (unsigned long long)r->id, r->path ? r->path : "?",
			    r->refs, (unsigned long long)r->kmem_pages * page,
			    r->pages);
		strbuf_addf(sb, "caches=%ld state=", slab_dead_copies_of(r->id));
		render_flags(sb, r->flags);
		strbuf_add(sb, "\n", 1);
	}
	memcg_dying_release(rows, n);
}
