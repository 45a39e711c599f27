//! The readiness rules: findings, their order, and the verdict.
//!
//! Rule ids are a contract: never rename one (scripts, waivers and code-scanning alerts
//! refer to them). Each rule is documented in docs/rules.md; a test keeps the two in step.
//!
//! - `catalog`: the one table of rules ([`RULES`], [`RuleId`]);
//! - `apps` and `org`: what fires, and why; `exposure`: what an app's callbacks and usage
//!   say about its client; `outside`: clients at hosts outside the org; `words`: how an
//!   app is named in its findings;
//! - [`verdict`]: ready, not ready, incomplete or enforced.

mod apps;
mod catalog;
mod exposure;
mod org;
mod outside;
mod verdict;
mod words;

pub use self::catalog::*;
pub use self::verdict::{open_items, verdict, verdict_of, Verdict};
pub use self::words::{eca_pkce_path, setup_path, ECA_PKCE_BOX, ECA_PKCE_SECTION};
pub use self::words::{BlockableFlow, BLOCKABLE_FLOWS};

use crate::flow::Flow;
use crate::inventory::{App, AppKind, Inventory, Location, Owner};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waived {
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    #[serde(default)]
    pub blocker: bool,
    /// The app's API name; `None` for org-level findings.
    pub app: Option<String>,
    pub label: Option<String>,
    pub kind: Option<AppKind>,
    /// Who has to act: the app's owner, `org` for org-level findings.
    #[serde(default = "org_owner")]
    pub owner: Owner,
    pub namespace: Option<String>,
    pub pkce_required: Option<bool>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waived: Option<Waived>,
    /// A blocker, waived or not, in an org that already requires PKCE: the app likely
    /// fails at its next authorization (a waiver defers nothing there). Set with the
    /// verdict; absent (false) otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub likely_failing: bool,
    /// Authorization code logins in the evidence window: how many would break first.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code_logins: Option<u64>,
    /// For a waiver finding (`waiver-expired`, `waiver-unused`): the rule its waiver
    /// entry names, which identifies it in SARIF. Not in the JSON, whose shape is
    /// unchanged: a report read back has `None`.
    #[serde(skip)]
    pub waiver_rule: Option<RuleId>,
}

/// The owner of a finding read back without one.
fn org_owner() -> Owner {
    Owner::Org
}

impl Finding {
    /// A finding about the org (or a file, such as a waiver) rather than an app.
    pub(crate) fn org(id: RuleId, message: String, location: Option<Location>) -> Self {
        let rule = id.rule();
        Finding {
            rule: id,
            severity: rule.severity,
            blocker: rule.blocker,
            app: None,
            label: None,
            kind: None,
            owner: Owner::Org,
            namespace: None,
            pkce_required: None,
            message,
            remediation: rule.remediation.to_string(),
            location,
            waived: None,
            likely_failing: false,
            code_logins: None,
            waiver_rule: None,
        }
    }

    fn app(id: RuleId, app: &App, message: String, location: Option<Location>) -> Self {
        let rule = id.rule();
        Finding {
            rule: id,
            severity: rule.severity,
            blocker: rule.blocker,
            app: Some(app.name.clone()),
            label: app.label.clone(),
            kind: Some(app.kind),
            owner: app.owner,
            namespace: app.namespace.clone(),
            pkce_required: app.pkce_required,
            message,
            remediation: rule.remediation.to_string(),
            location: location.or_else(|| app.locations.app.clone()),
            waived: None,
            likely_failing: false,
            code_logins: app
                .usage
                .as_ref()
                .and_then(|u| u.logins_with(&Flow::AuthorizationCode))
                .map(|f| f.logins),
            waiver_rule: None,
        }
    }

    /// Evidence says the app never runs an authorization code flow: keep the finding, at
    /// low severity and not blocking, with the reason.
    fn lowered_by_evidence(mut self, usage: &crate::evidence::Usage) -> Self {
        self.severity = Severity::Low;
        self.blocker = false;
        self.message.push_str(&format!(
            " Not blocking: in the last {} days it was seen only with flows that carry no authorization code.",
            usage.window_days
        ));
        self
    }

    /// The app kind as every format spells it; empty for a finding about no app (the org
    /// settings, a waiver entry), which JSON writes as `null`. One value, so CSV, JSON and
    /// the SARIF fingerprint cannot disagree.
    pub fn kind_str(&self) -> &str {
        self.kind.as_ref().map_or("", |k| k.as_str())
    }

    /// Keeps the verdict from `ready`, waived or not, until usage evidence settles it:
    /// the medium `app-callback-success-page` (rules/apps.rs lowers it to low when login
    /// history, SAML or canvas settles it). Nothing is faked: no evidence, no `ready`.
    pub fn awaits_usage_evidence(&self) -> bool {
        self.rule == RuleId::AppCallbackSuccessPage && self.severity >= Severity::Medium
    }

    /// Counts toward the verdict and exit code.
    pub fn is_active_blocker(&self) -> bool {
        self.blocker && self.waived.is_none()
    }

    /// A blocker whose owner must still act: unwaived, or waived in an org that already
    /// requires PKCE, where the app likely fails at its next authorization.
    pub fn needs_action(&self) -> bool {
        self.blocker && (self.waived.is_none() || self.likely_failing)
    }

    /// Waived, but in an org that already requires PKCE: the waiver defers nothing.
    pub fn waived_but_failing(&self) -> bool {
        self.blocker && self.likely_failing && self.waived.is_some()
    }

    /// A finding for tests: rule `rule` (a catalogue id) on `app` (or the org), with the
    /// catalog's severity and blocker; no message, no location. Public for the other
    /// crates' tests.
    #[doc(hidden)]
    pub fn bare(rule: &str, app: Option<&str>) -> Finding {
        let id = RuleId::known(rule).expect("a rule of the catalogue");
        let (severity, blocker) = (id.rule().severity, id.rule().blocker);
        Finding {
            rule: id,
            severity,
            blocker,
            app: app.map(String::from),
            label: None,
            kind: None,
            owner: Owner::Org,
            namespace: None,
            pkce_required: None,
            message: String::new(),
            remediation: String::new(),
            location: None,
            waived: None,
            likely_failing: false,
            code_logins: None,
            waiver_rule: None,
        }
    }
}

/// The callback URL helpers live in [`crate::callback`] (WHATWG parsing); re-exported
/// here for callers that still name them through the rules.
pub use crate::callback::{insecure_callbacks, is_loopback_host};

/// Applies every rule to the inventory. Findings come out in a stable order.
pub fn evaluate(inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = &inv.org_settings {
        org::org_findings(s, &mut out);
    }
    for app in &inv.apps {
        apps::app_findings(app, inv.org_settings.as_ref(), &mut out);
    }
    outside::provider_findings(&inv.auth_providers, &mut out);
    sort_findings(&mut out);
    out
}

/// Blockers first, those with the most authorization code logins (the most impact) ahead,
/// then by severity, rule order, owner and app.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.is_active_blocker()
            .cmp(&a.is_active_blocker())
            .then(b.code_logins.unwrap_or(0).cmp(&a.code_logins.unwrap_or(0)))
            .then(b.severity.cmp(&a.severity))
            .then(a.rule.rank().cmp(&b.rule.rank()))
            .then(a.owner.cmp(&b.owner))
            .then(a.app.cmp(&b.app))
    });
}
