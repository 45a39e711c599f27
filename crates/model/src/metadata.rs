//! The metadata types pkce-audit reads and the components its parsers produce: plain
//! data, so the inventory and rules need no XML.

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
    /// An Auth. Provider (Setup > Auth. Providers): the client behind a
    /// `/services/authcallback/<name>` callback, with its own PKCE switch.
    AuthProvider,
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
    AuthProvider, "authproviders", "authprovider";
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
            MetadataType::AuthProvider => Role::AuthProvider,
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
    /// An Auth. Provider: read only for the apps whose callbacks point at it.
    AuthProvider,
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
    /// `canvasConfig/accessMethod`: `Post` (signed request) or `Get` (OAuth web flow).
    pub canvas_access_method: Option<String>,
    /// `canvasConfig/canvasUrl`.
    pub canvas_url: Option<String>,
    /// Top-level elements the Metadata API's `ConnectedApp` does not define (WSDL v66),
    /// such as the `developerName` and `version` of a 2GP packaged-app reference.
    pub undefined_elements: Vec<String>,
    /// `developerName` of such a reference: `<namespace>__<App>`.
    pub developer_name: Option<String>,
}

impl ConnectedApp {
    /// The canvas URL when the canvas app uses a signed request (`accessMethod` `Post`).
    pub fn canvas_signed_request_url(&self) -> Option<&str> {
        (self.canvas_access_method.as_deref() == Some("Post"))
            .then_some(self.canvas_url.as_deref())
            .flatten()
    }
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

/// An Auth. Provider (metadata WSDL v66 `AuthProvider`): what PKCE needs of it. Its
/// `consumerSecret` and `ecKey` are secrets and are never read into this.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthProvider {
    /// `providerType` (`Salesforce`, `OpenIdConnect`, …; required by the WSDL).
    pub provider_type: Option<String>,
    pub friendly_name: Option<String>,
    /// `isPkceEnabled`: the provider sends PKCE to the org it logs in to.
    pub is_pkce_enabled: Option<Spanned<bool>>,
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
    AuthProvider(AuthProvider),
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
    pub fn at(self, line: u32) -> ParseError {
        ParseError { line, kind: self }
    }
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

/// Splits `ns__Name` into its namespace. Salesforce API names cannot contain `__`
/// otherwise, so the first `__` is the namespace separator.
pub fn namespace_of(full_name: &str) -> Option<&str> {
    full_name
        .split_once("__")
        .map(|(ns, _)| ns)
        .filter(|ns| !ns.is_empty())
}
