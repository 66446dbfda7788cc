/*
 * demo_story.h: the platform-to-claims story `dsure demo` tells after its pricing comparison.
 */
#ifndef DS_CLI_DEMO_STORY_H
#define DS_CLI_DEMO_STORY_H

#include "actuarial/error.h"

/* Runs the story on a fresh ./dsure-demo.db (removing a previous run's files), printing it on
 * stdout. */
int ds_demo_story(ds_error *err);

#endif
