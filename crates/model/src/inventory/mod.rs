//! The inventory: org OAuth settings, every Connected App and External Client App with
//! its flows and PKCE setting, who owns it, and what could not be read.
//!
//! Both inputs (a directory, a live org) hand [`build`] the same [`Collected`] parts,
//! so the rules never know where the metadata came from.

use crate::callback::{self, ClassifiedCallback, Exposure};
use crate::evidence::{Evidence, InstalledPackage, Usage};
use crate::flow::Flow;
use crate::metadata::{self, Body, Component, EcaChild, MetadataType, Role};
use crate::vocab::vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Where a finding or app points in the input: a file (relative to the source root)
/// and a 1-based line. Live audits have none.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

/// Package facts from `listMetadata` (live) or a snapshot manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageInfo {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub manageable_state: Option<String>,
}

/// One parsed component and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub component: Component,
    /// Source-relative file, for directory inputs.
    pub file: Option<String>,
    pub package: PackageInfo,
}

/// Everything an input collected, before the join.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub components: Vec<Loaded>,
    pub problems: Vec<Problem>,
    /// The org's (or project's) own namespace; components in it belong to the org.
    pub org_namespace: Option<String>,
    /// Informational remarks shown once (no effect on the verdict).
    pub notes: Vec<String>,
    /// Usage evidence (live audits, snapshots); `None` for a plain folder.
    pub evidence: Option<Evidence>,
    /// Why there is no evidence, for the note; `None`: a folder without a snapshot.
    pub no_evidence_reason: Option<NoEvidence>,
    /// The org's own hosts and domains (live host, pkce-audit.toml `org_domains`).
    pub own: OwnDomains,
}

/// Why an input came without usage evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoEvidence {
    /// A live run that skipped the usage queries.
    Skipped,
    /// A snapshot fetched without evidence.
    SnapshotWithout,
}

impl std::fmt::Display for NoEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoEvidence::Skipped => write!(f, "{}", crate::advice::Advice::UsageSkipped),
            NoEvidence::SnapshotWithout => f.write_str("the snapshot was fetched without it"),
        }
    }
}

vocabulary! {
    /// What an app is: where its OAuth settings live.
    #[derive(PartialOrd, Ord)]
    pub enum AppKind {
        ConnectedApp = "connected-app",
        ExternalClientApp = "external-client-app",
        /// Used in the org but defined elsewhere: known only from usage evidence.
        External = "external",
    }
}

vocabulary! {
    /// Who has to act on an app, and on its findings.
    #[derive(PartialOrd, Ord)]
    pub enum Owner {
        /// Defined in this org or project: the admin's team fixes it.
        Org = "org",
        /// From an installed package: only its publisher can fix it.
        Isv = "isv",
        /// Defined in another org (a vendor, Salesforce's own tools): confirm with its owner.
        External = "external",
        /// Created and run by Salesforce (a Dev Hub's namespace-registry app): test in a
        /// sandbox, and open a case with Salesforce if it fails.
        Salesforce = "salesforce",
    }
}

/// How the PKCE value was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PkceBasis {
    /// The element is present.
    Explicit,
    /// The element is absent; the documented default applies.
    Default,
    /// The settings that hold it could not be read.
    Unknown,
    /// Not an OAuth app.
    NotApplicable,
}

/// Where in the input each fact that a rule may cite was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppLocations {
    pub app: Option<Location>,
    pub pkce: Option<Location>,
    pub callback: Option<Location>,
    pub public_client: Option<Location>,
    pub code_credentials: Option<Location>,
}

/// The name prefix of the Connected App a Dev Hub creates for its namespace registry.
pub const DEVHUB_PREFIX: &str = "DEVHUB_";
/// The label of that app.
pub const NAMESPACE_REGISTRY_LABEL: &str = "SalesforceDX Namespace Registry";
/// The path of that app's callback.
pub const NAMESPACE_REGISTRY_CALLBACK: &str = "/environmenthub/soma-callback.apexp";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// API name (fullName); for an External Client App, the header's.
    pub name: String,
    pub label: Option<String>,
    pub kind: AppKind,
    pub owner: Owner,
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub manageable_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub distribution_state: Option<String>,
    pub contact_email: Option<String>,
    /// OAuth is configured and switched on (for an ECA without global settings: assumed).
    pub oauth_enabled: bool,
    pub pkce_required: Option<bool>,
    pub pkce_basis: PkceBasis,
    /// Flows switched on; `None` when the settings that hold them could not be read.
    pub flows: Option<Vec<Flow>>,
    /// Consumer secret optional: a public client.
    pub public_client: bool,
    pub callback_urls: Vec<String>,
    /// Each callback URL with what it says about the client (the same order).
    #[serde(default)]
    pub callbacks: Vec<ClassifiedCallback>,
    /// A Connected App file that only refers to a packaged app whose settings live
    /// elsewhere: what shows it. Its PKCE setting is unknown; a live audit reads the real
    /// app. Not in the report: its findings say it.
    #[serde(skip)]
    pub packaged_reference: Option<String>,
    /// A canvas app using a signed request (`canvasConfig/accessMethod` `Post`): no code
    /// flow through its canvas. An OAuth (`Get`) canvas app runs the web-server flow.
    #[serde(skip)]
    pub canvas_signed_request: bool,
    /// Why the app is outside PKCE scope, when it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outside_scope_reason: Option<String>,
    pub files: Vec<String>,
    /// Usage in the evidence window; `None` when no usage source was read.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// The installed package an ISV app comes from, when the org said.
    #[serde(default)]
    pub package: Option<InstalledPackage>,
    /// The client at hosts outside the org's own domains (or one the catalogue knows by
    /// its callbacks); `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outside_client: Option<OutsideClient>,
    /// Its `/services/authcallback/…` callbacks with what is known of each provider.
    #[serde(skip)]
    pub auth_providers: Vec<ProviderLink>,
    /// Usernames holding the app's tokens; only with `--show-users`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub users: Option<Vec<String>>,
    #[serde(skip)]
    pub locations: AppLocations,
    /// An External Client App's global OAuth settings component (its PKCE setting), by
    /// name, when it was read: what a rollback retrieves and deploys.
    #[serde(skip)]
    pub global_settings: Option<String>,
}

impl App {
    pub fn has_flow(&self, f: &Flow) -> bool {
        self.flows.as_ref().is_some_and(|fl| fl.contains(f))
    }

    /// The app can run a flow that PKCE applies to (or we cannot tell that it cannot).
    pub fn in_pkce_scope(&self) -> bool {
        self.outside_scope_reason.is_none()
    }

    /// How strongly the callbacks show a code-flow client; `None` without callbacks.
    pub fn callback_exposure(&self) -> Option<Exposure> {
        callback::exposure(&self.callbacks)
    }

    pub fn display_name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// The org-wide "Require PKCE for Supported Authorization Flows" toggle.
    pub is_pkce_required: bool,
    pub block_username_password_flow: bool,
    pub block_user_agent_flow: bool,
    /// `oAuthCdCrdtFlowEnable`: true means the flow is allowed.
    pub code_credentials_flow_enabled: bool,
    #[serde(skip)]
    pub location: Option<Location>,
    #[serde(skip)]
    pub field_lines: BTreeMap<&'static str, u32>,
}

impl OrgSettings {
    /// Whether the org blocks a flow outright; `None` for a flow no org setting blocks.
    pub fn blocks(&self, flow: &Flow) -> Option<bool> {
        match flow {
            Flow::UsernamePassword => Some(self.block_username_password_flow),
            Flow::UserAgent => Some(self.block_user_agent_flow),
            Flow::AuthorizationCode
            | Flow::CodeCredentials
            | Flow::ClientCredentials
            | Flow::JwtBearer
            | Flow::Device
            | Flow::TokenExchange
            | Flow::Saml
            | Flow::Canvas
            | Flow::RefreshToken
            | Flow::Unknown
            | Flow::SoapLogin => None,
        }
    }

    pub fn location_of(&self, field: &str) -> Option<Location> {
        let loc = self.location.clone()?;
        Some(Location {
            line: self.field_lines.get(field).copied().unwrap_or(loc.line),
            ..loc
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// `None`: the OauthOidc settings were not found or not readable.
    pub org_settings: Option<OrgSettings>,
    pub apps: Vec<App>,
    pub problems: Vec<Problem>,
    pub org_namespace: Option<String>,
    pub notes: Vec<String>,
    pub evidence: Option<Evidence>,
    /// The org's own hosts and domains.
    pub own: OwnDomains,
    /// This org's Auth. Providers that were read (folder: every one in it; live: only
    /// when some callback points at one).
    pub auth_providers: Vec<AuthProviderInfo>,
}

fn org_settings(l: &Loaded, s: &metadata::OauthOidcSettings) -> OrgSettings {
    let mut field_lines = BTreeMap::new();
    let mut get = |name: &'static str, v: &Option<metadata::Spanned<bool>>| {
        if let Some(v) = v {
            field_lines.insert(name, v.line);
        }
        v.as_ref().is_some_and(|v| v.value)
    };
    OrgSettings {
        is_pkce_required: get("isPkceRequired", &s.is_pkce_required),
        block_username_password_flow: get("blockOAuthUnPwFlow", &s.block_oauth_un_pw_flow),
        block_user_agent_flow: get("blockOAuthUsrAgtFlow", &s.block_oauth_usr_agt_flow),
        code_credentials_flow_enabled: get("oAuthCdCrdtFlowEnable", &s.oauth_cd_crdt_flow_enable),
        location: loc(&l.file, Some(s.line)),
        field_lines,
    }
}

fn where_(l: &Loaded) -> String {
    l.file.clone().unwrap_or_else(|| "the org".to_string())
}

/// Joins the collected components into apps. Linear in the number of components.
pub fn build(collected: Collected) -> Inventory {
    let Collected {
        components,
        mut problems,
        org_namespace,
        mut notes,
        evidence,
        no_evidence_reason,
        own,
    } = collected;
    let org_ns = org_namespace.as_deref();
    let unique = unique_components(&components, &mut problems);
    let (mut apps, org_settings_found) = join(&unique, org_ns, &mut problems);
    let auth_providers = auth_providers(&unique);
    match &evidence {
        Some(e) => apply_evidence(e, &mut apps, &mut problems, &mut notes),
        None => notes.push(format!(
            "No usage evidence ({}): apps used in the org but defined elsewhere are not visible, and findings are judged on metadata alone.",
            no_evidence_reason.map_or("a folder audit without a snapshot".into(), |r| r.to_string())
        )),
    }
    for app in &mut apps {
        // Connected Apps are classified where they are read (canvas settings count);
        // the others here, on their URLs alone.
        if app.callbacks.len() != app.callback_urls.len() {
            app.callbacks =
                callback::classify_all(&app.callback_urls, callback::AppContext::default());
        }
        if apps::is_salesforce_generated(app) {
            app.owner = Owner::Salesforce;
        }
        // Salesforce's own clients seen in usage evidence (the catalogue says which).
        if app.kind == AppKind::External
            && crate::clients::find(&app.name, app.label.as_deref(), &app.callback_urls)
                .is_some_and(|m| m.client.owner == crate::clients::ClientOwner::Salesforce)
        {
            app.owner = Owner::Salesforce;
        }
        app.outside_client = outside::outside_client(app, &own);
        app.auth_providers = outside::provider_links(app, &auth_providers, &own);
    }
    apps.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(&b.kind)));
    problems.sort();
    Inventory {
        org_settings: org_settings_found,
        apps,
        problems,
        org_namespace,
        notes,
        evidence,
        own,
        auth_providers,
    }
}

/// The Auth. Providers among the unique components, by name.
fn auth_providers(unique: &[&Loaded]) -> Vec<AuthProviderInfo> {
    let mut out: Vec<AuthProviderInfo> = unique
        .iter()
        .filter_map(|l| {
            let Body::AuthProvider(p) = &l.component.body else {
                return None;
            };
            Some(AuthProviderInfo {
                name: l.component.full_name.clone(),
                provider_type: p.provider_type.clone(),
                is_pkce_enabled: p.is_pkce_enabled.as_ref().map(|v| v.value),
                location: apps::loc(
                    &l.file,
                    Some(
                        p.is_pkce_enabled
                            .as_ref()
                            .map_or(l.component.line, |v| v.line),
                    ),
                ),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The components defined once. The same component twice (two package directories, a
/// stale copy, a record read twice) is ambiguous: which copy deploys is unknowable, so no
/// copy is used and a problem names them all. API names are unique whatever their case
/// in an org, so `App` and `APP` are the same component twice.
fn unique_components<'a>(components: &'a [Loaded], problems: &mut Vec<Problem>) -> Vec<&'a Loaded> {
    let mut copies: HashMap<(MetadataType, String), Vec<&Loaded>> = HashMap::new();
    let mut order: Vec<(MetadataType, String)> = Vec::new();
    for l in components {
        let key = (l.component.ty, l.component.full_name.to_lowercase());
        let entry = copies.entry(key.clone()).or_default();
        if entry.is_empty() {
            order.push(key);
        }
        entry.push(l);
    }
    let mut unique: Vec<&'a Loaded> = Vec::with_capacity(components.len());
    for key in order {
        match copies[&key].as_slice() {
            [one] => unique.push(one),
            all => problems.push(
                Problem::new(
                    ProblemKind::Duplicate,
                    format!(
                        "defined {} times ({}); which copy counts is ambiguous, so none was read",
                        all.len(),
                        list_places(all)
                    ),
                )
                .component(key.0, &all[0].component.full_name),
            ),
        }
    }

    unique
}

/// Apps from the unique components, each External Client App with its child settings,
/// and the org settings; children whose app is missing become problems.
fn join(
    unique: &[&Loaded],
    org_ns: Option<&str>,
    problems: &mut Vec<Problem>,
) -> (Vec<App>, Option<OrgSettings>) {
    let mut parts: HashMap<&str, EcaParts<'_>> = HashMap::new();
    let mut headers = Vec::new();
    let mut org_settings_found = None;
    let mut apps = Vec::new();
    for l in unique {
        let c = &l.component;
        match &c.body {
            Body::ConnectedApp(ca) => apps.push(connected_app(l, ca, org_ns)),
            Body::ExternalClientApp(h) => headers.push((*l, h)),
            // Only the member `OauthOidc` is read and the duplicate check above refuses
            // a second copy; should two still arrive, neither decides.
            Body::OauthOidc(s) => match org_settings_found {
                None => org_settings_found = Some(Some(org_settings(l, s))),
                Some(_) => {
                    problems.push(
                        Problem::new(
                            ProblemKind::Duplicate,
                            "a second set of org OAuth settings; neither was used",
                        )
                        .component(c.ty, &c.full_name),
                    );
                    org_settings_found = Some(None);
                }
            },
            // Read for the apps whose callbacks point at one (see `auth_providers`).
            Body::AuthProvider(_) => {}
            Body::EcaGlobalOauth(_)
            | Body::EcaOauthPolicies(_)
            | Body::EcaPolicies(_)
            | Body::EcaOther => {
                // parse_component refuses an ECA child without its parent element.
                let Some(parent) = c.parent.as_deref() else {
                    problems.push(
                        Problem::new(
                            ProblemKind::Orphaned,
                            "names no External Client App; its settings were not applied",
                        )
                        .component(c.ty, &c.full_name)
                        .file(where_(l), Some(c.line)),
                    );
                    continue;
                };
                let p = parts.entry(parent).or_default();
                match c.ty.role() {
                    Role::EcaChild(EcaChild::GlobalOauth) => p.global.push(l),
                    Role::EcaChild(EcaChild::OauthSettings) => p.oauth_settings.push(l),
                    Role::EcaChild(EcaChild::OauthPolicies) => p.oauth_policies.push(l),
                    Role::EcaChild(EcaChild::Policies) => p.policies.push(l),
                    // Not ECA children: their bodies are matched above.
                    Role::EcaChild(EcaChild::PlugIn)
                    | Role::ConnectedApp
                    | Role::EcaHeader
                    | Role::OrgSettings
                    | Role::AuthProvider => p.other.push(l),
                }
            }
        }
    }

    let empty = EcaParts::default();
    for (l, h) in &headers {
        let mut p = parts
            .remove(l.component.full_name.as_str())
            .unwrap_or_default();
        p.drop_ambiguous(&l.component.full_name, problems);
        let p = if p.is_empty() { &empty } else { &p };
        apps.push(external_client_app(l, h, p, org_ns));
    }
    // Children whose app is not here: their settings cannot be attached to anything.
    let mut orphans: Vec<_> = parts.into_iter().collect();
    orphans.sort_by_key(|(parent, _)| *parent);
    for (parent, p) in orphans {
        for l in p
            .global
            .iter()
            .chain(&p.oauth_settings)
            .chain(&p.oauth_policies)
            .chain(&p.policies)
            .chain(&p.other)
        {
            problems.push(
                Problem::new(ProblemKind::Orphaned, format!(
                    "points to External Client App '{parent}', which was not found; its settings were not applied to any app"
                ))
                .component(l.component.ty, &l.component.full_name)
                .file(where_(l), Some(l.component.line)),
            );
        }
    }

    (apps, org_settings_found.flatten())
}

mod apps;
mod outside;
mod problem;
mod usage;

pub use outside::{
    registrable_domain, AuthProviderInfo, OutsideClient, OwnDomains, ProviderLink, ProviderState,
};

pub(crate) use problem::write_problem;
pub use problem::{Concerns, Problem, ProblemKind};

use apps::{connected_app, external_client_app, list_places, loc, EcaParts};
use usage::apply_evidence;
