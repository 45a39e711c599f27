//! `Config::echo_credentials`, `Config::echo_in_records` and `Config::echo_also`: the org
//! echoes the credentials it receives (and others it was told of) back in its error
//! answers, SOAP faults and record fields, in every form a server might use, so the tests
//! can check that none of them reaches an output, a log or a file.

use base64::Engine as _;

/// Percent-encoding as RFC 3986 (unreserved characters kept), upper- or lower-case hex.
pub fn percent(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else if lower {
                format!("%{b:02x}")
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `application/x-www-form-urlencoded`: `+` for a space, `*-._` kept.
pub fn form(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b if b.is_ascii_alphanumeric() || b"*-._".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// Base64 (RFC 4648 §4) or base64url (§5), padded or not.
pub fn base64(bytes: &[u8], url: bool, pad: bool) -> String {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    match (url, pad) {
        (false, true) => STANDARD.encode(bytes),
        (false, false) => STANDARD_NO_PAD.encode(bytes),
        (true, true) => URL_SAFE.encode(bytes),
        (true, false) => URL_SAFE_NO_PAD.encode(bytes),
    }
}

/// Every byte as two hex digits.
pub fn hex(s: &str, upper: bool) -> String {
    s.bytes()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect()
}

/// What comes before the secret in the base64 forms, so that it starts at each offset of
/// a three-byte group: 0, 1 and 2 (`Bearer ` is 7 bytes: offset 1).
pub const BASE64_LEADS: [&str; 4] = ["", "x", "xy", "Bearer "];

/// Every form of `secret` the org echoes, named: raw; percent-encoded (upper- and
/// lower-case hex, and twice); form-encoded; base64 starting at every offset of a group
/// (padded) and unpadded; base64url, padded and not; hex, lower- and upper-case; the
/// secret upper-cased; and cut short (the last five characters missing).
pub fn forms(secret: &str) -> Vec<(String, String)> {
    let mut out = vec![
        ("raw".to_string(), secret.to_string()),
        ("pct".into(), percent(secret, false)),
        ("lower".into(), percent(secret, true)),
        ("twice".into(), percent(&percent(secret, false), false)),
        ("form".into(), form(secret)),
    ];
    for (i, lead) in BASE64_LEADS.iter().enumerate() {
        let bytes = format!("{lead}{secret}");
        out.push((format!("b64_{i}"), base64(bytes.as_bytes(), false, true)));
        out.push((format!("b64url_{i}"), base64(bytes.as_bytes(), true, true)));
    }
    out.extend([
        ("b64_nopad".into(), base64(secret.as_bytes(), false, false)),
        (
            "b64url_nopad".into(),
            base64(format!("x{secret}").as_bytes(), true, false),
        ),
        ("hex".into(), hex(secret, false)),
        ("HEX".into(), hex(secret, true)),
        ("upper".into(), secret.to_uppercase()),
        (
            "cut".into(),
            secret[..secret.len().saturating_sub(5)].to_string(),
        ),
    ]);
    out
}

/// [`forms`] as one text: `raw=… pct=… … cut=…`.
pub fn spellings(secret: &str) -> String {
    forms(secret)
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An HTML page whose 200th character falls inside the credential, as a load balancer
/// might echo a request line.
pub fn html_cut_at_200(secret: &str) -> String {
    let head = "<html><body>Bad request: ";
    let pad = "x".repeat(195 - head.len());
    format!("{head}{pad}{secret} more {} </body></html>", form(secret))
}
