//! Presenting a [`Verification`] (`verify`: after the change, did anyone break?): a table,
//! Markdown or JSON. What is said about each app (why its state, what next, the way back
//! with its exact commands) is decided once here, as raw text; each format escapes it its
//! way.

mod json;
mod markdown;
mod table;

pub use self::json::{json, VERIFY_SCHEMA_VERSION};
pub use self::markdown::markdown;
pub use self::table::{styled, table};

use pkce_audit_model::advice::{Advice, ROLLBACK_PROJECT};
use pkce_audit_model::evidence::SourceState;
use pkce_audit_model::inventory::AppKind;
use pkce_audit_model::login_status;
use pkce_audit_model::verify::{
    AppCheck, Back, Gap, Next, Open, State, StatusClass, Time, Verdict, Verification, Why,
};
use pkce_audit_model::vocab::choices;

choices! {
    /// Output formats of `verify`.
    pub enum Format("verify format") {
        Table = "table",
        Json = "json",
        Markdown = "markdown",
    }
}

/// How the table is laid out, as the report's: its width, and ANSI colour (the caller
/// decides: terminal, `--color`, NO_COLOR; the machine formats never carry colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub width: u16,
    pub color: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            width: 100,
            color: false,
        }
    }
}

/// Renders the verification; width and colour apply to the table.
pub fn render(v: &Verification, format: Format, opts: Options) -> String {
    match format {
        Format::Table => styled(v, opts.width).paint(opts.color),
        Format::Json => json(v),
        Format::Markdown => markdown(v),
    }
}

/// Salesforce's packaging guide: a partner may not turn PKCE off once it is on.
pub const ISV_PKCE_SOURCE: &str = "https://developer.salesforce.com/docs/atlas.en-us.packagingGuide.meta/packagingGuide/secure_code_ac_eca.htm";

/// What every verification says about its sources, whatever was read.
pub const NOTES: [&str; 2] = [
    "OauthToken is current state only: a run over the same window again (the same since and until) gives the same LoginHistory part, not the same token part.",
    "An authorize request refused for a missing code_challenge may leave no LoginHistory row: a silence can be a break.",
];

pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Keep => "KEEP",
        Verdict::Watch => "WATCH",
        Verdict::Rollback => "ROLLBACK",
    }
}

/// The verdict in a sentence: what it rests on.
pub fn verdict_reason(v: &Verification) -> String {
    let count = |s: State| v.apps.iter().filter(|a| a.state == s).count();
    let states: Vec<String> = State::KNOWN
        .iter()
        .filter(|s| count(**s) > 0)
        .map(|s| format!("{} {s}", count(*s)))
        .collect();
    let apps = match states.is_empty() {
        true => "no app in scope".to_string(),
        false => format!("{} app(s): {}", v.apps.len(), states.join(", ")),
    };
    let open = match v.open.len() {
        0 => String::new(),
        n => format!("; {n} thing(s) not read"),
    };
    let why = match v.verdict {
        Verdict::Rollback => "some app is failing or silent",
        Verdict::Watch => "nothing failing or silent, but not everything is confirmed",
        Verdict::Keep => "every app confirmed or unaffected, everything read",
    };
    format!("{why} ({apps}{open}).")
}

/// A time as RFC 3339 in UTC, to the second, with `Z`.
pub fn time(t: Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn time_or_dash(t: Option<Time>) -> String {
    t.map_or_else(|| "-".into(), time)
}

/// A length of time in days, hours and minutes ("2d 4h", "45m").
fn length(minutes: i64) -> String {
    let minutes = minutes.max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (mins, "m")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

/// The usual gap: exact, or within its bounds ("between 1d 6h and 2d 2h").
pub fn gap_words(g: &Gap) -> String {
    if g.at_least == g.at_most {
        length(g.at_most.num_minutes())
    } else {
        format!(
            "between {} and {}",
            length(g.at_least.num_minutes()),
            length(g.at_most.num_minutes())
        )
    }
}

/// Why an app is in its state, in one sentence.
pub fn why_text(why: &Why) -> String {
    match why {
        Why::NotFound => "The org has no app of this name.".into(),
        Why::Unreadable { reason } => format!("Its metadata could not be read: {reason}."),
        Why::LabelShared { with } => format!(
            "LoginHistory names apps by label, and {} has the same label, so its logins cannot be told apart.",
            with.join(", ")
        ),
        Why::NoLabel => "Its label was not read, so its logins in LoginHistory cannot be told apart.".into(),
        Why::SettingUnread => "Whether PKCE is required for it now was not read.".into(),
        Why::LoginsUnread { reason } => format!("LoginHistory could not be read: {reason}."),
        Why::LoginsPartial => "LoginHistory was read only in part, so a missing failure or login proves nothing.".into(),
        Why::TokensUnread => "No OAuth login in either window, and OauthToken, the only other sign of use, could not be read.".into(),
        Why::UnrecognizedFailure { status } => format!(
            "A failure status since the change that this version does not know: {status}."
        ),
        Why::RhythmUnresolved => "Whether its silence is longer than its usual gap needed more queries than the run allows.".into(),
        Why::FailureMaybeOld { status } => format!(
            "{status} since the change, and the baseline was read only in part, so it may not be new."
        ),
        Why::NotRequired => "PKCE is not required for it now: the change is not in effect.".into(),
        Why::PkceFailures => "OAuth logins failed since the change with a status that says PKCE.".into(),
        Why::NewOauthFailures => "OAuth logins failed since the change with a status it did not have in the baseline.".into(),
        Why::Silent { last } => format!(
            "No code-flow login since its last at {}, longer than its usual gap.",
            time(*last)
        ),
        Why::Confirmed => "Successful code-flow logins since the change.".into(),
        Why::WaitingRhythm { last } => format!(
            "No code-flow login since the change yet; its last was at {}, within its usual gap.",
            time(*last)
        ),
        Why::WaitingRefresh => "No fresh authorization since the change yet: its refresh tokens are still in use, or its logins do not record their flow.".into(),
        Why::NoCodeFlow => "Only flows without an authorization code, which PKCE does not govern.".into(),
        Why::NoOauthUse => "No OAuth use in either window, and no token used since the change.".into(),
    }
}

/// A [`Why`]'s word, for machines.
pub fn why_word(why: &Why) -> &'static str {
    match why {
        Why::NotFound => "not-found",
        Why::Unreadable { .. } => "unreadable",
        Why::LabelShared { .. } => "label-shared",
        Why::NoLabel => "no-label",
        Why::SettingUnread => "setting-unread",
        Why::LoginsUnread { .. } => "logins-unread",
        Why::LoginsPartial => "logins-partial",
        Why::TokensUnread => "tokens-unread",
        Why::UnrecognizedFailure { .. } => "unrecognized-failure",
        Why::RhythmUnresolved => "rhythm-unresolved",
        Why::FailureMaybeOld { .. } => "failure-maybe-old",
        Why::NotRequired => "not-required",
        Why::PkceFailures => "pkce-failures",
        Why::NewOauthFailures => "new-oauth-failures",
        Why::Silent { .. } => "silent",
        Why::Confirmed => "confirmed",
        Why::WaitingRhythm { .. } => "waiting-rhythm",
        Why::WaitingRefresh => "waiting-refresh",
        Why::NoCodeFlow => "no-code-flow",
        Why::NoOauthUse => "no-oauth-use",
    }
}

/// A [`Next`]'s word, for machines.
pub fn next_word(next: &Next) -> &'static str {
    match next {
        Next::Nothing => "nothing",
        Next::SmokeTest { .. } => "smoke-test",
        Next::Deploy => "deploy",
        Next::Rollback(_) => "rollback",
        Next::Investigate => "investigate",
        Next::Access { .. } => "access",
        Next::TellApart => "tell-apart",
        Next::CheckName => "check-name",
    }
}

/// What to do next about an app, in a sentence or two (a rollback's ways each in one).
pub fn next_text(next: &Next) -> String {
    match next {
        Next::Nothing => "Nothing.".into(),
        Next::SmokeTest { due } => {
            let due = due.map_or(String::new(), |d| {
                format!(" (one is due by {} from its rhythm)", time(d))
            });
            format!("Force a fresh authorization{due}: have a test user reconnect in the client.")
        }
        Next::Deploy => "Deploy the change, or leave the app out of the check.".into(),
        Next::Rollback(backs) => {
            let ways: Vec<String> = backs
                .iter()
                .map(|b| match back_source(b) {
                    Some(url) => format!("{} (source: {url})", back_text(b)),
                    None => back_text(b),
                })
                .collect();
            format!("Roll back. {}", ways.join(" "))
        }
        Next::Investigate => {
            "Look up what the status means and read the client's logs, then run again.".into()
        }
        Next::Access { remedy } => format!("Give the login {remedy}, and run again."),
        Next::TellApart => "Give the apps different labels, or check their logins by hand.".into(),
        Next::CheckName => "Check the name against the org's apps.".into(),
    }
}

/// The components the way back retrieves for an app: an External Client App's OAuth
/// setting lives in its global OAuth settings, by the name the org gave (else as the sf
/// CLI names them, `<app>_glbloauth`), and `fix` finds the app by its header
/// (`ExternalClientApplication`, the `.eca-meta.xml`), so both are retrieved.
fn components(name: &str, kind: AppKind, global: Option<&str>) -> Vec<String> {
    match (kind, global) {
        (AppKind::ExternalClientApp, g) => vec![
            format!("ExternalClientApplication:{name}"),
            match g {
                Some(g) => format!("ExtlClntAppGlobalOauthSettings:{g}"),
                None => format!("ExtlClntAppGlobalOauthSettings:{name}_glbloauth"),
            },
        ],
        (AppKind::ConnectedApp | AppKind::External, _) => vec![format!("ConnectedApp:{name}")],
    }
}

/// One way back, in one sentence.
pub fn back_text(back: &Back) -> String {
    match back {
        Back::UndoOrgSetting => format!(
            "Turn the org-wide setting \"Require PKCE for Supported Authorization Flows\" off: retrieve the OAuth settings into a new project, {ROLLBACK_PROJECT}, undo there and deploy."
        ),
        Back::UndoApp {
            name,
            kind,
            global_settings,
        } => {
            const ECA_FALSE: &str = "users report that Salesforce no longer lets PKCE be cleared on External Client Apps, UNCONFIRMED, see docs/verify.md";
            let glbl = match (kind, global_settings) {
                (AppKind::ExternalClientApp, Some(g)) => format!(
                    " (an External Client App's PKCE setting is in its global OAuth settings, {g}; {ECA_FALSE})"
                ),
                (AppKind::ExternalClientApp, None) => format!(
                    " (an External Client App's PKCE setting is in its global OAuth settings, named {name}_glbloauth as the sf CLI names them: check the name in the org; {ECA_FALSE})"
                ),
                (AppKind::ConnectedApp | AppKind::External, _) => String::new(),
            };
            format!(
                "Set {name}'s isPkceRequired back to false: retrieve it into a new project, {ROLLBACK_PROJECT}{glbl}, undo there and deploy."
            )
        }
        Back::Publisher { namespace, package } => {
            let from = match (package, namespace) {
                (Some(p), Some(n)) => format!("the package {p} (namespace {n})"),
                (Some(p), None) => format!("the package {p}"),
                (None, Some(n)) => format!("the package of namespace {n}"),
                (None, None) => "an installed package".into(),
            };
            format!(
                "It comes from {from}: only its publisher can change it, and Salesforce's ISV rules do not let partners turn PKCE off once on; call the publisher."
            )
        }
        Back::Vendor => "It is defined in another org: its owner must fix the client so it sends a valid PKCE pair (code_challenge, then code_verifier).".into(),
    }
}

/// The source a way back rests on, when it cites one.
pub fn back_source(back: &Back) -> Option<&'static str> {
    match back {
        Back::Publisher { .. } => Some(ISV_PKCE_SOURCE),
        Back::UndoOrgSetting | Back::UndoApp { .. } | Back::Vendor => None,
    }
}

/// The exact commands of the ways back in `backs` that this org can take, in order: one
/// project retrieved from the org, the undo of each setting, each step's deploy. A live
/// org has no project: the setting is retrieved first. Run from the folder that is to
/// hold the project; the sf commands run inside it.
pub fn commands<'a>(backs: impl IntoIterator<Item = &'a Back>, alias: Option<&str>) -> Vec<String> {
    let mut org = false;
    let mut apps: Vec<(&str, AppKind, Option<&str>)> = Vec::new();
    for b in backs {
        match b {
            Back::UndoOrgSetting => org = true,
            Back::UndoApp {
                name,
                kind,
                global_settings,
            } => {
                if !apps.iter().any(|(n, _, _)| n == name) {
                    apps.push((name, *kind, global_settings.as_deref()));
                }
            }
            Back::Publisher { .. } | Back::Vendor => {}
        }
    }
    if !org && apps.is_empty() {
        return Vec::new();
    }
    let mut metadata: Vec<String> = Vec::new();
    if org {
        metadata.push("Settings:OauthOidc".into());
    }
    metadata.extend(apps.iter().flat_map(|(n, k, g)| components(n, *k, *g)));
    let retrieve: Vec<String> = metadata
        .iter()
        .map(|m| format!("--metadata {}", pkce_audit_model::text::shell_word(m)))
        .collect();
    // The org it was read from, when it was named: else sf's default org.
    let target = alias
        .map(|a| format!(" {}", pkce_audit_model::commands::option("--target-org", a)))
        .unwrap_or_default();
    let inside = |cmd: String| format!("(cd {ROLLBACK_PROJECT} && {cmd}{target})");
    let mut out = vec![
        format!("sf project generate --name {ROLLBACK_PROJECT}"),
        inside(format!("sf project retrieve start {}", retrieve.join(" "))),
    ];
    let mut manifests = Vec::new();
    if org {
        out.push(Advice::UndoOrgSetting.to_string());
        manifests.push("manifest/pkce-rollback-org.xml");
    }
    if !apps.is_empty() {
        let names = apps.iter().map(|(n, _, _)| n.to_string()).collect();
        out.push(Advice::UndoApps { names }.to_string());
        manifests.push("manifest/pkce-rollback-apps.xml");
    }
    out.extend(
        manifests
            .iter()
            .map(|m| inside(format!("sf project deploy start --manifest {m}"))),
    );
    out
}

/// An app's own commands: its ways back's.
pub fn app_commands(a: &AppCheck, alias: Option<&str>) -> Vec<String> {
    match &a.next {
        Next::Rollback(backs) => commands(backs, alias),
        _ => Vec::new(),
    }
}

/// Every way back of the run, each once (the org setting's is shared by every app).
fn all_backs(v: &Verification) -> Vec<&Back> {
    let mut out: Vec<&Back> = Vec::new();
    for a in &v.apps {
        if let Next::Rollback(backs) = &a.next {
            for b in backs {
                if !out.contains(&b) {
                    out.push(b);
                }
            }
        }
    }
    out
}

/// One way back of the run, in a sentence, and its source.
pub type Way = (String, Option<&'static str>);

/// The ways back of the run: the sentences (each app's publisher or vendor named), then
/// the commands of those this org can take.
pub fn way_back(v: &Verification) -> (Vec<Way>, Vec<String>) {
    let mut says = Vec::new();
    for a in &v.apps {
        if let Next::Rollback(backs) = &a.next {
            for b in backs {
                // The app's own name is in its own way; a publisher's and a vendor's are not.
                let text = match b {
                    Back::UndoOrgSetting | Back::UndoApp { .. } => back_text(b),
                    Back::Publisher { .. } | Back::Vendor => {
                        format!("{}: {}", a.name, back_text(b))
                    }
                };
                let way = (text, back_source(b));
                if !says.contains(&way) {
                    says.push(way);
                }
            }
        }
    }
    (says, commands(all_backs(v), v.org.alias.as_deref()))
}

/// What a failure status means, from the decoder ([`login_status`]): its meaning and its
/// `LOGIN_STATUS` code, when the decoder holds it.
pub fn meaning(status: &str) -> Option<(&'static str, &'static str)> {
    login_status::entry_for(status).map(|e| (e.meaning, e.code))
}

/// What a failure's class says, in words.
pub fn class_text(c: StatusClass, before: u64) -> String {
    let class = match c {
        StatusClass::Pkce => "says PKCE",
        StatusClass::AppOauth => "an OAuth failure of the app",
        StatusClass::Unrecognized => "a status this version does not know",
        StatusClass::Success | StatusClass::User => "not the app's",
    };
    match before {
        0 => format!("{class}; none in the baseline"),
        n => format!("{class}; {n} in the baseline"),
    }
}

/// What was not read, one line each.
pub fn open_text(o: &Open) -> String {
    match o {
        Open::Metadata { component, reason } => match component {
            Some(c) => format!("{c}: {reason}"),
            None => format!("metadata: {reason}"),
        },
        Open::OrgSetting { required: Some(_) } => {
            "The org-wide setting is off: the org-wide change is not in effect.".into()
        }
        Open::OrgSetting { required: None } => "The org-wide setting was not read.".into(),
        Open::Logins => {
            "LoginHistory was not fully read: apps seen only there may be missing.".into()
        }
    }
}

/// A source that was not read completely, in a line; `None` when it was.
pub fn source_text(name: &str, s: &SourceState) -> Option<String> {
    match s {
        SourceState::Read { partial: false, .. } => None,
        SourceState::Read { rows, reason, .. } => Some(match reason {
            Some(r) => format!("{name}: read in part ({rows} rows): {r}."),
            None => format!("{name}: read in part ({rows} rows)."),
        }),
        SourceState::Missing { reason, remedy } => {
            Some(format!("{name}: not read: {reason} (needs {remedy})."))
        }
    }
}

/// What the run did not read, a line each: what keeps the verdict from `keep`, then the
/// sources not read completely.
pub fn not_read(v: &Verification) -> Vec<String> {
    let sources = [("LoginHistory", &v.logins), ("OauthToken", &v.tokens)];
    v.open
        .iter()
        .map(open_text)
        .chain(sources.into_iter().filter_map(|(n, s)| source_text(n, s)))
        .collect()
}

/// The windows, in a line.
pub fn windows(v: &Verification) -> String {
    let by = match &v.deploy {
        Some(d) => format!(" (deploy {} {}, completed then)", d.id, d.status),
        None => String::new(),
    };
    format!(
        "since the change {}{by} until {} · baseline {} until {}",
        time(v.since),
        time(v.until),
        time(v.baseline.from),
        time(v.baseline.to)
    )
}

/// What was checked, in a line.
pub fn scope_text(v: &Verification) -> String {
    let org = match v.org_pkce_required {
        Some(true) => "on",
        Some(false) => "off",
        None => "not read",
    };
    let what = match (&v.manifest, v.asked.is_empty()) {
        (Some(m), _) => format!("the apps of {m}"),
        (None, false) => v.asked.join(", "),
        (None, true) => "every app that can run the code flow".into(),
    };
    let place = match (&v.org.name, &v.org.org_id) {
        (Some(n), Some(id)) => format!("{n} ({id})"),
        (None, Some(id)) => id.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => v.org.instance_url.clone(),
    };
    let sandbox = match v.org.is_sandbox {
        Some(true) => " sandbox",
        Some(false) | None => "",
    };
    format!(
        "{place}{sandbox} at {}, read {} · {} ({what}) · org-wide setting {org}",
        v.org.instance_url,
        time(v.org.read_at),
        v.scope
    )
}

/// The name, and the label under it when it differs.
fn name_and_label(a: &AppCheck) -> (String, Option<String>) {
    let label = a.label.clone().filter(|l| *l != a.name);
    (a.name.clone(), label)
}

/// What the windows' cells hold, said once above the table.
pub const CELLS_KEY: &str = "Since the change and Baseline: successful code-flow logins, failed OAuth logins of the app, and the usual gap between code-flow logins.";

/// The logins since the change, for a cell: code-flow logins, failures.
fn after_cell(a: &AppCheck) -> [String; 2] {
    if logins_unread(a) {
        return ["not read".into(), String::new()];
    }
    [
        format!("{} code-flow", a.after.code_flow),
        format!("{} failed", a.after.app_failures),
    ]
}

/// The baseline, for a cell: code-flow logins, usual gap.
fn before_cell(a: &AppCheck) -> [String; 2] {
    if logins_unread(a) {
        return ["not read".into(), String::new()];
    }
    [
        format!("{} code-flow", a.before.code_flow),
        match &a.usual_gap {
            Some(g) => format!("gap {}", gap_words(g)),
            None => "no gap".into(),
        },
    ]
}

/// Its counts are not zeros but unread.
fn logins_unread(a: &AppCheck) -> bool {
    matches!(a.why, Why::LoginsUnread { .. })
}

/// What to do next, for a table cell: a rollback's ways are under "Way back".
fn next_cell(next: &Next) -> String {
    match next {
        Next::Rollback(_) => "Roll back: see the way back below.".into(),
        _ => next_text(next),
    }
}

#[cfg(test)]
mod tests;
