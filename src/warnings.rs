//! Warnings printed on standard error beside a report, whatever its format: what the
//! user should know before trusting it, which the report also holds as notes.

use pkce_audit_io::secrets::scrub;
use pkce_audit_render::report::{text::visible, Report};

/// The warning lines of a report, each `pkce-audit: warning: …`, made visible (they
/// quote paths) and scrubbed of every secret of the run.
pub fn lines(report: &Report) -> Vec<String> {
    report
        .scope
        .enclosing_project
        .iter()
        .map(|e| {
            let text = e.to_string();
            format!("pkce-audit: warning: {}", visible(&scrub(&text)))
        })
        .collect()
}

/// Prints [`lines`] on standard error.
pub fn print(report: &Report) {
    for line in lines(report) {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_folder_inside_a_project_is_one_warning_line() {
        crate::advice::install();
        let mut r = pkce_audit_render::report::Report::default();
        assert!(super::lines(&r).is_empty());
        r.scope.enclosing_project = Some(pkce_audit_io::source::EnclosingProject {
            root: "/p\u{1b}[31m".into(),
            missed_forceignore: true,
            missed_namespace: None,
        });
        // The root as one shell word, its control characters shown, not applied: `$'…'`
        // names the real folder when pasted (bash, zsh, ksh).
        assert_eq!(
            super::lines(&r),
            ["pkce-audit: warning: the audited folder is inside the SFDX project /p\\u{1b}[31m: its .forceignore was not applied; audit the project root instead: --source $'/p\\x1b[31m'"]
        );
    }
}
