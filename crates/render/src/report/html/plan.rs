//! The rollout plan on the page, in Salesforce's order (the grouping is the Markdown
//! plan's, [`crate::report::plan`]): step 1 the clients, with owner and contact; step 2
//! each of our apps, with its Setup path and the `fix` command; step 3 the org toggle.
//! Every row says whether it can be undone, and how ([`Reversal`]).

use super::reversal::{Reversal, Undo};
use crate::html::{verdict_tone, Block, Section, Span, Table, Text, Tone};
use crate::report::cells::{kind_name, owner_text};
use crate::report::plan::{app_blockers, org_requires_pkce, step2_command, toggle_word, Plan};
use crate::report::Report;
use pkce_audit_model::commands::{FixTarget, ORG_PLACEHOLDER};
use pkce_audit_model::inventory::App;
use pkce_audit_model::rules::{self, Verdict};

/// "yes" in green, "unconfirmed" in amber, anything else (who alone can) in red.
fn undo_badge(answer: &str) -> Text {
    let tone = match answer {
        "yes" => Tone::Good,
        "unconfirmed" => Tone::Warn,
        _ => Tone::Bad,
    };
    Text::badge(tone, answer)
}

/// Whether a row's change can be undone, and how; the source is said once, below its
/// table ([`undo_sources`]): at 2,500 apps a source on every row doubles the plan.
fn undo_cell(r: Reversal) -> Text {
    let w = r.way_back();
    let mut t = undo_badge(w.answer).then(": ");
    t.0.extend(w.how.0);
    t
}

/// Below a step's table: the source of each way back its rows give, once each (rows differ
/// in their commands, not in their sources).
fn undo_sources(used: impl IntoIterator<Item = Reversal>) -> [Block; 2] {
    let mut seen: Vec<(&'static str, &'static str)> = Vec::new();
    for r in used {
        let w = r.way_back();
        if !seen.contains(&(w.answer, w.source)) {
            seen.push((w.answer, w.source));
        }
    }
    let items = seen
        .into_iter()
        .map(|(answer, source)| undo_badge(answer).then(format!(": {source}")))
        .collect();
    [
        Block::Paragraph("Sources for whether it can be undone:".into()),
        Block::List(items),
    ]
}

/// The app's API name as code, and its label when it differs.
pub(super) fn app_cell(app: &App) -> Text {
    let t = Text::code(&app.name);
    match app.label.as_deref().filter(|l| *l != app.name) {
        Some(l) => t.then(format!(" ({l})")),
        None => t,
    }
}

fn rules_of(r: &Report, app: &App) -> Text {
    let ids: Vec<&str> = app_blockers(r, &app.name)
        .iter()
        .map(|f| f.rule.as_str())
        .collect();
    if ids.is_empty() {
        Text::plain("PKCE setting unknown (read its global OAuth settings or check it in Setup)")
    } else {
        Text::codes(&ids)
    }
}

fn step1(r: &Report, plan: &Plan) -> Vec<Block> {
    let on = org_requires_pkce(r);
    let mut rows = Vec::new();
    let mut used = Vec::new();
    for app in &plan.ours {
        let contact = app
            .contact_email
            .clone()
            .unwrap_or_else(|| "no contact email on the app".into());
        rows.push(vec![
            app_cell(app),
            Text::plain(format!("our org ({})", kind_name(&app.kind))),
            Text::plain(contact),
            rules_of(r, app).then(". Update and redeploy the client so it sends code_challenge (S256) and code_verifier."),
            undo_cell(Reversal::of_client(app, on)),
        ]);
        used.push(Reversal::of_client(app, on));
    }
    for (ns, apps) in &plan.isv {
        for app in apps {
            let package = app.package.as_ref().map_or_else(
                || "package name and version not known".to_string(),
                |p| format!("package {} version {}", p.name, p.version),
            );
            rows.push(vec![
                app_cell(app),
                Text::plain("ISV namespace ").then_span(Span::Code(ns.clone())),
                Text::plain(format!("the package's publisher ({package})")),
                rules_of(r, app).then(
                    ". Ask the publisher for a version that requires and sends PKCE, and upgrade.",
                ),
                undo_cell(Reversal::of_client(app, on)),
            ]);
            used.push(Reversal::of_client(app, on));
        }
    }
    for app in plan.vendors.iter().chain(&plan.salesforce) {
        let who = owner_text(&app.owner, app.namespace.as_deref());
        rows.push(vec![
            app_cell(app),
            Text::plain(who),
            Text::plain("the vendor (Salesforce for its own apps)"),
            rules_of(r, app).then(". Confirm that its client sends PKCE, or test it in a sandbox with the org setting on."),
            undo_cell(Reversal::of_client(app, on)),
        ]);
        used.push(Reversal::of_client(app, on));
    }
    let mut blocks = vec![
        Block::Subheading("Step 1: update and redeploy the clients so they send PKCE".into()),
        Block::Paragraph(Text::plain("Every client of these apps must send code_challenge (S256) on the authorization request and code_verifier on the token request. Confidential clients keep sending their secret too.")),
    ];
    if rows.is_empty() {
        blocks.push(Block::Paragraph("No client needs an update.".into()));
    } else {
        blocks.push(Block::Table(Table {
            caption: "Step 1: clients to update".into(),
            head: vec![
                "App",
                "Owner",
                "Who acts / contact",
                "Why and what to do",
                "Can it be undone?",
            ],
            rows,
        }));
        blocks.extend(undo_sources(used));
    }
    blocks
}

/// How step 2 changes one app: Setup, or `fix` when it can change the app (else why not).
fn step2_how(target: &FixTarget, app: &App) -> Text {
    let setup = Text::plain(rules::setup_path(app));
    match step2_command(target, app) {
        Ok(command) => setup.then("; or: ").then_span(Span::Code(command)),
        Err(why) => setup.then(format!("; fix cannot change it: {why}")),
    }
}

/// Where the plan's `fix` commands run when the report has no project: the retrieve
/// command, before the steps.
fn retrieve_first(target: &FixTarget) -> Option<Block> {
    target.retrieve_first().map(|command| {
        Block::Paragraph(
            Text::plain(format!("This audit has no project fix can change: retrieve one first (replace {ORG_PLACEHOLDER} with the org's alias): "))
                .then_span(Span::Code(command)),
        )
    })
}

fn step2(r: &Report, plan: &Plan) -> Vec<Block> {
    let target = r.scope.fix_target();
    let mut rows: Vec<Vec<Text>> = plan
        .switch
        .iter()
        .map(|app| {
            vec![
                app_cell(app),
                Text::badge(Tone::Bad, "to do"),
                step2_how(&target, app),
                undo_cell(Reversal::of_app(&target, app)),
            ]
        })
        .collect();
    rows.extend(plan.done.iter().map(|app| {
        vec![
            app_cell(app),
            Text::badge(Tone::Good, "done"),
            Text::plain("already requires PKCE"),
            undo_cell(Reversal::of_app(&target, app)),
        ]
    }));
    let mut blocks = vec![
        Block::Subheading("Step 2: require PKCE on each of our apps".into()),
        Block::Paragraph("Only after the app's clients send PKCE (step 1). Test each change in a sandbox first, and restart the client after the change so it starts new authorization flows.".into()),
    ];
    if rows.is_empty() {
        blocks.push(Block::Paragraph("No app of ours needs the change.".into()));
    } else {
        blocks.push(Block::Table(Table {
            caption: "Step 2: apps to require PKCE".into(),
            head: vec!["App", "Status", "How", "Can it be undone?"],
            rows,
        }));
        let apps = plan.switch.iter().chain(&plan.done);
        blocks.extend(undo_sources(apps.map(|a| Reversal::of_app(&target, a))));
    }
    blocks
}

fn step3(r: &Report) -> Vec<Block> {
    // The verdict's own colour and reason: step 3 says what the banner says.
    let status = Text::badge(verdict_tone(r.verdict()), toggle_word(r))
        .then(format!(": {}", r.verdict_reason));
    let target = r.scope.fix_target();
    let on = org_requires_pkce(r);
    let how = if on {
        Text::plain("Already on in this org: nothing to turn on.")
    } else {
        Text::plain(
            "Only when steps 1 and 2 are done: Setup > OAuth and OpenID Connect Settings; or: ",
        )
        .then_span(Span::Code(target.org_setting_command()))
    };
    let setting =
        "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows";
    let mut blocks = vec![
        Block::Subheading("Step 3: turn on Require PKCE for Supported Authorization Flows".into()),
        Block::Table(Table {
            caption: "Step 3: the org setting".into(),
            head: vec!["Setting", "Status", "How", "Can it be undone?"],
            rows: vec![vec![
                Text::plain(setting),
                status,
                how,
                undo_cell(Reversal::OrgSetting(Undo::of_org_setting(&target))),
            ]],
        }),
    ];
    blocks.extend(undo_sources([Reversal::OrgSetting(Undo::of_org_setting(
        &target,
    ))]));
    if on {
        // Waived or not, a blocker here is an app that likely fails at its next
        // authorization (as the Markdown plan lists them).
        let failing: Vec<Text> = r
            .findings
            .iter()
            .filter(|f| f.likely_failing)
            .map(|f| {
                Text::code(f.app.as_deref().unwrap_or("org"))
                    .then(" ")
                    .then_span(Span::Code(f.rule.as_str().into()))
                    .then(format!(": {}", f.message))
            })
            .collect();
        if !failing.is_empty() {
            blocks.push(Block::Paragraph(
                format!(
                    "Apps that likely fail at their next authorization ({}):",
                    failing.len()
                )
                .into(),
            ));
            blocks.push(Block::List(failing));
        }
    }
    let open = r.open_items();
    if r.verdict() != Verdict::Enforced && !open.is_empty() {
        blocks.push(Block::Paragraph(
            format!("What stands between the org and ready ({}):", open.len()).into(),
        ));
        blocks.push(Block::List(open.into_iter().map(Text::plain).collect()));
    }
    blocks
}

/// The plan's section.
pub(super) fn section(r: &Report) -> Section {
    let plan = Plan::of(r);
    let mut s = Section::new("plan", "Rollout plan");
    s.para("In the order Salesforce prescribes: clients first, then the PKCE switch on each app, then the org setting. Turning the org setting on does not revoke tokens already issued: a client that sends no code_challenge fails at its next authorization.");
    s.blocks.extend(retrieve_first(&r.scope.fix_target()));
    s.blocks.extend(step1(r, &plan));
    s.blocks.extend(step2(r, &plan));
    s.blocks.extend(step3(r));
    s
}
