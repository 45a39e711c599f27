//! One registry of every secret the run knows, and the one scrubber every output goes
//! through (issue 18 §3).
//!
//! A secret is registered once, where it is read or obtained: constructing a
//! [`Secret`](crate::salesforce::Secret) registers it (access tokens from a file, standard
//! input, the environment or `sf`; tokens a refresh exchange hands out; the refresh token
//! and client secret of an auth URL). Client ids and instance URLs are not secrets: reports
//! show them. [`scrub`] then removes **every** registered secret, of every org, from a text
//! about to leave the process: the report in every format, errors, notes, warnings, the
//! `--verbose` log, `--out-dir` files, snapshots.
//!
//! A server can echo what it was sent in many forms, so each secret is searched for:
//! - raw, in any letter case;
//! - through escapes, each byte written as itself, percent-encoded (`%21`, `%2f`, and
//!   percent-encoded twice, `%2521`), JSON-escaped (`\/`, `\u0021`) or as an XML character
//!   reference or entity (`&#33;`, `&#x21;`, `&amp;`); a space also as `+`;
//! - as hex, either case;
//! - as base64 and base64url, with or without padding, starting at any of the three
//!   offsets of a base64 group (the secret may sit inside a larger encoded value, such as
//!   `Bearer <token>` or `user:token`): the characters that depend on the secret alone are
//!   searched for, and one character either side that mixes its first or last bits with
//!   its neighbours goes with them.
//!
//! A long enough **prefix** of a form counts as the secret too: a body cut short by the
//! server, or by an excerpt, still gives most of it away. A Salesforce access token is
//! `<org id>!<secret part>`: the org id is not a secret (reports show it), so what gives the
//! token away is the org id with the `!` and anything after it, or twelve characters of the
//! part after the `!` on their own.
//!
//! Every form is computed once, when a secret is registered, and all of them are found in
//! one pass with a multi-pattern (Aho-Corasick) search: the cost is linear in the text,
//! whatever the number of orgs. A run without secrets (a folder audit) pays nothing.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

/// A prefix this long, in bytes of the secret, gives a secret away (or the whole secret,
/// when shorter).
pub const MIN_PREFIX: usize = 12;
/// Secrets shorter than this are not searched for: they would match ordinary text.
pub const MIN_SECRET: usize = 8;
/// Characters of server text an error quotes at most.
pub const EXCERPT_CHARS: usize = 200;

/// The two base64 alphabets: they differ in their last two characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alphabet {
    Standard,
    UrlSafe,
}

impl Alphabet {
    fn has(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                Alphabet::Standard => b == b'+' || b == b'/',
                Alphabet::UrlSafe => b == b'-' || b == b'_',
            }
    }

    fn encode(self, bytes: &[u8]) -> String {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        match self {
            Alphabet::Standard => STANDARD_NO_PAD.encode(bytes),
            Alphabet::UrlSafe => URL_SAFE_NO_PAD.encode(bytes),
        }
    }
}

/// How a base64 form's match may widen: over the character before it that mixes the
/// secret's first bits with what precedes it, and, when the whole form matched, over the
/// character after it that holds the secret's last bits, and over padding.
#[derive(Debug, Clone, Copy)]
struct Edges {
    alphabet: Alphabet,
    before: bool,
    after: bool,
}

/// One form of one secret.
#[derive(Debug, Clone)]
struct Form {
    bytes: Vec<u8>,
    /// How many bytes, matched from the start, give the secret away.
    min: usize,
    edges: Option<Edges>,
}

impl Form {
    /// The span a match of this form's first `min` bytes at `start` of `hay` covers: as
    /// far as the form goes on matching, then its edges.
    fn span(&self, hay: &[u8], start: usize) -> (usize, usize) {
        let mut end = start + self.min;
        let mut i = self.min;
        while i < self.bytes.len()
            && end < hay.len()
            && hay[end].eq_ignore_ascii_case(&self.bytes[i])
        {
            i += 1;
            end += 1;
        }
        let mut from = start;
        if let Some(e) = self.edges {
            if e.before && from > 0 && e.alphabet.has(hay[from - 1]) {
                from -= 1;
            }
            if i == self.bytes.len() {
                if e.after && end < hay.len() && e.alphabet.has(hay[end]) {
                    end += 1;
                }
                let mut pads = 0;
                while pads < 2 && end < hay.len() && hay[end] == b'=' {
                    end += 1;
                    pads += 1;
                }
            }
        }
        (from, end)
    }
}

/// `00D…!…`: an org id (15 to 18 letters and digits, starting `00D`) and the secret part.
fn session_parts(secret: &str) -> Option<(&str, &str)> {
    let (org, rest) = secret.split_once('!')?;
    (org.starts_with("00D")
        && (15..=18).contains(&org.len())
        && org.bytes().all(|b| b.is_ascii_alphanumeric())
        && !rest.is_empty())
    .then_some((org, rest))
}

fn hex(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect()
}

/// Every form of `part`, of which the first `min_bytes` bytes give the secret away.
fn forms_of(part: &[u8], min_bytes: usize, out: &mut Vec<Form>) {
    let plain = |bytes: Vec<u8>, min: usize| Form {
        min: min.clamp(1, bytes.len()),
        bytes,
        edges: None,
    };
    out.push(plain(part.to_vec(), min_bytes));
    if part.contains(&b' ') {
        // Form encoding.
        let plus = part
            .iter()
            .map(|&b| if b == b' ' { b'+' } else { b })
            .collect();
        out.push(plain(plus, min_bytes));
    }
    out.push(plain(hex(part), 2 * min_bytes));
    let n = part.len();
    for offset in 0..3usize {
        // The characters whose six bits all come from `part`, when it starts `offset`
        // bytes into a group: from the first that starts at or after its first bit, to
        // the last that ends at or before its last.
        let skip = (8 * offset).div_ceil(6);
        let keep = 8 * (offset + n) / 6;
        if keep <= skip {
            continue;
        }
        // Where the first kept character starts, in bits of `part`.
        let first_bit = 6 * skip - 8 * offset;
        let min = (8 * min_bytes).saturating_sub(first_bit).div_ceil(6);
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(part);
        for alphabet in [Alphabet::Standard, Alphabet::UrlSafe] {
            let encoded = alphabet.encode(&padded);
            let core = encoded.as_bytes()[skip..keep].to_vec();
            out.push(Form {
                min: min.clamp(1, core.len()),
                bytes: core,
                edges: Some(Edges {
                    alphabet,
                    before: first_bit > 0,
                    after: !(8 * (offset + n)).is_multiple_of(6),
                }),
            });
        }
    }
}

/// The secrets of a run, ready to be searched for in every form at once.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    forms: Vec<Form>,
    /// The search for the first `min` bytes of every form; `None` without secrets.
    search: Option<AhoCorasick>,
    /// For each pattern of `search`, the forms that start with it.
    by_pattern: Vec<Vec<usize>>,
}

impl Scrubber {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Scrubber {
        let mut forms = Vec::new();
        for s in secrets {
            if s.len() < MIN_SECRET {
                continue;
            }
            match session_parts(s) {
                Some((org, core)) => {
                    // The org id, the `!` and at least one byte of the secret part.
                    forms_of(s.as_bytes(), org.len() + 2, &mut forms);
                    forms_of(core.as_bytes(), core.len().min(MIN_PREFIX), &mut forms);
                }
                None => forms_of(s.as_bytes(), s.len().min(MIN_PREFIX), &mut forms),
            }
        }
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut by_pattern: Vec<Vec<usize>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        for (i, f) in forms.iter().enumerate() {
            let key = f.bytes[..f.min].to_ascii_lowercase();
            let at = *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                by_pattern.push(Vec::new());
                patterns.len() - 1
            });
            by_pattern[at].push(i);
        }
        let search = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("a few hundred short patterns build")
        });
        Scrubber {
            forms,
            search,
            by_pattern,
        }
    }

    /// The longest form, in bytes.
    pub fn longest(&self) -> usize {
        self.forms.iter().map(|f| f.bytes.len()).max().unwrap_or(0)
    }

    /// `text` with every secret, whole or a long enough prefix, in any form, replaced by
    /// `***`. Borrowed when nothing was found.
    pub fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(search) = &self.search else {
            return Cow::Borrowed(text);
        };
        let raw = text.as_bytes();
        let decoded = Decoded::of(raw);
        let hay: &[u8] = decoded.as_ref().map_or(raw, |d| &d.bytes);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for m in search.find_overlapping_iter(hay) {
            let widest = self.by_pattern[m.pattern().as_usize()]
                .iter()
                .map(|&f| self.forms[f].span(hay, m.start()))
                .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
            spans.extend(widest);
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let original = |i: usize| decoded.as_ref().map_or(i, |d| d.starts[i] as usize);
        let mut out = Vec::with_capacity(raw.len());
        let mut copied = 0;
        let mut pending: Option<(usize, usize)> = None;
        let mut flush = |(from, to): (usize, usize), out: &mut Vec<u8>| {
            out.extend_from_slice(&raw[copied..original(from)]);
            out.extend_from_slice(b"***");
            copied = original(to);
        };
        for (from, to) in spans {
            pending = match pending {
                Some((a, b)) if from < b => Some((a, b.max(to))),
                Some(done) => {
                    flush(done, &mut out);
                    Some((from, to))
                }
                None => Some((from, to)),
            };
        }
        if let Some(done) = pending {
            flush(done, &mut out);
        }
        out.extend_from_slice(&raw[copied..]);
        // A prefix of a secret that is not ASCII may end inside a character.
        Cow::Owned(match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }
}

/// A text with its escapes decoded, each decoded byte knowing where it starts in the text.
struct Decoded {
    bytes: Vec<u8>,
    /// `starts[i]`: where decoded byte `i` starts in the text; one more entry, the text's
    /// length.
    starts: Vec<u32>,
}

impl Decoded {
    /// `None` when the text holds no escape (nothing to decode), or is too large to map.
    fn of(text: &[u8]) -> Option<Decoded> {
        if !text.iter().any(|b| matches!(b, b'%' | b'\\' | b'&')) || text.len() >= u32::MAX as usize
        {
            return None;
        }
        let mut bytes = Vec::with_capacity(text.len());
        let mut starts = Vec::with_capacity(text.len() + 1);
        let mut i = 0;
        while i < text.len() {
            let (b, len) = unit(text, i);
            bytes.push(b);
            starts.push(i as u32);
            i += len;
        }
        starts.push(text.len() as u32);
        Some(Decoded { bytes, starts })
    }
}

fn hex_digit(c: Option<&u8>) -> Option<u8> {
    (*c? as char).to_digit(16).map(|d| d as u8)
}

fn hex_pair(text: &[u8], at: usize) -> Option<u8> {
    Some(hex_digit(text.get(at))? * 16 + hex_digit(text.get(at + 1))?)
}

/// The byte the escape at `text[i]` stands for, and its length; a byte that starts no
/// escape stands for itself.
fn unit(text: &[u8], i: usize) -> (u8, usize) {
    let c = text[i];
    let escaped = match c {
        // Percent-encoded twice (`%25` then the two hex digits), else once.
        b'%' => (text.get(i + 1..i + 3) == Some(b"25"))
            .then(|| hex_pair(text, i + 3))
            .flatten()
            .map(|b| (b, 5))
            .or_else(|| hex_pair(text, i + 1).map(|b| (b, 3))),
        b'\\' => match text.get(i + 1) {
            Some(&n @ (b'/' | b'\\' | b'"')) => Some((n, 2)),
            Some(b'u') if text.get(i + 2..i + 4) == Some(b"00") => {
                hex_pair(text, i + 4).map(|b| (b, 6))
            }
            _ => None,
        },
        b'&' => entity(&text[i..]),
        _ => None,
    };
    // Only ASCII stands in for a byte: a decoded byte above it is no character of its own.
    escaped.filter(|(b, _)| b.is_ascii()).unwrap_or((c, 1))
}

/// An XML entity or character reference at the start of `text`.
fn entity(text: &[u8]) -> Option<(u8, usize)> {
    let end = text.iter().take(10).position(|&x| x == b';')?;
    let name = &text[1..end];
    let number = |digits: &[u8], radix: u32| {
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| u32::from_str_radix(d, radix).ok())
            .and_then(|v| u8::try_from(v).ok())
    };
    let value = match name {
        b"amp" => Some(b'&'),
        b"lt" => Some(b'<'),
        b"gt" => Some(b'>'),
        b"quot" => Some(b'"'),
        b"apos" => Some(b'\''),
        [b'#', b'x' | b'X', digits @ ..] => number(digits, 16),
        [b'#', digits @ ..] => number(digits, 10),
        _ => None,
    };
    value.map(|v| (v, end + 1))
}

/// The secrets registered so far, and the scrubber built for them (rebuilt on the first
/// scrub after a registration).
#[derive(Default)]
struct Registry {
    secrets: Vec<String>,
    scrubber: Arc<Scrubber>,
    /// How many of `secrets` the scrubber holds.
    built: usize,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

/// Registers a secret for the rest of the run: from now on [`scrub`] removes it from every
/// text. Registering it again, or a secret too short to search for, does nothing.
pub fn register(secret: &str) {
    if secret.len() < MIN_SECRET {
        return;
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if !r.secrets.iter().any(|s| s == secret) {
        r.secrets.push(secret.to_string());
    }
}

/// The scrubber for every secret registered so far.
pub fn scrubber() -> Arc<Scrubber> {
    {
        let r = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        if r.built == r.secrets.len() {
            return r.scrubber.clone();
        }
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if r.built != r.secrets.len() {
        r.scrubber = Arc::new(Scrubber::new(r.secrets.iter().map(String::as_str)));
        r.built = r.secrets.len();
    }
    r.scrubber.clone()
}

/// `text` without any registered secret of any org, in any form ([`Scrubber::apply`]).
pub fn scrub(text: &str) -> Cow<'_, str> {
    let s = scrubber();
    match s.apply(text) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// Server text as an error may quote it: on one line, scrubbed, and at most `max_chars`
/// characters (then ` …`). Scrubbed before the cut, so that a cut cannot leave part of a
/// secret that no longer matches.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = scrub(&line);
    match clean.char_indices().nth(max_chars) {
        None => clean.into_owned(),
        Some((cut, _)) => format!("{} …", &clean[..cut]),
    }
}

#[cfg(test)]
mod tests;
