//! One registry of every secret the run knows, and the one scrubber every output goes
//! through (issue 18 §3).
//!
//! A secret is registered once, where it is read or obtained, and only once it is known to
//! be well formed ([`looks_like_secret`]): an access token that passed the credential check
//! (from a file, standard input, the environment, `sf`, or a refresh exchange), the refresh
//! token and client secret of an auth URL, and the consumer secrets an org returns in
//! metadata records ([`register_record_secret`]). A value a server hands out that does not
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

/// The length of the separator a server may put inside an echoed token at `text[i]`: a
/// line break (LF, CR, CRLF), a tab, a no-break space, or a zero-width space, joiner or
/// byte-order mark. The scrubber reads through them, and keeps them in its output.
fn separator(text: &[u8], i: usize) -> Option<usize> {
    match &text[i..] {
        [b'\r', b'\n', ..] => Some(2),
        [b'\n' | b'\r' | b'\t', ..] => Some(1),
        [0xC2, 0xA0, ..] => Some(2),
        [0xE2, 0x80, 0x8B..=0x8D, ..] | [0xE2, 0x81, 0xA0, ..] | [0xEF, 0xBB, 0xBF, ..] => Some(3),
        _ => None,
    }
}

/// Whether a character an escape stands for is a [`separator`] that is not ASCII.
fn wide_separator(c: u32) -> bool {
    matches!(c, 0xA0 | 0x200B..=0x200D | 0x2060 | 0xFEFF)
}

/// A text with its escapes decoded and its line breaks taken out, each decoded byte
/// knowing where it starts in the text.
struct Decoded {
    bytes: Vec<u8>,
    /// Where the text and the decoded bytes stop going in step: `(decoded, text)` at each
    /// escape, after it, and after each line break taken out. Between two marks, a decoded
    /// byte is the text's byte at the same distance from the mark.
    marks: Vec<(u32, u32)>,
}

/// The bytes that may start an escape or a line break.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'%' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'&' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\t' as usize] = true;
    // The lead bytes of the separators that are not ASCII.
    t[0xC2] = true;
    t[0xE2] = true;
    t[0xEF] = true;
    t
};

impl Decoded {
    /// `None` when the text holds no escape and no line break (nothing to decode), or is
    /// too large to map.
    fn of(text: &[u8]) -> Option<Decoded> {
        if !text.iter().any(|&b| SPECIAL[b as usize]) || text.len() >= u32::MAX as usize {
            return None;
        }
        let mut bytes = Vec::with_capacity(text.len());
        let mut marks = Vec::new();
        let mut i = 0;
        while i < text.len() {
            // Ordinary bytes in bulk.
            let plain = text[i..]
                .iter()
                .position(|&b| SPECIAL[b as usize])
                .unwrap_or(text.len() - i);
            bytes.extend_from_slice(&text[i..i + plain]);
            i += plain;
            if i == text.len() {
                break;
            }
            let (b, len) = unit(text, i);
            match b {
                Some(b) if len == 1 => bytes.push(b),
                Some(b) => {
                    marks.push((bytes.len() as u32, i as u32));
                    bytes.push(b);
                    marks.push((bytes.len() as u32, (i + len) as u32));
                }
                None => marks.push((bytes.len() as u32, (i + len) as u32)),
            }
            i += len;
        }
        Some(Decoded { bytes, marks })
    }

    /// Where decoded byte `i` (or the end, `i` = the number of bytes) starts in the text.
    fn start(&self, i: usize) -> usize {
        let at = self.marks.partition_point(|&(d, _)| d as usize <= i);
        match at.checked_sub(1).map(|m| self.marks[m]) {
            Some((d, t)) => t as usize + (i - d as usize),
            None => i,
        }
    }
}

fn hex_digit(c: Option<&u8>) -> Option<u8> {
    (*c? as char).to_digit(16).map(|d| d as u8)
}

fn hex_pair(text: &[u8], at: usize) -> Option<u8> {
    Some(hex_digit(text.get(at))? * 16 + hex_digit(text.get(at + 1))?)
}

/// How many times an escape is read again when it decodes to an escape introducer
/// (`&#37;41`, `\u0025` `41`, `&amp;#37;30`): any composition of up to this many layers of
/// the supported escapes is read.
const LAYERS: usize = 4;

/// Bytes of the text after an escape that a further layer may read.
const LAYER_LOOKAHEAD: usize = 96;

/// The byte the escape at `text[i]` stands for (`None`: a line break, read as nothing),
/// and its length; a byte that starts no escape stands for itself. An escape that decodes
/// to `%`, `&` or `\\` is read again with the text after it, up to [`LAYERS`] times.
fn unit(text: &[u8], i: usize) -> (Option<u8>, usize) {
    let (mut b, mut len) = unit_once(text, i);
    let mut buf = Vec::new();
    for _ in 0..LAYERS {
        let Some(c) = b.filter(|c| len > 1 && matches!(c, b'%' | b'&' | b'\\')) else {
            break;
        };
        buf.clear();
        buf.push(c);
        let rest = &text[i + len..];
        buf.extend_from_slice(&rest[..rest.len().min(LAYER_LOOKAHEAD)]);
        let (again, again_len) = unit_once(&buf, 0);
        if again_len == 1 {
            break;
        }
        (b, len) = (again, len + again_len - 1);
    }
    (b, len)
}

/// One layer of [`unit`]. A line break (LF, CR, CRLF, Markdown's hard break `\\` before
/// one, JSON's `\\n` and `\\r`, or any escape of byte 10 or 13) is read as nothing.
fn unit_once(text: &[u8], i: usize) -> (Option<u8>, usize) {
    if let Some(n) = separator(text, i) {
        return (None, n);
    }
    let c = text[i];
    let escaped = match c {
        // Markdown's hard line break.
        b'\\' if text.get(i + 1..i + 3) == Some(b"\r\n") => return (None, 3),
        b'\\' if matches!(text.get(i + 1), Some(b'\n' | b'\r')) => return (None, 2),
        // Percent-encoded once, or again and again (`%25` then `%25`… then the two hex
        // digits): the deepest reading that ends in a hex pair.
        b'%' => {
            let twice = text[i + 1..]
                .chunks_exact(2)
                .take_while(|p| *p == b"25")
                .count();
            (0..=twice)
                .rev()
                .find_map(|k| hex_pair(text, i + 1 + 2 * k).map(|b| (b, 3 + 2 * k)))
        }
        // Markdown's backslash before punctuation, itself escaped by JSON (`\\_`), and
        // again: every backslash of the run goes with the punctuation after it.
        b'\\' if text.get(i + 1) == Some(&b'\\') => {
            let run = text[i..].iter().take_while(|&&b| b == b'\\').count();
            match text.get(i + run) {
                Some(&n) if n.is_ascii_punctuation() => Some((n, run + 1)),
                _ => Some((b'\\', 2)),
            }
        }
        b'\\' => match text.get(i + 1) {
            // A JSON-escaped line break or tab is a separator.
            Some(b'n' | b'r' | b't') => return (None, 2),
            // Markdown and JSON put a backslash before punctuation.
            Some(&n) if n.is_ascii_punctuation() => Some((n, 2)),
            Some(b'u') => (|| {
                let hi = hex_pair(text, i + 2)?;
                let lo = hex_pair(text, i + 4)?;
                if wide_separator(u32::from(hi) << 8 | u32::from(lo)) {
                    return Some((b'\t', 6));
                }
                (hi == 0).then_some((lo, 6))
            })(),
            _ => None,
        },
        b'&' => entity(&text[i..]),
        _ => None,
    };
    // Only ASCII stands in for a byte: a decoded byte above it is no character of its own.
    let (b, len) = escaped.filter(|(b, _)| b.is_ascii()).unwrap_or((c, 1));
    // An escaped separator (`&#10;`, `&#xD;`, `\u000a`, `&nbsp;`, `&#x200B;`) is a
    // separator.
    if len > 1 && matches!(b, b'\n' | b'\r' | b'\t') {
        return (None, len);
    }
    (Some(b), len)
}

/// An XML or HTML character reference (any number of digits) or a named entity for ASCII
/// punctuation at the start of `text`, also escaped again and again (`&amp;excl;`: XML
/// written of a value that held `&excl;`): the deepest reading that is a reference.
fn entity(text: &[u8]) -> Option<(u8, usize)> {
    // `&`, then `amp;` once for each time the `&` was escaped again.
    let again = text[1..].chunks(4).take_while(|c| *c == b"amp;").count();
    (0..=again).rev().find_map(|k| {
        let skipped = 4 * k;
        reference(&text[skipped..]).map(|(b, len)| (b, skipped + len))
    })
}

/// One reference at the start of `text`, after its `&` (`text[0]`, which is not read).
fn reference(text: &[u8]) -> Option<(u8, usize)> {
    if text.get(1) == Some(&b'#') {
        let hexadecimal = matches!(text.get(2), Some(b'x' | b'X'));
        let from = if hexadecimal { 3 } else { 2 };
        let radix = if hexadecimal { 16 } else { 10 };
        let digits = text[from..]
            .iter()
            .take_while(|d| (**d as char).is_digit(radix))
            .count();
        let end = from + digits;
        if digits == 0 || text.get(end) != Some(&b';') {
            return None;
        }
        let value = text[from..end].iter().fold(0u32, |v, d| {
            v.saturating_mul(radix)
                .saturating_add((*d as char).to_digit(radix).unwrap_or(0))
        });
        // A separator that is not ASCII reads as a tab: a separator all the same.
        if wide_separator(value) {
            return Some((b'\t', end + 1));
        }
        return u8::try_from(value).ok().map(|v| (v, end + 1));
    }
    let name_len = text[1..]
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let end = 1 + name_len;
    if name_len == 0 || text.get(end) != Some(&b';') {
        return None;
    }
    named(&text[1..end]).map(|v| (v, end + 1))
}

/// The HTML5 named character references of ASCII punctuation (and XML's five), and of
/// the separators [`separator`] reads through.
fn named(name: &[u8]) -> Option<u8> {
    Some(match name {
        b"excl" => b'!',
        b"quot" | b"QUOT" => b'"',
        b"num" => b'#',
        b"dollar" => b'$',
        b"percnt" => b'%',
        b"amp" | b"AMP" => b'&',
        b"apos" => b'\'',
        b"lpar" => b'(',
        b"rpar" => b')',
        b"ast" | b"midast" => b'*',
        b"plus" => b'+',
        b"comma" => b',',
        b"period" => b'.',
        b"sol" => b'/',
        b"colon" => b':',
        b"semi" => b';',
        b"lt" | b"LT" => b'<',
        b"equals" => b'=',
        b"gt" | b"GT" => b'>',
        b"quest" => b'?',
        b"commat" => b'@',
        b"lsqb" | b"lbrack" => b'[',
        b"bsol" => b'\\',
        b"rsqb" | b"rbrack" => b']',
        b"Hat" => b'^',
        b"lowbar" | b"UnderBar" => b'_',
        b"grave" | b"DiacriticalGrave" => b'`',
        b"lcub" | b"lbrace" => b'{',
        b"verbar" | b"vert" | b"VerticalLine" => b'|',
        b"rcub" | b"rbrace" => b'}',
        // Separators ([`separator`]), read as a tab.
        b"nbsp" | b"NonBreakingSpace" | b"ZeroWidthSpace" | b"Tab" => b'\t',
        _ => return None,
    })
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
