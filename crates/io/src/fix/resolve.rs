//! Which file `fix` may edit for a named app, or the one-line reason it may not.

use super::{Direction, Project};
use crate::metadata::MetadataType;
use crate::source::{self, SourceFile};
use pkce_audit_model::inventory::{App, AppKind, Owner};

/// The app and the file that holds its `isPkceRequired`.
pub(super) struct Found<'p> {
    pub name: String,
    pub kind: AppKind,
    pub file: &'p SourceFile,
    /// The component the manifest lists (the Connected App, or the ECA's global settings).
    pub component: (MetadataType, String),
}

/// What to do in Setup when an External Client App's global OAuth settings are not in
/// the project (Salesforce's ECA docs: the settings "must not be added to source control"):
/// check the box, or uncheck it for a rollback.
fn eca_setup(app: &str, direction: Direction) -> String {
    let verb = match direction {
        Direction::Require => "check",
        Direction::Undo => "uncheck",
    };
    let path = pkce_audit_model::rules::eca_pkce_path(app);
    format!("in Setup, {verb} {path}, or retrieve its ExtlClntAppGlobalOauthSettings into the project (Salesforce gates them: \"Allow Access to OAuth Consumer Secrets via Metadata API\") and run fix again")
}

/// Resolves `--app NAME`. API names are unique whatever their case in an org, so the
/// match ignores case. Ownership is checked the same way in both directions.
pub(super) fn app<'p>(
    p: &'p Project,
    name: &str,
    direction: Direction,
) -> Result<Found<'p>, String> {
    let matches: Vec<&App> = p
        .inventory
        .apps
        .iter()
        .filter(|a| a.name.eq_ignore_ascii_case(name))
        .collect();
    let app = match matches.as_slice() {
        [] => return Err(not_found(p, name)),
        [one] => *one,
        _ => {
            return Err(format!(
                "{} apps are named '{name}' (a Connected App and an External Client App, or apps seen in usage evidence); which one is meant is ambiguous",
                matches.len()
            ))
        }
    };
    match app.kind {
        AppKind::External => {
            return Err(format!(
                "'{}' is defined in another org (seen only in usage evidence); its settings are not in this project, so only its owner can require PKCE on it",
                app.name
            ))
        }
        AppKind::ConnectedApp | AppKind::ExternalClientApp => {}
    }
    match app.owner {
        Owner::Org => {}
        Owner::Isv => {
            let ask = match direction {
                Direction::Require => "ask them for a PKCE-ready version",
                // Salesforce's ISV mandate (reference §7): partners "won't be permitted to disable" PKCE.
                Direction::Undo => "Salesforce's ISV requirements say partners won't be permitted to disable PKCE once it is enabled (docs/fix.md); call the publisher about the failing client",
            };
            return Err(format!(
                "'{}' comes from package namespace '{}': only its publisher can change it; {ask}",
                app.name,
                app.namespace.as_deref().unwrap_or("unknown")
            ));
        }
        Owner::Salesforce => {
            return Err(format!(
                "'{}' is created and run by Salesforce, not by this project; test it in a sandbox and open a case with Salesforce if it fails",
                app.name
            ))
        }
        Owner::External => {
            return Err(format!(
                "'{}' is not owned by this org ({}); only its owner can change it",
                app.name,
                app.owner.as_str()
            ))
        }
    }
    let header_ty = match app.kind {
        AppKind::ConnectedApp => MetadataType::ConnectedApp,
        _ => MetadataType::ExternalClientApplication,
    };
    if let Some(problem) = p.problems_about(header_ty, &app.name).first() {
        return Err(format!("not safe to edit: {problem}"));
    }
    match app.kind {
        AppKind::ConnectedApp => connected_app(p, app),
        _ => external_client_app(p, app, direction),
    }
}

fn connected_app<'p>(p: &'p Project, app: &App) -> Result<Found<'p>, String> {
    if !app.oauth_enabled {
        return Err(format!(
            "'{}' has no OAuth configuration (<oauthConfig>); PKCE does not apply to it",
            app.name
        ));
    }
    let file = app
        .locations
        .app
        .as_ref()
        .and_then(|l| p.source_file(&l.file))
        .ok_or_else(|| format!("the file of '{}' was not found", app.name))?;
    Ok(Found {
        name: app.name.clone(),
        kind: app.kind,
        file,
        component: (MetadataType::ConnectedApp, app.name.clone()),
    })
}

fn external_client_app<'p>(
    p: &'p Project,
    app: &App,
    direction: Direction,
) -> Result<Found<'p>, String> {
    let global = p.components.iter().find(|l| {
        l.component.ty == MetadataType::ExtlClntAppGlobalOauthSettings
            && l.component.parent.as_deref() == Some(app.name.as_str())
    });
    let Some(global) = global else {
        let unreadable: Vec<String> =
            p.inventory
                .problems
                .iter()
                .filter(|pr| {
                    pr.file.is_some()
                        && pr.component.as_ref().is_some_and(|c| {
                            c.is_of_type(MetadataType::ExtlClntAppGlobalOauthSettings)
                        })
                })
                .map(|pr| pr.to_string())
                .collect();
        if !unreadable.is_empty() {
            return Err(format!(
                "no readable global OAuth settings for '{}'; unreadable ones: {}",
                app.name,
                unreadable.join("; ")
            ));
        }
        return Err(format!(
            "the project has no ExtlClntAppGlobalOauthSettings for '{}' (it holds the app's PKCE setting, and is often kept out of source): {}",
            app.name,
            eca_setup(&app.name, direction)
        ));
    };
    let file = global
        .file
        .as_deref()
        .and_then(|rel| p.source_file(rel))
        .ok_or_else(|| {
            format!(
                "the global OAuth settings file of '{}' was not found",
                app.name
            )
        })?;
    Ok(Found {
        name: app.name.clone(),
        kind: app.kind,
        file,
        component: (
            MetadataType::ExtlClntAppGlobalOauthSettings,
            global.component.full_name.clone(),
        ),
    })
}

/// Why no app has this name: a file that could not be read, one `.forceignore` keeps
/// out of deploys, or no such app at all.
fn not_found(p: &Project, name: &str) -> String {
    for ty in [
        MetadataType::ConnectedApp,
        MetadataType::ExternalClientApplication,
    ] {
        if let Some(problem) = p.problems_about(ty, name).first() {
            return format!("not safe to edit: {problem}");
        }
    }
    let ignored = p.discovery.ignored_metadata.iter().find(|rel| {
        let file = rel.rsplit('/').next().unwrap_or(rel);
        source::classify(file).is_some_and(|(ty, n)| {
            matches!(
                ty,
                MetadataType::ConnectedApp | MetadataType::ExternalClientApplication
            ) && n.eq_ignore_ascii_case(name)
        })
    });
    if let Some(rel) = ignored {
        return format!("{rel} is excluded by .forceignore, so it does not deploy");
    }
    let ours = || {
        p.inventory
            .apps
            .iter()
            .filter(|a| a.kind != AppKind::External)
    };
    // The names listed and the closest one suggested, as the other commands suggest one:
    // only the apps fix can change, so neither is refused in turn.
    let changeable = || ours().filter(|a| pkce_audit_model::commands::fix_refusal(a).is_none());
    let known: Vec<String> = changeable().map(|a| a.name.clone()).collect();
    let guess = pkce_audit_model::suggest::closest_app(name, changeable())
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_default();
    format!(
        "no Connected App or External Client App named '{name}' in this project{}{guess}",
        source::listed(" (apps fix can change: ", &known, ")")
    )
}
