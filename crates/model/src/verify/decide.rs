//! The decision: each app's state from its records, then the verdict.

use super::tally::{bucket, code_flow_labels, label_key, tally, Tally};
use super::{
    AppCheck, Back, Facts, Failure, Next, Open, Rhythm, Scope, Silence, State, StatusClass,
    Verdict, Verification, Why,
};
use crate::evidence::{SourceState, TokenUsage};
use crate::inventory::{App, AppKind, Concerns, Owner};
use std::collections::BTreeMap;

/// What is checked: an app of the org, a label only LoginHistory shows, or a name the
/// org does not hold.
enum Subject<'a> {
    App(&'a App),
    LabelOnly(String),
    Missing(String),
}

/// Whether the change is in effect for an app now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InEffect {
    Yes,
    No,
    Unread,
}

/// Decides every app in scope and the verdict.
pub fn verify(f: &Facts) -> Verification {
    let inv = f.inventory;
    let org = inv.org_settings.as_ref().map(|s| s.is_pkce_required);
    let labels = label_index(&inv.apps);
    let mut apps: Vec<AppCheck> = subjects(f, &labels)
        .iter()
        .map(|s| check(f, s, org, &labels))
        .collect();
    apps.sort_by(|a, b| (a.state, &a.name).cmp(&(b.state, &b.name)));
    let mut open: Vec<Open> = inv
        .problems
        .iter()
        .map(|p| Open::Metadata {
            component: p.component.as_ref().map(|c| c.to_string()),
            reason: p.reason.clone(),
        })
        .collect();
    if f.scope.kind() == super::ScopeKind::OrgWide && org != Some(true) {
        open.push(Open::OrgSetting { required: org });
    }
    if !f.logins.state.is_complete() {
        open.push(Open::Logins);
    }
    let verdict = if apps
        .iter()
        .any(|a| matches!(a.state, State::Failing | State::Silent))
    {
        Verdict::Rollback
    } else if !open.is_empty()
        || apps.iter().any(|a| {
            matches!(
                a.state,
                State::Waiting | State::NotDeployed | State::Unknown
            )
        })
    {
        Verdict::Watch
    } else {
        Verdict::Keep
    };
    let (asked, manifest) = match f.scope {
        Scope::Apps(names) => (names.clone(), None),
        Scope::Manifest { file, .. } => (Vec::new(), Some(file.clone())),
        Scope::OrgWide => (Vec::new(), None),
    };
    Verification {
        org: f.org.clone(),
        deploy: f.deploy.clone(),
        verdict,
        since: f.since,
        until: f.until,
        baseline: f.baseline,
        scope: f.scope.kind(),
        asked,
        manifest,
        org_pkce_required: org,
        apps,
        open,
        logins: f.logins.state.clone(),
        tokens: f.tokens.state.clone(),
        queries: f.logins.queries,
    }
}

/// The label LoginHistory names an app by: its label, or for an app known only from the
/// org's list of connected apps, the name it is listed by (that list's `Name` is the label).
fn label_of(app: &App) -> Option<&str> {
    match app.kind {
        AppKind::External => Some(app.label.as_deref().unwrap_or(&app.name)),
        AppKind::ConnectedApp | AppKind::ExternalClientApp => app.label.as_deref(),
    }
    .map(str::trim)
    .filter(|l| !l.is_empty())
}

/// Every label (by [`label_key`]) with the names of the apps that carry it.
fn label_index(apps: &[App]) -> BTreeMap<String, Vec<String>> {
    let mut index: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in apps {
        if let Some(l) = label_of(a) {
            index.entry(label_key(l)).or_default().push(a.name.clone());
        }
    }
    index
}

fn subjects<'a>(f: &Facts<'a>, labels: &BTreeMap<String, Vec<String>>) -> Vec<Subject<'a>> {
    let inv = f.inventory;
    let named = |name: &str, kind: Option<AppKind>| {
        inv.apps
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name) && kind.is_none_or(|k| a.kind == k))
    };
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut push = |s: Subject<'a>, key: String| {
        if seen.insert(key.to_ascii_lowercase()) {
            out.push(s);
        }
    };
    match f.scope {
        Scope::Apps(names) => {
            for n in names {
                match named(n, None) {
                    Some(a) => push(Subject::App(a), a.name.clone()),
                    None => push(Subject::Missing(n.clone()), n.clone()),
                }
            }
        }
        Scope::Manifest {
            connected_apps,
            eca_global_settings,
            ..
        } => {
            for n in connected_apps {
                match named(n, Some(AppKind::ConnectedApp)) {
                    Some(a) => push(Subject::App(a), a.name.clone()),
                    None => push(Subject::Missing(n.clone()), n.clone()),
                }
            }
            for g in eca_global_settings {
                match eca_of_global_settings(&inv.apps, g) {
                    Some(a) => push(Subject::App(a), a.name.clone()),
                    None => push(Subject::Missing(g.clone()), g.clone()),
                }
            }
        }
        Scope::OrgWide => {
            for a in inv.apps.iter().filter(|a| a.in_pkce_scope()) {
                push(Subject::App(a), a.name.clone());
            }
            let parts = f.logins.baseline.iter().chain(&f.logins.after);
            let parts: Vec<_> = parts.cloned().collect();
            for l in code_flow_labels(&parts) {
                if !labels.contains_key(&label_key(&l)) {
                    push(Subject::LabelOnly(l.clone()), format!("label {l}"));
                }
            }
        }
    }
    out
}

/// The External Client App whose global OAuth settings are the component `member`: the
/// one whose files hold it, or whose name it is with the `_glbloauth` suffix the sf CLI
/// gives it.
fn eca_of_global_settings<'a>(apps: &'a [App], member: &str) -> Option<&'a App> {
    let stem = |f: &str| {
        let base = f.rsplit(['/', '\\']).next().unwrap_or(f);
        base.split('.').next().unwrap_or(base).to_string()
    };
    apps.iter()
        .filter(|a| a.kind == AppKind::ExternalClientApp)
        .find(|a| {
            a.files
                .iter()
                .any(|f| f.contains("ecaGlblOauth") && stem(f).eq_ignore_ascii_case(member))
                || member
                    .strip_suffix("_glbloauth")
                    .is_some_and(|n| n.eq_ignore_ascii_case(&a.name))
        })
}

fn in_effect(f: &Facts, app_required: Option<bool>, org: Option<bool>) -> InEffect {
    match f.scope {
        // The org setting requires PKCE of every app, whatever the step checked.
        Scope::Apps(_) | Scope::Manifest { .. } => match (app_required, org) {
            (Some(true), _) | (_, Some(true)) => InEffect::Yes,
            (Some(false), _) => InEffect::No,
            (None, _) => InEffect::Unread,
        },
        Scope::OrgWide => match (org, app_required) {
            (Some(true), _) | (_, Some(true)) => InEffect::Yes,
            (Some(false), Some(false)) => InEffect::No,
            (Some(false) | None, None) | (None, Some(false)) => InEffect::Unread,
        },
    }
}

fn check(
    f: &Facts,
    s: &Subject,
    org: Option<bool>,
    labels: &BTreeMap<String, Vec<String>>,
) -> AppCheck {
    let mut c = AppCheck {
        name: String::new(),
        label: None,
        kind: None,
        owner: None,
        namespace: None,
        package: None,
        global_settings: None,
        pkce_required: None,
        state: State::Unknown,
        why: Why::NotFound,
        before: Default::default(),
        after: Default::default(),
        failures: Vec::new(),
        tokens: None,
        usual_gap: None,
        due: None,
        next: Next::CheckName,
    };
    let (label, code_capable, effect) = match s {
        Subject::Missing(name) => {
            c.name = name.clone();
            if let Some(p) = f.inventory.problems.iter().find(|p| {
                matches!(&p.component, Some(Concerns::Component { name: n, .. }) if n.eq_ignore_ascii_case(name))
            }) {
                c.why = Why::Unreadable {
                    reason: p.reason.clone(),
                };
                c.next = Next::Access {
                    remedy: p.remedy.clone().unwrap_or_default(),
                };
            }
            return c;
        }
        Subject::LabelOnly(l) => {
            c.name = l.clone();
            c.label = Some(l.clone());
            c.kind = Some(AppKind::External);
            c.owner = Some(Owner::External);
            let effect = in_effect(f, None, org);
            // Not in the metadata: step 3 is all that applies to it.
            let effect = match (effect, org) {
                (InEffect::Unread, Some(false)) => InEffect::No,
                (e, _) => e,
            };
            (l.clone(), true, effect)
        }
        Subject::App(a) => {
            c.name = a.name.clone();
            c.label = a.label.clone();
            c.kind = Some(a.kind);
            c.owner = Some(a.owner);
            c.namespace = a.namespace.clone();
            c.package = a.package.as_ref().map(|p| p.name.clone());
            c.global_settings = a.global_settings.clone();
            c.pkce_required = a.pkce_required;
            let Some(label) = label_of(a) else {
                c.why = Why::NoLabel;
                c.next = Next::TellApart;
                return c;
            };
            let others: Vec<String> = labels
                .get(&label_key(label))
                .into_iter()
                .flatten()
                .filter(|n| **n != a.name)
                .cloned()
                .collect();
            // A shared label is a doubt only where something carries it: no login and no
            // token under it says neither app was used (nor is LoginHistory's partial
            // read any surer: that is judged below).
            if !others.is_empty() && label_in_use(f, label) {
                c.label = Some(label.to_string());
                c.why = Why::LabelShared { with: others };
                c.next = Next::TellApart;
                return c;
            }
            let required = match a.kind {
                AppKind::External => None,
                AppKind::ConnectedApp | AppKind::ExternalClientApp => a.pkce_required,
            };
            let mut effect = in_effect(f, required, org);
            if a.kind == AppKind::External && org == Some(false) {
                effect = InEffect::No;
            }
            (label.to_string(), a.in_pkce_scope(), effect)
        }
    };
    c.tokens = f
        .tokens
        .usage
        .iter()
        .find(|t| label_key(&t.app) == label_key(&label))
        .cloned();
    let before = tally(&f.logins.baseline, &label);
    let after = tally(&f.logins.after, &label);
    c.failures = failures(&before, &after);
    c.before = before.window.clone();
    c.after = after.window.clone();
    let rhythm = Rhythm {
        baseline: f.baseline,
        buckets: f
            .logins
            .baseline
            .iter()
            .map(|p| bucket(p, &label))
            .collect(),
    };
    if c.before.code_flow > 0 {
        c.usual_gap = Some(rhythm.gap());
    }
    let (state, why) = decide(f, &c, &rhythm, effect, code_capable);
    c.state = state;
    c.why = why;
    if let (State::Waiting, Why::WaitingRhythm { last }) = (c.state, &c.why) {
        c.due = c.usual_gap.map(|g| *last + g.at_most);
    }
    c.next = next(f, &c, org);
    c
}

/// Whether any login group or token carries `label`.
fn label_in_use(f: &Facts, label: &str) -> bool {
    let key = label_key(label);
    let groups = f.logins.baseline.iter().chain(&f.logins.after);
    groups
        .flat_map(|p| &p.groups)
        .any(|g| g.application.as_deref().map(label_key).as_ref() == Some(&key))
        || f.tokens.usage.iter().any(|t| label_key(&t.app) == key)
}

/// Each failure status since the change, with its count in the baseline.
fn failures(before: &Tally, after: &Tally) -> Vec<Failure> {
    after
        .failures
        .iter()
        .map(|(status, (class, seen))| Failure {
            status: status.clone(),
            class: *class,
            count: seen.count,
            first: seen.first,
            last: seen.last,
            before: before.failures.get(status).map_or(0, |(_, s)| s.count),
        })
        .collect()
}

fn decide(
    f: &Facts,
    c: &AppCheck,
    rhythm: &Rhythm,
    effect: InEffect,
    code_capable: bool,
) -> (State, Why) {
    if effect == InEffect::No {
        return (State::NotDeployed, Why::NotRequired);
    }
    if let SourceState::Missing { reason, .. } = &f.logins.state {
        return (
            State::Unknown,
            Why::LoginsUnread {
                reason: reason.clone(),
            },
        );
    }
    let baseline_complete = f.logins.state.is_complete();
    if c.failures.iter().any(|x| x.class == StatusClass::Pkce) {
        return (State::Failing, Why::PkceFailures);
    }
    let new = |class| {
        c.failures
            .iter()
            .find(|x| x.class == class && x.before == 0)
    };
    if let Some(x) = new(StatusClass::AppOauth) {
        return if baseline_complete {
            (State::Failing, Why::NewOauthFailures)
        } else {
            (
                State::Unknown,
                Why::FailureMaybeOld {
                    status: x.status.clone(),
                },
            )
        };
    }
    if effect == InEffect::Unread {
        return (State::Unknown, Why::SettingUnread);
    }
    if !baseline_complete {
        return (State::Unknown, Why::LoginsPartial);
    }
    if let Some(x) = new(StatusClass::Unrecognized) {
        return (
            State::Unknown,
            Why::UnrecognizedFailure {
                status: x.status.clone(),
            },
        );
    }
    if c.after.code_flow > 0 {
        return (State::Confirmed, Why::Confirmed);
    }
    if let Some(last) = rhythm.last() {
        let silence = f.until - last;
        return match rhythm.silence(silence) {
            Silence::Longer => (State::Silent, Why::Silent { last }),
            Silence::Within => (State::Waiting, Why::WaitingRhythm { last }),
            Silence::Undecided if rhythm.to_split(silence).is_empty() => {
                (State::Waiting, Why::WaitingRhythm { last })
            }
            Silence::Undecided => (State::Unknown, Why::RhythmUnresolved),
        };
    }
    let used_since = c
        .tokens
        .as_ref()
        .is_some_and(|t| token_used_since(t, f.since));
    let unrecorded = c.before.flow_unknown + c.after.flow_unknown > 0;
    if c.before.refresh + c.after.refresh > 0 || used_since || (unrecorded && code_capable) {
        return (State::Waiting, Why::WaitingRefresh);
    }
    let any_oauth = c.before.oauth_logins() + c.after.oauth_logins() > 0;
    if !any_oauth && !f.tokens.state.is_complete() {
        return (State::Unknown, Why::TokensUnread);
    }
    if any_oauth {
        (State::Unaffected, Why::NoCodeFlow)
    } else {
        (State::Unaffected, Why::NoOauthUse)
    }
}

/// Whether a token's `LastUsedDate` falls at or after the change: a dateTime (its offset
/// applied) compared with the change, a bare day with the change's day (UTC).
fn token_used_since(t: &TokenUsage, since: super::Time) -> bool {
    let Some(v) = t.last_used.as_deref().map(str::trim) else {
        return false;
    };
    let at = chrono::DateTime::parse_from_rfc3339(v)
        .or_else(|_| chrono::DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f%z"));
    match at {
        Ok(t) => t.with_timezone(&chrono::Utc) >= since,
        Err(_) => {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok_and(|d| d >= since.date_naive())
        }
    }
}

fn next(f: &Facts, c: &AppCheck, org: Option<bool>) -> Next {
    match c.state {
        State::Confirmed | State::Unaffected => Next::Nothing,
        State::Waiting => Next::SmokeTest { due: c.due },
        State::NotDeployed => Next::Deploy,
        State::Failing | State::Silent => Next::Rollback(ways_back(f, c, org)),
        State::Unknown => match &c.why {
            Why::NotFound => Next::CheckName,
            Why::LabelShared { .. } | Why::NoLabel => Next::TellApart,
            Why::UnrecognizedFailure { .. } | Why::FailureMaybeOld { .. } => Next::Investigate,
            Why::LoginsUnread { .. } | Why::LoginsPartial | Why::RhythmUnresolved => Next::Access {
                remedy: crate::evidence::EvidenceSource::LoginHistory
                    .remedy()
                    .to_string(),
            },
            Why::TokensUnread => Next::Access {
                remedy: crate::evidence::EvidenceSource::OauthToken
                    .remedy()
                    .to_string(),
            },
            Why::Unreadable { .. } | Why::SettingUnread => Next::Access {
                remedy: "'View Setup and Configuration' and 'Customize Application'".into(),
            },
            Why::NotRequired
            | Why::PkceFailures
            | Why::NewOauthFailures
            | Why::Silent { .. }
            | Why::Confirmed
            | Why::WaitingRhythm { .. }
            | Why::WaitingRefresh
            | Why::NoCodeFlow
            | Why::NoOauthUse => Next::Investigate,
        },
    }
}

/// The ways back for a failing or silent app: the org-wide setting when it is on (it
/// requires PKCE of every app, whatever the app's own setting), the app's own setting when
/// that is on (or unread) and this org owns it, then whoever must fix the client when that
/// is not this org (the publisher, who alone may change a packaged app, or the vendor).
fn ways_back(f: &Facts, c: &AppCheck, org: Option<bool>) -> Vec<Back> {
    let mut backs = Vec::new();
    if org == Some(true) {
        backs.push(Back::UndoOrgSetting);
    }
    let own_setting = match c.kind {
        Some(AppKind::External) | None => false,
        Some(AppKind::ConnectedApp | AppKind::ExternalClientApp) => c.pkce_required != Some(false),
    };
    let step2 = matches!(f.scope, Scope::Apps(_) | Scope::Manifest { .. });
    match (c.owner, c.kind) {
        (Some(Owner::Org), Some(kind)) if own_setting || (step2 && backs.is_empty()) => {
            backs.push(Back::UndoApp {
                name: c.name.clone(),
                kind,
                global_settings: c.global_settings.clone(),
            })
        }
        (Some(Owner::Org), _) => {}
        (Some(Owner::Isv), _) => backs.push(Back::Publisher {
            namespace: c.namespace.clone(),
            package: c.package.clone(),
        }),
        (Some(Owner::External | Owner::Salesforce) | None, _) => backs.push(Back::Vendor),
    }
    backs
}
