//! LoginHistory rows as Salesforce records them, for `Config::logins`: the app's label in
//! `Application`, the OAuth flow in `LoginSubType`, and the `LOGIN_STATUS` "Details" text
//! in `Status` (EventLogFile Login, LOGIN_STATUS table; see the reference's "After the
//! change").

use super::org::fake_id;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// `Status` of a successful login.
pub const SUCCESS: &str = "Success";
/// `LOGIN_OAUTH_INVALID_CODE_CHALLENGE`.
pub const INVALID_CODE_CHALLENGE: &str = "Failed: Invalid Code Challenge";
/// `LOGIN_OAUTH_INVALID_CODE_VERIFIER`.
pub const INVALID_CODE_VERIFIER: &str = "Failed: Invalid Code Verifier";
/// `LOGIN_OAUTH_NO_CALLBACK_URL`.
pub const INVALID_CALLBACK_URL: &str = "Failed: Invalid Callback URL";
/// A user's wrong password: not an app failure.
pub const INVALID_PASSWORD: &str = "Invalid Password";

/// `LoginType` of an OAuth 2.0 login.
pub const REMOTE_ACCESS_2: &str = "Remote Access 2.0";

/// One login.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// The app's label (`Application`).
    pub application: String,
    pub login_type: String,
    /// `OauthWebServer`, `OauthRefreshToken`, ...; `None` for logins without one.
    pub login_sub_type: Option<String>,
    pub status: String,
    pub time: DateTime<Utc>,
    /// A fake user number, served as a `005` id.
    pub user: u64,
}

impl Login {
    /// An OAuth 2.0 login of `app` by user 1.
    pub fn oauth(app: &str, sub_type: &str, status: &str, time: DateTime<Utc>) -> Login {
        Login {
            application: app.to_string(),
            login_type: REMOTE_ACCESS_2.to_string(),
            login_sub_type: Some(sub_type.to_string()),
            status: status.to_string(),
            time,
            user: 1,
        }
    }

    /// The record, `n` numbering its id. `LoginTime` as the REST API writes dateTimes.
    pub fn record(&self, n: u64) -> Value {
        json!({
            "Id": fake_id("0Ya", 700_000 + n),
            "Application": self.application,
            "LoginType": self.login_type,
            "LoginSubType": self.login_sub_type,
            "Status": self.status,
            "LoginTime": self.time.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string(),
            "UserId": fake_id("005", self.user),
            "ApiType": null,
            "Platform": "Unknown",
            "SourceIp": "198.51.100.7",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_has_the_real_fields_and_forms() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T09:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let r = Login::oauth(
            "Customer Portal",
            "OauthWebServer",
            INVALID_CODE_VERIFIER,
            t,
        )
        .record(3);
        assert_eq!(r["Application"], "Customer Portal");
        assert_eq!(r["LoginType"], "Remote Access 2.0");
        assert_eq!(r["Status"], "Failed: Invalid Code Verifier");
        assert_eq!(r["LoginTime"], "2026-12-01T09:05:00.000+0000");
        assert!(r["Id"].as_str().unwrap().starts_with("0Ya"));
        assert_eq!(r["Id"].as_str().unwrap().len(), 18);
        assert!(r["UserId"].as_str().unwrap().starts_with("005"));
    }
}
