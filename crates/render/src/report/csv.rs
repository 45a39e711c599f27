//! CSV for the change-review spreadsheet: one row per finding, or per app.

use super::Report;

pub const FINDING_COLUMNS: &[&str] = &[
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
    "file",
    "line",
    "waived",
    "waiver_reason",
    "likely_failing",
];

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula.
/// A leading apostrophe makes them show it as text (OWASP's CSV injection advice).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A cell as written: neutralised against formulas (on the text as read, so a leading tab
/// or carriage return still counts), then made [`visible`](super::text::visible): line
/// breaks and tabs become spaces, control and bidirectional characters `\u{1b}`.
pub(crate) fn cell(text: &str) -> String {
    super::text::visible(&neutralise(text)).into_owned()
}

fn opt_bool(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

/// UTF-8 without a byte-order mark (documented in docs/output.md).
pub fn csv(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(FINDING_COLUMNS).expect("writing to memory");
    for f in &r.findings {
        let line = f
            .location
            .as_ref()
            .map(|l| l.line.to_string())
            .unwrap_or_default();
        let row = [
            f.rule.as_str(),
            f.severity.as_str(),
            if f.blocker { "true" } else { "false" },
            f.app.as_deref().unwrap_or(""),
            f.label.as_deref().unwrap_or(""),
            f.kind_str(),
            f.owner.as_str(),
            f.namespace.as_deref().unwrap_or(""),
            opt_bool(f.pkce_required),
            f.message.as_str(),
            f.remediation.as_str(),
            f.location.as_ref().map(|l| l.file.as_str()).unwrap_or(""),
            line.as_str(),
            if f.waived.is_some() { "true" } else { "false" },
            f.waived.as_ref().map(|w| w.reason.as_str()).unwrap_or(""),
            if f.likely_failing { "true" } else { "false" },
        ];
        w.write_record(row.iter().map(|c| cell(c)))
            .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("cells are UTF-8")
}

pub const APP_COLUMNS: &[&str] = &[
    "app",
    "label",
    "kind",
    "owner",
    "namespace",
    "package",
    "pkce_required",
    "flows",
    "usage",
    "blocking_rules",
    "other_rules",
    "action",
    "waiver",
];

/// One row per app, for the review spreadsheet: what each app needs, in one line.
pub fn csv_apps(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(APP_COLUMNS).expect("writing to memory");
    for app in &r.apps {
        let mine: Vec<&pkce_audit_model::rules::Finding> = r
            .findings
            .iter()
            .filter(|f| f.app.as_deref() == Some(app.name.as_str()))
            .collect();
        let join = |pred: &dyn Fn(&&pkce_audit_model::rules::Finding) -> bool| {
            mine.iter()
                .filter(|f| pred(f))
                .map(|f| f.rule.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let blocking = join(&|f| f.is_active_blocker());
        let other = join(&|f| !f.is_active_blocker());
        // The action of the worst unwaived finding, blockers first.
        let action = mine
            .iter()
            .filter(|f| f.waived.is_none())
            .max_by_key(|f| (f.blocker, f.severity))
            .map(|f| f.rule.rule())
            .map_or("Nothing to do.", |r| r.action);
        let waivers = mine
            .iter()
            .filter_map(|f| {
                f.waived
                    .as_ref()
                    .map(|w| format!("{}: {} (until {})", f.rule, w.reason, w.expires))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let flows = app
            .flows
            .as_ref()
            .map(|f| f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| "unknown".into());
        let package = app
            .package
            .as_ref()
            .map(|p| format!("{} {}", p.name, p.version))
            .unwrap_or_default();
        let usage = app.usage.as_ref().map(|u| u.describe()).unwrap_or_default();
        let row = [
            app.name.as_str(),
            app.label.as_deref().unwrap_or(""),
            app.kind.as_str(),
            app.owner.as_str(),
            app.namespace.as_deref().unwrap_or(""),
            package.as_str(),
            opt_bool(app.pkce_required),
            flows.as_str(),
            usage.as_str(),
            blocking.as_str(),
            other.as_str(),
            action,
            waivers.as_str(),
        ];
        w.write_record(row.iter().map(|c| cell(c)))
            .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("cells are UTF-8")
}
