//! What a LoginHistory `Status` says about an app: the decoder's class.

/// How verify counts a login's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusClass {
    Success,
    /// The status says PKCE.
    Pkce,
    /// Another OAuth failure the app or its configuration causes.
    AppOauth,
    /// The user's own failure: not the app's.
    User,
    /// Not in the decoder.
    Unrecognized,
}

/// The class of a `Status` text; a login without one counts as a success, as it reads
/// everywhere else.
pub fn class_of(status: Option<&str>) -> StatusClass {
    let Some(s) = status.map(str::trim).filter(|s| !s.is_empty()) else {
        return StatusClass::Success;
    };
    match s {
        "Success" => StatusClass::Success,
        "Failed: Invalid Code Challenge" | "Failed: Invalid Code Verifier" => StatusClass::Pkce,
        _ if s.starts_with("Failed: ") => StatusClass::AppOauth,
        "Invalid Password" => StatusClass::User,
        _ => StatusClass::Unrecognized,
    }
}
