//! One registry of every secret the run knows, and the one scrubber every output goes
//! through (issue 18 §3).
//!
//! A secret is registered once, where it is read or obtained, and only once it is known to
//! be well formed ([`looks_like_secret`]): an access token that passed the credential check
//! (from a file, standard input, the environment, `sf`, or a refresh exchange), the refresh
//! token and client secret of an auth URL, and the consumer secrets an org returns in
//! metadata records or a folder's files hold ([`register_record_secret`], through
//! `metadata::strip_secrets`). A value a server hands out that does not
//! look like a secret (a space, a quote, a `:`, a `{`, too short) is never registered: it
//! would let that server decide what is erased from every org's output, or break a JSON,
//! CSV or XML output by replacing its structure. Client ids and instance URLs are not
//! secrets: reports show them. [`scrub`] then removes **every** registered secret, of every
//! org, from a text about to leave the process: the report in every format, errors, notes,
//! warnings, the `--verbose` log, `--out-dir` files, snapshots.
//!
//! A server can echo what it was sent in many forms, so each secret is searched for:
//! - raw, in any letter case;
//! - through escapes, each byte written as itself, percent-encoded (`%21`, `%2f`, and
//!   percent-encoded again, `%2521`, `%252521`), backslash-escaped (`\_`, `\/`, as
//!   Markdown and JSON write punctuation), JSON-escaped (`\u0021`), or as an XML or HTML
//!   character reference or entity (`&#33;`, `&#x0000021;`, `&excl;`, `&period;`), also
//!   escaped again (`&amp;excl;`, as XML writes a value holding `&excl;`);
//! - as hex, either case, at either nibble alignment;
//! - as base64 and base64url, with or without padding, starting at any of the three
//!   offsets of a base64 group (the secret may sit inside a larger encoded value, such as
//!   `Bearer <token>` or `user:token`): the characters that depend on the secret alone are
//!   searched for, and one character either side that mixes its first or last bits with
//!   its neighbours goes with them;
//! - across line breaks: an LF, CR or CRLF, JSON's `\n` and `\r`, Markdown's hard break
//!   (`\` before a line break), and any escape of byte 10 or 13 (`&#13;`, `&#xA;`) inside
//!   a run (hex wrapped at 60 columns, base64 wrapped at 76, a token split over two lines)
//!   are read as if they were not there, and so are tabs, no-break and zero-width spaces
//!   (`separator`). Raw ones are kept in the output (`***` either side);
//! - through escapes of escapes: one that decodes to `%`, `&` or `\` is read again with
//!   the text after it (`&#37;41`, `\u0025` `41`), up to 4 times.
//!
//! **Any** long enough piece of a form counts as the secret, wherever it starts: a body cut
//! short at either end still gives most of it away. That is [`WINDOW`] bytes of the secret
//! (or all of it, when shorter), and as many characters of an encoded form as encode them.
//! A Salesforce access token is `<org id>!<secret part>`: the org id is not a secret
//! (reports show it), so a piece counts only when it holds at least one byte after the `!`.
//! A piece shorter than that, standing alone, is not found. A match made of pieces (not the
//! whole form) counts only when it holds an ASCII digit, so a secret a server chose cannot
//! erase a word (an app name, a verdict, a JSON key); random tokens are dense in digits. A
//! consumer secret found in a record is searched for whole, never by pieces: a server
//! chose it.
//!
//! Every form is computed once, when a secret is registered; the search looks for short
//! pieces of each form at a regular stride (any long enough piece holds one of them), all
//! at once with a multi-pattern (Aho-Corasick) search, then widens each hit over the form
//! both ways while the text agrees with it. The cost is linear in the text, whatever the
//! number of orgs. A run without secrets (a folder audit) pays nothing.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

mod decode;
use decode::{separator, Decoded};

/// A piece this long, in bytes of the secret, gives a secret away (or the whole secret,
/// when shorter).
pub const WINDOW: usize = 12;
/// Credentials shorter than this are not registered: they would match ordinary text.
pub const MIN_SECRET: usize = 8;
/// A value found in a metadata record is registered from this length on.
pub const MIN_RECORD_SECRET: usize = 16;
/// Characters of server text an error quotes at most.
pub const EXCERPT_CHARS: usize = 200;

/// Characters no secret holds: the structure of JSON, XML, CSV and Markdown outputs. A
/// secret holding none of them cannot make a replacement cut through an output's
/// structure.
pub const STRUCTURAL: &[u8] = b"\"'`,:;{}[]<>&\\|";

/// Whether `value` looks like a secret: at least `min_len` bytes of printable ASCII, with
/// no space and none of the [`STRUCTURAL`] characters.
pub fn looks_like_secret(value: &str, min_len: usize) -> bool {
    value.len() >= min_len
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !STRUCTURAL.contains(&b))
}

/// How a secret is searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A credential this tool holds or sends: any [`WINDOW`]-byte piece of it counts.
    Credential,
    /// A value an org returned in a record: found whole only, since a server chose it.
    Record,
}

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
/// secret's first bits with what precedes it, and, when it reaches the form's end, over
/// the character after it that holds the secret's last bits, and over padding.
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
    /// How many characters in a row of the form give the secret away.
    need: usize,
    /// The leading characters that hold only public bits (an org id and its `!`): a
    /// match must reach past them.
    public: usize,
    edges: Option<Edges>,
}

impl Form {
    /// The run of this form through `hay` that holds the piece `len` bytes long found at
    /// `at`, the piece being the form's bytes from `offset`: widened both ways while the
    /// text agrees with the form. `(start, end)` in `hay`, and whether the run gives the
    /// secret away (then with its edges).
    fn run(&self, hay: &[u8], at: usize, offset: usize, len: usize) -> ((usize, usize), bool) {
        let (mut a, mut fa) = (at, offset);
        while fa > 0 && a > 0 && hay[a - 1].eq_ignore_ascii_case(&self.bytes[fa - 1]) {
            a -= 1;
            fa -= 1;
        }
        let (mut b, mut fb) = (at + len, offset + len);
        while fb < self.bytes.len() && b < hay.len() && hay[b].eq_ignore_ascii_case(&self.bytes[fb])
        {
            b += 1;
            fb += 1;
        }
        if fb - fa < self.need || fb <= self.public {
            return ((a, b), false);
        }
        // A piece, not the whole form, counts only when it holds a digit: a chosen secret
        // cannot censor a word (an app name, a verdict, a JSON key), while a random
        // token's pieces are dense in digits.
        let whole = fa == 0 && fb == self.bytes.len();
        if !whole && !hay[a..b].iter().any(u8::is_ascii_digit) {
            return ((a, b), false);
        }
        if let Some(e) = self.edges {
            if fa == 0 && e.before && a > 0 && e.alphabet.has(hay[a - 1]) {
                a -= 1;
            }
            if fb == self.bytes.len() {
                if e.after && b < hay.len() && e.alphabet.has(hay[b]) {
                    b += 1;
                }
                let mut pads = 0;
                while pads < 2 && b < hay.len() && hay[b] == b'=' {
                    b += 1;
                    pads += 1;
                }
            }
        }
        ((a, b), true)
    }

    /// Where the pieces searched for start, and how long they are: every piece of `need`
    /// characters of the form holds one of them.
    fn pieces(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let len = self.bytes.len();
        let piece = (2 * self.need).div_ceil(3).clamp(1, len);
        let stride = self.need + 1 - piece;
        let last = len - piece;
        (0..=last)
            .step_by(stride.max(1))
            .chain((!last.is_multiple_of(stride.max(1))).then_some(last))
            .map(move |s| (s, piece))
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

/// Every form of `secret`, whose first `public` bytes are public, of which `need` bytes in
/// a row give it away.
fn forms_of(secret: &[u8], public: usize, need: usize, out: &mut Vec<Form>) {
    let n = secret.len();
    let need = need.clamp(1, n);
    out.push(Form {
        bytes: secret.to_vec(),
        need,
        public,
        edges: None,
    });
    out.push(Form {
        bytes: hex(secret),
        need: 2 * need,
        public: 2 * public,
        edges: None,
    });
    for offset in 0..3usize {
        // The characters whose six bits all come from `secret`, when it starts `offset`
        // bytes into a group: from the first that starts at or after its first bit, to
        // the last that ends at or before its last.
        let skip = (8 * offset).div_ceil(6);
        let keep = 8 * (offset + n) / 6;
        if keep <= skip {
            continue;
        }
        // Where the first kept character starts, in bits of `secret`.
        let first_bit = 6 * skip - 8 * offset;
        let chars = |bytes: usize| (8 * bytes).saturating_sub(first_bit).div_ceil(6);
        let public_chars = (8 * public).saturating_sub(first_bit) / 6;
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(secret);
        for alphabet in [Alphabet::Standard, Alphabet::UrlSafe] {
            let encoded = alphabet.encode(&padded);
            let core = encoded.as_bytes()[skip..keep].to_vec();
            out.push(Form {
                need: chars(need).clamp(1, core.len()),
                public: public_chars.min(core.len()),
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
    /// The search for the pieces of every form; `None` without secrets.
    search: Option<AhoCorasick>,
    /// For each pattern of `search`, the forms holding it and where.
    by_pattern: Vec<Vec<(usize, usize)>>,
}

impl Scrubber {
    /// A scrubber for credentials ([`Kind::Credential`]).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Scrubber {
        Scrubber::of(secrets.into_iter().map(|s| (s, Kind::Credential)))
    }

    /// A scrubber for secrets of either kind; one that does not look like a secret
    /// ([`looks_like_secret`]) is left out.
    pub fn of<'a>(secrets: impl IntoIterator<Item = (&'a str, Kind)>) -> Scrubber {
        let mut forms = Vec::new();
        for (s, kind) in secrets {
            if !acceptable(s, kind) {
                continue;
            }
            let public = session_parts(s).map_or(0, |(org, _)| org.len() + 1);
            let need = match kind {
                Kind::Credential => WINDOW,
                Kind::Record => s.len(),
            };
            forms_of(s.as_bytes(), public, need, &mut forms);
        }
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut by_pattern: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        for (i, f) in forms.iter().enumerate() {
            for (start, len) in f.pieces() {
                let key = f.bytes[start..start + len].to_ascii_lowercase();
                let at = *index.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    by_pattern.push(Vec::new());
                    patterns.len() - 1
                });
                by_pattern[at].push((i, start));
            }
        }
        let search = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("short patterns build")
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

    /// `text` with every secret, whole or a long enough piece of it, in any form,
    /// replaced by `***` (line breaks inside a replaced run are kept). Borrowed when
    /// nothing was found.
    pub fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(search) = &self.search else {
            return Cow::Borrowed(text);
        };
        let raw = text.as_bytes();
        let decoded = Decoded::of(raw);
        let hay: &[u8] = decoded.as_ref().map_or(raw, |d| &d.bytes);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        // Per form, the last run followed: a hit inside it, at the same alignment, would
        // follow it again.
        let mut followed: HashMap<usize, (isize, usize)> = HashMap::new();
        for m in search.find_overlapping_iter(hay) {
            for &(f, offset) in &self.by_pattern[m.pattern().as_usize()] {
                let align = m.start() as isize - offset as isize;
                if followed
                    .get(&f)
                    .is_some_and(|&(a, end)| a == align && m.start() < end)
                {
                    continue;
                }
                let (span, found) = self.forms[f].run(hay, m.start(), offset, m.len());
                followed.insert(f, (align, span.1));
                if found {
                    spans.push(span);
                }
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let original = |i: usize| decoded.as_ref().map_or(i, |d| d.start(i));
        let mut out = Vec::with_capacity(raw.len());
        let mut copied = 0;
        let mut pending: Option<(usize, usize)> = None;
        let mut flush = |(from, to): (usize, usize), out: &mut Vec<u8>| {
            let (from, to) = (original(from), original(to));
            out.extend_from_slice(&raw[copied..from]);
            masked(&raw[from..to], out);
            copied = to;
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
        Cow::Owned(match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }
}

/// A replaced run as written: `***` for each of its lines, its line breaks kept, so a
/// replacement never joins two lines of an output (two rows of a CSV).
fn masked(run: &[u8], out: &mut Vec<u8>) {
    let mut rest = run;
    loop {
        let found = (0..rest.len()).find_map(|i| separator(rest, i).map(|n| (i, n)));
        let (line, brk) = match found {
            Some((i, n)) => (&rest[..i], &rest[i..i + n]),
            None => (rest, &rest[rest.len()..]),
        };
        if !line.is_empty() {
            out.extend_from_slice(b"***");
        }
        out.extend_from_slice(brk);
        if brk.is_empty() {
            return;
        }
        rest = &rest[line.len() + brk.len()..];
    }
}

/// The secrets registered so far, and the scrubber built for them (rebuilt on the first
/// scrub after a registration).
#[derive(Default)]
struct Registry {
    secrets: Vec<(String, Kind)>,
    scrubber: Arc<Scrubber>,
    /// How many of `secrets` the scrubber holds.
    built: usize,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

/// Whether a secret of `kind` is registered: it looks like a secret, and a record's value
/// (which a server chose) also holds a digit and a letter, as a random secret does.
fn acceptable(secret: &str, kind: Kind) -> bool {
    match kind {
        Kind::Credential => looks_like_secret(secret, MIN_SECRET),
        Kind::Record => {
            looks_like_secret(secret, MIN_RECORD_SECRET)
                && secret.bytes().any(|b| b.is_ascii_digit())
                && secret.bytes().any(|b| b.is_ascii_alphabetic())
        }
    }
}

fn add(secret: &str, kind: Kind) -> bool {
    if !acceptable(secret, kind) {
        return false;
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if !r.secrets.iter().any(|(s, _)| s == secret) {
        r.secrets.push((secret.to_string(), kind));
    }
    true
}

/// A credential. Printing it in any way shows `***`; [`Secret::expose`] is the only way
/// to the value, used where it goes on the wire.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret, registered for the rest of the run: every output is scrubbed of it
    /// from now on.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register(&value);
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Three base64url segments separated by dots, the first a JSON header (`eyJ` is
    /// base64 for `{"`). SOAP rejects these JWT-based access tokens.
    pub fn looks_like_jwt(&self) -> bool {
        let parts: Vec<&str> = self.0.split('.').collect();
        parts.len() == 3
            && self.0.starts_with("eyJ")
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
            })
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Registers a credential for the rest of the run: from now on [`scrub`] removes it, and
/// any [`WINDOW`]-byte piece of it, from every text. Only a value that looks like a secret
/// ([`looks_like_secret`], at least [`MIN_SECRET`] bytes) is registered: callers check a
/// credential first (`credentials::malformed`), so this refuses only what they let through
/// by mistake. Whether it was registered (or already was).
pub fn register(secret: &str) -> bool {
    install();
    add(secret, Kind::Credential)
}

/// Registers a value an org returned in a secret field of a record (a consumer secret),
/// to be found whole in every text. Only a value of at least [`MIN_RECORD_SECRET`] bytes
/// that looks like a secret and holds a digit and a letter is registered: a server must not choose words to erase from
/// other orgs' reports, nor make a replacement cut through an output's structure.
pub fn register_record_secret(value: &str) -> bool {
    install();
    add(value, Kind::Record)
}

/// Makes the model's display-safe text ([`pkce_audit_model::text::visible`]) scrub with
/// this registry, so a document's values are scrubbed before any format escapes them.
fn install() {
    pkce_audit_model::text::install_scrub(scrub);
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
        r.scrubber = Arc::new(Scrubber::of(
            r.secrets.iter().map(|(s, k)| (s.as_str(), *k)),
        ));
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

/// Server text as an error may quote it: scrubbed, on one line, and at most `max_chars`
/// characters (then ` …`). Scrubbed before its lines are joined (a secret split over two
/// lines is still found) and before the cut (a cut cannot leave part of a secret that no
/// longer matches). Every text from outside (a server's body, `sf`'s message) that an
/// error quotes goes through here.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let scrubbed = scrub(text);
    let clean = scrubbed.split_whitespace().collect::<Vec<_>>().join(" ");
    match clean.char_indices().nth(max_chars) {
        None => clean,
        Some((cut, _)) => format!("{} …", &clean[..cut]),
    }
}

#[cfg(test)]
mod tests;
