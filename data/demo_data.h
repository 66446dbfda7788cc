/*
 * demo_data.h: the embedded data `dsure demo` tells its story with: two demo platforms' quote
 * requests, one platform's provenance ledger records, and a batch of claims. Compiled in, so
 * the demo runs from any directory with no files beside it.
 */
#ifndef DS_DATA_DEMO_DATA_H
#define DS_DATA_DEMO_DATA_H

/* P-001, a precision-motor maker (GB/T 4754 C36) on the platform, quoted by an insurer. */
extern const char ds_demo_quote_p001[];
/* P-002, a grid-component maker (C38), self-assessing with what-ifs. */
extern const char ds_demo_quote_p002[];
/* The origin of P-001's log. */
extern const char ds_demo_origin_p001[];
/* Records P-001 appends before binding: its assets and a data flow (JSON Lines). */
extern const char ds_demo_records_before_bind[];
/* Records appended after binding: three incidents and their costs (JSON Lines). */
extern const char ds_demo_records_after_bind[];
/* The entry a dishonest edit changes after the checkpoint, and the text it puts there. */
extern const unsigned ds_demo_altered_index;
extern const char ds_demo_altered_entry[];
/* The claims batch; "POLICY" stands for the bound policy's id (JSON array). */
extern const char ds_demo_claims[];

#endif
