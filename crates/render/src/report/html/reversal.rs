//! Whether each change of the rollout plan can be undone, by whom and how, with the source
//! that says so: one table (docs/verify.md, "The way back", holds the research). Where no
//! source says, the answer is "unconfirmed", never a guess. The `fix --undo` commands are
//! the report's own ([`FixTarget`]): they run as printed, or the row says why `fix` cannot.

use crate::html::{Span, Text};
use pkce_audit_model::commands::{fix_refusal, FixTarget};
use pkce_audit_model::inventory::{App, AppKind, Owner};

/// One kind of change in the plan, and its way back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reversal {
    /// Step 1: a client we deploy ourselves sends PKCE; `org_requires` when the org
    /// setting is already on, so an older client fails whatever its app says.
    OurClient { org_requires: bool },
    /// Step 1: a packaged app's client, changed by its publisher.
    IsvApp,
    /// Step 1: a client run by an outside vendor or by Salesforce.
    OutsideClient,
    /// Step 2: `isPkceRequired` on an org-owned Connected App.
    ConnectedApp(Undo),
    /// Step 2: `isPkceRequired` on an org-owned External Client App.
    ExternalClientApp(Undo),
    /// Step 3: the org-wide setting.
    OrgSetting(Undo),
}

/// How `fix` takes a change back: the command as it runs, or why `fix` cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// The `fix --undo` command; `retrieve_first` when the report has no project, so the
    /// plan's retrieve command comes before it.
    Command {
        command: String,
        retrieve_first: bool,
    },
    /// Why `fix` cannot change the app ([`fix_refusal`]).
    Refused(String),
}

impl Undo {
    fn command(target: &FixTarget, command: String) -> Undo {
        Undo::Command {
            command,
            retrieve_first: target.retrieve_first().is_some(),
        }
    }

    /// The way back for `app`'s step 2, as the report's project runs it.
    pub fn of_app(target: &FixTarget, app: &App) -> Undo {
        match fix_refusal(app) {
            Some(why) => Undo::Refused(why),
            None => Undo::command(target, target.undo_apps_command([app.name.as_str()])),
        }
    }

    /// The way back for step 3.
    pub fn of_org_setting(target: &FixTarget) -> Undo {
        Undo::command(target, target.undo_org_setting_command())
    }

    /// The command as words a reader copies, then `rest`.
    fn text(&self, rest: &str) -> Text {
        match self {
            Undo::Command {
                command,
                retrieve_first,
            } => {
                let lead = if *retrieve_first {
                    "in the project retrieved first (the command above the plan): "
                } else {
                    ""
                };
                Text::plain(lead)
                    .then_span(Span::Code(command.clone()))
                    .then(rest.to_string())
            }
            Undo::Refused(why) => Text::plain(format!(
                "fix cannot take it back: {why}; clear the box in Setup instead"
            )),
        }
    }
}

/// Can it be undone (a word a reader can scan), and how.
pub struct WayBack {
    pub answer: &'static str,
    pub how: Text,
    /// Where that is said.
    pub source: &'static str,
}

impl Reversal {
    /// The step-1 change an app's client needs, by who runs the client; `org_requires`
    /// when the org already requires PKCE.
    pub fn of_client(app: &App, org_requires: bool) -> Reversal {
        match app.owner {
            Owner::Org => Reversal::OurClient { org_requires },
            Owner::Isv => Reversal::IsvApp,
            Owner::External | Owner::Salesforce => Reversal::OutsideClient,
        }
    }

    /// The step-2 change on one of our apps, taken back in the report's project.
    pub fn of_app(target: &FixTarget, app: &App) -> Reversal {
        let undo = Undo::of_app(target, app);
        match app.kind {
            AppKind::ExternalClientApp => Reversal::ExternalClientApp(undo),
            AppKind::ConnectedApp | AppKind::External => Reversal::ConnectedApp(undo),
        }
    }

    pub fn way_back(&self) -> WayBack {
        match self {
            Reversal::OurClient { org_requires: false } => WayBack {
                answer: "yes",
                how: Text::plain("redeploy the client's previous version; it works again as long as neither its app (step 2) nor the org (step 3) requires PKCE"),
                source: "step 1 changes no setting in the org (docs/verify.md, The way back)",
            },
            Reversal::OurClient { org_requires: true } => WayBack {
                answer: "yes",
                how: Text::plain("redeploy the client's previous version; but the org already requires PKCE, so a previous version that sends none fails at its next authorization"),
                source: "step 1 changes no setting in the org (docs/verify.md, The way back)",
            },
            Reversal::IsvApp => WayBack {
                answer: "only its publisher",
                how: Text::plain("the subscriber cannot change a packaged app; after PKCE is enabled, partners are not permitted to disable it"),
                source: "Salesforce knowledge article 005316703; Secure Your Connected Apps and External Client Apps (ISV packaging guide)",
            },
            Reversal::OutsideClient => WayBack {
                answer: "only its vendor",
                how: Text::plain("the vendor (or Salesforce, for its own apps) runs the client; nothing in this org to undo"),
                source: "docs/verify.md, The way back",
            },
            Reversal::ConnectedApp(undo) => WayBack {
                answer: "yes",
                how: undo.text(", then deploy the rollback manifest; or redeploy the previous file"),
                source: "ConnectedApp.oauthConfig.isPkceRequired is a plain boolean, default false (Metadata API); docs/fix.md",
            },
            Reversal::ExternalClientApp(undo) => WayBack {
                answer: "unconfirmed",
                how: undo.text(" deploys false; users report the box cannot be cleared on External Client Apps"),
                source: "no Salesforce source either way; user reports in docs/verify.md, The way back",
            },
            Reversal::OrgSetting(undo) => WayBack {
                answer: "unconfirmed",
                how: undo.text(" deploys false, or clear the box in Setup > OAuth and OpenID Connect Settings; apps that require PKCE themselves still do"),
                source: "OauthOidcSettings.isPkceRequired, default false (Metadata API); no source found says it cannot be turned off again",
            },
        }
    }
}
