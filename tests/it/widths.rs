//! The text of `audit`, `clients`, `rules`, `rules <ID>` and `doctor` within the width the
//! binary passes (issue 13): no line wider than it (display width, table borders included),
//! no word of the text lost or cut (a table too wide for its words becomes a list), and no
//! metadata type name broken across lines. The doctor text comes from the loopback test org
//! through the library, as the binary gets it; the audit text from the binary.

use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{command, fetch_live, fixture, TOKEN};
use pkce_audit::metadata::MetadataType;
use pkce_audit::rules::{listing, RULES};
use pkce_audit::salesforce::{self, doctor::Doctor, Connection, Secret, TokenSource};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use unicode_width::UnicodeWidthStr;

const WIDTHS: [usize; 5] = [40, 60, 80, 100, 120];

fn assert_fits(text: &str, width: usize, what: &str) {
    for line in text.lines() {
        assert!(
            line.width() <= width,
            "{what} at {width}: a line of {} columns: {line:?}\n{text}",
            line.width()
        );
    }
}

/// The words of `text`, table borders left out.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || "│┆".contains(c))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| "─┌┐└┘├┤┬┴┼╞╡╪═┄".contains(c)))
        .collect()
}

#[test]
fn the_rules_listing_fits_every_width_and_keeps_every_word() {
    for width in WIDTHS {
        let text = listing(width);
        assert_fits(&text, width, "rules");
        let all: String = RULES
            .iter()
            .map(|r| format!("{} {} {}", r.id, r.severity, r.summary))
            .collect::<Vec<_>>()
            .join(" ");
        let kept = words(&text).join(" ");
        for w in words(&all) {
            assert!(kept.contains(w), "rules at {width}: {w:?} lost\n{text}");
        }
        // Every rule starts a line.
        for r in RULES {
            assert!(
                text.lines().any(|l| l.starts_with(r.id.as_str())),
                "{}",
                r.id
            );
        }
    }
    insta::assert_snapshot!("rules_listing_80", listing(80));
}

/// `wrapped` with the pieces of a word broken after one of its [`BREAKS`] (a long URL or
/// file name) put back together where `whole` has the word.
fn rejoined(wrapped: &[&str], whole: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = wrapped.iter();
    while let Some(w) = rest.next() {
        let mut word = w.to_string();
        let want = whole.get(out.len()).copied().unwrap_or("");
        while word != want && want.starts_with(&word) && word.ends_with(BREAKS) {
            match rest.next() {
                Some(next) => word.push_str(next),
                None => break,
            }
        }
        out.push(word);
    }
    out
}

#[test]
fn every_rule_explanation_fits_every_width_and_keeps_every_word() {
    for width in WIDTHS {
        for r in RULES {
            let text = r.describe(width);
            assert_fits(&text, width, r.id.as_str());
            assert_eq!(
                rejoined(&words(&text), &words(&r.describe(usize::MAX))),
                words(&r.describe(usize::MAX)),
                "{} at {width}: wrapping changed the words",
                r.id
            );
        }
    }
    let r = pkce_audit::rules::rule("app-pkce-not-required").unwrap();
    insta::assert_snapshot!("rule_app_pkce_not_required_80", r.describe(80));
}

fn doctor_of(org: &FakeOrg) -> Doctor {
    let conn = Connection::AccessToken {
        instance_url: org.base_url.clone(),
        token: TokenSource::Value(Secret::new(TOKEN)),
    };
    let opts = salesforce::FetchOptions {
        now: crate::fake_org::default_now(),
        ..Default::default()
    };
    salesforce::doctor::doctor_blocking(&conn, &opts, 90).expect("doctor runs")
}

/// How many times `name` occurs in the texts the doctor text shows: every check's cells,
/// and the source and remedy of each one not readable.
fn occurrences(d: &Doctor, name: &str) -> usize {
    d.checks
        .iter()
        .flat_map(|c| {
            let missing = (!c.readable).then_some(&c.source);
            [
                Some(&c.source),
                Some(&c.probe),
                c.detail.as_ref(),
                missing,
                c.remedy.as_ref(),
            ]
        })
        .flatten()
        .map(|t| t.matches(name).count())
        .sum()
}

fn assert_doctor_text(d: &Doctor, base_url: &str, name: &str) {
    for width in WIDTHS {
        let text = d.text(width);
        assert_fits(&text, width, "doctor");
        // A name broken across lines (or a cell) is no longer found whole.
        for ty in MetadataType::FETCHED {
            assert_eq!(
                text.matches(ty.name()).count(),
                occurrences(d, ty.name()),
                "doctor at {width}: {} broken\n{text}",
                ty.name()
            );
        }
        // Every word of every cell is there, as often as in the report.
        let mut left: std::collections::HashMap<&str, usize> = Default::default();
        for w in words(&text) {
            *left.entry(w).or_default() += 1;
        }
        for c in &d.checks {
            for w in [
                c.source.as_str(),
                &c.probe,
                c.detail.as_deref().unwrap_or(""),
            ]
            .into_iter()
            .flat_map(words)
            {
                let n = left.get_mut(w).filter(|n| **n > 0);
                assert!(n.is_some(), "doctor at {width}: {w:?} lost\n{text}");
                *n.unwrap() -= 1;
            }
        }
    }
    insta::assert_snapshot!(name, d.text(80).replace(base_url, "[org]"));
}

#[test]
fn doctor_fits_every_width_and_breaks_no_type_name() {
    let org = FakeOrg::start(Config::default());
    let d = doctor_of(&org);
    assert!(d.all_readable());
    assert_doctor_text(&d, &org.base_url, "doctor_demo_org_80");

    // Unreadable sources: long error messages that name a type, and the remedies.
    let org = FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        deny_read_types: vec!["ExtlClntAppGlobalOauthSettings".into()],
        deny_queries: vec![pkce_audit::evidence::LOGIN_HISTORY.into()],
        ..Config::default()
    });
    let d = doctor_of(&org);
    assert_eq!(d.checks.iter().filter(|c| !c.readable).count(), 3);
    assert_doctor_text(&d, &org.base_url, "doctor_unreadable_80");
    // Wide enough, a table; narrow, one entry per source.
    assert!(d.text(120).contains("┆ NOT READABLE ┆"));
    assert!(!d.text(80).contains('┆'));
}

/// `audit --source <source>` as the binary prints it at `width` columns (not a terminal).
fn audit_text(source: &Path, width: usize, extra: &[&str]) -> String {
    let o = command()
        .args(["audit", "--source", source.to_str().unwrap()])
        .args(extra)
        .env("COLUMNS", width.to_string())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// A word with the punctuation around it ("high," "(acmecpq)") off.
fn bare(w: &str) -> &str {
    w.trim_matches(|c: char| ",;:()'\"".contains(c))
}

/// How often each word occurs, [`bare`].
fn counts(text: &str) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for w in words(text) {
        *n.entry(bare(w).to_string()).or_default() += 1;
    }
    n
}

/// Where a word too long for its line may break: after these (see `wrap_words`).
const BREAKS: [char; 5] = ['/', '.', '&', '?', '-'];

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
    let json = command()
        .args(["audit", "--source", source.to_str().unwrap(), "--json"])
        .args(extra)
        .output()
        .unwrap();
    let report = pkce_audit::report::read::parse(&String::from_utf8(json.stdout).unwrap())
        .expect("the audit's JSON reads back");
    let mut names: BTreeSet<String> = ["BLOCKER", "critical", "high", "medium", "low", "info"]
        .map(String::from)
        .into();
    for app in &report.apps {
        names.insert(app.name.clone());
        let flows = pkce_audit::report::cells::flows_cell(app);
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
fn the_clients_listing_fits_every_width_and_keeps_every_word() {
    let clients = pkce_audit::clients::catalogue();
    let whole = counts(&pkce_audit::clients::listing(10_000));
    for width in WIDTHS {
        let text = pkce_audit::clients::listing(width);
        assert_fits(&text, width, "clients");
        let n = counts(&text);
        let mut left: BTreeMap<String, usize> = n.clone();
        for c in clients {
            let id = Some(&c.id);
            assert_eq!(
                n.get(&c.id),
                whole.get(&c.id),
                "clients at {width}: {id:?}\n{text}"
            );
            for w in counts(&c.name).into_keys() {
                let k = left.get_mut(&w).filter(|k| **k > 0);
                assert!(
                    k.is_some(),
                    "clients at {width}: {w:?} of {} lost\n{text}",
                    c.id
                );
                *k.unwrap() -= 1;
            }
        }
    }
    assert!(pkce_audit::clients::listing(120).contains("┆ does-not-send ┆"));
    insta::assert_snapshot!("clients_listing_60", pkce_audit::clients::listing(60));
}

#[test]
fn the_diff_fits_every_width_and_cuts_no_name() {
    let tmp = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for org in ["demo-org", "ready-org"] {
        let o = command()
            .args([
                "audit",
                "--source",
                fixture(org).to_str().unwrap(),
                "--json",
            ])
            .output()
            .unwrap();
        let path = tmp.path().join(format!("{org}.json"));
        std::fs::write(&path, &o.stdout).unwrap();
        reports.push(path.to_str().unwrap().to_string());
    }
    let diff = |width: usize| {
        let o = command()
            .args(["diff", &reports[0], &reports[1]])
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let whole = counts(&diff(10_000));
    let report = pkce_audit::report::read::read(Path::new(&reports[0])).unwrap();
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
