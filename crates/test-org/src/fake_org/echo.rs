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
/// secret upper-cased; cut short (the last five characters missing, or the first five);
/// with Markdown's backslashes, HTML5 named and zero-padded XML references; hex and
/// base64 wrapped over lines; split over two lines by LF, a lone CR, XML references or a
/// Markdown hard break; percent-encoded with its `%` escaped by XML or JSON.
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
        // Cut at the other end: the first five characters missing.
        (
            "tail".into(),
            secret.get(5..).unwrap_or_default().to_string(),
        ),
        // As Markdown escapes punctuation.
        ("md".into(), backslashed(secret)),
        // HTML5 named references, and XML numeric ones with leading zeros.
        (
            "named".into(),
            secret
                .replace('!', "&excl;")
                .replace('.', "&period;")
                .replace('_', "&lowbar;"),
        ),
        (
            "xmlpad".into(),
            secret
                .chars()
                .map(|c| format!("&#x{:07x};", c as u32))
                .collect(),
        ),
        // `xxd -p`: hex wrapped at 60 columns; MIME: base64 wrapped at 76, the token at an
        // offset inside a larger value; the token split over two lines.
        ("hexwrap".into(), wrapped(&hex(secret, false), 60)),
        (
            "mime".into(),
            wrapped(
                &base64(
                    format!("Authorization: Bearer {secret}").as_bytes(),
                    false,
                    true,
                ),
                76,
            ),
        ),
        (
            "split".into(),
            format!(
                "{}\n{}",
                &secret[..secret.len() / 2],
                &secret[secret.len() / 2..]
            ),
        ),
    ]);
    // Split by the other line breaks a server may write: a lone CR (JSON writes it `\r`),
    // XML character references, and Markdown's hard break.
    let (head, tail) = secret.split_at(secret.len() / 2);
    for (name, brk) in [
        ("crsplit", "\r"),
        ("xmlbreak", "&#13;&#10;"),
        ("xmlhexbreak", "&#xD;&#xA;"),
        ("mdbreak", "\\\n"),
    ] {
        out.push((name.into(), format!("{head}{brk}{tail}")));
    }
    // Percent-encoded, its `%` then escaped by XML (once or twice) or by JSON.
    let pct = percent(secret, false);
    for (name, intro) in [
        ("pctxml", "&#37;"),
        ("pctxml2", "&amp;#37;"),
        ("pctjson", "\\u0025"),
    ] {
        out.push((name.into(), pct.replace('%', intro)));
    }
    out
}

/// A backslash before every punctuation character, as Markdown escapes it.
pub fn backslashed(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_punctuation() {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// `text` with a line break every `width` characters.
fn wrapped(text: &str, width: usize) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
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
