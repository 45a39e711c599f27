use super::*;
use crate::rules::Severity;
use crate::suggest::edit_distance;

fn finding(rule: &str, app: Option<&str>) -> Finding {
    assert!(crate::rules::rule(rule).is_some(), "{rule}");
    Finding::bare(rule, app)
}

const FILE: &str = r#"# reviewed by the CAB on 2026-11-02
[[waiver]]
rule = "app-pkce-not-required"
app = "ERP_Integration"
reason = "JWT only"
approved_by = "jane@example.com"
expires = 2026-12-31

[[waiver]]
rule = "org-user-agent-flow-allowed"
app = "*"
reason = "mobile app migrates in Q1"
approved_by = "cab"
expires = "2026-01-01"

[[waiver]]
rule = "insecure-callback-url"
app = "Gone_App"
reason = "r"
approved_by = "b"
expires = 2030-01-01
"#;

#[test]
fn parses_dates_in_both_spellings_with_lines() {
    let w = parse(FILE, Path::new("pkce-audit.toml")).unwrap();
    assert_eq!(w.len(), 3);
    assert_eq!((w[0].line, w[1].line, w[2].line), (2, 9, 16));
    assert_eq!(w[1].expires, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
}

#[test]
fn applies_valid_waivers_and_reports_expired_and_unused() {
    let waivers = parse(FILE, Path::new("w.toml")).unwrap();
    let mut f = vec![
        finding("app-pkce-not-required", Some("ERP_Integration")),
        finding("app-pkce-not-required", Some("Other")),
        finding("org-user-agent-flow-allowed", None),
    ];
    let counts = apply(
        &mut f,
        &waivers,
        &[],
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    );
    assert_eq!(
        counts,
        Counts {
            applied: 1,
            expired: 1,
            unused: 1
        }
    );
    assert_eq!(f[0].waived.as_ref().unwrap().reason, "JWT only");
    assert!(f[1].waived.is_none(), "other apps are not covered");
    assert!(f[2].waived.is_none(), "expired waivers do not apply");
    let expired = f.iter().find(|x| x.rule == RuleId::WaiverExpired).unwrap();
    assert!(
        expired.message.contains("(w.toml:9) expired on 2026-01-01"),
        "{}",
        expired.message
    );
    assert_eq!(expired.location.as_ref().unwrap().line, 9);
    assert_eq!(expired.severity, Severity::Low);
    let unused = f.iter().find(|x| x.rule == RuleId::WaiverUnused).unwrap();
    assert_eq!(unused.app.as_deref(), Some("Gone_App"));
    // A waiver is still valid on its expiry day.
    let mut g = vec![finding("org-user-agent-flow-allowed", None)];
    apply(
        &mut g,
        &waivers[1..2],
        &[],
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    );
    assert!(g[0].waived.is_some());
}

#[test]
fn malformed_files_name_the_line() {
    let err = |text: &str| parse(text, Path::new("w.toml")).unwrap_err().to_string();
    // One entry, valid but for the fields given.
    let entry = |rule: &str, reason: &str, expires: &str| {
        err(&format!("[[waiver]]\nrule = \"{rule}\"\napp = \"A\"\nreason = \"{reason}\"\napproved_by = \"b\"\nexpires = {expires}\n"))
    };
    let ok_rule = "app-pkce-not-required";
    let e = entry(ok_rule, "r", "2026-13-01");
    assert!(e.starts_with("w.toml:6:16: "), "{e}");
    let e = entry("no-such-rule", "r", "2026-01-01");
    assert_eq!(e, "w.toml:2:8: unknown rule 'no-such-rule'");
    let e = entry("app-pkce-not-requird", "r", "2026-01-01");
    assert_eq!(
        e,
        "w.toml:2:8: unknown rule 'app-pkce-not-requird' (did you mean 'app-pkce-not-required'?)"
    );
    let e = entry(ok_rule, " ", "2026-01-01");
    assert!(
        e.starts_with("w.toml:4:10: ") && e.contains("`reason` must not be empty"),
        "{e}"
    );
    let e = entry(ok_rule, "r", "\"next year\"");
    assert!(
        e.starts_with("w.toml:6:11: ") && e.contains("not 'next year'"),
        "{e}"
    );
    let e = err("[[waiver]]\nrule = \"app-pkce-not-required\"\nreason = \"r\"\n");
    assert!(
        e.starts_with("w.toml:1:1: ") && e.contains("missing field"),
        "{e}"
    );
    let e = err("[[waiver]]\nrul = 1\n");
    assert!(e.contains("w.toml:2:") || e.contains("w.toml:1:"), "{e}");
    assert!(err("this is = = not toml").starts_with("w.toml:1:"));
    // A syntax error: TOML's message spans lines (and its Display adds a snippet with
    // carets); here it is one line, with the column, in characters.
    let e = err("# é\n[[waiver]\nrule = \"x\"\n");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.starts_with("w.toml:2:9: invalid table header; expected"),
        "{e}"
    );
    assert!(!e.contains('^'), "{e}");
}

fn app(name: &str, label: Option<&str>) -> App {
    serde_json::from_value(serde_json::json!({
        "name": name, "label": label, "kind": "connected-app", "owner": "org",
        "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
        "callback_urls": [], "files": [],
    }))
    .unwrap()
}

fn waiver(app: &str) -> Waiver {
    Waiver {
        rule: RuleId::AppPkceNotRequired,
        app: app.into(),
        reason: "r".into(),
        approved_by: "b".into(),
        expires: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
        file: "proj/pkce-audit.toml".into(),
        line: 12,
    }
}

fn unused_message(w: Waiver, apps: &[App]) -> String {
    let mut f = vec![finding("app-pkce-not-required", Some("ERP_Integration"))];
    let counts = apply(
        &mut f,
        &[w],
        apps,
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    );
    assert_eq!(counts.unused, 1);
    f.pop().unwrap().message
}

#[test]
fn edit_distance_counts_swaps_as_one() {
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("erp_integration", "erp_intergation"), 1);
    assert_eq!(edit_distance("same", "same"), 0);
    assert_eq!(edit_distance("ab", "ba"), 1);
}

#[test]
fn an_unknown_app_suggests_the_closest_name_or_label() {
    let apps = [
        app("ERP_Integration", Some("ERP Integration")),
        app("Customer_Portal", Some("Customer Portal")),
        app("Mobile_App", None),
    ];
    let m = unused_message(waiver("ERP_Intergation"), &apps);
    assert_eq!(
        m,
        "The waiver for app-pkce-not-required on ERP_Intergation (proj/pkce-audit.toml:12) matches no app in this audit; did you mean ERP_Integration?"
    );
    // Case and labels count: the API name is what the waiver needs.
    assert!(
        unused_message(waiver("customer portal"), &apps).ends_with("did you mean Customer_Portal?")
    );
    assert!(unused_message(waiver("mobile_app"), &apps).ends_with("did you mean Mobile_App?"));
    // Too far from every app: no guess.
    let m = unused_message(waiver("Gone_App"), &apps);
    assert!(
        m.ends_with("no app has a similar name; correct or remove it."),
        "{m}"
    );
    // A short name gets at most two edits.
    assert!(unused_message(waiver("Mob"), &[app("Mobile", None)]).contains("no app has"));
    assert!(unused_message(waiver("Mobie"), &[app("Mobile", None)]).ends_with("Mobile?"));
    // A known app without a finding for the rule: nothing to suggest.
    let m = unused_message(waiver("Mobile_App"), &apps);
    assert_eq!(
        m,
        "The waiver for app-pkce-not-required on Mobile_App (proj/pkce-audit.toml:12) matches no finding; remove it."
    );
}
