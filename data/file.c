/*
 * file.c: whole-file reads with a cap (see file.h).
 */
#include "data/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ds_file_read(char **out, size_t *len, const char *path, size_t cap, ds_error *err)
{
    *out = NULL;
    *len = 0;
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        int code = errno == ENOENT ? DS_ENOTFOUND : DS_EIO;
        return ds_error_set(err, code, path, "cannot open: %s", strerror(errno));
    }
    size_t size = 0, alloc = 65536;
    char *buf = malloc(alloc);
    int rc = 0;
    if (!buf) {
        rc = ds_error_set(err, DS_ENOMEM, path, "out of memory");
        goto out;
    }
    for (;;) {
        if (size + 1 >= alloc) {
            if (alloc >= cap + 1) {
                rc = ds_error_set(err, DS_ENOMEM, path, "larger than %zu bytes", cap);
                goto out;
            }
            size_t grown = alloc * 2 > cap + 1 ? cap + 1 : alloc * 2;
            char *bigger = realloc(buf, grown);
            if (!bigger) {
                rc = ds_error_set(err, DS_ENOMEM, path, "out of memory");
                goto out;
            }
            buf = bigger;
            alloc = grown;
        }
        size_t got = fread(buf + size, 1, alloc - 1 - size, f);
        size += got;
        if (got == 0) {
            if (ferror(f))
                rc = ds_error_set(err, DS_EIO, path, "read failed: %s", strerror(errno));
            break;
        }
    }
out:
    if (!is_stdin)
        fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return 0;
}
