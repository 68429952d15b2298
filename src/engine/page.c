/* Page frames and blocks; see page.h. */
#include "page.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vec.h"
#include "memcg_impl.h"
#include "rcu.h"

#define CHUNK_BLOCKS FRAME_CHUNK_BLOCKS
#define MAX_CHUNKS (1u << (32 - FRAME_CHUNK_SHIFT))

/* Chunks are published with a release store and never freed before
 * frames_exit(), so lookups need no lock. */
_Atomic(struct frame_chunk *) *frame_chunks;
#define chunks frame_chunks
static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t *free_blocks;
static size_t nr_free, cap_free;
static uint32_t next_block;
static uint32_t nr_chunks;

int frames_init(void)
{
	chunks = calloc(MAX_CHUNKS, sizeof(*chunks));
	if (!chunks)
		return -ENOMEM;
	next_block = 1;		/* block 0 holds frame 0, the nil */
	nr_chunks = 0;
	nr_free = cap_free = 0;
	free_blocks = NULL;
	return 0;
}

void frames_exit(void)
{
	for (uint32_t i = 0; i < nr_chunks; i++)
		free(atomic_load(&chunks[i]));
	free(chunks);
	free(free_blocks);
	chunks = NULL;
	free_blocks = NULL;
}

/* Under alloc_lock. */
static bool chunk_ensure(uint32_t block)
{
	uint32_t c = block / CHUNK_BLOCKS;
	struct frame_chunk *chunk;

	if (c < nr_chunks)
		return true;
	if (c >= MAX_CHUNKS)
		return false;
	chunk = calloc(1, sizeof(*chunk));
	if (!chunk)
		return false;
	atomic_store_explicit(&chunks[c], chunk, memory_order_release);
	nr_chunks = c + 1;
	return true;
}

uint32_t block_alloc(void *owner, enum block_kind kind, uint32_t base)
{
	struct page_block *b;
	uint32_t id = 0;

	pthread_mutex_lock(&alloc_lock);
	if (nr_free) {
		id = free_blocks[--nr_free];
	} else if (chunk_ensure(next_block)) {
		id = next_block++;
	}
	pthread_mutex_unlock(&alloc_lock);
	if (!id)
		return 0;
	b = page_block_of(block_first_page(id));
	b->base = base;
	b->nr_used = 0;
	b->kind = (uint8_t)kind;
	b->owner = owner;	/* last: a lockless reader may see it */
	return id;
}

void block_free(uint32_t block)
{
	struct page_block *b = page_block_of(block_first_page(block));

	b->owner = NULL;
	pthread_mutex_lock(&alloc_lock);
	/* Out of memory, the block stays out of use rather than fail. */
	if (VEC_GROW(free_blocks, nr_free, cap_free))
		free_blocks[nr_free++] = block;
	pthread_mutex_unlock(&alloc_lock);
}

struct memcg *page_memcg(uint32_t idx)
{
	uint32_t word = page_word(idx);

	if (pg_kind(word) == PAGE_FREE)
		return NULL;
	return rcu_dereference(memcg_ptr_from_id(pg_ptr_id(word))->memcg);
}

struct memcg *page_lock_memcg(uint32_t idx)
{
	for (;;) {
		struct memcg *m;

		memcg_rcu_read_lock();
		m = page_memcg(idx);
		if (!m) {
			memcg_rcu_read_unlock();
			return NULL;
		}
		pthread_mutex_lock(&m->lruvec.lock);
		/* While we hold m's LRU lock no removal can swing the page's
		 * memcg_ptr away from m, and that pointer holds m. */
		if (page_memcg(idx) == m) {
			memcg_rcu_read_unlock();
			return m;
		}
		pthread_mutex_unlock(&m->lruvec.lock);
		memcg_rcu_read_unlock();
	}
}

unsigned long frames_footprint(void)
{
	unsigned long bytes;

	pthread_mutex_lock(&alloc_lock);
	/* Frames and blocks in use, not the chunks' untouched tails. */
	bytes = (unsigned long)next_block *
		(BLOCK_PAGES * sizeof(struct page_frame) + sizeof(struct page_block)) +
		cap_free * sizeof(uint32_t);
	pthread_mutex_unlock(&alloc_lock);
	return bytes;
}

void frames_for_each(void (*fn)(uint32_t idx, uint32_t word, void *arg),
		     void *arg)
{
	for (uint32_t b = 1; b < next_block; b++) {
		if (!page_block_of(block_first_page(b))->owner)
			continue;
		for (uint32_t i = 0; i < BLOCK_PAGES; i++) {
			uint32_t idx = block_first_page(b) + i;
			uint32_t word = page_word(idx);

			if (pg_kind(word) != PAGE_FREE)
				fn(idx, word, arg);
		}
	}
}
