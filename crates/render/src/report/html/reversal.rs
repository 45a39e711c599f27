//! Whether each change of the rollout plan can be undone, by whom and how, with the source
//! that says so: one table (docs/verify.md, "The way back", holds the research). Where no
//! source says, the answer is "unconfirmed", never a guess.

use pkce_audit_model::inventory::{App, AppKind, Owner};

/// One kind of change in the plan, and its way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reversal {
    /// Step 1: a client we deploy ourselves sends PKCE.
    OurClient,
    /// Step 1: a packaged app's client, changed by its publisher.
    IsvApp,
    /// Step 1: a client run by an outside vendor or by Salesforce.
    OutsideClient,
    /// Step 2: `isPkceRequired` on an org-owned Connected App.
    ConnectedApp,
    /// Step 2: `isPkceRequired` on an org-owned External Client App.
    ExternalClientApp,
    /// Step 3: the org-wide setting.
    OrgSetting,
}

/// Can it be undone (a word a reader can scan), and how.
pub struct WayBack {
    pub answer: &'static str,
    pub how: &'static str,
    /// Where that is said.
    pub source: &'static str,
}

impl Reversal {
    /// The step-1 change an app's client needs, by who runs the client.
    pub fn of_client(app: &App) -> Reversal {
        match app.owner {
            Owner::Org => Reversal::OurClient,
            Owner::Isv => Reversal::IsvApp,
            Owner::External | Owner::Salesforce => Reversal::OutsideClient,
        }
    }

    /// The step-2 change on one of our apps.
    pub fn of_app(app: &App) -> Reversal {
        match app.kind {
            AppKind::ExternalClientApp => Reversal::ExternalClientApp,
            AppKind::ConnectedApp | AppKind::External => Reversal::ConnectedApp,
        }
    }

    pub fn way_back(self) -> WayBack {
        match self {
            Reversal::OurClient => WayBack {
                answer: "yes",
                how: "redeploy the client's previous version; it works again as long as neither its app (step 2) nor the org (step 3) requires PKCE",
                source: "step 1 changes no setting in the org (docs/verify.md, The way back)",
            },
            Reversal::IsvApp => WayBack {
                answer: "only its publisher",
                how: "the subscriber cannot change a packaged app; after PKCE is enabled, partners are not permitted to disable it",
                source: "Salesforce knowledge article 005316703; Secure Your Connected Apps and External Client Apps (ISV packaging guide)",
            },
            Reversal::OutsideClient => WayBack {
                answer: "only its vendor",
                how: "the vendor (or Salesforce, for its own apps) runs the client; nothing in this org to undo",
                source: "docs/verify.md, The way back",
            },
            Reversal::ConnectedApp => WayBack {
                answer: "yes",
                how: "pkce-audit fix --app NAME --undo, then deploy the rollback manifest; or redeploy the previous file",
                source: "ConnectedApp.oauthConfig.isPkceRequired is a plain boolean, default false (Metadata API); docs/fix.md",
            },
            Reversal::ExternalClientApp => WayBack {
                answer: "unconfirmed",
                how: "pkce-audit fix --app NAME --undo deploys false; users report the box cannot be cleared on External Client Apps",
                source: "no Salesforce source either way; user reports in docs/verify.md, The way back",
            },
            Reversal::OrgSetting => WayBack {
                answer: "unconfirmed",
                how: "pkce-audit fix --org-setting --undo deploys false, or clear the box in Setup > OAuth and OpenID Connect Settings; apps that require PKCE themselves still do",
                source: "OauthOidcSettings.isPkceRequired, default false (Metadata API); no source found says it cannot be turned off again",
            },
        }
    }
}
