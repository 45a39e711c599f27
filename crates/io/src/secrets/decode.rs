//! How the scrubber reads a text a server may have escaped: each escape (percent,
//! backslash, JSON, XML or HTML reference or entity, up to [`LAYERS`] deep) decoded to the
//! byte it stands for, separators taken out, and every decoded byte mapped back to where it
//! starts in the text, so a match in the decoded bytes masks the right text.

/// The length of the separator a server may put inside an echoed token at `text[i]`: a
/// line break (LF, CR, CRLF), a tab, a no-break space, or a zero-width space, joiner or
/// byte-order mark. The scrubber reads through them, and keeps them in its output.
pub(super) fn separator(text: &[u8], i: usize) -> Option<usize> {
    match &text[i..] {
        [b'\r', b'\n', ..] => Some(2),
        [b'\n' | b'\r' | b'\t', ..] => Some(1),
        [0xC2, 0xA0, ..] => Some(2),
        [0xE2, 0x80, 0x8B..=0x8D, ..] | [0xE2, 0x81, 0xA0, ..] | [0xEF, 0xBB, 0xBF, ..] => Some(3),
        _ => None,
    }
}

/// Whether a character an escape stands for is a [`separator`] that is not ASCII.
pub(super) fn wide_separator(c: u32) -> bool {
    matches!(c, 0xA0 | 0x200B..=0x200D | 0x2060 | 0xFEFF)
}

/// A text with its escapes decoded and its line breaks taken out, each decoded byte
/// knowing where it starts in the text.
pub(super) struct Decoded {
    pub(super) bytes: Vec<u8>,
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
    pub(super) fn of(text: &[u8]) -> Option<Decoded> {
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
    pub(super) fn start(&self, i: usize) -> usize {
        let at = self.marks.partition_point(|&(d, _)| d as usize <= i);
        match at.checked_sub(1).map(|m| self.marks[m]) {
            Some((d, t)) => t as usize + (i - d as usize),
            None => i,
        }
    }
}

pub(super) fn hex_digit(c: Option<&u8>) -> Option<u8> {
    (*c? as char).to_digit(16).map(|d| d as u8)
}

pub(super) fn hex_pair(text: &[u8], at: usize) -> Option<u8> {
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
pub(super) fn unit(text: &[u8], i: usize) -> (Option<u8>, usize) {
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
