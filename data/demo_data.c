/*
 * demo_data.c: the demo's embedded requests, ledger records and claims (see demo_data.h).
 *
 * The claims batch is the story DESIGN.md section 7 needs told: CL-2027-0001 is clean;
 * CL-2027-0002 cites the INRE cost entry CL-2027-0001 already used; CL-2027-0003 is reported
 * after the reporting window (period end 2027-12-31 + 90 days); CL-2027-0004 cites a cost entry
 * whose amount the platform edited in its database after the checkpoint (80,000 to 800,000).
 */
#include "data/demo_data.h"

/* P-001: the DESIGN.md quote request, six coverages */
const char ds_demo_quote_p001[] =
    "{\"platform\": {\"id\": \"P-001\", \"name\": \"Demo Precision Motors\", \"industry\": \"C3"
    "6\", \"revenue\""
    ": 800000000, \"employees\": 1200}, \"maturity\": {\"dsmm_level\": 3}, \"controls\": {\"mfa"
    "\": true, "
    "\"encryption_at_rest\": true, \"offline_backup\": true, \"edr\": false, \"dlp\": false, \""
    "incident_"
    "response_plan\": true}, \"assets\": [{\"id\": \"A1\", \"name\": \"process recipes\", \"rec"
    "ords\": 20000"
    "0, \"impacts\": [{\"object\": \"economic_operation\", \"degree\": \"serious\"}]}, {\"id\":"
    " \"A2\", \"name"
    "\": \"customer contacts\", \"records\": 1500000, \"grade\": \"general\", \"personal\": tru"
    "e}, {\"id\": "
    "\"A3\", \"name\": \"grid telemetry\", \"records\": 50000, \"impacts\": [{\"object\": \"nat"
    "ional_securit"
    "y\", \"degree\": \"serious\"}]}], \"incidents\": [{\"date\": \"2025-03-02\", \"kind\": \"e"
    "xfiltration\", "
    "\"records\": 12000, \"loss\": 350000}], \"history_years\": 3, \"cover\": {\"currency\": \""
    "CNY\", \"peri"
    "od\": {\"start\": \"2027-01-01\", \"end\": \"2027-12-31\"}, \"retroactive_date\": \"2025-0"
    "1-01\", \"repo"
    "rting_days\": 90, \"coverages\": [{\"code\": \"INRE\", \"sublimit\": 2000000}, {\"code\": "
    "\"NPBI\", \"su"
    "blimit\": 2000000, \"deductible\": 10000, \"waiting_hours\": 12}, {\"code\": \"DIAS\", \"s"
    "ublimit\": "
    "1000000}, {\"code\": \"EXT\", \"sublimit\": 1000000}, {\"code\": \"LIA\", \"sublimit\": 30"
    "00000}, {\"co"
    "de\": \"REG\", \"sublimit\": 2000000}], \"deductible\": 50000, \"layer\": {\"attachment\":"
    " 0, \"limit\""
    ": 10000000, \"participation\": 1.0}, \"aggregate_limit\": 10000000}, \"rating_plan\": \"de"
    "fault\","
    " \"options\": {\"sims\": 100000, \"seed\": 1, \"principle\": \"cost_of_capital\", \"what_i"
    "f\": false}}";

/* P-002: a self-assessment with what-ifs */
const char ds_demo_quote_p002[] =
    "{\"platform\": {\"id\": \"P-002\", \"name\": \"Demo Grid Components\", \"industry\": \"C38"
    "\", \"revenue\":"
    " 300000000, \"employees\": 450}, \"maturity\": {\"dsmm_level\": 2}, \"controls\": {\"mfa\""
    ": true, \"e"
    "ncryption_at_rest\": false, \"offline_backup\": false, \"edr\": false, \"dlp\": false, \"i"
    "ncident_"
    "response_plan\": false}, \"assets\": [{\"id\": \"B1\", \"name\": \"substation firmware\", "
    "\"records\": "
    "8000, \"impacts\": [{\"object\": \"national_security\", \"degree\": \"serious\"}]}, {\"id"
    "\": \"B2\", \"na"
    "me\": \"production schedules\", \"records\": 60000, \"impacts\": [{\"object\": \"economic_"
    "operation\""
    ", \"degree\": \"serious\"}]}, {\"id\": \"B3\", \"name\": \"supplier contacts\", \"records"
    "\": 40000, \"imp"
    "acts\": [{\"object\": \"organization\", \"degree\": \"serious\"}]}], \"incidents\": [], \""
    "cover\": {\"cu"
    "rrency\": \"CNY\", \"period\": {\"start\": \"2027-01-01\", \"end\": \"2027-12-31\"}, \"ret"
    "roactive_date\""
    ": \"2025-01-01\", \"reporting_days\": 90, \"coverages\": [{\"code\": \"INRE\", \"sublimit"
    "\": 2000000},"
    " {\"code\": \"NPBI\", \"sublimit\": 2000000, \"deductible\": 10000, \"waiting_hours\": 12}"
    ", {\"code\":"
    " \"DIAS\", \"sublimit\": 1000000}, {\"code\": \"EXT\", \"sublimit\": 1000000}, {\"code\": "
    "\"LIA\", \"subl"
    "imit\": 3000000}, {\"code\": \"REG\", \"sublimit\": 2000000}], \"deductible\": 50000, \"la"
    "yer\": {\"at"
    "tachment\": 0, \"limit\": 10000000, \"participation\": 1.0}, \"aggregate_limit\": 10000000"
    "}, \"rat"
    "ing_plan\": \"default\", \"options\": {\"sims\": 100000, \"seed\": 1, \"principle\": \"cos"
    "t_of_capital"
    "\", \"what_if\": true}}";

const char ds_demo_origin_p001[] = "ledger.demo-platform.cn/P-001";

/* entries 0-3 */
const char ds_demo_records_before_bind[] =
    "{\"type\": \"asset.registered\", \"ts\": \"2026-12-01T09:00:00Z\", \"platform\": \"P-001\""
    ", \"asset\": \""
    "A1\", \"grade\": \"important\", \"records\": 200000, \"content_sha256\": \"aaaaaaaaaaaaaaa"
    "aaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n{\"type\": \"asset.registered\", \"ts\": \"202"
    "6-12-01T0"
    "9:00:01Z\", \"platform\": \"P-001\", \"asset\": \"A2\", \"grade\": \"general\", \"records"
    "\": 1500000, \"co"
    "ntent_sha256\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}\n{\""
    "type\""
    ": \"asset.registered\", \"ts\": \"2026-12-01T09:00:02Z\", \"platform\": \"P-001\", \"asset"
    "\": \"A3\", \"g"
    "rade\": \"core\", \"records\": 50000, \"content_sha256\": \"cccccccccccccccccccccccccccccc"
    "cccccccc"
    "cccccccccccccccccccccccccc\"}\n{\"type\": \"flow\", \"ts\": \"2026-12-15T14:30:00Z\", \"as"
    "set\": \"A1\","
    " \"from\": \"P-001\", \"to\": \"supplier-S7\", \"records\": 5000, \"purpose\": \"contract "
    "manufacturing"
    "\"}\n";

/* entries 4-10 */
const char ds_demo_records_after_bind[] =
    "{\"type\": \"incident\", \"ts\": \"2027-03-02T11:00:00Z\", \"incident\": \"INC-1\", \"plat"
    "form\": \"P-001"
    "\", \"kind\": \"exfiltration\", \"detected\": \"2027-03-02T10:00:00Z\", \"assets\": [{\"as"
    "set\": \"A1\", "
    "\"records\": 20000}]}\n{\"type\": \"cost\", \"ts\": \"2027-03-10T08:00:00Z\", \"incident\""
    ": \"INC-1\", \"c"
    "overage\": \"INRE\", \"amount\": 120000, \"document_sha256\": \"dddddddddddddddddddddddddd"
    "dddddddd"
    "dddddddddddddddddddddddddddddd\"}\n{\"type\": \"cost\", \"ts\": \"2027-03-11T08:00:00Z\", "
    "\"incident\""
    ": \"INC-1\", \"coverage\": \"NPBI\", \"amount\": 250000, \"hours\": 30, \"document_sha256"
    "\": \"eeeeeeee"
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}\n{\"type\": \"incident\", \"ts"
    "\": \"202"
    "7-06-01T12:00:00Z\", \"incident\": \"INC-2\", \"platform\": \"P-001\", \"kind\": \"ransomw"
    "are\", \"detec"
    "ted\": \"2027-06-01T07:30:00Z\", \"assets\": [{\"asset\": \"A2\", \"records\": 1000}]}\n{"
    "\"type\": \"cost"
    "\", \"ts\": \"2027-06-09T08:00:00Z\", \"incident\": \"INC-2\", \"coverage\": \"INRE\", \"a"
    "mount\": 60000,"
    " \"document_sha256\": \"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\""
    "}\n{\""
    "type\": \"incident\", \"ts\": \"2027-08-10T16:00:00Z\", \"incident\": \"INC-3\", \"platfor"
    "m\": \"P-001\","
    " \"kind\": \"loss\", \"detected\": \"2027-08-10T15:00:00Z\", \"assets\": [{\"asset\": \"A2"
    "\", \"records\":"
    " 300}]}\n{\"type\": \"cost\", \"ts\": \"2027-08-20T08:00:00Z\", \"incident\": \"INC-3\", "
    "\"coverage\": \"D"
    "IAS\", \"amount\": 80000, \"document_sha256\": \"11111111111111111111111111111111111111111"
    "111111"
    "11111111111111111\"}\n";

const unsigned ds_demo_altered_index = 10;

/* entry 10 after the edit, in canonical form */
const char ds_demo_altered_entry[] =
    "{\"amount\":800000,\"coverage\":\"DIAS\",\"document_sha256\":\"111111111111111111111111111"
    "111111111"
    "1111111111111111111111111111\",\"incident\":\"INC-3\",\"ts\":\"2027-08-20T08:00:00Z\",\"ty"
    "pe\":\"cost\""
    "}";

/* one clean claim, one reusing evidence, one late, one on an altered record */
const char ds_demo_claims[] =
    "[{\"claim_id\": \"CL-2027-0001\", \"policy_id\": \"POLICY\", \"reported\": \"2027-03-15T09"
    ":00:00Z\", \""
    "incident\": 4, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 100000, \"evidence\": [5]"
    "}, {\"covera"
    "ge\": \"NPBI\", \"amount\": 250000, \"hours\": 30, \"evidence\": [6]}]}, {\"claim_id\": \""
    "CL-2027-0002"
    "\", \"policy_id\": \"POLICY\", \"reported\": \"2027-03-20T09:00:00Z\", \"incident\": 4, \""
    "losses\": [{\""
    "coverage\": \"INRE\", \"amount\": 120000, \"evidence\": [5]}]}, {\"claim_id\": \"CL-2027-0"
    "003\", \"pol"
    "icy_id\": \"POLICY\", \"reported\": \"2028-05-02T09:00:00Z\", \"incident\": 7, \"losses\":"
    " [{\"coverag"
    "e\": \"INRE\", \"amount\": 60000, \"evidence\": [8]}]}, {\"claim_id\": \"CL-2027-0004\", "
    "\"policy_id\":"
    " \"POLICY\", \"reported\": \"2027-08-25T09:00:00Z\", \"incident\": 9, \"losses\": [{\"cove"
    "rage\": \"DIA"
    "S\", \"amount\": 800000, \"evidence\": [10]}]}]";
