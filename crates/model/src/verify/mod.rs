//! `verify`: after step 2 or step 3, did anyone break? From the org's own records (the
//! apps' PKCE settings now, LoginHistory before and after the change, OAuth token use),
//! each app in scope gets a [`State`] and the run a [`Verdict`]: keep, watch or roll back.
//!
//! Pure: pkce-audit-io reads the org into [`Facts`], [`verify`] decides, pkce-audit-render
//! presents the [`Verification`]. Nothing is called clean on data that was not read: an
//! app whose records were partly read, or not at all, is [`State::Unknown`].

mod decide;
pub mod rhythm;
mod status;
mod tally;
#[cfg(test)]
mod tests;

pub use decide::verify;
pub use rhythm::{Bucket, Gap, Rhythm, Silence};
pub use status::{class_of, StatusClass};
pub use tally::{Tally, Window};

use crate::evidence::{SourceState, TokenUsage};
use crate::inventory::{AppKind, Inventory, Owner};
use crate::vocab::vocabulary;
use chrono::{DateTime, Utc};

pub type Time = DateTime<Utc>;

/// A half-open stretch of time: `from` included, `to` not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub from: Time,
    pub to: Time,
}

vocabulary! {
    /// What the records say about one app since the change.
    #[derive(PartialOrd, Ord)]
    pub enum State {
        /// OAuth failures since the change that say PKCE, or that are new since the baseline.
        Failing = "failing",
        /// Code-flow logins in the baseline, none since, for longer than its usual gap.
        Silent = "silent",
        /// At least one successful code-flow login since the change.
        Confirmed = "confirmed",
        /// No code-flow login since yet, and not yet silent.
        Waiting = "waiting",
        /// No use of the code flow at all.
        Unaffected = "unaffected",
        /// The change is not in effect for it.
        NotDeployed = "not-deployed",
        /// Its records were not (fully) read, or do not say which app they are.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// The run's answer.
    #[derive(PartialOrd, Ord)]
    pub enum Verdict {
        /// Every app in scope is confirmed or unaffected, with everything read.
        Keep = "keep",
        /// Nothing failing or silent, but some app is waiting, not deployed or unknown.
        Watch = "watch",
        /// Some app is failing or silent.
        Rollback = "rollback",
    }
}

vocabulary! {
    /// Which change is checked.
    pub enum ScopeKind {
        /// Step 2, the apps named on the command line.
        Apps = "apps",
        /// Step 2, the apps of a deploy manifest `fix` wrote.
        Manifest = "manifest",
        /// Step 3: every app that can run the code flow, and every label LoginHistory
        /// shows with code-flow logins.
        OrgWide = "org-wide",
    }
}

/// What the run was asked to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Apps(Vec<String>),
    Manifest {
        file: String,
        /// `ConnectedApp` members.
        connected_apps: Vec<String>,
        /// `ExtlClntAppGlobalOauthSettings` members: their apps are in scope.
        eca_global_settings: Vec<String>,
    },
    OrgWide,
}

impl Scope {
    pub fn kind(&self) -> ScopeKind {
        match self {
            Scope::Apps(_) => ScopeKind::Apps,
            Scope::Manifest { .. } => ScopeKind::Manifest,
            Scope::OrgWide => ScopeKind::OrgWide,
        }
    }
}

/// One LoginHistory aggregate group: `Application`, `LoginType`, `LoginSubType`,
/// `Status`, `COUNT(Id)`, `MIN(LoginTime)`, `MAX(LoginTime)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginGroup {
    pub application: Option<String>,
    pub login_type: Option<String>,
    pub sub_type: Option<String>,
    pub status: Option<String>,
    pub count: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
}

/// The groups of one stretch of time, read in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub span: Span,
    pub groups: Vec<LoginGroup>,
}

/// LoginHistory as read: the baseline and the time since the change, each as parts that
/// cover it without overlap (split where a window held more than 2,000 groups, and where
/// the baseline's rhythm needed a closer look).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logins {
    pub state: SourceState,
    pub baseline: Vec<Part>,
    pub after: Vec<Part>,
    /// Buckets that should have been split further to decide a silence, but the run's
    /// budget of queries was spent: the apps they concern are unknown.
    pub rhythm_unfinished: Vec<Span>,
    /// Queries sent.
    pub queries: u64,
}

/// OAuth token use now (OauthToken is current state only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub state: SourceState,
    pub usage: Vec<TokenUsage>,
}

/// Which org was read, and when: the report says it, and the way back's commands name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    pub instance_url: String,
    pub org_id: Option<String>,
    pub name: Option<String>,
    pub is_sandbox: Option<bool>,
    /// The `sf` alias or username it was reached by, when it was.
    pub alias: Option<String>,
    pub read_at: Time,
}

/// The deploy that dates the change (`--deploy-id`), as `checkDeployStatus` gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployRef {
    pub id: String,
    /// `Succeeded` or `SucceededPartial`.
    pub status: String,
    pub completed: Time,
}

/// Everything read, for [`verify`].
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub org: OrgRef,
    /// When the change is dated by its deploy.
    pub deploy: Option<DeployRef>,
    pub since: Time,
    pub until: Time,
    pub baseline: Span,
    pub scope: &'a Scope,
    /// The org's apps and settings as they are now.
    pub inventory: &'a Inventory,
    pub logins: &'a Logins,
    pub tokens: &'a Tokens,
}

/// The answer for the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub org: OrgRef,
    pub deploy: Option<DeployRef>,
    pub verdict: Verdict,
    pub since: Time,
    pub until: Time,
    pub baseline: Span,
    pub scope: ScopeKind,
    /// The names asked for (`--app`), or the manifest file.
    pub asked: Vec<String>,
    pub manifest: Option<String>,
    /// The org-wide setting now; `None` when it was not read.
    pub org_pkce_required: Option<bool>,
    pub apps: Vec<AppCheck>,
    /// Why the verdict cannot be `keep` beyond the apps' states: parts of the org that
    /// were not read.
    pub open: Vec<Open>,
    pub logins: SourceState,
    pub tokens: SourceState,
    pub queries: u64,
}

/// Something not read that keeps the verdict from `keep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Open {
    /// A problem reading the org's metadata (the component, the reason).
    Metadata {
        component: Option<String>,
        reason: String,
    },
    /// Step 3 scope and the org-wide setting is off, or was not read.
    OrgSetting { required: Option<bool> },
    /// LoginHistory was not fully read: apps seen only there may be missing.
    Logins,
}

/// One app's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCheck {
    pub name: String,
    pub label: Option<String>,
    /// `None` for a name the org does not hold.
    pub kind: Option<AppKind>,
    pub owner: Option<Owner>,
    pub namespace: Option<String>,
    /// The installed package it comes from, when the org said.
    pub package: Option<String>,
    /// An External Client App's global OAuth settings component, when it was read.
    pub global_settings: Option<String>,
    /// The app's own `isPkceRequired` now; `None` when not read (or not an app the org's
    /// metadata holds).
    pub pkce_required: Option<bool>,
    pub state: State,
    pub why: Why,
    pub before: Window,
    pub after: Window,
    /// Failures since the change that concern the app (a user's own failures left out).
    pub failures: Vec<Failure>,
    /// Its OAuth tokens now, when read.
    pub tokens: Option<TokenUsage>,
    /// The longest gap between its code-flow logins in the baseline.
    pub usual_gap: Option<Gap>,
    /// By when a fresh authorization is due (waiting): its last code-flow login plus the
    /// longest usual gap.
    pub due: Option<Time>,
    pub next: Next,
}

/// One failure status since the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: String,
    pub class: StatusClass,
    pub count: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
    /// Logins with this status in the baseline.
    pub before: u64,
}

/// Why an app is in its state.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// Unknown: no app of that name in the org.
    NotFound,
    /// Unknown: its metadata could not be read.
    Unreadable { reason: String },
    /// Unknown: LoginHistory names apps by label, and another app has the same one.
    LabelShared { with: Vec<String> },
    /// Unknown: its label was not read, so its logins cannot be told apart.
    NoLabel,
    /// Unknown: whether the change is in effect was not read.
    SettingUnread,
    /// Unknown: LoginHistory could not be read.
    LoginsUnread { reason: String },
    /// Unknown: LoginHistory was read only in part.
    LoginsPartial,
    /// Unknown: OauthToken could not be read, and without logins only it shows use.
    TokensUnread,
    /// Unknown: a failure status since the change that the decoder does not know.
    UnrecognizedFailure { status: String },
    /// Unknown: the baseline's rhythm needed more queries than the run allows.
    RhythmUnresolved,
    /// Unknown: the baseline is partial, and a failure since may have been there before.
    FailureMaybeOld { status: String },
    /// Not deployed: PKCE is not required for it now.
    NotRequired,
    /// Failing: statuses that say PKCE.
    PkceFailures,
    /// Failing: OAuth failure statuses it did not have in the baseline.
    NewOauthFailures,
    /// Silent: no code-flow login since its last, longer than its usual gap.
    Silent { last: Time },
    /// Confirmed: successful code-flow logins since the change.
    Confirmed,
    /// Waiting: code-flow logins in the baseline, none since yet.
    WaitingRhythm { last: Time },
    /// Waiting: refresh tokens still in use, or OAuth logins whose flow is not recorded.
    WaitingRefresh,
    /// Unaffected: only flows without an authorization code.
    NoCodeFlow,
    /// Unaffected: no OAuth use in either window, and no token used since the change.
    NoOauthUse,
}

/// What to do next about one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Confirmed or unaffected.
    Nothing,
    /// Force a fresh authorization: a test user reconnects in the client.
    SmokeTest { due: Option<Time> },
    /// Deploy the change, or leave the app out of the check.
    Deploy,
    /// Go back: the ways, in order.
    Rollback(Vec<Back>),
    /// Read the named status's meaning and the client's logs.
    Investigate,
    /// Give the login the access that reads the missing records, and run again.
    Access { remedy: String },
    /// Give the apps different labels (or check the logins by hand).
    TellApart,
    /// Check the name against the org's apps.
    CheckName,
}

/// One way back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Back {
    /// Set the app's own `isPkceRequired` to false (an app this org owns). For an
    /// External Client App, `global_settings` names the component that holds it, when it
    /// was read.
    UndoApp {
        name: String,
        kind: AppKind,
        global_settings: Option<String>,
    },
    /// Turn the org-wide setting off.
    UndoOrgSetting,
    /// Only the package's publisher can change the app (and Salesforce does not let
    /// partners turn PKCE off once on).
    Publisher {
        namespace: Option<String>,
        package: Option<String>,
    },
    /// The app is defined in another org: its owner must fix the client.
    Vendor,
}

/// The baseline's parts to read again in halves before deciding: for every label with
/// code-flow logins in the baseline and none since the change, the buckets that could
/// hide a gap longer than its silence by `until` ([`Rhythm::to_split`]). `baseline` must
/// be in time order.
pub fn rhythm_splits(baseline: &[Part], after: &[Part], span: Span, until: Time) -> Vec<Span> {
    let mut out = std::collections::BTreeSet::new();
    for label in tally::code_flow_labels(baseline) {
        if tally::tally(after, &label).window.code_flow > 0 {
            continue;
        }
        let rhythm = Rhythm {
            baseline: span,
            buckets: baseline.iter().map(|p| tally::bucket(p, &label)).collect(),
        };
        if let Some(last) = rhythm.last() {
            out.extend(rhythm.to_split(until - last));
        }
    }
    out.into_iter().collect()
}
