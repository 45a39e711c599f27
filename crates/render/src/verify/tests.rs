use super::*;
use pkce_audit_model::verify::Verdict;
use pkce_audit_test_org::verifications::{all, keep, rollback, watch};
use std::collections::BTreeSet;

fn opts(width: u16, color: bool) -> Options {
    Options { width, color }
}

/// Every format of every run, the table at 40 and 120 columns, colour off and on.
#[test]
fn snapshots_of_every_format() {
    for (name, v) in all() {
        for width in [40, 120] {
            insta::assert_snapshot!(
                format!("{name}_table_{width}"),
                render(&v, Format::Table, opts(width, false))
            );
        }
        insta::assert_snapshot!(
            format!("{name}_table_120_colour"),
            render(&v, Format::Table, opts(120, true))
        );
        insta::assert_snapshot!(
            format!("{name}_markdown"),
            render(&v, Format::Markdown, opts(100, false))
        );
        insta::assert_snapshot!(
            format!("{name}_json"),
            render(&v, Format::Json, opts(100, false))
        );
    }
}

/// The runs built for these tests hold every state, reason, next step and way back.
#[test]
fn the_runs_cover_every_state_reason_next_step_and_way_back() {
    let runs = all();
    let apps: Vec<&AppCheck> = runs.iter().flat_map(|(_, v)| &v.apps).collect();
    let states: BTreeSet<State> = apps.iter().map(|a| a.state).collect();
    assert_eq!(states.len(), State::KNOWN.len());
    let whys: BTreeSet<&str> = apps.iter().map(|a| why_word(&a.why)).collect();
    assert_eq!(whys.len(), 20, "{whys:?}");
    let nexts: BTreeSet<&str> = apps.iter().map(|a| next_word(&a.next)).collect();
    assert_eq!(nexts.len(), 8, "{nexts:?}");
    let backs: BTreeSet<String> = apps
        .iter()
        .filter_map(|a| match &a.next {
            Next::Rollback(b) => Some(b),
            _ => None,
        })
        .flatten()
        .map(|b| match b {
            Back::UndoApp { kind, .. } => format!("undo {kind}"),
            Back::UndoOrgSetting => "org".into(),
            Back::Publisher { .. } => "publisher".into(),
            Back::Vendor => "vendor".into(),
        })
        .collect();
    assert_eq!(backs.len(), 5, "{backs:?}");
    let verdicts: BTreeSet<Verdict> = runs.iter().map(|(_, v)| v.verdict).collect();
    assert_eq!(verdicts.len(), Verdict::KNOWN.len());
}

#[test]
fn every_reason_and_step_is_one_plain_sentence_of_its_own() {
    let runs = all();
    // The first text of each reason: twenty reasons, twenty different sentences.
    let mut texts = std::collections::BTreeMap::new();
    for a in runs.iter().flat_map(|(_, v)| &v.apps) {
        let why = why_text(&a.why);
        assert!(
            why.ends_with('.') && why.starts_with(char::is_uppercase),
            "{why}"
        );
        texts.entry(why_word(&a.why)).or_insert(why.clone());
        let next = next_text(&a.next);
        assert!(next.ends_with('.') || next.ends_with(".htm)"), "{next}");
        // The library names no option of its own; the binary's words do (Advice).
        assert!(!next.contains("--") && !why.contains("--"), "{next} {why}");
    }
    assert_eq!(texts.len(), 20);
    assert_eq!(texts.values().collect::<BTreeSet<_>>().len(), 20);
}

#[test]
fn the_way_back_gives_the_exact_commands_retrieving_first() {
    let v = rollback();
    let portal = v.apps.iter().find(|a| a.name == "Customer_Portal").unwrap();
    assert_eq!(
        app_commands(portal, None),
        [
            "sf project generate --name pkce-rollback".to_string(),
            "(cd pkce-rollback && sf project retrieve start --metadata Settings:OauthOidc --metadata ConnectedApp:Customer_Portal)".into(),
            Advice::UndoOrgSetting.to_string(),
            Advice::UndoApps {
                names: vec!["Customer_Portal".into()]
            }
            .to_string(),
            "(cd pkce-rollback && sf project deploy start --manifest manifest/pkce-rollback-org.xml)".into(),
            "(cd pkce-rollback && sf project deploy start --manifest manifest/pkce-rollback-apps.xml)".into(),
        ]
    );
    // The run's way back: the org setting once, both apps of ours in one undo, an
    // External Client App by its global OAuth settings.
    let (says, commands) = way_back(&v);
    assert_eq!(commands.len(), 6, "{commands:#?}");
    assert!(commands[1].ends_with(
        "--metadata Settings:OauthOidc --metadata ConnectedApp:Customer_Portal --metadata ExternalClientApplication:Field_Service --metadata ExtlClntAppGlobalOauthSettings:Field_Service_glbloauth --target-org initech-prod)"
    ), "{commands:#?}");
    assert_eq!(
        commands[3],
        Advice::UndoApps {
            names: vec!["Customer_Portal".into(), "Field_Service".into()]
        }
        .to_string()
    );
    let says: Vec<&str> = says.iter().map(|(s, _)| s.as_str()).collect();
    let org = says.iter().filter(|s| s.starts_with("Turn the org-wide"));
    assert_eq!(org.count(), 1);
    let publisher = says.iter().find(|s| s.starts_with("acme__Sync")).unwrap();
    assert!(
        publisher.contains("Acme Sync (namespace acme)"),
        "{publisher}"
    );
    let vendor = "Vendor Tool: It is defined in another org";
    assert!(says.iter().any(|s| s.starts_with(vendor)));
    assert!(says.iter().any(|s| s.contains("Field_Service_glbloauth")));
    // The publisher's way cites Salesforce's rule, in every format.
    for f in Format::ALL {
        assert!(
            render(&v, *f, opts(120, false)).contains(ISV_PKCE_SOURCE),
            "{f:?}"
        );
    }
    // A publisher or a vendor alone: nothing this org can run.
    assert!(commands_of(&[Back::Vendor]).is_empty());
    // Nothing to roll back: no way back at all.
    assert_eq!(way_back(&keep()), (Vec::new(), Vec::new()));
}

fn commands_of(backs: &[Back]) -> Vec<String> {
    commands(backs, None)
}

#[test]
fn the_table_fits_its_width_and_colours_only_the_verdict() {
    for (name, v) in all() {
        for width in [40u16, 60, 80, 100, 120, 160] {
            let text = render(&v, Format::Table, opts(width, false));
            for line in text.lines() {
                // A command to copy is never broken (a broken one would run as two).
                if !line.trim_start().starts_with("$ ") {
                    assert!(
                        unicode_width::UnicodeWidthStr::width(line) <= usize::from(width),
                        "{name} {width}: {line}"
                    );
                }
            }
            let painted = render(&v, Format::Table, opts(width, true));
            assert_ne!(painted, text);
            let word = verdict_word(v.verdict);
            let colour = match v.verdict {
                Verdict::Keep => "\x1b[1;32m",
                Verdict::Watch => "\x1b[1;33m",
                Verdict::Rollback => "\x1b[1;31m",
            };
            assert!(
                painted.contains(&format!("{colour}{word}\x1b[0m")),
                "{painted}"
            );
            assert_eq!(painted.matches("\x1b[0m").count(), 1, "{painted}");
            assert_eq!(painted.replace(colour, "").replace("\x1b[0m", ""), text);
        }
    }
}

#[test]
fn input_text_is_inert_in_every_format() {
    let v = rollback();
    for f in Format::ALL {
        let text = render(&v, *f, opts(100, true));
        let text = text.replace("\x1b[1;31m", "").replace("\x1b[0m", "");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{f:?}:\n{text}"
        );
    }
    let md = markdown(&v);
    let row = md.lines().find(|l| l.contains("`Intranet`")).unwrap();
    let pipes = row
        .match_indices('|')
        .filter(|(i, _)| !row[..*i].ends_with('\\'))
        .count();
    assert_eq!(pipes, 6, "{row}");
    assert!(
        row.contains("Intra\\|net") && row.contains("\\<b\\>\\*x\\*"),
        "{row}"
    );
    // JSON gives the exact text back.
    let doc: serde_json::Value = serde_json::from_str(&json(&v)).unwrap();
    let label = doc["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Intranet")
        .unwrap()["label"]
        .clone();
    assert_eq!(label, "Intra|net\u{1b}[2J <b>*x*</b>\u{202e}");
}

#[test]
fn the_json_document_is_versioned_with_utc_times_and_both_notes() {
    for (name, v) in all() {
        let text = json(&v);
        assert!(text.starts_with("{\n  \"schema_version\": 1,"), "{name}");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["verdict"], v.verdict.as_str());
        for t in [&doc["since"], &doc["until"], &doc["baseline"]["from"]] {
            let t = t.as_str().unwrap();
            assert!(t.len() == 20 && t.ends_with('Z'), "{t}");
        }
        assert_eq!(doc["sources"]["notes"].as_array().unwrap().len(), 2);
        assert_eq!(doc["apps"].as_array().unwrap().len(), v.apps.len());
    }
    let doc: serde_json::Value = serde_json::from_str(&json(&watch())).unwrap();
    let lh = &doc["sources"]["login_history"];
    assert_eq!(lh["state"], "missing");
    assert_eq!(lh["remedy"], "'Manage Users' or 'Monitor Login History'");
    assert_eq!(doc["scope"]["manifest"], "manifest/pkce-step2-apps.xml");
    let doc: serde_json::Value = serde_json::from_str(&json(&rollback())).unwrap();
    let portal = &doc["apps"][0];
    assert_eq!(portal["failures"][0]["class"], "pkce");
    assert_eq!(
        portal["failures"][0]["code"],
        "LOGIN_OAUTH_INVALID_CODE_VERIFIER"
    );
    assert!(portal["failures"][0]["meaning"]
        .as_str()
        .unwrap()
        .contains("code_verifier"));
    assert_eq!(portal["before"]["usual_gap"]["at_most_hours"], 6.0);
    assert_eq!(portal["next"]["action"], "rollback");
    assert_eq!(portal["next"]["commands"].as_array().unwrap().len(), 6);
    let field = &doc["apps"][1];
    assert_eq!(field["before"]["usual_gap"]["at_least_hours"], 30.0);
    assert_eq!(field["before"]["usual_gap"]["at_most_hours"], 50.0);
}

#[test]
fn a_usual_gap_is_said_in_days_hours_and_minutes() {
    let g = |a: i64, b: i64| Gap {
        at_least: pkce_audit_model::verify::rhythm::FINEST_BUCKET * a as i32,
        at_most: pkce_audit_model::verify::rhythm::FINEST_BUCKET * b as i32,
    };
    assert_eq!(gap_words(&g(45, 45)), "45m");
    assert_eq!(
        gap_words(&g(60 * 26, 60 * 26 + 5)),
        "between 1d 2h and 1d 2h 5m"
    );
    assert_eq!(gap_words(&g(0, 0)), "0m");
}
