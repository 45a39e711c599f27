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

use crate::inventory::{App, Location};
use crate::rules::{Finding, RuleId, Waived};
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file read by default when it exists at the root of the audited folder, or else in
/// the current folder.
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
    /// A `rule` this version does not know, with the known id it most resembles.
    #[error("{file}:{line}: unknown rule '{rule}'{}", .suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    UnknownRule {
        file: PathBuf,
        line: usize,
        rule: String,
        suggestion: Option<RuleId>,
    },
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
        let Some(rule) = RuleId::known(e.rule.get_ref()) else {
            return Err(WaiverError::UnknownRule {
                file: file.to_path_buf(),
                line: at(e.rule.span()),
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
            rule,
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
    load_as(file, file)
}

/// Reads `path`, naming it `name` in waivers and messages.
fn load_as(path: &Path, name: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Io {
        file: name.to_path_buf(),
        source,
    })?;
    parse(&text, name)
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// No waivers at all (`--no-waivers`).
    Off,
    /// This file (`--waivers FILE`); it must exist.
    File(PathBuf),
    /// The default file, where one exists.
    Default,
}

/// Which waiver file a run reads, and what the reader should be told about the choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The file to read, as given or as found (relative to the current folder when the
    /// source was given relative); `None`: no waivers.
    pub file: Option<PathBuf>,
    /// Notes for the report: a default file that exists but is not read, or a verdict that
    /// rests on a file found in the current folder rather than in the audited project.
    pub notes: Vec<String>,
}

/// `dir/pkce-audit.toml` without a leading `./`, so `--source .` names `pkce-audit.toml`.
fn default_in(dir: &Path) -> PathBuf {
    let joined = dir.join(DEFAULT_FILE);
    joined
        .strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or(joined)
}

/// Whether two paths (relative to `cwd`) name the same existing file.
fn same_file(a: &Path, b: &Path, cwd: &Path) -> bool {
    match (cwd.join(a).canonicalize(), cwd.join(b).canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => cwd.join(a) == cwd.join(b),
    }
}

/// Decides which waiver file applies: `--waivers FILE`; else `pkce-audit.toml` at the root
/// of the audited folder (`source_root`, `None` for a live org); else `pkce-audit.toml` in
/// `cwd`, the current folder, which relative paths are read against.
pub fn resolve(selection: &Selection, source_root: Option<&Path>, cwd: &Path) -> Resolution {
    let project = source_root
        .map(default_in)
        .filter(|p| cwd.join(p).is_file());
    let here = Some(PathBuf::from(DEFAULT_FILE))
        .filter(|p| cwd.join(p).is_file())
        .filter(|h| !project.as_ref().is_some_and(|p| same_file(p, h, cwd)));
    let defaults: Vec<&PathBuf> = project.iter().chain(here.iter()).collect();
    let not_read = |why: &str, skip: Option<&Path>| -> Vec<String> {
        defaults
            .iter()
            .filter(|d| !skip.is_some_and(|s| same_file(s, d, cwd)))
            .map(|d| format!("{why}: the waiver file {} was not read.", d.display()))
            .collect()
    };
    match selection {
        Selection::Off => {
            let mut notes = not_read("Waivers turned off", None);
            if notes.is_empty() {
                notes.push("Waivers turned off.".into());
            }
            Resolution { file: None, notes }
        }
        Selection::File(f) => Resolution {
            file: Some(f.clone()),
            notes: not_read(
                &format!("Waivers taken from {}", f.display()),
                Some(f.as_path()),
            ),
        },
        Selection::Default => match (project, here) {
            (Some(p), here) => Resolution {
                notes: here
                    .map(|h| {
                        format!(
                            "Waivers taken from the audited project's {}: {} in the current folder was not read.",
                            p.display(),
                            h.display()
                        )
                    })
                    .into_iter()
                    .collect(),
                file: Some(p),
            },
            (None, Some(h)) => Resolution {
                notes: source_root
                    .map(|root| {
                        format!(
                            "Waivers taken from {} in the current folder, not from the audited folder {}: run from another folder, the same audit may give another verdict.",
                            h.display(),
                            root.display()
                        )
                    })
                    .into_iter()
                    .collect(),
                file: Some(h),
            },
            (None, None) => Resolution::default(),
        },
    }
}

/// The waivers of a run: the file they come from, its entries, and the notes of
/// [`resolve`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiverSet {
    /// As given or found; `None`: no waiver file applies.
    pub file: Option<PathBuf>,
    pub waivers: Vec<Waiver>,
    pub notes: Vec<String>,
}

impl Resolution {
    /// Reads the chosen file (relative paths against `cwd`). A missing or malformed file is
    /// an error: ignoring it would change the verdict.
    pub fn load(self, cwd: &Path) -> Result<WaiverSet, WaiverError> {
        let waivers = match &self.file {
            Some(f) => load_as(&cwd.join(f), f)?,
            None => Vec::new(),
        };
        Ok(WaiverSet {
            file: self.file,
            waivers,
            notes: self.notes,
        })
    }
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
        waiver_rule: Some(w.rule.clone()),
        ..Finding::org(rule, message, Some(location))
    }
}

/// Edit distance between two strings (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours each cost one).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before last (for swaps), the last, the current.
    let mut before = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (last[j] + 1).min(cur[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut cur);
    }
    last[b.len()]
}

/// The candidate closest to `wanted` (case-insensitive), when it is close enough to be a
/// likely typo: at most max(2, a third of its length) edits.
fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    closest_by(wanted, candidates.map(|c| (c, vec![c])))
}

/// [`closest`] where each candidate answers to several names (an app: API name, label).
fn closest_by<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = (&'a str, Vec<&'a str>)>,
) -> Option<&'a str> {
    let wanted = wanted.to_lowercase();
    let limit = 2.max(wanted.chars().count() / 3);
    candidates
        .filter_map(|(answer, names)| {
            let d = names
                .iter()
                .map(|n| edit_distance(&wanted, &n.to_lowercase()))
                .min()?;
            (d <= limit).then_some((d, answer))
        })
        .min()
        .map(|(_, answer)| answer)
}

/// The app whose API name or label is closest to `wanted`.
fn closest_app<'a>(wanted: &str, apps: &'a [App]) -> Option<&'a str> {
    closest_by(
        wanted,
        apps.iter().map(|a| {
            let names = std::iter::once(a.name.as_str()).chain(a.label.as_deref());
            (a.name.as_str(), names.collect())
        }),
    )
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
mod tests {
    use super::*;
    use crate::rules::Severity;

    fn finding(rule: &str, app: Option<&str>) -> Finding {
        let r = crate::rules::rule(rule).unwrap();
        Finding {
            rule: rule.into(),
            severity: r.severity,
            blocker: r.blocker,
            app: app.map(String::from),
            label: None,
            kind: None,
            owner: crate::inventory::Owner::Org,
            namespace: None,
            pkce_required: None,
            message: String::new(),
            remediation: String::new(),
            location: None,
            waived: None,
            code_logins: None,
            waiver_rule: None,
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
        let counts = apply(
            &mut f,
            &waivers,
            &[],
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        );
        assert_eq!(
            counts,
            Counts {
                applied: 1,
                expired: 1,
                unused: 1
            }
        );
        assert_eq!(f[0].waived.as_ref().unwrap().reason, "JWT only");
        assert!(f[1].waived.is_none(), "other apps are not covered");
        assert!(f[2].waived.is_none(), "expired waivers do not apply");
        let expired = f.iter().find(|x| x.rule == RuleId::WaiverExpired).unwrap();
        assert!(
            expired.message.contains("(w.toml:9) expired on 2026-01-01"),
            "{}",
            expired.message
        );
        assert_eq!(expired.location.as_ref().unwrap().line, 9);
        assert_eq!(expired.severity, Severity::Low);
        let unused = f.iter().find(|x| x.rule == RuleId::WaiverUnused).unwrap();
        assert_eq!(unused.app.as_deref(), Some("Gone_App"));
        // A waiver is still valid on its expiry day.
        let mut g = vec![finding("org-user-agent-flow-allowed", None)];
        apply(
            &mut g,
            &waivers[1..2],
            &[],
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
        assert_eq!(e, "w.toml:2: unknown rule 'no-such-rule'");
        let e = err("[[waiver]]\nrule = \"app-pkce-not-requird\"\napp = \"A\"\nreason = \"r\"\napproved_by = \"b\"\nexpires = 2026-01-01\n");
        assert_eq!(
            e,
            "w.toml:2: unknown rule 'app-pkce-not-requird' (did you mean 'app-pkce-not-required'?)"
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

    fn app(name: &str, label: Option<&str>) -> App {
        serde_json::from_value(serde_json::json!({
            "name": name, "label": label, "kind": "connected-app", "owner": "org",
            "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
            "callback_urls": [], "files": [],
        }))
        .unwrap()
    }

    fn waiver(app: &str) -> Waiver {
        Waiver {
            rule: RuleId::AppPkceNotRequired,
            app: app.into(),
            reason: "r".into(),
            approved_by: "b".into(),
            expires: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            file: "proj/pkce-audit.toml".into(),
            line: 12,
        }
    }

    fn unused_message(w: Waiver, apps: &[App]) -> String {
        let mut f = vec![finding("app-pkce-not-required", Some("ERP_Integration"))];
        let counts = apply(
            &mut f,
            &[w],
            apps,
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        );
        assert_eq!(counts.unused, 1);
        f.pop().unwrap().message
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("erp_integration", "erp_intergation"), 1);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }

    #[test]
    fn an_unknown_app_suggests_the_closest_name_or_label() {
        let apps = [
            app("ERP_Integration", Some("ERP Integration")),
            app("Customer_Portal", Some("Customer Portal")),
            app("Mobile_App", None),
        ];
        let m = unused_message(waiver("ERP_Intergation"), &apps);
        assert_eq!(
            m,
            "The waiver for app-pkce-not-required on ERP_Intergation (proj/pkce-audit.toml:12) matches no app in this audit; did you mean ERP_Integration?"
        );
        // Case and labels count: the API name is what the waiver needs.
        assert!(unused_message(waiver("customer portal"), &apps)
            .ends_with("did you mean Customer_Portal?"));
        assert!(unused_message(waiver("mobile_app"), &apps).ends_with("did you mean Mobile_App?"));
        // Too far from every app: no guess.
        let m = unused_message(waiver("Gone_App"), &apps);
        assert!(
            m.ends_with("no app has a similar name; correct or remove it."),
            "{m}"
        );
        // A short name gets at most two edits.
        assert!(unused_message(waiver("Mob"), &[app("Mobile", None)]).contains("no app has"));
        assert!(unused_message(waiver("Mobie"), &[app("Mobile", None)]).ends_with("Mobile?"));
        // A known app without a finding for the rule: nothing to suggest.
        let m = unused_message(waiver("Mobile_App"), &apps);
        assert_eq!(
            m,
            "The waiver for app-pkce-not-required on Mobile_App (proj/pkce-audit.toml:12) matches no finding; remove it."
        );
    }

    fn touch(dir: &Path, rel: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn resolution_prefers_the_flag_then_the_project_then_the_current_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path();
        std::fs::create_dir_all(cwd.join("proj")).unwrap();
        let proj = Some(Path::new("proj"));
        let file = |r: &Resolution| r.file.as_ref().map(|f| f.display().to_string());
        // Nothing anywhere: no file, nothing to say.
        let r = resolve(&Selection::Default, proj, cwd);
        assert_eq!(r, Resolution::default());
        // Only in the current folder: applied, with a note that the folder decided it.
        touch(cwd, DEFAULT_FILE);
        let r = resolve(&Selection::Default, proj, cwd);
        assert_eq!(file(&r).as_deref(), Some("pkce-audit.toml"));
        assert!(r.notes[0].contains("in the current folder, not from the audited folder proj"));
        // A live audit (no folder) reads the current folder's file without comment.
        let r = resolve(&Selection::Default, None, cwd);
        assert_eq!(file(&r).as_deref(), Some("pkce-audit.toml"));
        assert!(r.notes.is_empty());
        // The project's file wins, and the other is named as not read.
        touch(cwd, "proj/pkce-audit.toml");
        let r = resolve(&Selection::Default, proj, cwd);
        assert_eq!(
            file(&r),
            Some(Path::new("proj").join(DEFAULT_FILE).display().to_string())
        );
        assert_eq!(r.notes.len(), 1);
        assert!(r.notes[0].contains("pkce-audit.toml in the current folder was not read"));
        // `--source .`: one file, found as the project's, named without "./".
        let r = resolve(&Selection::Default, Some(Path::new(".")), cwd);
        assert_eq!(file(&r).as_deref(), Some("pkce-audit.toml"));
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        // An explicit file wins over both, which are named.
        let r = resolve(&Selection::File("w.toml".into()), proj, cwd);
        assert_eq!(file(&r).as_deref(), Some("w.toml"));
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
        // Unless it is one of them.
        let r = resolve(&Selection::File("pkce-audit.toml".into()), proj, cwd);
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        // Turned off: no file, and what was not read is named.
        let r = resolve(&Selection::Off, proj, cwd);
        assert_eq!(r.file, None);
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
        assert!(r
            .notes
            .iter()
            .all(|n| n.starts_with("Waivers turned off: ")));
        let r = resolve(&Selection::Off, None, tmp.path().join("proj").as_path());
        assert!(r.notes.iter().all(|n| n.starts_with("Waivers turned off")));
    }

    #[test]
    fn loading_reads_against_the_given_folder_and_names_the_file_as_found() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("proj")).unwrap();
        std::fs::write(tmp.path().join("proj").join(DEFAULT_FILE), FILE).unwrap();
        let set = resolve(&Selection::Default, Some(Path::new("proj")), tmp.path())
            .load(tmp.path())
            .unwrap();
        let name = Path::new("proj").join(DEFAULT_FILE).display().to_string();
        assert_eq!(set.waivers.len(), 3);
        assert_eq!(set.waivers[1].file, name);
        let err = resolve(&Selection::File("missing.toml".into()), None, tmp.path())
            .load(tmp.path())
            .unwrap_err();
        assert!(
            err.to_string().starts_with("missing.toml: cannot be read"),
            "{err}"
        );
    }
}
