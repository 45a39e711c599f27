//! The inventory: org OAuth settings, every Connected App and External Client App with
//! its flows and PKCE setting, who owns it, and what could not be read.
//!
//! Both inputs (a directory, a live org) hand [`build`] the same [`Collected`] parts,
//! so the rules never know where the metadata came from.

use crate::evidence::{self, Evidence, InstalledPackage, Usage};
use crate::metadata::{self, Body, Component, ConnectedApp, EcaGlobalOauth, MetadataType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

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

/// Something that could not be read. Any problem makes the verdict at best `incomplete`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    /// `Type Name` of the component concerned, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    pub reason: String,
    /// The permission or setting that would make it readable, when that is the cause.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remedy: Option<String>,
}

impl Problem {
    pub fn new(reason: impl Into<String>) -> Self {
        Problem {
            component: None,
            file: None,
            line: None,
            reason: reason.into(),
            remedy: None,
        }
    }
    pub fn component(mut self, ty: MetadataType, name: &str) -> Self {
        self.component = Some(format!("{ty} {name}"));
        self
    }
    pub fn file(mut self, file: impl Into<String>, line: Option<u32>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }
    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            sep = ": ";
        }
        if let Some(c) = &self.component {
            write!(f, "{sep}{c}")?;
            sep = ": ";
        }
        write!(f, "{sep}{}", self.reason)?;
        if let Some(r) = &self.remedy {
            write!(f, " ({r})")?;
        }
        Ok(())
    }
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
    pub no_evidence_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    ConnectedApp,
    ExternalClientApp,
    /// Used in the org but defined elsewhere: known only from usage evidence.
    External,
}

impl AppKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::ConnectedApp => "connected-app",
            AppKind::ExternalClientApp => "external-client-app",
            AppKind::External => "external",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Owner {
    /// Defined in this org or project: the admin's team fixes it.
    Org,
    /// From an installed package: only its publisher can fix it.
    Isv,
    /// Defined in another org (a vendor, Salesforce's own tools): confirm with its owner.
    External,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Org => "org",
            Owner::Isv => "isv",
            Owner::External => "external",
        }
    }
}

/// OAuth flows an app has switched on. Only the first two use an authorization code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// Web server and hybrid web server flows (OAuth on with a callback URL).
    AuthorizationCode,
    /// Authorization Code and Credentials (headless) flow.
    CodeCredentials,
    ClientCredentials,
    JwtBearer,
    Device,
    TokenExchange,
    Saml,
    Canvas,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::AuthorizationCode => "authorization-code",
            Flow::CodeCredentials => "code-credentials",
            Flow::ClientCredentials => "client-credentials",
            Flow::JwtBearer => "jwt-bearer",
            Flow::Device => "device",
            Flow::TokenExchange => "token-exchange",
            Flow::Saml => "saml",
            Flow::Canvas => "canvas",
        }
    }

    pub fn uses_authorization_code(self) -> bool {
        matches!(self, Flow::AuthorizationCode | Flow::CodeCredentials)
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
    /// Usernames holding the app's tokens; only with `--show-users`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub users: Option<Vec<String>>,
    #[serde(skip)]
    pub locations: AppLocations,
}

impl App {
    pub fn has_flow(&self, f: Flow) -> bool {
        self.flows.as_ref().is_some_and(|fl| fl.contains(&f))
    }

    /// The app can run a flow that PKCE applies to (or we cannot tell that it cannot).
    pub fn in_pkce_scope(&self) -> bool {
        self.outside_scope_reason.is_none()
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
}

/// `manageableState` values that mean "installed from a package into this org".
fn is_installed_state(state: Option<&str>) -> bool {
    matches!(
        state,
        Some("installed" | "installedEditable" | "deprecated")
    )
}

fn owner_of(namespace: Option<&str>, package: &PackageInfo, org_ns: Option<&str>) -> Owner {
    if is_installed_state(package.manageable_state.as_deref()) {
        return Owner::Isv;
    }
    match namespace {
        Some(ns) if Some(ns) != org_ns => Owner::Isv,
        _ => Owner::Org,
    }
}

fn loc(file: &Option<String>, line: Option<u32>) -> Option<Location> {
    Some(Location {
        file: file.clone()?,
        line: line?,
    })
}

struct Header<'a> {
    loaded: &'a Loaded,
    namespace: Option<String>,
}

impl Header<'_> {
    fn owner(&self, org_ns: Option<&str>) -> Owner {
        owner_of(self.namespace.as_deref(), &self.loaded.package, org_ns)
    }
    fn files(&self) -> Vec<String> {
        self.loaded.file.iter().cloned().collect()
    }
}

fn namespace(l: &Loaded) -> Option<String> {
    l.package
        .namespace_prefix
        .clone()
        .filter(|ns| !ns.is_empty())
        .or_else(|| metadata::namespace_of(&l.component.full_name).map(str::to_string))
}

fn connected_app(l: &Loaded, ca: &ConnectedApp, org_ns: Option<&str>) -> App {
    let h = Header {
        loaded: l,
        namespace: namespace(l),
    };
    let mut locations = AppLocations {
        app: loc(&l.file, Some(l.component.line)),
        ..Default::default()
    };
    let mut flows = Vec::new();
    let (pkce_required, pkce_basis, public_client, callback_urls) = match &ca.oauth {
        Some(o) => {
            if !o.callback_urls.is_empty() {
                flows.push(Flow::AuthorizationCode);
            }
            let code_cred = o.is_code_credential_enabled.as_ref();
            if code_cred.is_some_and(|c| c.value) {
                flows.push(Flow::CodeCredentials);
            }
            if o.is_client_credential_enabled == Some(true) {
                flows.push(Flow::ClientCredentials);
            }
            if o.has_certificate {
                flows.push(Flow::JwtBearer);
            }
            if o.is_token_exchange_enabled == Some(true) {
                flows.push(Flow::TokenExchange);
            }
            let pkce = o.is_pkce_required.as_ref();
            locations.pkce = loc(&l.file, Some(pkce.map_or(o.line, |p| p.line)));
            locations.callback = loc(&l.file, o.callback_line);
            locations.code_credentials = loc(&l.file, code_cred.map(|c| c.line));
            let public = o.is_consumer_secret_optional.as_ref();
            locations.public_client = loc(&l.file, public.map(|p| p.line));
            (
                Some(pkce.is_some_and(|p| p.value)),
                if pkce.is_some() {
                    PkceBasis::Explicit
                } else {
                    PkceBasis::Default
                },
                public.is_some_and(|p| p.value),
                o.callback_urls.clone(),
            )
        }
        None => (None, PkceBasis::NotApplicable, false, Vec::new()),
    };
    if ca.has_saml {
        flows.push(Flow::Saml);
    }
    if ca.has_canvas {
        flows.push(Flow::Canvas);
    }
    let outside_scope_reason = match &ca.oauth {
        None if ca.has_saml || ca.has_canvas => Some(format!(
            "no OAuth configuration; uses {} only",
            flows
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        )),
        None => Some("no OAuth, SAML or canvas configuration".to_string()),
        Some(_) if !flows.iter().any(|f| f.uses_authorization_code()) => {
            Some("OAuth is on but without a callback URL or the code-credentials flow".to_string())
        }
        Some(_) => None,
    };
    App {
        name: l.component.full_name.clone(),
        label: ca.label.clone(),
        kind: AppKind::ConnectedApp,
        owner: h.owner(org_ns),
        namespace: h.namespace.clone(),
        manageable_state: l.package.manageable_state.clone(),
        distribution_state: None,
        contact_email: ca.contact_email.clone(),
        oauth_enabled: ca.oauth.is_some(),
        pkce_required,
        pkce_basis,
        flows: Some(flows),
        public_client,
        callback_urls,
        outside_scope_reason,
        files: h.files(),
        usage: None,
        package: None,
        users: None,
        locations,
    }
}

/// The children of one External Client App, joined on `<externalClientApplication>`.
#[derive(Default)]
struct EcaParts<'a> {
    global: Vec<&'a Loaded>,
    oauth_settings: Vec<&'a Loaded>,
    oauth_policies: Vec<&'a Loaded>,
    policies: Vec<&'a Loaded>,
    other: Vec<&'a Loaded>,
}

impl<'a> EcaParts<'a> {
    fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self.oauth_settings.is_empty()
            && self.oauth_policies.is_empty()
            && self.policies.is_empty()
            && self.other.is_empty()
    }

    /// An app has at most one child of each type. Two (a stale policies file that says
    /// "disabled" beside the live one, two global OAuth settings) make the app's setting
    /// unknowable: neither is used and a problem names both files.
    fn drop_ambiguous(&mut self, app: &str, problems: &mut Vec<Problem>) {
        let mut check = |children: &mut Vec<&'a Loaded>| {
            if children.len() > 1 {
                let ty = children[0].component.ty;
                problems.push(
                    Problem::new(format!(
                        "{} {ty} components point to this app ({}); which one counts is ambiguous, so none was used",
                        children.len(),
                        list_places(children)
                    ))
                    .component(MetadataType::ExternalClientApplication, app),
                );
                children.clear();
            }
        };
        check(&mut self.global);
        check(&mut self.oauth_settings);
        check(&mut self.oauth_policies);
        check(&mut self.policies);
        // The plug-in settings come in several types; at most one of each.
        let mut by_type: BTreeMap<MetadataType, Vec<&'a Loaded>> = BTreeMap::new();
        for l in self.other.drain(..) {
            by_type.entry(l.component.ty).or_default().push(l);
        }
        for mut children in by_type.into_values() {
            check(&mut children);
            self.other.extend(children);
        }
    }
}

/// "name in file, name in file" for a problem that must name every copy.
fn list_places(copies: &[&Loaded]) -> String {
    copies
        .iter()
        .map(|l| match &l.file {
            Some(f) => format!("{} in {f}", l.component.full_name),
            None => format!("{} in the org", l.component.full_name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_global<'a>(parts: &EcaParts<'a>) -> Option<(&'a Loaded, &'a EcaGlobalOauth)> {
    parts.global.iter().find_map(|l| match &l.component.body {
        Body::EcaGlobalOauth(g) => Some((*l, g)),
        _ => None,
    })
}

fn external_client_app(
    l: &Loaded,
    header: &metadata::ExternalClientApp,
    parts: &EcaParts<'_>,
    org_ns: Option<&str>,
) -> App {
    let h = Header {
        loaded: l,
        namespace: namespace(l),
    };
    let mut files = h.files();
    for child in parts
        .global
        .iter()
        .chain(&parts.oauth_settings)
        .chain(&parts.oauth_policies)
        .chain(&parts.policies)
        .chain(&parts.other)
    {
        files.extend(child.file.iter().cloned());
    }
    let mut locations = AppLocations {
        app: loc(&l.file, Some(l.component.line)),
        ..Default::default()
    };
    let policies = parts.policies.iter().find_map(|p| match &p.component.body {
        Body::EcaPolicies(b) => Some((*p, b)),
        _ => None,
    });
    let oauth_policies = parts
        .oauth_policies
        .iter()
        .find_map(|p| match &p.component.body {
            Body::EcaOauthPolicies(b) => Some(b),
            _ => None,
        });
    let disabled = policies.and_then(|(p, b)| {
        if b.is_enabled == Some(false) {
            return Some(("the app is disabled in its policies".to_string(), p));
        }
        b.is_oauth_plugin_enabled
            .as_ref()
            .filter(|o| !o.value)
            .map(|_| {
                (
                    "the OAuth plug-in is switched off in its policies".to_string(),
                    p,
                )
            })
    });
    let global = first_global(parts);
    let mut app = App {
        name: l.component.full_name.clone(),
        label: header.label.clone(),
        kind: AppKind::ExternalClientApp,
        owner: h.owner(org_ns),
        namespace: h.namespace.clone(),
        manageable_state: l.package.manageable_state.clone(),
        distribution_state: header.distribution_state.clone(),
        contact_email: header.contact_email.clone(),
        oauth_enabled: disabled.is_none(),
        pkce_required: None,
        pkce_basis: PkceBasis::Unknown,
        flows: None,
        public_client: false,
        callback_urls: Vec::new(),
        outside_scope_reason: None,
        files,
        usage: None,
        package: None,
        users: None,
        locations: AppLocations::default(),
    };
    if let Some((reason, p)) = disabled {
        app.pkce_basis = PkceBasis::NotApplicable;
        app.flows = Some(Vec::new());
        app.outside_scope_reason = Some(reason);
        locations.pkce = loc(&p.file, Some(p.component.line));
        app.locations = locations;
        return app;
    }
    let Some((gl, g)) = global else {
        // Global OAuth settings hold PKCE; without them PKCE is unknown, never on or off.
        app.locations = locations;
        return app;
    };
    let mut flows = Vec::new();
    if !g.callback_urls.is_empty() {
        flows.push(Flow::AuthorizationCode);
    }
    let guest_code_cred = oauth_policies.and_then(|p| p.is_guest_code_cred_flow_enabled);
    if g.is_code_cred_flow_enabled
        .as_ref()
        .is_some_and(|c| c.value)
        || guest_code_cred == Some(true)
    {
        flows.push(Flow::CodeCredentials);
    }
    // Client credentials and token exchange need the developer switch (global) and the
    // admin switch (policies); a missing policies file does not switch them off.
    let admin_allows = |v: Option<bool>| v != Some(false);
    if g.is_client_credentials_flow_enabled == Some(true)
        && admin_allows(oauth_policies.and_then(|p| p.is_client_credentials_flow_enabled))
    {
        flows.push(Flow::ClientCredentials);
    }
    if g.has_certificate {
        flows.push(Flow::JwtBearer);
    }
    if g.is_device_flow_enabled == Some(true) {
        flows.push(Flow::Device);
    }
    if g.is_token_exchange_enabled == Some(true)
        && admin_allows(oauth_policies.and_then(|p| p.is_token_exchange_flow_enabled))
    {
        flows.push(Flow::TokenExchange);
    }
    let pkce = g.is_pkce_required.as_ref();
    app.pkce_required = Some(pkce.is_none_or(|p| p.value));
    app.pkce_basis = if pkce.is_some() {
        PkceBasis::Explicit
    } else {
        PkceBasis::Default
    };
    app.public_client = g
        .is_consumer_secret_optional
        .as_ref()
        .is_some_and(|p| p.value);
    app.callback_urls = g.callback_urls.clone();
    if !flows.iter().any(|f| f.uses_authorization_code()) {
        app.outside_scope_reason =
            Some("OAuth is on but without a callback URL or the code-credentials flow".into());
    }
    app.flows = Some(flows);
    locations.pkce = loc(&gl.file, Some(pkce.map_or(gl.component.line, |p| p.line)));
    locations.callback = loc(&gl.file, g.callback_line);
    locations.public_client = loc(
        &gl.file,
        g.is_consumer_secret_optional.as_ref().map(|p| p.line),
    );
    locations.code_credentials = loc(
        &gl.file,
        g.is_code_cred_flow_enabled.as_ref().map(|p| p.line),
    );
    app.locations = locations;
    app
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
    } = collected;
    let org_ns = org_namespace.as_deref();

    // The same component twice (two package directories, a stale copy, a record read
    // twice) is ambiguous: which copy deploys is unknowable, so no copy is used.
    let mut copies: HashMap<(MetadataType, &str), Vec<&Loaded>> = HashMap::new();
    let mut order: Vec<(MetadataType, &str)> = Vec::new();
    for l in &components {
        let key = (l.component.ty, l.component.full_name.as_str());
        let entry = copies.entry(key).or_default();
        if entry.is_empty() {
            order.push(key);
        }
        entry.push(l);
    }
    let mut unique: Vec<&Loaded> = Vec::with_capacity(components.len());
    for key in order {
        match copies[&key].as_slice() {
            [one] => unique.push(one),
            all => problems.push(
                Problem::new(format!(
                    "defined {} times ({}); which copy counts is ambiguous, so none was read",
                    all.len(),
                    list_places(all)
                ))
                .component(key.0, key.1),
            ),
        }
    }

    let mut parts: HashMap<&str, EcaParts<'_>> = HashMap::new();
    let mut headers = Vec::new();
    let mut org_settings_found = None;
    let mut apps = Vec::new();
    for l in &unique {
        let c = &l.component;
        match &c.body {
            Body::ConnectedApp(ca) => apps.push(connected_app(l, ca, org_ns)),
            Body::ExternalClientApp(h) => headers.push((*l, h)),
            // Only the member `OauthOidc` is read, so the duplicate check above has
            // already refused a second copy.
            Body::OauthOidc(s) => org_settings_found = Some(org_settings(l, s)),
            Body::EcaGlobalOauth(_)
            | Body::EcaOauthPolicies(_)
            | Body::EcaPolicies(_)
            | Body::EcaOther => {
                // parse_component refuses an ECA child without its parent element.
                let Some(parent) = c.parent.as_deref() else {
                    problems.push(
                        Problem::new("names no External Client App; its settings were not applied")
                            .component(c.ty, &c.full_name)
                            .file(where_(l), Some(c.line)),
                    );
                    continue;
                };
                let p = parts.entry(parent).or_default();
                match c.ty {
                    MetadataType::ExtlClntAppGlobalOauthSettings => p.global.push(l),
                    MetadataType::ExtlClntAppOauthSettings => p.oauth_settings.push(l),
                    MetadataType::ExtlClntAppOauthConfigurablePolicies => p.oauth_policies.push(l),
                    MetadataType::ExtlClntAppConfigurablePolicies => p.policies.push(l),
                    MetadataType::ExtlClntAppOauthSecuritySettings
                    | MetadataType::ExtlClntAppMobileSettings
                    | MetadataType::ExtlClntAppMobileConfigurablePolicies
                    | MetadataType::ExtlClntAppNotificationSettings
                    | MetadataType::ExtlClntAppPushSettings
                    | MetadataType::ExtlClntAppPushConfigurablePolicies
                    | MetadataType::ExtlClntAppCanvasSettings
                    | MetadataType::ExtlClntAppSamlConfigurablePolicies
                    // Not ECA children: their bodies are matched above.
                    | MetadataType::ConnectedApp
                    | MetadataType::ExternalClientApplication
                    | MetadataType::OauthOidcSettings => p.other.push(l),
                }
            }
        }
    }

    let empty = EcaParts::default();
    for (l, h) in &headers {
        let mut p = parts
            .remove(l.component.full_name.as_str())
            .unwrap_or_default();
        p.drop_ambiguous(&l.component.full_name, &mut problems);
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
                Problem::new(format!(
                    "points to External Client App '{parent}', which was not found; its settings were not applied to any app"
                ))
                .component(l.component.ty, &l.component.full_name)
                .file(where_(l), Some(l.component.line)),
            );
        }
    }

    match &evidence {
        Some(e) => apply_evidence(e, &mut apps, &mut problems, &mut notes),
        None => notes.push(format!(
            "No usage evidence ({}): apps used in the org but defined elsewhere are not visible, and findings are judged on metadata alone.",
            no_evidence_reason.as_deref().unwrap_or("a folder audit without a snapshot")
        )),
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
    }
}

/// Finds the metadata apps a usage name (a label) stands for: exact label, then label
/// ignoring case, then API name. More than one candidate is ambiguous.
struct NameIndex {
    by_label: HashMap<String, Vec<usize>>,
    by_label_ci: HashMap<String, Vec<usize>>,
    by_name_ci: HashMap<String, Vec<usize>>,
}

impl NameIndex {
    fn new(apps: &[App]) -> Self {
        let mut ix = NameIndex {
            by_label: HashMap::new(),
            by_label_ci: HashMap::new(),
            by_name_ci: HashMap::new(),
        };
        for (i, a) in apps.iter().enumerate() {
            if let Some(l) = &a.label {
                ix.by_label.entry(l.clone()).or_default().push(i);
                ix.by_label_ci.entry(l.to_lowercase()).or_default().push(i);
            }
            ix.by_name_ci
                .entry(a.name.to_lowercase())
                .or_default()
                .push(i);
        }
        ix
    }

    fn find(&self, name: &str) -> &[usize] {
        let lower = name.to_lowercase();
        [
            self.by_label.get(name),
            self.by_label_ci.get(&lower),
            self.by_name_ci.get(&lower),
        ]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
        .map_or(&[], Vec::as_slice)
    }
}

/// Attaches packages and usage to apps, and adds the apps only usage knows about.
/// Linear in apps plus evidence rows.
fn apply_evidence(
    e: &Evidence,
    apps: &mut Vec<App>,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) {
    use evidence::SourceState;
    for (source, state) in &e.sources {
        if let SourceState::Missing { reason, remedy } = state {
            if source == evidence::CONNECTED_APPLICATION {
                // Without it, apps defined in other orgs are invisible: a blocker may hide.
                problems.push(
                    Problem::new(format!("{source} could not be read ({reason}); apps used here but defined in other orgs cannot be seen"))
                        .remedy(format!("needs {remedy}")),
                );
            } else {
                notes.push(format!(
                    "Evidence source {source} could not be read ({reason}); it needs {remedy}."
                ));
            }
        }
        if let SourceState::Read { partial: true, .. } = state {
            notes.push(format!("Evidence source {source} stopped early (a documented cap or the row budget): usage figures are partial and cannot prove an app unused."));
        }
    }
    if e.is_read(evidence::INSTALLED_PACKAGES) {
        let by_ns: HashMap<&str, &InstalledPackage> = e
            .packages
            .iter()
            .filter_map(|p| p.namespace.as_deref().map(|ns| (ns, p)))
            .collect();
        for app in apps.iter_mut().filter(|a| a.owner == Owner::Isv) {
            app.package = app
                .namespace
                .as_deref()
                .and_then(|ns| by_ns.get(ns))
                .map(|p| (*p).clone());
        }
    }
    let usage = evidence::usage_by_name(e);
    let unseen = evidence::unseen_usage(e);
    let users_of = |name: &str| e.users.as_ref().and_then(|u| u.get(name)).cloned();
    for app in apps.iter_mut() {
        app.usage = unseen.clone();
    }
    let ix = NameIndex::new(apps);
    let mut external: std::collections::BTreeMap<&str, Option<&Usage>> =
        std::collections::BTreeMap::new();
    let names = usage
        .keys()
        .map(String::as_str)
        .chain(e.connected_applications.iter().map(String::as_str));
    let mut reported = std::collections::HashSet::new();
    let mut ambiguous = std::collections::BTreeSet::new();
    for name in names {
        match ix.find(name) {
            [] => {
                external.entry(name).or_insert(usage.get(name));
            }
            [one] => {
                if let Some(u) = usage.get(name) {
                    apps[*one].usage = Some(u.clone());
                }
                if let Some(users) = users_of(name) {
                    apps[*one].users = Some(users);
                }
            }
            many => {
                if usage.contains_key(name) && reported.insert(name) {
                    let which: Vec<&str> = many.iter().map(|&i| apps[i].name.as_str()).collect();
                    notes.push(format!(
                        "Usage recorded for '{name}' matches several apps ({}); it was not attributed to any of them.",
                        which.join(", ")
                    ));
                    // Some of their use is behind that name: none of them is proven unused.
                    ambiguous.extend(many.iter().copied());
                }
            }
        }
    }
    for i in ambiguous {
        apps[i].usage = None;
    }
    for (name, u) in external {
        apps.push(App {
            name: name.to_string(),
            label: Some(name.to_string()),
            kind: AppKind::External,
            owner: Owner::External,
            namespace: None,
            manageable_state: None,
            distribution_state: None,
            contact_email: None,
            oauth_enabled: true,
            pkce_required: None,
            pkce_basis: PkceBasis::Unknown,
            flows: None,
            public_client: false,
            callback_urls: Vec::new(),
            outside_scope_reason: None,
            files: Vec::new(),
            usage: u.cloned().or_else(|| unseen.clone()),
            package: None,
            users: users_of(name),
            locations: AppLocations::default(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::parse_component;

    fn loaded(xml: &str, ty: MetadataType, name: &str, file: &str) -> Loaded {
        let el = crate::xml::parse(xml.as_bytes()).unwrap();
        Loaded {
            component: parse_component(&el, Some(ty), name).unwrap(),
            file: Some(file.into()),
            package: PackageInfo::default(),
        }
    }

    fn inv(components: Vec<Loaded>, org_ns: Option<&str>) -> Inventory {
        build(Collected {
            components,
            org_namespace: org_ns.map(String::from),
            ..Default::default()
        })
    }

    const ECA: MetadataType = MetadataType::ExternalClientApplication;
    const GLOBAL: MetadataType = MetadataType::ExtlClntAppGlobalOauthSettings;

    #[test]
    fn eca_children_join_on_the_parent_element_not_the_file_name() {
        let i = inv(
            vec![
                loaded("<ExternalClientApplication><label>E</label><distributionState>Local</distributionState></ExternalClientApplication>", ECA, "ecaViaMetadata", "a.eca-meta.xml"),
                loaded("<ExtlClntAppGlobalOauthSettings><callbackUrl>https://x</callbackUrl><externalClientApplication>ecaViaMetadata</externalClientApplication><isPkceRequired>false</isPkceRequired></ExtlClntAppGlobalOauthSettings>", GLOBAL, "Unrelated_Name", "b.ecaGlblOauth-meta.xml"),
            ],
            None,
        );
        assert!(i.problems.is_empty(), "{:?}", i.problems);
        let app = &i.apps[0];
        assert_eq!(app.pkce_required, Some(false));
        assert_eq!(app.flows.as_deref(), Some(&[Flow::AuthorizationCode][..]));
        assert_eq!(app.files.len(), 2);
        assert_eq!(
            app.locations.pkce.as_ref().unwrap().file,
            "b.ecaGlblOauth-meta.xml"
        );
    }

    #[test]
    fn eca_pkce_defaults_to_true_but_missing_global_is_unknown() {
        let i = inv(
            vec![
                loaded("<ExternalClientApplication/>", ECA, "A", "a"),
                loaded("<ExtlClntAppGlobalOauthSettings><callbackUrl>https://x</callbackUrl><externalClientApplication>A</externalClientApplication></ExtlClntAppGlobalOauthSettings>", GLOBAL, "G", "g"),
                loaded("<ExternalClientApplication/>", ECA, "B", "b"),
            ],
            None,
        );
        assert_eq!(i.apps[0].pkce_required, Some(true));
        assert_eq!(i.apps[0].pkce_basis, PkceBasis::Default);
        assert_eq!(i.apps[1].pkce_required, None);
        assert_eq!(i.apps[1].pkce_basis, PkceBasis::Unknown);
        assert!(i.apps[1].in_pkce_scope());
    }

    #[test]
    fn orphan_children_are_problems_naming_file_and_parent() {
        let i = inv(
            vec![loaded("<ExtlClntAppGlobalOauthSettings>\n<externalClientApplication>Gone</externalClientApplication></ExtlClntAppGlobalOauthSettings>", GLOBAL, "G", "x/G.ecaGlblOauth-meta.xml")],
            None,
        );
        assert_eq!(i.problems.len(), 1);
        let p = i.problems[0].to_string();
        assert!(p.starts_with("x/G.ecaGlblOauth-meta.xml:1: ExtlClntAppGlobalOauthSettings G: points to External Client App 'Gone'"), "{p}");
    }

    #[test]
    fn ownership_by_namespace_and_manageable_state() {
        let ca = "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>";
        let mut installed = loaded(ca, MetadataType::ConnectedApp, "NoPrefix", "c");
        installed.package.manageable_state = Some("installed".into());
        let i = inv(
            vec![
                loaded(ca, MetadataType::ConnectedApp, "mine__App", "a"),
                loaded(ca, MetadataType::ConnectedApp, "other__App", "b"),
                installed,
                loaded(ca, MetadataType::ConnectedApp, "Local", "d"),
            ],
            Some("mine"),
        );
        let owners: Vec<_> = i.apps.iter().map(|a| (a.name.as_str(), a.owner)).collect();
        assert_eq!(
            owners,
            [
                ("Local", Owner::Org),
                ("NoPrefix", Owner::Isv),
                ("mine__App", Owner::Org),
                ("other__App", Owner::Isv)
            ]
        );
    }

    #[test]
    fn eca_policies_switch_flows_and_the_oauth_plugin() {
        let i = inv(
            vec![
                loaded("<ExternalClientApplication/>", ECA, "A", "a"),
                loaded("<ExtlClntAppGlobalOauthSettings><externalClientApplication>A</externalClientApplication><isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled><isTokenExchangeEnabled>true</isTokenExchangeEnabled></ExtlClntAppGlobalOauthSettings>", GLOBAL, "G", "g"),
                loaded("<ExtlClntAppOauthConfigurablePolicies><externalClientApplication>A</externalClientApplication><isClientCredentialsFlowEnabled>false</isClientCredentialsFlowEnabled><isGuestCodeCredFlowEnabled>true</isGuestCodeCredFlowEnabled></ExtlClntAppOauthConfigurablePolicies>", MetadataType::ExtlClntAppOauthConfigurablePolicies, "P", "p"),
                loaded("<ExternalClientApplication/>", ECA, "B", "b"),
                loaded("<ExtlClntAppConfigurablePolicies><externalClientApplication>B</externalClientApplication><isOauthPluginEnabled>false</isOauthPluginEnabled></ExtlClntAppConfigurablePolicies>", MetadataType::ExtlClntAppConfigurablePolicies, "Q", "q"),
            ],
            None,
        );
        assert_eq!(
            i.apps[0].flows.as_deref(),
            Some(&[Flow::CodeCredentials, Flow::TokenExchange][..])
        );
        assert!(!i.apps[1].oauth_enabled);
        assert!(!i.apps[1].in_pkce_scope());
    }

    #[test]
    fn a_component_defined_twice_is_read_from_neither_copy() {
        let on = "<OauthOidcSettings><isPkceRequired>true</isPkceRequired></OauthOidcSettings>";
        let off = "<OauthOidcSettings><isPkceRequired>false</isPkceRequired></OauthOidcSettings>";
        let i = inv(
            vec![
                loaded(on, MetadataType::OauthOidcSettings, "OauthOidc", "one"),
                loaded(off, MetadataType::OauthOidcSettings, "OauthOidc", "two"),
            ],
            None,
        );
        // Neither "first wins" (enforced) nor "last wins".
        assert!(i.org_settings.is_none());
        assert_eq!(i.problems.len(), 1);
        let p = &i.problems[0];
        assert!(
            p.reason
                .contains("defined 2 times (OauthOidc in one, OauthOidc in two)"),
            "{p}"
        );
        assert_eq!(p.component.as_deref(), Some("OauthOidcSettings OauthOidc"));

        let ca = "<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl></oauthConfig></ConnectedApp>";
        let i = inv(
            vec![
                loaded(
                    ca,
                    MetadataType::ConnectedApp,
                    "App",
                    "a/App.connectedApp-meta.xml",
                ),
                loaded(
                    ca,
                    MetadataType::ConnectedApp,
                    "App",
                    "b/App.connectedApp-meta.xml",
                ),
            ],
            None,
        );
        assert!(i.apps.is_empty());
        assert!(i.problems[0].reason.contains("a/App.connectedApp-meta.xml"));
        assert!(i.problems[0].reason.contains("b/App.connectedApp-meta.xml"));
    }

    #[test]
    fn two_children_of_one_type_for_an_eca_are_both_refused() {
        let header = "<ExternalClientApplication><label>X</label></ExternalClientApplication>";
        let global = "<ExtlClntAppGlobalOauthSettings><externalClientApplication>X</externalClientApplication><callbackUrl>https://x.example.com/cb</callbackUrl><isPkceRequired>false</isPkceRequired></ExtlClntAppGlobalOauthSettings>";
        let live = "<ExtlClntAppConfigurablePolicies><externalClientApplication>X</externalClientApplication><isEnabled>true</isEnabled></ExtlClntAppConfigurablePolicies>";
        let stale = "<ExtlClntAppConfigurablePolicies><externalClientApplication>X</externalClientApplication><isEnabled>false</isEnabled></ExtlClntAppConfigurablePolicies>";
        let i = inv(
            vec![
                loaded(
                    header,
                    MetadataType::ExternalClientApplication,
                    "X",
                    "X.eca-meta.xml",
                ),
                loaded(
                    global,
                    MetadataType::ExtlClntAppGlobalOauthSettings,
                    "X_glbloauth",
                    "X_glbloauth.ecaGlblOauth-meta.xml",
                ),
                loaded(
                    live,
                    MetadataType::ExtlClntAppConfigurablePolicies,
                    "X_plcy",
                    "X_plcy.ecaPlcy-meta.xml",
                ),
                loaded(
                    stale,
                    MetadataType::ExtlClntAppConfigurablePolicies,
                    "X_plcy_old",
                    "old/X_plcy_old.ecaPlcy-meta.xml",
                ),
            ],
            None,
        );
        // The stale "disabled" file no longer hides the app: it stays in scope, PKCE off.
        let app = &i.apps[0];
        assert!(app.in_pkce_scope(), "{app:?}");
        assert_eq!(app.pkce_required, Some(false));
        assert_eq!(i.problems.len(), 1, "{:?}", i.problems);
        let p = &i.problems[0];
        assert!(p.reason.starts_with("2 ExtlClntAppConfigurablePolicies components point to this app (X_plcy in X_plcy.ecaPlcy-meta.xml, X_plcy_old in old/X_plcy_old.ecaPlcy-meta.xml)"), "{p}");

        let global2 = global.replace("false", "true");
        let i = inv(
            vec![
                loaded(
                    header,
                    MetadataType::ExternalClientApplication,
                    "X",
                    "X.eca-meta.xml",
                ),
                loaded(
                    global,
                    MetadataType::ExtlClntAppGlobalOauthSettings,
                    "X_glbloauth",
                    "g1",
                ),
                loaded(
                    &global2,
                    MetadataType::ExtlClntAppGlobalOauthSettings,
                    "X_glbloauth2",
                    "g2",
                ),
            ],
            None,
        );
        assert_eq!(i.apps[0].pkce_required, None, "neither copy decides PKCE");
        assert!(i.problems[0]
            .reason
            .contains("X_glbloauth in g1, X_glbloauth2 in g2"));
    }

    #[test]
    fn connected_app_scope_reasons() {
        let i = inv(
            vec![
                loaded("<ConnectedApp><samlConfig><acsUrl>x</acsUrl></samlConfig></ConnectedApp>", MetadataType::ConnectedApp, "Saml", "a"),
                loaded("<ConnectedApp><label>x</label></ConnectedApp>", MetadataType::ConnectedApp, "Bare", "b"),
                loaded("<ConnectedApp><oauthConfig><isCodeCredentialEnabled>true</isCodeCredentialEnabled></oauthConfig></ConnectedApp>", MetadataType::ConnectedApp, "Headless", "c"),
            ],
            None,
        );
        let reason = |n: &str| {
            i.apps
                .iter()
                .find(|a| a.name == n)
                .unwrap()
                .outside_scope_reason
                .clone()
        };
        assert_eq!(
            reason("Saml").as_deref(),
            Some("no OAuth configuration; uses saml only")
        );
        assert_eq!(
            reason("Bare").as_deref(),
            Some("no OAuth, SAML or canvas configuration")
        );
        assert_eq!(reason("Headless"), None);
    }
}
