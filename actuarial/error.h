/*
 * error.h: the error type every fallible dsure function fills.
 *
 * A function that can fail returns int: 0 on success or one of the negative DS_E* codes below,
 * and writes a message into a caller-owned ds_error. The message starts with the path of the
 * offending input field ("severity.sdlog: must be positive"), so a user can find the mistake
 * without reading code. The lowest layer (actuarial/) owns this type because every layer above
 * uses it; it has no dependencies.
 *
 * Thread safety: a ds_error is plain data owned by its caller; use one per thread.
 */
#ifndef DS_ACTUARIAL_ERROR_H
#define DS_ACTUARIAL_ERROR_H

#include <stddef.h>

enum {
    DS_OK = 0,
    DS_EINVAL = -1,     /* invalid input: a field is missing, malformed or out of range */
    DS_ENOTFOUND = -2,  /* a named input (file, plan, quote, policy) does not exist */
    DS_EIO = -3,        /* database or file I/O failed */
    DS_ENOMEM = -4,     /* an allocation failed or a size cap was reached */
    DS_EINTERNAL = -5,  /* a bug or a numerical routine that failed */
    DS_EUNAVAIL = -6,   /* a remote party could not be reached */
    DS_EMISMATCH = -7,  /* a check ran and failed (a hash, a signature, a proof) */
    DS_ECONFLICT = -8,  /* the request conflicts with stored state (binding a quote twice) */
    DS_EUSAGE = -9      /* the command line is malformed */
};

#define DS_ERROR_FIELD_MAX 160
#define DS_ERROR_MESSAGE_MAX 640

typedef struct ds_error {
    int code;                         /* the DS_E* code of the last failure, DS_OK if none */
    char field[DS_ERROR_FIELD_MAX];   /* path of the offending field, "" when none applies */
    char message[DS_ERROR_MESSAGE_MAX]; /* "field: reason", or just "reason" */
} ds_error;

/* Resets err to "no error". err may be NULL. */
void ds_error_clear(ds_error *err);

/*
 * Records a failure and returns code, so callers can write `return ds_error_set(...)`.
 * field may be NULL or "" when no input field is at fault; the message becomes "field: reason".
 * err may be NULL (the failure is then only returned).
 */
int ds_error_set(ds_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A short English name of a DS_E* code ("invalid input"), never NULL. */
const char *ds_error_name(int code);

/*
 * Builds "parent.key" (or "key" when parent is empty) into buf; truncates safely at cap.
 * Returns buf, for use in argument lists.
 */
char *ds_path_key(char *buf, size_t cap, const char *parent, const char *key);

/* Builds "parent[index]" into buf; truncates safely at cap. Returns buf. */
char *ds_path_index(char *buf, size_t cap, const char *parent, size_t index);

#define DS_PATH_MAX 160

#endif
