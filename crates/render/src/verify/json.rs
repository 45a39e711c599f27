//! The verification as JSON: a typed document of its own, led by its `schema_version`,
//! documented in docs/output.md. Times are RFC 3339 in UTC with `Z`; every field is
//! always there (`null` when not known), except a reason's details, which only the
//! reasons that have them carry.

use super::{
    app_commands, meaning, next_text, next_word, open_text, time, why_text, why_word, NOTES,
};
use pkce_audit_model::evidence::{SourceState, TokenUsage};
use pkce_audit_model::inventory::{AppKind, Owner};
use pkce_audit_model::verify::{
    AppCheck, Failure, Gap, Open, ScopeKind, State, StatusClass, Verdict, Verification, Why, Window,
};
use serde::Serialize;

/// The version of the document's shape.
pub const VERIFY_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    org: OrgDoc<'a>,
    deploy: Option<DeployDoc<'a>>,
    verdict: Verdict,
    since: String,
    until: String,
    baseline: Range,
    scope: Scope<'a>,
    apps: Vec<App<'a>>,
    open: Vec<OpenItem<'a>>,
    sources: Sources,
}

#[derive(Serialize)]
struct OrgDoc<'a> {
    instance_url: &'a str,
    org_id: Option<&'a str>,
    name: Option<&'a str>,
    is_sandbox: Option<bool>,
    target_org: Option<&'a str>,
    read_at: String,
}

#[derive(Serialize)]
struct DeployDoc<'a> {
    id: &'a str,
    status: &'a str,
    completed: String,
}

#[derive(Serialize)]
struct Range {
    from: String,
    to: String,
}

#[derive(Serialize)]
struct Scope<'a> {
    kind: ScopeKind,
    apps: &'a [String],
    manifest: Option<&'a str>,
    org_pkce_required: Option<bool>,
}

#[derive(Serialize)]
struct App<'a> {
    name: &'a str,
    label: Option<&'a str>,
    kind: Option<AppKind>,
    owner: Option<Owner>,
    namespace: Option<&'a str>,
    package: Option<&'a str>,
    pkce_required: Option<bool>,
    state: State,
    why: WhyDoc<'a>,
    before: Before,
    after: Counts,
    failures: Vec<FailureDoc<'a>>,
    tokens: Option<Tokens<'a>>,
    due: Option<String>,
    next: NextDoc,
}

#[derive(Serialize)]
struct WhyDoc<'a> {
    word: &'static str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    with: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last: Option<String>,
}

#[derive(Serialize)]
struct Counts {
    code_flow: u64,
    first_code_flow: Option<String>,
    last_code_flow: Option<String>,
    refresh: u64,
    no_code: u64,
    flow_unknown: u64,
    app_failures: u64,
    user_failures: u64,
}

#[derive(Serialize)]
struct Before {
    #[serde(flatten)]
    counts: Counts,
    usual_gap: Option<GapDoc>,
}

#[derive(Serialize)]
struct GapDoc {
    at_least_hours: f64,
    at_most_hours: f64,
}

#[derive(Serialize)]
struct FailureDoc<'a> {
    status: &'a str,
    /// The decoder's `LOGIN_STATUS` code and meaning; `null` for a status it lacks.
    code: Option<&'static str>,
    meaning: Option<&'static str>,
    class: StatusClass,
    count: u64,
    first: Option<String>,
    last: Option<String>,
    before: u64,
}

#[derive(Serialize)]
struct Tokens<'a> {
    tokens: u64,
    users: u64,
    use_count: u64,
    last_used: Option<&'a str>,
}

#[derive(Serialize)]
struct NextDoc {
    action: &'static str,
    text: String,
    commands: Vec<String>,
}

#[derive(Serialize)]
struct OpenItem<'a> {
    kind: &'static str,
    component: Option<&'a str>,
    text: String,
}

#[derive(Serialize)]
struct Sources {
    login_history: Source,
    oauth_token: Source,
    notes: [&'static str; 2],
}

#[derive(Serialize)]
struct Source {
    state: &'static str,
    rows: Option<u64>,
    partial: Option<bool>,
    reason: Option<String>,
    remedy: Option<String>,
    queries: Option<u64>,
}

/// The document, with the characters a terminal would act on escaped.
pub fn json(v: &Verification) -> String {
    crate::json::document(&Document {
        schema_version: VERIFY_SCHEMA_VERSION,
        org: OrgDoc {
            instance_url: &v.org.instance_url,
            org_id: v.org.org_id.as_deref(),
            name: v.org.name.as_deref(),
            is_sandbox: v.org.is_sandbox,
            target_org: v.org.alias.as_deref(),
            read_at: time(v.org.read_at),
        },
        deploy: v.deploy.as_ref().map(|d| DeployDoc {
            id: &d.id,
            status: &d.status,
            completed: time(d.completed),
        }),
        verdict: v.verdict,
        since: time(v.since),
        until: time(v.until),
        baseline: Range {
            from: time(v.baseline.from),
            to: time(v.baseline.to),
        },
        scope: Scope {
            kind: v.scope,
            apps: &v.asked,
            manifest: v.manifest.as_deref(),
            org_pkce_required: v.org_pkce_required,
        },
        apps: v
            .apps
            .iter()
            .map(|a| app(a, v.org.alias.as_deref()))
            .collect(),
        open: v.open.iter().map(open).collect(),
        sources: Sources {
            login_history: source(&v.logins, Some(v.queries)),
            oauth_token: source(&v.tokens, None),
            notes: NOTES,
        },
    })
}

fn app<'a>(a: &'a AppCheck, alias: Option<&str>) -> App<'a> {
    App {
        name: &a.name,
        label: a.label.as_deref(),
        kind: a.kind,
        owner: a.owner,
        namespace: a.namespace.as_deref(),
        package: a.package.as_deref(),
        pkce_required: a.pkce_required,
        state: a.state,
        why: why(&a.why),
        before: Before {
            counts: counts(&a.before),
            usual_gap: a.usual_gap.as_ref().map(gap),
        },
        after: counts(&a.after),
        failures: a.failures.iter().map(failure).collect(),
        tokens: a.tokens.as_ref().map(tokens),
        due: a.due.map(time),
        next: NextDoc {
            action: next_word(&a.next),
            text: next_text(&a.next),
            commands: app_commands(a, alias),
        },
    }
}

fn why(w: &Why) -> WhyDoc<'_> {
    let mut doc = WhyDoc {
        word: why_word(w),
        text: why_text(w),
        reason: None,
        with: None,
        status: None,
        last: None,
    };
    match w {
        Why::Unreadable { reason } | Why::LoginsUnread { reason } => doc.reason = Some(reason),
        Why::LabelShared { with } => doc.with = Some(with),
        Why::UnrecognizedFailure { status } | Why::FailureMaybeOld { status } => {
            doc.status = Some(status)
        }
        Why::Silent { last } | Why::WaitingRhythm { last } => doc.last = Some(time(*last)),
        Why::NotFound
        | Why::NoLabel
        | Why::SettingUnread
        | Why::LoginsPartial
        | Why::TokensUnread
        | Why::RhythmUnresolved
        | Why::NotRequired
        | Why::PkceFailures
        | Why::NewOauthFailures
        | Why::Confirmed
        | Why::WaitingRefresh
        | Why::NoCodeFlow
        | Why::NoOauthUse => {}
    }
    doc
}

fn counts(w: &Window) -> Counts {
    Counts {
        code_flow: w.code_flow,
        first_code_flow: w.first_code_flow.map(time),
        last_code_flow: w.last_code_flow.map(time),
        refresh: w.refresh,
        no_code: w.no_code,
        flow_unknown: w.flow_unknown,
        app_failures: w.app_failures,
        user_failures: w.user_failures,
    }
}

/// Hours to the hundredth.
fn gap(g: &Gap) -> GapDoc {
    let hours = |seconds: i64| (seconds as f64 / 36.0).round() / 100.0;
    GapDoc {
        at_least_hours: hours(g.at_least.num_seconds()),
        at_most_hours: hours(g.at_most.num_seconds()),
    }
}

fn failure(f: &Failure) -> FailureDoc<'_> {
    let decoded = meaning(&f.status);
    FailureDoc {
        status: &f.status,
        code: decoded.map(|(_, code)| code),
        meaning: decoded.map(|(m, _)| m),
        class: f.class,
        count: f.count,
        first: f.first.map(time),
        last: f.last.map(time),
        before: f.before,
    }
}

fn tokens(t: &TokenUsage) -> Tokens<'_> {
    Tokens {
        tokens: t.tokens,
        users: t.users,
        use_count: t.use_count,
        last_used: t.last_used.as_deref(),
    }
}

fn open(o: &Open) -> OpenItem<'_> {
    let (kind, component) = match o {
        Open::Metadata { component, .. } => ("metadata", component.as_deref()),
        Open::OrgSetting { .. } => ("org-setting", None),
        Open::Logins => ("logins", None),
    };
    OpenItem {
        kind,
        component,
        text: open_text(o),
    }
}

fn source(s: &SourceState, queries: Option<u64>) -> Source {
    match s {
        SourceState::Read {
            rows,
            partial,
            reason,
            ..
        } => Source {
            state: "read",
            rows: Some(*rows),
            partial: Some(*partial),
            reason: reason.clone(),
            remedy: None,
            queries,
        },
        SourceState::Missing { reason, remedy } => Source {
            state: "missing",
            rows: None,
            partial: None,
            reason: Some(reason.clone()),
            remedy: Some(remedy.clone()),
            queries,
        },
    }
}
