/*
 * csv.c: strict CSV parsing into a table of NUL-terminated cells (see csv.h).
 *
 * One pass, one buffer: unescaped cell text is written into an arena of 2 len + 2 bytes (every
 * cell adds at most one NUL to its own bytes, and there are at most len + 1 cells), so the
 * arena never moves and cells can be kept as offsets. The table keeps one offset per cell.
 */
#include "data/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ds_csv {
    char *arena;
    size_t n_cols, n_rows;      /* rows exclude the header */
    size_t *cells;              /* (n_rows + 1) * n_cols offsets, header first */
    size_t *lines;              /* n_rows + 1 physical line numbers */
};

void ds_csv_free(ds_csv *csv)
{
    if (!csv)
        return;
    free(csv->arena);
    free(csv->cells);
    free(csv->lines);
    free(csv);
}

/* Growable arrays of offsets (cells of the current table, lines of records). */
typedef struct {
    size_t *v;
    size_t n, cap;
} offsets;

static int push(offsets *o, size_t value)
{
    if (o->n == o->cap) {
        size_t ncap = o->cap ? 2 * o->cap : 64;
        size_t *nv = realloc(o->v, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        o->v = nv;
        o->cap = ncap;
    }
    o->v[o->n++] = value;
    return 0;
}

int ds_csv_parse(ds_csv **out, const char *text, size_t len, ds_error *err)
{
    *out = NULL;
    ds_csv *csv = calloc(1, sizeof *csv);
    offsets cells = {0}, lines = {0}, row = {0};
    int rc = 0;
    if (!csv || !(csv->arena = malloc(2 * len + 2))) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory reading CSV");
        goto out;
    }
    size_t p = 0, w = 0, line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p = 3;
    while (p < len) {
        /* One record: fields until an unquoted line break or the end. */
        size_t record_line = line;
        row.n = 0;
        if (text[p] == '\n' || (text[p] == '\r' && p + 1 < len && text[p + 1] == '\n')) {
            p += text[p] == '\r' ? 2 : 1;   /* a blank line */
            line++;
            continue;
        }
        for (;;) {
            if (push(&row, w)) {
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory reading CSV");
                goto out;
            }
            if (p < len && text[p] == '"') {
                size_t quote_line = line;
                p++;
                for (;;) {
                    if (p >= len) {
                        rc = ds_error_set(err, DS_EINVAL, NULL,
                                          "line %zu: unterminated quoted field", quote_line);
                        goto out;
                    }
                    if (text[p] == '"') {
                        if (p + 1 < len && text[p + 1] == '"') {
                            csv->arena[w++] = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    if (text[p] == '\n')
                        line++;
                    csv->arena[w++] = text[p++];
                }
                if (p < len && text[p] != ',' && text[p] != '\n' &&
                    !(text[p] == '\r' && p + 1 < len && text[p + 1] == '\n')) {
                    rc = ds_error_set(err, DS_EINVAL, NULL,
                                      "line %zu: unexpected character after a closing quote",
                                      line);
                    goto out;
                }
            } else {
                while (p < len && text[p] != ',' && text[p] != '\n' &&
                       !(text[p] == '\r' && p + 1 < len && text[p + 1] == '\n')) {
                    if (text[p] == '"') {
                        rc = ds_error_set(err, DS_EINVAL, NULL,
                                          "line %zu: quote inside an unquoted field", line);
                        goto out;
                    }
                    if (text[p] == '\0') {
                        rc = ds_error_set(err, DS_EINVAL, NULL, "line %zu: NUL byte", line);
                        goto out;
                    }
                    csv->arena[w++] = text[p++];
                }
            }
            csv->arena[w++] = '\0';
            if (p < len && text[p] == ',') {
                p++;
                continue;
            }
            if (p < len)
                p += text[p] == '\r' ? 2 : 1;
            line++;
            break;
        }
        if (lines.n == 0) {
            csv->n_cols = row.n;
        } else if (row.n != csv->n_cols) {
            rc = ds_error_set(err, DS_EINVAL, NULL, "line %zu: expected %zu fields, found %zu",
                              record_line, csv->n_cols, row.n);
            goto out;
        }
        for (size_t i = 0; i < row.n; i++) {
            if (push(&cells, row.v[i])) {
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory reading CSV");
                goto out;
            }
        }
        if (push(&lines, record_line)) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory reading CSV");
            goto out;
        }
    }
    if (lines.n == 0) {
        rc = ds_error_set(err, DS_EINVAL, "header", "empty CSV: no header row");
        goto out;
    }
    for (size_t i = 0; i < csv->n_cols; i++) {
        const char *name = csv->arena + cells.v[i];
        if (!*name) {
            rc = ds_error_set(err, DS_EINVAL, "header", "column %zu has no name", i + 1);
            goto out;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(name, csv->arena + cells.v[j]) == 0) {
                rc = ds_error_set(err, DS_EINVAL, "header", "duplicate column \"%s\"", name);
                goto out;
            }
        }
    }
    csv->cells = cells.v;
    csv->lines = lines.v;
    csv->n_rows = lines.n - 1;
    cells.v = lines.v = NULL;
    *out = csv;
    csv = NULL;
out:
    free(cells.v);
    free(lines.v);
    free(row.v);
    ds_csv_free(csv);
    return rc;
}

size_t ds_csv_n_cols(const ds_csv *csv)
{
    return csv->n_cols;
}

size_t ds_csv_n_rows(const ds_csv *csv)
{
    return csv->n_rows;
}

const char *ds_csv_header(const ds_csv *csv, size_t col)
{
    return csv->arena + csv->cells[col];
}

const char *ds_csv_cell(const ds_csv *csv, size_t row, size_t col)
{
    return csv->arena + csv->cells[(row + 1) * csv->n_cols + col];
}

size_t ds_csv_line(const ds_csv *csv, size_t row)
{
    return csv->lines[row + 1];
}

int ds_csv_columns(const ds_csv *csv, const char *const *names, size_t *cols, int exact,
                   ds_error *err)
{
    size_t n_names = 0;
    for (; names[n_names]; n_names++) {
        size_t c = 0;
        while (c < csv->n_cols && strcmp(ds_csv_header(csv, c), names[n_names]) != 0)
            c++;
        if (c == csv->n_cols)
            return ds_error_set(err, DS_EINVAL, "header", "missing column \"%s\"",
                                names[n_names]);
        cols[n_names] = c;
    }
    if (exact) {
        for (size_t c = 0; c < csv->n_cols; c++) {
            int known = 0;
            for (size_t k = 0; k < n_names; k++)
                known |= cols[k] == c;
            if (!known)
                return ds_error_set(err, DS_EINVAL, "header", "unexpected column \"%s\"",
                                    ds_csv_header(csv, c));
        }
    }
    return 0;
}

char *ds_csv_field(char *buf, size_t cap, const ds_csv *csv, size_t row, size_t col)
{
    snprintf(buf, cap, "line %zu: %s", ds_csv_line(csv, row), ds_csv_header(csv, col));
    return buf;
}

int ds_csv_number(double *out, const ds_csv *csv, size_t row, size_t col, int allow_empty,
                  ds_error *err)
{
    char field[DS_ERROR_FIELD_MAX];
    const char *s = ds_csv_cell(csv, row, col);
    if (!*s) {
        if (allow_empty)
            return 1;
        return ds_error_set(err, DS_EINVAL, ds_csv_field(field, sizeof field, csv, row, col),
                            "is required");
    }
    /* Only the characters of a decimal number: strtod alone would take "inf", "0x1p3", " 5". */
    for (const char *c = s; *c; c++) {
        if (!strchr("0123456789+-.eE", *c))
            return ds_error_set(err, DS_EINVAL,
                                ds_csv_field(field, sizeof field, csv, row, col),
                                "not a number");
    }
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (*end || end == s || errno == ERANGE || !isfinite(v))
        return ds_error_set(err, DS_EINVAL, ds_csv_field(field, sizeof field, csv, row, col),
                            "not a number");
    *out = v;
    return 0;
}
