//! The fleet report: one value every fleet format presents. Its JSON is a contract
//! (docs/fleet.md), versioned by [`FLEET_SCHEMA_VERSION`]. Each org's own report is the
//! ordinary [`Report`](crate::report::Report); this holds what a reader of many orgs needs
//! from each, and what only the comparison of several shows.

use crate::diff::read::Lenient;
use crate::diff::AppRef;
use crate::evidence::InstalledPackage;
use crate::inventory::{AppKind, Owner};
use crate::report::{IsvAction, Report, Tool};
use crate::rules::{RuleId, Severity, Verdict};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version of the fleet JSON's shape. Raise it when a field changes meaning or goes
/// away (adding one does not need it). 2: a rehearsal's `faithful` is `null` unless both
/// orgs were read completely, and the PKCE change it rehearses is in `rehearsed`, no
/// longer in `pkce_differs`, `org_settings` or `blockers_only_in_production`.
pub const FLEET_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetReport {
    pub schema_version: u32,
    pub tool: Tool,
    /// The fleet file, as given.
    pub file: String,
    /// RFC 3339, when the run started.
    pub generated_at: String,
    /// `not-ready` if any org is not ready or matched `fail_on`, else `incomplete` if any
    /// is incomplete, else `enforced` if every org enforces PKCE already, else `ready`.
    /// The exit status is the one this verdict stands for.
    pub verdict: Verdict,
    pub verdict_reason: String,
    /// `--fail-on`, when given.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// In the order of the fleet file.
    pub orgs: Vec<FleetOrg>,
    /// Apps blocking in more than one org.
    pub shared_blockers: Vec<SharedBlocker>,
    /// ISV packages: the version each org has, and what of it blocks there.
    pub packages: Vec<FleetPackage>,
    /// Each sandbox that rehearses a production org, against that org.
    pub rehearsals: Vec<Rehearsal>,
}

/// One org as the fleet sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetOrg {
    pub name: String,
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rehearses: Option<String>,
    /// The org's report verdict; `incomplete` when it could not be audited.
    pub verdict: Verdict,
    pub verdict_reason: String,
    /// The org has an unwaived finding at or above `--fail-on`: the fleet is not ready
    /// whatever the org's own verdict.
    #[serde(default)]
    pub fail_on_matched: bool,
    /// Why the org could not be audited (unreachable, refused login, unreadable folder),
    /// in one line; `None` when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The instance URL or the folder audited; `None` when it could not be audited.
    pub source: Option<String>,
    pub org_id: Option<String>,
    pub blockers: Blockers,
    /// Items that could not be read (the report's `incomplete`).
    pub unread: usize,
    /// API calls the audit made; `None` for a folder, or an org not audited.
    pub api_calls: Option<u64>,
    /// The org's full report (`--out-dir`), relative to the fleet report's folder when
    /// that is a file, else as written; `None` when none was written.
    pub report: Option<String>,
    /// Whether the org says it is a sandbox (`Organization.IsSandbox`); `None` for a
    /// folder, or an org not audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sandbox: Option<bool>,
}

impl FleetOrg {
    /// The fleet file's `role` contradicted by the org itself: a "production" org that
    /// says it is a sandbox, or a "sandbox" that says it is not. A rehearsal compared
    /// against the wrong kind of org proves nothing, so this is said, not guessed past.
    pub fn role_mismatch(&self) -> Option<String> {
        let (role, is_sandbox) = (self.role?, self.is_sandbox?);
        let says = if is_sandbox {
            "a sandbox"
        } else {
            "not a sandbox"
        };
        (is_sandbox != (role == Role::Sandbox)).then(|| {
            format!(
                "the fleet file says {}, but the org says it is {says} (Organization.IsSandbox {is_sandbox})",
                role.as_str()
            )
        })
    }
}

/// An org's unwaived blockers by who must act, as its report's summary says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blockers {
    /// Blocking findings.
    pub findings: usize,
    /// Apps of the org that our team must fix.
    pub org: Vec<String>,
    /// Apps only their ISV publisher can fix, by namespace.
    pub isv: Vec<IsvAction>,
    /// Apps defined in other orgs whose vendors must confirm PKCE.
    pub vendor: Vec<String>,
    /// Among `org`, the apps whose client runs at a host outside the org's own domains:
    /// clients at outside hosts to confirm with whoever runs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outside: Vec<String>,
}

impl Blockers {
    /// Apps with a blocker, whoever must act.
    pub fn apps(&self) -> usize {
        self.org.len() + self.vendor.len() + self.isv.iter().map(|i| i.apps.len()).sum::<usize>()
    }
}

/// How the apps of several orgs were found to be one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The same API name.
    Name,
    /// Different API names, the same label: apps known by label only (usage evidence), or
    /// one app deployed under another name.
    Label,
}

/// One app blocking in several orgs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedBlocker {
    pub matched_by: MatchedBy,
    /// The API name or the label the orgs share.
    pub key: String,
    /// API names and labels as the orgs report them.
    pub names: Vec<String>,
    pub labels: Vec<String>,
    pub owners: Vec<Owner>,
    pub kinds: Vec<AppKind>,
    /// The orgs it blocks in, in fleet order.
    pub orgs: Vec<String>,
    /// The blocking rules, in report order.
    pub rules: Vec<RuleId>,
}

/// One ISV namespace across the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetPackage {
    pub namespace: String,
    /// The package's name as the orgs report it (none known from folder audits).
    pub names: Vec<String>,
    /// Each org that has it, in fleet order.
    pub installs: Vec<PackageInstall>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageInstall {
    pub org: String,
    /// `None`: the org has the namespace's apps but did not say the version (a folder
    /// audit, `--no-usage`, or the package list unreadable).
    pub version: Option<String>,
    /// Its apps that block in this org.
    pub blocking_apps: Vec<String>,
}

/// A sandbox against the production org it rehearses: whatever differs, other than the
/// PKCE change being rehearsed, makes the rehearsal less faithful.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rehearsal {
    pub sandbox: String,
    pub production: String,
    /// Nothing below differs; `None` unless both orgs were read completely (`unread`
    /// names what was not).
    pub faithful: Option<bool>,
    pub production_verdict: Verdict,
    pub sandbox_verdict: Verdict,
    /// The verdict production would have with the rehearsed change made (its rehearsed
    /// blockers resolved, the org setting as the sandbox has it); present only when
    /// `rehearsed` is not empty. The verdicts agree when this equals `sandbox_verdict`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_verdict_after_change: Option<Verdict>,
    /// The PKCE change the sandbox rehearses: apps requiring PKCE there and not in
    /// production, the org setting on there and not in production. Not differences.
    #[serde(default)]
    pub rehearsed: Vec<RehearsedChange>,
    /// What either org could not read (its report's unread items, apps whose PKCE setting
    /// is unknown, or the whole org when it could not be audited); any entry makes
    /// `faithful` null.
    #[serde(default)]
    pub unread: Vec<UnreadItem>,
    /// Apps (by kind and API name) in production and not in the sandbox.
    pub only_in_production: Vec<AppRef>,
    pub only_in_sandbox: Vec<AppRef>,
    /// Apps in both whose PKCE setting differs.
    pub pkce_differs: Vec<PkceDifference>,
    /// Org OAuth settings that differ (`null`: the settings could not be read).
    pub org_settings: Vec<SettingDifference>,
    /// Unwaived blockers (rule, app) in one org only.
    pub blockers_only_in_production: Vec<BlockerRef>,
    pub blockers_only_in_sandbox: Vec<BlockerRef>,
    /// Installed packages whose version differs, or that one org lacks.
    pub packages: Vec<PackageDifference>,
    /// What was compared (empty when either org could not be audited); `faithful` says
    /// nothing of the rest.
    #[serde(default)]
    pub compared: Vec<Aspect>,
    /// What could not be compared, and why.
    pub notes: Vec<String>,
}

/// What of two orgs a rehearsal compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aspect {
    Verdict,
    Apps,
    PkceSettings,
    OrgSettings,
    Blockers,
    Packages,
}

impl Aspect {
    /// In a sentence: "Same verdict, apps and PKCE settings."
    pub fn words(self) -> &'static str {
        match self {
            Aspect::Verdict => "verdict",
            Aspect::Apps => "apps",
            Aspect::PkceSettings => "PKCE settings",
            Aspect::OrgSettings => "org settings",
            Aspect::Blockers => "blockers",
            Aspect::Packages => "packages",
        }
    }
}

/// What a rehearsed change turns on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RehearsedKind {
    /// An app's own PKCE setting.
    App,
    /// The org-wide setting (`isPkceRequired` of the OAuth and OpenID Connect settings).
    OrgSetting,
}

/// One part of the PKCE change a sandbox rehearses: required there, not (yet) in production.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehearsedChange {
    pub change: RehearsedKind,
    /// The app's kind; `None` for the org setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Lenient<AppKind>>,
    /// The app's API name, or the setting's field (`isPkceRequired`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub production: Option<bool>,
    pub sandbox: Option<bool>,
    /// Production's unwaived blockers on the app that the sandbox does not have: the
    /// change resolves them, so they are part of it, not differences.
    pub production_blockers: Vec<BlockerRef>,
}

/// Something one org of a rehearsal could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadItem {
    pub org: String,
    /// One line: the file or component and why, as the org's report says it.
    pub item: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkceDifference {
    pub kind: Lenient<AppKind>,
    pub name: String,
    pub label: Option<String>,
    pub production: Option<bool>,
    pub sandbox: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingDifference {
    /// The OauthOidcSettings field: `isPkceRequired`, `blockOAuthUnPwFlow`,
    /// `blockOAuthUsrAgtFlow`, `oAuthCdCrdtFlowEnable`.
    pub setting: String,
    pub production: Option<bool>,
    pub sandbox: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockerRef {
    pub rule: RuleId,
    pub app: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDifference {
    pub namespace: String,
    /// The installed version; `None`: not installed.
    pub production: Option<String>,
    pub sandbox: Option<String>,
}

impl Rehearsal {
    /// A rehearsal not compared yet: nothing differs, nothing compared.
    pub fn new(sandbox: &str, production: &str, verdicts: (Verdict, Verdict)) -> Rehearsal {
        Rehearsal {
            sandbox: sandbox.to_string(),
            production: production.to_string(),
            faithful: None,
            production_verdict: verdicts.0,
            sandbox_verdict: verdicts.1,
            production_verdict_after_change: None,
            rehearsed: Vec::new(),
            unread: Vec::new(),
            only_in_production: Vec::new(),
            only_in_sandbox: Vec::new(),
            pkce_differs: Vec::new(),
            org_settings: Vec::new(),
            blockers_only_in_production: Vec::new(),
            blockers_only_in_sandbox: Vec::new(),
            packages: Vec::new(),
            compared: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Production's verdict as the sandbox's is compared with: after the rehearsed change.
    pub fn compared_production_verdict(&self) -> Verdict {
        self.production_verdict_after_change
            .unwrap_or(self.production_verdict)
    }

    /// Whether anything differs that the report lists; the rehearsed change does not.
    pub fn differs(&self) -> bool {
        self.compared_production_verdict() != self.sandbox_verdict
            || !self.only_in_production.is_empty()
            || !self.only_in_sandbox.is_empty()
            || !self.pkce_differs.is_empty()
            || !self.org_settings.is_empty()
            || !self.blockers_only_in_production.is_empty()
            || !self.blockers_only_in_sandbox.is_empty()
            || !self.packages.is_empty()
    }
}

/// What an org is for. Only a sandbox can rehearse, and only a production org can be
/// rehearsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Production,
    Sandbox,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Production => "production",
            Role::Sandbox => "sandbox",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What auditing one org gave.
#[derive(Debug, Clone)]
pub struct Audited {
    pub report: Report,
    /// The packages the org says are installed; `None` when it did not say (a folder, a
    /// live org with `--no-usage`, or the package list unreadable).
    pub packages: Option<Vec<InstalledPackage>>,
}

/// One org's run: its report, or why there is none.
#[derive(Debug, Clone)]
pub struct OrgRun {
    pub outcome: Result<Audited, String>,
}

impl OrgRun {
    pub fn report(&self) -> Option<&Report> {
        self.outcome.as_ref().ok().map(|a| &a.report)
    }
}

#[cfg(test)]
mod role_tests {
    use super::Role;
    use super::*;

    fn org(role: Option<Role>, is_sandbox: Option<bool>) -> FleetOrg {
        FleetOrg {
            name: "o".into(),
            role,
            rehearses: None,
            verdict: Verdict::Ready,
            verdict_reason: String::new(),
            fail_on_matched: false,
            error: None,
            source: None,
            org_id: None,
            blockers: Blockers::default(),
            unread: 0,
            api_calls: None,
            report: None,
            is_sandbox,
        }
    }

    #[test]
    fn a_role_the_org_contradicts_is_named_and_nothing_else_is() {
        let m = org(Some(Role::Sandbox), Some(false))
            .role_mismatch()
            .unwrap();
        assert!(
            m.contains("says sandbox") && m.contains("not a sandbox"),
            "{m}"
        );
        let m = org(Some(Role::Production), Some(true))
            .role_mismatch()
            .unwrap();
        assert!(
            m.contains("says production") && m.contains("it is a sandbox"),
            "{m}"
        );
        assert_eq!(org(Some(Role::Sandbox), Some(true)).role_mismatch(), None);
        assert_eq!(
            org(Some(Role::Production), Some(false)).role_mismatch(),
            None
        );
        // Unknown on either side: nothing to check.
        assert_eq!(org(None, Some(true)).role_mismatch(), None);
        assert_eq!(org(Some(Role::Sandbox), None).role_mismatch(), None);
    }
}
