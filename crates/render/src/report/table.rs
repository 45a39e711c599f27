//! The default, human format: verdict, apps, findings grouped by who must act, summary.
//!
//! Laid out for 100 columns: the findings tables carry the short per-rule action (the full
//! remediation is in CSV, JSON and Markdown), and info findings fold into one line per rule.

use super::cells::{
    flows_cell, fold_by_rule, kind_abbrev, owner_text, pkce_cell, push_finding, verdict_word,
    waived_failing_line, LIKELY_FAILING,
};
use super::layout::{Entry, Grid, PROSE};
use super::style::{Style, Styled};
use super::text::visible as v;
use super::wrap::wrap_prose;
use super::Report;
use pkce_audit_model::inventory::{App, Owner};
use pkce_audit_model::rules::{Finding, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

fn allowed(allowed: bool) -> &'static str {
    if allowed {
        "allowed"
    } else {
        "blocked"
    }
}

/// How bad an app's findings are: "2: critical, BLOCKER" for a narrow table cell, and
/// "2 finding(s): critical, BLOCKER" for a list entry; the severity and BLOCKER in their
/// colours.
fn app_findings(app: &App, findings: &[Finding]) -> (Styled, Styled) {
    let mine: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.app.as_deref() == Some(app.name.as_str()))
        .collect();
    let n = mine.len();
    // A waived blocker likely failing (the org requires PKCE) still weighs.
    let Some(worst) = mine
        .iter()
        .filter(|f| f.waived.is_none() || f.waived_but_failing())
        .map(|f| f.severity)
        .max()
    else {
        return match n {
            0 => ("-".into(), "no finding".into()),
            n => (
                format!("{n} waived").into(),
                format!("{n} finding(s), all waived").into(),
            ),
        };
    };
    let mut weight = Styled::default();
    if mine.iter().any(|f| f.is_active_blocker()) {
        weight.push_str(", ");
    } else if mine.iter().any(|f| f.waived_but_failing()) {
        weight.push_str(", WAIVED ");
    }
    if weight != Styled::default() {
        weight.push("BLOCKER", Style::Blocker);
    }
    let words = |lead: String| {
        let mut s = Styled::from(lead);
        s.push(worst.as_str(), Style::Severity(worst));
        s.append(weight.clone());
        s
    };
    (words(format!("{n}: ")), words(format!("{n} finding(s): ")))
}

fn header(out: &mut Styled, r: &Report) {
    let s = &r.scope;
    let _ = write!(
        out,
        "pkce-audit {} · {} {}",
        v(&r.tool.version),
        v(s.kind.as_str()),
        v(&s.source)
    );
    if let Some(l) = &s.layout {
        let _ = write!(out, " ({})", v(l.as_str()));
    }
    if let Some(api) = &s.api_version {
        let _ = write!(out, " · API {}", v(api));
    }
    let _ = writeln!(out);
    if let Some(origin) = s.origin() {
        let _ = writeln!(out, "{}", v(&origin));
    }
    let _ = writeln!(
        out,
        "Waivers: {}",
        super::WaiverScope::describe(s.waiver_file())
    );
    out.push_str("Verdict: ");
    out.push(verdict_word(r.verdict()), Style::Verdict(r.verdict()));
    let _ = writeln!(out, " — {}", v(&r.verdict_reason));
    let _ = writeln!(out);
    match &r.org_settings {
        Some(o) => {
            let _ = writeln!(
                out,
                "Org OAuth settings: PKCE required org-wide: {} · username-password flow: {} · user-agent flow: {} · code-credentials flow: {}",
                if o.is_pkce_required { "yes" } else { "no" },
                allowed(!o.block_username_password_flow),
                allowed(!o.block_user_agent_flow),
                allowed(o.code_credentials_flow_enabled),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Org OAuth settings: unknown (not found or not readable)"
            );
        }
    }
    if let Some(e) = &r.scope.evidence {
        let _ = writeln!(out, "{}", evidence_line(e));
    }
}

/// "Usage evidence (last 90 days): LoginHistory 85 row(s) (aggregate) · OauthToken 2500
/// row(s) PARTIAL · ..." — which sources the usage figures stand on.
pub fn evidence_line(e: &super::EvidenceScope) -> String {
    format!(
        "Usage evidence (last {} days): {}",
        e.window_days,
        evidence_sources(e)
    )
}

/// Each source with its rows and method, or that it could not be read.
pub fn evidence_sources(e: &super::EvidenceScope) -> String {
    use pkce_audit_model::evidence::SourceState;
    let parts: Vec<String> = e
        .sources
        .iter()
        .map(|(source, state)| match state {
            SourceState::Read {
                rows,
                partial,
                method,
                ..
            } => {
                let mut s = format!("{} {rows} row(s)", v(source.as_str()));
                if let Some(m) = method {
                    let _ = write!(s, " ({})", v(m));
                }
                if *partial {
                    s.push_str(" PARTIAL");
                }
                s
            }
            SourceState::Missing { .. } => format!("{} NOT READABLE", v(source.as_str())),
        })
        .collect();
    parts.join(" · ")
}

/// A few words of usage for the apps table: "3 users · auth-code 15", "dormant".
pub fn usage_cell(app: &App) -> String {
    let Some(u) = &app.usage else {
        return "unknown".into();
    };
    if u.dormant() {
        return "dormant".into();
    }
    let mut lines = Vec::new();
    if let Some(n) = u.users.filter(|n| *n > 0) {
        lines.push(format!("{n} user(s)"));
    }
    if let Some(flows) = &u.flows {
        // The two most used flows; the rest are in JSON and Markdown.
        lines.extend(flows.iter().take(2).map(|f| {
            let name = match f.flow.known() {
                Some(flow) => super::cells::short_flow(&flow),
                None => f.flow.as_str(),
            };
            format!("{} {}", v(name), f.logins)
        }));
        if flows.len() > 2 {
            lines.push(format!("+{} flow(s)", flows.len() - 2));
        }
    }
    if lines.is_empty() {
        lines.push("no use seen".into());
    }
    if u.partial {
        lines.push("(partial)".into());
    }
    lines.join("\n")
}

fn apps_table(out: &mut Styled, r: &Report, width: u16) {
    let _ = writeln!(
        out,
        "\nApps ({}) — CA: Connected App, ECA: External Client App, EXT: defined in another org; auth-code: web server flows, code-creds: Authorization Code and Credentials",
        r.apps.len()
    );
    if r.apps.is_empty() {
        let _ = writeln!(out, "  none found");
        return;
    }
    // The usage column only when there is evidence: folder audits keep their layout.
    let usage = r.scope.evidence.as_ref().map(|e| e.window_days);
    let usage_header = usage.map(|d| format!("Usage {d}d"));
    let mut header = vec!["App", "Kind", "Owner", "PKCE", "Flows"];
    header.extend(usage_header.as_deref());
    header.push("Findings");
    let mut grid = Grid::new(&header);
    for app in &r.apps {
        let name = v(&app.name);
        let kind = v(kind_abbrev(&app.kind));
        let owner = owner_text(&app.owner, app.namespace.as_deref());
        let owner = v(&owner);
        let pkce = pkce_cell(app.in_pkce_scope(), app.pkce_required);
        let flows = flows_cell(app);
        let (findings, findings_line) = app_findings(app, &r.findings);
        let mut cells: Vec<Styled> = vec![
            name.as_ref().into(),
            kind.as_ref().into(),
            owner.as_ref().into(),
            pkce.into(),
            flows.as_str().into(),
        ];
        let head = format!("{name} — {kind} · {owner} · PKCE: {pkce} · flows: {flows}");
        let mut lines = Vec::new();
        if usage.is_some() {
            let used = usage_cell(app);
            lines.push(format!("usage: {}", used.replace('\n', ", ")).into());
            cells.push(used.into());
        }
        cells.push(findings);
        lines.push(findings_line);
        grid.push(cells, Entry::new(head, lines));
    }
    out.append(grid.styled(width.into()));
    users(out, r);
}

/// Usernames per app (`--show-users`): a few per app, the rest counted.
fn users(out: &mut Styled, r: &Report) {
    let with_users: Vec<(&App, &Vec<String>)> = r
        .apps
        .iter()
        .filter_map(|a| a.users.as_ref().map(|u| (a, u)))
        .filter(|(_, u)| !u.is_empty())
        .collect();
    if with_users.is_empty() {
        return;
    }
    let _ = writeln!(out, "Users holding tokens (--show-users):");
    for (app, users) in with_users {
        let shown: Vec<std::borrow::Cow<str>> = users.iter().take(3).map(|u| v(u)).collect();
        let more = if users.len() > 3 {
            format!(" (+{} more)", users.len() - 3)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}: {}{more}", v(&app.name), shown.join(", "));
    }
}

/// Findings grouped by who must act: org settings, our apps, each ISV namespace.
fn findings_tables(out: &mut Styled, r: &Report, width: u16) {
    // A waiver finding is never folded: its message names the file, the line, and for an
    // unknown app the name it probably meant.
    let (info, actionable): (Vec<&Finding>, Vec<&Finding>) = r.findings.iter().partition(|f| {
        f.severity == Severity::Info && f.waived.is_none() && !f.blocker && !f.rule.is_waiver()
    });
    let mut groups: BTreeMap<(u8, String), Vec<&Finding>> = BTreeMap::new();
    for f in actionable {
        let key = match (f.app.is_some(), &f.owner) {
            _ if f.rule.is_waiver() => (4, "Waivers".to_string()),
            (true, Owner::External) => (
                3,
                "Outside vendors (apps defined in other orgs)".to_string(),
            ),
            (false, _) => (0, "Org settings".to_string()),
            (true, Owner::Org) => (1, "Our org's apps".to_string()),
            (true, Owner::Salesforce) => (
                3,
                "Salesforce's own apps (test in a sandbox; open a case if one fails)".to_string(),
            ),
            (true, Owner::Isv) => (
                2,
                format!(
                    "ISV package namespace '{}'",
                    v(f.namespace.as_deref().unwrap_or("?"))
                ),
            ),
        };
        groups.entry(key).or_default().push(f);
    }
    let _ = writeln!(out, "\nFindings ({})", r.findings.len());
    if groups.is_empty() {
        let _ = writeln!(out, "  no blocker or warning");
    }
    for ((_, title), findings) in &groups {
        let _ = writeln!(out, "{title}");
        let mut grid =
            Grid::new(&["Severity", "App / rule", "Finding and what to do"]).floor(2, PROSE);
        for f in findings {
            let action = f.rule.rule().action;
            let mut what = vec![v(&f.message).into_owned(), format!("→ {}", v(action))];
            if let Some(w) = &f.waived {
                what.push(format!(
                    "Waived until {} by {}: {}",
                    v(&w.expires),
                    v(&w.approved_by),
                    v(&w.reason)
                ));
            }
            if f.likely_failing {
                what.push(format!("Likely failing: {LIKELY_FAILING}."));
            }
            push_finding(&mut grid, *f, what);
        }
        out.append(grid.styled(width.into()));
    }
    // Info findings: one line per rule.
    for (rule, apps) in fold_by_rule(&info) {
        let _ = writeln!(
            out,
            "Info {} ({}): {}",
            v(rule),
            apps.len(),
            name_list(&apps, INFO_NAMES)
        );
    }
}

/// Names shown in a folded info line; the rest are counted (every format but the table
/// lists them all).
const INFO_NAMES: usize = 12;

/// Names joined by commas, each made [`visible`](super::text::visible).
pub(crate) fn joined(names: &[impl AsRef<str>]) -> String {
    names
        .iter()
        .map(|n| v(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_list(names: &[&str], max: usize) -> String {
    if names.len() <= max {
        return joined(names);
    }
    format!(
        "{} … and {} more (CSV and JSON list them all)",
        joined(&names[..max]),
        names.len() - max
    )
}

fn summary(out: &mut Styled, r: &Report) {
    let sum = &r.summary;
    let _ = writeln!(out, "\nSummary by owner");
    if sum.org_apps_to_fix.is_empty() {
        let _ = writeln!(out, "  Our org: no blocking change needed on our own apps");
    } else {
        let _ = writeln!(
            out,
            "  Our org must fix {} app(s): {}",
            sum.org_apps_to_fix.len(),
            joined(&sum.org_apps_to_fix)
        );
    }
    if sum.isv_actions.is_empty() {
        let _ = writeln!(out, "  ISV packages: none needs to act");
    }
    for a in &sum.isv_actions {
        let _ = writeln!(
            out,
            "  ISV namespace '{}' must ship a PKCE-ready version: {}",
            v(&a.namespace),
            joined(&a.apps)
        );
    }
    if !sum.vendor_apps.is_empty() {
        let _ = writeln!(
            out,
            "  Outside vendors must confirm PKCE for {} app(s): {}",
            sum.vendor_apps.len(),
            joined(&sum.vendor_apps)
        );
    }
    let outside: Vec<String> = r
        .outside_clients()
        .into_iter()
        .map(|(app, hosts)| format!("{} (at {})", v(app), joined(hosts)))
        .collect();
    if !outside.is_empty() {
        let _ = writeln!(
            out,
            "  Clients at outside hosts to confirm: {}",
            outside.join(", ")
        );
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {s}", sum.by_severity.get(s).copied().unwrap_or(0)))
        .collect();
    let waived = if sum.waived > 0 {
        format!(" · {} waived", sum.waived)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  Findings: {} · {} blocker(s){waived}",
        counts.join(", "),
        sum.blockers
    );
    if sum.waived_failing > 0 {
        let _ = writeln!(out, "  {}", waived_failing_line(sum.waived_failing));
    }
    if !r.incomplete.is_empty() {
        let _ = writeln!(
            out,
            "\nCould not be read ({}) — the verdict cannot be ready:",
            r.incomplete.len()
        );
        for p in &r.incomplete {
            let _ = writeln!(out, "  - {}", v(&p.to_string()));
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "Note: {}", v(n));
    }
    if let Some(api) = &r.api {
        let calls: Vec<String> = api
            .calls
            .iter()
            .map(|(k, n)| format!("{} {n}", v(k.as_str())))
            .collect();
        let _ = write!(out, "API calls: {} ({})", api.total(), calls.join(", "));
        if api.retries > 0 {
            let _ = write!(out, ", {} retried", api.retries);
        }
        if let (Some(u), Some(l)) = (api.org_api_used, api.org_api_limit) {
            let _ = write!(out, " · org API usage {u}/{l}");
        }
        let _ = writeln!(out);
    }
}

/// The report's next actions, numbered, each wrapped under its own text; a command on a
/// line of its own (`$ …`), never broken.
fn next_actions(out: &mut Styled, r: &Report, width: usize) {
    if r.next_actions.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nNext actions");
    let mut text = String::new();
    for (i, a) in r.next_actions.iter().enumerate() {
        let line = format!("  {}. {}", i + 1, v(&a.text));
        super::wrap::wrap_hanging(&mut text, &line, width, NUMBERED_HANG);
        if let Some(c) = &a.command {
            let _ = writeln!(text, "{}$ {}", " ".repeat(NUMBERED_HANG), v(c));
        }
    }
    out.push_str(&text);
}

/// Where a numbered line's text starts ("  1. ").
const NUMBERED_HANG: usize = 5;

pub fn table(r: &Report, width: u16) -> String {
    styled(r, width).text()
}

/// [`table`] with its colours: the verdict word, severities and BLOCKER where the
/// renderer wrote them.
pub fn styled(r: &Report, width: u16) -> Styled {
    let mut out = Styled::default();
    header(&mut out, r);
    apps_table(&mut out, r, width);
    findings_tables(&mut out, r, width);
    summary(&mut out, r);
    next_actions(&mut out, r, width.into());
    let out = out.relaid(&wrap_prose(&out.text(), width as usize));
    // Input text was made visible where it was written; this catches anything missed.
    out.map(super::text::backstop)
}
