//! `pkce-audit diff` on real reports: each one written by `pkce-audit audit --json` on a
//! fixture, or on a copy of one changed the way an admin would change the org.

use crate::hostile_input;

use crate::harness::{pkce, Run};
use pkce_audit_model::diff::Diff;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const DEMO: &str = "force-app/main/default/connectedApps";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

use crate::live_support::copy_dir;

mod not_read;

/// A scratch folder. Commands run inside it, so scopes say `before`, not a temp path, and
/// no `pkce-audit.toml` from the repository applies.
struct Work {
    dir: TempDir,
}

impl Work {
    fn new() -> Self {
        Work {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Copies a fixture under a new name.
    fn org(&self, fixture_name: &str, name: &str) -> PathBuf {
        let to = self.path(name);
        copy_dir(&fixture(fixture_name), &to);
        to
    }

    fn run(&self, args: &[&str]) -> Run {
        pkce().dir(self.dir.path()).args(args).run()
    }

    /// `audit --json` on a folder of the scratch dir; the report is saved as `<name>.json`.
    fn audit(&self, name: &str) -> String {
        let o = self.run(&["audit", "--source", name, "--json"]);
        let file = format!("{name}.json");
        serde_json::from_str::<Value>(&o.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", o.stderr.as_str()));
        std::fs::write(self.path(&file), &o.stdout).unwrap();
        file
    }

    /// Edits a saved report in place.
    fn edit(&self, file: &str, f: impl FnOnce(&mut Value)) {
        let path = self.path(file);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    }

    /// Pins what differs from run to run (read time, tool version) so outputs can be
    /// snapshotted. "Last week" and "today", as a board would compare them.
    fn pin(&self, old: &str, new: &str) {
        for (file, at) in [(old, "2025-01-06T09:00:00Z"), (new, "2025-01-13T09:00:00Z")] {
            self.edit(file, |v| {
                v["scope"]["generated_at"] = at.into();
                v["tool"]["version"] = "[version]".into();
            });
        }
    }

    fn diff(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["diff"];
        all.extend_from_slice(args);
        let o = self.run(&all);
        (o.code, o.stdout, o.stderr)
    }

    /// `diff --format json`, parsed into the library's own type.
    fn diff_json(&self, old: &str, new: &str) -> (i32, Diff) {
        let (code, out, err) = self.diff(&[old, new, "--format", "json"]);
        let d = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}\n{err}"));
        (code, d)
    }
}

fn has(list: &[pkce_audit_model::diff::ChangedFinding], rule: &str, app: Option<&str>) -> bool {
    list.iter()
        .map(|c| &c.finding)
        .any(|f| f.rule.as_str() == rule && f.app.as_deref() == app)
}

fn set_pkce_required(org: &Path, file: &str) {
    let path = org.join(DEMO).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replace(
        "<isPkceRequired>false</isPkceRequired>",
        "<isPkceRequired>true</isPkceRequired>",
    );
    assert_ne!(text, changed, "{file} has isPkceRequired false");
    std::fs::write(path, changed).unwrap();
}

/// Adds a Connected App like Customer_Portal (web server flow, no PKCE): a new blocker.
fn add_app(org: &Path, name: &str) {
    let dir = org.join(DEMO);
    let text = std::fs::read_to_string(dir.join("Customer_Portal.connectedApp-meta.xml")).unwrap();
    std::fs::write(
        dir.join(format!("{name}.connectedApp-meta.xml")),
        text.replace(
            "<label>Customer Portal</label>",
            "<label>Partner Portal</label>",
        ),
    )
    .unwrap();
}

/// Demo org before, and after the week's work: ERP_Integration requires PKCE, Headless_Login
/// was deleted, and someone added Partner_Portal without PKCE.
fn mixed_week() -> Work {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    set_pkce_required(&after, "ERP_Integration.connectedApp-meta.xml");
    std::fs::remove_file(
        after
            .join(DEMO)
            .join("Headless_Login.connectedApp-meta.xml"),
    )
    .unwrap();
    add_app(&after, "Partner_Portal");
    w.audit("before");
    w.audit("after");
    w.pin("before.json", "after.json");
    w
}

#[test]
fn requiring_pkce_on_an_app_resolves_its_finding() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    set_pkce_required(&after, "ERP_Integration.connectedApp-meta.xml");
    let (old, new) = (w.audit("before"), w.audit("after"));
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 0, "nothing got worse");
    assert_eq!(d.findings.resolved.len(), 1, "{:#?}", d.findings.resolved);
    let fixed = &d.findings.resolved[0].finding;
    assert_eq!(
        (fixed.rule.as_str(), fixed.app.as_deref()),
        ("app-pkce-not-required", Some("ERP_Integration"))
    );
    // A resolved finding keeps what the old run said about it.
    assert!(fixed.blocker);
    assert_eq!(fixed.severity.as_str(), "high");
    assert!(d.findings.new.is_empty());
    assert!(has(
        &d.findings.still_open,
        "connected-app-legacy",
        Some("ERP_Integration")
    ));
    assert!(d.findings.still_open.iter().all(|f| f.note.is_none()));
    assert_eq!(d.apps.pkce_changed.len(), 1);
    let c = &d.apps.pkce_changed[0];
    assert_eq!(
        (c.name.as_str(), c.kind.as_str(), c.old, c.new),
        ("ERP_Integration", "connected-app", Some(false), Some(true))
    );
    assert!(d.apps.added.is_empty() && d.apps.removed.is_empty());
    assert!(!d.verdict_changed);
    assert_eq!((d.old.blockers, d.new.blockers), (8, 7));
    assert_eq!(d.new_blockers, 0);
}

#[test]
fn a_new_app_without_pkce_is_a_new_blocker_and_exit_1() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    add_app(&after, "Partner_Portal");
    let (old, new) = (w.audit("before"), w.audit("after"));
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 1);
    assert_eq!(d.new_blockers, 1);
    assert!(has(
        &d.findings.new,
        "app-pkce-not-required",
        Some("Partner_Portal")
    ));
    assert!(has(
        &d.findings.new,
        "connected-app-legacy",
        Some("Partner_Portal")
    ));
    assert_eq!(d.findings.new.len(), 2);
    assert!(d.findings.resolved.is_empty());
    let added: Vec<_> = d.apps.added.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(added, ["Partner_Portal"]);
    assert_eq!(d.apps.added[0].label.as_deref(), Some("Partner Portal"));
    assert_eq!(d.apps.added[0].pkce_required, Some(false));
    // The table says so too; the exit status does not depend on the format.
    let (code, table, _) = w.diff(&[&old, &new]);
    assert_eq!(code, 1);
    assert!(table.contains("new blockers: 1"), "{table}");
}

#[test]
fn deleting_an_app_removes_it_and_resolves_its_findings() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    std::fs::remove_file(
        after
            .join(DEMO)
            .join("Headless_Login.connectedApp-meta.xml"),
    )
    .unwrap();
    let (old, new) = (w.audit("before"), w.audit("after"));
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 0);
    let removed: Vec<_> = d
        .apps
        .removed
        .iter()
        .map(|a| (a.kind.as_str(), a.name.as_str()))
        .collect();
    assert_eq!(removed, [("connected-app", "Headless_Login")]);
    assert!(has(
        &d.findings.resolved,
        "code-credentials-flow-without-pkce",
        Some("Headless_Login")
    ));
    assert!(has(
        &d.findings.resolved,
        "connected-app-legacy",
        Some("Headless_Login")
    ));
    assert_eq!(d.findings.resolved.len(), 2);
    assert!(d.findings.new.is_empty());
    // Org-level findings (app null) are matched like any other.
    assert!(has(
        &d.findings.still_open,
        "org-username-password-flow-allowed",
        None
    ));
}

#[test]
fn demo_to_ready_changes_the_verdict_and_back_fails() {
    let w = Work::new();
    w.org("demo-org", "sandbox");
    w.org("ready-org", "production");
    let (old, new) = (w.audit("sandbox"), w.audit("production"));
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 0);
    assert!(d.verdict_changed);
    assert_eq!(
        (d.old.verdict.as_str(), d.new.verdict.as_str()),
        ("not-ready", "ready")
    );
    assert_eq!(
        (d.old.scope.source.as_str(), d.new.scope.source.as_str()),
        ("sandbox", "production")
    );
    assert_eq!(d.new_blockers, 0);
    assert!(has(&d.findings.still_open, "org-pkce-not-enforced", None));

    let (code, back) = w.diff_json(&new, &old);
    assert_eq!(code, 1, "the demo org's blockers are all new");
    assert_eq!(back.new_blockers, 8);
    assert_eq!(back.new_blockers, back.new.blockers);

    w.pin(&old, &new);
    let (code, table, _) = w.diff(&[&old, &new]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("demo_to_ready_table", table);
}

#[test]
fn enforced_org_compared_with_ready_org() {
    // Enforcement is not the end of the story: an app there without PKCE is a blocker the
    // ready org did not have, so the diff still fails.
    let w = Work::new();
    w.org("ready-org", "ready");
    w.org("enforced-org", "enforced");
    let (old, new) = (w.audit("ready"), w.audit("enforced"));
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(d.new.verdict.as_str(), "enforced");
    assert!(d.verdict_changed);
    assert_eq!(code, i32::from(d.new_blockers > 0));
    assert!(d.new_blockers > 0, "Sales_Dashboard does not require PKCE");
    // ready-org has org-pkce-not-enforced; the enforced org does not.
    assert!(has(&d.findings.resolved, "org-pkce-not-enforced", None));
}

#[test]
fn a_report_compared_with_itself_is_unchanged() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    let findings =
        serde_json::from_str::<Value>(&std::fs::read_to_string(w.path(&report)).unwrap()).unwrap()
            ["findings"]
            .as_array()
            .unwrap()
            .len();
    let (code, d) = w.diff_json(&report, &report);
    assert_eq!(code, 0);
    assert!(d.is_unchanged());
    assert!(!d.verdict_changed);
    assert_eq!(d.new_blockers, 0);
    assert_eq!(d.findings.still_open.len(), findings);
    assert!(d.findings.resolved.is_empty() && d.findings.new.is_empty());
    assert!(d.apps.added.is_empty() && d.apps.removed.is_empty());
    assert!(d.apps.pkce_changed.is_empty());
    for format in ["table", "markdown"] {
        let (code, out, _) = w.diff(&[&report, &report, "--format", format]);
        assert_eq!(code, 0);
        assert!(out.contains("No change"), "{format}: {out}");
    }
}

/// Marks one finding of a saved report as waived.
fn waive(v: &mut Value, rule: &str, app: &str) {
    let f = v["findings"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["rule"] == rule && f["app"] == app)
        .expect("the finding is in the report");
    f["waived"] = serde_json::json!({
        "reason": "client release 4.2 sends PKCE",
        "approved_by": "security@acme.example.com",
        "expires": "2025-03-31"
    });
}

#[test]
fn waiver_changes_are_still_open_with_a_note() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("waived.json")).unwrap();
    w.edit("waived.json", |v| {
        waive(v, "app-pkce-not-required", "Customer_Portal")
    });

    // The waiver expired or was removed: the blocker counts again, so the diff fails.
    let (code, d) = w.diff_json("waived.json", &report);
    assert_eq!(code, 1);
    assert_eq!(d.new_blockers, 1);
    assert!(d.findings.new.is_empty() && d.findings.resolved.is_empty());
    let f = d
        .findings
        .still_open
        .iter()
        .find(|f| f.finding.app.as_deref() == Some("Customer_Portal") && f.finding.blocker)
        .unwrap();
    assert!(
        f.finding.waived.is_none(),
        "still-open findings are as the new run has them"
    );
    let note = f.note.as_deref().unwrap();
    assert!(note.contains("no longer waived"), "{note}");
    assert!(note.contains("client release 4.2"), "{note}");
    assert!(!d.is_unchanged());

    // Waived since: not a regression.
    let (code, d) = w.diff_json(&report, "waived.json");
    assert_eq!(code, 0);
    assert_eq!(d.new_blockers, 0);
    let f = d
        .findings
        .still_open
        .iter()
        .find(|f| f.note.is_some())
        .unwrap();
    assert_eq!(f.finding.app.as_deref(), Some("Customer_Portal"));
    assert!(f.finding.waived.is_some());
    assert!(f.note.as_deref().unwrap().starts_with("waived since"));
    assert_eq!((d.old.blockers, d.new.blockers), (8, 7));
}

#[test]
fn a_changed_waiver_file_is_named() {
    let w = Work::new();
    w.org("demo-org", "demo");
    std::fs::write(
        w.path("demo/pkce-audit.toml"),
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"Customer_Portal\"\nreason = \"r\"\napproved_by = \"cab\"\nexpires = 2999-01-01\n",
    )
    .unwrap();
    let o = w.run(&["audit", "--source", "demo", "--json", "--no-waivers"]);
    std::fs::write(w.path("off.json"), &o.stdout).unwrap();
    let on = w.audit("demo");
    let file = Path::new("demo")
        .join("pkce-audit.toml")
        .display()
        .to_string();
    let (code, d) = w.diff_json("off.json", &on);
    assert_eq!(code, 0);
    assert_eq!(d.waiver_file_change(), Some(("none", file.as_str())));
    assert_eq!(d.new.scope.waiver_file().unwrap().applied, 1);
    let (_, table, _) = w.diff(&["off.json", &on]);
    assert!(
        table.contains(&format!("Waiver file changed: none → {file}\n")),
        "{table}"
    );
    let (_, md, _) = w.diff(&["off.json", &on, "--format", "markdown"]);
    assert!(
        md.contains(&format!("| Waiver file | none | {file} |")),
        "{md}"
    );
    assert!(
        md.contains(&format!("Waiver file changed: none → {file}.")),
        "{md}"
    );
    // The same file on both sides, or a report from before the field: nothing to say.
    let (_, table, _) = w.diff(&[&on, &on]);
    assert!(!table.contains("Waiver file changed"), "{table}");
    w.edit("off.json", |v| {
        v["scope"].as_object_mut().unwrap().remove("waivers");
    });
    let (_, d) = w.diff_json("off.json", &on);
    assert_eq!(d.old.scope.waivers, None);
    assert_eq!(d.waiver_file_change(), None);
    // A shape this version does not know reads as unknown, not as an error.
    w.edit("off.json", |v| {
        v["scope"]["waivers"] = "pkce-audit.toml".into()
    });
    let (code, d) = w.diff_json("off.json", &on);
    assert_eq!(code, 0);
    assert_eq!(d.old.scope.waivers, None);
}

#[test]
fn a_finding_that_became_blocking_fails_the_diff() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("old.json")).unwrap();
    // As if evidence had lowered the blocker in the old run.
    w.edit("old.json", |v| {
        for f in v["findings"].as_array_mut().unwrap() {
            if f["app"] == "Expense_Tracker" && f["blocker"] == true {
                f["blocker"] = false.into();
            }
        }
    });
    let (code, d) = w.diff_json("old.json", &report);
    assert_eq!(code, 1);
    assert_eq!(d.new_blockers, 1);
    let f = d
        .findings
        .still_open
        .iter()
        .find(|f| f.note.is_some())
        .unwrap();
    assert_eq!(f.finding.app.as_deref(), Some("Expense_Tracker"));
    assert!(f.finding.blocker, "blocker comes from the new run");
    assert_eq!(f.note.as_deref(), Some("now a blocker"));
}

#[test]
fn json_output_has_the_documented_shape() {
    let w = mixed_week();
    let (code, out, _) = w.diff(&["before.json", "after.json", "--format", "json"]);
    assert_eq!(code, 1, "Partner_Portal is a new blocker");
    let v: Value = serde_json::from_str(&out).unwrap();
    for side in ["old", "new"] {
        assert!(v[side]["scope"]["source"].is_string(), "{side}");
        assert!(v[side]["scope"]["generated_at"].is_string(), "{side}");
        assert!(v[side]["verdict"].is_string(), "{side}");
    }
    assert!(v["verdict_changed"].is_boolean());
    for list in ["resolved", "new", "still_open"] {
        let items = v["findings"][list].as_array().unwrap();
        assert!(!items.is_empty(), "{list}");
        for f in items {
            for key in ["rule", "severity", "blocker", "app", "owner", "message"] {
                assert!(f.get(key).is_some(), "{list}: {key} in {f}");
            }
        }
    }
    for list in ["added", "removed", "pkce_changed"] {
        assert_eq!(v["apps"][list].as_array().unwrap().len(), 1, "{list}");
    }
    assert_eq!(v["apps"]["pkce_changed"][0]["old"], false);
    assert_eq!(v["apps"]["pkce_changed"][0]["new"], true);
    assert_eq!(v["new_blockers"], 1);
    // And it reads back into the type it was written from.
    let d: Diff = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&d).unwrap(), v);
    insta::assert_json_snapshot!("mixed_week_json", v);
}

#[test]
fn table_and_markdown_of_a_mixed_week() {
    let w = mixed_week();
    let (code, table, _) = w.diff(&["before.json", "after.json"]);
    assert_eq!(code, 1);
    for line in table.lines() {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }
    insta::assert_snapshot!("mixed_week_table", table);

    let (code, md, _) = w.diff(&["before.json", "after.json", "--format", "markdown"]);
    assert_eq!(code, 1);
    for heading in [
        "# PKCE readiness: what changed",
        "## Findings",
        "### Resolved (",
        "### New (",
        "### Still open (",
        "## Apps",
        "### Added (1)",
        "### Removed (1)",
        "### PKCE setting changed (1)",
    ] {
        assert!(md.lines().any(|l| l.starts_with(heading)), "{heading}");
    }
    insta::assert_snapshot!("mixed_week_markdown", md);
}

/// Cells of a GFM table row: split on pipes that are not escaped.
fn cell_count(row: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n - 1
}

#[test]
fn markdown_cells_with_pipes_and_newlines_keep_the_table_whole() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("new.json")).unwrap();
    w.edit("new.json", |v| {
        let mut app = v["apps"][0].clone();
        app["name"] = "Piped_App".into();
        app["label"] = "Sales | Service\r\nPortal <b>beta</b>".into();
        v["apps"].as_array_mut().unwrap().push(app);
        let mut f = v["findings"][0].clone();
        f["app"] = "Piped_App".into();
        f["message"] = "first line\nsecond | line".into();
        v["findings"].as_array_mut().unwrap().push(f);
    });
    let (_, md, _) = w.diff(&[&report, "new.json", "--format", "markdown"]);
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(
        rows.iter()
            .any(|r| r.contains("Sales \\| Service<br>Portal")),
        "{md}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("first line<br>second \\| line")),
        "{md}"
    );
    assert!(!md.contains("<b>"), "raw HTML is escaped");
    // Every row of a table has as many cells as its header.
    let mut expected = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            expected = None;
            continue;
        }
        let n = cell_count(line);
        assert_eq!(*expected.get_or_insert(n), n, "{line}");
    }
}

#[test]
fn reports_from_older_and_newer_versions_are_read() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("old.json")).unwrap();
    std::fs::copy(w.path(&report), w.path("new.json")).unwrap();
    // An older version: fewer sections, fewer fields, no verdict reason.
    w.edit("old.json", |v| {
        let o = v.as_object_mut().unwrap();
        for key in [
            "schema_version",
            "summary",
            "incomplete",
            "notes",
            "org_settings",
            "verdict_reason",
            "api",
        ] {
            o.remove(key);
        }
        o["scope"].as_object_mut().unwrap().remove("layout");
        for f in o["findings"].as_array_mut().unwrap() {
            let f = f.as_object_mut().unwrap();
            for key in ["remediation", "label", "namespace", "location", "kind"] {
                f.remove(key);
            }
        }
        for a in o["apps"].as_array_mut().unwrap() {
            a.as_object_mut().unwrap().remove("flows");
        }
    });
    // A newer version: fields this one does not know.
    w.edit("new.json", |v| {
        v["schema"] = 3.into();
        v["scope"]["sandbox"] = true.into();
        for f in v["findings"].as_array_mut().unwrap() {
            f["confidence"] = 0.9.into();
            f["links"] = serde_json::json!(["https://help.example.com"]);
        }
    });
    let (code, d) = w.diff_json("old.json", "new.json");
    assert_eq!(code, 0);
    assert!(d.is_unchanged(), "{d:#?}");
    assert_eq!(d.old.verdict_reason, "");
    assert_eq!(d.new.blockers, 8);
}

#[test]
fn output_goes_to_a_file() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    let (code, out, _) = w.diff(&[
        &report, &report, "--format", "markdown", "--output", "diff.md",
    ]);
    assert_eq!(code, 0);
    assert!(out.is_empty(), "the diff went to the file");
    let md = std::fs::read_to_string(w.path("diff.md")).unwrap();
    assert!(md.starts_with("# PKCE readiness: what changed"));
}

#[test]
fn unreadable_or_foreign_input_exits_2_naming_the_file() {
    let w = Work::new();
    w.org("ready-org", "ready");
    let good = w.audit("ready");
    std::fs::write(w.path("truncated.json"), "{\"tool\": {\"name\": ").unwrap();
    std::fs::write(w.path("list.json"), "[1, 2]").unwrap();
    std::fs::write(
        w.path("other.json"),
        r#"{"tool": {"name": "eslint"}, "findings": []}"#,
    )
    .unwrap();
    std::fs::write(w.path("empty.json"), "").unwrap();
    let mut newer: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path(&good)).unwrap()).unwrap();
    newer["schema_version"] = 2.into();
    std::fs::write(w.path("newer.json"), newer.to_string()).unwrap();
    newer["schema_version"] = "1".into();
    std::fs::write(w.path("bad-version.json"), newer.to_string()).unwrap();
    std::fs::write(
        w.path("bad-severity.json"),
        r#"{"scope": {}, "findings": [{"rule": "x", "severity": "apocalyptic"}]}"#,
    )
    .unwrap();
    // Read as every input is: a regular file within the size bound.
    std::fs::create_dir(w.path("a-folder.json")).unwrap();
    let fifo = std::ffi::CString::new(w.path("a-fifo.json").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::fs::File::create(w.path("huge.json"))
        .unwrap()
        .set_len(pkce_audit_io::source::MAX_DOCUMENT_BYTES + 1)
        .unwrap();
    // The output of `diff --format json` is not a report.
    let (_, diff_json, _) = w.diff(&[&good, &good, "--format", "json"]);
    std::fs::write(w.path("a-diff.json"), diff_json).unwrap();

    let cases = [
        ("missing.json", "it does not exist"),
        ("a-folder.json", "is a folder, not a file"),
        ("a-fifo.json", "not a regular file"),
        ("huge.json", "byte limit"),
        ("truncated.json", "not valid JSON"),
        ("empty.json", "not valid JSON"),
        ("list.json", "expected a JSON object"),
        ("other.json", "written by 'eslint'"),
        ("bad-severity.json", "apocalyptic"),
        (
            "newer.json",
            "written by a newer pkce-audit (report schema version 2; this version reads up to 1)",
        ),
        ("a-diff.json", "output of `pkce-audit diff`"),
        (
            "bad-version.json",
            "\"schema_version\" is not a version number: \"1\"",
        ),
    ];
    for (file, reason) in cases {
        // Either side: the error names the file that is wrong.
        for args in [[file, good.as_str()], [good.as_str(), file]] {
            let (code, out, err) = w.diff(&args);
            assert_eq!(code, 2, "{file}: {err}");
            assert!(out.is_empty(), "{file}: {out}");
            assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
            assert!(err.contains(&format!("{file}: ")), "{file}: {err}");
            assert!(err.contains(reason), "{file}: {err}");
        }
    }
}

/// A report read back is input too: every string of it may be hostile.
#[test]
fn hostile_reports_cannot_take_over_the_diff() {
    use hostile_input::*;
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("new.json")).unwrap();
    let name = "Evil\u{1b}[2J\u{9b}31m|x`y\n# Pwned";
    w.edit("new.json", |v| {
        v["scope"]["source"] = "dir\u{1b}]0;owned\u{7}\n- [x] done".into();
        v["verdict_reason"] = "fine\n# Pwned \u{202e}".into();
        let mut app = v["apps"][0].clone();
        app["name"] = name.into();
        app["label"] = EVIL_LABEL.into();
        app["kind"] = "new-kind\u{1b}[5m".into();
        app["namespace"] = "ns\u{2066}".into();
        app["owner"] = "isv".into();
        v["apps"].as_array_mut().unwrap().push(app);
        for (i, rule) in ["app-pkce-not-required", "connected-app-legacy"]
            .iter()
            .enumerate()
        {
            let mut f = v["findings"][i].clone();
            f["rule"] = format!("{rule}\u{1b}[8m").into();
            f["app"] = name.into();
            f["severity"] = if i == 0 { "high" } else { "info" }.into();
            f["blocker"] = (i == 0).into();
            f["message"] = "line\n- [ ] fake task \u{202e}|`".into();
            f["remediation"] = "\u{9b}2J".into();
            v["findings"].as_array_mut().unwrap().push(f);
        }
    });
    for format in ["table", "markdown", "json"] {
        let (code, out, err) = w.diff(&[&report, "new.json", "--format", format]);
        assert_eq!(code, 1, "{format}: {err}");
        assert_clean(&out, format);
        assert!(injected_lines(&out).is_empty(), "{format}: {out}");
        if format == "json" {
            let d: Diff = serde_json::from_str(&out).unwrap();
            assert!(d.apps.added.iter().any(|a| a.name == name), "exact in JSON");
            continue;
        }
        // Shown: `\u{1b}[2J` (its `\` and `[` escaped once more in Markdown).
        assert!(
            out.contains("u{1b}") && out.contains("2J"),
            "{format}: {out}"
        );
        if format == "markdown" {
            for h in out.lines().filter(|l| l.starts_with('#')) {
                assert!(
                    ["# PKCE readiness", "## Findings", "## Apps", "### "]
                        .iter()
                        .any(|p| h.starts_with(p)),
                    "{h}"
                );
            }
            assert!(!out.lines().any(|l| l.starts_with("- ")), "{out}");
            hostile_input::assert_tables_whole(&out);
            hostile_input::assert_code_spans_closed(&out);
        }
    }
}

#[test]
fn a_hostile_report_that_does_not_load_gives_one_visible_error_line() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("new.json")).unwrap();
    w.edit("new.json", |v| {
        // serde quotes an unknown variant in its error.
        v["verdict"] = "\u{1b}[2J\u{202e}\n# Pwned".into();
    });
    let (code, out, err) = w.diff(&[&report, "new.json"]);
    assert_eq!(code, 2, "{out}");
    hostile_input::assert_clean(&err, "stderr");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("\\u{1b}[2J\\u{202e}"), "{err}");
}

/// A report written by a newer version may name a rule, owner, app kind, flow, scope kind,
/// layout or evidence source this version does not know: the diff still compares it, and
/// shows each word as written in every format.
#[test]
fn words_of_a_newer_version_are_compared_and_shown_as_written() {
    let w = Work::new();
    w.org("demo-org", "demo");
    let report = w.audit("demo");
    std::fs::copy(w.path(&report), w.path("old.json")).unwrap();
    std::fs::copy(w.path(&report), w.path("new.json")).unwrap();
    w.edit("new.json", |v| {
        v["scope"]["kind"] = "satellite".into();
        v["scope"]["layout"] = "cloud-project".into();
        v["scope"]["evidence"] = serde_json::json!({"window_days": 30,
            "sources": {"FutureObject": {"state": "read", "rows": 1}}});
        let app = v["apps"][0].clone();
        let mut robot = app;
        robot["name"] = "Robot_App".into();
        robot["kind"] = "robot".into();
        robot["owner"] = "galaxy".into();
        robot["flows"] = serde_json::json!(["teleport"]);
        v["apps"].as_array_mut().unwrap().push(robot);
        let mut f = v["findings"][0].clone();
        f["rule"] = "future-rule".into();
        f["app"] = "Robot_App".into();
        f["kind"] = "robot".into();
        f["owner"] = "galaxy".into();
        f["blocker"] = false.into();
        v["findings"].as_array_mut().unwrap().push(f);
    });
    let (code, d) = w.diff_json("old.json", "new.json");
    assert_eq!(code, 0, "{d:#?}");
    assert_eq!(d.new.scope.kind.as_str(), "satellite");
    assert_eq!(d.apps.added[0].kind.as_str(), "robot");
    assert_eq!(d.apps.added[0].owner.as_str(), "galaxy");
    let new = &d.findings.new[0].finding;
    assert_eq!(
        (new.rule.as_str(), new.owner.as_str()),
        ("future-rule", "galaxy")
    );
    for format in ["table", "markdown", "json"] {
        let (code, out, err) = w.diff(&["old.json", "new.json", "--format", format]);
        assert_eq!(code, 0, "{format}: {err}");
        for word in ["satellite", "robot", "galaxy", "future-rule"] {
            assert!(out.contains(word), "{format}: {word}\n{out}");
        }
        // The Markdown does not show the layout.
        assert_eq!(
            out.contains("cloud-project"),
            format != "markdown",
            "{format}"
        );
    }
}
