//! Connected Apps and External Client Apps as the rules see them: flows, PKCE, owner,
//! and the join of an External Client App's children.

use super::*;
use crate::callback;
use crate::metadata::{ConnectedApp, EcaGlobalOauth};

/// `manageableState` values that mean "installed from a package into this org".
pub(super) fn is_installed_state(state: Option<&str>) -> bool {
    matches!(
        state,
        Some("installed" | "installedEditable" | "deprecated")
    )
}

pub(super) fn owner_of(
    namespace: Option<&str>,
    package: &PackageInfo,
    org_ns: Option<&str>,
) -> Owner {
    if is_installed_state(package.manageable_state.as_deref()) {
        return Owner::Isv;
    }
    match namespace {
        Some(ns) if Some(ns) != org_ns => Owner::Isv,
        _ => Owner::Org,
    }
}

pub(super) fn loc(file: &Option<String>, line: Option<u32>) -> Option<Location> {
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

pub(super) fn namespace(l: &Loaded) -> Option<String> {
    l.package
        .namespace_prefix
        .clone()
        .filter(|ns| !ns.is_empty())
        .or_else(|| metadata::namespace_of(&l.component.full_name).map(str::to_string))
}

/// A Connected App file with no OAuth, SAML or canvas settings that holds elements the
/// Metadata API's `ConnectedApp` does not define (a 2GP reference: `developerName`,
/// `version`) or whose name carries a namespace: a reference to an app whose real
/// settings live elsewhere (the package, the packaging org). What it says, for messages.
fn packaged_stub(ca: &ConnectedApp, namespace: Option<&str>) -> Option<String> {
    if ca.oauth.is_some() || ca.has_saml || ca.has_canvas {
        return None;
    }
    let what = match (ca.undefined_elements.as_slice(), namespace) {
        ([], None) => return None,
        ([], Some(ns)) => format!("its name carries the namespace '{ns}'"),
        (els, _) => format!(
            "it holds {}, which the Metadata API's ConnectedApp does not define",
            els.join(", ")
        ),
    };
    Some(what)
}

pub(super) fn connected_app(l: &Loaded, ca: &ConnectedApp, org_ns: Option<&str>) -> App {
    // A 2GP reference names its app (and namespace) in `developerName`.
    let ns = namespace(l).or_else(|| {
        ca.developer_name
            .as_deref()
            .and_then(metadata::namespace_of)
            .map(str::to_string)
    });
    let h = Header {
        loaded: l,
        namespace: ns,
    };
    let stub = packaged_stub(ca, h.namespace.as_deref());
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
            // The app's switch, unless the admin switch (oauthPolicy) turns the flow off.
            if o.is_token_exchange_enabled == Some(true)
                && ca.is_token_exchange_flow_enabled != Some(false)
            {
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
        None if stub.is_some() => (None, PkceBasis::Unknown, false, Vec::new()),
        None => (None, PkceBasis::NotApplicable, false, Vec::new()),
    };
    if ca.has_saml {
        flows.push(Flow::Saml);
    }
    if ca.has_canvas {
        flows.push(Flow::Canvas);
    }
    let outside_scope_reason = match &ca.oauth {
        // Its settings are elsewhere: unknown, never "outside scope".
        None if stub.is_some() => None,
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
        // A packaged reference's flows are the real app's: unknown here.
        flows: stub.is_none().then_some(flows),
        public_client,
        callbacks: callback::classify_all(
            &callback_urls,
            callback::AppContext {
                canvas_signed_request_url: ca.canvas_signed_request_url(),
            },
        ),
        callback_urls,
        packaged_reference: stub,
        canvas_signed_request: ca.has_canvas && ca.canvas_access_method.as_deref() == Some("Post"),
        outside_scope_reason,
        files: h.files(),
        usage: None,
        package: None,
        outside_client: None,
        auth_providers: Vec::new(),
        users: None,
        locations,
        global_settings: None,
    }
}

/// The children of one External Client App, joined on `<externalClientApplication>`.
#[derive(Default)]
pub(super) struct EcaParts<'a> {
    pub(super) global: Vec<&'a Loaded>,
    pub(super) oauth_settings: Vec<&'a Loaded>,
    pub(super) oauth_policies: Vec<&'a Loaded>,
    pub(super) policies: Vec<&'a Loaded>,
    pub(super) other: Vec<&'a Loaded>,
}

impl<'a> EcaParts<'a> {
    pub(super) fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self.oauth_settings.is_empty()
            && self.oauth_policies.is_empty()
            && self.policies.is_empty()
            && self.other.is_empty()
    }

    /// An app has at most one child of each type. Two (a stale policies file that says
    /// "disabled" beside the live one, two global OAuth settings) make the app's setting
    /// unknowable: neither is used and a problem names both files.
    pub(super) fn drop_ambiguous(&mut self, app: &str, problems: &mut Vec<Problem>) {
        let mut check = |children: &mut Vec<&'a Loaded>| {
            if children.len() > 1 {
                let ty = children[0].component.ty;
                problems.push(
                    Problem::new(ProblemKind::Duplicate, format!(
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
pub(super) fn list_places(copies: &[&Loaded]) -> String {
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
    // Picking one kind of part: any other body is simply not it.
    parts.global.iter().find_map(|l| {
        let Body::EcaGlobalOauth(g) = &l.component.body else {
            return None;
        };
        Some((*l, g))
    })
}

pub(super) fn external_client_app(
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
    let policies = parts.policies.iter().find_map(|p| {
        let Body::EcaPolicies(b) = &p.component.body else {
            return None;
        };
        Some((*p, b))
    });
    let oauth_policies = parts.oauth_policies.iter().find_map(|p| {
        let Body::EcaOauthPolicies(b) = &p.component.body else {
            return None;
        };
        Some(b)
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
        callbacks: Vec::new(),
        packaged_reference: None,
        canvas_signed_request: false,
        outside_scope_reason: None,
        files,
        usage: None,
        package: None,
        outside_client: None,
        auth_providers: Vec::new(),
        users: None,
        locations: AppLocations::default(),
        global_settings: global.map(|(l, _)| l.component.full_name.clone()),
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

/// An app Salesforce creates in the org and runs itself: a Dev Hub's namespace-registry
/// Connected App (`DEVHUB_` name, "SalesforceDX Namespace Registry" label, or the
/// `environmenthub/soma-callback.apexp` callback).
pub(super) fn is_salesforce_generated(app: &App) -> bool {
    if app.kind == AppKind::External || app.owner == Owner::Isv {
        return false;
    }
    app.name.starts_with(DEVHUB_PREFIX)
        || app
            .label
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(NAMESPACE_REGISTRY_LABEL))
        || app.callback_urls.iter().any(|u| {
            url::Url::parse(u).is_ok_and(|u| {
                u.path()
                    .to_ascii_lowercase()
                    .ends_with(NAMESPACE_REGISTRY_CALLBACK)
            })
        })
}
