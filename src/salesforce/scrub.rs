//! Removing credentials from text a server sent back (error bodies, SOAP faults, redirect
//! targets, transport errors naming a URL) before it reaches an error, a problem, a note or
//! a `--verbose` line.
//!
//! A server can echo what it was sent in many spellings, so a credential is matched byte by
//! byte where each byte may be written as itself, percent-encoded (`%21`, `%2f`, and
//! percent-encoded twice, `%2521`), form-encoded (`+` for a space), JSON-escaped (`\/`,
//! `\u0021`) or as an XML character reference or entity (`&#33;`, `&#x21;`, `&amp;`).
//! A long enough **prefix** counts as the credential too: a body cut short by the server, or
//! by a snippet, still gives most of it away.
//!
//! A Salesforce access token (session id) is `<org id>!<secret part>`: the org id is not a
//! secret (the report shows it), so what gives the token away is the org id with the `!`
//! and anything after it, or twelve characters of the part after the `!` on their own.

/// A prefix this long (or the whole credential, when shorter) gives a credential away.
pub const MIN_PREFIX: usize = 12;
/// Credentials shorter than this are not searched for: they would match ordinary text.
pub const MIN_SECRET: usize = 8;

/// One credential, and how many of its bytes, matched from its start, give it away.
#[derive(Debug, Clone)]
struct Pattern {
    bytes: Vec<u8>,
    min: usize,
}

/// The credentials of one connection, ready to be searched for.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    patterns: Vec<Pattern>,
}

/// `00D…!…`: an org id (15 or 18 characters, starting `00D`) and the secret part.
fn session_parts(secret: &str) -> Option<(&str, &str)> {
    let (org, rest) = secret.split_once('!')?;
    (org.starts_with("00D")
        && matches!(org.len(), 15 | 18)
        && org.bytes().all(|b| b.is_ascii_alphanumeric())
        && !rest.is_empty())
    .then_some((org, rest))
}

impl Scrubber {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Scrubber {
        let mut patterns = Vec::new();
        for s in secrets {
            if s.len() < MIN_SECRET {
                continue;
            }
            match session_parts(s) {
                Some((org, core)) => {
                    // The org id, the `!` and at least one byte of the secret part.
                    patterns.push(Pattern {
                        bytes: s.as_bytes().to_vec(),
                        min: org.len() + 2,
                    });
                    patterns.push(Pattern {
                        bytes: core.as_bytes().to_vec(),
                        min: core.len().min(MIN_PREFIX),
                    });
                }
                None => patterns.push(Pattern {
                    bytes: s.as_bytes().to_vec(),
                    min: s.len().min(MIN_PREFIX),
                }),
            }
        }
        Scrubber { patterns }
    }

    /// The longest credential, in bytes.
    pub fn longest(&self) -> usize {
        self.patterns
            .iter()
            .map(|p| p.bytes.len())
            .max()
            .unwrap_or(0)
    }

    /// `text` with every credential, whole or a long enough prefix, in any spelling,
    /// replaced by `***`.
    pub fn apply(&self, text: &str) -> String {
        if self.patterns.is_empty() {
            return text.to_string();
        }
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        'outer: while i < bytes.len() {
            for p in &self.patterns {
                if let Some(end) = matches_at(bytes, i, p) {
                    out.extend_from_slice(b"***");
                    i = end;
                    continue 'outer;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        // A prefix may end inside a multi-byte character; nothing else is changed.
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Where a match of `p` starting at `start` ends, when it is long enough.
fn matches_at(text: &[u8], start: usize, p: &Pattern) -> Option<usize> {
    let mut pos = start;
    let mut matched = 0;
    for &b in &p.bytes {
        match match_byte(text, pos, b) {
            Some(n) => {
                pos += n;
                matched += 1;
            }
            None => break,
        }
    }
    (matched >= p.min && matched > 0).then_some(pos)
}

fn hex(a: u8, b: u8) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16);
    Some((d(a)? * 16 + d(b)?) as u8)
}

/// How many bytes of `text` at `pos` spell the byte `b`, in any of the encodings above.
fn match_byte(text: &[u8], pos: usize, b: u8) -> Option<usize> {
    let at = |i: usize| text.get(pos + i).copied();
    let c = at(0)?;
    if c == b {
        return Some(1);
    }
    match c {
        b'+' if b == b' ' => Some(1),
        b'%' => {
            if hex(at(1)?, at(2)?) == Some(b) {
                return Some(3);
            }
            // Percent-encoded twice: `%25` then the two hex digits.
            (at(1)? == b'2' && at(2)? == b'5' && hex(at(3)?, at(4)?) == Some(b)).then_some(5)
        }
        b'\\' => {
            let next = at(1)?;
            if next == b && matches!(b, b'/' | b'\\' | b'"') {
                return Some(2);
            }
            let unicode =
                next == b'u' && at(2)? == b'0' && at(3)? == b'0' && hex(at(4)?, at(5)?) == Some(b);
            unicode.then_some(6)
        }
        b'&' => {
            let rest = &text[pos..];
            let end = rest.iter().take(10).position(|&x| x == b';')?;
            let name = &rest[1..end];
            let value = match name {
                b"amp" => Some(b'&'),
                b"lt" => Some(b'<'),
                b"gt" => Some(b'>'),
                b"quot" => Some(b'"'),
                b"apos" => Some(b'\''),
                [b'#', b'x' | b'X', digits @ ..] => std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| u32::from_str_radix(d, 16).ok())
                    .and_then(|v| u8::try_from(v).ok()),
                [b'#', digits @ ..] => std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<u32>().ok())
                    .and_then(|v| u8::try_from(v).ok()),
                _ => None,
            };
            (value == Some(b)).then_some(end + 1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "00D5g000004XyZ1!AQ4AQ+b/c=d.e_f~g!h";
    const REFRESH: &str = "5Aep861.Refresh/Token+With=Signs";

    fn scrub(text: &str) -> String {
        Scrubber::new([TOKEN, REFRESH, "short"]).apply(text)
    }

    fn percent(s: &str, lower: bool) -> String {
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

    #[test]
    fn every_spelling_of_a_credential_is_removed() {
        for form in [
            TOKEN.to_string(),
            percent(TOKEN, false),
            percent(TOKEN, true),
            percent(TOKEN, false).replace('%', "%25"),
            TOKEN.replace('/', "\\/").replace('!', "\\u0021"),
            TOKEN.replace('!', "&#33;").replace('+', "&#x2B;"),
            REFRESH.to_string(),
            percent(REFRESH, false),
            REFRESH.replace('+', "%2B").replace(' ', "+"),
        ] {
            let out = scrub(&format!("before {form} after"));
            assert_eq!(out, "before *** after", "{form}");
        }
        // Form encoding turns a space into `+`.
        let s = Scrubber::new(["secret with spaces inside"]);
        assert_eq!(s.apply("x=secret+with+spaces+inside&y"), "x=***&y");
    }

    #[test]
    fn long_prefixes_count_short_ones_and_the_org_id_do_not() {
        // Cut by the server, or by a snippet: twelve bytes of a secret are enough.
        assert_eq!(scrub("token=5Aep861.Refr"), "token=***");
        assert_eq!(scrub("token=5Aep861.Ref"), "token=5Aep861.Ref");
        assert_eq!(scrub("x AQ4AQ+b/c=d. y"), "x *** y");
        assert_eq!(scrub("x AQ4AQ%2Bb%2Fc%3Dd. y"), "x *** y");
        // The org id with the `!` and a byte of the secret part gives the token away;
        // the org id alone is in every report.
        assert_eq!(
            scrub("org 00D5g000004XyZ1 here"),
            "org 00D5g000004XyZ1 here"
        );
        assert_eq!(scrub("sid=00D5g000004XyZ1%21A"), "sid=***");
        assert_eq!(scrub("sid=00D5g000004XyZ1!"), "sid=00D5g000004XyZ1!");
        // Too short to search for.
        assert_eq!(scrub("short"), "short");
        assert_eq!(Scrubber::default().apply("a"), "a");
    }

    #[test]
    fn text_around_is_kept_as_it_was() {
        assert_eq!(scrub("héllo %zz &bogus; \\x ✓"), "héllo %zz &bogus; \\x ✓");
        assert_eq!(scrub(&format!("{TOKEN}{TOKEN}|{REFRESH}")), "******|***");
        assert_eq!(Scrubber::new([TOKEN]).longest(), TOKEN.len());
    }
}
