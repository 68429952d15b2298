/* Page frames: the per-page metadata of every charged page.
 *
 * A frame is 12 bytes: its owner and flags in one 32-bit word, and 32-bit
 * LRU links.  The owner is not a group but a memcg_ptr id: pages point at
 * a reference-counted memcg_ptr, and a group's removal swings that one
 * pointer to the parent (O(1) reparenting, the 2019 design).  The owner
 * word is read without locks under RCU, as in the 2008 lockless
 * page_cgroup design, and changed only under the LRU lock of the group it
 * names.
 *
 * Frames come in blocks of BLOCK_PAGES, each held by one owner object (a
 * page-cache file, a task's anonymous memory, a slab cache) that fills it
 * with consecutive pages: a frame's block says whose page it is and at
 * which index, so no per-page back pointer is needed.  Blocks live in
 * large lazily allocated chunks, never one allocation per page. */
#ifndef MEMCG_PAGE_H
#define MEMCG_PAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct memcg;
struct memcg_ptr;

#define PAGE_NIL 0u		/* frame 0 is never used: the LRU's nil */
#define BLOCK_PAGES 64u

/* The owner word: memcg_ptr id << PG_FLAG_BITS | flags. */
#define PG_KIND_MASK	0x03u
#define PG_ACTIVE	0x04u	/* on the active LRU list */
#define PG_SWAPPED	0x08u	/* anon: in swap, off the LRU */
#define PG_MAPPED	0x08u	/* file: mapped by a task (same bit) */
#define PG_ISOLATED	0x10u	/* taken off the LRU by reclaim */
#define PG_SHMEM	0x20u	/* file: shmem/tmpfs, also counted as shmem */
#define PG_UNEVICTABLE	0x40u	/* mlocked: off the LRU, counted unevictable */
#define PG_REAL		0x80u	/* a host page (realpage.c), not synthetic */
#define PG_FLAG_BITS	8

enum page_kind {
	PAGE_FREE,
	PAGE_ANON,
	PAGE_FILE,
	PAGE_SLAB,
	PAGE_NR_KINDS,
};

struct page_frame {
	_Atomic uint32_t owner;
	uint32_t prev, next;	/* under the owner group's LRU lock */
};

enum block_kind {
	BLOCK_FILE,
	BLOCK_ANON,
	BLOCK_SLAB,
	BLOCK_REAL,
};

struct page_block {
	/* Reclaim reads owner and kind of an isolated page's block without
	 * the owner's lock (to find which lock to take), so they are atomic;
	 * it rechecks owner under that lock. */
	_Atomic(void *) owner;	/* the file, task or slab cache */
	uint32_t base;		/* the owner's index of the block's first page */
	uint16_t nr_used;	/* frames of the block that hold a page */
	_Atomic uint8_t kind;	/* enum block_kind */
};

int frames_init(void);
void frames_exit(void);

#define FRAME_CHUNK_SHIFT 16
#define FRAME_CHUNK_PAGES (1u << FRAME_CHUNK_SHIFT)
#define FRAME_CHUNK_BLOCKS (FRAME_CHUNK_PAGES / BLOCK_PAGES)

/* Frames live in chunks published once and freed only at exit, so a
 * lookup is two loads and no lock. */
struct frame_chunk {
	struct page_frame frames[FRAME_CHUNK_PAGES];
	struct page_block blocks[FRAME_CHUNK_BLOCKS];
};
extern _Atomic(struct frame_chunk *) *frame_chunks;

static inline struct frame_chunk *frame_chunk_of(uint32_t idx)
{
	return atomic_load_explicit(&frame_chunks[idx >> FRAME_CHUNK_SHIFT],
				    memory_order_acquire);
}

static inline struct page_frame *page_frame(uint32_t idx)
{
	return &frame_chunk_of(idx)->frames[idx & (FRAME_CHUNK_PAGES - 1)];
}

static inline struct page_block *page_block_of(uint32_t idx)
{
	return &frame_chunk_of(idx)->blocks[(idx & (FRAME_CHUNK_PAGES - 1)) /
					     BLOCK_PAGES];
}

/* A new empty block for owner, or 0 when out of memory. */
uint32_t block_alloc(void *owner, enum block_kind kind, uint32_t base);
void block_free(uint32_t block);

static inline uint32_t block_first_page(uint32_t block)
{
	return block * BLOCK_PAGES;
}

static inline uint32_t pg_word(uint32_t ptr_id, uint32_t flags)
{
	return ptr_id << PG_FLAG_BITS | flags;
}

static inline uint32_t pg_flags(uint32_t word)
{
	return word & ((1u << PG_FLAG_BITS) - 1);
}

static inline uint32_t pg_ptr_id(uint32_t word)
{
	return word >> PG_FLAG_BITS;
}

static inline enum page_kind pg_kind(uint32_t word)
{
	return (enum page_kind)(word & PG_KIND_MASK);
}

/* Whether the page is in memory (charged to memory as well as memsw):
 * everything but anon in swap. */
static inline bool pg_resident(uint32_t word)
{
	return !(pg_kind(word) == PAGE_ANON && (word & PG_SWAPPED));
}

static inline uint32_t page_word(uint32_t idx)
{
	return atomic_load_explicit(&page_frame(idx)->owner,
				    memory_order_acquire);
}

/* The group that owns page idx, or NULL for a free frame.  Under RCU. */
struct memcg *page_memcg(uint32_t idx);

/* Lock the LRU of the group that owns page idx and return that group:
 * rechecks after locking, since a removal may swing the owner meanwhile
 * (and a removal takes the same lock).  NULL for a free frame. */
struct memcg *page_lock_memcg(uint32_t idx);

/* Bytes the frame and block tables occupy now (for the benchmark). */
unsigned long frames_footprint(void);

/* Visit every frame that holds a page (quiescent engine only). */
void frames_for_each(void (*fn)(uint32_t idx, uint32_t word, void *arg),
		     void *arg);

#endif
