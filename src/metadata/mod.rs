//! Salesforce metadata types we read and their typed parsers.
//!
//! A component arrives as an XML element: the root of a file (`<ConnectedApp>`), or a
//! `readMetadata` record (`<records xsi:type="ConnectedApp">`). Either way it goes through
//! [`parse_component`], so directory and live audits cannot disagree on what a file means.
//!
//! Absent elements stay `None` here; documented defaults are applied in `inventory`,
//! where the distinction "absent" vs "explicitly false" is still visible to rules.
//! `consumerSecret` is never read into memory beyond the XML tree.

use crate::xml::Element;
use serde::Serialize;
use std::fmt;

/// The metadata types pkce-audit reads. Names, folders and suffixes follow
/// forcedotcom/source-deploy-retrieve's registry (see docs/metadata.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum MetadataType {
    ConnectedApp,
    ExternalClientApplication,
    ExtlClntAppGlobalOauthSettings,
    ExtlClntAppOauthSettings,
    ExtlClntAppOauthConfigurablePolicies,
    ExtlClntAppConfigurablePolicies,
    ExtlClntAppOauthSecuritySettings,
    ExtlClntAppMobileSettings,
    ExtlClntAppMobileConfigurablePolicies,
    ExtlClntAppNotificationSettings,
    ExtlClntAppPushSettings,
    ExtlClntAppPushConfigurablePolicies,
    ExtlClntAppCanvasSettings,
    ExtlClntAppSamlConfigurablePolicies,
    /// `Settings` member `OauthOidc`; the record type in readMetadata is `OauthOidcSettings`.
    OauthOidcSettings,
}

pub struct TypeInfo {
    pub ty: MetadataType,
    pub name: &'static str,
    pub folder: &'static str,
    pub suffix: &'static str,
}

macro_rules! types {
    ($($ty:ident, $folder:literal, $suffix:literal;)*) => {
        pub const ALL_TYPES: &[TypeInfo] = &[
            $(TypeInfo { ty: MetadataType::$ty, name: stringify!($ty), folder: $folder, suffix: $suffix },)*
        ];
    };
}

types! {
    ConnectedApp, "connectedApps", "connectedApp";
    ExternalClientApplication, "externalClientApps", "eca";
    ExtlClntAppGlobalOauthSettings, "extlClntAppGlobalOauthSets", "ecaGlblOauth";
    ExtlClntAppOauthSettings, "extlClntAppOauthSettings", "ecaOauth";
    ExtlClntAppOauthConfigurablePolicies, "extlClntAppOauthPolicies", "ecaOauthPlcy";
    ExtlClntAppConfigurablePolicies, "extlClntAppPolicies", "ecaPlcy";
    ExtlClntAppOauthSecuritySettings, "extlClntAppOauthSecuritySettings", "ecaOauthSecurity";
    ExtlClntAppMobileSettings, "extlClntAppMobileSettings", "ecaMobile";
    ExtlClntAppMobileConfigurablePolicies, "extlClntAppMobilePolicies", "ecaMobilePlcy";
    ExtlClntAppNotificationSettings, "extlClntAppNotifSettings", "ecaNotifications";
    ExtlClntAppPushSettings, "extlClntAppPushSettings", "ecaPush";
    ExtlClntAppPushConfigurablePolicies, "extlClntAppPushPolicies", "ecaPushPlcy";
    ExtlClntAppCanvasSettings, "extlClntAppCanvasSettings", "ecaCanvas";
    ExtlClntAppSamlConfigurablePolicies, "extlClntAppSamlConfigurablePolicies", "ecaSamlPlcy";
    OauthOidcSettings, "settings", "settings";
}

/// The org OAuth settings are one member of the `Settings` type.
pub const OAUTH_OIDC_MEMBER: &str = "OauthOidc";

impl MetadataType {
    pub fn info(self) -> &'static TypeInfo {
        ALL_TYPES
            .iter()
            .find(|t| t.ty == self)
            .expect("every type is in ALL_TYPES")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Self> {
        ALL_TYPES.iter().find(|t| t.name == name).map(|t| t.ty)
    }

    /// What a component of this type is to the inventory: the one exhaustive list, so a
    /// new type does not compile until its role is decided.
    pub fn role(self) -> Role {
        match self {
            MetadataType::ConnectedApp => Role::ConnectedApp,
            MetadataType::ExternalClientApplication => Role::EcaHeader,
            MetadataType::OauthOidcSettings => Role::OrgSettings,
            MetadataType::ExtlClntAppGlobalOauthSettings => Role::EcaChild(EcaChild::GlobalOauth),
            MetadataType::ExtlClntAppOauthSettings => Role::EcaChild(EcaChild::OauthSettings),
            MetadataType::ExtlClntAppOauthConfigurablePolicies => {
                Role::EcaChild(EcaChild::OauthPolicies)
            }
            MetadataType::ExtlClntAppConfigurablePolicies => Role::EcaChild(EcaChild::Policies),
            MetadataType::ExtlClntAppOauthSecuritySettings
            | MetadataType::ExtlClntAppMobileSettings
            | MetadataType::ExtlClntAppMobileConfigurablePolicies
            | MetadataType::ExtlClntAppNotificationSettings
            | MetadataType::ExtlClntAppPushSettings
            | MetadataType::ExtlClntAppPushConfigurablePolicies
            | MetadataType::ExtlClntAppCanvasSettings
            | MetadataType::ExtlClntAppSamlConfigurablePolicies => Role::EcaChild(EcaChild::PlugIn),
        }
    }

    /// Children of an External Client App point at it through `<externalClientApplication>`.
    pub fn is_eca_child(self) -> bool {
        matches!(self.role(), Role::EcaChild(_))
    }

    /// Types a live audit lists and reads, in fetch order. The rarer ECA plug-in types
    /// carry nothing PKCE needs, so they are read only from directories.
    pub const FETCHED: &'static [MetadataType] = &[
        MetadataType::ConnectedApp,
        MetadataType::ExternalClientApplication,
        MetadataType::ExtlClntAppGlobalOauthSettings,
        MetadataType::ExtlClntAppOauthSettings,
        MetadataType::ExtlClntAppOauthConfigurablePolicies,
        MetadataType::ExtlClntAppConfigurablePolicies,
    ];
}

/// See [`MetadataType::role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    ConnectedApp,
    EcaHeader,
    OrgSettings,
    EcaChild(EcaChild),
}

/// The children of an External Client App; an app has at most one of each type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcaChild {
    /// `ExtlClntAppGlobalOauthSettings`: callbacks, PKCE, flows.
    GlobalOauth,
    /// `ExtlClntAppOauthSettings`: the local OAuth settings.
    OauthSettings,
    /// `ExtlClntAppOauthConfigurablePolicies`: the admin's flow switches.
    OauthPolicies,
    /// `ExtlClntAppConfigurablePolicies`: the app and plug-in switches.
    Policies,
    /// Mobile, push, notification, canvas, SAML and OAuth security settings.
    PlugIn,
}

impl fmt::Display for MetadataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value together with the line of the element it came from (for SARIF locations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectedAppOauth {
    pub line: u32,
    pub callback_urls: Vec<String>,
    pub callback_line: Option<u32>,
    pub is_pkce_required: Option<Spanned<bool>>,
    pub is_consumer_secret_optional: Option<Spanned<bool>>,
    pub is_code_credential_enabled: Option<Spanned<bool>>,
    pub is_client_credential_enabled: Option<bool>,
    pub has_certificate: bool,
    pub is_named_user_jwt_enabled: Option<bool>,
    /// `isTokenExchangeEnabled`, or the undocumented `isTokenExchangeFlowEnabled` seen in real files.
    pub is_token_exchange_enabled: Option<bool>,
    pub is_refresh_token_rotation_enabled: Option<bool>,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectedApp {
    pub label: Option<String>,
    pub contact_email: Option<String>,
    pub oauth: Option<ConnectedAppOauth>,
    pub has_oauth_policy: bool,
    /// `oauthPolicy/isTokenExchangeFlowEnabled` (metadata WSDL v66 `ConnectedAppOauthPolicy`):
    /// the admin switch for the token exchange flow, beside the app's own
    /// `oauthConfig/isTokenExchangeEnabled`.
    pub is_token_exchange_flow_enabled: Option<bool>,
    pub has_saml: bool,
    pub has_canvas: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalClientApp {
    pub label: Option<String>,
    pub contact_email: Option<String>,
    pub distribution_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EcaGlobalOauth {
    pub callback_urls: Vec<String>,
    pub callback_line: Option<u32>,
    pub is_pkce_required: Option<Spanned<bool>>,
    pub is_consumer_secret_optional: Option<Spanned<bool>>,
    pub is_code_cred_flow_enabled: Option<Spanned<bool>>,
    pub is_client_credentials_flow_enabled: Option<bool>,
    pub is_device_flow_enabled: Option<bool>,
    pub is_token_exchange_enabled: Option<bool>,
    pub has_certificate: bool,
    pub is_named_user_jwt_enabled: Option<bool>,
    pub is_refresh_token_rotation_enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EcaOauthPolicies {
    pub is_client_credentials_flow_enabled: Option<bool>,
    pub is_token_exchange_flow_enabled: Option<bool>,
    pub is_guest_code_cred_flow_enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EcaPolicies {
    pub is_enabled: Option<bool>,
    pub is_oauth_plugin_enabled: Option<Spanned<bool>>,
    pub is_saml_plugin_enabled: Option<bool>,
    pub is_canvas_plugin_enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OauthOidcSettings {
    pub is_pkce_required: Option<Spanned<bool>>,
    pub block_oauth_un_pw_flow: Option<Spanned<bool>>,
    pub block_oauth_usr_agt_flow: Option<Spanned<bool>>,
    pub oauth_cd_crdt_flow_enable: Option<Spanned<bool>>,
    pub line: u32,
}

/// What one component says, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    ConnectedApp(ConnectedApp),
    ExternalClientApp(ExternalClientApp),
    EcaGlobalOauth(EcaGlobalOauth),
    EcaOauthPolicies(EcaOauthPolicies),
    EcaPolicies(EcaPolicies),
    /// An ECA child we need only for the join (local OAuth settings, plug-in settings).
    EcaOther,
    OauthOidc(OauthOidcSettings),
}

/// A parsed component. `parent` is the `<externalClientApplication>` of an ECA child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub ty: MetadataType,
    pub full_name: String,
    pub parent: Option<String>,
    pub body: Body,
    /// Line of the root element (or record) in its document.
    pub line: u32,
}

/// Why a component could not be understood, and the line of the element concerned.
/// The caller adds the file or component name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    pub line: u32,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("expected root element <{expected}>, found <{found}>")]
    WrongRoot {
        expected: &'static str,
        found: String,
    },
    #[error("unfilled template placeholder {placeholder} in <{element}>; this is a template, not deployable metadata")]
    UnfilledTemplate {
        placeholder: String,
        element: String,
    },
    #[error("<{element}> must be true or false, found {}", shown_value(value))]
    BadBoolean { element: String, value: String },
    #[error("required element <{element}> is missing")]
    Missing { element: &'static str },
    #[error("root element <{found}> is not a metadata type pkce-audit reads")]
    UnknownRoot { found: String },
    /// `line` is the second copy's.
    #[error("<{element}> appears twice (also on line {first}); it holds one value, so which copy counts is ambiguous")]
    Duplicate { element: String, first: u32 },
    #[error("<{element}> holds child elements where a single value belongs")]
    NotScalar { element: String },
    #[error("<{element}> is in the namespace {namespace:?}, not the Metadata API's; it is not a Salesforce field, and a file that holds one is not read")]
    ForeignNamespace { element: String, namespace: String },
    #[error("<{element}> has the attribute {attribute:?}; Metadata API fields carry none but xsi:nil and xsi:type")]
    UnexpectedAttribute { element: String, attribute: String },
    #[error("<{element}> is marked xsi:nil but holds a value")]
    NilWithContent { element: String },
    #[error("<{element}> is empty or nil; it must be true or false here, because its absence would mean the documented default ({default})")]
    NoValue { element: String, default: bool },
}

/// A bad value is quoted only when short: a long one may be a secret pasted into the
/// wrong element.
fn shown_value(value: &str) -> String {
    if value.chars().count() <= 8 {
        format!("{value:?}")
    } else {
        format!("a value of {} characters", value.chars().count())
    }
}

impl ParseErrorKind {
    fn at(self, line: u32) -> ParseError {
        ParseError { line, kind: self }
    }
}

/// Finds a `{{PLACEHOLDER}}` (letters, digits, underscore) in text. Other brace styles
/// such as `{CONSUMERKEY}` are ordinary values in real files.
fn template_placeholder(text: &str) -> Option<&str> {
    let start = text.find("{{")?;
    let rest = &text[start + 2..];
    let end = rest.find("}}")?;
    let inner = &rest[..end];
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| &text[start..start + 2 + end + 2])
}

fn check_template(el: &Element) -> Result<(), ParseError> {
    if let Some(p) = template_placeholder(&el.text) {
        return Err(ParseErrorKind::UnfilledTemplate {
            placeholder: p.to_string(),
            element: el.name.clone(),
        }
        .at(el.line));
    }
    el.children.iter().try_for_each(check_template)
}

/// The one child named `name`. Every element we read holds one value in the Metadata
/// API schema, so a second copy (a bad merge, a hand edit) is an error naming both
/// lines, never "first wins".
fn single<'a>(el: &'a Element, name: &str) -> Result<Option<&'a Element>, ParseError> {
    let mut found = el.children.iter().filter(|c| c.name == name);
    let first = found.next();
    match (first, found.next()) {
        (Some(a), Some(b)) => Err(ParseErrorKind::Duplicate {
            element: name.to_string(),
            first: a.line,
        }
        .at(b.line)),
        (first, _) => Ok(first),
    }
}

/// [`single`] for a simple-typed element: child elements inside it (`<isPkceRequired>
/// true<x/></isPkceRequired>`) make its value unknowable.
fn scalar<'a>(el: &'a Element, name: &str) -> Result<Option<&'a Element>, ParseError> {
    match single(el, name)? {
        Some(c) if !c.children.is_empty() => Err(ParseErrorKind::NotScalar {
            element: name.to_string(),
        }
        .at(c.line)),
        Some(c) if c.is_nil() && !c.text.is_empty() => Err(ParseErrorKind::NilWithContent {
            element: name.to_string(),
        }
        .at(c.line)),
        other => Ok(other),
    }
}

/// Every element of a component must be in the Metadata API namespace or in none:
/// a look-alike from another namespace must not set (or, by its absence, default) a
/// value. Below the root, metadata carries no attribute but `xsi:nil` (and `xsi:type` on
/// a readMetadata record), so any other attribute (a bare `nil="true"`) is refused
/// rather than ignored or obeyed.
fn check_namespaces(el: &Element, root: bool) -> Result<(), ParseError> {
    if !el.is_metadata() {
        return Err(ParseErrorKind::ForeignNamespace {
            element: el.name.clone(),
            namespace: el.ns.clone().unwrap_or_default(),
        }
        .at(el.line));
    }
    let allowed = |k: &str| {
        k == "xsi:nil" || (root && (k == "xsi:type" || k == "xmlns" || k.starts_with("xmlns:")))
    };
    if let Some((k, _)) = el.attrs.iter().find(|(k, _)| !allowed(k)) {
        return Err(ParseErrorKind::UnexpectedAttribute {
            element: el.name.clone(),
            attribute: k.clone(),
        }
        .at(el.line));
    }
    el.children
        .iter()
        .try_for_each(|c| check_namespaces(c, false))
}

fn boolean(el: &Element, name: &str) -> Result<Option<Spanned<bool>>, ParseError> {
    let Some(child) = scalar(el, name)? else {
        return Ok(None);
    };
    // xsi:nil is SOAP's "no value": the field is unset, as if absent.
    if child.is_nil() {
        return Ok(None);
    }
    match child.text.as_str() {
        "true" | "1" => Ok(Some(Spanned {
            value: true,
            line: child.line,
        })),
        "false" | "0" => Ok(Some(Spanned {
            value: false,
            line: child.line,
        })),
        other => Err(ParseErrorKind::BadBoolean {
            element: name.to_string(),
            value: other.to_string(),
        }
        .at(child.line)),
    }
}

/// A boolean whose absence means a default that would clear an app (an External Client
/// App's `isPkceRequired` defaults to true): present, it must hold a value.
fn boolean_with_default(
    el: &Element,
    name: &str,
    default: bool,
) -> Result<Option<Spanned<bool>>, ParseError> {
    match scalar(el, name)? {
        Some(c) if c.is_nil() || c.text.is_empty() => Err(ParseErrorKind::NoValue {
            element: name.to_string(),
            default,
        }
        .at(c.line)),
        _ => boolean(el, name),
    }
}

fn flag(el: &Element, name: &str) -> Result<Option<bool>, ParseError> {
    Ok(boolean(el, name)?.map(|s| s.value))
}

fn text(el: &Element, name: &str) -> Result<Option<String>, ParseError> {
    Ok(scalar(el, name)?
        .filter(|c| !c.is_nil() && !c.text.is_empty())
        .map(|c| c.text.clone()))
}

/// `callbackUrl` holds several URLs separated by line breaks (LF, CRLF, or a lone CR
/// when set through the API).
pub fn split_callback_urls(raw: &str) -> Vec<String> {
    raw.split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn callbacks(el: &Element) -> Result<(Vec<String>, Option<u32>), ParseError> {
    Ok(match scalar(el, "callbackUrl")? {
        Some(c) if !c.is_nil() => (split_callback_urls(&c.text), Some(c.line)),
        _ => (Vec::new(), None),
    })
}

fn has_value(el: &Element, name: &str) -> Result<bool, ParseError> {
    Ok(text(el, name)?.is_some())
}

/// A single-valued complex element (`oauthConfig`, `samlConfig`, …) that is present
/// and not nil.
fn section<'a>(el: &'a Element, name: &str) -> Result<Option<&'a Element>, ParseError> {
    Ok(single(el, name)?.filter(|c| !c.is_nil()))
}

fn parse_connected_app(el: &Element) -> Result<ConnectedApp, ParseError> {
    let oauth = match section(el, "oauthConfig")? {
        None => None,
        Some(o) => {
            let (callback_urls, callback_line) = callbacks(o)?;
            let token_exchange = match flag(o, "isTokenExchangeEnabled")? {
                Some(v) => Some(v),
                None => flag(o, "isTokenExchangeFlowEnabled")?,
            };
            Some(ConnectedAppOauth {
                line: o.line,
                callback_urls,
                callback_line,
                is_pkce_required: boolean(o, "isPkceRequired")?,
                is_consumer_secret_optional: boolean(o, "isConsumerSecretOptional")?,
                is_code_credential_enabled: boolean(o, "isCodeCredentialEnabled")?,
                is_client_credential_enabled: flag(o, "isClientCredentialEnabled")?,
                has_certificate: has_value(o, "certificate")?,
                is_named_user_jwt_enabled: flag(o, "isNamedUserJwtEnabled")?,
                is_token_exchange_enabled: token_exchange,
                is_refresh_token_rotation_enabled: flag(o, "isRefreshTokenRotationEnabled")?,
                scopes: o
                    .children_named("scopes")
                    .filter(|s| !s.text.is_empty())
                    .map(|s| s.text.clone())
                    .collect(),
            })
        }
    };
    let app = ConnectedApp {
        label: text(el, "label")?,
        contact_email: text(el, "contactEmail")?,
        oauth,
        has_oauth_policy: single(el, "oauthPolicy")?.is_some(),
        is_token_exchange_flow_enabled: match section(el, "oauthPolicy")? {
            Some(p) => flag(p, "isTokenExchangeFlowEnabled")?,
            None => None,
        },
        has_saml: section(el, "samlConfig")?.is_some(),
        has_canvas: section(el, "canvasConfig")?.is_some(),
    };
    // `ConnectedAppOauthConfig.callbackUrl` is required (the v66 WSDL gives it no
    // `minOccurs="0"`): an OAuth Connected App without one is not what Salesforce
    // deploys, so it is refused rather than read as "no code flow".
    if let Some(o) = &app.oauth {
        if o.callback_urls.is_empty() {
            return Err(ParseErrorKind::Missing {
                element: "callbackUrl",
            }
            .at(o.line));
        }
    }
    Ok(app)
}

fn parse_eca_global(el: &Element) -> Result<EcaGlobalOauth, ParseError> {
    let (callback_urls, callback_line) = callbacks(el)?;
    Ok(EcaGlobalOauth {
        callback_urls,
        callback_line,
        is_pkce_required: boolean_with_default(el, "isPkceRequired", true)?,
        is_consumer_secret_optional: boolean(el, "isConsumerSecretOptional")?,
        is_code_cred_flow_enabled: boolean(el, "isCodeCredFlowEnabled")?,
        is_client_credentials_flow_enabled: flag(el, "isClientCredentialsFlowEnabled")?,
        is_device_flow_enabled: flag(el, "isDeviceFlowEnabled")?,
        is_token_exchange_enabled: flag(el, "isTokenExchangeEnabled")?,
        has_certificate: has_value(el, "certificate")?,
        is_named_user_jwt_enabled: flag(el, "isNamedUserJwtEnabled")?,
        is_refresh_token_rotation_enabled: flag(el, "isRefreshTokenRotationEnabled")?,
    })
}

/// Parses one component. `expected` is the type implied by the file name or the
/// `xsi:type` of a record; `None` detects it from the root element (corpus, templates).
/// `full_name` comes from the file name or the record's `<fullName>`.
pub fn parse_component(
    el: &Element,
    expected: Option<MetadataType>,
    full_name: &str,
) -> Result<Component, ParseError> {
    // A readMetadata record is named `records` and typed by xsi:type.
    let root_name = if el.name == "records" {
        el.attr("xsi:type")
            .map(|t| t.rsplit(':').next().unwrap_or(t))
            .unwrap_or("records")
    } else {
        el.name.as_str()
    };
    let ty = match expected {
        Some(t) if t.name() == root_name => t,
        Some(t) => {
            return Err(ParseErrorKind::WrongRoot {
                expected: t.name(),
                found: root_name.to_string(),
            }
            .at(el.line))
        }
        None => MetadataType::from_name(root_name).ok_or_else(|| {
            ParseErrorKind::UnknownRoot {
                found: root_name.to_string(),
            }
            .at(el.line)
        })?,
    };
    check_namespaces(el, true)?;
    check_template(el)?;
    let full_name = text(el, "fullName")?.unwrap_or_else(|| full_name.to_string());
    let parent = if ty.is_eca_child() {
        Some(
            text(el, "externalClientApplication")?.ok_or(
                ParseErrorKind::Missing {
                    element: "externalClientApplication",
                }
                .at(el.line),
            )?,
        )
    } else {
        None
    };
    let body = match ty.role() {
        Role::ConnectedApp => Body::ConnectedApp(parse_connected_app(el)?),
        Role::EcaHeader => Body::ExternalClientApp(ExternalClientApp {
            label: text(el, "label")?,
            contact_email: text(el, "contactEmail")?,
            distribution_state: text(el, "distributionState")?,
        }),
        Role::EcaChild(EcaChild::GlobalOauth) => Body::EcaGlobalOauth(parse_eca_global(el)?),
        Role::EcaChild(EcaChild::OauthPolicies) => Body::EcaOauthPolicies(EcaOauthPolicies {
            is_client_credentials_flow_enabled: flag(el, "isClientCredentialsFlowEnabled")?,
            is_token_exchange_flow_enabled: flag(el, "isTokenExchangeFlowEnabled")?,
            is_guest_code_cred_flow_enabled: flag(el, "isGuestCodeCredFlowEnabled")?,
        }),
        Role::EcaChild(EcaChild::Policies) => Body::EcaPolicies(EcaPolicies {
            is_enabled: flag(el, "isEnabled")?,
            is_oauth_plugin_enabled: boolean(el, "isOauthPluginEnabled")?,
            is_saml_plugin_enabled: flag(el, "isSamlPluginEnabled")?,
            is_canvas_plugin_enabled: flag(el, "isCanvasPluginEnabled")?,
        }),
        Role::OrgSettings => Body::OauthOidc(OauthOidcSettings {
            is_pkce_required: boolean(el, "isPkceRequired")?,
            block_oauth_un_pw_flow: boolean(el, "blockOAuthUnPwFlow")?,
            block_oauth_usr_agt_flow: boolean(el, "blockOAuthUsrAgtFlow")?,
            oauth_cd_crdt_flow_enable: boolean(el, "oAuthCdCrdtFlowEnable")?,
            line: el.line,
        }),
        // Children we need only for the join to their app.
        Role::EcaChild(EcaChild::OauthSettings | EcaChild::PlugIn) => Body::EcaOther,
    };

    Ok(Component {
        ty,
        full_name,
        parent,
        body,
        line: el.line,
    })
}

/// Elements that hold a secret: any name with "secret" (or "password") in it, except the
/// switches such as `isConsumerSecretOptional`, `isSecretRequiredForRefreshToken` or
/// `shouldRotateConsumerSecret` while they hold a boolean. A switch this tool reads
/// (`isConsumerSecretOptional`) always stays, whatever it holds: an odd value (`1`,
/// a second copy, mixed content) must reach the parser, which names the problem,
/// rather than vanish as a "secret".
pub fn is_secret_element(el: &Element) -> bool {
    let lower = el.name.to_ascii_lowercase();
    if !(lower.contains("secret") || lower.contains("password")) {
        return false;
    }
    if el.name == "isConsumerSecretOptional" {
        return false;
    }
    let switch_name = ["is", "should", "enable", "has", "allow"]
        .iter()
        .any(|p| el.name.starts_with(p));
    let boolean_value = el.children.is_empty()
        && (el.is_nil()
            || matches!(
                el.text.to_ascii_lowercase().as_str(),
                "true" | "false" | "1" | "0" | ""
            ));
    !(switch_name && boolean_value)
}

/// Removes secret elements at every depth.
pub fn strip_secrets(el: &mut Element) {
    el.children.retain(|c| !is_secret_element(c));
    el.children.iter_mut().for_each(strip_secrets);
}

/// Splits `ns__Name` into its namespace. Salesforce API names cannot contain `__`
/// otherwise, so the first `__` is the namespace separator.
pub fn namespace_of(full_name: &str) -> Option<&str> {
    full_name
        .split_once("__")
        .map(|(ns, _)| ns)
        .filter(|ns| !ns.is_empty())
}

#[cfg(test)]
mod tests;
