/*
 * big_alloc.h: zeroed memory for large, short-lived working arrays (a batch's claims, a log's
 * leaf hashes), asking the kernel for transparent huge pages.
 *
 * Why: a fresh 4 KiB page costs a page fault when first touched, and on the virtual machines
 * dsure runs on a fault costs microseconds (measured in bench/claims.md: a 100,000-claim batch
 * touched about 100,000 fresh pages, a fifth of its time). glibc's malloc maps such blocks with
 * 4 KiB pages; here blocks of at least DS_BIG_ALLOC_MIN bytes are mapped directly and advised
 * MADV_HUGEPAGE, which Linux honours when transparent huge pages are "always" or "madvise"
 * (Debian's default), so one fault maps 2 MiB. Where the advice is refused the block is still
 * valid memory with ordinary pages. Smaller blocks come from calloc.
 *
 * Ownership: free with ds_big_free and the same size. Both are NULL-safe and thread-safe.
 */
#ifndef DS_DATA_BIG_ALLOC_H
#define DS_DATA_BIG_ALLOC_H

#include <stddef.h>

#define DS_BIG_ALLOC_MIN ((size_t)4 << 20)

/* n * size zeroed bytes (n * size must not overflow: NULL then), or NULL when out of memory. */
void *ds_big_calloc(size_t n, size_t size);
void ds_big_free(void *p, size_t n, size_t size);

#endif
