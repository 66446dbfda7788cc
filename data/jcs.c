/*
 * jcs.c: RFC 8785 JSON Canonicalization Scheme over cJSON (see jcs.h).
 *
 * Guarantees: the output is a pure function of the JSON value (member order, whitespace and
 * number spelling of the input do not matter); it is produced whole or not at all; it is at
 * most JCS_OUTPUT_MAX bytes. Members are sorted by the UTF-16 code units of their names
 * (RFC 8785 section 3.2.3), which differs from a byte or code point sort only for names holding
 * characters above U+FFFF (their surrogates, 0xD800..0xDFFF, sort below U+E000..U+FFFF).
 */
#include "data/jcs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/utf8.h"

/* A canonical entry larger than this is refused (DS_ENOMEM) rather than built. */
#define JCS_OUTPUT_MAX ((size_t)64 << 20)

typedef struct {
    char *data;
    size_t len, cap;
} jcs_buf;

static int buf_put(jcs_buf *b, const char *s, size_t n)
{
    if (n > JCS_OUTPUT_MAX - b->len)
        return DS_ENOMEM;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return DS_ENOMEM;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static int buf_puts(jcs_buf *b, const char *s)
{
    return buf_put(b, s, strlen(s));
}

/* 1 when the NUL-terminated s is well-formed UTF-8. */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t step = ds_utf8_decode(&cp, p + i, n - i);
        if (!step)
            return 0;
        i += step;
    }
    return 1;
}

/* The first UTF-16 code unit of code point cp (its high surrogate above U+FFFF). */
static uint32_t utf16_lead(uint32_t cp)
{
    return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10);
}

/*
 * Compares two well-formed UTF-8 names in the order of their UTF-16 code units (RFC 8785
 * section 3.2.3) without converting them: code points compare like their UTF-16 units except
 * that a character above U+FFFF (lead unit 0xD800..0xDBFF) sorts before U+E000..U+FFFF. Two
 * characters with the same lead unit are both above U+FFFF, where code point order is unit order.
 */
static int name_cmp(const char *a, const char *b)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    size_t na = strlen(a), nb = strlen(b);
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (pa[i] < 0x80 && pb[j] < 0x80) { /* ASCII fast path */
            if (pa[i] != pb[j])
                return pa[i] < pb[j] ? -1 : 1;
            i++, j++;
            continue;
        }
        uint32_t ca = 0, cb = 0;
        i += ds_utf8_decode(&ca, pa + i, na - i);
        j += ds_utf8_decode(&cb, pb + j, nb - j);
        if (ca != cb) {
            uint32_t ua = utf16_lead(ca), ub = utf16_lead(cb);
            if (ua != ub)
                return ua < ub ? -1 : 1;
            return ca < cb ? -1 : 1;
        }
    }
    return (i < na) - (j < nb);
}

/*
 * Where a value sits, to name it in an error. The path is only built when an error is reported
 * or a container needs it for its children: building it for every member would cost more than
 * serialising the member.
 */
typedef struct {
    const char *parent; /* path of the container; NULL for the top-level value */
    const char *key;    /* member name, or the whole path for the top-level value */
    size_t index;       /* array index when key is NULL */
} jcs_where;

static const char *where_path(char *buf, size_t cap, const jcs_where *w)
{
    if (!w->parent)
        return w->key;
    if (w->key)
        return ds_path_key(buf, cap, w->parent, w->key);
    return ds_path_index(buf, cap, w->parent, w->index);
}

static int where_error(const jcs_where *w, ds_error *err, int code, const char *why)
{
    char path[DS_PATH_MAX];
    return ds_error_set(err, code, where_path(path, sizeof path, w), "%s", why);
}

#define JCS_NOMEM "out of memory (canonical JSON is capped at 64 MiB)"

/* RFC 8785 section 3.2.2.2: escape '"', '\\' and U+0000..U+001F only; \b \t \n \f \r short. */
static int put_string(jcs_buf *b, const char *text, const jcs_where *w, ds_error *err)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    int rc = buf_put(b, "\"", 1);
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; i < n && !rc;) {
        if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
            i++; /* plain ASCII, the common case */
            continue;
        }
        uint32_t cp;
        size_t step = ds_utf8_decode(&cp, s + i, n - i);
        if (!step)
            return where_error(w, err, DS_EINVAL, "string is not valid UTF-8");
        if (cp < 0x20 || cp == '"' || cp == '\\') {
            char esc[7];
            size_t esc_len = 2;
            esc[0] = '\\';
            switch (cp) {
            case '"':
                esc[1] = '"';
                break;
            case '\\':
                esc[1] = '\\';
                break;
            case '\b':
                esc[1] = 'b';
                break;
            case '\t':
                esc[1] = 't';
                break;
            case '\n':
                esc[1] = 'n';
                break;
            case '\f':
                esc[1] = 'f';
                break;
            case '\r':
                esc[1] = 'r';
                break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[cp >> 4];
                esc[5] = hex[cp & 0xF];
                esc_len = 6;
            }
            rc = buf_put(b, text + run, i - run);
            if (!rc)
                rc = buf_put(b, esc, esc_len);
            run = i + step;
        }
        i += step;
    }
    if (!rc)
        rc = buf_put(b, text + run, n - run);
    if (!rc)
        rc = buf_put(b, "\"", 1);
    return rc ? where_error(w, err, rc, JCS_NOMEM) : 0;
}

/*
 * The shortest decimal digits of v (v > 0, finite) that read back as v, as an integer digit
 * string and the decimal exponent e with v ~ d.ddd x 10^e (ECMA-262 Number::toString step 5:
 * k as small as possible; among k-digit candidates the one closest to v).
 * For each k the correctly rounded k-digit value is the closest candidate; when it does not
 * read back, its neighbour on the other side of v still may (at a power of two the rounding
 * interval is asymmetric), so that one is tried too before moving on to k + 1.
 */
static void shortest_digits(char digits[18], int *exponent, double v)
{
    for (int k = 1; k <= 17; k++) {
        char text[40];
        snprintf(text, sizeof text, "%.*e", k - 1, v);
        if (strtod(text, NULL) == v) {
            /* text is "d.ddde[+-]XX": collect the digits and the exponent. */
            size_t n = 0;
            const char *p = text;
            for (; *p != 'e'; p++) {
                if (*p != '.')
                    digits[n++] = *p;
            }
            digits[n] = '\0';
            *exponent = (int)strtol(p + 1, NULL, 10);
            return;
        }
        /* The neighbour: mantissa +-1 in its last digit. */
        char *e = strchr(text, 'e');
        int exp10 = (int)strtol(e + 1, NULL, 10);
        uint64_t mant = 0;
        for (const char *p = text; p < e; p++) {
            if (*p != '.')
                mant = mant * 10 + (uint64_t)(*p - '0');
        }
        double closest = strtod(text, NULL);
        uint64_t other = closest < v ? mant + 1 : mant - 1;
        char cand[40];
        snprintf(cand, sizeof cand, "%llue%d", (unsigned long long)other, exp10 - (k - 1));
        if (other > 0 && strtod(cand, NULL) == v) {
            /* Re-spell as k significant digits (other may have gained or lost a digit). */
            snprintf(text, sizeof text, "%llu", (unsigned long long)other);
            int n_other = (int)strlen(text);
            int exp_out = exp10 - (k - 1) + n_other - 1;
            int n = n_other;
            while (n > 1 && text[n - 1] == '0')
                n--;
            memcpy(digits, text, (size_t)n);
            digits[n] = '\0';
            *exponent = exp_out;
            return;
        }
    }
    /* 17 significant digits always read back (IEEE 754-2019 section 5.12.2). */
    snprintf(digits, 18, "0");
    *exponent = 0;
}

int ds_jcs_number(char *buf, size_t cap, double value)
{
    if (!isfinite(value))
        return DS_EINVAL;
    char out[DS_JCS_NUMBER_MAX];
    size_t o = 0;
    if (value == 0) { /* both +0 and -0 (ECMA-262 Number::toString step 2) */
        out[o++] = '0';
    } else {
        if (value < 0) {
            out[o++] = '-';
            value = -value;
        }
        char digits[18];
        int e;
        if (value < 9007199254740992.0 && value == floor(value)) {
            /* An integer below 2^53: every integer there is a double, so no shorter digit
             * string reads back as value than its own digits (trailing zeros stripped below). */
            char rev[18];
            int n_rev = 0;
            for (uint64_t u = (uint64_t)value; u; u /= 10)
                rev[n_rev++] = (char)('0' + u % 10);
            for (int i = 0; i < n_rev; i++)
                digits[i] = rev[n_rev - 1 - i];
            digits[n_rev] = '\0';
            e = n_rev - 1;
        } else {
            shortest_digits(digits, &e, value);
        }
        int k = (int)strlen(digits);
        while (k > 1 && digits[k - 1] == '0')
            digits[--k] = '\0';
        int n = e + 1; /* ECMA-262: value = digits x 10^(n - k) */
        if (k <= n && n <= 21) {
            memcpy(out + o, digits, (size_t)k);
            o += (size_t)k;
            for (int i = 0; i < n - k; i++)
                out[o++] = '0';
        } else if (0 < n && n <= 21) {
            memcpy(out + o, digits, (size_t)n);
            o += (size_t)n;
            out[o++] = '.';
            memcpy(out + o, digits + n, (size_t)(k - n));
            o += (size_t)(k - n);
        } else if (-6 < n && n <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -n; i++)
                out[o++] = '0';
            memcpy(out + o, digits, (size_t)k);
            o += (size_t)k;
        } else {
            out[o++] = digits[0];
            if (k > 1) {
                out[o++] = '.';
                memcpy(out + o, digits + 1, (size_t)(k - 1));
                o += (size_t)(k - 1);
            }
            o += (size_t)snprintf(out + o, sizeof out - o, "e%c%d", n - 1 >= 0 ? '+' : '-',
                                  abs(n - 1));
        }
    }
    if (o + 1 > cap)
        return DS_ENOMEM;
    memcpy(buf, out, o);
    buf[o] = '\0';
    return (int)o;
}

static int put_value(jcs_buf *b, const cJSON *node, const jcs_where *w, int depth, ds_error *err);

/* Objects with at most this many members are sorted in a stack array. */
#define JCS_SMALL_OBJECT 32

static int put_object(jcs_buf *b, const cJSON *node, const char *path, int depth, ds_error *err)
{
    size_t n = 0;
    const cJSON *child;
    cJSON_ArrayForEach(child, node)
    {
        if (!child->string || !utf8_valid(child->string))
            return ds_error_set(err, DS_EINVAL, path, "member name is not valid UTF-8");
        n++;
    }
    const cJSON *small[JCS_SMALL_OBJECT];
    const cJSON **members = small;
    if (n > JCS_SMALL_OBJECT) {
        members = malloc(n * sizeof *members);
        if (!members)
            return ds_error_set(err, DS_ENOMEM, path, "out of memory");
    }
    /* Insertion sort: records have a handful of members. */
    size_t k = 0;
    cJSON_ArrayForEach(child, node)
    {
        size_t at = k++;
        while (at > 0 && name_cmp(members[at - 1]->string, child->string) > 0) {
            members[at] = members[at - 1];
            at--;
        }
        members[at] = child;
    }
    int rc = 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(members[i - 1]->string, members[i]->string) == 0) {
            char field[DS_PATH_MAX];
            rc = ds_error_set(err, DS_EINVAL,
                              ds_path_key(field, sizeof field, path, members[i]->string),
                              "duplicate member name");
            goto out;
        }
    }
    rc = buf_put(b, "{", 1);
    for (size_t i = 0; i < n && !rc; i++) {
        jcs_where at = {path, members[i]->string, 0};
        if (i)
            rc = buf_put(b, ",", 1);
        if (!rc)
            rc = put_string(b, members[i]->string, &at, err);
        if (!rc)
            rc = buf_put(b, ":", 1);
        if (!rc)
            rc = put_value(b, members[i], &at, depth + 1, err);
    }
    if (!rc)
        rc = buf_put(b, "}", 1);
    if (rc && err && err->code == DS_OK)
        rc = ds_error_set(err, rc, path, JCS_NOMEM);
out:
    if (members != small)
        free(members);
    return rc;
}

static int put_array(jcs_buf *b, const cJSON *node, const char *path, int depth, ds_error *err)
{
    int rc = buf_put(b, "[", 1);
    size_t i = 0;
    const cJSON *child;
    cJSON_ArrayForEach(child, node)
    {
        if (rc)
            break;
        jcs_where at = {path, NULL, i++};
        if (at.index)
            rc = buf_put(b, ",", 1);
        if (!rc)
            rc = put_value(b, child, &at, depth + 1, err);
    }
    if (!rc)
        rc = buf_put(b, "]", 1);
    if (rc && err && err->code == DS_OK)
        rc = ds_error_set(err, rc, path, JCS_NOMEM);
    return rc;
}

static int put_value(jcs_buf *b, const cJSON *node, const jcs_where *w, int depth, ds_error *err)
{
    if (depth > DS_JCS_DEPTH_MAX) {
        char why[64];
        snprintf(why, sizeof why, "nested deeper than %d levels", DS_JCS_DEPTH_MAX);
        return where_error(w, err, DS_EINVAL, why);
    }
    int rc;
    if (cJSON_IsNull(node)) {
        rc = buf_puts(b, "null");
    } else if (cJSON_IsTrue(node)) {
        rc = buf_puts(b, "true");
    } else if (cJSON_IsFalse(node)) {
        rc = buf_puts(b, "false");
    } else if (cJSON_IsNumber(node)) {
        char num[DS_JCS_NUMBER_MAX];
        int n = ds_jcs_number(num, sizeof num, node->valuedouble);
        if (n < 0)
            return where_error(w, err, DS_EINVAL, "must be a finite number");
        rc = buf_put(b, num, (size_t)n);
    } else if (cJSON_IsString(node)) {
        return put_string(b, node->valuestring ? node->valuestring : "", w, err);
    } else if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
        char path[DS_PATH_MAX];
        const char *p = where_path(path, sizeof path, w);
        return cJSON_IsArray(node) ? put_array(b, node, p, depth, err)
                                   : put_object(b, node, p, depth, err);
    } else {
        return where_error(w, err, DS_EINVAL, "is not a JSON value");
    }
    return rc ? where_error(w, err, rc, JCS_NOMEM) : 0;
}

int ds_jcs_serialize(char **out, size_t *len, const cJSON *node, const char *path, ds_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    ds_error_clear(err);
    if (!node)
        return ds_error_set(err, DS_EINVAL, path && path[0] ? path : "input", "is missing");
    jcs_buf b = {0};
    jcs_where top = {NULL, path ? path : "", 0};
    int rc = put_value(&b, node, &top, 0, err);
    if (rc == 0 && !b.data)
        rc = buf_put(&b, "", 0);
    if (rc) {
        free(b.data);
        return rc;
    }
    *out = b.data;
    if (len)
        *len = b.len;
    return 0;
}
