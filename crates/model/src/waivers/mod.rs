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
//!
//! Which file a run reads is decided by [`resolve`]: the file given, else `pkce-audit.toml`
//! at the root of the audited folder, else `pkce-audit.toml` in the current folder. The
//! caller passes the current folder and today's date in; this module reads neither the
//! environment nor the clock.

use crate::errors::{Coded, ErrorCode};
use crate::inventory::{App, Location};
use crate::rules::{Finding, RuleId, Waived};
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::suggest::{closest, closest_app};

/// The file read by default when it exists at the root of the audited folder, or else in
/// the current folder.
pub const DEFAULT_FILE: &str = "pkce-audit.toml";

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    /// The reason is text, not a `source` (see `crate::errors`).
    #[error("{file}: cannot be read: {reason}")]
    Io { file: PathBuf, reason: String },
    /// One line, the parser's included: file, line:column (1-based, in characters), message.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A `rule` this version does not know, with the known id it most resembles.
    #[error("{file}:{line}:{column}: unknown rule '{rule}'{}", .suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    UnknownRule {
        file: PathBuf,
        line: usize,
        column: usize,
        rule: String,
        suggestion: Option<RuleId>,
    },
}

impl Coded for WaiverError {
    fn code(&self) -> ErrorCode {
        match self {
            WaiverError::Io { .. } => ErrorCode::WaiverUnreadable,
            WaiverError::Invalid { .. } => ErrorCode::WaiverInvalid,
            WaiverError::UnknownRule { .. } => ErrorCode::WaiverUnknownRule,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: RuleId,
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
    /// The org's own domains (issue 20): callbacks there are not someone else's client.
    #[serde(default)]
    org_domains: Vec<toml::Spanned<String>>,
}

/// What pkce-audit.toml holds: the waivers and the org's own domains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    pub waivers: Vec<Waiver>,
    /// `org_domains`: lower case, without a trailing dot.
    pub org_domains: Vec<String>,
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

/// The 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        1 + before.matches('\n').count(),
        1 + before[line_start..].chars().count(),
    )
}

/// The 1-based line of byte `offset` in `text` (for TOML spans).
pub fn line_of(text: &str, offset: usize) -> usize {
    position(text, offset).0
}

/// Parses a waiver file. Every mistake names the line it is on.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Waiver>, WaiverError> {
    parse_file(text, file).map(|c| c.waivers)
}

/// Parses pkce-audit.toml: its waivers and its `org_domains`. Every mistake names the
/// line it is on; a domain must be a bare host name (`acme.com`), not a URL.
pub fn parse_file(text: &str, file: &Path) -> Result<ConfigFile, WaiverError> {
    let invalid = |(line, column): (usize, usize), message: String| WaiverError::Invalid {
        file: file.to_path_buf(),
        line,
        column,
        message,
    };
    // The message alone: the error's Display adds a snippet of the file with carets.
    let shape: FileShape = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or((1, 1), |s| position(text, s.start));
        invalid(at, crate::errors::one_line(e.message()))
    })?;
    let mut org_domains = Vec::new();
    for d in &shape.org_domains {
        let domain = d
            .get_ref()
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let bare = !domain.is_empty()
            && domain.contains('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !bare {
            return Err(invalid(
                position(text, d.span().start),
                format!(
                    "`org_domains` holds host names such as \"acme.com\", not '{}'",
                    d.get_ref()
                ),
            ));
        }
        org_domains.push(domain);
    }
    let mut out = Vec::new();
    for spanned in shape.waiver {
        let line = position(text, spanned.span().start).0;
        let e = spanned.into_inner();
        // Each mistake points at the line of the field that holds it.
        let at = |field_span: std::ops::Range<usize>| position(text, field_span.start);
        let Some(rule) = RuleId::known(e.rule.get_ref()) else {
            let (line, column) = at(e.rule.span());
            return Err(WaiverError::UnknownRule {
                file: file.to_path_buf(),
                line,
                column,
                suggestion: closest(e.rule.get_ref(), RuleId::KNOWN.iter().map(RuleId::as_str))
                    .and_then(RuleId::known),
                rule: e.rule.into_inner(),
            });
        };
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
        let expires_at = at(e.expires.span());
        let text_date = match e.expires.get_ref() {
            DateValue::Toml(d) => match (&d.date, &d.time) {
                (Some(date), None) => date.to_string(),
                _ => {
                    return Err(invalid(
                        expires_at,
                        "`expires` must be a date like 2026-12-31".into(),
                    ))
                }
            },
            DateValue::Text(s) => s.clone(),
        };
        let expires = NaiveDate::parse_from_str(text_date.trim(), "%Y-%m-%d").map_err(|_| {
            invalid(
                expires_at,
                format!("`expires` must be a date like 2026-12-31, not '{text_date}'"),
            )
        })?;
        out.push(Waiver {
            rule,
            app: e.app.into_inner(),
            reason: e.reason.into_inner(),
            approved_by: e.approved_by.into_inner(),
            expires,
            file: file.display().to_string(),
            line,
        });
    }
    Ok(ConfigFile {
        waivers: out,
        org_domains,
    })
}

/// The waivers of a run: the file they come from, its entries, and the notes of
/// `resolve`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiverSet {
    /// As given or found; `None`: no waiver file applies.
    pub file: Option<PathBuf>,
    /// The same file, canonical (for SARIF's file links); `None` with no file.
    pub canonical: Option<PathBuf>,
    pub waivers: Vec<Waiver>,
    /// The file's `org_domains`.
    pub org_domains: Vec<String>,
    pub notes: Vec<String>,
}

/// How a waiver file's entries fared in one run. Every entry is counted once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// In force and matching at least one finding.
    pub applied: usize,
    /// Past their expiry date (`waiver-expired`).
    pub expired: usize,
    /// In force but matching no finding (`waiver-unused`).
    pub unused: usize,
}

fn waiver_finding(rule: RuleId, w: &Waiver, message: String) -> Finding {
    let location = Location {
        file: w.file.clone(),
        line: w.line as u32,
    };
    Finding {
        app: (w.app != "*").then(|| w.app.clone()),
        waiver_rule: Some(w.rule),
        ..Finding::org(rule, message, Some(location))
    }
}

/// Marks the findings each valid waiver covers, and reports expired and unused waivers.
/// The first matching waiver wins; it expires at the end of its `expires` day. `apps` are
/// the audited apps: a waiver naming none of them suggests the closest name.
pub fn apply(
    findings: &mut Vec<Finding>,
    waivers: &[Waiver],
    apps: &[App],
    today: NaiveDate,
) -> Counts {
    let mut extra = Vec::new();
    let mut counts = Counts::default();
    for w in waivers {
        let at = format!("{}:{}", w.file, w.line);
        if w.expires < today {
            counts.expired += 1;
            let covered = findings.iter().filter(|f| w.matches(f)).count();
            extra.push(waiver_finding(
                RuleId::WaiverExpired,
                w,
                format!(
                    "The waiver for {} on {} ({at}) expired on {}; it no longer applies to the {covered} finding(s) it covered.",
                    w.rule, w.app, w.expires
                ),
            ));
            continue;
        }
        let mut matched = false;
        for f in findings.iter_mut().filter(|f| w.matches(f)) {
            matched = true;
            if f.waived.is_none() {
                f.waived = Some(Waived {
                    reason: w.reason.clone(),
                    approved_by: w.approved_by.clone(),
                    expires: w.expires.to_string(),
                });
            }
        }
        if matched {
            counts.applied += 1;
            continue;
        }
        counts.unused += 1;
        let known = w.app == "*"
            || apps.iter().any(|a| a.name == w.app)
            || findings
                .iter()
                .any(|f| f.app.as_deref() == Some(w.app.as_str()));
        let message = if known {
            format!(
                "The waiver for {} on {} ({at}) matches no finding; remove it.",
                w.rule, w.app
            )
        } else {
            let hint = match closest_app(&w.app, apps) {
                Some(name) => format!("did you mean {name}?"),
                None => "no app has a similar name; correct or remove it.".into(),
            };
            format!(
                "The waiver for {} on {} ({at}) matches no app in this audit; {hint}",
                w.rule, w.app
            )
        };
        extra.push(waiver_finding(RuleId::WaiverUnused, w, message));
    }
    findings.extend(extra);
    counts
}

#[cfg(test)]
mod tests;
