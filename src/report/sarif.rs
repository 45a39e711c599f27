//! SARIF 2.1.0 for code scanning in CI.
//!
//! Each finding points at the file and line of the element that causes it. Fingerprints
//! hash the rule and the app (not line numbers), so an alert survives unrelated edits to
//! the file. Waived findings are kept as results with an external suppression.

use super::text::visible;
use super::{Report, ScopeKind, TOOL_NAME};
use crate::rules::{self, Finding, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

pub const SARIF_VERSION: &str = "2.1.0";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub's mapping: `level` drives the annotation, `security-severity` the alert severity
/// (critical >= 9.0, high >= 7.0, medium >= 4.0, low below).
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Stable across edits: what the finding is about, not where it sits or how its message
/// reads. Typed fields only: the rule, the app and its kind (which keeps a Connected App
/// and an External Client App of the same name apart), and for a waiver finding the rule
/// its waiver entry names.
pub fn fingerprint(f: &Finding) -> String {
    // For a waiver finding, the bytes earlier versions hashed (then cut from the message),
    // rebuilt from the typed fields, so that existing alerts keep their identity.
    let waiver = f.waiver_rule.as_ref().map(|waived| {
        let app = f.app.as_deref().unwrap_or("*");
        format!("The waiver for {waived} on {app}")
    });
    digest(f, waiver.as_deref())
}

/// The first 16 bytes of SHA-256 over the rule, the app and its kind, then `tail`.
fn digest(f: &Finding, tail: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [
        f.rule.as_str(),
        f.app.as_deref().unwrap_or("(org)"),
        f.kind.as_ref().map_or("", |k| k.as_str()),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    if let Some(tail) = tail {
        h.update(tail.as_bytes());
    }
    let digest = h.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Repository-relative URI: the source folder as given on the command line joined with the
/// file's path inside it, so `--source .` and `--source sub/project` both resolve in CI.
fn artifact_uri(source: &str, file: &str) -> String {
    // Waiver-file locations are already relative to the working folder.
    if Path::new(file).is_absolute() || file.ends_with(".toml") {
        return file.replace('\\', "/");
    }
    let joined = Path::new(source).join(file);
    let mut parts: Vec<String> = Vec::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/").replace("//", "/")
}

fn rule_descriptor(r: &rules::Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.id.as_str().split('-').map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        }).collect::<String>(),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.explanation},
        "help": {
            "text": format!("{}\n\nWhat to do: {}", r.explanation, r.remediation),
            "markdown": format!("{}\n\n**What to do:** {}\n\nBlocker: {}.", r.explanation, r.remediation, if r.blocker { "yes" } else { "no" }),
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "security-severity": security_severity(r.severity),
            "precision": "high",
            "tags": ["security", "oauth", "pkce", if r.blocker { "blocker" } else { "advisory" }],
            "salesforceSecurityControls": r.id.controls(),
        },
    })
}

fn result(f: &Finding, source: &str) -> Value {
    let index = f.rule.index();
    // Message texts are what code scanning shows: made visible like every other format.
    let mut text = visible(&f.message).into_owned();
    if let Some(app) = &f.app {
        text = format!("{}: {text}", visible(app));
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": text},
        "partialFingerprints": {"pkceAuditFinding/v1": fingerprint(f)},
        "properties": {
            "severity": f.severity.as_str(),
            "blocker": f.blocker,
            "owner": f.owner.as_str(),
        },
    });
    if let Some(i) = index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(loc) = &f.location {
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(source, &loc.file)},
                "region": {"startLine": loc.line.max(1)},
            },
            "logicalLocations": f.app.as_ref().map(|a| vec![json!({"name": a, "kind": "module"})]).unwrap_or_default(),
        }]);
    }
    if let Some(w) = &f.waived {
        r["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": visible(&format!("{} (approved by {}, expires {})", w.reason, w.approved_by, w.expires)),
        }]);
    }
    r
}

pub fn sarif(report: &Report) -> String {
    // Only a folder's files are in the repository.
    let source = match report.scope.kind {
        ScopeKind::Folder => report.scope.source.as_str(),
        ScopeKind::Org | ScopeKind::Other(_) => "",
    };
    let log = json!({
        "$schema": SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules::RULES.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": format!("pkce-audit/{}/", report.scope.kind)},
            "results": report.findings.iter().map(|f| result(f, source)).collect::<Vec<_>>(),
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": report.incomplete.iter().map(|p| {
                    let mut n = json!({"level": "warning", "message": {"text": visible(&p.to_string())}});
                    if let Some(file) = &p.file {
                        n["locations"] = json!([{"physicalLocation": {
                            "artifactLocation": {"uri": artifact_uri(source, file)},
                            "region": {"startLine": p.line.unwrap_or(1).max(1)},
                        }}]);
                    }
                    n
                }).collect::<Vec<_>>(),
            }],
            "properties": {
                "verdict": report.verdict().as_str(),
                "verdictReason": report.verdict_reason,
                "waivers": report.scope.waivers,
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    s.push('\n');
    super::text::json_escape_invisible(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_where_the_tool_ran() {
        assert_eq!(
            artifact_uri("fixtures/demo-org", "force-app/a.xml"),
            "fixtures/demo-org/force-app/a.xml"
        );
        assert_eq!(artifact_uri(".", "force-app/a.xml"), "force-app/a.xml");
        assert_eq!(artifact_uri("./x/../y", "a.xml"), "y/a.xml");
        assert_eq!(artifact_uri("", "a.xml"), "a.xml");
        assert_eq!(artifact_uri("src", "pkce-audit.toml"), "pkce-audit.toml");
    }

    /// How fingerprints of waiver findings were computed before they rested on typed
    /// fields: from the message, up to " (file:line)".
    fn message_fingerprint(f: &Finding) -> String {
        digest(f, f.message.split(" (").next())
    }

    #[test]
    fn fingerprints_depend_on_typed_fields_only() {
        let mut f = Finding {
            message: "one".into(),
            location: Some(crate::inventory::Location {
                file: "a".into(),
                line: 3,
            }),
            ..Finding::bare("app-pkce-not-required", Some("A"))
        };
        let a = fingerprint(&f);
        f.message = "two".into();
        f.location.as_mut().unwrap().line = 40;
        assert_eq!(fingerprint(&f), a, "moves and rewording keep the alert");
        f.app = Some("B".into());
        assert_ne!(fingerprint(&f), a);
        let b = fingerprint(&f);
        f.kind = Some(crate::inventory::AppKind::ExternalClientApp);
        assert_ne!(fingerprint(&f), b, "same name, other kind");
        // Two waivers on one app for different rules: two alerts; rewording or moving
        // a waiver keeps its alert.
        f.rule = rules::RuleId::WaiverExpired;
        f.kind = None;
        f.waiver_rule = Some(rules::RuleId::AppPkceNotRequired);
        f.message = "The waiver for app-pkce-not-required on B (pkce-audit.toml:3) expired".into();
        let w1 = fingerprint(&f);
        assert_eq!(w1, message_fingerprint(&f), "the same alert as before");
        f.message = "Expired: the waiver for app-pkce-not-required (sub/pkce-audit.toml:30)".into();
        assert_eq!(
            fingerprint(&f),
            w1,
            "rewording and moving the waiver keep its alert"
        );
        f.waiver_rule = Some(rules::RuleId::InsecureCallbackUrl);
        assert_ne!(fingerprint(&f), w1);
        // A waiver for every app: no app, and the entry's "*".
        f.app = None;
        f.message = "The waiver for insecure-callback-url on * (w.toml:1) expired".into();
        assert_eq!(fingerprint(&f), message_fingerprint(&f));
        assert_eq!(a.len(), 32);
    }
}
