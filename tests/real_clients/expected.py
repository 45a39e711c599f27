"""What the loopback test org serves for a fixture folder, as the real clients should see it.

usage: python3 expected.py <fixture-dir> > expected.json

Read from the fixture itself (the metadata files and evidence/*.json), the way the test org
(crates/test-org/src/fake_org/org.rs) serves it: Connected Apps by fullName with label, callback URL and
isPkceRequired; the org OAuth settings; and, per SOQL object the checks query, the rows
projected on a few fields, in the order the org serves them. The checkers compare what each
client returns with this.
"""

import fnmatch
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

MD = "{http://soap.sforce.com/2006/04/metadata}"

QUERIES = {
    "ConnectedApplication": ("SELECT Id, Name FROM ConnectedApplication", False),
    "OauthToken": ("SELECT AppName, UserId, UseCount, LastUsedDate FROM OauthToken", False),
    "LoginHistory": (
        "SELECT Application, LoginType, LoginSubType, Status, LoginTime FROM LoginHistory",
        False,
    ),
    "InstalledSubscriberPackage": (
        "SELECT SubscriberPackage.NamespacePrefix, SubscriberPackage.Name FROM InstalledSubscriberPackage",
        True,
    ),
    "ExternalClientApplication": (
        "SELECT Id, DeveloperName, MasterLabel, DistributionState FROM ExternalClientApplication",
        False,
    ),
    "ExtlClntAppOauthSettings": (
        "SELECT Id, DeveloperName, ExternalClientApplicationId FROM ExtlClntAppOauthSettings",
        True,
    ),
    "ExtlClntAppOauthPlcyCnfg": (
        "SELECT ExternalClientApplicationId, DeveloperName, PermittedUsersPolicyType, "
        "IsClientCredentialsFlowEnabled, IsTokenExchangeFlowEnabled FROM ExtlClntAppOauthPlcyCnfg",
        False,
    ),
}

# The fields compared per object (dotted paths), a subset of what is selected.
FIELDS = {
    "ConnectedApplication": ["Name"],
    "OauthToken": ["AppName", "UserId", "UseCount", "LastUsedDate"],
    "LoginHistory": ["Application", "LoginType", "LoginSubType", "Status", "LoginTime"],
    "InstalledSubscriberPackage": ["SubscriberPackage.NamespacePrefix", "SubscriberPackage.Name"],
    "ExternalClientApplication": ["DeveloperName", "MasterLabel", "DistributionState"],
    "ExtlClntAppOauthSettings": ["DeveloperName"],
    "ExtlClntAppOauthPlcyCnfg": [
        "DeveloperName",
        "PermittedUsersPolicyType",
        "IsClientCredentialsFlowEnabled",
        "IsTokenExchangeFlowEnabled",
    ],
}


def ignored(root):
    """The .forceignore patterns (never deployed, so not in the org): fnmatch on the path."""
    f = root / ".forceignore"
    pats = []
    if f.exists():
        for line in f.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                pats.append(line)

    def test(path):
        rel = path.relative_to(root).as_posix()
        return any(
            fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, "*/" + p.lstrip("*/")) for p in pats
        )

    return test


def files(root, folder, suffix):
    out = {}
    skip = ignored(root)
    for p in sorted(root.rglob(f"*.{suffix}-meta.xml")):
        if p.parent.name == folder and not skip(p):
            out[p.name[: -len(f".{suffix}-meta.xml")]] = ET.parse(p).getroot()
    return out


def text(el, path):
    found = el.find("/".join(MD + p for p in path.split("/")))
    return None if found is None or found.text is None else found.text.strip()


def typed(value):
    if value in ("true", "false"):
        return value == "true"
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def project(record, fields):
    row = []
    for path in fields:
        v = record
        for key in path.split("."):
            v = v.get(key) if isinstance(v, dict) else None
        row.append(v)
    return row


def main():
    root = pathlib.Path(sys.argv[1])
    project_json = json.loads((root / "sfdx-project.json").read_text())
    namespace = project_json.get("namespace") or ""

    cas = files(root, "connectedApps", "connectedApp")
    connected_apps = {
        name: {
            "label": text(el, "label"),
            "callbackUrl": text(el, "oauthConfig/callbackUrl"),
            "isPkceRequired": text(el, "oauthConfig/isPkceRequired"),
        }
        for name, el in cas.items()
    }
    oidc = files(root, "settings", "settings").get("OauthOidc")
    oauth_oidc = None
    if oidc is not None:
        oauth_oidc = {c.tag[len(MD):]: c.text.strip() for c in oidc if len(c) == 0 and c.text}

    rows = {}
    evidence = root / "evidence"
    for obj in ["ConnectedApplication", "OauthToken", "LoginHistory", "InstalledSubscriberPackage"]:
        f = evidence / f"{obj}.json"
        if f.exists():
            data = json.loads(f.read_text())
            records = data if isinstance(data, list) else data["records"]
        elif obj == "ConnectedApplication":
            # Without a record file the org lists its own Connected Apps by label.
            records = [{"Name": a["label"] or n} for n, a in connected_apps.items()]
        else:
            records = []
        rows[obj] = [project(r, FIELDS[obj]) for r in records]

    ecas = files(root, "externalClientApps", "eca")
    rows["ExternalClientApplication"] = [
        [n.split("__", 1)[-1], text(el, "label"), text(el, "distributionState")] for n, el in ecas.items()
    ]
    rows["ExtlClntAppOauthSettings"] = [
        [n.split("__", 1)[-1]] for n in files(root, "extlClntAppOauthSettings", "ecaOauth")
    ]
    rows["ExtlClntAppOauthPlcyCnfg"] = [
        [
            n.split("__", 1)[-1],
            typed(text(el, "permittedUsersPolicyType")),
            typed(text(el, "isClientCredentialsFlowEnabled")),
            typed(text(el, "isTokenExchangeFlowEnabled")),
        ]
        for n, el in files(root, "extlClntAppOauthPolicies", "ecaOauthPlcy").items()
    ]

    json.dump(
        {
            "org_id": "00DFAKE00000001",
            "namespace": namespace,
            "connected_apps": connected_apps,
            "oauth_oidc": oauth_oidc,
            "queries": {k: q for k, (q, _) in QUERIES.items()},
            "tooling": {k: t for k, (_, t) in QUERIES.items()},
            "fields": FIELDS,
            "rows": rows,
        },
        sys.stdout,
        indent=1,
    )


if __name__ == "__main__":
    main()
