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

/*
 * Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its length, or 0 when the
 * bytes are not well-formed UTF-8 (RFC 3629 section 4: no overlong forms, no surrogates,
 * nothing above U+10FFFF).
 */
static size_t utf8_decode(uint32_t *cp, const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* One member name as UTF-16 code units, for sorting. */
typedef struct {
    const cJSON *item;
    uint16_t *units;
    size_t n_units;
} jcs_member;

static int to_utf16(jcs_member *m, const char *name)
{
    size_t n = strlen(name);
    /* Each UTF-8 byte yields at most one UTF-16 unit. */
    m->units = malloc((n ? n : 1) * sizeof *m->units);
    if (!m->units)
        return DS_ENOMEM;
    const unsigned char *s = (const unsigned char *)name;
    size_t i = 0, k = 0;
    while (i < n) {
        uint32_t cp;
        size_t step = utf8_decode(&cp, s + i, n - i);
        if (!step)
            return DS_EINVAL;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            m->units[k++] = (uint16_t)(0xD800 + (cp >> 10));
            m->units[k++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            m->units[k++] = (uint16_t)cp;
        }
        i += step;
    }
    m->n_units = k;
    return 0;
}

static int member_cmp(const void *pa, const void *pb)
{
    const jcs_member *a = pa, *b = pb;
    size_t n = a->n_units < b->n_units ? a->n_units : b->n_units;
    for (size_t i = 0; i < n; i++) {
        if (a->units[i] != b->units[i])
            return a->units[i] < b->units[i] ? -1 : 1;
    }
    return a->n_units < b->n_units ? -1 : a->n_units > b->n_units ? 1 : 0;
}

/* RFC 8785 section 3.2.2.2: escape '"', '\\' and U+0000..U+001F only; \b \t \n \f \r short. */
static int put_string(jcs_buf *b, const char *text, const char *path, ds_error *err)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    int rc = buf_put(b, "\"", 1);
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; i < n && !rc;) {
        uint32_t cp;
        size_t step = utf8_decode(&cp, s + i, n - i);
        if (!step)
            return ds_error_set(err, DS_EINVAL, path, "string is not valid UTF-8");
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
    return rc ? ds_error_set(err, rc, path, "out of memory (canonical JSON is capped at 64 MiB)")
              : 0;
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
        shortest_digits(digits, &e, value);
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

static int put_value(jcs_buf *b, const cJSON *node, const char *path, int depth, ds_error *err);

static int put_object(jcs_buf *b, const cJSON *node, const char *path, int depth, ds_error *err)
{
    size_t n = 0;
    const cJSON *child;
    cJSON_ArrayForEach(child, node) n++;
    jcs_member *members = calloc(n ? n : 1, sizeof *members);
    if (!members)
        return ds_error_set(err, DS_ENOMEM, path, "out of memory");
    int rc = 0;
    size_t i = 0;
    char field[DS_PATH_MAX];
    cJSON_ArrayForEach(child, node)
    {
        members[i].item = child;
        rc = child->string ? to_utf16(&members[i], child->string) : DS_EINVAL;
        i++;
        if (rc) {
            rc = rc == DS_ENOMEM ? ds_error_set(err, rc, path, "out of memory")
                                 : ds_error_set(err, rc, path, "member name is not valid UTF-8");
            goto out;
        }
    }
    qsort(members, n, sizeof *members, member_cmp);
    for (i = 1; i < n; i++) {
        if (member_cmp(&members[i - 1], &members[i]) == 0) {
            rc = ds_error_set(err, DS_EINVAL,
                              ds_path_key(field, sizeof field, path, members[i].item->string),
                              "duplicate member name");
            goto out;
        }
    }
    rc = buf_put(b, "{", 1);
    for (i = 0; i < n && !rc; i++) {
        const cJSON *item = members[i].item;
        if (i)
            rc = buf_put(b, ",", 1);
        if (!rc)
            rc = put_string(b, item->string, path, err);
        if (!rc)
            rc = buf_put(b, ":", 1);
        if (!rc)
            rc = put_value(b, item, ds_path_key(field, sizeof field, path, item->string),
                           depth + 1, err);
    }
    if (!rc)
        rc = buf_put(b, "}", 1);
out:
    for (size_t j = 0; j < n; j++)
        free(members[j].units);
    free(members);
    if (rc && err && err->code == DS_OK)
        return ds_error_set(err, rc, path, "out of memory (canonical JSON is capped at 64 MiB)");
    return rc;
}

static int put_value(jcs_buf *b, const cJSON *node, const char *path, int depth, ds_error *err)
{
    if (depth > DS_JCS_DEPTH_MAX)
        return ds_error_set(err, DS_EINVAL, path, "nested deeper than %d levels",
                            DS_JCS_DEPTH_MAX);
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
            return ds_error_set(err, DS_EINVAL, path, "must be a finite number");
        rc = buf_put(b, num, (size_t)n);
    } else if (cJSON_IsString(node)) {
        return put_string(b, node->valuestring ? node->valuestring : "", path, err);
    } else if (cJSON_IsArray(node)) {
        rc = buf_put(b, "[", 1);
        size_t i = 0;
        const cJSON *child;
        cJSON_ArrayForEach(child, node)
        {
            if (rc)
                break;
            char field[DS_PATH_MAX];
            if (i)
                rc = buf_put(b, ",", 1);
            if (!rc)
                rc = put_value(b, child, ds_path_index(field, sizeof field, path, i), depth + 1,
                               err);
            i++;
        }
        if (!rc)
            rc = buf_put(b, "]", 1);
        return rc && err && err->code == DS_OK
                   ? ds_error_set(err, rc, path,
                                  "out of memory (canonical JSON is capped at 64 MiB)")
                   : rc;
    } else if (cJSON_IsObject(node)) {
        return put_object(b, node, path, depth, err);
    } else {
        return ds_error_set(err, DS_EINVAL, path, "is not a JSON value");
    }
    return rc ? ds_error_set(err, rc, path, "out of memory (canonical JSON is capped at 64 MiB)")
              : 0;
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
    int rc = put_value(&b, node, path ? path : "", 0, err);
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
