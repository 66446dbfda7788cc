/*
 * design_example.h: the DESIGN.md example quote request (tests/data/quotes/design-example.json)
 * loaded for the C tests (included, not compiled alone; header-only, static). The test stops
 * (CUnit fatal assertion) when the file does not read or parse.
 */
#ifndef DS_TESTS_LIB_DESIGN_EXAMPLE_H
#define DS_TESTS_LIB_DESIGN_EXAMPLE_H

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "data/file.h"
#include "data/json_in.h"
#include "tests/ds_test.h"

/* The example request with options.sims set to sims; the caller deletes it. */
static cJSON *ds_test_design_example(int sims)
{
    char *text;
    size_t len;
    ds_error err;
    CU_ASSERT_FATAL(ds_file_read(&text, &len,
                                 DSURE_SOURCE_DIR "/tests/data/quotes/design-example.json",
                                 1 << 20, &err) == 0);
    cJSON *root = NULL;
    CU_ASSERT_FATAL(ds_json_parse(&root, text, len, "example", &err) == 0);
    free(text);
    cJSON *options = cJSON_GetObjectItem(root, "options");
    cJSON_ReplaceItemInObject(options, "sims", cJSON_CreateNumber(sims));
    return root;
}

#endif
