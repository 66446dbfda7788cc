/*
 * quote.h: pricing a policy, the use case behind `dsure quote` and POST /v1/quotes.
 *
 * A quote builds the platform's frequency from the rating plan and its own experience
 * (pricing/rating.h), simulates policy years of events through the policy terms
 * (pricing/simulate.h), and loads the expected insured loss for risk, expenses and profit:
 *
 *   cost_of_capital  risk_load = rate * (TVaR_level(A) - E[A])         (the default)
 *   std_dev          risk_load = k * sd(A)
 *   wang             risk_load = E_g[A] - E[A], g(s) = Phi(Phi^-1(s) + lambda) on the survival
 *   premium = max(minimum, (E[A] + risk_load) / (1 - expense_ratio - profit_ratio)),
 *             rounded UP to a minor unit; expense_load = premium - E[A] - risk_load
 *
 * The quote JSON holds every factor with its value and basis, and, when asked, what-ifs (DSMM one
 * level higher, each missing control added, each core asset downgraded) priced on common random
 * numbers. The same seed gives byte-identical JSON but for quote_id and elapsed_ms.
 */
#ifndef DS_PRICING_QUOTE_H
#define DS_PRICING_QUOTE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "data/rating_plan.h"
#include "data/db.h"
#include "pricing/quote_request.h"

/* Command-line settings that take precedence over the request's options. */
typedef struct ds_quote_overrides {
    int has_sims, has_seed;
    uint64_t sims, seed;
} ds_quote_overrides;

/* The premium of a parsed request under plan (minor units), as the quote would give it. */
typedef struct ds_premium {
    double expected_loss;       /* minor units */
    double sd;
    double risk_load;
    int64_t premium;            /* minor units, rounded up */
    int64_t expected_loss_minor, risk_load_minor, expense_load_minor; /* add up to premium */
} ds_premium;

/*
 * The premium of req under plan without the what-ifs; what claims use to requote a policy with
 * the true grades (same seed, same sims). Thread-safe.
 */
int ds_quote_premium(ds_premium *out, const ds_quote_request *req, const ds_rating_plan *plan,
                     ds_error *err);

/*
 * The whole use case: validates request (ds_quote_request_parse), loads its rating plan
 * (DS_ENOTFOUND for an unknown one), prices, and renders the quote JSON into *out (caller frees
 * with cJSON_Delete). overrides may be NULL.
 */
int ds_quote_run(cJSON **out, const cJSON *request, const ds_quote_overrides *overrides,
                 ds_error *err);

/*
 * Saves a quote (`dsure quote --save`): its request and its JSON, keyed by quote_id, so that it
 * can be bound later. Errors from data/policy_store.h.
 */
int ds_quote_save(ds_db *db, const cJSON *request, const cJSON *quote, ds_error *err);

#endif
