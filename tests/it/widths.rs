//! The text of `audit`, `clients`, `rules`, `rules <ID>` and `doctor` within the width the
//! binary passes (issue 13): no line wider than it (display width, table borders included),
//! no word of the text lost or cut (a table too wide for its words becomes a list), and no
//! metadata type name broken across lines. The doctor text comes from the loopback test org
//! through the library, as the binary gets it, like the clients listing; the audit and diff
//! text (module `audit`) from the binary.

mod audit;

use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{fixture, TOKEN};
use audit::counts;
use pkce_audit_io::metadata::MetadataType;
use pkce_audit_io::salesforce::{self, doctor::Doctor, Connection, TokenSource};
use pkce_audit_io::secrets::Secret;
use pkce_audit_model::rules::RULES;
use pkce_audit_render::listing::{doctor as doctor_text, rule, rules as listing};
use std::collections::BTreeMap;
use unicode_width::UnicodeWidthStr;

const WIDTHS: [usize; 5] = [40, 60, 80, 100, 120];

/// Where a word too long for its line may break: after these (see `wrap_words`).
const BREAKS: [char; 5] = ['/', '.', '&', '?', '-'];

/// A command to copy (`$ …`) is the one line never wrapped: broken, it would run as two.
fn assert_fits(text: &str, width: usize, what: &str) {
    for line in text.lines().filter(|l| !l.trim_start().starts_with("$ ")) {
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
            let text = rule(r, width);
            assert_fits(&text, width, r.id.as_str());
            assert_eq!(
                rejoined(&words(&text), &words(&rule(r, usize::MAX))),
                words(&rule(r, usize::MAX)),
                "{} at {width}: wrapping changed the words",
                r.id
            );
        }
    }
    let r = pkce_audit_model::rules::rule("app-pkce-not-required").unwrap();
    insta::assert_snapshot!("rule_app_pkce_not_required_80", rule(r, 80));
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
        let text = doctor_text(d, width);
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
    insta::assert_snapshot!(name, doctor_text(d, 80).replace(base_url, "[org]"));
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
        deny_queries: vec![pkce_audit_model::evidence::EvidenceSource::LoginHistory
            .as_str()
            .into()],
        ..Config::default()
    });
    let d = doctor_of(&org);
    assert_eq!(d.checks.iter().filter(|c| !c.readable).count(), 3);
    assert_doctor_text(&d, &org.base_url, "doctor_unreadable_80");
    // Wide enough, a table; narrow, one entry per source.
    assert!(doctor_text(&d, 120).contains("┆ NOT READABLE ┆"));
    assert!(!doctor_text(&d, 80).contains('┆'));
}

#[test]
fn the_clients_listing_fits_every_width_and_keeps_every_word() {
    let clients = pkce_audit_model::clients::catalogue();
    let whole = counts(&pkce_audit_render::listing::clients(10_000));
    for width in WIDTHS {
        let text = pkce_audit_render::listing::clients(width);
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
    assert!(pkce_audit_render::listing::clients(120).contains("┆ does-not-send ┆"));
    insta::assert_snapshot!(
        "clients_listing_60",
        pkce_audit_render::listing::clients(60)
    );
}
