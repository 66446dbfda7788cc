/*
 * file.h: reading a whole input file (or standard input) into memory, with a size cap.
 */
#ifndef DS_DATA_FILE_H
#define DS_DATA_FILE_H

#include <stddef.h>

#include "actuarial/error.h"

/* Inputs larger than this are refused rather than read (256 MiB). */
#define DS_FILE_DEFAULT_CAP ((size_t)256 << 20)

/*
 * Reads path ("-" for standard input) into a NUL-terminated buffer the caller frees with free().
 * Errors: DS_ENOTFOUND when the file does not exist, DS_ENOMEM past cap, DS_EIO otherwise; the
 * message names the path.
 */
int ds_file_read(char **out, size_t *len, const char *path, size_t cap, ds_error *err);

#endif
