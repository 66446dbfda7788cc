/*
 * test_terms.c: the policy-terms calculus of DESIGN.md section 5, every term alone and in
 * combination, with expectations computed by hand in the comments (amounts in minor units).
 */
#include <string.h>

#include "pricing/terms.h"
#include "tests/ds_test.h"

static ds_terms terms_covering(int n, const ds_coverage *covered)
{
    ds_terms t;
    ds_terms_init(&t);
    for (int i = 0; i < n; i++)
        t.coverage[covered[i]].is_covered = 1;
    return t;
}

static ds_settlement settle(const ds_terms *t, ds_terms_state *state, const ds_occurrence *occ)
{
    ds_settlement s;
    ds_error err;
    CU_ASSERT_FATAL(ds_terms_settle(&s, t, state, occ, &err) == 0);
    int64_t sum = 0;
    for (int c = 0; c < DS_COV_COUNT; c++)
        sum += s.paid_by_coverage[c];
    CU_ASSERT_EQUAL(sum, s.paid); /* shares always add up exactly */
    return s;
}

static void test_terms__no_terms_pays_ground_up(void)
{
    ds_coverage cov[] = {DS_COV_INRE};
    ds_terms t = terms_covering(1, cov);
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    occ.ground_up[DS_COV_INRE] = 12345678;
    ds_settlement s = settle(&t, &st, &occ);
    CU_ASSERT_EQUAL(s.paid, 12345678);
    CU_ASSERT_EQUAL(s.paid_by_coverage[DS_COV_INRE], 12345678);
}

static void test_terms__uncovered_coverage_pays_nothing(void)
{
    ds_coverage cov[] = {DS_COV_INRE};
    ds_terms t = terms_covering(1, cov);
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    occ.ground_up[DS_COV_REG] = 500000;
    ds_settlement s = settle(&t, &st, &occ);
    CU_ASSERT_EQUAL(s.retained[DS_COV_REG], 0);
    CU_ASSERT_EQUAL(s.paid, 0);
}

static void test_terms__coverage_deductible_and_sublimit(void)
{
    ds_coverage cov[] = {DS_COV_DIAS};
    ds_terms t = terms_covering(1, cov);
    t.coverage[DS_COV_DIAS].deductible = 1000000;  /* 10,000.00 */
    t.coverage[DS_COV_DIAS].sublimit = 5000000;    /* 50,000.00 */
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    /* g = 3,000,000: x = min(3,000,000 - 1,000,000, 5,000,000) = 2,000,000 */
    occ.ground_up[DS_COV_DIAS] = 3000000;
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 2000000);
    CU_ASSERT_EQUAL(st.sublimit_left[DS_COV_DIAS], 3000000);
    /* g = 9,000,000: x = min(8,000,000, 3,000,000 left) = 3,000,000; sublimit exhausted */
    occ.ground_up[DS_COV_DIAS] = 9000000;
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 3000000);
    CU_ASSERT_EQUAL(st.sublimit_left[DS_COV_DIAS], 0);
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 0);
    /* below the deductible: nothing */
    ds_terms_state_init(&st, &t);
    occ.ground_up[DS_COV_DIAS] = 999999;
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 0);
}

static void test_terms__waiting_period_prorates_time_based_cover(void)
{
    ds_coverage cov[] = {DS_COV_NPBI, DS_COV_CBI, DS_COV_INRE};
    ds_terms t = terms_covering(3, cov);
    t.coverage[DS_COV_NPBI].waiting_millihours = 12000; /* 12 hours */
    t.coverage[DS_COV_NPBI].deductible = 1000000;
    t.coverage[DS_COV_INRE].waiting_millihours = 12000;  /* ignored: not time based */
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    /* NPBI: 25,000,000 over 30 hours, 18 paid: 25,000,000 * 18 / 30 = 15,000,000; minus the
     * deductible 1,000,000 = 14,000,000. */
    occ.ground_up[DS_COV_NPBI] = 25000000;
    occ.outage_millihours[DS_COV_NPBI] = 30000;
    occ.ground_up[DS_COV_INRE] = 700;
    occ.outage_millihours[DS_COV_INRE] = 5000;
    ds_settlement s = settle(&t, &st, &occ);
    CU_ASSERT_EQUAL(s.prorated[DS_COV_NPBI], 15000000);
    CU_ASSERT_EQUAL(s.retained[DS_COV_NPBI], 14000000);
    CU_ASSERT_EQUAL(s.prorated[DS_COV_INRE], 700);
    CU_ASSERT_EQUAL(s.paid, 14000700);
    /* An outage shorter than the waiting period pays nothing; 10 over 7 hours rounds down:
     * 10 * 4/7 = 5.71 -> 5. */
    ds_terms_state_init(&st, &t);
    memset(&occ, 0, sizeof occ);
    occ.ground_up[DS_COV_NPBI] = 25000000;
    occ.outage_millihours[DS_COV_NPBI] = 11999;
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 0);
    t.coverage[DS_COV_CBI].waiting_millihours = 3000;
    memset(&occ, 0, sizeof occ);
    occ.ground_up[DS_COV_CBI] = 10;
    occ.outage_millihours[DS_COV_CBI] = 7000;
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).prorated[DS_COV_CBI], 5);
}

static void test_terms__policy_deductible_layer_and_participation(void)
{
    ds_coverage cov[] = {DS_COV_INRE, DS_COV_LIA};
    ds_terms t = terms_covering(2, cov);
    t.deductible = 5000000;    /* 50,000.00 */
    t.attachment = 10000000;   /* 100,000.00 */
    t.layer_limit = 20000000;  /* 200,000.00 */
    t.participation_ppm = 300000; /* 30% */
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    occ.ground_up[DS_COV_INRE] = 10000000;
    occ.ground_up[DS_COV_LIA] = 30000001;
    /* sum x = 40,000,001; y = 35,000,001; in layer = min(25,000,001, 20,000,000) = 20,000,000;
     * z = 0.3 * 20,000,000 = 6,000,000 exactly (no floating-point 5,999,999). */
    ds_settlement s = settle(&t, &st, &occ);
    CU_ASSERT_EQUAL(s.after_deductible, 35000001);
    CU_ASSERT_EQUAL(s.layer_share, 6000000);
    CU_ASSERT_EQUAL(s.paid, 6000000);
    /* Allocation in proportion to x: 6,000,000 * 10,000,000 / 40,000,001 = 1,499,999.96 ->
     * 1,499,999 r 0.96; LIA 6,000,000 * 30,000,001 / 40,000,001 = 4,500,000.04 -> 4,500,000
     * r 0.04; one unit left goes to INRE, the larger remainder. */
    CU_ASSERT_EQUAL(s.paid_by_coverage[DS_COV_INRE], 1500000);
    CU_ASSERT_EQUAL(s.paid_by_coverage[DS_COV_LIA], 4500000);
    /* Below the attachment: nothing. */
    occ.ground_up[DS_COV_INRE] = 7000000;
    occ.ground_up[DS_COV_LIA] = 7999999; /* y = 9,999,999 < 10,000,000 */
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 0);
}

static void test_terms__aggregate_limit_erodes_across_occurrences(void)
{
    ds_coverage cov[] = {DS_COV_EXT};
    ds_terms t = terms_covering(1, cov);
    t.aggregate_limit = 1000000;
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    occ.ground_up[DS_COV_EXT] = 600000;
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 600000);
    CU_ASSERT_EQUAL(st.aggregate_left, 400000);
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 400000);
    CU_ASSERT_EQUAL(st.aggregate_left, 0);
    CU_ASSERT_EQUAL(settle(&t, &st, &occ).paid, 0);
}

static void test_terms__all_terms_together(void)
{
    /* DESIGN.md's cover example: INRE sublimit 2,000,000.00; NPBI sublimit 2,000,000.00,
     * deductible 10,000.00, waiting 12 h; policy deductible 50,000.00; layer 0 xs 10,000,000.00
     * at 100%; aggregate 10,000,000.00. Claim of DESIGN.md section 7: INRE 100,000.00 and NPBI
     * 250,000.00 over 30 hours. */
    ds_coverage cov[] = {DS_COV_INRE, DS_COV_NPBI};
    ds_terms t = terms_covering(2, cov);
    t.coverage[DS_COV_INRE].sublimit = 200000000;
    t.coverage[DS_COV_NPBI].sublimit = 200000000;
    t.coverage[DS_COV_NPBI].deductible = 1000000;
    t.coverage[DS_COV_NPBI].waiting_millihours = 12000;
    t.deductible = 5000000;
    t.layer_limit = 1000000000;
    t.aggregate_limit = 1000000000;
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    occ.ground_up[DS_COV_INRE] = 10000000;
    occ.ground_up[DS_COV_NPBI] = 25000000;
    occ.outage_millihours[DS_COV_NPBI] = 30000;
    /* NPBI: 25,000,000 * 18/30 = 15,000,000 - 1,000,000 = 14,000,000; INRE 10,000,000;
     * sum 24,000,000 - 5,000,000 = 19,000,000 paid. Allocation: INRE 19e6 * 10/24 =
     * 7,916,666.67 -> 7,916,666 r .67; NPBI 19e6 * 14/24 = 11,083,333.33 -> 11,083,333 r .33;
     * the unit left goes to INRE: 7,916,667 and 11,083,333. */
    ds_settlement s = settle(&t, &st, &occ);
    CU_ASSERT_EQUAL(s.paid, 19000000);
    CU_ASSERT_EQUAL(s.paid_by_coverage[DS_COV_INRE], 7916667);
    CU_ASSERT_EQUAL(s.paid_by_coverage[DS_COV_NPBI], 11083333);
    CU_ASSERT_EQUAL(st.sublimit_left[DS_COV_INRE], 200000000 - 7916667);
    CU_ASSERT_EQUAL(st.sublimit_left[DS_COV_NPBI], 200000000 - 11083333);
    CU_ASSERT_EQUAL(st.aggregate_left, 1000000000 - 19000000);
}

static void test_terms__largest_remainder_is_exact_and_fair(void)
{
    int64_t w[3] = {1, 1, 1}, shares[4];
    ds_allocate_largest_remainder(shares, w, 3, 100); /* 33.33 each: 34, 33, 33 */
    CU_ASSERT(shares[0] == 34 && shares[1] == 33 && shares[2] == 33);
    int64_t w2[4] = {0, 5, 0, 0};
    ds_allocate_largest_remainder(shares, w2, 4, 7);
    CU_ASSERT(shares[0] == 0 && shares[1] == 7 && shares[2] == 0 && shares[3] == 0);
    int64_t w3[2] = {0, 0};
    ds_allocate_largest_remainder(shares, w3, 2, 0);
    CU_ASSERT(shares[0] == 0 && shares[1] == 0);
    /* Large amounts: the 128-bit product keeps it exact. */
    int64_t w4[2] = {DS_MONEY_MAX, DS_MONEY_MAX / 3};
    ds_allocate_largest_remainder(shares, w4, 2, DS_MONEY_MAX);
    CU_ASSERT_EQUAL(shares[0] + shares[1], DS_MONEY_MAX);
    CU_ASSERT(shares[0] > shares[1]);
}

static void test_terms__muldiv_is_exact_beyond_64_bits(void)
{
    int64_t r;
    /* (10^17 * 999,999) / 10^6 = 99,999,900,000,000,000 exactly */
    CU_ASSERT_EQUAL(ds_muldiv_floor(DS_MONEY_MAX, 999999, DS_PPM, &r), 99999900000000000LL);
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(ds_muldiv_floor(7, 3, 2, &r), 10);
    CU_ASSERT_EQUAL(r, 1);
}

static void test_terms__negative_or_huge_loss_is_refused(void)
{
    ds_coverage cov[] = {DS_COV_INRE};
    ds_terms t = terms_covering(1, cov);
    ds_terms_state st;
    ds_terms_state_init(&st, &t);
    ds_occurrence occ = {0};
    occ.ground_up[DS_COV_INRE] = -1;
    ds_settlement s;
    ds_error err;
    CU_ASSERT_EQUAL(ds_terms_settle(&s, &t, &st, &occ, &err), DS_EINVAL);
    CU_ASSERT(strncmp(err.message, "INRE:", 5) == 0);
    occ.ground_up[DS_COV_INRE] = DS_MONEY_MAX + 1;
    CU_ASSERT_EQUAL(ds_terms_settle(&s, &t, &st, &occ, &err), DS_EINVAL);
    t.participation_ppm = 0;
    CU_ASSERT_EQUAL(ds_terms_validate(&t, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "layer.participation: must be in (0, 1]");
}

static const ds_test_case tests[] = {
    {"no_terms_pays_ground_up", test_terms__no_terms_pays_ground_up},
    {"uncovered_coverage_pays_nothing", test_terms__uncovered_coverage_pays_nothing},
    {"coverage_deductible_and_sublimit", test_terms__coverage_deductible_and_sublimit},
    {"waiting_period_prorates_time_based_cover",
     test_terms__waiting_period_prorates_time_based_cover},
    {"policy_deductible_layer_and_participation",
     test_terms__policy_deductible_layer_and_participation},
    {"aggregate_limit_erodes_across_occurrences",
     test_terms__aggregate_limit_erodes_across_occurrences},
    {"all_terms_together", test_terms__all_terms_together},
    {"largest_remainder_is_exact_and_fair", test_terms__largest_remainder_is_exact_and_fair},
    {"muldiv_is_exact_beyond_64_bits", test_terms__muldiv_is_exact_beyond_64_bits},
    {"negative_or_huge_loss_is_refused", test_terms__negative_or_huge_loss_is_refused},
};

DS_TEST_MAIN("terms", tests)
