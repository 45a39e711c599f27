use super::*;
use pkce_audit_model::metadata::MetadataType;
use pkce_audit_model::rules::{Severity, Verdict};
use pkce_audit_test_org::reports::of_components as report_of;

const SETTINGS: (MetadataType, &str, &str) = (
    MetadataType::OauthOidcSettings,
    "OauthOidc",
    "<OauthOidcSettings><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow></OauthOidcSettings>",
);

#[test]
fn csv_cells_that_start_a_formula_are_neutralised() {
    for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
        assert!(neutralise(bad).starts_with('\''), "{bad:?}");
    }
    assert_eq!(neutralise("ok=1"), "ok=1");
    assert_eq!(neutralise(""), "");
    // An app label is outside input: it must come out as text.
    let r = report_of(&[(
        MetadataType::ConnectedApp,
        "Evil",
        "<ConnectedApp><label>=HYPERLINK(\"http://x\")</label><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>",
    )]);
    let text = csv(&r);
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(!text.starts_with('\u{feff}'), "no BOM");
}

#[test]
fn csv_has_the_contract_columns_and_one_row_per_finding() {
    let r = report_of(&[SETTINGS, (
        MetadataType::ConnectedApp,
        "Web",
        "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>",
    )]);
    let text = csv(&r);
    let mut rd = ::csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "rule",
        "severity",
        "blocker",
        "app",
        "label",
        "kind",
        "owner",
        "namespace",
        "pkce_required",
        "message",
        "remediation",
    ] {
        assert!(headers.contains(&col.to_string()), "missing {col}");
    }
    let rows: Vec<::csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), r.findings.len());
    let first = &rows[0];
    assert_eq!(&first[0], "app-pkce-not-required");
    assert_eq!(&first[2], "true");
    assert_eq!(&first[8], "false");
    assert_eq!(&first[11], "Web.xml");
}

#[test]
fn json_has_the_contract_shape() {
    let r = report_of(&[
        SETTINGS,
        (
            MetadataType::ExternalClientApplication,
            "E",
            "<ExternalClientApplication><label>E app</label></ExternalClientApplication>",
        ),
    ]);
    let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(v["verdict"], "incomplete");
    assert!(v["org_settings"]["is_pkce_required"].is_boolean());
    let app = &v["apps"][0];
    assert_eq!(app["name"], "E");
    assert_eq!(app["kind"], "external-client-app");
    assert_eq!(app["owner"], "org");
    assert!(app["pkce_required"].is_null());
    assert!(app["flows"].is_null());
    let f = v["findings"].as_array().unwrap();
    let unknown = f.iter().find(|f| f["rule"] == "app-pkce-unknown").unwrap();
    assert_eq!(unknown["app"], "E");
    assert_eq!(unknown["blocker"], false);
    let org = f
        .iter()
        .find(|f| f["rule"] == "org-pkce-not-enforced")
        .unwrap();
    assert!(org["app"].is_null());
    assert!(v["incomplete"].is_array());
    // The report reads back (diff relies on it).
    let back: Report = serde_json::from_value(v).unwrap();
    assert_eq!(back.findings, r.findings);
}

#[test]
fn summary_groups_blockers_by_owner() {
    let r = report_of(&[
        SETTINGS,
        (MetadataType::ConnectedApp, "W", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
        (MetadataType::ConnectedApp, "ns__A", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
        (MetadataType::ConnectedApp, "ns__B", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
    ]);
    assert_eq!(r.summary.org_apps_to_fix, ["W"]);
    assert_eq!(r.summary.isv_actions.len(), 1);
    assert_eq!(r.summary.isv_actions[0].namespace, "ns");
    assert_eq!(r.summary.isv_actions[0].apps, ["ns__A", "ns__B"]);
    assert_eq!(r.summary.blockers, 3);
    assert_eq!(r.summary.by_severity[&Severity::High], 3);
}

#[test]
fn words_wrap_by_display_width_and_a_longer_word_stays_whole() {
    // Each of these characters takes two columns.
    assert_eq!(wrap_words("日本 日本 日本", 10, 10), ["日本 日本", "日本"]);
    assert_eq!(
        wrap_words("a ExtlClntAppGlobalOauthSettings b", 8, 8),
        ["a", "ExtlClntAppGlobalOauthSettings", "b"]
    );
    assert_eq!(wrap_words("one two three", 3, 9), ["one", "two three"]);
    assert_eq!(wrap_words("", 5, 5), [""]);
    assert_eq!(
        wrap_paragraphs("a paragraph of words\n  - an item of words\n", 12),
        "a paragraph\nof words\n  - an item\n    of words\n"
    );
}

#[test]
fn prose_wraps_with_a_hanging_indent_and_long_name_lists_are_capped() {
    let long = format!("  - {}", "word ".repeat(60));
    let w = wrap_prose(&long, 40);
    assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
    assert!(w.lines().skip(1).all(|l| l.starts_with("    ")), "{w}");
    assert_eq!(w.split_whitespace().count(), 61);
    let table_line = format!("│{}│", "x".repeat(120));
    assert_eq!(
        wrap_prose(&table_line, 40).trim_end(),
        table_line,
        "tables are left alone"
    );
    let parts: Vec<(MetadataType, String, String)> = (0..30)
        .map(|i| {
            (
                MetadataType::ConnectedApp,
                format!("App_{i:02}"),
                "<ConnectedApp><samlConfig><acsUrl>x</acsUrl></samlConfig></ConnectedApp>"
                    .to_string(),
            )
        })
        .collect();
    let refs: Vec<(MetadataType, &str, &str)> = parts
        .iter()
        .map(|(t, n, x)| (*t, n.as_str(), x.as_str()))
        .collect();
    let t = table(&report_of(&refs), 100);
    assert!(
        t.contains("… and 18 more (CSV and JSON list them all)"),
        "{t}"
    );
}

#[test]
fn table_fits_100_columns_and_groups_by_owner() {
    let r = report_of(&[
        SETTINGS,
        (MetadataType::ConnectedApp, "A_Rather_Long_Connected_App_Name", "<ConnectedApp><oauthConfig><callbackUrl>http://insecure.example.com/cb</callbackUrl><isConsumerSecretOptional>true</isConsumerSecretOptional><isCodeCredentialEnabled>true</isCodeCredentialEnabled></oauthConfig></ConnectedApp>"),
        (MetadataType::ConnectedApp, "vendor__X", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
    ]);
    let t = table(&r, 100);
    for line in t.lines() {
        // Every line: tables and prose alike.
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert!(t.contains("Verdict: NOT READY"));
    assert!(t.contains("Our org's apps"));
    assert!(t.contains("ISV package namespace 'vendor'"));
    assert!(
        t.contains("A_Rather_Long_Connected_App_Name"),
        "names are not broken"
    );
}

/// Text that would recolour or clear a terminal, reverse what a reader sees, and start a
/// heading, a checked task and a table row in Markdown.
const HOSTILE: &str =
    "\u{1b}[31m\u{9b}2J\u{7}\u{202e}\u{2066}\n# Pwned\r\n- [x] done\r| row |`\u{2028}## x\u{85}y";

/// Every string of `v` (values and object keys) with HOSTILE appended, where the value
/// still reads back as a `T` (enum values and enum keys do not).
fn poison<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &mut serde_json::Value,
    root: &serde_json::Value,
    path: &mut Vec<String>,
) {
    use serde_json::Value;
    let reads = |candidate: &Value| serde_json::from_value::<T>(candidate.clone()).is_ok();
    match v {
        Value::String(s) => {
            let mut whole = root.clone();
            let target = path.iter().fold(&mut whole, |at, key| match at {
                Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
                other => &mut other[key.as_str()],
            });
            *target = Value::String(format!("{s}{HOSTILE}"));
            if reads(&whole) {
                s.push_str(HOSTILE);
            }
        }
        Value::Array(a) => {
            for (i, item) in a.iter_mut().enumerate() {
                path.push(i.to_string());
                poison::<T>(item, root, path);
                path.pop();
            }
        }
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                path.push(k.clone());
                poison::<T>(o.get_mut(&k).unwrap(), root, path);
                path.pop();
                // The key itself, when a map may hold any key.
                let mut whole = root.clone();
                let parent = path.iter().fold(&mut whole, |at, key| match at {
                    Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
                    other => &mut other[key.as_str()],
                });
                if let Value::Object(m) = parent {
                    let val = m.remove(&k).unwrap();
                    m.insert(format!("{k}{HOSTILE}"), val);
                }
                // A struct field renamed would be dropped, not shown: only map keys count.
                let key = serde_json::to_string(&format!("{k}{HOSTILE}")).unwrap();
                let kept = serde_json::from_value::<T>(whole)
                    .is_ok_and(|r| serde_json::to_string(&r).unwrap().contains(&key));
                if kept {
                    let val = o.remove(&k).unwrap();
                    o.insert(format!("{k}{HOSTILE}"), val);
                }
            }
        }
        _ => {}
    }
}

/// A report with every part a renderer shows: evidence, usage, users, packages, waivers,
/// problems, notes, API traffic.
fn rich_report() -> serde_json::Value {
    let r = pkce_audit_test_org::reports::of_fixture("demo-org");
    let mut v = serde_json::to_value(&r).unwrap();
    v["scope"]["evidence"] = serde_json::json!({"window_days": 90, "sources": {
        "LoginHistory": {"state": "read", "rows": 85, "partial": true, "method": "aggregate"},
        "OauthToken": {"state": "missing", "reason": "denied", "remedy": "grant it"}}});
    for app in v["apps"].as_array_mut().unwrap() {
        app["usage"] = serde_json::json!({"window_days": 90, "tokens": 2, "users": 3,
            "use_count": 4, "tokens_used_in_window": 1, "last_used": "2026-01-01",
            "flows": [{"flow": "authorization-code", "logins": 5, "last_seen": "2026-01-02"},
                      {"flow": "username-password", "logins": 2, "last_seen": "2026-01-03"},
                      {"flow": "user-agent", "logins": 1, "last_seen": "2026-01-04"}],
            "partial": true});
        app["users"] =
            serde_json::json!(["a@x.example", "b@x.example", "c@x.example", "d@x.example"]);
        app["package"] = serde_json::json!({"namespace": "ns", "name": "Pkg", "version": "1.2"});
    }
    let findings = v["findings"].as_array_mut().unwrap();
    findings[0]["waived"] = serde_json::json!({"reason": "vendor fix due", "approved_by": "ciso", "expires": "2027-01-01"});
    v["incomplete"] = serde_json::json!([{"kind": "unreadable", "component": "ConnectedApp X", "file": "a/b.xml",
        "line": 3, "reason": "broken", "remedy": "fix it"}]);
    v["notes"] = serde_json::json!(["a note"]);
    v["api"] = serde_json::json!({"calls": {"listMetadata": 2}, "retries": 1,
        "org_api_used": 5, "org_api_limit": 10});
    serde_json::from_value::<Report>(v.clone()).expect("the rich report reads");
    v
}

#[test]
fn every_string_of_a_report_is_shown_safely_in_every_format() {
    let clean = rich_report();
    let mut v = clean.clone();
    poison::<Report>(&mut v, &clean, &mut Vec::new());
    let poisoned = v.to_string().matches("# Pwned").count();
    assert!(poisoned > 200, "most strings carry the payload: {poisoned}");
    let r: Report = serde_json::from_value(v).unwrap();
    assert!(r.notes[0].ends_with(HOSTILE) && r.api.is_some() && !r.incomplete.is_empty());
    // Evidence sources are a closed vocabulary: a source named otherwise is left out when
    // read, so no hostile name of one can reach a renderer.
    assert!(!r.scope.evidence.as_ref().unwrap().sources.is_empty());
    assert_safe(&[
        ("table", table(&r, 100)),
        ("csv", csv(&r)),
        ("csv apps", csv_apps(&r)),
        ("markdown", markdown(&r)),
        ("sarif", sarif(&r)),
        ("json", json(&r)),
    ]);
    // The CSV has one record per finding, each on one line of text.
    assert_eq!(csv(&r).lines().count(), r.findings.len() + 1);
    assert_eq!(csv_apps(&r).lines().count(), r.apps.len() + 1);
}

/// The diff of two reports, every string of it hostile, in each of its formats.
#[test]
fn every_string_of_a_diff_is_shown_safely_in_every_format() {
    let old: Report = serde_json::from_value(rich_report()).unwrap();
    // Read back as `diff` reads reports.
    let old = pkce_audit_model::diff::read::Report::from(&old);
    let mut new = old.clone();
    new.findings.remove(0);
    new.findings[0].waived = None;
    new.findings[1].blocker = !new.findings[1].blocker;
    new.apps.remove(0);
    new.apps[0].pkce_required = None;
    let mut added = old.apps[1].clone();
    added.name = "Added".into();
    new.apps.push(added);
    let mut f = old.findings[2].clone();
    f.rule = pkce_audit_model::diff::read::Lenient::Unknown("new-rule".into());
    new.findings.push(f);
    new.verdict = Some(Verdict::Enforced);
    let mut d = pkce_audit_model::diff::compare(&old, &new);
    // And a finding and an app the new run could not read, each with its reason.
    use pkce_audit_model::diff::{ChangedFinding, NotReadApp};
    d.findings.not_read.push(ChangedFinding {
        finding: old.findings[3].clone(),
        note: Some("not read in the new run: a/b.xml: broken".into()),
    });
    d.apps.not_read.push(NotReadApp {
        app: (&old.apps[1]).into(),
        note: "not read in the new run: a/b.xml: broken".into(),
    });
    let clean = serde_json::to_value(d).unwrap();
    let mut v = clean.clone();
    poison::<pkce_audit_model::diff::Diff>(&mut v, &clean, &mut Vec::new());
    let d: pkce_audit_model::diff::Diff = serde_json::from_value(v).unwrap();
    assert!(!d.findings.resolved.is_empty() && !d.findings.new.is_empty());
    assert!(!d.apps.added.is_empty() && !d.apps.pkce_changed.is_empty());
    assert!(
        d.apps.not_read[0].note.ends_with(HOSTILE),
        "{:?}",
        d.apps.not_read
    );
    assert!(d.apps.not_read[0].app.name.ends_with(HOSTILE));
    use super::diff::{render, Format};
    assert_safe(&[
        ("diff table", render(&d, Format::Table, 100)),
        ("diff markdown", render(&d, Format::Markdown, 100)),
        ("diff json", render(&d, Format::Json, 100)),
    ]);
}

/// No control or bidirectional character, no line the payload started, and Markdown
/// tables whole.
fn assert_safe(outputs: &[(&str, String)]) {
    let forbidden = |c: char| {
        (c.is_control() && c != '\n')
            || super::text::is_bidi_control(c)
            || matches!(c, '\u{2028}' | '\u{2029}')
    };
    for (name, out) in outputs {
        let name = *name;
        if let Some((i, c)) = out.char_indices().find(|(_, c)| forbidden(*c)) {
            let from = out[..i].rfind('\n').map_or(0, |n| n + 1);
            panic!(
                "{name}: U+{:04X} in {:?}",
                c as u32,
                &out[from..(i + 40).min(out.len())]
            );
        }
        for line in out.lines() {
            // Markdown still reads a line indented by up to three spaces as a heading or an
            // item; the table's indented lines are its own wrapped prose.
            let t = if name.ends_with("markdown") {
                line.trim_start_matches(' ')
            } else {
                line
            };
            assert!(
                !(t.starts_with("# Pwned")
                    || t.starts_with("- [x] done")
                    || t.starts_with("| row")
                    || t.starts_with("## x")),
                "{name}: an injected line: {line}"
            );
        }
        if name.ends_with("markdown") {
            let mut cells = None;
            for line in out.lines() {
                if !line.starts_with('|') {
                    cells = None;
                    continue;
                }
                let mut n = 0usize;
                let mut escaped = false;
                for c in line.chars() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '|' if !escaped => n += 1,
                        _ => escaped = false,
                    }
                }
                assert_eq!(*cells.get_or_insert(n), n, "a row with other cells: {line}");
            }
        }
    }
}

#[test]
fn call_counts_keep_the_order_of_names() {
    let mut u = ApiUsage::default();
    *u.calls.entry(CallKind::Query).or_default() += 1;
    u.calls.record(CallKind::ListMetadata);
    u.calls.record(CallKind::QueryMore);
    *u.calls.entry(CallKind::Token).or_default() += 2;
    assert_eq!(
        serde_json::to_string(&u.calls).unwrap(),
        r#"{"listMetadata":1,"query":1,"queryMore":1,"token":2}"#
    );
    assert_eq!(u.total(), 5);
    assert_eq!(u.calls.get(&CallKind::Query), Some(1));
    let back: ApiUsage = serde_json::from_value(serde_json::to_value(&u).unwrap()).unwrap();
    assert_eq!(back, u);
}

#[test]
fn a_waived_blocker_where_pkce_is_enforced_stays_with_its_owner() {
    let enforced = (
        MetadataType::OauthOidcSettings,
        "OauthOidc",
        "<OauthOidcSettings><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow><isPkceRequired>true</isPkceRequired></OauthOidcSettings>",
    );
    let app = "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>";
    let waive = |r: &mut Report| {
        for f in r.findings.iter_mut().filter(|f| f.blocker) {
            f.waived = Some(pkce_audit_model::rules::Waived {
                reason: "r".into(),
                approved_by: "a".into(),
                expires: "2099-01-01".into(),
            });
        }
        r.refresh();
    };
    let mut r = report_of(&[
        enforced,
        (MetadataType::ConnectedApp, "W", app),
        (MetadataType::ConnectedApp, "ns__A", app),
    ]);
    waive(&mut r);
    assert_eq!(r.verdict(), Verdict::Enforced);
    assert!(
        r.verdict_reason.contains(
            "2 waived blocking finding(s) on 2 app(s) likely fail at their next authorization"
        ),
        "{}",
        r.verdict_reason
    );
    assert!(r
        .findings
        .iter()
        .filter(|f| f.blocker)
        .all(|f| f.likely_failing && f.waived_but_failing()));
    assert_eq!(
        (
            r.summary.blockers,
            r.summary.waived,
            r.summary.waived_failing
        ),
        (0, 2, 2)
    );
    assert_eq!(r.summary.org_apps_to_fix, ["W"]);
    assert_eq!(r.summary.isv_actions[0].namespace, "ns");
    assert_eq!(r.summary.isv_actions[0].apps, ["ns__A"]);

    // Before the setting is on, the same waivers defer the blockers.
    let mut r = report_of(&[
        SETTINGS,
        (MetadataType::ConnectedApp, "W", app),
        (MetadataType::ConnectedApp, "ns__A", app),
    ]);
    waive(&mut r);
    assert!(r.findings.iter().all(|f| !f.likely_failing));
    assert_eq!(r.summary.waived_failing, 0);
    assert!(r.summary.org_apps_to_fix.is_empty() && r.summary.isv_actions.is_empty());
}

/// The painted table without its escapes.
fn unpainted(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// An app named BLOCKER whose message reads like severities: as a table (wide) and as
/// lists (narrow).
fn hostile_words() -> Report {
    let mut r = report_of(&[SETTINGS, (
        MetadataType::ConnectedApp,
        "BLOCKER",
        "<ConnectedApp><label>high critical BLOCKER</label><oauthConfig><callbackUrl>https://x</callbackUrl><isPkceRequired>false</isPkceRequired></oauthConfig></ConnectedApp>",
    )]);
    for f in &mut r.findings {
        f.message = format!("high BLOCKER critical {}", f.message);
    }
    r
}

#[test]
fn colour_changes_no_visible_character() {
    let opts = |width, color| RenderOptions {
        width,
        color,
        ..RenderOptions::default()
    };
    for r in [
        hostile_words(),
        pkce_audit_test_org::reports::of_fixture("demo-org"),
    ] {
        for width in [30, 60, 100, 160] {
            let painted = render(&r, Format::Table, opts(width, true));
            let plain = render(&r, Format::Table, opts(width, false));
            assert_ne!(painted, plain);
            assert_eq!(unpainted(&painted), plain, "{width}");
        }
    }
}

#[test]
fn only_the_renderers_own_words_are_painted() {
    const BLOCKER: &str = "\x1b[1;7;31mBLOCKER\x1b[0m";
    const HIGH: &str = "\x1b[31mhigh\x1b[0m";
    let r = hostile_words();
    let verdict = "Verdict: \x1b[1;31mNOT READY\x1b[0m — ";
    // Wide: tables. The apps table paints its Findings column, a findings table its
    // Severity column; the name BLOCKER and the message stay plain.
    let wide = table::styled(&r, 160).paint(true);
    assert!(wide.contains(verdict), "{wide}");
    let row = wide
        .lines()
        .find(|l| l.starts_with("│ BLOCKER "))
        .expect("the app's row");
    assert!(row.ends_with(&format!(": {HIGH}, {BLOCKER} │")), "{row}");
    let finding = wide
        .lines()
        .find(|l| l.starts_with(&format!("│ {HIGH} ")))
        .expect("a finding's row");
    assert!(
        finding.contains("┆ BLOCKER ") && finding.contains("high BLOCKER critical"),
        "{finding}"
    );
    // Narrow: lists. The entry's head (the name) stays plain; the findings line and a
    // finding's severity and weight are painted; the message is not.
    let narrow = table::styled(&r, 40).paint(true);
    assert!(narrow.contains(verdict), "{narrow}");
    assert!(
        narrow.lines().any(|l| l.starts_with("BLOCKER — CA")),
        "{narrow}"
    );
    assert!(
        narrow
            .lines()
            .any(|l| l.starts_with(&format!("{HIGH} {BLOCKER} · BLOCKER ·"))),
        "{narrow}"
    );
    for l in narrow.lines().chain(wide.lines()) {
        if l.contains("high BLOCKER critical") {
            assert!(!l.contains(&format!("{HIGH} {BLOCKER} critical")), "{l}");
        }
    }
}

#[test]
fn dates_that_matter_are_sorted_and_their_links_hold_no_character_reference() {
    let r = report_of(&[SETTINGS]);
    let md = markdown(&r);
    let table = md
        .split_once("## Dates that matter\n")
        .unwrap()
        .1
        .trim_start()
        .split("\n\n")
        .next()
        .unwrap();
    // The rows are the report's deadlines, in date order (undated last).
    let when: Vec<&str> = table
        .lines()
        .skip(2)
        .map(|row| row.split(" | ").next().unwrap().trim_start_matches("| "))
        .collect();
    assert_eq!(when.len(), r.deadlines.len());
    let dates: Vec<Option<String>> = r.deadlines.iter().map(|d| d.sort_date()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by_key(|d| (d.is_none(), d.clone()));
    assert_eq!(dates, sorted);
    for (w, d) in when.iter().zip(&r.deadlines) {
        assert_eq!(*w, crate::md::text(&d.when()));
    }
    // Every link the plan writes is free of references a renderer might decode.
    for link in md.split('<').skip(1).filter_map(|s| s.split_once('>')) {
        assert!(!crate::md::has_char_ref(link.0), "{}", link.0);
    }
    assert!(md.contains("<https://"), "the plan links its sources");
}

#[test]
fn next_actions_end_the_table_numbered_with_commands_unbroken() {
    let r = report_of(&[(
        MetadataType::OauthOidcSettings,
        "OauthOidc",
        "<OauthOidcSettings><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow></OauthOidcSettings>",
    ), (
        MetadataType::ConnectedApp,
        "Done",
        "<ConnectedApp><oauthConfig><callbackUrl>https://x.example/cb</callbackUrl><isPkceRequired>true</isPkceRequired></oauthConfig></ConnectedApp>",
    )]);
    assert_eq!(r.verdict(), Verdict::Ready, "{:?}", r.verdict_reason);
    let command = r.next_actions[0].command.clone().unwrap();
    for width in [60u16, 100] {
        let text = table(&r, width);
        let tail = text.split_once("\nNext actions\n").unwrap().1;
        assert!(tail.starts_with("  1. "), "{tail}");
        assert!(tail.contains(&format!("     $ {command}\n")), "{tail}");
        for line in tail.lines().filter(|l| !l.trim_start().starts_with("$ ")) {
            assert!(line.chars().count() <= width as usize, "{line}");
        }
    }
    let md = markdown(&r);
    let verdict = md.find("## Verdict").unwrap();
    let next = md.find("## Next actions").unwrap();
    assert!(verdict < next && next < md.find("## Summary by owner").unwrap());
    assert!(md.contains(&format!(
        "1. {}",
        crate::md::inline(&r.next_actions[0].text)
    )));
}

#[test]
fn markdown_step_3_says_what_the_verdict_says() {
    let r = pkce_audit_test_org::reports::ready_but_unknown();
    assert_eq!(r.verdict(), Verdict::Incomplete);
    let md = markdown(&r);
    let step3 = &md[md.find("### Step 3").unwrap()..];
    let step3 = &step3[..step3.find("\n## ").unwrap()];
    assert!(
        step3.contains("Status: **not yet: the audit is incomplete**"),
        "{step3}"
    );
    assert!(!step3.contains("No blocker remains"), "{step3}");
    let ready = markdown(&pkce_audit_test_org::reports::of_fixture("ready-org"));
    assert!(ready.contains("Status: **ready to turn on**"));
}
