/*
 * error.c: filling ds_error and building field paths for its messages.
 */
#include "actuarial/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ds_error_clear(ds_error *err)
{
    if (!err)
        return;
    err->code = DS_OK;
    err->field[0] = '\0';
    err->message[0] = '\0';
}

int ds_error_set(ds_error *err, int code, const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    size_t used = 0;
    if (err->field[0]) {
        int n = snprintf(err->message, sizeof err->message, "%s: ", err->field);
        used = n < 0 ? 0 : (size_t)n < sizeof err->message ? (size_t)n : sizeof err->message - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + used, sizeof err->message - used, fmt, ap);
    va_end(ap);
    return code;
}

const char *ds_error_name(int code)
{
    switch (code) {
    case DS_OK: return "ok";
    case DS_EINVAL: return "invalid input";
    case DS_ENOTFOUND: return "not found";
    case DS_EIO: return "I/O error";
    case DS_ENOMEM: return "out of memory";
    case DS_EINTERNAL: return "internal error";
    case DS_EUNAVAIL: return "remote unavailable";
    case DS_EMISMATCH: return "check failed";
    case DS_ECONFLICT: return "conflict";
    case DS_EUSAGE: return "usage";
    default: return "unknown error";
    }
}

char *ds_path_key(char *buf, size_t cap, const char *parent, const char *key)
{
    if (parent && parent[0])
        snprintf(buf, cap, "%s.%s", parent, key);
    else
        snprintf(buf, cap, "%s", key);
    return buf;
}

char *ds_path_index(char *buf, size_t cap, const char *parent, size_t index)
{
    snprintf(buf, cap, "%s[%zu]", parent ? parent : "", index);
    return buf;
}
