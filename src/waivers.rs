//! Waivers: a reviewed, time-limited "we accept this finding" decision.
//!
//! A waived finding stays in every output, marked with its reason, but no longer counts
//! toward the verdict or the exit code. An expired waiver stops applying and is reported
//! (`waiver-expired`); one that matches nothing is reported too (`waiver-unused`), so stale
//! entries do not pile up in the file.
//!
//! ```toml
//! [[waiver]]
//! rule = "app-pkce-not-required"
//! app = "ERP_Integration"        # an app's API name, or "*" for every app and the org
//! reason = "JWT-only; the authorization code flow is never used"
//! approved_by = "jane.doe@acme.example.com"
//! expires = 2026-12-31           # a TOML date or "2026-12-31"
//! ```

use crate::inventory::Location;
use crate::rules::{self, Finding, Waived};
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file read by default when it exists in the current folder.
pub const DEFAULT_FILE: &str = "pkce-audit.toml";

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("{file}: cannot be read: {source}")]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: String,
    /// An app API name, or `*`.
    pub app: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: NaiveDate,
    /// Where it is written, for messages and SARIF.
    pub file: String,
    pub line: usize,
}

impl Waiver {
    fn matches(&self, f: &Finding) -> bool {
        self.rule == f.rule && (self.app == "*" || f.app.as_deref() == Some(self.app.as_str()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    waiver: Vec<toml::Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: toml::Spanned<String>,
    app: toml::Spanned<String>,
    reason: toml::Spanned<String>,
    approved_by: toml::Spanned<String>,
    expires: toml::Spanned<DateValue>,
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + text[..offset.min(text.len())].matches('\n').count()
}

/// Parses a waiver file. Every mistake names the line it is on.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let invalid = |line: usize, message: String| WaiverError::Invalid {
        file: file.to_path_buf(),
        line,
        message,
    };
    let shape: FileShape = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        invalid(line, e.message().to_string())
    })?;
    let mut out = Vec::new();
    for spanned in shape.waiver {
        let line = line_of(text, spanned.span().start);
        let e = spanned.into_inner();
        // Each mistake points at the line of the field that holds it.
        let at = |field_span: std::ops::Range<usize>| line_of(text, field_span.start);
        if rules::rule(e.rule.get_ref()).is_none() {
            return Err(invalid(
                at(e.rule.span()),
                format!(
                    "unknown rule '{}' (`pkce-audit rules` lists them)",
                    e.rule.get_ref()
                ),
            ));
        }
        for (field, value) in [
            ("app", &e.app),
            ("reason", &e.reason),
            ("approved_by", &e.approved_by),
        ] {
            if value.get_ref().trim().is_empty() {
                return Err(invalid(
                    at(value.span()),
                    format!("`{field}` must not be empty"),
                ));
            }
        }
        let expires_line = at(e.expires.span());
        let text_date = match e.expires.get_ref() {
            DateValue::Toml(d) => match (&d.date, &d.time) {
                (Some(date), None) => date.to_string(),
                _ => {
                    return Err(invalid(
                        expires_line,
                        "`expires` must be a date like 2026-12-31".into(),
                    ))
                }
            },
            DateValue::Text(s) => s.clone(),
        };
        let expires = NaiveDate::parse_from_str(text_date.trim(), "%Y-%m-%d").map_err(|_| {
            invalid(
                expires_line,
                format!("`expires` must be a date like 2026-12-31, not '{text_date}'"),
            )
        })?;
        out.push(Waiver {
            rule: e.rule.into_inner(),
            app: e.app.into_inner(),
            reason: e.reason.into_inner(),
            approved_by: e.approved_by.into_inner(),
            expires,
            file: file.display().to_string(),
            line,
        });
    }
    Ok(out)
}

pub fn load(file: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let text = std::fs::read_to_string(file).map_err(|source| WaiverError::Io {
        file: file.to_path_buf(),
        source,
    })?;
    parse(&text, file)
}

/// Today's date for expiry checks. `PKCE_AUDIT_TODAY` pins it for reproducible reports.
pub fn today() -> NaiveDate {
    std::env::var("PKCE_AUDIT_TODAY")
        .ok()
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

fn waiver_finding(rule: &rules::Rule, w: &Waiver, message: String) -> Finding {
    let location = Location {
        file: w.file.clone(),
        line: w.line as u32,
    };
    Finding {
        app: (w.app != "*").then(|| w.app.clone()),
        ..Finding::org(rule, message, Some(location))
    }
}

/// Marks the findings each valid waiver covers, and reports expired and unused waivers.
/// The first matching waiver wins; it expires at the end of its `expires` day.
pub fn apply(findings: &mut Vec<Finding>, waivers: &[Waiver], today: NaiveDate) {
    let mut extra = Vec::new();
    for w in waivers {
        if w.expires < today {
            let covered = findings.iter().filter(|f| w.matches(f)).count();
            extra.push(waiver_finding(
                &rules::WAIVER_EXPIRED,
                w,
                format!(
                    "The waiver for {} on {} (line {}) expired on {}; it no longer applies to the {covered} finding(s) it covered.",
                    w.rule, w.app, w.line, w.expires
                ),
            ));
            continue;
        }
        let mut used = false;
        for f in findings
            .iter_mut()
            .filter(|f| f.waived.is_none() && w.matches(f))
        {
            f.waived = Some(Waived {
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                expires: w.expires.to_string(),
            });
            used = true;
        }
        if !used && !findings.iter().any(|f| w.matches(f)) {
            extra.push(waiver_finding(
                &rules::WAIVER_UNUSED,
                w,
                format!(
                    "The waiver for {} on {} (line {}) matches no finding; remove it.",
                    w.rule, w.app, w.line
                ),
            ));
        }
    }
    findings.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    fn finding(rule: &str, app: Option<&str>) -> Finding {
        let r = rules::rule(rule).unwrap();
        Finding {
            rule: rule.into(),
            severity: r.severity,
            blocker: r.blocker,
            app: app.map(String::from),
            label: None,
            kind: None,
            owner: rules::FindingOwner::Org,
            namespace: None,
            pkce_required: None,
            message: String::new(),
            remediation: String::new(),
            location: None,
            waived: None,
            code_logins: None,
        }
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
        apply(
            &mut f,
            &waivers,
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        );
        assert_eq!(f[0].waived.as_ref().unwrap().reason, "JWT only");
        assert!(f[1].waived.is_none(), "other apps are not covered");
        assert!(f[2].waived.is_none(), "expired waivers do not apply");
        let expired = f.iter().find(|x| x.rule == "waiver-expired").unwrap();
        assert!(
            expired.message.contains("expired on 2026-01-01"),
            "{}",
            expired.message
        );
        assert_eq!(expired.location.as_ref().unwrap().line, 9);
        assert_eq!(expired.severity, Severity::Low);
        let unused = f.iter().find(|x| x.rule == "waiver-unused").unwrap();
        assert_eq!(unused.app.as_deref(), Some("Gone_App"));
        // A waiver is still valid on its expiry day.
        let mut g = vec![finding("org-user-agent-flow-allowed", None)];
        apply(
            &mut g,
            &waivers[1..2],
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        );
        assert!(g[0].waived.is_some());
    }

    #[test]
    fn malformed_files_name_the_line() {
        let err = |text: &str| parse(text, Path::new("w.toml")).unwrap_err().to_string();
        let e = err("[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"A\"\nreason = \"r\"\napproved_by = \"b\"\nexpires = 2026-13-01\n");
        assert!(e.starts_with("w.toml:6: "), "{e}");
        let e = err("[[waiver]]\nrule = \"no-such-rule\"\napp = \"A\"\nreason = \"r\"\napproved_by = \"b\"\nexpires = 2026-01-01\n");
        assert_eq!(
            e,
            "w.toml:2: unknown rule 'no-such-rule' (`pkce-audit rules` lists them)"
        );
        let e = err("[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"A\"\nreason = \" \"\napproved_by = \"b\"\nexpires = 2026-01-01\n");
        assert!(
            e.starts_with("w.toml:4: ") && e.contains("`reason` must not be empty"),
            "{e}"
        );
        let e = err("[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"A\"\nreason = \"r\"\napproved_by = \"b\"\nexpires = \"next year\"\n");
        assert!(
            e.starts_with("w.toml:6: ") && e.contains("not 'next year'"),
            "{e}"
        );
        let e = err("[[waiver]]\nrule = \"app-pkce-not-required\"\nreason = \"r\"\n");
        assert!(
            e.starts_with("w.toml:1: ") && e.contains("missing field"),
            "{e}"
        );
        let e = err("[[waiver]]\nrul = 1\n");
        assert!(e.contains("w.toml:2:") || e.contains("w.toml:1:"), "{e}");
        assert!(err("this is = = not toml").starts_with("w.toml:1: "));
    }
}
