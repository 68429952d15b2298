/* The pagemap sampler; see pagetrack.h.
 *
 * Only the sampler thread touches the sample table (a move's scan, in a
 * FUSE thread, uses its own files), so it needs no lock.  Each sampled
 * process keeps its /proc files open: a pid reused by another process
 * reads as an error rather than as the wrong process.
 *
 * A scan reads the process's mappings, then its pagemap entries for each
 * mapping, keeps the present pages, sorts them by frame, and reads the
 * host's flags and map counts for them in runs of nearby frames (one
 * pread per run, not per page). */
#include "pagetrack.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine/memcg.h"
#include "engine/realpage.h"
#include "engine/task.h"
#include "oomstop.h"
#include "pidfd.h"
#include "pidwatch.h"
#include "ticker.h"

/* PAGEMAP_SCAN (Linux 6.7, include/uapi/linux/fs.h), which older headers
 * lack: the ranges of a mapping that are present or in swap, found by
 * walking page tables rather than one pagemap entry per page of address
 * space (a sanitizer's terabytes of reserved shadow, say). */
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start, end, categories;
};

struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};

#define PAGE_IS_PRESENT	(1 << 3)
#define PAGE_IS_SWAPPED	(1 << 4)
#define PAGEMAP_SCAN	_IOWR('f', 16, struct pm_scan_arg)
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
/* Pages asked to go out per process_madvise(2) call (UIO_MAXIOV). */
#define PAGEOUT_IOVS 1024
/* Scans a tracked process gets in a row while the engine has pages
 * swapped out to make room for its charges (realpage_update). */
#define PAGEOUT_ROUNDS 8

/* Mappings at least this many pages long are read through PAGEMAP_SCAN. */
#define SCAN_MIN_PAGES 1024
#define SCAN_REGIONS 256

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst): a
 * present page's frame, or a swapped one's entry (type in bits 0-4,
 * offset in 5-54), in the low 55. */
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SWAP_TYPE(e)	((e) & 0x1f)
/* Swap types the kernel gives swap areas count up from 0; its migration,
 * hwpoison, device and marker entries (PM_SWAP too) take the top of the
 * 5-bit type space, from MAX_SWAPFILES (23 or more) up. */
#define SWAP_AREAS	16

/* kpageflags bits (include/uapi/linux/kernel-page-flags.h, and the
 * kernel-internal ones it exports). */
#define KPF_LRU		5
#define KPF_ACTIVE	6
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_ANON	12
#define KPF_SWAPBACKED	14
#define KPF_HUGE	17
#define KPF_UNEVICTABLE	18
#define KPF_NOPAGE	20
#define KPF_ZERO_PAGE	24
#define KPF_MLOCKED	33
#define BIT(n)		(1ULL << (n))

/* Frames this close share one read of the flag files. */
#define RUN_GAP 512
#define PAGEMAP_CHUNK 4096
/* Every so many scans of a process, the flags of all its pages are read. */
#define FULL_EVERY 16

struct counters {
	unsigned long long minflt, majflt, size, resident, shared, locked;
};

struct sample {
	struct task *t;		/* a process leader, referenced; first (oomstop) */
	int stat_fd, statm_fd, status_fd;	/* its /proc/PID/stat, statm, status */
	struct counters seen;	/* at its last scan */
	bool scanned;
	unsigned scans;
};

/* What one scan gathers; reused from scan to scan. */
struct scan {
	struct real_seen *v, *tmp;	/* tmp: for sorting */
	long nr, cap, tmp_cap;
	uint64_t *flags, *count;	/* for the current run */
	long run_cap;
	char *maps;
	size_t maps_cap;
};

static struct ticker ticker;
static struct sample *samples;
static long nr_samples;
static int kflags_fd = -1, kcount_fd = -1, vmstat_fd = -1;
/* The host's swap-outs (pswpout + zswpout) at the last period. */
static unsigned long long swapouts;
static atomic_bool running;
static struct scan sampler_scan;

static int open_proc(pid_t pid, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* minflt and majflt of /proc/PID/stat, size, resident and shared of
 * statm (exact, where stat's rss is a per-cpu estimate), VmLck of status:
 * a process whose six did not change mapped, unmapped, replaced and
 * locked nothing. */
static int read_counters(struct sample *s, struct counters *c)
{
	char buf[2048], *p;
	ssize_t n = pread(s->stat_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold anything */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu",
			 &c->minflt, &c->majflt) != 2)
		return -1;
	n = pread(s->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &c->size, &c->resident, &c->shared) != 3)
		return -1;
	n = pread(s->status_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nVmLck:");
	c->locked = p ? strtoull(p + 7, NULL, 10) : 0;
	return 0;
}

static int grow(void **v, long *cap, long need, size_t size)
{
	long c = *cap ? *cap : 1024;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*v, (size_t)c * size);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = c;
	return 0;
}

/* The whole of /proc/PID/maps into sc->maps. */
static int read_maps(struct scan *sc, pid_t pid)
{
	int fd = open_proc(pid, "maps");
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -ESRCH;
	for (;;) {
		if (len + 4096 + 1 > sc->maps_cap) {
			size_t cap = sc->maps_cap ? 2 * sc->maps_cap : 65536;
			char *m = realloc(sc->maps, cap);

			if (!m) {
				close(fd);
				return -ENOMEM;
			}
			sc->maps = m;
			sc->maps_cap = cap;
		}
		n = read(fd, sc->maps + len, sc->maps_cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return -ESRCH;
	sc->maps[len] = '\0';
	return 0;
}

/* Pagemap entry e of page addr as a scan sees it, into *s: 1 for a
 * present page (flags left to classify) or a page in swap (anon, named by
 * its swap entry), else 0. */
static int entry_seen(uint64_t e, uint64_t addr, struct real_seen *s)
{
	uint64_t pfn = e & PM_PFN_MASK;

	if ((e & PM_PRESENT) && pfn)
		*s = (struct real_seen){ pfn, 0, addr };
	else if ((e & PM_SWAP) && !(e & PM_PRESENT) &&
		 PM_SWAP_TYPE(pfn) < SWAP_AREAS)
		*s = (struct real_seen){ REAL_SWAP_KEY | pfn,
					 REAL_ANON | REAL_SWAP, addr };
	else
		return 0;
	return 1;
}

/* The present pages of [start, end) (page numbers) into sc->v, and the
 * pages in swap (anon, named by their swap entry). */
static int read_range(struct scan *sc, int pm_fd, uint64_t start, uint64_t end)
{
	uint64_t buf[PAGEMAP_CHUNK];

	while (start < end) {
		uint64_t n = end - start < PAGEMAP_CHUNK ? end - start : PAGEMAP_CHUNK;
		ssize_t got = pread(pm_fd, buf, n * sizeof(*buf),
				    (off_t)(start * sizeof(*buf)));

		if (got <= 0)
			return 0;	/* an unreadable mapping ([vsyscall]) */
		n = (uint64_t)got / sizeof(*buf);
		if (grow((void **)&sc->v, &sc->cap, sc->nr + (long)n, sizeof(*sc->v)))
			return -ENOMEM;
		for (uint64_t i = 0; i < n; i++)
			sc->nr += entry_seen(buf[i], start + i, &sc->v[sc->nr]);
		start += n;
	}
	return 0;
}

/* The present and swapped pages of [start, end) (addresses) of a large
 * mapping: the ranges PAGEMAP_SCAN finds, each read as read_range does;
 * the whole mapping where the ioctl is missing. */
static int read_mapping(struct scan *sc, int pm_fd, uint64_t start,
			uint64_t end, uint64_t page)
{
	struct page_region regions[SCAN_REGIONS];
	struct pm_scan_arg arg = {
		.size = sizeof(arg), .start = start, .end = end,
		.vec = (uintptr_t)regions, .vec_len = SCAN_REGIONS,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};

	if ((end - start) / page < SCAN_MIN_PAGES)
		return read_range(sc, pm_fd, start / page, end / page);
	while (arg.start < end) {
		long n = ioctl(pm_fd, PAGEMAP_SCAN, &arg);
		int err = 0;

		if (n < 0)	/* no PAGEMAP_SCAN: every entry, then */
			return read_range(sc, pm_fd, arg.start / page, end / page);
		for (long i = 0; i < n && !err; i++)
			err = read_range(sc, pm_fd, regions[i].start / page,
					 regions[i].end / page);
		if (err)
			return err;
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	return 0;
}

static int by_pfn(const void *a, const void *b)
{
	uint64_t x = ((const struct real_seen *)a)->pfn;
	uint64_t y = ((const struct real_seen *)b)->pfn;

	return (x > y) - (x < y);
}

#define RADIX_BITS 11

/* Sort sc->v by frame: least significant digit first, RADIX_BITS at a
 * time, through sc->tmp (a million pages sort in a few ms, qsort takes
 * tens).  Falls back to qsort when out of memory. */
static void radix_sort(struct scan *sc)
{
	uint64_t max = 0;
	struct real_seen *src = sc->v, *dst;

	if (grow((void **)&sc->tmp, &sc->tmp_cap, sc->nr, sizeof(*sc->tmp))) {
		qsort(sc->v, (size_t)sc->nr, sizeof(*sc->v), by_pfn);
		return;
	}
	dst = sc->tmp;
	for (long i = 0; i < sc->nr; i++)
		if (src[i].pfn > max)
			max = src[i].pfn;
	for (int shift = 0; shift < 64 && max >> shift; shift += RADIX_BITS) {
		long count[1 << RADIX_BITS] = { 0 }, pos = 0;
		struct real_seen *t;

		for (long i = 0; i < sc->nr; i++)
			count[src[i].pfn >> shift & ((1 << RADIX_BITS) - 1)]++;
		for (int d = 0; d < 1 << RADIX_BITS; d++) {
			long c = count[d];

			count[d] = pos;
			pos += c;
		}
		for (long i = 0; i < sc->nr; i++)
			dst[count[src[i].pfn >> shift & ((1 << RADIX_BITS) - 1)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != sc->v) {	/* an odd number of passes: swap the buffers */
		sc->tmp = sc->v;
		sc->v = src;
		long c = sc->cap;

		sc->cap = sc->tmp_cap;
		sc->tmp_cap = c;
	}
}

/* Sort sc->v by frame and drop repeats (a page mapped twice). */
static void sort_unique(struct scan *sc)
{
	long k = 0;
	bool sorted = true;

	for (long i = 1; i < sc->nr && sorted; i++)
		sorted = sc->v[i - 1].pfn <= sc->v[i].pfn;
	if (!sorted)
		radix_sort(sc);
	for (long i = 0; i < sc->nr; i++)
		if (!k || sc->v[k - 1].pfn != sc->v[i].pfn)
			sc->v[k++] = sc->v[i];
	sc->nr = k;
}

/* The flags (and map count, if count) of frames [first, last] into
 * sc->flags/sc->count, indexed from first. */
static int read_run(struct scan *sc, uint64_t first, uint64_t last, bool count)
{
	long n = (long)(last - first + 1);
	size_t bytes = (size_t)n * sizeof(uint64_t);
	off_t off = (off_t)(first * sizeof(uint64_t));

	if (grow((void **)&sc->flags, &sc->run_cap, n, sizeof(uint64_t)))
		return -ENOMEM;
	/* Both arrays share run_cap: grow count alongside. */
	{
		uint64_t *c = realloc(sc->count, (size_t)sc->run_cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		sc->count = c;
	}
	if (pread(kflags_fd, sc->flags, bytes, off) != (ssize_t)bytes)
		return -EIO;
	if (count && pread(kcount_fd, sc->count, bytes, off) != (ssize_t)bytes)
		return -EIO;
	return 0;
}

/* Whether a page with host flags f is one the controller charges: a
 * mapped page of memory, not the zero page or a hugetlb page. */
static bool chargeable(uint64_t f)
{
	return !(f & (BIT(KPF_NOPAGE) | BIT(KPF_ZERO_PAGE) | BIT(KPF_HUGE) |
		      BIT(KPF_SLAB) | BIT(KPF_BUDDY)));
}

static uint32_t real_flags(uint64_t f, uint64_t count)
{
	uint32_t r = 0;

	if (f & BIT(KPF_ANON))
		r |= REAL_ANON;
	else if (f & BIT(KPF_SWAPBACKED))
		r |= REAL_SHMEM;
	if (f & (BIT(KPF_MLOCKED) | BIT(KPF_UNEVICTABLE)))
		r |= REAL_MLOCKED;
	if (f & BIT(KPF_ACTIVE))
		r |= REAL_ACTIVE;
	if (count > 1)
		r |= REAL_SHARED;
	return r;
}

/* Fill in each page's flags from the host's, dropping pages the
 * controller does not charge; pages flagged REAL_KNOWN keep theirs, and
 * pages in swap have no frame to read. */
static int classify(struct scan *sc)
{
	long k = 0;

	for (long i = 0; i < sc->nr;) {
		uint64_t first = sc->v[i].pfn;
		long j = i;
		int err;

		if (sc->v[i].flags & (REAL_KNOWN | REAL_SWAP)) {
			sc->v[k++] = sc->v[i++];
			continue;
		}
		while (j + 1 < sc->nr &&
		       !(sc->v[j + 1].flags & (REAL_KNOWN | REAL_SWAP)) &&
		       sc->v[j + 1].pfn - first < RUN_GAP)
			j++;
		err = read_run(sc, first, sc->v[j].pfn, true);
		if (err)
			return err;
		for (; i <= j; i++) {
			uint64_t f = sc->flags[sc->v[i].pfn - first];

			if (chargeable(f))
				sc->v[k++] = (struct real_seen){
					sc->v[i].pfn,
					real_flags(f, sc->count[sc->v[i].pfn - first]),
					sc->v[i].addr };
		}
	}
	sc->nr = k;
	return 0;
}

/* Every page process t maps now, classified, into sc; with known, the
 * pages it mapped before keep the flags they had. */
static int scan_process(struct scan *sc, struct task *t, bool known)
{
	pid_t pid = t->tgid;
	long page = sysconf(_SC_PAGESIZE);
	int pm_fd, err;

	sc->nr = 0;
	err = read_maps(sc, pid);
	if (err)
		return err;
	pm_fd = open_proc(pid, "pagemap");
	if (pm_fd < 0)
		return -ESRCH;
	for (char *line = sc->maps; *line && !err;) {
		char *nl = strchr(line, '\n');
		unsigned long long start, end;

		if (sscanf(line, "%llx-%llx", &start, &end) == 2)
			err = read_mapping(sc, pm_fd, start, end, (uint64_t)page);
		line = nl ? nl + 1 : line + strlen(line);
	}
	close(pm_fd);
	if (err)
		return err;
	sort_unique(sc);
	if (known)
		realpage_fill_known(t, sc->v, sc->nr);
	return classify(sc);
}

static void scan_free(struct scan *sc)
{
	free(sc->v);
	free(sc->tmp);
	free(sc->flags);
	free(sc->count);
	free(sc->maps);
	memset(sc, 0, sizeof(*sc));
}

/* Scan t and hand the engine what it maps: realpage_update's result.
 * When the engine had pages swapped out to make room, the scan is stale
 * and t is scanned again at once. */
static int track(struct scan *sc, struct task *t, bool known)
{
	int err, rounds = PAGEOUT_ROUNDS;

	do {
		err = scan_process(sc, t, known);
		if (err == -ESRCH) {
			realpage_forget(t);
			return err;
		}
		if (!err)
			err = realpage_update(t, sc->v, sc->nr);
	} while (err == -EAGAIN && --rounds);
	return err;
}

static void drop_sample(struct sample *s)
{
	realpage_forget(s->t);
	if (s->stat_fd >= 0)
		close(s->stat_fd);
	if (s->statm_fd >= 0)
		close(s->statm_fd);
	if (s->status_fd >= 0)
		close(s->status_fd);
	task_put(s->t);
}

static int by_task(const void *a, const void *b)
{
	const struct task *x = *(struct task *const *)a;
	const struct task *y = *(struct task *const *)b;

	return (x > y) - (x < y);
}

static int sample_by_task(const void *key, const void *elem)
{
	const struct task *x = key;
	const struct task *y = ((const struct sample *)elem)->t;

	return (x > y) - (x < y);
}

/* Make samples the sorted set of sampled member processes, keeping those
 * already there (with their files and counters). */
static void refresh_samples(void)
{
	struct task **now = NULL;
	struct sample *next;
	long n = task_collect_members(&now), k = 0;

	if (n < 0)
		return;
	if (n)
		qsort(now, (size_t)n, sizeof(*now), by_task);
	next = calloc((size_t)(n ? n : 1), sizeof(*next));
	for (long x = 0; x < n; x++) {
		struct sample *old = next && nr_samples ?
			bsearch(now[x], samples, (size_t)nr_samples,
				sizeof(*samples), sample_by_task) : NULL;

		if (!next || !task_is_live_leader(now[x])) {
			task_put(now[x]);
		} else if (old) {
			next[k++] = *old;
			old->t = NULL;		/* moved to next */
			task_put(now[x]);	/* the sample holds one */
		} else {
			next[k].t = now[x];
			next[k].stat_fd = open_proc(now[x]->tgid, "stat");
			next[k].statm_fd = open_proc(now[x]->tgid, "statm");
			next[k++].status_fd = open_proc(now[x]->tgid, "status");
		}
	}
	free(now);
	if (!next)
		return;
	for (long i = 0; i < nr_samples; i++)
		if (samples[i].t)
			drop_sample(&samples[i]);	/* gone */
	free(samples);
	samples = next;
	nr_samples = k;
}

/* A charge for t was refused: under oom_kill_disable, its group's
 * sampled processes wait. */
static void refuse(struct task *t)
{
	oomstop_refused(t, samples, nr_samples, sizeof(*samples));
}

/* Scan sample s if its counters moved (or always, if force). */
static long sample_one(struct sample *s, bool force)
{
	struct counters c;

	if (s->stat_fd < 0 || s->statm_fd < 0 || s->status_fd < 0 ||
	    oomstop_is_stopped(s->t) ||
	    read_counters(s, &c) < 0)
		return 0;
	if (!force && s->scanned && !memcmp(&c, &s->seen, sizeof(c)))
		return 0;
	/* A change of VmLck is mlock or munlock of pages it had: then their
	 * flags are read again, as every FULL_EVERY scans (active lists). */
	switch (track(&sampler_scan, s->t, c.locked == s->seen.locked &&
		      ++s->scans % FULL_EVERY)) {
	case 0:
		s->seen = c;
		s->scanned = true;
		return sampler_scan.nr;
	case -ENOMEM:
		refuse(s->t);	/* scanned again next period */
		return sampler_scan.nr;
	default:
		return 0;
	}
}

/* Whether the host still has unmapped page u as the engine knows it: a
 * cached page still on the host's lists, or an uncharged page still
 * mapped somewhere. */
static bool still_there(const struct real_seen *u, uint64_t f, uint64_t count)
{
	if (!chargeable(f) || !(f & BIT(KPF_ANON)) != !(u->flags & REAL_ANON))
		return false;
	if (u->flags & REAL_FOREIGN)
		return count > 0;
	return f & (BIT(KPF_LRU) | BIT(KPF_UNEVICTABLE));
}

/* Forget the unmapped pages the host no longer has. */
static void check_unmapped(void)
{
	struct real_seen *u;
	long n = realpage_unmapped(&u);

	if (n > 0)
		qsort(u, (size_t)n, sizeof(*u), by_pfn);
	for (long i = 0; i < n;) {
		uint64_t first = u[i].pfn;
		long j = i;

		while (j + 1 < n && u[j + 1].pfn - first < RUN_GAP)
			j++;
		if (read_run(&sampler_scan, first, u[j].pfn, true))
			break;
		for (; i <= j; i++) {
			uint64_t off = u[i].pfn - first;

			if (!still_there(&u[i], sampler_scan.flags[off],
					 sampler_scan.count[off]))
				realpage_dropped(u[i].pfn);
		}
	}
	free(u);
}

/* The host's pages swapped out so far: /proc/vmstat's pswpout and zswpout
 * (event counts summed over CPUs when read, so exact), or 0. */
static unsigned long long host_swapouts(void)
{
	char buf[16384], *p;
	unsigned long long n = 0;
	ssize_t got = vmstat_fd < 0 ? -1 : pread(vmstat_fd, buf, sizeof(buf) - 1, 0);

	if (got <= 0)
		return 0;
	buf[got] = '\0';
	if ((p = strstr(buf, "\npswpout ")))
		n += strtoull(p + 9, NULL, 10);
	if ((p = strstr(buf, "\nzswpout ")))
		n += strtoull(p + 9, NULL, 10);
	return n;
}

/* Whether the host swapped a page out since the last period.  A swap-out
 * faults nothing, and statm's counts are per-CPU estimates that can hide
 * a few pages: then every member is scanned. */
static bool swapped_out(void)
{
	unsigned long long n = host_swapouts();
	bool moved = n != swapouts;

	swapouts = n;
	return moved;
}

static long sample_all(bool force)
{
	long pages = 0;

	force |= swapped_out();
	pidwatch_sync();	/* exits first: a gone pid is not sampled */
	oomstop_resume();
	refresh_samples();
	check_unmapped();	/* first: a freed frame may be reused */
	for (long i = 0; i < nr_samples; i++)
		pages += sample_one(&samples[i], force);
	return pages;
}

static void tick(void *arg)
{
	static bool named;

	(void)arg;
	if (!named)	/* its CPU time, apart: /proc/PID/task/TID/comm */
		named = !pthread_setname_np(pthread_self(), "pagetrack");
	sample_all(false);
}

/* Whether the host has swap on: a line in /proc/swaps past its header. */
static bool host_swap_on(void)
{
	char buf[256], *nl;
	int fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	return nl && nl[1];
}

/* The engine's pageout hook (realpage.h): MADV_PAGEOUT of the pages
 * through process_madvise(2), then their pagemap entries read again.
 * Nothing is asked of a host without swap. */
static int page_out(pid_t tgid, struct real_seen *pages, long nr)
{
	long page = sysconf(_SC_PAGESIZE);
	struct iovec iov[PAGEOUT_IOVS];
	int pidfd, pm_fd, err = 0;

	if (!host_swap_on())
		return 0;
	pidfd = pidfd_of(tgid);
	if (pidfd < 0)
		return pidfd;
	for (long i = 0; i < nr && !err;) {
		int n = 0;

		for (; i < nr && n < PAGEOUT_IOVS; i++)
			iov[n++] = (struct iovec){
				(void *)(uintptr_t)(pages[i].addr * (uint64_t)page),
				(size_t)page };
		if (syscall(SYS_process_madvise, pidfd, iov, (size_t)n,
			    MADV_PAGEOUT, 0U) < 0)
			err = -errno;
	}
	close(pidfd);
	if (err)
		return err;
	pm_fd = open_proc(tgid, "pagemap");
	if (pm_fd < 0)
		return -ESRCH;
	for (long i = 0; i < nr; i++) {
		uint64_t e;
		struct real_seen s;

		if (pread(pm_fd, &e, sizeof(e), (off_t)(pages[i].addr * sizeof(e))) ==
		    (ssize_t)sizeof(e) && entry_seen(e, pages[i].addr, &s) &&
		    (s.flags & REAL_SWAP))
			pages[i] = s;
	}
	close(pm_fd);
	return 0;
}

long pagetrack_scan_all(void)
{
	return sample_all(true);
}

int pagetrack_start(long period_ms)
{
	kflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	kcount_fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	vmstat_fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
	swapouts = host_swapouts();
	if (kflags_fd < 0 || kcount_fd < 0) {
		int err = -errno;

		pagetrack_stop();
		return err;
	}
	realpage_set_pageout_hook(page_out);
	atomic_store(&running, true);
	if (period_ms <= 0)
		return 0;	/* driven by pagetrack_scan_all() alone */
	return ticker_start(&ticker, period_ms, tick, NULL);
}

void pagetrack_stop(void)
{
	bool was_running = atomic_exchange(&running, false);

	ticker_stop(&ticker);
	realpage_set_pageout_hook(NULL);
	/* Only the sampler that runs stops members (oomstop.h): under
	 * track=rss that is rsstrack's, still running here. */
	if (was_running)
		oomstop_release_all();
	for (long i = 0; i < nr_samples; i++)
		drop_sample(&samples[i]);
	free(samples);
	samples = NULL;
	nr_samples = 0;
	scan_free(&sampler_scan);
	if (kflags_fd >= 0)
		close(kflags_fd);
	if (kcount_fd >= 0)
		close(kcount_fd);
	if (vmstat_fd >= 0)
		close(vmstat_fd);
	kflags_fd = kcount_fd = vmstat_fd = -1;
}

static atomic_bool restoring;

void pagetrack_restoring(bool on)
{
	atomic_store(&restoring, on);
}

void pagetrack_before_move(pid_t tgid)
{
	struct scan sc = { 0 };
	struct task *t;
	int err;

	if (!atomic_load(&running) || atomic_load(&restoring))
		return;
	t = pidwatch_track(tgid, tgid, &err);
	if (!t)
		return;
	/* Every page's flags and map count read afresh: a charge move
	 * leaves the anon pages another process maps (a fork's), whether
	 * or not a scan of that process has been seen yet. */
	track(&sc, t, false);
	scan_free(&sc);
	task_put(t);
}
