"""Prints what smoke.test checks of bn-bench's JSON records: how many, whether
every one has the fields issue 6 names and a positive time, and how many are
of a cold shape."""
import json
import sys

records = json.load(open(sys.argv[1]))
fields = {"shape", "layout", "kernel", "impl", "median_us", "gbps", "pct_copy"}
timed = all(fields <= set(r) and r["median_us"] > 0 for r in records)
print(f"{len(records)} records, {'all timed' if timed else 'NOT ALL TIMED'}")
print(f"cold {sum(1 for r in records if r.get('cold'))}")
