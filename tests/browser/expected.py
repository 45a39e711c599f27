"""What a report page must say, read from the same run's JSON, and the checks of its PDFs.

  expected.py expect REPORT.json             -> {"verdict", "verdict_re", "names", "orgs"} on stdout
  expected.py pdf EXPECTED.json FILE.pdf A4  -> "ok - ..."/"not ok - ..." lines (pdftotext, pdfinfo)

REPORT.json is `audit --format json` (blocking apps: the findings with blocker true) or
`fleet --format json` (each org's blockers by owner; each org's name and verdict).
"""
import json
import re
import subprocess
import sys

# Paper sizes in PostScript points, as pdfinfo prints them.
PAPER = {"A4": (595.92, 841.92), "Letter": (612.0, 792.0)}


def verdict_re(verdict):
    """The verdict as a page may print it: `not-ready`, `NOT READY`, `Not ready`."""
    words = r"[\s_-]*".join(re.escape(w) for w in verdict.split("-"))
    # `ready` must not be the end of `not ready` (fixed-width lookbehinds: Python's re and JS).
    return (r"(?<!not )(?<!not-)(?<!not_)" if verdict == "ready" else "") + r"\b" + words + r"\b"


def blocking_names(blockers):
    names = list(blockers.get("org", []))
    for group in ("isv", "vendor"):
        for entry in blockers.get(group, []):
            if isinstance(entry, str):
                names.append(entry)
            else:
                names.extend(entry.get("apps", []))
                if "name" in entry and not entry.get("apps"):
                    names.append(entry["name"])
    return names


def expect(report_path):
    j = json.load(open(report_path, encoding="utf-8"))
    if "orgs" in j:  # a fleet
        names = [n for org in j["orgs"] for n in blocking_names(org.get("blockers") or {})]
        orgs = [[o["name"], o["verdict"]] for o in j["orgs"]]
    else:
        names = [f["app"] for f in j["findings"] if f["blocker"] and f.get("app")]
        orgs = []
    out = {
        "verdict": j["verdict"],
        "verdict_re": verdict_re(j["verdict"]),
        "names": sorted(set(names)),
        "orgs": orgs,
    }
    json.dump(out, sys.stdout, indent=1)


def pdf(expected_path, pdf_path, paper):
    e = json.load(open(expected_path, encoding="utf-8"))
    name = pdf_path.rsplit("/", 1)[-1]
    lines = []
    ok = lambda m: lines.append(f"ok - {m}")
    not_ok = lambda m, why: lines.append(f"not ok - {m}: {why}")

    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "100000", pdf_path],
                          capture_output=True, text=True)
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M)
    want = PAPER[paper]
    wrong = [s for s in sizes if abs(float(s[0]) - want[0]) > 1 or abs(float(s[1]) - want[1]) > 1]
    if info.returncode == 0 and sizes and not wrong:
        ok(f"{name}: pdfinfo: {len(sizes)} page(s), every one {paper} ({want[0]} x {want[1]} pts)")
    else:
        not_ok(f"{name}: pdfinfo", f"want {paper} {want}; got {sorted(set(wrong)) or info.stderr.strip()[:200]}")

    run = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf_path, "-"], capture_output=True, text=True)
    text = run.stdout
    flat = re.sub(r"\s+", "", text)  # a name wrapped inside a table cell is still there
    if run.returncode != 0:
        not_ok(f"{name}: pdftotext", run.stderr.strip()[:200])
        print("\n".join(lines))
        return
    if re.search(e["verdict_re"], text, re.I):
        ok(f"{name}: pdftotext has the verdict ({e['verdict']})")
    else:
        not_ok(f"{name}: pdftotext", f"no verdict {e['verdict']!r} in {len(text)} characters")
    missing = [n for n in e["names"] if n not in text and n not in flat]
    wrapped = [n for n in e["names"] if n not in text and n in flat]
    if not missing:
        note = f" ({len(wrapped)} wrapped across lines)" if wrapped else ""
        ok(f"{name}: pdftotext has every blocking app's name ({len(e['names'])}){note}")
    else:
        not_ok(f"{name}: pdftotext", f"{len(missing)} of {len(e['names'])} blocking app(s) missing: {', '.join(missing[:8])}")
    for org, verdict in e["orgs"]:
        # the org's name, and its verdict somewhere after it
        at = text.find(org)
        if at >= 0 and re.search(verdict_re(verdict), text[at:], re.I):
            ok(f"{name}: pdftotext has org {org} and its verdict ({verdict})")
        else:
            not_ok(f"{name}: pdftotext", f"org {org!r} or its verdict {verdict!r} missing")
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "expect":
        expect(sys.argv[2])
    elif sys.argv[1] == "pdf":
        pdf(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
