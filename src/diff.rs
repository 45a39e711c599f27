//! `pkce-audit diff`: what changed between two audit runs.
//!
//! Both inputs are the JSON of `pkce-audit audit --json`. They are read leniently, into
//! types of this module rather than [`crate::report::Report`], so that reports written by
//! older or newer versions of the tool still compare: unknown fields are ignored and every
//! field the diff can do without has a default.
//!
//! A finding is identified by (rule, app), an app by (kind, name). The exit status fails
//! only on blockers the new run has that the old one did not, so a pipeline can gate on
//! "no regression" while the known backlog is worked off.

use crate::report::text::{backstop, visible as v};
use crate::report::{keep_words, new_table};
use crate::report::{EXIT_NOT_READY, EXIT_OK, TOOL_NAME};
use crate::rules::{Severity, Verdict};
use comfy_table::Cell;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::path::Path;

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

/// A report that cannot be compared. Displays as one line: the file, then the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct DiffError {
    pub file: String,
    pub reason: String,
}

/// What was audited in one run. Every field is optional so old reports still load.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunScope {
    /// `folder` or `org`.
    pub kind: String,
    /// The folder path, or the org's instance URL.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// RFC 3339 time the metadata was read.
    pub generated_at: String,
    /// The waiver file the run applied: `None` when the report predates the field (or holds
    /// a shape this version does not know), `Some(None)` when no waiver file applied.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "known_waiver_file"
    )]
    pub waivers: Option<Option<WaiverFileRef>>,
}

/// `scope.waivers` of a report: the waiver file and how its entries fared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaiverFileRef {
    pub file: String,
    pub applied: usize,
    pub expired: usize,
    pub unused: usize,
}

/// Present (a file or `null`) is known; anything this version cannot read is not.
fn known_waiver_file<'de, D>(d: D) -> Result<Option<Option<WaiverFileRef>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Null => Some(None),
        other => serde_json::from_value(other).ok().map(Some),
    })
}

impl Run {
    /// The waiver file's path, or "none"; `None` when the report does not say.
    fn waiver_file(&self) -> Option<&str> {
        self.scope
            .waivers
            .as_ref()
            .map(|w| w.as_ref().map_or("none", |w| w.file.as_str()))
    }
}

/// A waiver as a report records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Waiver {
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

/// A finding as the report wrote it (same field names as [`crate::rules::Finding`]), plus
/// the diff's note on what changed about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffFinding {
    pub rule: String,
    pub severity: Severity,
    #[serde(default)]
    pub blocker: bool,
    /// The app's API name; `None` for org-level findings.
    #[serde(default)]
    pub app: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// Kept as text: the diff only shows it, and a newer app kind must not make a report unreadable.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default = "org_owner")]
    pub owner: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub pkce_required: Option<bool>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub remediation: String,
    /// Passed through untouched: the diff does not use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<Waiver>,
    /// For a still-open finding: what changed between the runs (waiver, blocker, severity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn org_owner() -> String {
    "org".into()
}

impl DiffFinding {
    /// Counts toward the verdict and the exit status.
    pub fn is_active_blocker(&self) -> bool {
        self.blocker && self.waived.is_none()
    }

    fn key(&self) -> (&str, Option<&str>) {
        (&self.rule, self.app.as_deref())
    }
}

/// An app as the report listed it: enough to name it and show its PKCE setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRef {
    /// `connected-app` or `external-client-app`.
    #[serde(default)]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub pkce_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_scope_reason: Option<String>,
}

impl AppRef {
    fn key(&self) -> (&str, &str) {
        (&self.kind, &self.name)
    }
}

/// The subset of a report the diff reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RunReport {
    #[serde(default)]
    pub tool: ToolRef,
    #[serde(default)]
    pub scope: RunScope,
    #[serde(default)]
    pub verdict: Option<Verdict>,
    #[serde(default)]
    pub verdict_reason: Option<String>,
    #[serde(default)]
    pub apps: Vec<AppRef>,
    #[serde(default)]
    pub findings: Vec<DiffFinding>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ToolRef {
    pub name: String,
    pub version: Option<String>,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub scope: RunScope,
    pub verdict: Verdict,
    #[serde(default)]
    pub verdict_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// Unwaived blockers in this run.
    #[serde(default)]
    pub blockers: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingChanges {
    /// In the old run, not in the new one; as the old run reported them.
    pub resolved: Vec<DiffFinding>,
    /// In the new run, not in the old one.
    pub new: Vec<DiffFinding>,
    /// In both; as the new run reports them, with a note when waiver, blocker or severity changed.
    pub still_open: Vec<DiffFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkceChange {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    pub old: Option<bool>,
    pub new: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppChanges {
    pub added: Vec<AppRef>,
    pub removed: Vec<AppRef>,
    /// Apps in both runs whose `pkce_required` differs (null = unknown).
    pub pkce_changed: Vec<PkceChange>,
}

/// The comparison of two runs; `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
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
            && self.findings.new.is_empty()
            && self.findings.still_open.iter().all(|f| f.note.is_none())
            && self.apps.added.is_empty()
            && self.apps.removed.is_empty()
            && self.apps.pkce_changed.is_empty()
    }
}

/// Parses the text of a report. The error is the reason only; [`read_report`] adds the file.
pub fn parse_report(text: &str) -> Result<RunReport, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let not_ours = |why: &str| Err(format!("not a {TOOL_NAME} report: {why}"));
    let Some(obj) = value.as_object() else {
        return not_ours("expected a JSON object");
    };
    if let Some(name) = obj
        .get("tool")
        .and_then(|t| t.get("name"))
        .and_then(|n| n.as_str())
    {
        if name != TOOL_NAME {
            return not_ours(&format!("written by '{name}'"));
        }
    }
    if obj.contains_key("verdict_changed") {
        return not_ours("this is the output of `pkce-audit diff`, not of `audit --json`");
    }
    if !obj.get("findings").is_some_and(|f| f.is_array()) {
        return not_ours("no \"findings\" list");
    }
    if !obj.get("scope").is_some_and(|s| s.is_object()) {
        return not_ours("no \"scope\" object");
    }
    // Parsed again from the text, not the value, so that errors carry line and column.
    serde_json::from_str(text).map_err(|e| format!("unreadable {TOOL_NAME} report: {e}"))
}

/// Reads a report written by `pkce-audit audit --json`.
pub fn read_report(path: &Path) -> Result<RunReport, DiffError> {
    let fail = |reason: String| DiffError {
        file: path.display().to_string(),
        // The binary prints errors on one line.
        reason: reason.replace(['\r', '\n'], " "),
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    parse_report(&text).map_err(fail)
}

/// Reads both reports and compares them.
pub fn diff_files(old: &Path, new: &Path) -> Result<Diff, DiffError> {
    Ok(compare(&read_report(old)?, &read_report(new)?))
}

fn run_of(r: &RunReport) -> Run {
    Run {
        scope: r.scope.clone(),
        // As in `Report::verdict`: a report without one was not complete.
        verdict: r.verdict.unwrap_or(Verdict::Incomplete),
        verdict_reason: r.verdict_reason.clone().unwrap_or_default(),
        tool_version: r.tool.version.clone(),
        blockers: r.findings.iter().filter(|f| f.is_active_blocker()).count(),
    }
}

/// What changed about a finding present in both runs, if anything.
fn change_note(old: &DiffFinding, new: &DiffFinding) -> Option<String> {
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

/// Compares two runs. Lists keep the order of the report they come from, which the tool
/// already sorts (blockers first, then severity).
pub fn compare(old: &RunReport, new: &RunReport) -> Diff {
    // Queues rather than a plain map: should a report ever hold two findings with the same
    // identity, they pair up in order instead of one hiding the other.
    let mut old_by_key: HashMap<(&str, Option<&str>), VecDeque<usize>> = HashMap::new();
    for (i, f) in old.findings.iter().enumerate() {
        old_by_key.entry(f.key()).or_default().push_back(i);
    }
    let mut matched = vec![false; old.findings.len()];
    let mut changes = FindingChanges::default();
    let mut new_blockers = 0;
    for f in &new.findings {
        let before = old_by_key
            .get_mut(&f.key())
            .and_then(|q| q.pop_front())
            .map(|i| {
                matched[i] = true;
                &old.findings[i]
            });
        if f.is_active_blocker() && !before.is_some_and(|b| b.is_active_blocker()) {
            new_blockers += 1;
        }
        match before {
            Some(b) => changes.still_open.push(DiffFinding {
                note: change_note(b, f),
                ..f.clone()
            }),
            None => changes.new.push(DiffFinding {
                note: None,
                ..f.clone()
            }),
        }
    }
    changes.resolved = old
        .findings
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(f, _)| DiffFinding {
            note: None,
            ..f.clone()
        })
        .collect();

    let mut old_apps: HashMap<(&str, &str), VecDeque<&AppRef>> = HashMap::new();
    for a in &old.apps {
        old_apps.entry(a.key()).or_default().push_back(a);
    }
    let mut apps = AppChanges::default();
    for a in &new.apps {
        match old_apps.get_mut(&a.key()).and_then(|q| q.pop_front()) {
            None => apps.added.push(a.clone()),
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
    for a in &old.apps {
        if let Some(q) = old_apps.get_mut(&a.key()) {
            if let Some(gone) = q.pop_front() {
                apps.removed.push(gone.clone());
            }
        }
    }

    let (old_run, new_run) = (run_of(old), run_of(new));
    Diff {
        verdict_changed: old_run.verdict != new_run.verdict,
        old: old_run,
        new: new_run,
        findings: changes,
        apps,
        new_blockers,
    }
}

/// 1 when the new run has unwaived blockers the old one did not, else 0.
pub fn exit_code(diff: &Diff) -> i32 {
    if diff.new_blockers > 0 {
        EXIT_NOT_READY
    } else {
        EXIT_OK
    }
}

/// Renders the diff in a format; `width` applies to the table.
pub fn render(diff: &Diff, format: Format, width: u16) -> String {
    match format {
        Format::Table => table(diff, width),
        Format::Json => json(diff),
        Format::Markdown => markdown(diff),
    }
}

/// Exact text, with the characters a terminal would act on escaped, as in `audit --json`.
pub fn json(diff: &Diff) -> String {
    let mut s = serde_json::to_string_pretty(diff).expect("a diff always serialises");
    s.push('\n');
    crate::report::text::json_escape_invisible(s)
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "READY",
        Verdict::NotReady => "NOT READY",
        Verdict::Incomplete => "INCOMPLETE",
        Verdict::Enforced => "ENFORCED",
    }
}

/// The app kind in a few letters; a kind this version does not know is shown as read.
fn kind_short(kind: &str) -> std::borrow::Cow<'_, str> {
    match kind {
        "connected-app" => "CA".into(),
        "external-client-app" => "ECA".into(),
        other => v(other),
    }
}

fn pkce_word(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "required",
        Some(false) => "NO",
        None => "unknown",
    }
}

fn app_pkce(a: &AppRef) -> &'static str {
    if a.outside_scope_reason.is_some() {
        "n/a"
    } else {
        pkce_word(a.pkce_required)
    }
}

fn owner_text(owner: Option<&str>, namespace: Option<&str>) -> String {
    match (owner.unwrap_or("?"), namespace) {
        ("isv", Some(ns)) => format!("isv ({})", v(ns)),
        (o, _) => v(o).into_owned(),
    }
}

fn blocker_word(f: &DiffFinding) -> &'static str {
    match (f.blocker, f.waived.is_some()) {
        (_, true) => "waived",
        (true, false) => "BLOCKER",
        (false, false) => "",
    }
}

/// One line per run: what was audited, when, and by which version.
fn scope_line(r: &Run) -> String {
    let s = &r.scope;
    let mut line = format!("{} {}", v(&s.kind), v(&s.source));
    if let Some(l) = &s.layout {
        let _ = write!(line, " ({})", v(l));
    }
    if let Some(id) = &s.org_id {
        let _ = write!(line, " · org {}", v(id));
    }
    if !s.generated_at.is_empty() {
        let _ = write!(line, " · read {}", v(&s.generated_at));
    }
    if let Some(version) = &r.tool_version {
        let _ = write!(line, " · {TOOL_NAME} {}", v(version));
    }
    line
}

/// Writes `text` in lines of at most `width` characters, breaking at spaces; continuation
/// lines get `indent`. A word longer than a line (a long path) stays whole.
fn write_wrapped(out: &mut String, text: &str, width: u16, indent: &str) {
    let width = usize::from(width).max(20);
    // The text's own leading spaces (an indented item) are kept.
    let lead = &text[..text.len() - text.trim_start().len()];
    let mut line = lead.to_string();
    let mut len = lead.chars().count();
    let mut fresh = true;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if !fresh && len + 1 + w > width {
            out.push_str(&line);
            out.push('\n');
            line = indent.to_string();
            len = indent.chars().count();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
        fresh = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// Info findings with nothing to say about them fold into one line per rule, as in the
/// audit table: a board reads the blockers, not every legacy Connected App.
fn folds(f: &DiffFinding) -> bool {
    f.severity == Severity::Info && !f.blocker && f.waived.is_none() && f.note.is_none()
}

fn findings_section(out: &mut String, title: &str, findings: &[DiffFinding], width: u16) {
    if findings.is_empty() {
        let _ = writeln!(out, "{title}: none");
        return;
    }
    let _ = writeln!(out, "{title} ({})", findings.len());
    let (info, shown): (Vec<&DiffFinding>, Vec<&DiffFinding>) =
        findings.iter().partition(|f| folds(f));
    if !shown.is_empty() {
        let mut t = new_table(width, &["Severity", "App / rule", "Finding"]);
        let mut longest = 0;
        for f in &shown {
            let mut sev = f.severity.as_str().to_string();
            let b = blocker_word(f);
            if !b.is_empty() {
                let _ = write!(sev, "\n{b}");
            }
            let what_rule = match &f.app {
                Some(app) => format!("{}\n{}", v(app), v(&f.rule)),
                None => v(&f.rule).into_owned(),
            };
            longest = longest
                .max(v(&f.rule).len())
                .max(f.app.as_ref().map_or(0, |a| v(a).len()));
            let mut what = v(&f.message).into_owned();
            if let Some(n) = &f.note {
                let _ = write!(what, "\nChanged: {}", v(n));
            }
            t.add_row(vec![Cell::new(sev), Cell::new(what_rule), Cell::new(what)]);
        }
        keep_words(&mut t, 1, longest, 36);
        let _ = writeln!(out, "{t}");
    }
    let mut by_rule: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for f in &info {
        let app = f.app.as_deref().unwrap_or("org");
        by_rule.entry(f.rule.as_str()).or_default().push(app);
    }
    for (rule, apps) in by_rule {
        let names: Vec<_> = apps.iter().map(|a| v(a)).collect();
        let line = format!("  info {} ({}): {}", v(rule), apps.len(), names.join(", "));
        write_wrapped(out, &line, width, "    ");
    }
}

fn apps_section(out: &mut String, title: &str, apps: &[AppRef], width: u16) {
    if apps.is_empty() {
        let _ = writeln!(out, "{title}: none");
        return;
    }
    let _ = writeln!(out, "{title} ({})", apps.len());
    let mut t = new_table(width, &["App", "Kind", "Owner", "PKCE"]);
    for a in apps {
        t.add_row(vec![
            Cell::new(v(&a.name)),
            Cell::new(kind_short(&a.kind)),
            Cell::new(owner_text(a.owner.as_deref(), a.namespace.as_deref())),
            Cell::new(app_pkce(a)),
        ]);
    }
    let longest = apps.iter().map(|a| v(&a.name).len()).max().unwrap_or(0);
    keep_words(&mut t, 0, longest, 40);
    let _ = writeln!(out, "{t}");
}

/// The default, human format, laid out for `width` columns (100 when not a terminal).
pub fn table(d: &Diff, width: u16) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{TOOL_NAME} diff");
    write_wrapped(
        &mut out,
        &format!("Old: {}", scope_line(&d.old)),
        width,
        "     ",
    );
    write_wrapped(
        &mut out,
        &format!("New: {}", scope_line(&d.new)),
        width,
        "     ",
    );
    let (o, n) = (verdict_word(d.old.verdict), verdict_word(d.new.verdict));
    let verdict = if d.verdict_changed {
        format!("Verdict: {o} → {n} — {}", v(&d.new.verdict_reason))
    } else {
        format!("Verdict: {n} (unchanged) — {}", v(&d.new.verdict_reason))
    };
    write_wrapped(&mut out, &verdict, width, "  ");
    let _ = writeln!(
        out,
        "Unwaived blockers: {} → {} · new blockers: {}",
        d.old.blockers, d.new.blockers, d.new_blockers
    );
    if let Some((a, b)) = d.waiver_file_change() {
        write_wrapped(
            &mut out,
            &format!("Waiver file changed: {a} → {b}"),
            width,
            "  ",
        );
    }
    if d.is_unchanged() {
        let text = format!(
            "No change: the same {} finding(s), the same apps, the same verdict.",
            d.findings.still_open.len()
        );
        out.push('\n');
        write_wrapped(&mut out, &text, width, "");
        return backstop(out);
    }

    let f = &d.findings;
    let _ = writeln!(
        out,
        "\nFindings: {} resolved · {} new · {} still open",
        f.resolved.len(),
        f.new.len(),
        f.still_open.len()
    );
    findings_section(&mut out, "Resolved", &f.resolved, width);
    findings_section(&mut out, "New", &f.new, width);
    findings_section(&mut out, "Still open", &f.still_open, width);

    let a = &d.apps;
    let _ = writeln!(
        out,
        "\nApps: {} added · {} removed · {} PKCE setting changed",
        a.added.len(),
        a.removed.len(),
        a.pkce_changed.len()
    );
    apps_section(&mut out, "Added", &a.added, width);
    apps_section(&mut out, "Removed", &a.removed, width);
    if a.pkce_changed.is_empty() {
        let _ = writeln!(out, "PKCE setting changed: none");
    } else {
        let _ = writeln!(out, "PKCE setting changed ({})", a.pkce_changed.len());
        let mut t = new_table(width, &["App", "Kind", "Old", "New"]);
        for c in &a.pkce_changed {
            t.add_row(vec![
                Cell::new(v(&c.name)),
                Cell::new(kind_short(&c.kind)),
                Cell::new(pkce_word(c.old)),
                Cell::new(pkce_word(c.new)),
            ]);
        }
        let longest = a.pkce_changed.iter().map(|c| v(&c.name).len()).max();
        keep_words(&mut t, 0, longest.unwrap_or(0), 40);
        let _ = writeln!(out, "{t}");
    }
    // Input text was made visible where it was written; this catches anything missed.
    backstop(out)
}

/// Text for a GitHub-flavoured Markdown table cell: Markdown punctuation escaped so that
/// names and messages render as written, raw HTML and character references neutralised,
/// line breaks as `<br>` (so they can neither end a row nor start a line), and the rest
/// [`visible`](crate::report::text::visible).
pub fn md_cell(text: &str) -> String {
    crate::report::text::visible_with_breaks(text, "<br>", |line| {
        let mut out = String::with_capacity(line.len());
        for c in line.chars() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    })
}

/// An identifier (API name, rule id, path) as inline code, when it can be one.
fn md_code(text: &str) -> String {
    let text = v(text);
    // A backslash right before a pipe would cancel the pipe's escape (below).
    if text.is_empty() || text.contains('`') || text.contains("\\|") {
        md_cell(&text)
    } else {
        // Inside a table even a code span needs its pipes escaped (GFM splits cells first).
        format!("`{}`", text.replace('|', "\\|"))
    }
}

fn md_row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn md_header(out: &mut String, header: &[&str]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
}

/// The last column: the full remediation for new findings, the change for still-open ones.
#[derive(Clone, Copy)]
enum Extra {
    None,
    WhatToDo,
    Changed,
}

fn md_findings(out: &mut String, title: &str, findings: &[DiffFinding], extra: Extra) {
    let _ = writeln!(out, "\n### {title} ({})\n", findings.len());
    if findings.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    let mut header = vec!["Severity", "Blocker", "App", "Rule", "Finding"];
    match extra {
        Extra::None => {}
        Extra::WhatToDo => header.push("What to do"),
        Extra::Changed => header.push("Changed"),
    }
    md_header(out, &header);
    for f in findings {
        let mut cells = vec![
            f.severity.as_str().to_string(),
            blocker_word(f).to_string(),
            f.app.as_deref().map_or("(org)".to_string(), md_code),
            md_code(&f.rule),
            md_cell(&f.message),
        ];
        match extra {
            Extra::None => {}
            Extra::WhatToDo => cells.push(md_cell(&f.remediation)),
            Extra::Changed => cells.push(md_cell(f.note.as_deref().unwrap_or(""))),
        }
        md_row(out, &cells);
    }
}

fn md_apps(out: &mut String, title: &str, apps: &[AppRef]) {
    let _ = writeln!(out, "\n### {title} ({})\n", apps.len());
    if apps.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    md_header(out, &["App", "Label", "Kind", "Owner", "PKCE"]);
    for a in apps {
        md_row(
            out,
            &[
                md_code(&a.name),
                md_cell(a.label.as_deref().unwrap_or("")),
                md_cell(&kind_short(&a.kind)),
                md_cell(&owner_text(a.owner.as_deref(), a.namespace.as_deref())),
                app_pkce(a).to_string(),
            ],
        );
    }
}

/// GitHub-flavoured Markdown, for a pull request, an issue or a wiki page.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# PKCE readiness: what changed\n");
    md_header(&mut out, &["", "Old", "New"]);
    let both = |label: &str, f: &dyn Fn(&Run) -> String| -> String {
        format!("| {label} | {} | {} |\n", f(&d.old), f(&d.new))
    };
    out.push_str(&both("Audited", &|r| {
        format!("{} {}", md_cell(&r.scope.kind), md_code(&r.scope.source))
    }));
    if d.old.scope.org_id.is_some() || d.new.scope.org_id.is_some() {
        out.push_str(&both("Org ID", &|r| {
            r.scope.org_id.as_deref().map_or(String::new(), md_code)
        }));
    }
    out.push_str(&both("Read at", &|r| md_cell(&r.scope.generated_at)));
    if [&d.old, &d.new]
        .iter()
        .any(|r| r.scope.waivers.as_ref().is_some_and(|w| w.is_some()))
    {
        out.push_str(&both("Waiver file", &|r| {
            r.waiver_file().map_or("?".into(), md_cell)
        }));
    }
    out.push_str(&both("Verdict", &|r| format!("**{}**", r.verdict)));
    out.push_str(&both("Unwaived blockers", &|r| r.blockers.to_string()));
    out.push_str(&both("Tool version", &|r| {
        md_cell(r.tool_version.as_deref().unwrap_or("?"))
    }));
    out.push('\n');
    if d.verdict_changed {
        let _ = writeln!(
            out,
            "Verdict changed: **{} → {}**. {}",
            d.old.verdict,
            d.new.verdict,
            md_cell(&d.new.verdict_reason)
        );
    } else {
        let _ = writeln!(
            out,
            "Verdict unchanged: **{}**. {}",
            d.new.verdict,
            md_cell(&d.new.verdict_reason)
        );
    }
    if let Some((a, b)) = d.waiver_file_change() {
        let _ = writeln!(
            out,
            "\nWaiver file changed: {} → {}.",
            md_cell(a),
            md_cell(b)
        );
    }
    let _ = writeln!(out, "\nNew blockers: **{}**.", d.new_blockers);
    if d.is_unchanged() {
        let _ = writeln!(
            out,
            "\nNo change: the same {} finding(s), the same apps, the same verdict.",
            d.findings.still_open.len()
        );
    }

    let f = &d.findings;
    let _ = writeln!(
        out,
        "\n## Findings\n\n{} resolved, {} new, {} still open.",
        f.resolved.len(),
        f.new.len(),
        f.still_open.len()
    );
    md_findings(&mut out, "Resolved", &f.resolved, Extra::None);
    md_findings(&mut out, "New", &f.new, Extra::WhatToDo);
    md_findings(&mut out, "Still open", &f.still_open, Extra::Changed);

    let a = &d.apps;
    let _ = writeln!(
        out,
        "\n## Apps\n\n{} added, {} removed, {} with a changed PKCE setting.",
        a.added.len(),
        a.removed.len(),
        a.pkce_changed.len()
    );
    md_apps(&mut out, "Added", &a.added);
    md_apps(&mut out, "Removed", &a.removed);
    let _ = writeln!(
        out,
        "\n### PKCE setting changed ({})\n",
        a.pkce_changed.len()
    );
    if a.pkce_changed.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        md_header(&mut out, &["App", "Kind", "Old", "New"]);
        for c in &a.pkce_changed {
            md_row(
                &mut out,
                &[
                    md_code(&c.name),
                    md_cell(&kind_short(&c.kind)),
                    pkce_word(c.old).to_string(),
                    pkce_word(c.new).to_string(),
                ],
            );
        }
    }
    // Input text was made visible where it was written; this catches anything missed.
    backstop(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, app: Option<&str>, blocker: bool) -> DiffFinding {
        DiffFinding {
            rule: rule.into(),
            severity: Severity::High,
            blocker,
            app: app.map(String::from),
            label: None,
            kind: None,
            owner: "org".into(),
            namespace: None,
            pkce_required: None,
            message: String::new(),
            remediation: String::new(),
            location: None,
            waived: None,
            note: None,
        }
    }

    fn run(findings: Vec<DiffFinding>) -> RunReport {
        RunReport {
            findings,
            ..Default::default()
        }
    }

    #[test]
    fn same_identity_twice_pairs_in_order() {
        let a = finding("r", Some("A"), true);
        let d = compare(&run(vec![a.clone()]), &run(vec![a.clone(), a]));
        assert_eq!(d.findings.still_open.len(), 1);
        assert_eq!(d.findings.new.len(), 1);
        assert_eq!(d.new_blockers, 1);
    }

    #[test]
    fn a_blocker_that_lost_its_waiver_is_a_new_blocker() {
        let mut old = finding("r", Some("A"), true);
        old.waived = Some(Waiver {
            reason: "vendor fix due".into(),
            ..Default::default()
        });
        let d = compare(&run(vec![old]), &run(vec![finding("r", Some("A"), true)]));
        assert_eq!(d.new_blockers, 1);
        let note = d.findings.still_open[0].note.as_deref().unwrap();
        assert!(note.contains("no longer waived"), "{note}");
    }

    #[test]
    fn org_and_app_findings_of_one_rule_are_distinct() {
        let d = compare(
            &run(vec![finding("r", None, false)]),
            &run(vec![finding("r", Some("A"), false)]),
        );
        assert_eq!(d.findings.resolved.len(), 1);
        assert_eq!(d.findings.new.len(), 1);
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\r\nc\nd"), "a\\|b<br>c<br>d");
        assert_eq!(md_cell("<script>"), "\\<script\\>");
        assert_eq!(md_cell("\u{1b}[2J\u{202e}"), "\\\\u{1b}\\[2J\\\\u{202e}");
        assert_eq!(md_code("x|y"), "`x\\|y`");
        assert_eq!(md_code("a`b"), "a\\`b");
        assert_eq!(md_code("x\\|y"), "x\\\\\\|y");
        assert_eq!(md_code("a\nb"), "`a b`");
    }
}
