//! CSV for the change-review spreadsheet: one row per finding.

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
];

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula.
/// A leading apostrophe makes them show it as text (OWASP's CSV injection advice).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
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
            f.kind.map(|k| k.as_str()).unwrap_or("org-settings"),
            f.owner.as_str(),
            f.namespace.as_deref().unwrap_or(""),
            opt_bool(f.pkce_required),
            f.message.as_str(),
            f.remediation.as_str(),
            f.location.as_ref().map(|l| l.file.as_str()).unwrap_or(""),
            line.as_str(),
            if f.waived.is_some() { "true" } else { "false" },
            f.waived.as_ref().map(|w| w.reason.as_str()).unwrap_or(""),
        ];
        w.write_record(row.iter().map(|c| neutralise(c).into_owned()))
            .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("cells are UTF-8")
}
