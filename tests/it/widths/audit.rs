//! The audit (folders, and snapshots with the Usage column) and the diff at every width:
//! laid out as tables where their words fit, as lists where not, never a word cut.

use super::{assert_fits, words, BREAKS, WIDTHS};
use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{fetch_live, fixture, pkce};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the binary prints for `args` at `width` columns (not a terminal); every command
/// here exits 1 (not ready).
fn text_at(args: &[&str], width: usize) -> String {
    let o = pkce().args(args).env("COLUMNS", width.to_string()).run();
    o.status(1);
    o.stdout
}

/// `audit --source <source>` as the binary prints it at `width` columns (not a terminal).
fn audit_text(source: &Path, width: usize, extra: &[&str]) -> String {
    let mut args = vec!["audit", "--source", source.to_str().unwrap()];
    args.extend_from_slice(extra);
    text_at(&args, width)
}

/// A word with the punctuation around it ("high," "(acmecpq)") off.
fn bare(w: &str) -> &str {
    w.trim_matches(|c: char| ",;:()'\"".contains(c))
}

/// How often each word occurs, [`bare`].
pub(super) fn counts(text: &str) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for w in words(text) {
        *n.entry(bare(w).to_string()).or_default() += 1;
    }
    n
}

/// Each piece of a word that line breaks after its [`BREAKS`] can leave.
fn pieces(word: &str) -> Vec<String> {
    let cuts: Vec<usize> = std::iter::once(0)
        .chain(word.match_indices(BREAKS).map(|(i, _)| i + 1))
        .chain([word.len()])
        .collect();
    let mut pieces = Vec::new();
    for (i, a) in cuts.iter().enumerate() {
        for b in &cuts[i + 1..] {
            pieces.push(word[*a..*b].to_string());
        }
    }
    pieces
}

/// The words a list entry adds to the cells of its row.
const LIST_WORDS: [&str; 11] = [
    "—",
    "·",
    "PKCE:",
    "flows:",
    "usage:",
    "finding(s):",
    "finding(s),",
    "no",
    "finding",
    "all",
    "waived",
];

/// ANSI colour sequences taken out.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|c| *c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

/// The audit of `source` at every width: no line too wide, every word whole (an app name,
/// a flow, a rule, a severity, BLOCKER as often as in a table too wide to wrap anything),
/// no word that is not a word of that table or of a list entry (a piece of a cut word),
/// and colour on every BLOCKER whether the layout is a table or a list.
fn assert_audit_fits(source: &Path, extra: &[&str]) {
    let json = pkce()
        .args(["audit", "--source", source.to_str().unwrap(), "--json"])
        .args(extra)
        .run();
    let report: pkce_audit_model::report::Report = serde_json::from_str(&json.stdout)
        .expect("the audit's JSON reads back as this version's report");
    let mut names: BTreeSet<String> = ["BLOCKER", "critical", "high", "medium", "low", "info"]
        .map(String::from)
        .into();
    for app in &report.apps {
        names.insert(app.name.clone());
        let flows = pkce_audit_render::report::cells::flows_cell(app);
        names.extend(flows.split(", ").map(String::from));
    }
    names.extend(report.findings.iter().map(|f| f.rule.as_str().to_string()));

    let wide = audit_text(source, 10_000, extra);
    let whole = counts(&wide);
    let mut known: BTreeSet<String> = words(&wide)
        .into_iter()
        .map(bare)
        .map(String::from)
        .collect();
    let cut: Vec<String> = known.iter().flat_map(|w| pieces(w)).collect();
    known.extend(cut);
    known.extend(LIST_WORDS.map(|w| bare(w).to_string()));
    for width in WIDTHS {
        let text = audit_text(source, width, extra);
        assert_fits(&text, width, "audit");
        let n = counts(&text);
        for name in &names {
            assert_eq!(
                n.get(name),
                whole.get(name),
                "audit at {width}: {name:?} broken or lost\n{text}"
            );
        }
        for w in words(&text).into_iter().map(bare) {
            assert!(
                known.contains(w),
                "audit at {width}: {w:?} is a piece of a word\n{text}"
            );
        }
        let mut coloured = extra.to_vec();
        coloured.extend(["--color", "always"]);
        let painted = audit_text(source, width, &coloured);
        assert_eq!(
            strip_ansi(&painted),
            text,
            "colour changed the text at {width}"
        );
        assert_eq!(
            painted.matches("BLOCKER\x1b[0m").count(),
            n.get("BLOCKER").copied().unwrap_or(0),
            "audit at {width}: a BLOCKER without colour\n{painted}"
        );
    }
}

#[test]
fn folder_audits_fit_every_width_and_cut_no_word() {
    // callbacks-org: catalogue citations with URLs longer than a line.
    assert_audit_fits(&fixture("callbacks-org"), &[]);
    let demo = fixture("demo-org");
    assert_audit_fits(&demo, &[]);
    // Too narrow for the apps table's words, a list; the findings still a table.
    let text = audit_text(&demo, 80, &[]);
    assert!(text.contains("\nCustomer_Portal — CA · org · PKCE: NO · flows: auth-code\n  2 finding(s): high, BLOCKER\n"), "{text}");
    assert!(text.contains("┆ Finding and what to do"), "{text}");
    let text = audit_text(&demo, 60, &[]);
    assert!(
        text.contains("\nhigh BLOCKER · Customer_Portal · app-pkce-not-required\n  Can run"),
        "{text}"
    );
    // Each table decides for itself: the ISV group's shorter names still fit a table.
    assert!(text.contains("┆ acmecpq__CPQ_Connector ┆"), "{text}");
}

#[test]
fn snapshot_audits_with_usage_fit_every_width_and_cut_no_word() {
    // The demo org and the evidence org, fetched with their usage: seven columns.
    for org_dir in ["demo-org", "evidence-org"] {
        let org = FakeOrg::start(Config {
            org_dir: fixture(org_dir),
            ..Config::default()
        });
        let tmp = tempfile::tempdir().unwrap();
        let snap = tmp.path().join("snap");
        let fetch = fetch_live(&org.base_url, &snap, &["--quiet"]);
        assert_eq!(fetch.code, 0, "{}", fetch.stderr);
        assert_audit_fits(&snap, &[]);
        // At the default width, a table with the Usage column.
        let text = audit_text(&snap, 100, &[]);
        assert!(text.contains("┆ Usage 90d "), "{org_dir}:\n{text}");
    }
}

#[test]
fn the_diff_fits_every_width_and_cuts_no_name() {
    let tmp = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for org in ["demo-org", "ready-org"] {
        let o = pkce()
            .args([
                "audit",
                "--source",
                fixture(org).to_str().unwrap(),
                "--json",
            ])
            .run();
        let path = tmp.path().join(format!("{org}.json"));
        std::fs::write(&path, &o.stdout).unwrap();
        reports.push(path.to_str().unwrap().to_string());
    }
    let diff = |width: usize| {
        pkce()
            .args(["diff", &reports[0], &reports[1]])
            .env("COLUMNS", width.to_string())
            .run()
            .stdout
    };
    let whole = counts(&diff(10_000));
    let report = pkce_audit_io::report_file::read(Path::new(&reports[0])).unwrap();
    for width in WIDTHS {
        let text = diff(width);
        assert_fits(&text, width, "diff");
        let n = counts(&text);
        for name in report.apps.iter().map(|a| &a.name) {
            assert_eq!(
                n.get(name),
                whole.get(name),
                "diff at {width}: {name}\n{text}"
            );
        }
        assert_eq!(
            n.get("BLOCKER"),
            whole.get("BLOCKER"),
            "diff at {width}\n{text}"
        );
    }
}

#[test]
fn the_fleet_report_fits_every_width_and_cuts_no_name() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("fleet.toml");
    std::fs::write(
        &file,
        format!(
            "[[org]]\nname = \"acme-production\"\nrole = \"production\"\nsource = {:?}\n\n\
             [[org]]\nname = \"acme-uat\"\nrole = \"sandbox\"\nrehearses = \"acme-production\"\nsource = {:?}\n",
            fixture("demo-org").to_str().unwrap(),
            fixture("ready-org").to_str().unwrap()
        ),
    )
    .unwrap();
    let fleet = |width: usize| text_at(&["fleet", "--orgs", file.to_str().unwrap()], width);
    let whole = counts(&fleet(10_000));
    for width in WIDTHS {
        let text = fleet(width);
        assert_fits(&text, width, "fleet");
        let n = counts(&text);
        for name in [
            "acme-production",
            "acme-uat",
            "acmecpq__CPQ_Connector",
            "vendorx__Vendor_Connector",
        ] {
            assert!(whole.contains_key(name), "{name}");
            assert_eq!(
                n.get(name),
                whole.get(name),
                "fleet at {width}: {name}\n{text}"
            );
        }
    }
}
