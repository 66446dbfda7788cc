/*
 * settle.c: verified claims through the terms calculus, stored exactly once (see settle.h).
 *
 * Status of a settled claim (docs/claims.md):
 *   denied    a reason denied the whole claim, or verification left no loss line with anything
 *             to pay although something was claimed;
 *   reduced   it pays less than the same claim would pay with every claimed amount and hour
 *             accepted and no grade reduction (both settled against the same limits left);
 *   approved  otherwise: paid exactly as the terms give (which may be 0 under a deductible or
 *             an exhausted aggregate).
 */
#include "claims/settle.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/claim_store.h"
#include "data/json_in.h"
#include "data/money.h"
#include "data/policy_store.h"
#include "pricing/terms.h"

_Static_assert(DS_COV_COUNT <= 64, "evidence masks and arrays assume few coverages");

typedef struct policy_state {
    char *policy_id;
    ds_terms_state state;
    int64_t paid;
    int64_t n_claims;
    int is_dirty;
} policy_state;

struct ds_claims_settler {
    ds_db *db;
    ds_claim_store *store;
    policy_state *states;
    size_t n_states, cap_states;
    int in_group;
};

int ds_claims_settler_new(ds_claims_settler **out, ds_db *db, ds_error *err)
{
    *out = NULL;
    ds_claims_settler *s = calloc(1, sizeof *s);
    if (!s)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    s->db = db;
    int rc = ds_claim_store_new(&s->store, db, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void forget_states(ds_claims_settler *s)
{
    for (size_t i = 0; i < s->n_states; i++)
        free(s->states[i].policy_id);
    s->n_states = 0;
}

void ds_claims_settler_free(ds_claims_settler *s)
{
    if (!s)
        return;
    ds_claims_settler_rollback(s);
    forget_states(s);
    free(s->states);
    ds_claim_store_free(s->store);
    free(s);
}

int ds_claims_settler_begin(ds_claims_settler *s, ds_error *err)
{
    forget_states(s);
    int rc = ds_db_begin(s->db, err);
    if (!rc)
        s->in_group = 1;
    return rc;
}

void ds_claims_settler_rollback(ds_claims_settler *s)
{
    if (s->in_group)
        ds_db_rollback(s->db);
    s->in_group = 0;
    forget_states(s);
}

/* {"NPBI": minor units left, ...}; unlimited sublimits are omitted. */
static char *sublimits_text(const ds_terms_state *state)
{
    cJSON *obj = cJSON_CreateObject();
    for (int c = 0; obj && c < DS_COV_COUNT; c++) {
        if (state->sublimit_left[c] == DS_MONEY_UNLIMITED)
            continue;
        if (!cJSON_AddNumberToObject(obj, ds_coverage_code((ds_coverage)c),
                                     (double)state->sublimit_left[c])) {
            cJSON_Delete(obj);
            return NULL;
        }
    }
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    return text;
}

int ds_claims_settler_commit(ds_claims_settler *s, ds_error *err)
{
    char now[32];
    ds_now_rfc3339(now, sizeof now);
    int rc = 0;
    for (size_t i = 0; !rc && i < s->n_states; i++) {
        policy_state *ps = &s->states[i];
        if (!ps->is_dirty)
            continue;
        char *text = sublimits_text(&ps->state);
        if (!text) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            break;
        }
        ds_policy_state_row row = {
            .has_aggregate_limit = ps->state.aggregate_left != DS_MONEY_UNLIMITED,
            .aggregate_left = ps->state.aggregate_left,
            .sublimits_json = text,
            .paid = ps->paid,
            .n_claims = ps->n_claims,
        };
        rc = ds_claim_store_state_save(s->store, ps->policy_id, &row, now, err);
        cJSON_free(text);
    }
    if (!rc)
        rc = ds_db_commit(s->db, err);
    if (rc) {
        ds_claims_settler_rollback(s);
        return rc;
    }
    s->in_group = 0;
    forget_states(s);
    return 0;
}

/* The policy's limits left: as stored, or full at its first claim. */
static int get_state(policy_state **out, ds_claims_settler *s, const ds_claims_policy *policy,
                     ds_error *err)
{
    for (size_t i = 0; i < s->n_states; i++) {
        if (strcmp(s->states[i].policy_id, policy->policy_id) == 0) {
            *out = &s->states[i];
            return 0;
        }
    }
    if (s->n_states == s->cap_states) {
        size_t cap = s->cap_states ? 2 * s->cap_states : 8;
        policy_state *grown = realloc(s->states, cap * sizeof *grown);
        if (!grown)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        s->states = grown;
        s->cap_states = cap;
    }
    policy_state *ps = &s->states[s->n_states];
    memset(ps, 0, sizeof *ps);
    size_t n = strlen(policy->policy_id) + 1;
    if (!(ps->policy_id = malloc(n)))
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    memcpy(ps->policy_id, policy->policy_id, n);
    s->n_states++;
    ds_terms_state_init(&ps->state, &policy->cover.terms);
    ds_policy_state_row row;
    int found;
    int rc = ds_claim_store_state_load(s->store, &row, &found, policy->policy_id, err);
    if (rc)
        return rc;
    if (found) {
        cJSON *json = NULL;
        rc = ds_json_parse(&json, row.sublimits_json, strlen(row.sublimits_json),
                           "policy_state.sublimits", err);
        for (int c = 0; !rc && c < DS_COV_COUNT; c++) {
            const cJSON *left = cJSON_GetObjectItemCaseSensitive(
                json, ds_coverage_code((ds_coverage)c));
            ps->state.sublimit_left[c] =
                cJSON_IsNumber(left) ? (int64_t)left->valuedouble : DS_MONEY_UNLIMITED;
        }
        cJSON_Delete(json);
        ps->state.aggregate_left =
            row.has_aggregate_limit ? row.aggregate_left : DS_MONEY_UNLIMITED;
        ps->paid = row.paid;
        ps->n_claims = row.n_claims;
    }
    ds_policy_state_row_clear(&row);
    *out = ps;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Result JSON                                                                               */

typedef struct outcome {
    const char *status;
    int64_t ground_up, payable;
    int64_t paid[DS_COV_COUNT];
    int has_aggregate;
    int64_t aggregate_left;
    double factor;
} outcome;

/* ---------------------------------------------------------------------------------------- */
/* Settling                                                                                  */

/*
 * The stored text of a result: compact JSON written here rather than by cJSON, whose number
 * printing (printf, then scanf to check the round trip) cost more than the rest of a settlement.
 * Amounts are whole minor units / 100, written as exact decimals ("79166.67"), which parse back
 * to the same doubles; the other numbers are small integers or the reduction factor.
 */
typedef struct text_buf {
    char *data;
    size_t len, cap;
    int failed;
} text_buf;

static void put(text_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_string(text_buf *b, const char *s)
{
    put(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(b, run, (size_t)(s - run));
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        put(b, esc, strlen(esc));
        run = s + 1;
    }
    put(b, run, (size_t)(s - run));
    put(b, "\"", 1);
}

static void put_number(text_buf *b, double v)
{
    char num[40];
    double cents = v * 100.0;
    if (v == nearbyint(v) && fabs(v) < 9007199254740992.0) {
        snprintf(num, sizeof num, "%lld", (long long)v);
    } else if (fabs(v) < 1e13 && fabs(cents - nearbyint(cents)) < 1e-6) {
        long long c = llabs((long long)nearbyint(cents));
        int n = snprintf(num, sizeof num, "%s%lld.%02lld", v < 0 ? "-" : "", c / 100, c % 100);
        if (n > 0 && num[n - 1] == '0')
            num[n - 1] = '\0';
    } else {
        snprintf(num, sizeof num, "%.17g", v);
    }
    put(b, num, strlen(num));
}

/*
 * An amount in minor units as the exact decimal of its major units: the text put_number gives
 * the double minor / 100 that every other dsure JSON carries (data/money.h), "1900" for 1900.00,
 * "79166.67", "0.5" for 0.50, written from the integer without printf.
 */
static void put_money(text_buf *b, int64_t minor)
{
    char num[32];
    char *end = num + sizeof num, *p = end;
    uint64_t u = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    unsigned cents = (unsigned)(u % 100);
    u /= 100;
    if (cents) {
        if (cents % 10)
            *--p = (char)('0' + cents % 10);
        *--p = (char)('0' + cents / 10);
        *--p = '.';
    }
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (minor < 0)
        *--p = '-';
    put(b, p, (size_t)(end - p));
}

static void put_id(text_buf *b, const char *id)
{
    if (id && *id)
        put_string(b, id);
    else
        put(b, "null", 4);
}

static void put_key(text_buf *b, const char *key)
{
    put_string(b, key);
    put(b, ":", 1);
}

/*
 * A result as issued: {"claim_id", "policy_id", "status", "reasons": [{"code", "detail"}],
 * "ground_up", "payable", "by_coverage": [{"code", "claimed", "verified", "paid"}],
 * "aggregate_remaining", "reduction_factor"} (DESIGN.md section 7), and its tally for the
 * batch summary. claim and check may be NULL (a claim refused before verification).
 */
static int render(ds_settled *out, const char *claim_id, const char *policy_id,
                  const ds_claim *claim, const ds_claim_check *check, const ds_reason *extra,
                  const outcome *o)
{
    text_buf b = {0};
    put(&b, "{", 1);
    put_key(&b, "claim_id");
    put_id(&b, claim_id);
    put(&b, ",", 1);
    put_key(&b, "policy_id");
    put_id(&b, policy_id);
    put(&b, ",", 1);
    put_key(&b, "status");
    put_string(&b, o->status);
    put(&b, ",", 1);
    put_key(&b, "reasons");
    put(&b, "[", 1);
    size_t n_reasons = check ? check->n_reasons : 0;
    for (size_t i = 0; i < n_reasons + (extra ? 1 : 0); i++) {
        const ds_reason *r = i < n_reasons ? &check->reasons[i] : extra;
        put(&b, i ? ",{" : "{", i ? 2 : 1);
        put_key(&b, "code");
        put_string(&b, ds_reason_name(r->code));
        put(&b, ",", 1);
        put_key(&b, "detail");
        put_string(&b, r->detail);
        put(&b, "}", 1);
        out->reasons[r->code]++;
    }
    put(&b, "],", 2);
    put_key(&b, "ground_up");
    put_money(&b, o->ground_up);
    put(&b, ",", 1);
    put_key(&b, "payable");
    put_money(&b, o->payable);
    put(&b, ",", 1);
    put_key(&b, "by_coverage");
    put(&b, "[", 1);
    for (size_t i = 0; claim && i < claim->n_losses; i++) {
        ds_coverage c = claim->losses[i].coverage;
        put(&b, i ? ",{" : "{", i ? 2 : 1);
        put_key(&b, "code");
        put_string(&b, ds_coverage_code(c));
        put(&b, ",", 1);
        put_key(&b, "claimed");
        put_money(&b, claim->losses[i].amount);
        put(&b, ",", 1);
        put_key(&b, "verified");
        put_money(&b, check ? check->lines[i].verified : 0);
        put(&b, ",", 1);
        put_key(&b, "paid");
        put_money(&b, o->paid[c]);
        put(&b, "}", 1);
        out->paid[c] += o->paid[c];
    }
    put(&b, "],", 2);
    put_key(&b, "aggregate_remaining");
    if (o->has_aggregate)
        put_money(&b, o->aggregate_left);
    else
        put(&b, "null", 4);
    put(&b, ",", 1);
    /* Shown to six decimals; the payment itself uses the exact integer ratio. */
    put_key(&b, "reduction_factor");
    put_number(&b, nearbyint(o->factor * 1e6) / 1e6);
    put(&b, "}", 1);
    if (b.failed || !b.data) {
        free(b.data);
        return DS_ENOMEM;
    }
    out->json = b.data;
    out->status = strcmp(o->status, "approved") == 0  ? DS_SETTLED_APPROVED
                  : strcmp(o->status, "reduced") == 0 ? DS_SETTLED_REDUCED
                                                      : DS_SETTLED_DENIED;
    out->payable = o->payable;
    return 0;
}

void ds_settled_clear(ds_settled *s)
{
    if (!s)
        return;
    free(s->json);
    memset(s, 0, sizeof *s);
}

int ds_claims_rejection(ds_settled *out, const char *claim_id, const char *policy_id,
                        const ds_reason *reason)
{
    memset(out, 0, sizeof *out);
    outcome o;
    memset(&o, 0, sizeof o);
    o.status = "denied";
    o.factor = 1;
    return render(out, claim_id, policy_id, NULL, NULL, reason, &o);
}

/* The tally of a stored result, read back from its JSON (a replayed claim). */
static int64_t minor_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)llround(v->valuedouble * 100.0) : 0;
}

static void tally_of_json(ds_settled *out, const cJSON *result)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(result, "status");
    const char *s = cJSON_IsString(status) ? status->valuestring : "";
    out->status = strcmp(s, "approved") == 0  ? DS_SETTLED_APPROVED
                  : strcmp(s, "reduced") == 0 ? DS_SETTLED_REDUCED
                                              : DS_SETTLED_DENIED;
    out->payable = minor_of(result, "payable");
    const cJSON *line;
    cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(result, "by_coverage"))
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(line, "code");
        int c = cJSON_IsString(code) ? ds_coverage_from_code(code->valuestring) : -1;
        if (c >= 0)
            out->paid[c] += minor_of(line, "paid");
    }
    const cJSON *reason;
    cJSON_ArrayForEach(reason, cJSON_GetObjectItemCaseSensitive(result, "reasons"))
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(reason, "code");
        for (int r = 0; cJSON_IsString(code) && r < DS_REASON_COUNT; r++) {
            if (strcmp(code->valuestring, ds_reason_name((ds_reason_code)r)) == 0)
                out->reasons[r]++;
        }
    }
}

static int store_result(ds_claims_settler *s, const ds_claim *claim, const ds_settled *result,
                        const outcome *o, ds_error *err)
{
    char now[32];
    ds_now_rfc3339(now, sizeof now);
    return ds_claim_store_put(s->store, claim->claim_id, claim->policy_id,
                              claim->content_sha256, o->status, o->payable, result->json, now,
                              err);
}

/* Releases the accepted entries of line i before position `upto` (all of them: SIZE_MAX). */
static int release_line(ds_claims_settler *s, const ds_claim *claim, const ds_line_check *line,
                        size_t i, size_t upto, const char *origin, ds_error *err)
{
    for (size_t j = 0; j < claim->losses[i].n_evidence && j < upto; j++) {
        if (!(line->accepted_mask >> j & 1))
            continue;
        int rc = ds_claim_store_release_evidence(s->store, origin, claim->losses[i].evidence[j],
                                                 err);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * Records the claim's accepted evidence, line by line, each entry with one statement whose
 * primary key refuses an entry that backs another claim already: that line is cut (it pays
 * nothing, evidence.reused naming the owner) and the entries it had recorded are released, so
 * only the lines that pay keep their evidence. Recording before settling, rather than looking
 * each entry up first and recording after, halves the statements of a settlement.
 */
static int claim_evidence(ds_claims_settler *s, const ds_claim *claim, ds_claim_check *check,
                          ds_error *err)
{
    const char *origin = check->policy->log_origin;
    for (size_t i = 0; i < claim->n_losses; i++) {
        ds_line_check *line = &check->lines[i];
        if (line->is_cut)
            continue;
        for (size_t j = 0; j < claim->losses[i].n_evidence; j++) {
            if (!(line->accepted_mask >> j & 1))
                continue;
            uint64_t idx = claim->losses[i].evidence[j];
            int taken;
            int rc = ds_claim_store_use_evidence(s->store, &taken, origin, idx, claim->claim_id,
                                                 err);
            if (rc)
                return rc;
            if (taken)
                continue;
            char owner[DS_CLAIM_ID_MAX + 1];
            int found;
            if ((rc = ds_claim_store_evidence_owner(s->store, owner, sizeof owner, &found, origin,
                                                    idx, err)))
                return rc;
            line->is_cut = 1;
            line->verified = 0;
            if (ds_claim_check_add(check, DS_REASON_EVIDENCE_REUSED,
                                   "losses[%zu].evidence[%zu]: entry %llu already backs claim "
                                   "%.100s", i, j, (unsigned long long)idx, owner))
                return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            if ((rc = release_line(s, claim, line, i, j, origin, err)))
                return rc;
            break;
        }
    }
    return 0;
}

static void occurrence_of(ds_occurrence *occ, const ds_claim *claim, const ds_claim_check *check,
                          int use_claimed)
{
    memset(occ, 0, sizeof *occ);
    for (size_t i = 0; i < claim->n_losses; i++) {
        ds_coverage c = claim->losses[i].coverage;
        const ds_line_check *line = &check->lines[i];
        occ->ground_up[c] = use_claimed ? line->claimed : line->verified;
        occ->outage_millihours[c] = use_claimed ? line->claimed_millihours : line->millihours;
    }
}

int ds_claims_settle(ds_settled *out, int *replayed, ds_claims_settler *s,
                     const ds_claim *claim, ds_claim_check *check, ds_error *err)
{
    memset(out, 0, sizeof *out);
    *replayed = 0;
    ds_stored_claim stored;
    int found;
    int rc = ds_claim_store_find(s->store, &stored, &found, claim->claim_id, err);
    if (rc)
        return rc;
    if (found) {
        int same = memcmp(stored.content_sha256, claim->content_sha256, 32) == 0;
        if (same) {
            /* Returned exactly as issued; parsed only for the batch's tally. */
            cJSON *json = NULL;
            rc = ds_json_parse(&json, stored.result_json, strlen(stored.result_json),
                               "claims.result", err);
            if (!rc) {
                tally_of_json(out, json);
                out->json = stored.result_json;
                stored.result_json = NULL;
                *replayed = 1;
            }
            cJSON_Delete(json);
        } else {
            ds_reason conflict = {.code = DS_REASON_CLAIM_CONFLICT};
            snprintf(conflict.detail, sizeof conflict.detail,
                     "claim %.100s was settled before with other content; a settled claim is "
                     "not settled again", claim->claim_id);
            if (ds_claims_rejection(out, claim->claim_id, claim->policy_id, &conflict))
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
        ds_stored_claim_clear(&stored);
        return rc;
    }

    outcome o;
    memset(&o, 0, sizeof o);
    o.factor = 1;
    policy_state *ps = NULL;
    if (check->policy && (rc = get_state(&ps, s, check->policy, err)))
        return rc;
    if (!check->is_denied && (rc = claim_evidence(s, claim, check, err)))
        return rc;

    int any_claimed = 0, any_verified = 0;
    for (size_t i = 0; i < claim->n_losses; i++) {
        any_claimed |= check->lines[i].claimed > 0;
        any_verified |= check->lines[i].verified > 0;
    }
    int is_denied = check->is_denied || (any_claimed && !any_verified);
    /* A claim denied here pays nothing, so its evidence backs nothing (lines claiming 0). */
    for (size_t i = 0; is_denied && !check->is_denied && i < claim->n_losses; i++) {
        const char *origin = check->policy->log_origin;
        if (!check->lines[i].is_cut &&
            (rc = release_line(s, claim, &check->lines[i], i, SIZE_MAX, origin, err)))
            return rc;
    }
    if (is_denied) {
        o.status = "denied";
        for (size_t i = 0; i < claim->n_losses; i++)
            check->lines[i].verified = 0;
    } else {
        const ds_terms *terms = &check->policy->cover.terms;
        ds_occurrence occ;
        ds_settlement as_claimed, st;
        ds_terms_state scratch = ps->state, work = ps->state;
        occurrence_of(&occ, claim, check, 1);
        if ((rc = ds_terms_settle(&as_claimed, terms, &scratch, &occ, err)))
            return rc;
        occurrence_of(&occ, claim, check, 0);
        if ((rc = ds_terms_settle(&st, terms, &work, &occ, err)))
            return rc;
        if (check->due > check->charged && check->due > 0) {
            /* Proportionate remedy for a misdeclared grade: pay charged / due of what the terms
             * give (floor), shares re-allocated by largest remainder, limits eroded by what is
             * paid. */
            o.payable = ds_muldiv_floor(st.paid, check->charged, check->due, NULL);
            ds_allocate_largest_remainder(o.paid, st.paid_by_coverage, DS_COV_COUNT, o.payable);
            for (int c = 0; c < DS_COV_COUNT; c++) {
                if (ps->state.sublimit_left[c] != DS_MONEY_UNLIMITED)
                    ps->state.sublimit_left[c] -= o.paid[c];
            }
            if (ps->state.aggregate_left != DS_MONEY_UNLIMITED)
                ps->state.aggregate_left -= o.payable;
            o.factor = (double)check->charged / (double)check->due;
        } else {
            o.payable = st.paid;
            memcpy(o.paid, st.paid_by_coverage, sizeof o.paid);
            ps->state = work;
        }
        for (size_t i = 0; i < claim->n_losses; i++)
            o.ground_up += check->lines[i].verified;
        o.status = o.payable < as_claimed.paid ? "reduced" : "approved";
        ps->paid += o.payable;
    }
    if (ps) {
        ps->n_claims++;
        ps->is_dirty = 1;
        o.has_aggregate = ps->state.aggregate_left != DS_MONEY_UNLIMITED;
        o.aggregate_left = ps->state.aggregate_left;
    }
    if (render(out, claim->claim_id, claim->policy_id, claim, check, NULL, &o))
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    rc = store_result(s, claim, out, &o, err);
    if (rc)
        ds_settled_clear(out);
    return rc;
}
