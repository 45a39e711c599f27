//! The fleet as CSV for a spreadsheet: one row per org. What only several orgs show
//! (shared blockers, packages, rehearsals) is in the table, JSON and Markdown.

use crate::report::csv_cell as cell;
use pkce_audit_model::fleet::model::FleetReport;

pub const COLUMNS: &[&str] = &[
    "org",
    "role",
    "rehearses",
    "verdict",
    "fail_on_matched",
    "blockers",
    "org_apps",
    "isv_apps",
    "vendor_apps",
    "unread",
    "api_calls",
    "source",
    "org_id",
    "report",
    "error",
    "outside_client_apps",
];

/// UTF-8 without a byte-order mark, cells neutralised against formulas, as `audit --format
/// csv`. List cells join their names with `; `; an ISV app is written `namespace: app`.
pub fn csv(r: &FleetReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("writing to memory");
    for o in &r.orgs {
        let b = &o.blockers;
        let isv: Vec<String> = b
            .isv
            .iter()
            .flat_map(|i| i.apps.iter().map(move |a| format!("{}: {a}", i.namespace)))
            .collect();
        let row = [
            o.name.clone(),
            o.role.map(|r| r.to_string()).unwrap_or_default(),
            o.rehearses.clone().unwrap_or_default(),
            o.verdict.to_string(),
            // Empty without --fail-on.
            r.fail_on
                .map(|_| o.fail_on_matched.to_string())
                .unwrap_or_default(),
            if o.error.is_some() {
                String::new()
            } else {
                b.findings.to_string()
            },
            b.org.join("; "),
            isv.join("; "),
            b.vendor.join("; "),
            o.unread.to_string(),
            o.api_calls.map(|n| n.to_string()).unwrap_or_default(),
            o.source.clone().unwrap_or_default(),
            o.org_id.clone().unwrap_or_default(),
            o.report.clone().unwrap_or_default(),
            o.error.clone().unwrap_or_default(),
            b.outside.join("; "),
        ];
        w.write_record(row.iter().map(|c| cell(c)))
            .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("cells are UTF-8")
}
