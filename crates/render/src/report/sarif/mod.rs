//! SARIF 2.1.0 for code scanning in CI.
//!
//! Each finding points at the file and line of the element that causes it, relative to
//! the audited folder ([`locations`]). Fingerprints hash the rule and the app (not line
//! numbers), so an alert survives unrelated edits to the file. Waived findings are kept as
//! results with an external suppression.

mod locations;
mod schema;

use super::text::visible;
use super::{rule_help_uri, Report, HOMEPAGE, TOOL_NAME};
use locations::Bases;
use pkce_audit_model::inventory::Problem;
use pkce_audit_model::rules::{self, Finding, Severity};
use schema::{
    AutomationDetails, Configuration, Driver, Fingerprints, Invocation, Level, Location, Log,
    Message, Notification, PhysicalLocation, Region, ReportingDescriptor, ResultProperties,
    RuleProperties, Run, RunProperties, SarifResult, Suppression, SuppressionKind,
    SuppressionStatus, Tool, Waivers,
};
use sha2::{Digest, Sha256};

pub const SARIF_VERSION: &str = "2.1.0";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub's mapping: `level` drives the annotation, `security-severity` the alert severity
/// (critical >= 9.0, high >= 7.0, medium >= 4.0, low below).
fn level(s: Severity) -> Level {
    match s {
        Severity::Critical | Severity::High => Level::Error,
        Severity::Medium => Level::Warning,
        Severity::Low | Severity::Info => Level::Note,
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
        f.kind_str(),
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

fn rule_descriptor(r: &rules::Rule) -> ReportingDescriptor {
    let help_uri = rule_help_uri(r.id.as_str());
    ReportingDescriptor {
        default_configuration: Configuration {
            level: level(r.severity),
        },
        full_description: Message::text(r.explanation),
        help: Message {
            markdown: Some(format!(
                "{}\n\n**What to do:** {}\n\nBlocker: {}. [More about `{}`]({help_uri}).",
                r.explanation,
                r.remediation,
                if r.blocker { "yes" } else { "no" },
                r.id,
            )),
            text: format!("{}\n\nWhat to do: {}", r.explanation, r.remediation),
        },
        help_uri,
        id: r.id,
        name: r
            .id
            .as_str()
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect(),
        properties: RuleProperties {
            precision: "high",
            salesforce_security_controls: r.id.controls(),
            security_severity: security_severity(r.severity),
            tags: [
                "security",
                "oauth",
                "pkce",
                if r.blocker { "blocker" } else { "advisory" },
            ],
        },
        short_description: Message::text(r.summary),
    }
}

fn result(f: &Finding, bases: &Bases) -> SarifResult {
    // Message texts are what code scanning shows: made visible like every other format.
    let mut text = visible(&f.message).into_owned();
    if let Some(app) = &f.app {
        text = format!("{}: {text}", visible(app));
    }
    if f.likely_failing {
        text = format!("{text} Likely failing: {}.", super::cells::LIKELY_FAILING);
    }
    // A file and line where there is one, and the component the finding is about.
    let location = Location {
        logical_locations: locations::logical(f).into_iter().collect(),
        physical_location: bases
            .of_finding(f)
            .zip(f.location.as_ref())
            .map(|(artifact, loc)| PhysicalLocation {
                artifact_location: artifact,
                region: Region {
                    start_line: loc.line.max(1),
                },
            }),
    };
    let suppressions = f.waived.iter().map(|w| {
        // Where the org already requires PKCE the waived app likely fails: the waiver is
        // shown as under review, and a result none of whose suppressions is `accepted` is
        // not suppressed (SARIF 2.1.0, `result.suppressions` and `suppression.status`).
        let status = if f.likely_failing {
            SuppressionStatus::UnderReview
        } else {
            SuppressionStatus::Accepted
        };
        Suppression {
            justification: visible(&format!(
                "{} (approved by {}, expires {})",
                w.reason, w.approved_by, w.expires
            ))
            .into_owned(),
            kind: SuppressionKind::External,
            status,
        }
    });
    SarifResult {
        level: level(f.severity),
        locations: Some(location)
            .filter(|l| l.physical_location.is_some() || !l.logical_locations.is_empty())
            .into_iter()
            .collect(),
        message: Message::text(text),
        partial_fingerprints: Fingerprints {
            finding_v1: fingerprint(f),
        },
        properties: ResultProperties {
            blocker: f.blocker,
            likely_failing: f.likely_failing,
            owner: f.owner,
            severity: f.severity.as_str(),
        },
        rule_id: f.rule,
        rule_index: f.rule.index(),
        suppressions: suppressions.collect(),
    }
}

/// What could not be read, as a notification at its file (or its component).
fn notification(p: &Problem, bases: &Bases) -> Notification {
    let location = if let Some(artifact) = p.file.as_deref().and_then(|f| bases.in_source(f)) {
        Some(Location {
            logical_locations: Vec::new(),
            physical_location: Some(PhysicalLocation {
                artifact_location: artifact,
                region: Region {
                    start_line: p.line.unwrap_or(1).max(1),
                },
            }),
        })
    } else {
        p.component.as_ref().map(|component| Location {
            logical_locations: vec![schema::LogicalLocation {
                fully_qualified_name: Some(component.to_string()),
                kind: None,
                name: None,
            }],
            physical_location: None,
        })
    };
    Notification {
        level: Level::Warning,
        locations: location.into_iter().collect(),
        message: Message::text(visible(&p.to_string())),
    }
}

pub fn sarif(report: &Report) -> String {
    let bases = Bases::of(&report.scope);
    let run = Run {
        automation_details: AutomationDetails {
            id: format!("pkce-audit/{}/", report.scope.kind),
        },
        invocations: [Invocation {
            execution_successful: true,
            tool_execution_notifications: report
                .incomplete
                .iter()
                .map(|p| notification(p, &bases))
                .collect(),
        }],
        original_uri_base_ids: bases.original_uri_base_ids(),
        properties: RunProperties {
            verdict: report.verdict().as_str(),
            verdict_reason: &report.verdict_reason,
            waivers: report
                .scope
                .waivers
                .as_ref()
                .and_then(Option::as_ref)
                .map(|w| Waivers {
                    applied: w.applied,
                    expired: w.expired,
                    file: &w.file,
                    unused: w.unused,
                }),
        },
        results: report.findings.iter().map(|f| result(f, &bases)).collect(),
        tool: Tool {
            driver: Driver {
                information_uri: HOMEPAGE,
                name: TOOL_NAME,
                rules: rules::RULES.iter().map(rule_descriptor).collect(),
                semantic_version: &report.tool.version,
                version: &report.tool.version,
            },
        },
    };
    crate::json::pretty(&Log {
        schema: SCHEMA,
        runs: [run],
        version: SARIF_VERSION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's anchor for a heading, as github-slugger computes it
    /// (https://github.com/Flet/github-slugger): the heading's text (Markdown code fences
    /// dropped), lower case, without punctuation but `-` and `_`, each space a `-`; a
    /// repeated anchor gets `-1`, `-2`, ...
    fn github_anchors(markdown: &str) -> Vec<String> {
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        let mut anchors = Vec::new();
        for line in markdown.lines() {
            let Some(text) = line.strip_prefix('#') else {
                continue;
            };
            let text = text.trim_start_matches('#').trim().replace('`', "");
            let slug: String = text
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let n = seen.entry(slug.clone()).or_default();
            anchors.push(if *n == 0 {
                slug.clone()
            } else {
                format!("{slug}-{n}")
            });
            *n += 1;
        }
        anchors
    }

    #[test]
    fn every_rule_links_to_its_own_section_of_docs_rules_md() {
        let docs = include_str!("../../../../../docs/rules.md");
        let anchors = github_anchors(docs);
        let home = url::Url::parse(HOMEPAGE).expect("the homepage is an absolute URL");
        assert_eq!(home.scheme(), "https");
        for r in rules::RULES {
            let d = rule_descriptor(r);
            let uri = url::Url::parse(&d.help_uri).unwrap();
            assert!(uri.as_str().starts_with(HOMEPAGE), "{uri}");
            assert!(uri.path().ends_with("/docs/rules.md"), "{uri}");
            let fragment = uri.fragment().unwrap();
            assert_eq!(fragment, r.id.as_str());
            assert!(
                anchors.iter().any(|a| a == fragment),
                "docs/rules.md has no anchor #{fragment}"
            );
            // The help states the remediation, in both forms.
            for form in [Some(&d.help.text), d.help.markdown.as_ref()] {
                assert!(form.unwrap().contains(r.remediation));
            }
        }
        // The anchor function itself: a repeated heading and punctuation.
        assert_eq!(
            github_anchors("## `a-b`\n## A b?\n## `a-b`"),
            ["a-b", "a-b-1", "a-b-2"]
        );
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
            location: Some(pkce_audit_model::inventory::Location {
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
        f.kind = Some(pkce_audit_model::inventory::AppKind::ExternalClientApp);
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
