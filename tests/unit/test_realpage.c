/* Unit tests of the engine side of track=pages: realpage_update charges
 * the pages a process maps as the kernel would (new pages to its group,
 * shared ones once, pages from before the move or others' not at all),
 * uncharges anon at unmap and keeps file pages as cache, reclaims unmapped
 * real cache, OOM-kills the member with most anon, moves charges, and
 * keeps the pages the host swaps out charged to memsw as swap, and has
 * the host swap real anon out to make room before it goes OOM. */
#define MEM_PAGES 4096
#define SWAP_PAGES 1024
#include "engine_fixture.h"

#include <errno.h>

#include "engine/move.h"
#include "engine/oom.h"
#include "engine/realpage.h"

#define ANON REAL_ANON
#define FILE_PAGE 0u

/* seen[i] = { base + i, flags } for i < n. */
static void pages_at(struct real_seen *seen, long n, uint64_t base,
		     uint32_t flags)
{
	for (long i = 0; i < n; i++)
		seen[i] = (struct real_seen){ base + (uint64_t)i, flags, 0 };
}

/* seen[i] = { key + i, flags, addr + i } for i < n: pages at addresses. */
static void pages_from(struct real_seen *seen, long n, uint64_t key,
		       uint32_t flags, uint64_t addr)
{
	for (long i = 0; i < n; i++)
		seen[i] = (struct real_seen){ key + (uint64_t)i, flags,
					      addr + (uint64_t)i };
}

#define SWAPPED (REAL_ANON | REAL_SWAP)

static void test_anon_file_shmem_mlock(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(10, g);
	struct real_seen seen[40];

	(void)state;
	pages_at(seen, 10, 1000, ANON);
	pages_at(seen + 10, 10, 2000, FILE_PAGE);
	pages_at(seen + 20, 10, 3000, REAL_SHMEM);
	pages_at(seen + 30, 10, 4000, ANON | REAL_MLOCKED);
	assert_int_equal(realpage_update(t, seen, 40), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 20);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 20);
	assert_int_equal(stat_of(g, MEMCG_SHMEM), 10);
	assert_int_equal(stat_of(g, MEMCG_MAPPED_FILE), 20);
	assert_int_equal(stat_of(g, MEMCG_UNEVICTABLE), 10);
	assert_int_equal(stat_of(g, MEMCG_INACTIVE_ANON), 20);	/* anon + shmem */
	assert_int_equal(stat_of(g, MEMCG_INACTIVE_FILE), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 40);
	assert_true(realpage_memcg(1000) == g);
	assert_invariants();
	/* Everything unmapped: anon goes, file and shmem stay as cache. */
	assert_int_equal(realpage_update(t, seen, 0), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 0);
	assert_int_equal(stat_of(g, MEMCG_UNEVICTABLE), 0);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 20);
	assert_int_equal(stat_of(g, MEMCG_MAPPED_FILE), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 20);
	assert_null(realpage_memcg(1000));
	/* The host dropped the shmem pages (a removed segment). */
	for (uint64_t pfn = 3000; pfn < 3010; pfn++)
		realpage_dropped(pfn);
	assert_int_equal(stat_of(g, MEMCG_SHMEM), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	realpage_forget(t);
	assert_invariants();
}

static void test_shared_once_and_foreign_not(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *root_proc = task_in(20, NULL);
	struct task *a = task_in(21, g), *b = task_in(22, g);
	struct real_seen seen[20];

	(void)state;
	/* Seen in the root group: what it had before it joined. */
	pages_at(seen, 10, 5000, ANON);
	assert_int_equal(realpage_update(root_proc, seen, 10), 0);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMORY), 0);
	/* a maps 10 new pages and 10 a non-member maps too. */
	pages_at(seen, 10, 6000, ANON);
	pages_at(seen + 10, 10, 7000, FILE_PAGE | REAL_SHARED);
	assert_int_equal(realpage_update(a, seen, 20), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	/* b maps the same 20: charged once. */
	assert_int_equal(realpage_update(b, seen, 20), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	/* a goes: b still maps them. */
	realpage_forget(a);
	assert_int_equal(stat_of(g, MEMCG_RSS), 10);
	realpage_forget(b);
	assert_int_equal(stat_of(g, MEMCG_RSS), 0);
	/* The process from the root unmaps its old pages; a forked child's
	 * first look at them finds the old pages (not charged), a later
	 * look of a process seen before finds reused frames (charged). */
	realpage_forget(root_proc);
	pages_at(seen, 10, 5000, ANON);
	assert_int_equal(realpage_update(task_in(23, g), seen, 10), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	realpage_forget(task_in(23, g));
	assert_int_equal(realpage_update(a, seen, 10), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	realpage_forget(a);
	assert_invariants();
}

static void test_reclaim_takes_unmapped_real_cache(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(30, g);
	struct real_seen seen[100];

	(void)state;
	pages_at(seen, 100, 8000, FILE_PAGE);
	assert_int_equal(realpage_update(t, seen, 100), 0);
	assert_int_equal(realpage_update(t, seen, 0), 0);	/* unmapped */
	assert_int_equal(stat_of(g, MEMCG_CACHE), 100);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 150), 0);
	pages_at(seen, 100, 9000, ANON);
	assert_int_equal(realpage_update(t, seen, 100), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 100);
	assert_true(stat_of(g, MEMCG_CACHE) <= 50);
	assert_int_equal(atomic_load(&g->oom_kill), 0);
	realpage_forget(t);
	assert_invariants();
}

static void test_oom_takes_the_member_with_most_anon(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *small = task_in(40, g), *big = task_in(41, g);
	struct real_seen seen[300];

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 250), 0);
	pages_at(seen, 50, 10000, ANON);
	assert_int_equal(realpage_update(small, seen, 50), 0);
	pages_at(seen, 150, 11000, ANON);
	assert_int_equal(realpage_update(big, seen, 150), 0);
	/* small grows past the limit: big has the most and is taken. */
	pages_at(seen, 150, 10000, ANON);
	assert_int_equal(realpage_update(small, seen, 150), 0);
	assert_true(atomic_load(&big->oom_victim));
	assert_false(atomic_load(&small->oom_victim));
	assert_int_equal(stat_of(g, MEMCG_RSS), 150);
	/* Then small alone, past it again: itself. */
	pages_at(seen, 300, 10000, ANON);
	assert_int_equal(realpage_update(small, seen, 300), -ENOMEM);
	assert_true(atomic_load(&small->oom_victim));
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	assert_int_equal(atomic_load(&g->oom_kill), 2);
	assert_invariants();
}

static void test_move_charge(void **state)
{
	struct memcg *a = group(memcg_root(), "a");
	struct memcg *b = group(memcg_root(), "b");
	struct task *t = task_in(50, a), *other = task_in(51, a);
	struct real_seen seen[40];

	(void)state;
	pages_at(seen, 10, 12000, ANON);
	pages_at(seen + 10, 10, 13000, ANON);
	pages_at(seen + 20, 10, 14000, FILE_PAGE);
	pages_at(seen + 30, 10, 15000, ANON);
	assert_int_equal(realpage_update(t, seen, 40), 0);
	/* other shares the second 10 anon pages: they stay. */
	assert_int_equal(realpage_update(other, seen + 10, 10), 0);
	/* The host maps the last 10 twice (a fork no update has shown yet):
	 * they stay too. */
	pages_at(seen + 30, 10, 15000, ANON | REAL_SHARED);
	assert_int_equal(realpage_update(t, seen, 40), 0);
	atomic_store(&b->move_charge, 3);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 15), 0);
	assert_int_equal(memcg_move_task(50, 50, b), -ENOMEM);	/* 20 > 15 */
	assert_int_equal(usage(a, MEMCG_RES_MEMORY), 40);
	assert_int_equal(usage(b, MEMCG_RES_MEMORY), 0);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 100), 0);
	assert_int_equal(memcg_move_task(50, 50, b), 0);
	assert_int_equal(stat_of(b, MEMCG_RSS), 10);
	assert_int_equal(stat_of(b, MEMCG_CACHE), 10);
	assert_int_equal(stat_of(a, MEMCG_RSS), 20);
	assert_int_equal(usage(a, MEMCG_RES_MEMORY), 20);
	realpage_forget(t);
	realpage_forget(other);
	assert_invariants();
}

static void test_host_swap_out_and_in(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(60, g);
	struct real_seen seen[20];

	(void)state;
	pages_from(seen, 10, 16000, ANON, 500);
	pages_from(seen + 10, 10, 17000, ANON, 600);
	assert_int_equal(realpage_update(t, seen, 20), 0);
	/* The host swaps out the second ten: the same pages, in swap. */
	pages_from(seen + 10, 10, REAL_SWAP_KEY | 0x80, SWAPPED, 600);
	assert_int_equal(realpage_update(t, seen, 20), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 10);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 20);
	assert_int_equal(memcg_swap_used(), 10);	/* swap=0: the host's */
	assert_null(realpage_memcg(17000));
	assert_true(realpage_memcg(REAL_SWAP_KEY | 0x80) == g);
	assert_invariants();
	/* Back in, in new frames at the same addresses: charged again. */
	pages_from(seen + 10, 10, 19000, ANON | REAL_ACTIVE, 600);
	assert_int_equal(realpage_update(t, seen, 20), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 20);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 0);
	assert_int_equal(stat_of(g, MEMCG_ACTIVE_ANON), 10);
	assert_int_equal(stat_of(g, MEMCG_PGMAJFAULT), 10);	/* read from swap */
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 20);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 20);
	assert_int_equal(memcg_swap_used(), 0);
	assert_true(realpage_memcg(19000) == g);
	assert_invariants();
	/* Out again, then freed in swap: uncharged. */
	pages_from(seen + 10, 10, REAL_SWAP_KEY | 0x80, SWAPPED, 600);
	assert_int_equal(realpage_update(t, seen, 20), 0);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 10);
	assert_int_equal(realpage_update(t, seen, 10), 0);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 10);
	assert_int_equal(memcg_swap_used(), 0);
	realpage_forget(t);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_invariants();
}

static void test_host_swap_frame_reused_at_once(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(65, g);
	struct real_seen seen[3];

	(void)state;
	pages_from(seen, 2, 25000, ANON, 700);
	assert_int_equal(realpage_update(t, seen, 2), 0);
	/* The page at 700 goes to swap and its frame, freed, is t's new
	 * page at 900 by the next scan: a new page, and 700's in swap. */
	pages_from(seen, 1, 25000, ANON, 900);
	pages_from(seen + 1, 1, 25001, ANON, 701);
	pages_from(seen + 2, 1, REAL_SWAP_KEY | 0x400, SWAPPED, 700);
	assert_int_equal(realpage_update(t, seen, 3), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 2);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 1);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 3);
	assert_invariants();
	realpage_forget(t);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_invariants();
}

static void test_host_swap_shared_once(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *a = task_in(70, g), *b = task_in(71, g);
	struct task *c = task_in(72, g);
	struct real_seen seen[10];

	(void)state;
	pages_from(seen, 10, 20000, ANON, 100);
	assert_int_equal(realpage_update(a, seen, 10), 0);
	pages_from(seen, 10, REAL_SWAP_KEY | 0x100, SWAPPED, 100);
	assert_int_equal(realpage_update(a, seen, 10), 0);
	/* b, forked from a after the swap-out, maps the same entries. */
	assert_int_equal(realpage_update(b, seen, 10), 0);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 10);
	realpage_forget(a);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 10);
	/* b brings them back in. */
	pages_from(seen, 10, 21000, ANON, 100);
	assert_int_equal(realpage_update(b, seen, 10), 0);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 10);
	realpage_forget(b);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	/* A swap entry first seen in swap was swapped before: not charged. */
	pages_from(seen, 10, REAL_SWAP_KEY | 0x200, SWAPPED, 100);
	assert_int_equal(realpage_update(c, seen, 10), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	/* and when it comes in, it is not either. */
	pages_from(seen, 10, 22000, ANON, 100);
	assert_int_equal(realpage_update(c, seen, 10), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	realpage_forget(c);
	assert_int_equal(memcg_swap_used(), 0);
	assert_invariants();
}

static void test_host_swap_counts_against_memsw(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(80, g);
	struct real_seen seen[20];

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 15), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMSW, 15), 0);
	pages_from(seen, 10, 23000, ANON, 0);
	assert_int_equal(realpage_update(t, seen, 10), 0);
	pages_from(seen, 10, REAL_SWAP_KEY | 0x300, SWAPPED, 0);
	assert_int_equal(realpage_update(t, seen, 10), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	/* 10 in swap and 5 in memory fill memsw: the 6th is one too many
	 * (reclaim cannot swap under memsw), and t is the OOM victim. */
	pages_from(seen + 10, 5, 24000, ANON, 10);
	assert_int_equal(realpage_update(t, seen, 15), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 15);
	pages_from(seen + 10, 6, 24000, ANON, 10);
	assert_int_equal(realpage_update(t, seen, 16), -ENOMEM);
	assert_true(atomic_load(&t->oom_victim));
	assert_int_equal(atomic_load(&g->oom_kill), 1);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_int_equal(memcg_swap_used(), 0);
	assert_invariants();
}

/* The host's side of the pageout hook, played here: of the pages asked,
 * the first host_takes go to swap (a swap entry each, from 0x700 up); the
 * others stay where they are, as MADV_PAGEOUT leaves pages it skips. */
static long host_takes, host_asked, host_swapped;

static int host_page_out(pid_t tgid, struct real_seen *pages, long nr)
{
	assert_int_equal(tgid, 90);
	host_asked += nr;
	for (long i = 0; i < nr && host_swapped < host_takes; i++)
		pages[i] = (struct real_seen){ REAL_SWAP_KEY | (0x700 + host_swapped++),
					       SWAPPED, pages[i].addr };
	return 0;
}

static void test_pageout_makes_room_before_oom(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(90, g);
	struct real_seen seen[21];

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMSW, 100), 0);
	pages_from(seen, 10, 25000, ANON, 0);
	assert_int_equal(realpage_update(t, seen, 10), 0);
	realpage_set_pageout_hook(host_page_out);
	/* 5 more past the limit: the host swaps the 10 out (every
	 * candidate, fewer than a batch), the 5 wait for a fresh scan. */
	host_takes = 10;
	pages_from(seen + 10, 5, 26000, ANON, 10);
	assert_int_equal(realpage_update(t, seen, 15), -EAGAIN);
	assert_int_equal(host_asked, 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 10);
	assert_invariants();
	/* The scan again: 10 swap entries where the frames were. */
	pages_from(seen, 10, REAL_SWAP_KEY | 0x700, SWAPPED, 0);
	assert_int_equal(realpage_update(t, seen, 15), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 5);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 15);
	assert_int_equal(atomic_load(&g->oom_kill), 0);
	assert_invariants();
	/* 6 more: 5 fit, the 6th needs one out; the host takes none of the
	 * 10 asked (the 5 before and the 5 just charged): OOM. */
	host_takes = host_swapped;
	host_asked = 0;
	pages_from(seen + 15, 6, 27000, ANON, 15);
	assert_int_equal(realpage_update(t, seen, 21), -ENOMEM);
	assert_int_equal(host_asked, 10);
	assert_true(atomic_load(&t->oom_victim));
	assert_int_equal(atomic_load(&g->oom_kill), 1);
	realpage_set_pageout_hook(NULL);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_anon_file_shmem_mlock, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_shared_once_and_foreign_not, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_takes_unmapped_real_cache, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_oom_takes_the_member_with_most_anon, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_move_charge, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_host_swap_out_and_in, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_host_swap_frame_reused_at_once, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_host_swap_shared_once, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_host_swap_counts_against_memsw, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pageout_makes_room_before_oom, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
