//! `Config::echo_credentials`: the org echoes the credentials it receives back in its error
//! answers, in every spelling a server might use, so the tests can check that none of them
//! reaches an output, a log or a file.

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

/// The credential raw, percent-encoded (both cases, and twice), form-encoded, and cut
/// short (the last five characters missing).
pub fn spellings(secret: &str) -> String {
    let cut = &secret[..secret.len().saturating_sub(5)];
    format!(
        "raw={secret} pct={} lower={} twice={} form={} cut={cut}",
        percent(secret, false),
        percent(secret, true),
        percent(&percent(secret, false), false),
        form(secret),
    )
}

/// An HTML page whose 200th character falls inside the credential, as a load balancer
/// might echo a request line.
pub fn html_cut_at_200(secret: &str) -> String {
    let head = "<html><body>Bad request: ";
    let pad = "x".repeat(195 - head.len());
    format!("{head}{pad}{secret} more {} </body></html>", form(secret))
}
