//! `pkce-audit diff`: what changed between two audit runs.
//!
//! Both inputs are reports written by `audit` in JSON, read back into [`read::Report`]
//! (pkce-audit-io's `report_file`), which loads older reports and keeps the rules, owners
//! and kinds this version does not know as written. The [`Diff`] is its own document
//! (docs/diff.md); pkce-audit-render presents it, and the binary gives its exit status.
//!
//! A finding is identified by (rule, app), an app by (kind, name). The exit status fails
//! only on blockers the new run has that the old one did not, so a pipeline can gate on
//! "no regression" while the known backlog is worked off. A finding of the old run that
//! the new one lacks because it could not read the finding's app or file is "not read",
//! never "resolved": nothing is called done on partial data.

pub mod read;

use crate::evidence::EvidenceSource;
use crate::inventory::{AppKind, Owner};
use crate::metadata::MetadataType;
use crate::rules::{RuleId, Verdict};
use read::{App, Finding, Lenient, Problem, Report, Scope};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// One side of the comparison: what was audited, and how it came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The report's scope, without its evidence (docs/diff.md lists what is kept).
    pub scope: Scope,
    pub verdict: Verdict,
    #[serde(default)]
    pub verdict_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// Unwaived blockers in this run.
    #[serde(default)]
    pub blockers: usize,
}

impl Run {
    fn of(r: &Report) -> Run {
        Run {
            scope: Scope {
                evidence: None,
                ..r.scope.clone()
            },
            verdict: r.verdict(),
            verdict_reason: r.verdict_reason.clone(),
            tool_version: Some(r.tool.version.clone()).filter(|v| !v.is_empty()),
            blockers: r.findings.iter().filter(|f| f.is_active_blocker()).count(),
        }
    }

    /// The waiver file's path, or "none"; `None` when the report does not say.
    pub fn waiver_file(&self) -> Option<&str> {
        self.scope
            .waivers
            .as_ref()
            .map(|w| w.as_ref().map_or("none", |w| w.file.as_str()))
    }
}

/// A finding as its run reported it, with the diff's note on what changed about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// For a still-open finding: what changed between the runs (waiver, blocker, severity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ChangedFinding {
    fn new(f: &Finding, note: Option<String>) -> Self {
        ChangedFinding {
            finding: f.clone(),
            note,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingChanges {
    /// In the old run, not in the new one, whose app, file and org settings the new run
    /// read; as the old run reported them.
    pub resolved: Vec<ChangedFinding>,
    /// In the old run, not in the new one, which could not read what the finding is
    /// about (its app, its file, the org settings, the usage source it came from); as the
    /// old run reported them, with the new run's reason as `note`. Absent from a diff
    /// written before the field existed.
    #[serde(default)]
    pub not_read: Vec<ChangedFinding>,
    /// In the new run, not in the old one.
    pub new: Vec<ChangedFinding>,
    /// In both; as the new run reports them, with a note when waiver, blocker or severity changed.
    pub still_open: Vec<ChangedFinding>,
}

/// An app as the diff document names it: enough to identify it and show its PKCE setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRef {
    pub kind: Lenient<AppKind>,
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    pub owner: Lenient<Owner>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub pkce_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_scope_reason: Option<String>,
}

impl From<&App> for AppRef {
    fn from(a: &App) -> Self {
        AppRef {
            kind: a.kind.clone(),
            name: a.name.clone(),
            label: a.label.clone(),
            owner: a.owner.clone(),
            namespace: a.namespace.clone(),
            pkce_required: a.pkce_required,
            outside_scope_reason: a.outside_scope_reason.clone(),
        }
    }
}

impl AppRef {
    /// As [`App::in_pkce_scope`].
    pub fn in_pkce_scope(&self) -> bool {
        self.outside_scope_reason.is_none()
    }
}

/// An app of the old run that the new run lacks because it could not read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotReadApp {
    #[serde(flatten)]
    pub app: AppRef,
    /// Why: the new run's unread item, as for a finding not read.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkceChange {
    pub kind: Lenient<AppKind>,
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    pub old: Option<bool>,
    pub new: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppChanges {
    pub added: Vec<AppRef>,
    /// In the old run only, and the new run read what would define them.
    pub removed: Vec<AppRef>,
    /// In the old run only, but the new run could not read their file, component, PKCE
    /// setting or usage source: not known removed. Absent from a diff written before the
    /// field existed.
    #[serde(default)]
    pub not_read: Vec<NotReadApp>,
    /// Apps in both runs whose `pkce_required` differs (null = unknown).
    pub pkce_changed: Vec<PkceChange>,
}

/// The version of the comparison document (docs/output.md).
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// The comparison of two runs; `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// [`DIFF_SCHEMA_VERSION`]; a comparison written before it existed reads as 1.
    #[serde(default = "first_version")]
    pub schema_version: u32,
    pub old: Run,
    pub new: Run,
    pub verdict_changed: bool,
    pub findings: FindingChanges,
    pub apps: AppChanges,
    /// Unwaived blockers in the new run that were absent, waived or not blocking in the old.
    pub new_blockers: usize,
}

impl Diff {
    /// The waiver file of each run, when both reports say and they differ ("none" for no
    /// file): the same org can change verdict because another file was read.
    pub fn waiver_file_change(&self) -> Option<(&str, &str)> {
        match (self.old.waiver_file(), self.new.waiver_file()) {
            (Some(a), Some(b)) if a != b => Some((a, b)),
            _ => None,
        }
    }

    /// Nothing a reader would care about differs (scopes and times aside).
    pub fn is_unchanged(&self) -> bool {
        !self.verdict_changed
            && self.findings.resolved.is_empty()
            && self.findings.not_read.is_empty()
            && self.findings.new.is_empty()
            && self.findings.still_open.iter().all(|f| f.note.is_none())
            && self.apps.added.is_empty()
            && self.apps.removed.is_empty()
            && self.apps.not_read.is_empty()
            && self.apps.pkce_changed.is_empty()
    }

    /// The old run's unwaived blockers among the findings not read: the new run's count
    /// says nothing about them.
    pub fn not_read_blockers(&self) -> usize {
        self.findings
            .not_read
            .iter()
            .filter(|c| c.finding.is_active_blocker())
            .count()
    }

    /// Whether the new run left out something the old one had (findings or apps).
    pub fn has_not_read(&self) -> bool {
        !self.findings.not_read.is_empty() || !self.apps.not_read.is_empty()
    }
}

/// What changed about a finding present in both runs, if anything.
fn change_note(old: &Finding, new: &Finding) -> Option<String> {
    let mut parts = Vec::new();
    match (&old.waived, &new.waived) {
        (Some(w), None) => parts.push(format!("no longer waived (was: {})", w.reason)),
        (None, Some(w)) => parts.push(format!("waived since the old run: {}", w.reason)),
        _ => {}
    }
    match (old.blocker, new.blocker) {
        (false, true) => parts.push("now a blocker".to_string()),
        (true, false) => parts.push("no longer a blocker".to_string()),
        _ => {}
    }
    if old.severity != new.severity {
        parts.push(format!("severity {} → {}", old.severity, new.severity));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn finding_key(f: &Finding) -> (&Lenient<RuleId>, Option<&str>) {
    (&f.rule, f.app.as_deref())
}

/// Why the new run cannot tell whether `f`, a finding of the old run it lacks, is gone:
/// what the finding is about was not read there. `old_apps` are the old run's apps (their
/// files); `None` when the new run read it all.
fn unread_in_new(f: &Finding, old_apps: &[App], new: &Report) -> Option<String> {
    // What is not about an app: the org settings (org-level rules).
    let Some(app) = f.app.as_deref() else {
        if f.rule
            .known()
            .is_some_and(|r| r.rule().scope == crate::rules::Scope::Org)
            && new.org_settings.is_none()
        {
            return Some("the new run did not read the org OAuth settings".into());
        }
        return None;
    };
    // Its files: the finding's own, and the old run's files of the app.
    let files: Vec<&str> = f
        .location
        .iter()
        .map(|l| l.file.as_str())
        .chain(
            old_apps
                .iter()
                .filter(|a| a.name.eq_ignore_ascii_case(app) && Some(&a.kind) == f.kind.as_ref())
                .flat_map(|a| a.files.iter().map(String::as_str)),
        )
        .collect();
    app_unread_in_new(f.kind.as_ref(), app, &files, new)
}

/// Why the new run cannot tell whether the app `app` of kind `kind`, defined in `files`,
/// is still there or unchanged: its usage source, its PKCE setting, a file or its
/// component was not read there. One test for findings and apps alike.
fn app_unread_in_new(
    kind: Option<&Lenient<AppKind>>,
    app: &str,
    files: &[&str],
    new: &Report,
) -> Option<String> {
    // Apps defined in other orgs are known from usage evidence only.
    let kind = kind.and_then(Lenient::known);
    if kind == Some(&AppKind::External) {
        let complete = new
            .scope
            .evidence
            .as_ref()
            .and_then(|e| e.sources.get(&EvidenceSource::ConnectedApplication))
            .is_some_and(crate::evidence::SourceState::is_complete);
        if !complete {
            return Some(format!(
                "the new run did not read {} completely, which names apps defined in other orgs",
                EvidenceSource::ConnectedApplication
            ));
        }
    }
    let same = |a: &str| a.eq_ignore_ascii_case(app);
    if new
        .findings
        .iter()
        .any(|n| n.rule == RuleId::AppPkceUnknown && n.app.as_deref().is_some_and(same))
    {
        return Some(format!(
            "not read in the new run: the PKCE setting of {app} is unknown there"
        ));
    }
    let files: Vec<&str> = files.iter().copied().filter(|f| !f.is_empty()).collect();
    let types: Vec<MetadataType> = match kind {
        Some(AppKind::ConnectedApp) => vec![MetadataType::ConnectedApp],
        Some(AppKind::ExternalClientApp) => MetadataType::FETCHED
            .iter()
            .copied()
            .filter(|t| *t != MetadataType::ConnectedApp)
            .collect(),
        Some(AppKind::External) | None => Vec::new(),
    };
    new.incomplete
        .iter()
        .find(|p| {
            let file = p.file.as_deref().is_some_and(|pf| {
                // The file itself, or a folder holding it (or named as it is).
                let pf = pf.trim_end_matches('/');
                let dir = format!("{pf}/");
                files.iter().any(|f| *f == pf || f.starts_with(&dir))
            });
            let component = p.component.as_deref().is_some_and(|c| {
                match c.split_once(' ') {
                    // "Type Name": this app, of any of its types.
                    Some((_, name)) => same(name.trim()),
                    // "Type" (or "Type, Type"): a whole type the app is of.
                    None => c.split(',').any(|t| {
                        MetadataType::from_name(t.trim()).is_some_and(|t| types.contains(&t))
                    }),
                }
            });
            file || component
        })
        .map(|p: &Problem| format!("not read in the new run: {p}"))
}

/// Findings resolved, new and still open, and how many blockers are new. Unpaired old
/// findings are `resolved` only when `not_read` (the new run's reason) says nothing.
fn compare_findings(
    old: &[Finding],
    new: &[Finding],
    not_read: impl Fn(&Finding) -> Option<String>,
) -> (FindingChanges, usize) {
    // Queues rather than a plain map: should a report ever hold two findings with the same
    // identity, they pair up in order instead of one hiding the other.
    let mut old_by_key: HashMap<(&Lenient<RuleId>, Option<&str>), VecDeque<usize>> = HashMap::new();
    for (i, f) in old.iter().enumerate() {
        old_by_key.entry(finding_key(f)).or_default().push_back(i);
    }
    let mut matched = vec![false; old.len()];
    let mut changes = FindingChanges::default();
    let mut new_blockers = 0;
    for f in new {
        let before = old_by_key
            .get_mut(&finding_key(f))
            .and_then(|q| q.pop_front())
            .map(|i| {
                matched[i] = true;
                &old[i]
            });
        if f.is_active_blocker() && !before.is_some_and(|b| b.is_active_blocker()) {
            new_blockers += 1;
        }
        match before {
            Some(b) => changes
                .still_open
                .push(ChangedFinding::new(f, change_note(b, f))),
            None => changes.new.push(ChangedFinding::new(f, None)),
        }
    }
    for (f, _) in old.iter().zip(&matched).filter(|(_, m)| !**m) {
        match not_read(f) {
            Some(why) => changes.not_read.push(ChangedFinding::new(f, Some(why))),
            None => changes.resolved.push(ChangedFinding::new(f, None)),
        }
    }
    (changes, new_blockers)
}

fn app_key(a: &App) -> (&Lenient<AppKind>, &str) {
    (&a.kind, &a.name)
}

/// Apps added, removed, not read, and whose PKCE setting changed. An old app the new run
/// lacks is `removed` only when `not_read` (the new run's reason) says nothing.
fn compare_apps(old: &[App], new: &[App], not_read: impl Fn(&App) -> Option<String>) -> AppChanges {
    let mut old_apps: HashMap<(&Lenient<AppKind>, &str), VecDeque<&App>> = HashMap::new();
    for a in old {
        old_apps.entry(app_key(a)).or_default().push_back(a);
    }
    let mut apps = AppChanges::default();
    for a in new {
        match old_apps.get_mut(&app_key(a)).and_then(|q| q.pop_front()) {
            None => apps.added.push(a.into()),
            Some(b) if b.pkce_required != a.pkce_required => apps.pkce_changed.push(PkceChange {
                kind: a.kind.clone(),
                name: a.name.clone(),
                label: a.label.clone(),
                old: b.pkce_required,
                new: a.pkce_required,
            }),
            Some(_) => {}
        }
    }
    // What is left in the queues was not matched; walk the old list to keep its order.
    for a in old {
        if let Some(gone) = old_apps.get_mut(&app_key(a)).and_then(|q| q.pop_front()) {
            match not_read(gone) {
                Some(note) => apps.not_read.push(NotReadApp {
                    app: gone.into(),
                    note,
                }),
                None => apps.removed.push(gone.into()),
            }
        }
    }
    apps
}

/// Compares two runs. Lists keep the order of the report they come from, which the tool
/// already sorts (blockers first, then severity).
fn first_version() -> u32 {
    1
}

pub fn compare(old: &Report, new: &Report) -> Diff {
    let (findings, new_blockers) = compare_findings(&old.findings, &new.findings, |f| {
        unread_in_new(f, &old.apps, new)
    });
    let (old_run, new_run) = (Run::of(old), Run::of(new));
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        verdict_changed: old_run.verdict != new_run.verdict,
        old: old_run,
        new: new_run,
        findings,
        apps: compare_apps(&old.apps, &new.apps, |a| {
            let files: Vec<&str> = a.files.iter().map(String::as_str).collect();
            app_unread_in_new(Some(&a.kind), &a.name, &files, new)
        }),
        new_blockers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Waived;

    fn finding(rule: &str, app: Option<&str>, blocker: bool) -> Finding {
        Finding {
            blocker,
            ..(&crate::rules::Finding::bare(rule, app)).into()
        }
    }

    fn run(findings: Vec<Finding>) -> Report {
        Report {
            findings,
            ..Default::default()
        }
    }

    #[test]
    fn same_identity_twice_pairs_in_order() {
        let a = finding("app-pkce-not-required", Some("A"), true);
        let d = compare(&run(vec![a.clone()]), &run(vec![a.clone(), a]));
        assert_eq!(d.findings.still_open.len(), 1);
        assert_eq!(d.findings.new.len(), 1);
        assert_eq!(d.new_blockers, 1);
    }

    #[test]
    fn a_blocker_that_lost_its_waiver_is_a_new_blocker() {
        let mut old = finding("app-pkce-not-required", Some("A"), true);
        old.waived = Some(Waived {
            reason: "vendor fix due".into(),
            approved_by: String::new(),
            expires: String::new(),
        });
        let d = compare(
            &run(vec![old]),
            &run(vec![finding("app-pkce-not-required", Some("A"), true)]),
        );
        assert_eq!(d.new_blockers, 1);
        let note = d.findings.still_open[0].note.as_deref().unwrap();
        assert!(note.contains("no longer waived"), "{note}");
    }

    #[test]
    fn org_and_app_findings_of_one_rule_are_distinct() {
        let d = compare(
            &run(vec![finding("app-pkce-not-required", None, false)]),
            &run(vec![finding("app-pkce-not-required", Some("A"), false)]),
        );
        assert_eq!(d.findings.resolved.len(), 1);
        assert_eq!(d.findings.new.len(), 1);
    }

    fn app(name: &str, file: &str) -> App {
        serde_json::from_value(serde_json::json!({
            "name": name, "kind": "connected-app", "owner": "org",
            "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
            "callback_urls": [], "files": [file],
        }))
        .unwrap()
    }

    fn problem(file: &str, line: Option<u32>, reason: &str) -> Problem {
        Problem {
            component: None,
            file: Some(file.into()),
            line,
            reason: reason.into(),
            remedy: None,
        }
    }

    #[test]
    fn an_app_the_new_run_could_not_read_is_not_read_never_removed() {
        let dir = "force-app/main/default/connectedApps";
        let portal = app(
            "Customer_Portal",
            &format!("{dir}/Customer_Portal.connectedApp-meta.xml"),
        );
        let headless = app(
            "Headless_Login",
            &format!("{dir}/Headless_Login.connectedApp-meta.xml"),
        );
        let gone = app("Old_App", &format!("{dir}/Old_App.connectedApp-meta.xml"));
        let old = Report {
            apps: vec![portal.clone(), headless, gone],
            findings: vec![Finding {
                kind: Some(AppKind::ConnectedApp.into()),
                ..finding("app-pkce-not-required", Some("Customer_Portal"), true)
            }],
            ..Default::default()
        };
        let new = Report {
            incomplete: vec![
                problem(&portal.files[0], Some(3), "not well-formed XML"),
                // A folder named like the file: the problem names its path.
                problem(
                    &format!("{dir}/Headless_Login.connectedApp-meta.xml/"),
                    None,
                    "a folder named like a ConnectedApp metadata file",
                ),
            ],
            ..Default::default()
        };
        let d = compare(&old, &new);
        let names = |l: &[AppRef]| l.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&d.apps.removed), ["Old_App"]);
        let unread: Vec<_> = d
            .apps
            .not_read
            .iter()
            .map(|a| a.app.name.as_str())
            .collect();
        assert_eq!(unread, ["Customer_Portal", "Headless_Login"]);
        assert!(
            d.apps.not_read[0]
                .note
                .starts_with("not read in the new run: "),
            "{:?}",
            d.apps.not_read
        );
        // Its blocker is not read either, and counted as such.
        assert_eq!(d.findings.not_read.len(), 1);
        assert_eq!(
            (d.old.blockers, d.new.blockers, d.not_read_blockers()),
            (1, 0, 1)
        );
        assert!(d.has_not_read());
        // Read back as written, and absent from an older diff.
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["apps"]["not_read"][1]["name"], "Headless_Login");
        assert!(json["apps"]["not_read"][1]["note"].is_string());
        assert_eq!(serde_json::from_value::<Diff>(json.clone()).unwrap(), d);
        let mut older = json;
        older["apps"].as_object_mut().unwrap().remove("not_read");
        assert!(serde_json::from_value::<Diff>(older)
            .unwrap()
            .apps
            .not_read
            .is_empty());
    }
}
