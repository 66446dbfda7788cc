#!/usr/bin/env python3
"""gen.py: ledger records and claim batches for the claims shell tests (deterministic).

  gen.py records N              JSON Lines: N incidents, each followed by an INRE and an NPBI
                                cost; the incident of claim i is at index 3 + 3 i (after the
                                three registrations of registrations.jsonl)
  gen.py claims N POLICY_ID     JSON Lines: claim i on incident i, listed in a shuffled order;
                                every 10th incident also gets a second claim, "CL-i-again",
                                citing the same INRE cost (evidence.reused: it settles second)
  gen.py request SRC AGG        the DESIGN.md example request with no deductibles and the
                                aggregate limit AGG, so that a batch exhausts it part-way
"""
import json
import random
import sys


def records(n):
    for i in range(n):
        day = 1 + i * 360 // n
        month, dom = 1 + (day - 1) // 30, 1 + (day - 1) % 30
        ts = "2027-%02d-%02dT%02d:%02d:00Z" % (min(month, 12), min(dom, 28), i % 24, i % 60)
        asset = ["A1", "A2", "A3"][i % 3]
        print(json.dumps({"type": "incident", "ts": ts, "incident": "INC-%d" % i,
                          "platform": "P-001", "kind": "exfiltration", "detected": ts,
                          "assets": [{"asset": asset, "records": 10 + i % 500}]}))
        print(json.dumps({"type": "cost", "ts": ts, "incident": "INC-%d" % i, "coverage": "INRE",
                          "amount": 400 + (i * 37) % 900 + 0.25,
                          "document_sha256": "%064x" % (2 * i)}))
        print(json.dumps({"type": "cost", "ts": ts, "incident": "INC-%d" % i, "coverage": "NPBI",
                          "amount": 1000 + (i * 53) % 2000, "hours": 13 + i % 30,
                          "document_sha256": "%064x" % (2 * i + 1)}))


def claims(n, policy):
    order = list(range(n))
    random.Random(7).shuffle(order)
    for i in order:
        inc = 3 + 3 * i
        inre = [inc + 1]
        if i % 10 == 9:
            print(json.dumps({"claim_id": "CL-%05d-again" % i, "policy_id": policy,
                              "reported": "2028-01-15T00:00:00Z", "incident": inc,
                              "losses": [{"coverage": "INRE", "amount": 100,
                                          "evidence": inre}]}))
        claim = {"claim_id": "CL-%05d" % i, "policy_id": policy,
                 "reported": "2028-01-15T00:00:00Z", "incident": inc,
                 "losses": [{"coverage": "INRE", "amount": 400 + (i * 37) % 900 + 0.25,
                             "evidence": inre},
                            {"coverage": "NPBI", "amount": 1000 + (i * 53) % 2000,
                             "hours": 13 + i % 30, "evidence": [inc + 2]}]}
        print(json.dumps(claim))


def request(src, aggregate):
    r = json.load(open(src))
    r["cover"]["deductible"] = 0
    r["cover"]["aggregate_limit"] = aggregate
    for c in r["cover"]["coverages"]:
        c.pop("deductible", None)
        c["sublimit"] = 100000000
    r["options"]["what_if"] = False
    print(json.dumps(r))


if __name__ == "__main__":
    if sys.argv[1] == "records":
        records(int(sys.argv[2]))
    elif sys.argv[1] == "claims":
        claims(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "request":
        request(sys.argv[2], float(sys.argv[3]))
