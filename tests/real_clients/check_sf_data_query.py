"""`sf data query` (the real Salesforce CLI) against the test org serving a fixture org:
the rows it returns, as JSON and as a table, equal what the fixture's evidence files hold,
filtered here independently of the test org, on its fixed clock (2026-11-21T00:00:00Z)
in its user's default time zone (GMT).

    python3 check_sf_data_query.py FIXTURE-DIR TARGET-ORG

Date literals as the SOQL and SOSL Reference defines them ("Date Formats and Date
Literals"): LAST_N_DAYS:n runs from 00:00 n days before today to the end of today; `=`
is inside, `<` before the start, `>=` from the start, `>` after the end. Prints one
"ok - ..."/"not ok - ..." line per check; `sf` must be on PATH and logged in.
"""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from expected import project

fixture, alias = sys.argv[1], sys.argv[2]
prefix = os.environ.get("CHECK_PREFIX", "")
NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
TODAY = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
TOMORROW = TODAY + timedelta(days=1)


def ok(what):
    print(f"ok - {prefix}sf data query: {what}")


def not_ok(what, why):
    print(f"not ok - {prefix}sf data query: {what}: {why}")


def rows(obj):
    with open(os.path.join(fixture, "evidence", f"{obj}.json")) as f:
        return json.load(f)


def when(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z")


def last_n_days(n):
    return TODAY - timedelta(days=n), TOMORROW


def sf(soql, *flags):
    p = subprocess.run(
        ["sf", "data", "query", "--target-org", alias, "--query", soql, *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return p.returncode, p.stdout, p.stderr


def sf_json(soql):
    code, out, err = sf(soql, "--json")
    try:
        j = json.loads(out)
    except ValueError:
        return None, f"exit {code}, not JSON: {out[:200]} {err[:200]}"
    if code != 0 or j.get("status") != 0:
        return None, f"exit {code}: {j.get('name')} {j.get('message')}"
    return j["result"], None


def flat(record, paths):
    return tuple(project(record, paths))


def check_rows(what, soql, paths, want):
    result, err = sf_json(soql)
    if err:
        not_ok(what, err)
        return
    got = sorted(flat(r, paths) for r in result["records"])
    want = sorted(want)
    if got == want and result["totalSize"] == len(want):
        ok(f"{what}: {len(want)} rows, as the fixture holds ({soql})")
    else:
        not_ok(what, f"got {len(got)} rows, want {len(want)}: {got[:3]} vs {want[:3]}")


tokens = rows("OauthToken")
logins = rows("LoginHistory")
apps = rows("ConnectedApplication")
start90, end90 = last_n_days(90)
start30, end30 = last_n_days(30)
start7, end7 = last_n_days(7)

check_rows(
    "OauthToken >= LAST_N_DAYS:90 (--json)",
    "SELECT AppName, UseCount, LastUsedDate FROM OauthToken WHERE LastUsedDate >= LAST_N_DAYS:90",
    ["AppName", "UseCount", "LastUsedDate"],
    [flat(t, ["AppName", "UseCount", "LastUsedDate"]) for t in tokens if when(t["LastUsedDate"]) >= start90],
)
check_rows(
    "OauthToken < LAST_N_DAYS:90 (--json)",
    "SELECT AppName, LastUsedDate FROM OauthToken WHERE LastUsedDate < LAST_N_DAYS:90",
    ["AppName", "LastUsedDate"],
    [flat(t, ["AppName", "LastUsedDate"]) for t in tokens if when(t["LastUsedDate"]) < start90],
)
check_rows(
    "OauthToken with the user's name = LAST_N_DAYS:7 (relationship field)",
    "SELECT AppName, User.Username FROM OauthToken WHERE LastUsedDate = LAST_N_DAYS:7",
    ["AppName", "User.Username"],
    [
        flat(t, ["AppName", "User.Username"])
        for t in tokens
        if start7 <= when(t["LastUsedDate"]) < end7
    ],
)
check_rows(
    "LoginHistory = LAST_N_DAYS:30 (--json)",
    "SELECT Application, LoginSubType, Status, LoginTime FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:30",
    ["Application", "LoginSubType", "Status", "LoginTime"],
    [
        flat(r, ["Application", "LoginSubType", "Status", "LoginTime"])
        for r in logins
        if start30 <= when(r["LoginTime"]) < end30
    ],
)
counts = {}
for r in logins:
    if when(r["LoginTime"]) >= start90:
        counts[r["Application"]] = counts.get(r["Application"], 0) + 1
check_rows(
    "LoginHistory COUNT(Id) by Application >= LAST_N_DAYS:90 (aggregate, expr0)",
    "SELECT Application, COUNT(Id) FROM LoginHistory WHERE LoginTime >= LAST_N_DAYS:90 GROUP BY Application",
    ["Application", "expr0"],
    list(counts.items()),
)
check_rows(
    "ConnectedApplication (--json)",
    "SELECT Id, Name, CreatedDate FROM ConnectedApplication",
    ["Id", "Name", "CreatedDate"],
    [flat(a, ["Id", "Name", "CreatedDate"]) for a in apps],
)

# The table: sf reads the columns (`&columns=true`) to lay it out.
soql = "SELECT AppName, UseCount, LastUsedDate, User.Username FROM OauthToken WHERE LastUsedDate >= LAST_N_DAYS:90"
code, out, err = sf(soql)
want = [t for t in tokens if when(t["LastUsedDate"]) >= start90]
header = next((line for line in out.splitlines() if "APPNAME" in line), "")
cells = ["APPNAME", "USECOUNT", "LASTUSEDDATE", "USER.USERNAME"]
if (
    code == 0
    and all(c in header for c in cells)
    and f"Total number of records retrieved: {len(want)}." in out
    and all(t["LastUsedDate"] in out and t["User"]["Username"] in out for t in want)
):
    ok(f"the table has the columns {', '.join(cells)} and the {len(want)} rows")
else:
    not_ok("the table", f"exit {code}: {out[:300]} {err[:300]}")

aggregate = "SELECT Application, COUNT(Id), MAX(LoginTime) last FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:90 GROUP BY Application"
code, out, err = sf(aggregate)
header = next((line for line in out.splitlines() if "APPLICATION" in line), "")
if code == 0 and "COUNT(ID)" in header and "LAST" in header and f"retrieved: {len(counts)}." in out:
    ok(f"the aggregate table names count(Id) and the alias 'last' ({len(counts)} groups)")
else:
    not_ok("the aggregate table", f"exit {code}: {out[:300]} {err[:300]}")

# A quoted number is refused by the org, as a real org refuses it; sf says so.
code, out, err = sf("SELECT AppName FROM OauthToken WHERE UseCount = '3'", "--json")
try:
    j = json.loads(out)
except ValueError:
    j = {}
if code != 0 and "INVALID_FIELD" in out and "must be of type integer" in out:
    ok("a quoted number is refused: INVALID_FIELD, must be of type integer")
else:
    not_ok("a quoted number", f"exit {code}: {j.get('name')} {j.get('message')} {err[:200]}")
