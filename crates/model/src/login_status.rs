//! The LoginHistory `Status` decoder `verify` uses: a closed table of the texts that
//! concern OAuth apps and their users, each with its `LOGIN_STATUS` code, what it means
//! for an admin, its [`StatusClass`] and a source.
//!
//! LoginHistory's `Status` is a free string ("Status is either success or a reason for
//! failure", object reference): Salesforce publishes no value list for it. The texts are
//! the "Details" column of the EventLogFile Login `LOGIN_STATUS` table, which the
//! reference ("After the change") says `Status` holds. Everything not in the table is
//! [`StatusClass::Unrecognized`]: never guessed into a class.
//!
//! Matching: the text is trimmed, then compared ASCII case-insensitively. The docs'
//! "Details" spelling ("Invalid password", "Password lockout") and the one LoginHistory
//! rows are seen with ("Invalid Password") differ only in capitals, and copies of the
//! table carry stray leading spaces; no two entries differ only in case (tested), so
//! this never merges two meanings. Nothing else is normalised: a text with other words
//! is another status.

crate::vocab::vocabulary! {
    /// What a login status says about an OAuth app.
    pub enum StatusClass {
        /// The login succeeded.
        Success = "success",
        /// The status names PKCE: the app's code challenge or code verifier was refused.
        Pkce = "pkce",
        /// Another OAuth failure that the app or its configuration causes.
        AppOauth = "app-oauth",
        /// The user's own failure (password, lockout, frozen, MFA, restrictions): not an
        /// app failure.
        User = "user",
        /// A text the table does not hold. Never an entry's class.
        Unrecognized = "unrecognized",
    }
}

/// One known `Status` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The text as LoginHistory's `Status` carries it (the `LOGIN_STATUS` "Details").
    pub status: &'static str,
    /// The EventLogFile Login `LOGIN_STATUS` API error code.
    pub code: &'static str,
    /// What it means for an admin, in one sentence.
    pub meaning: &'static str,
    pub class: StatusClass,
    /// Where the text (and the code beside it) is published.
    pub source: &'static str,
    /// The text is in a primary Salesforce source; `false`: a secondary source only.
    pub confirmed: bool,
}

/// The EventLogFile Login `LOGIN_STATUS` table (API error code and "Details").
pub const LOGIN_STATUS_TABLE: &str = "https://developer.salesforce.com/docs/atlas.en-us.264.0.object_reference.meta/object_reference/sforce_api_objects_eventlogfile_login_status.htm";
/// The LoginHistory object reference (`Status`: "either success or a reason for failure").
pub const LOGIN_HISTORY: &str = "https://developer.salesforce.com/docs/atlas.en-us.264.0.object_reference.meta/object_reference/sforce_api_objects_loginhistory.htm";

const fn entry(
    status: &'static str,
    code: &'static str,
    class: StatusClass,
    meaning: &'static str,
) -> Entry {
    Entry {
        status,
        code,
        meaning,
        class,
        source: LOGIN_STATUS_TABLE,
        confirmed: true,
    }
}

use StatusClass::{AppOauth, Pkce, User};

/// Every known text, PKCE first, then the other app failures, then the user's.
pub const ENTRIES: &[Entry] = &[
    Entry {
        status: "Success",
        code: "LOGIN_NO_ERROR",
        meaning: "The login succeeded.",
        class: StatusClass::Success,
        source: LOGIN_HISTORY,
        confirmed: true,
    },
    // PKCE.
    entry(
        "Failed: Invalid Code Challenge",
        "LOGIN_OAUTH_INVALID_CODE_CHALLENGE",
        Pkce,
        "The authorize request's PKCE code_challenge was refused: the client must send a valid S256 challenge.",
    ),
    entry(
        "Failed: Invalid Code Verifier",
        "LOGIN_OAUTH_INVALID_CODE_VERIFIER",
        Pkce,
        "The token request's PKCE code_verifier was missing or did not match the challenge: the client's PKCE is broken even if it sends one.",
    ),
    // Other OAuth failures the app or its configuration causes.
    entry(
        "Failed: Invalid Callback URL",
        "LOGIN_OAUTH_NO_CALLBACK_URL",
        AppOauth,
        "The redirect_uri the client sent is not one of the app's callback URLs.",
    ),
    entry(
        "Failed: Unexpected parameter",
        "LOGIN_OAUTH_UNEXPECTED_PARAM",
        AppOauth,
        "The client sent a parameter the OAuth endpoint does not accept for this flow.",
    ),
    entry(
        "Failed: Invalid Token",
        "LOGIN_OAUTH_INVALID_TOKEN",
        AppOauth,
        "The client presented a token or code that is invalid, expired or revoked.",
    ),
    entry(
        "Failed: IP Address Not Allowed",
        "LOGIN_OAUTH_INVALID_IP",
        AppOauth,
        "The app's IP relaxation policy refused the address the request came from.",
    ),
    entry(
        "Failed: OAuth API access disabled",
        "LOGIN_OAUTH_API_DISABLED",
        AppOauth,
        "OAuth API access is turned off for the org or the user, so the app cannot log in.",
    ),
    entry(
        "Failed: Consumer Deleted",
        "LOGIN_OAUTH_CONSUMER_DELETED",
        AppOauth,
        "The client used a consumer key whose app was deleted.",
    ),
    entry(
        "Missing Consumer Key Parameter",
        "LOGIN_OAUTH_NO_CONSUMER",
        AppOauth,
        "The client sent no consumer key (client_id).",
    ),
    entry(
        "Failed: Get Access Token Limit Exceeded",
        "LOGIN_OAUTH_EXCEED_GET_AT_LMT",
        AppOauth,
        "The client asked for more access tokens than Salesforce allows for the app and user.",
    ),
    entry(
        "Failed: Device Id missing or not registered",
        "LOGIN_OAUTH_INVALID_DEVICE",
        AppOauth,
        "The client's device id was missing or not registered for the app.",
    ),
    entry(
        "Package for this consumer is not installed in your organization",
        "LOGIN_OAUTH_PACKAGE_MISSING",
        AppOauth,
        "The app's package is not installed in the org: an ISV app, its vendor or the package install must act.",
    ),
    entry(
        "Installed package for this consumer is out of date",
        "LOGIN_OAUTH_PACKAGE_OLD",
        AppOauth,
        "The installed package of the app is older than the client needs: upgrade the package.",
    ),
    entry(
        "Failed: Activation secret not expected",
        "LOGIN_OAUTH_DS_NOT_EXPECTED",
        AppOauth,
        "The client sent an activation secret the app does not expect.",
    ),
    entry(
        "Failed: Activation secret invalid",
        "LOGIN_OAUTH_INVALID_DS",
        AppOauth,
        "The client sent an invalid activation secret.",
    ),
    entry(
        "Activation secret missing",
        "LOGIN_OAUTH_MISSING_DS",
        AppOauth,
        "The client did not send the activation secret the app requires.",
    ),
    entry(
        "Failed: Invalid Verifier",
        "LOGIN_OAUTH_INVALID_VERIFIER",
        AppOauth,
        "An OAuth verifier was refused; not PKCE's code_verifier, which has its own status (Invalid Code Verifier).",
    ),
    entry(
        "Failed: Invalid Nonce",
        "LOGIN_OAUTH_INVALID_NONCE",
        AppOauth,
        "The client's OAuth nonce was refused.",
    ),
    entry(
        "Failed: Nonce Replay Detected",
        "LOGIN_OAUTH_NONCE_REPLAY",
        AppOauth,
        "The client reused an OAuth nonce.",
    ),
    entry(
        "Failed: Invalid Signature Method",
        "LOGIN_OAUTH_INVALID_SIG_METHOD",
        AppOauth,
        "The client signed its OAuth request with a method Salesforce does not accept.",
    ),
    entry(
        "Failed: Invalid Timestamp",
        "LOGIN_OAUTH_INVALID_TIMESTAMP",
        AppOauth,
        "The client's OAuth request timestamp was refused (clock skew or replay).",
    ),
    entry(
        "Failed: Version Not Supported",
        "LOGIN_OAUTH_INVALID_VERSION",
        AppOauth,
        "The client asked for an OAuth version Salesforce does not support.",
    ),
    entry(
        "Missing OAuth Token Parameter",
        "LOGIN_OAUTH_NO_TOKEN",
        AppOauth,
        "The client sent no OAuth token where one is required.",
    ),
    // The user's own failures.
    entry(
        "Invalid password",
        "LOGIN_ERROR_INVALID_PASSWORD",
        User,
        "The user typed a wrong password (LOGIN_ERROR_SSO_PWD_INVALID has the same text).",
    ),
    entry(
        "Password lockout",
        "LOGIN_ERROR_PASSWORD_LOCKOUT",
        User,
        "The user is locked out after too many wrong passwords.",
    ),
    entry(
        "User is frozen",
        "LOGIN_ERROR_USER_FROZEN",
        User,
        "An admin froze the user.",
    ),
    entry(
        "User is inactive",
        "LOGIN_ERROR_USER_INACTIVE",
        User,
        "The user is deactivated.",
    ),
    entry(
        "Restricted IP",
        "LOGIN_ERROR_RESTRICTED_DOMAIN",
        User,
        "The user's profile login IP ranges do not include the address.",
    ),
    entry(
        "Restricted time",
        "LOGIN_ERROR_RESTRICTED_TIME",
        User,
        "The user's profile login hours do not include this time.",
    ),
    entry(
        "Login rate exceeded",
        "LOGIN_ERROR_RATE_EXCEEDED",
        User,
        "The user logged in more often than Salesforce allows in a period.",
    ),
    entry(
        "Maximum logins exceeded",
        "LOGIN_ERROR_LOGINS_EXCEEDED",
        User,
        "The user reached the maximum number of logins.",
    ),
    entry(
        "Multi-factor (formerly called two-factor) is required",
        "LOGIN_TWOFACTOR_REQ",
        User,
        "The user must complete multi-factor authentication.",
    ),
    entry(
        "Failed: Computer activation required",
        "LOGIN_CHALLENGE_ISSUED",
        User,
        "The user must verify their identity (device activation) before logging in.",
    ),
    entry(
        "Failed: Computer activation pending",
        "LOGIN_CHALLENGE_PENDING",
        User,
        "The user's identity verification (device activation) is not finished.",
    ),
    entry(
        "Failed: API security token required",
        "LOGIN_ERROR_MUST_USE_API_TOKEN",
        User,
        "The user logged in with a password from outside the trusted IP ranges without the security token.",
    ),
    entry(
        "Failed: API-only user",
        "LOGIN_ERROR_USER_API_ONLY",
        User,
        "The user is API-only and tried an interactive login.",
    ),
    entry(
        "Lightning Login required",
        "LOGIN_LIGHTNING_LOGIN",
        User,
        "The user must log in with Lightning Login.",
    ),
];

/// The entry for `status` (trimmed, ASCII case-insensitive), if the table holds it.
pub fn entry_for(status: &str) -> Option<&'static Entry> {
    let status = status.trim();
    ENTRIES
        .iter()
        .find(|e| e.status.eq_ignore_ascii_case(status))
}

/// What `status` says about the app; [`StatusClass::Unrecognized`] when not in the table.
pub fn classify(status: &str) -> StatusClass {
    entry_for(status).map_or(StatusClass::Unrecognized, |e| e.class)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_pkce_statuses_are_pkce_and_nothing_else_is() {
        assert_eq!(classify("Failed: Invalid Code Challenge"), Pkce);
        assert_eq!(classify("Failed: Invalid Code Verifier"), Pkce);
        let pkce: Vec<_> = ENTRIES.iter().filter(|e| e.class == Pkce).collect();
        assert_eq!(pkce.len(), 2);
        // The OAuth 1.0 verifier is not PKCE's.
        assert_eq!(classify("Failed: Invalid Verifier"), AppOauth);
    }

    #[test]
    fn app_and_user_failures_are_told_apart() {
        assert_eq!(classify("Failed: Invalid Callback URL"), AppOauth);
        assert_eq!(classify("Failed: IP Address Not Allowed"), AppOauth);
        assert_eq!(classify("Invalid password"), User);
        assert_eq!(classify("Restricted IP"), User);
        assert_eq!(classify("Success"), StatusClass::Success);
    }

    #[test]
    fn matching_trims_and_ignores_ascii_case_only() {
        assert_eq!(classify("  Invalid Password "), User);
        assert_eq!(classify("PASSWORD LOCKOUT"), User);
        assert_eq!(classify("success"), StatusClass::Success);
        assert_eq!(
            classify("Failed: Invalid  Code Verifier"),
            StatusClass::Unrecognized
        );
        assert_eq!(classify("Invalid Code Verifier"), StatusClass::Unrecognized);
        assert_eq!(classify(""), StatusClass::Unrecognized);
        assert_eq!(
            entry_for(" Failed: Invalid Token").map(|e| e.code),
            Some("LOGIN_OAUTH_INVALID_TOKEN")
        );
        assert_eq!(entry_for("Failed: Signature Invalid"), None);
    }

    #[test]
    fn the_table_is_well_formed() {
        let mut texts = BTreeSet::new();
        for e in ENTRIES {
            assert_eq!(e.status, e.status.trim(), "{}", e.status);
            assert!(
                texts.insert(e.status.to_ascii_lowercase()),
                "two entries read {}",
                e.status
            );
            assert_ne!(e.class, StatusClass::Unrecognized, "{}", e.status);
            assert!(e.code.starts_with("LOGIN_"), "{}", e.code);
            assert!(e.source.starts_with("https://"), "{}", e.status);
            assert!(
                e.meaning.ends_with('.') && !e.meaning.contains('|') && !e.meaning.contains('\n'),
                "one sentence, table-safe: {}",
                e.meaning
            );
            // Every OAuth code is an app failure or PKCE, never the user's.
            if e.code.starts_with("LOGIN_OAUTH_") {
                assert!(e.class == Pkce || e.class == AppOauth, "{}", e.code);
            }
            assert_eq!(entry_for(e.status), Some(e));
        }
        for class in StatusClass::KNOWN {
            let held = ENTRIES.iter().any(|e| e.class == *class);
            assert_eq!(held, *class != StatusClass::Unrecognized, "{class}");
        }
    }
}
