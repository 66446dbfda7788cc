/*
 * big_alloc.c: large zeroed blocks on transparent huge pages where the kernel allows (see
 * big_alloc.h).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS and madvise under -std=c11 */
#include "data/big_alloc.h"

#include <stdint.h>
#include <stdlib.h>

#include <sys/mman.h>

void *ds_big_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (bytes < DS_BIG_ALLOC_MIN)
        return calloc(n ? n : 1, size ? size : 1);
    /* Anonymous mappings are zero-filled by the kernel. */
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* Advice only: refused (no THP in this kernel), the block keeps ordinary pages. */
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

void ds_big_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
    size_t bytes = n * size;
    if (bytes < DS_BIG_ALLOC_MIN)
        free(p);
    else
        munmap(p, bytes);
}
