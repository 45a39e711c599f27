//! Reading a report back: the JSON `audit` wrote, by this version or another.
//!
//! Which versions load: [`SCHEMA_VERSION`] and every older one, including version 0 (a
//! report without `schema_version`, written before the field existed). A newer version is
//! refused, in one line, rather than half read. Within those, a report from another version
//! still loads: unknown fields are ignored, the fields older reports lack take defaults,
//! and a rule, owner, app kind, scope kind or layout this version does not know is kept as
//! written: the report is read into the diff's lenient types ([`read::Report`]), not the
//! model's closed ones (an evidence source it does not know is left out: `diff` does not
//! show a report's evidence).

use pkce_audit_model::diff::read::Report;
use pkce_audit_model::errors::{Coded, ErrorCode};
use pkce_audit_model::report::{SCHEMA_VERSION, TOOL_NAME};
use std::path::Path;

/// A report that cannot be read. Displays as one line: the file, then the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct ReadError {
    pub file: String,
    pub reason: String,
}

impl Coded for ReadError {
    fn code(&self) -> ErrorCode {
        ErrorCode::ReportUnreadable
    }
}

/// Parses the text of a report. The error is the reason only; [`read`] adds the file.
pub fn parse(text: &str) -> Result<Report, String> {
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
        return not_ours("this is the output of `pkce-audit diff`, a comparison of two reports");
    }
    if !obj.get("findings").is_some_and(|f| f.is_array()) {
        return not_ours("no \"findings\" list");
    }
    if !obj.get("scope").is_some_and(|s| s.is_object()) {
        return not_ours("no \"scope\" object");
    }
    match obj.get("schema_version") {
        None => {}
        Some(v) => match v.as_u64() {
            Some(n) if n <= u64::from(SCHEMA_VERSION) => {}
            Some(n) => {
                return Err(format!(
                    "written by a newer {TOOL_NAME} (report schema version {n}; this version reads up to {SCHEMA_VERSION})"
                ))
            }
            None => return Err(format!("\"schema_version\" is not a version number: {v}")),
        },
    }
    // Parsed again from the text, not the value, so that errors carry line and column.
    serde_json::from_str(text).map_err(|e| format!("unreadable {TOOL_NAME} report: {e}"))
}

/// Reads a report written by `audit` in JSON, as every input is read: a regular file of
/// at most [`MAX_DOCUMENT_BYTES`](crate::source::MAX_DOCUMENT_BYTES), in UTF-8.
pub fn read(path: &Path) -> Result<Report, ReadError> {
    let fail = |reason: String| ReadError {
        file: path.display().to_string(),
        // Errors are shown on one line.
        reason: reason.replace(['\r', '\n'], " "),
    };
    let text = crate::source::read_required_text(path, crate::source::MAX_DOCUMENT_BYTES)
        .map_err(&fail)?;
    parse(&text).map_err(fail)
}

/// Reads both reports and compares them.
pub fn diff_files(old: &Path, new: &Path) -> Result<pkce_audit_model::diff::Diff, ReadError> {
    Ok(pkce_audit_model::diff::compare(&read(old)?, &read(new)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(extra: &str) -> String {
        format!(
            r#"{{"tool": {{"name": "pkce-audit", "version": "0.1.0"}}, "scope": {{"kind": "folder"}}{extra}}}"#
        )
    }

    #[test]
    fn versions_up_to_this_one_load_and_newer_ones_are_refused() {
        let legacy = parse(&minimal(r#", "findings": []"#)).unwrap();
        assert_eq!(legacy.schema_version, 0);
        assert_eq!(legacy.scope.waivers, None, "not recorded");
        assert_eq!(
            legacy.verdict(),
            pkce_audit_model::rules::Verdict::Incomplete
        );
        let current = parse(&minimal(&format!(
            r#", "findings": [], "schema_version": {SCHEMA_VERSION}"#
        )));
        assert_eq!(current.unwrap().schema_version, SCHEMA_VERSION);
        let newer = parse(&minimal(r#", "findings": [], "schema_version": 99"#)).unwrap_err();
        assert_eq!(
            newer,
            format!("written by a newer pkce-audit (report schema version 99; this version reads up to {SCHEMA_VERSION})")
        );
        assert!(parse(&minimal(r#", "findings": [], "schema_version": "1""#)).is_err());
    }

    #[test]
    fn words_this_version_does_not_know_are_kept_and_shown_as_written() {
        use pkce_audit_model::diff::read::Lenient;
        use pkce_audit_model::inventory::AppKind;
        use pkce_audit_model::rules::RuleId;
        let r = parse(
            r#"{"tool": {"name": "pkce-audit", "version": "9.0.0"},
              "scope": {"kind": "satellite", "layout": "cloud-project", "source": "s"},
              "apps": [{"name": "A", "label": null, "kind": "robot", "owner": "galaxy",
                "namespace": null, "contact_email": null, "oauth_enabled": true,
                "pkce_required": null, "pkce_basis": "unknown", "flows": ["teleport"],
                "public_client": false, "callback_urls": [], "files": []},
                {"name": "B", "label": null, "kind": "connected-app", "owner": "org",
                "namespace": null, "pkce_required": false, "files": []}],
              "findings": [{"rule": "future-rule", "severity": "high", "blocker": true,
                "app": "A", "kind": "robot", "owner": "galaxy"},
                {"rule": "app-pkce-not-required", "severity": "high", "blocker": true,
                "app": "B", "kind": "connected-app", "owner": "org"}]}"#,
        )
        .unwrap();
        assert_eq!(r.apps[0].kind, Lenient::Unknown("robot".into()));
        assert_eq!(r.apps[0].owner.as_str(), "galaxy");
        assert_eq!(r.apps[1].kind, AppKind::ConnectedApp);
        assert_eq!(r.findings[0].rule, Lenient::Unknown("future-rule".into()));
        assert_eq!(r.findings[1].rule, RuleId::AppPkceNotRequired);
        assert_eq!(r.scope.kind.as_str(), "satellite");
        // An evidence source it does not know is left out: nothing here reads it.
        let with_source = parse(
            r#"{"tool": {"name": "pkce-audit", "version": "9.0.0"}, "findings": [],
                "scope": {"kind": "org", "evidence": {"window_days": 30,
                "sources": {"FutureObject": {"state": "read", "rows": 1}}}}}"#,
        )
        .unwrap();
        let evidence = with_source.scope.evidence.clone().unwrap();
        assert!(evidence.sources.is_empty(), "{evidence:?}");
        // Compared and written back as read.
        let d = serde_json::to_value(pkce_audit_model::diff::compare(&r, &with_source)).unwrap();
        assert_eq!(d["old"]["scope"]["kind"], "satellite");
        assert_eq!(d["old"]["scope"]["layout"], "cloud-project");
        assert_eq!(d["apps"]["removed"][0]["kind"], "robot");
        assert_eq!(d["apps"]["removed"][0]["owner"], "galaxy");
        assert_eq!(d["findings"]["resolved"][0]["rule"], "future-rule");
        assert_eq!(d["findings"]["resolved"][0]["owner"], "galaxy");
        assert_eq!(d["findings"]["resolved"][1]["kind"], "connected-app");
    }
}
