//! Input-derived text, made safe to show: the one place that decides which characters of
//! an org's metadata, a folder's file names or a report read back may reach a terminal
//! or a document, and how the others are shown.
//!
//! Every renderer passes input-derived text (names, labels, callback URLs, emails, paths,
//! problem reasons, notes, package names, namespaces, usernames) through [`visible`]
//! where it emits it, which first scrubs every registered secret out of it (before any
//! format escapes it: the one place a document's values meet the secret registry; the
//! output sink scrubs the finished text again, as a backstop); the table and the Markdown renderers pass their whole output
//! through [`visible_lines`] once more as a backstop. JSON and SARIF keep the exact text
//! and escape the same characters as `\uXXXX` ([`json_escape_invisible`]).

use std::borrow::Cow;
use std::sync::OnceLock;

/// Removes every secret the run knows from a text. The registry is filled where
/// credentials are read (the I/O crate's `secrets`), which installs its scrub here with
/// [`install_scrub`] when it registers the first secret; until then no secret is known.
pub type Scrub = for<'a> fn(&'a str) -> Cow<'a, str>;

static SCRUB: OnceLock<Scrub> = OnceLock::new();

/// Makes [`visible`] and [`visible_with_breaks`] scrub with `scrub`. The first call wins:
/// there is one registry for the run.
pub fn install_scrub(scrub: Scrub) {
    let _ = SCRUB.set(scrub);
}

/// `s` without any registered secret.
fn scrub(s: &str) -> Cow<'_, str> {
    match SCRUB.get() {
        Some(f) => f(s),
        None => Cow::Borrowed(s),
    }
}

/// What becomes of one character of input text.
enum Class {
    Keep,
    /// A line break or tab: one space, so input never starts a line of its own.
    Space,
    /// Invisible or terminal-controlling: shown as `\u{1b}`.
    Escape,
}

/// Bidirectional formatting characters: embeddings and overrides (U+202A–U+202E),
/// isolates (U+2066–U+2069), the marks LRM, RLM and ALM. They reorder what a reader sees
/// ("Trojan Source"), so they are shown, never applied.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn class(c: char) -> Class {
    match c {
        '\n' | '\r' | '\t' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => Class::Space,
        // C0 controls (ESC included), DEL and the C1 controls (CSI U+009B included).
        c if c.is_control() => Class::Escape,
        c if is_bidi_control(c) => Class::Escape,
        // Invisible characters that can make two different names look alike: zero width
        // space, word joiner and invisible operators, byte-order mark, interlinear
        // annotation, tag characters.
        '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}' => {
            Class::Escape
        }
        '\u{e0000}'..='\u{e007f}' => Class::Escape,
        _ => Class::Keep,
    }
}

fn needs_work(s: &str, keep_newlines: bool) -> bool {
    s.chars()
        .any(|c| !(matches!(class(c), Class::Keep) || keep_newlines && c == '\n'))
}

fn convert(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if keep_newlines && c == '\n' {
            out.push('\n');
            continue;
        }
        match class(c) {
            Class::Keep => out.push(c),
            Class::Space => {
                // CRLF is one line break, so one space.
                if c == '\r' && chars.peek() == Some(&'\n') && !keep_newlines {
                    chars.next();
                }
                out.push(' ');
            }
            Class::Escape => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out
}

/// Input text as it may be shown on one line: line breaks (CR, LF, CRLF, VT, FF, NEL,
/// U+2028, U+2029) and tabs become one space; other control characters (C0 with ESC,
/// DEL, C1), bidirectional controls and invisible format characters are replaced by
/// their code point written `\u{1b}`. Ordinary text is returned as it is, unallocated.
///
/// Every registered secret is scrubbed out first (the run's registry, through [`install_scrub`]), before any
/// format escapes the text: a Markdown escape (`\_`) or a character reference would
/// otherwise stop the output's own scrub partway through a token.
pub fn visible(s: &str) -> Cow<'_, str> {
    match scrub(s) {
        Cow::Borrowed(s) => printable(s),
        Cow::Owned(o) => Cow::Owned(printable(&o).into_owned()),
    }
}

/// [`visible`] for text already scrubbed.
fn printable(s: &str) -> Cow<'_, str> {
    if needs_work(s, false) {
        Cow::Owned(convert(s, false))
    } else {
        Cow::Borrowed(s)
    }
}

/// A name (a file name, a path, a component name) as it may be shown on one line: like
/// [`visible`], but a line break or tab is escaped too (`\n`, `\r`, `\t`, else `\u{b}`),
/// never turned into a space, so `Evil\nName` is not taken for `Evil Name`.
pub fn escaped(s: &str) -> Cow<'_, str> {
    if !needs_work(s, false) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match (c, class(c)) {
            (_, Class::Keep) => out.push(c),
            ('\n', _) => out.push_str("\\n"),
            ('\r', _) => out.push_str("\\r"),
            ('\t', _) => out.push_str("\\t"),
            (c, Class::Space | Class::Escape) => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// A patch (`fix --dry-run`) shown on a terminal: line feeds, tabs and the CR of a CRLF
/// line ending stay as they are (none of them moves the cursor anywhere a terminal could
/// be attacked from); every other control, bidirectional or invisible character, a lone
/// CR included, is written as its code point `\u{d}`. A patch for `git apply` is printed
/// exactly instead, when standard output is not a terminal.
pub fn visible_patch(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let line_end_cr = c == '\r' && chars.peek() == Some(&'\n');
        if matches!(c, '\n' | '\t') || line_end_cr || matches!(class(c), Class::Keep) {
            out.push(c);
        } else {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    out
}

/// A renderer's whole output: like [`visible`], but the line feeds the renderer wrote
/// stay (a carriage return or a tab does not). A backstop: input text was already made
/// [`visible`] where it was emitted.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    if needs_work(s, true) {
        Cow::Owned(convert(s, true))
    } else {
        Cow::Borrowed(s)
    }
}

/// Input text whose line breaks (CR, LF, CRLF) a renderer shows its own way, such as
/// `<br>` in a Markdown table cell: each line made [`visible`] and passed to `each`, the
/// lines joined with `br`.
pub fn visible_with_breaks(s: &str, br: &str, each: impl Fn(&str) -> String) -> String {
    // Scrubbed whole, before it is cut into lines: a secret split over two lines is found.
    let s = &*scrub(s);
    let mut out = String::with_capacity(s.len());
    let mut lines = s.split('\n').flat_map(|l| {
        // A lone CR breaks a line too; CRLF was already split at its LF.
        let l = l.strip_suffix('\r').unwrap_or(l);
        l.split('\r')
    });
    if let Some(first) = lines.next() {
        out.push_str(&each(&printable(first)));
    }
    for l in lines {
        out.push_str(br);
        out.push_str(&each(&printable(l)));
    }
    out
}

/// [`visible_lines`] for an owned output: no copy when nothing needs replacing.
pub fn backstop(s: String) -> String {
    match visible_lines(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(o) => o,
    }
}

/// JSON text (serde already escaped C0 controls, `"` and `\`) with DEL, the C1 controls,
/// line and paragraph separators, bidirectional controls and invisible format characters
/// escaped as `\uXXXX` too. The value is the same (a parser reads back the exact text);
/// only the bytes a terminal or a viewer would act on are gone. Such characters can only
/// occur inside JSON strings, where a `\u` escape is always valid.
pub fn json_escape_invisible(json: String) -> String {
    let hit = |c: char| c != '\n' && !matches!(class(c), Class::Keep);
    if !json.chars().any(hit) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if hit(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                use std::fmt::Write;
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A CommonMark code span holding `text` exactly: a fence one backtick longer than the
/// longest run of backticks inside, padded with a space when the text starts or ends
/// with a backtick or both starts and ends with a space (CommonMark strips one space on
/// each side of such a span).
pub fn code_span(text: &str) -> String {
    if text.is_empty() {
        return "` `".into();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let stripped = text.starts_with(' ') && text.ends_with(' ') && text.trim() != "";
    let pad = if text.starts_with('`') || text.ends_with('`') || stripped {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A name or path as one word of a POSIX shell command line: as it is when it holds only
/// characters no shell acts on (every API name, most usernames and paths), else in single
/// quotes (a `'` inside written `'\''`). Names come from the org, which may be hostile.
/// A word that begins with `=` (zsh expands `=ls` to a command's path), `~`, `#` or `-`
/// is quoted too.
///
/// A name holding a character [`visible`] would rewrite (a line break, a control or an
/// invisible character) is written `$'…'` with that character escaped (`\n`, `\x1b`,
/// `\u202e`), so the printed word survives [`visible`] and still names the real file.
/// `$'…'` is bash's, zsh's and ksh's; POSIX sh has it only since POSIX.1-2024, so an
/// older sh may lack it: such names are rare, and no plain quoting can show them.
pub fn shell_word(name: &str) -> std::borrow::Cow<'_, str> {
    if needs_work(name, false) {
        return ansi_c_word(name).into();
    }
    if !name.is_empty()
        && !name.starts_with(['=', '~', '#', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.@:/%+=,".contains(c))
    {
        return name.into();
    }
    format!("'{}'", name.replace('\'', "'\\''")).into()
}

/// `name` as one `$'…'` word: every character [`visible`] keeps as it is, `\` and `'`
/// escaped, the others as `\n`, `\t`, `\r`, `\xHH` (ASCII) or `\uHHHH`/`\UHHHHHHHH`.
fn ansi_c_word(name: &str) -> String {
    use std::fmt::Write;
    let mut out = String::from("$'");
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if matches!(class(c), Class::Keep) => out.push(c),
            c if c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_or_path_is_one_shell_word_whatever_it_holds() {
        assert_eq!(
            shell_word("manifest/pkce-step2-apps.xml"),
            "manifest/pkce-step2-apps.xml"
        );
        assert_eq!(shell_word("/tmp/my dir/m;x.xml"), "'/tmp/my dir/m;x.xml'");
        assert_eq!(shell_word("it's.xml"), r"'it'\''s.xml'");
        assert_eq!(shell_word("$(rm -rf ~).xml"), "'$(rm -rf ~).xml'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn a_control_character_is_escaped_so_the_word_survives_visible() {
        for (name, word) in [
            ("n\nl", r"$'n\nl'"),
            ("it's\tx", r"$'it\'s\tx'"),
            ("a\u{1b}[2J\\b", r"$'a\x1b[2J\\b'"),
            ("gpj\u{202e}.exe", r"$'gpj\u202e.exe'"),
        ] {
            assert_eq!(shell_word(name), word, "{name:?}");
            assert_eq!(visible(&shell_word(name)), word, "{name:?}");
            assert_eq!(escaped(&shell_word(name)), word, "{name:?}");
        }
    }

    #[test]
    fn a_word_a_shell_would_expand_at_its_start_is_quoted() {
        assert_eq!(shell_word("=ls"), "'=ls'");
        assert_eq!(shell_word("--org-setting"), "'--org-setting'");
        assert_eq!(shell_word("#x"), "'#x'");
        assert_eq!(shell_word("~root"), "'~root'");
        // Inside a word they are plain.
        assert_eq!(shell_word("a=b-c"), "a=b-c");
    }

    #[test]
    fn a_name_has_its_line_breaks_escaped_not_spaced() {
        assert_eq!(escaped("Plain_Name"), "Plain_Name");
        assert_eq!(escaped("Evil\nName"), "Evil\\nName");
        assert_eq!(
            escaped("a\r\tb\u{1b}c\u{2028}"),
            "a\\r\\tb\\u{1b}c\\u{2028}"
        );
        assert_ne!(escaped("Evil\nName"), escaped("Evil Name"));
    }

    #[test]
    fn ordinary_text_is_untouched_and_borrowed() {
        for s in [
            "",
            "My_App",
            "Portail — Crédit Agricole",
            "日本語 アプリ",
            "a\\b",
            "x|y",
        ] {
            assert!(matches!(visible(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn controls_and_bidi_are_shown_not_applied() {
        assert_eq!(visible("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(visible("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(visible("\u{7f}\u{0}\u{7}"), "\\u{7f}\\u{0}\\u{7}");
        assert_eq!(visible("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
        for c in [
            '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
        ] {
            let s = c.to_string();
            assert_eq!(visible(&s), format!("\\u{{{:x}}}", c as u32));
        }
        assert_eq!(visible("Ad\u{200b}min\u{feff}"), "Ad\\u{200b}min\\u{feff}");
        assert_eq!(visible("x\u{e0041}"), "x\\u{e0041}");
        // Joiners that scripts need stay.
        assert_eq!(visible("می\u{200c}خواهم"), "می\u{200c}خواهم");
    }

    #[test]
    fn line_breaks_and_tabs_become_one_space() {
        assert_eq!(visible("a\r\nb\nc\rd\te"), "a b c d e");
        assert_eq!(
            visible("a\u{2028}b\u{2029}c\u{85}d\u{b}e\u{c}f"),
            "a b c d e f"
        );
        assert_eq!(visible("x\n# Pwned"), "x # Pwned");
    }

    #[test]
    fn whole_outputs_keep_their_line_feeds_only() {
        assert_eq!(visible_lines("a\nb\u{1b}c\r\nd\te"), "a\nb\\u{1b}c \nd e");
        assert!(matches!(visible_lines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_keep_the_value() {
        let v = serde_json::json!({"s": "a\u{1b}b\u{9b}c\u{202e}d\u{2028}e\u{e0041}f\ng"});
        let text = json_escape_invisible(serde_json::to_string_pretty(&v).unwrap());
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains("\\u001b") && text.contains("\\u009b") && text.contains("\\u202e"));
        assert!(text.contains("\\udb40\\udc41"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        let plain = "{\n  \"a\": \"é\"\n}".to_string();
        assert_eq!(json_escape_invisible(plain.clone()), plain);
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("My_App"), "`My_App`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x``"), "``` `x`` ```");
        assert_eq!(code_span(""), "` `");
        assert_eq!(code_span(" a "), "`  a  `");
    }
}
