"""What a report page must say, read from the same run's JSON, and the checks of its PDFs.

  expected.py expect REPORT.json             -> {"verdict", "verdict_re", "names", "orgs"} on stdout
  expected.py pdf EXPECTED.json FILE.pdf A4 [WORDS.txt]
      -> "ok - ..."/"not ok - ..." lines (pdfinfo, pdftotext); WORDS.txt: the words the page
         shows in print media, one a line (check_page.cjs writes it), each must be in the PDF

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
    return (r"(?<!not )(?<!not-)(?<!not_)(?<!not)" if verdict == "ready" else "") + r"\b" + words + r"\b"


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


def pdf(expected_path, pdf_path, paper, words_path=None):
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

    run = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", pdf_path, "-"], capture_output=True, text=True)
    text = run.stdout
    # A name wrapped inside a table cell ("Headless\nShop", "demo-\nuat") is still there:
    # `-raw` keeps the text in the order it was drawn, cell by cell (the default reading order
    # interleaves a row's cells), and does not join hyphenated lines.
    flatten = lambda t: re.sub(r"\s+", "", t)
    flat = flatten(text)
    if run.returncode != 0:
        not_ok(f"{name}: pdftotext", run.stderr.strip()[:200])
        print("\n".join(lines))
        return
    if re.search(e["verdict_re"], text, re.I):
        ok(f"{name}: pdftotext has the verdict ({e['verdict']})")
    else:
        not_ok(f"{name}: pdftotext", f"no verdict {e['verdict']!r} in {len(text)} characters")
    missing = [n for n in e["names"] if n not in text and flatten(n) not in flat]
    wrapped = [n for n in e["names"] if n not in text and flatten(n) in flat]
    if not missing:
        note = f" ({len(wrapped)} wrapped across lines)" if wrapped else ""
        ok(f"{name}: pdftotext has every blocking app's name ({len(e['names'])}){note}")
    else:
        not_ok(f"{name}: pdftotext", f"{len(missing)} of {len(e['names'])} blocking app(s) missing: {', '.join(missing[:8])}")
    # Each org by name, and each verdict at least as often as orgs have it (a table's cells
    # come out of pdftotext in no dependable order, so not "after its name").
    absent = [org for org, _ in e["orgs"] if flatten(org) not in flat]
    short = []
    for verdict in sorted({v for _, v in e["orgs"]}):
        want = sum(1 for _, v in e["orgs"] if v == verdict)
        got = len(re.findall(verdict_re(verdict), text, re.I))
        if got < want:
            short.append(f"{verdict} {got} time(s), {want} org(s) have it")
    if e["orgs"] and not absent and not short:
        ok(f"{name}: pdftotext has every org ({len(e['orgs'])}) and each org's verdict")
    elif e["orgs"]:
        not_ok(f"{name}: pdftotext", f"orgs missing: {absent}; verdicts: {short}")
    # Nothing lost in print: every word the page shows in print media (its innerText, from
    # check_page.cjs) is in the PDF's text, wherever a cell wrapped it. Chromium clips what
    # runs past the paper's edge, and pdftotext leaves clipped text out.
    if words_path:
        shown = [w for w in open(words_path, encoding="utf-8").read().split("\n") if w]
        lost = [w for w in shown if flatten(w) not in flat]
        if shown and not lost:
            ok(f"{name}: pdftotext has every word the page shows in print ({len(shown)} distinct)")
        else:
            not_ok(f"{name}: lost in print", f"{len(lost)} of {len(shown)} distinct word(s): {' '.join(lost[:10])[:300]}")
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "expect":
        expect(sys.argv[2])
    elif sys.argv[1] == "pdf":
        pdf(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
