"""simple-salesforce (PyPI, pinned in requirements.txt) against the loopback test org.

usage: python check_simple_salesforce.py <https-instance-url> <expected.json>

The access token comes from SF_ACCESS_TOKEN. simple-salesforce builds only https:// URLs,
so it talks to the test org's TLS listener; REQUESTS_CA_BUNDLE names the test org's
self-signed certificate. Prints one "ok - ..." / "not ok - ...: why" line per check.
"""

import json
import os
import sys
import urllib.parse

from simple_salesforce import Salesforce

URL, EXPECTED = sys.argv[1], sys.argv[2]
TOKEN = os.environ["SF_ACCESS_TOKEN"]
ORG = json.load(open(EXPECTED))
PREFIX = os.environ.get("CHECK_PREFIX", "")
failed = 0


def report(name, problem):
    global failed
    if problem:
        failed += 1
        print(f"not ok - {PREFIX}simple-salesforce {name}: {problem}")
    else:
        print(f"ok - {PREFIX}simple-salesforce {name}")


def check(name, fn):
    try:
        report(name, fn())
    except Exception as e:  # noqa: BLE001 - any failure is the check's failure
        report(name, ("threw " + str(e).replace(TOKEN, "***"))[:300])


def same(what, got, want):
    return None if got == want else f"{what}: got {got!r:.300}, want {want!r:.300}"


def canon(v):
    """Metadata values as text, the way the fixture spells them (zeep types booleans)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).strip()


def project(obj, record):
    row = []
    for path in ORG["fields"][obj]:
        v = record
        for key in path.split("."):
            v = v.get(key) if isinstance(v, dict) else None
        row.append(v)
    return json.dumps(row, sort_keys=True)


def rows_of(obj):
    return [json.dumps(r, sort_keys=True) for r in ORG["rows"][obj]]


sf = Salesforce(instance_url=URL, session_id=TOKEN, version="66.0")
md = sf.mdapi


def list_connected_apps():
    names = sorted(p.fullName for p in md.list_metadata([md.ListMetadataQuery(type="ConnectedApp")]))
    return same("fullNames", names, sorted(ORG["connected_apps"]))


def read_connected_apps():
    names = sorted(ORG["connected_apps"])
    for i in range(0, len(names), 10):
        chunk = names[i : i + 10]
        records = md.ConnectedApp.read(chunk)
        records = records if isinstance(records, list) else [records]
        for name in chunk:
            r = next((x for x in records if x.fullName == name), None)
            if r is None:
                return f"no record for {name}"
            oc = r.oauthConfig
            got = {
                "label": canon(r.label),
                "callbackUrl": canon(oc.callbackUrl) if oc else None,
                "isPkceRequired": canon(oc.isPkceRequired) if oc else None,
                "consumerSecret": canon(oc.consumerSecret) if oc else None,
            }
            problem = same(name, got, {**ORG["connected_apps"][name], "consumerSecret": None})
            if problem:
                return problem
    return None


def read_org_settings():
    names = [p.fullName for p in md.list_metadata([md.ListMetadataQuery(type="Settings")])]
    want = ORG["oauth_oidc"]
    if want and "OauthOidc" not in names:
        return f"Settings list {names}"
    r = md.OauthOidcSettings.read(["OauthOidc"])
    if not want:
        return None if r is None or not getattr(r, "fullName", None) else f"unexpected {r}"
    got = {k: canon(getattr(r, k, None)) for k in want}
    return same("OauthOidc", got, want)


def describe():
    d = md.describe_metadata()
    names = {o.xmlName for o in d.metadataObjects}
    missing = {"ConnectedApp", "ExternalClientApplication", "Settings"} - names
    return f"missing {missing}" if missing else same(
        "organizationNamespace", d.organizationNamespace or "", ORG["namespace"]
    )


def query_all(obj):
    def run():
        res = sf.query_all(ORG["queries"][obj])
        want = rows_of(obj)
        if obj == "OauthToken":
            want = want[:2500]  # "No more records are returned after 2500"
        got = sorted(project(obj, r) for r in res["records"])
        if len(got) != len(want):
            return f"{len(got)} records, want {len(want)}"
        return same("rows", got, sorted(want))

    return run


def tooling(obj):
    def run():
        q = urllib.parse.quote(ORG["queries"][obj])
        res = sf.toolingexecute(f"query/?q={q}")
        got = sorted(project(obj, r) for r in res["records"])
        return same("rows", got, sorted(rows_of(obj)))

    return run


check("mdapi.describe_metadata()", describe)
check("mdapi.list_metadata(ConnectedApp)", list_connected_apps)
check("mdapi.ConnectedApp.read()", read_connected_apps)
check("mdapi list Settings, OauthOidcSettings.read()", read_org_settings)
for obj in ["ConnectedApplication", "OauthToken", "LoginHistory", "ExternalClientApplication", "ExtlClntAppOauthPlcyCnfg"]:
    check(f"query_all({obj})", query_all(obj))
check("tooling query(InstalledSubscriberPackage)", tooling("InstalledSubscriberPackage"))
check("tooling query(ExtlClntAppOauthSettings)", tooling("ExtlClntAppOauthSettings"))


def token_batches():
    total = len(ORG["rows"]["OauthToken"])
    count = sf.query("SELECT COUNT() FROM OauthToken")["totalSize"]
    if count != total:
        return f"COUNT() {count}, want {total}"
    seen = 0
    for offset in range(0, total, 2500):
        seen += len(sf.query_all(f"{ORG['queries']['OauthToken']} LIMIT 2500 OFFSET {offset}")["records"])
    return same("rows read in batches", seen, total)


if len(ORG["rows"]["OauthToken"]) > 2500:
    check("OauthToken COUNT() and LIMIT/OFFSET batches", token_batches)

sys.exit(1 if failed else 0)
