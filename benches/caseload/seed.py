# Opens N back-dated Durham complaints through the API, as a case system would: conference
# months ago, concerns received a week later, so every complaint has deadlines long overdue.
# Usage: seed.py N BASE_URL TOKEN
import concurrent.futures
import datetime
import json
import sys
import time
import urllib.request

n, base, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
prefix = "DUR"

def one(i):
    conf = datetime.date(2026, 6, 1) + datetime.timedelta(days=i % 150)
    body = {"reference": f"{prefix}-{i:06d}", "procedure": "durham", "complainant_role": "parent",
            "conference_date": conf.isoformat(), "conference_type": "initial", "recorded_by": "Team Manager",
            "events": [{"name": "concerns-received", "date": (conf + datetime.timedelta(days=7)).isoformat()}]}
    req = urllib.request.Request(base + "/api/v1/complaints", data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status
t = time.time()
# 16 at once, as a case system's import would.
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    codes = list(ex.map(one, range(n)))
dt = time.time() - t
print(f"opened {codes.count(201)}/{n} in {dt:.1f}s ({n/dt:.0f}/s); other codes: {set(codes)-{201}}")
