//! OAuth flows: the ones an app switches on (metadata), and the ones login history
//! records (`LoginSubType`), with the documented table from one to the other.
//!
//! Its own module, below both the inventory (apps' flows) and the evidence (logins'
//! flows), so neither imports the other for it.

use crate::vocab::{order_by_text, vocabulary};

vocabulary! {
    /// An OAuth flow: one an app has switched on (metadata), or one it was seen logging in
    /// with (login history). Only the first two use an authorization code.
    pub enum Flow {
        /// Web server and hybrid web server flows (OAuth on with a callback URL).
        AuthorizationCode = "authorization-code",
        /// Authorization Code and Credentials (headless) flow.
        CodeCredentials = "code-credentials",
        ClientCredentials = "client-credentials",
        JwtBearer = "jwt-bearer",
        Device = "device",
        TokenExchange = "token-exchange",
        Saml = "saml",
        Canvas = "canvas",
        /// Seen in login history only: no app switch enables it.
        UsernamePassword = "username-password",
        /// Seen in login history only (the implicit flow).
        UserAgent = "user-agent",
        /// Seen in login history only: a token refresh.
        RefreshToken = "refresh-token",
        /// An OAuth login that LoginHistory records without a sub-type: JWT bearer, device,
        /// SAML bearer or a headless variant; it may be a code flow.
        Unknown = "unknown",
        /// Seen in login history only: a SOAP API `login()` with a password
        /// (`SoapApiLogin*` sub-types), not OAuth at all.
        SoapLogin = "soap-login",
    }
}

order_by_text!(Flow);

impl Flow {
    /// The flow runs the authorization code exchange that PKCE protects.
    pub fn uses_authorization_code(&self) -> bool {
        match self {
            Flow::AuthorizationCode | Flow::CodeCredentials => true,
            Flow::ClientCredentials
            | Flow::JwtBearer
            | Flow::Device
            | Flow::TokenExchange
            | Flow::Saml
            | Flow::Canvas
            | Flow::UsernamePassword
            | Flow::UserAgent
            | Flow::RefreshToken
            | Flow::Unknown
            | Flow::SoapLogin => false,
        }
    }

    /// A login with this flow never carries an authorization code, so PKCE cannot break
    /// it. Not the opposite of [`Flow::uses_authorization_code`]: SAML, canvas and flows
    /// this version does not know prove nothing either way.
    pub fn carries_no_code(&self) -> bool {
        match self {
            Flow::ClientCredentials
            | Flow::JwtBearer
            | Flow::RefreshToken
            | Flow::TokenExchange
            | Flow::UsernamePassword
            | Flow::UserAgent
            | Flow::SoapLogin
            | Flow::Device => true,
            Flow::AuthorizationCode
            | Flow::CodeCredentials
            | Flow::Saml
            | Flow::Canvas
            | Flow::Unknown => false,
        }
    }
}

/// The flow of logins LoginHistory records: one this version knows, or an OAuth
/// `LoginSubType` Salesforce does not document, kept by its name so that nothing it adds
/// is silently dropped. Written as the flow's spelling, or the sub-type as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LoginFlow {
    Flow(Flow),
    /// Not in the documented picklist: it may be any flow, a code flow included.
    UndocumentedSubType(String),
}

impl LoginFlow {
    pub fn as_str(&self) -> &str {
        match self {
            LoginFlow::Flow(f) => f.as_str(),
            LoginFlow::UndocumentedSubType(s) => s,
        }
    }

    /// The flow, when it is one this version knows.
    pub fn known(&self) -> Option<Flow> {
        match self {
            LoginFlow::Flow(f) => Some(*f),
            LoginFlow::UndocumentedSubType(_) => None,
        }
    }

    /// As [`Flow::uses_authorization_code`]; an undocumented sub-type proves nothing.
    pub fn uses_authorization_code(&self) -> bool {
        self.known().is_some_and(|f| f.uses_authorization_code())
    }

    /// As [`Flow::carries_no_code`]; an undocumented sub-type proves nothing.
    pub fn carries_no_code(&self) -> bool {
        self.known().is_some_and(|f| f.carries_no_code())
    }
}

impl From<Flow> for LoginFlow {
    fn from(f: Flow) -> Self {
        LoginFlow::Flow(f)
    }
}

impl std::fmt::Display for LoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// In the order of the spellings, as the flows of a report always were.
impl Ord for LoginFlow {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for LoginFlow {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for LoginFlow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for LoginFlow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match Flow::known(&s) {
            Some(f) => LoginFlow::Flow(f),
            None => LoginFlow::UndocumentedSubType(s),
        })
    }
}

crate::vocab::vocabulary! {
    /// The documented `LoginSubType` picklist (Object Reference, LoginHistory, API 67.0:
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_loginhistory.htm);
    /// [`LoginSubType::flow`] says which flow each records.
    pub enum LoginSubType {
        InternalSalesforceAuthentication = "InternalSalesforceAuthentication",
        OauthClientCredentials = "OauthClientCredentials",
        OauthHybridRefreshToken = "OauthHybridRefreshToken",
        OauthHybridTokenExchange = "OauthHybridTokenExchange",
        OauthHybridUserAgent = "OauthHybridUserAgent",
        OauthHybridWebServer = "OauthHybridWebServer",
        /// "OAuth OTP Login": the headless passwordless login, an Authorization Code and
        /// Credentials variant, which PKCE covers (knowledge article 005316703).
        OauthOtpLogin = "OauthOtpLogin",
        OauthRefreshToken = "OauthRefreshToken",
        OauthTokenExchange = "OauthTokenExchange",
        OauthUserAgent = "OauthUserAgent",
        OauthUserAgentIdToken = "OauthUserAgentIdToken",
        OauthUsernamePassword = "OauthUsernamePassword",
        OauthWebServer = "OauthWebServer",
        SoapApiLogin = "SoapApiLogin",
        SoapApiLoginMobile = "SoapApiLoginMobile",
        SoapApiLoginNetworksPortal = "SoapApiLoginNetworksPortal",
        SoapApiLoginPortal = "SoapApiLoginPortal",
        SoapApiLoginSelfService = "SoapApiLoginSelfService",
        UiPasswordReset = "UiPasswordReset",
        UsernamePasswordUiLogin = "UsernamePasswordUiLogin",
    }
}

impl LoginSubType {
    /// The flow a login of this sub-type records (OAuth flows, and `soap-login` for SOAP
    /// API `login()` with a password, which `app-uses-soap-login` names), or `None` for the
    /// UI and internal logins pkce-audit does not count.
    pub fn flow(self) -> Option<Flow> {
        match self {
            LoginSubType::OauthClientCredentials => Some(Flow::ClientCredentials),
            LoginSubType::OauthHybridRefreshToken | LoginSubType::OauthRefreshToken => {
                Some(Flow::RefreshToken)
            }
            LoginSubType::OauthHybridTokenExchange | LoginSubType::OauthTokenExchange => {
                Some(Flow::TokenExchange)
            }
            LoginSubType::OauthHybridUserAgent
            | LoginSubType::OauthUserAgent
            | LoginSubType::OauthUserAgentIdToken => Some(Flow::UserAgent),
            LoginSubType::OauthHybridWebServer | LoginSubType::OauthWebServer => {
                Some(Flow::AuthorizationCode)
            }
            LoginSubType::OauthOtpLogin => Some(Flow::CodeCredentials),
            LoginSubType::OauthUsernamePassword => Some(Flow::UsernamePassword),
            LoginSubType::SoapApiLogin
            | LoginSubType::SoapApiLoginMobile
            | LoginSubType::SoapApiLoginNetworksPortal
            | LoginSubType::SoapApiLoginPortal
            | LoginSubType::SoapApiLoginSelfService => Some(Flow::SoapLogin),
            LoginSubType::InternalSalesforceAuthentication
            | LoginSubType::UiPasswordReset
            | LoginSubType::UsernamePasswordUiLogin => None,
        }
    }
}

/// `LoginType` values of OAuth logins, as the API name or the label a query returns
/// (`Oauth` "Remote Access Client", `Oauth2` "Remote Access 2.0"; the same page).
pub fn is_oauth_login_type(login_type: &str) -> bool {
    matches!(
        login_type.trim(),
        "Oauth" | "Oauth2" | "Remote Access Client" | "Remote Access 2.0"
    )
}

/// The OAuth flow a LoginHistory `LoginSubType` stands for; `None` when the sub-type is a
/// documented non-OAuth login. An empty sub-type (an OAuth login without one) is
/// [`Flow::Unknown`]: JWT bearer, device, SAML bearer and Authorization Code and
/// Credentials variants have no documented sub-type, so it may be any of them, a code
/// flow included. A sub-type Salesforce does not document is a SOAP API login when named
/// as those are (`SoapApiLogin…`), and otherwise keeps its own name, so nothing it adds is
/// silently dropped (and none of them is taken for a flow without a code).
pub fn flow_of_sub_type(sub_type: &str) -> Option<LoginFlow> {
    let s = sub_type.trim();
    if s.is_empty() {
        return Some(Flow::Unknown.into());
    }
    match LoginSubType::known(s) {
        Some(documented) => documented.flow().map(LoginFlow::Flow),
        None if s.starts_with("SoapApiLogin") => Some(Flow::SoapLogin.into()),
        None => Some(LoginFlow::UndocumentedSubType(s.to_string())),
    }
}

/// Whether a LoginHistory row is an OAuth login pkce-audit counts, from its `LoginType`
/// and `LoginSubType`: an OAuth sub-type, or an OAuth login type without a sub-type.
pub fn is_oauth_login(login_type: Option<&str>, sub_type: Option<&str>) -> bool {
    match sub_type.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => flow_of_sub_type(s).is_some(),
        None => login_type.is_some_and(is_oauth_login_type),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_types_map_to_flows_and_unknown_ones_keep_their_name() {
        for (s, f) in [
            ("OauthWebServer", Some("authorization-code")),
            ("OauthHybridWebServer", Some("authorization-code")),
            ("OauthUserAgent", Some("user-agent")),
            ("OauthUserAgentIdToken", Some("user-agent")),
            ("OauthHybridUserAgent", Some("user-agent")),
            ("OauthUsernamePassword", Some("username-password")),
            ("OauthClientCredentials", Some("client-credentials")),
            ("OauthRefreshToken", Some("refresh-token")),
            ("OauthHybridRefreshToken", Some("refresh-token")),
            ("OauthTokenExchange", Some("token-exchange")),
            ("OauthHybridTokenExchange", Some("token-exchange")),
            ("OauthOtpLogin", Some("code-credentials")),
            ("", Some("unknown")),
            // Not documented: kept by name, never a flow without a code.
            ("OauthJwtBearer", Some("OauthJwtBearer")),
            ("OauthDeviceFlow", Some("OauthDeviceFlow")),
            // Not documented, and named as SOAP API logins are: one of them.
            ("SoapApiLoginFuture", Some("soap-login")),
            // SOAP API login() with a password: counted, for app-uses-soap-login.
            ("SoapApiLogin", Some("soap-login")),
            ("SoapApiLoginMobile", Some("soap-login")),
            ("SoapApiLoginNetworksPortal", Some("soap-login")),
            ("SoapApiLoginPortal", Some("soap-login")),
            ("SoapApiLoginSelfService", Some("soap-login")),
            // Documented, and not OAuth or API logins.
            ("UsernamePasswordUiLogin", None),
            ("UiPasswordReset", None),
            ("InternalSalesforceAuthentication", None),
        ] {
            assert_eq!(
                flow_of_sub_type(s).as_ref().map(LoginFlow::as_str),
                f,
                "{s}"
            );
        }
        // Every documented sub-type is mapped, and only the listed ones lack a code.
        assert_eq!(LoginSubType::KNOWN.len(), 20);
        for s in LoginSubType::KNOWN {
            assert_eq!(
                flow_of_sub_type(s.as_str()),
                s.flow().map(LoginFlow::Flow),
                "{s}"
            );
        }
        for f in ["", "OauthOtpLogin", "OauthWebServer", "OauthJwtBearer"] {
            assert!(!flow_of_sub_type(f).unwrap().carries_no_code(), "{f}");
        }
        assert!(is_oauth_login(Some("Remote Access 2.0"), None));
        assert!(is_oauth_login(Some("Oauth2"), Some(" ")));
        assert!(is_oauth_login(Some("Application"), Some("OauthWebServer")));
        assert!(!is_oauth_login(Some("Application"), None));
        // SOAP API password logins are counted too, as flow soap-login.
        assert!(is_oauth_login(Some("Application"), Some("SoapApiLogin")));
        assert!(!is_oauth_login(
            Some("Application"),
            Some("UiPasswordReset")
        ));
        assert!(!is_oauth_login(None, None));
    }
}
