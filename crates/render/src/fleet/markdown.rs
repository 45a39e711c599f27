//! The fleet as GitHub-flavoured Markdown, for a change-review board or a client report:
//! the verdict, one row per org linking its full report, then what only several orgs show.

use super::{
    blocking_apps, differences, faithful_word, listed, org_verdict, sameness, who_must_act,
};
use crate::md::{code, code_cell as md_code, header as md_header, row as md_row, text as md_cell};
use crate::report::cells::verdict_word;
use crate::report::text::backstop;
use crate::report::TOOL_NAME;
use pkce_audit_model::fleet::model::FleetReport;
use std::fmt::Write;

/// A link target for a path: every byte but unreserved characters and `/` percent-encoded,
/// so spaces, parentheses and brackets in a folder name cannot end the link.
fn link_target(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn list(items: &[impl AsRef<str>]) -> String {
    listed(items, md_cell)
}

pub fn markdown(r: &FleetReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# PKCE readiness of {} org(s)\n", r.orgs.len());
    let _ = writeln!(
        out,
        "**Verdict: {}** — {}\n",
        verdict_word(r.verdict),
        md_cell(&r.verdict_reason)
    );
    let _ = writeln!(
        out,
        "Fleet file {} · {TOOL_NAME} {} · {}",
        code(&r.file),
        md_cell(&r.tool.version),
        md_cell(&r.generated_at)
    );

    let _ = writeln!(out, "\n## Orgs\n");
    md_header(&mut out, &super::ORG_COLUMNS);
    for o in &r.orgs {
        let role = match (&o.role, &o.rehearses) {
            (Some(role), Some(p)) => format!("{role} of {}", md_code(p)),
            (Some(role), None) => role.to_string(),
            (None, _) => "-".into(),
        };
        md_row(
            &mut out,
            &[
                md_code(&o.name),
                role,
                org_verdict(o, r.fail_on),
                if o.error.is_some() {
                    "-".into()
                } else {
                    o.blockers.findings.to_string()
                },
                list(&who_must_act(&o.blockers)),
                o.api_calls.map_or("-".into(), |n| n.to_string()),
                o.report.as_deref().map_or("-".into(), |p| {
                    format!("[{}]({})", md_cell(p), link_target(p))
                }),
            ],
        );
    }
    let mismatched: Vec<_> = r
        .orgs
        .iter()
        .filter_map(|o| o.role_mismatch().map(|m| (o, m)))
        .collect();
    if !mismatched.is_empty() {
        let _ = writeln!(out, "\nRole check:\n");
        for (o, m) in mismatched {
            let _ = writeln!(out, "- {}: {}", code(&o.name), md_cell(&m));
        }
    }
    let failed: Vec<_> = r.orgs.iter().filter(|o| o.error.is_some()).collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nCould not be audited:\n");
        for o in failed {
            let _ = writeln!(
                out,
                "- {}: {}",
                code(&o.name),
                md_cell(o.error.as_deref().unwrap_or_default())
            );
        }
    }

    let _ = writeln!(out, "\n## Each org's blocking apps\n");
    let groups = blocking_apps(r);
    if groups.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        md_header(&mut out, &["Org", "Who must act", "Apps"]);
        for (org, who, apps) in groups {
            let apps: Vec<String> = apps.iter().map(|a| md_code(a)).collect();
            md_row(&mut out, &[md_code(org), md_cell(&who), apps.join(", ")]);
        }
    }

    let _ = writeln!(out, "\n## Apps blocking in several orgs\n");
    if r.shared_blockers.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        md_header(&mut out, &["App", "Label", "Owner", "Blocks in", "Rules"]);
        for s in &r.shared_blockers {
            let owners: Vec<&str> = s.owners.iter().map(|o| o.as_str()).collect();
            let rules: Vec<String> = s.rules.iter().map(|r| md_code(r.as_str())).collect();
            md_row(
                &mut out,
                &[
                    s.names
                        .iter()
                        .map(|n| md_code(n))
                        .collect::<Vec<_>>()
                        .join(", "),
                    list(&s.labels),
                    list(&owners),
                    format!("{}: {}", s.orgs.len(), list(&s.orgs)),
                    rules.join(", "),
                ],
            );
        }
    }

    let _ = writeln!(out, "\n## ISV packages\n");
    if r.packages.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        md_header(
            &mut out,
            &["Namespace", "Package", "Org", "Version", "Blocking apps"],
        );
        for p in &r.packages {
            for inst in &p.installs {
                md_row(
                    &mut out,
                    &[
                        md_code(&p.namespace),
                        list(&p.names),
                        md_code(&inst.org),
                        inst.version.as_deref().map_or("unknown".into(), md_cell),
                        list(&inst.blocking_apps),
                    ],
                );
            }
        }
    }

    let _ = writeln!(out, "\n## Rehearsals\n");
    if r.rehearsals.is_empty() {
        let _ = writeln!(out, "None: no sandbox names the org it rehearses.");
    }
    for h in &r.rehearsals {
        let _ = writeln!(
            out,
            "### {} rehearses {}: {}\n",
            code(&h.sandbox),
            code(&h.production),
            faithful_word(h)
        );
        let diffs = differences(h);
        if let Some(same) = sameness(h) {
            let _ = writeln!(out, "{same}");
        }
        for d in &diffs {
            let items: Vec<String> = d.items.iter().map(|i| md_cell(i)).collect();
            let _ = writeln!(out, "- **{}**: {}", d.heading(), items.join("; "));
        }
        for n in &h.notes {
            let _ = writeln!(out, "- Note: {}", md_cell(n));
        }
        let _ = writeln!(out);
    }
    backstop(out)
}
