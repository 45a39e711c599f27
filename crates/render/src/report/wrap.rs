//! Fitting text to a width: words in lines, by display width (a wide character counts
//! twice), cutting only a word wider than a whole line.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps every line that is not part of a table to `width` columns, with a hanging
/// indent, so prose (verdict, notes, summaries) fits like the tables do.
pub fn wrap_prose(text: &str, width: usize) -> String {
    wrap_lines(text, width, |indent, _| indent + 2)
}

/// Wraps text of paragraphs and `- ` list items to `width` columns: a paragraph's lines
/// start where its first did, an item's under its text.
pub fn wrap_paragraphs(text: &str, width: usize) -> String {
    wrap_lines(text, width, |indent, line| {
        indent
            + if line[indent..].starts_with("- ") {
                2
            } else {
                0
            }
    })
}

/// Wraps every line that is not part of a table; `hang(indent, line)` is where the
/// continuation lines of a line indented by `indent` start.
fn wrap_lines(text: &str, width: usize, hang: impl Fn(usize, &str) -> usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let is_table = line.starts_with(['┌', '│', '╞', '├', '└', '╘', '╒']);
        // A command to copy (`  $ sf project deploy …`) is never broken: pasted, a broken
        // line would run as two commands.
        let is_command = line.trim_start().starts_with("$ ");
        if is_table || is_command || line.width() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        wrap_hanging(&mut out, line, width, hang(indent, line));
    }
    out
}

/// Writes `line` to `out` in lines of at most `width` columns: the first keeps the line's
/// own indent, the others start `hang` columns in.
pub fn wrap_hanging(out: &mut String, line: &str, width: usize, hang: usize) {
    let indent = line.len() - line.trim_start().len();
    let hang = " ".repeat(hang);
    let lines = wrap_words(
        line,
        width - indent.min(width),
        width - hang.len().min(width),
    );
    for (i, l) in lines.iter().enumerate() {
        out.push_str(if i == 0 { &line[..indent] } else { &hang });
        out.push_str(l);
        out.push('\n');
    }
}

/// The words of `text` in lines: the first at most `first` columns wide, the others at
/// most `rest` (display width, so wide characters count twice). A word wider than a whole
/// line breaks after a `/` (a long file path or URL), else after a `.`, `&` or `?` (a file
/// name, a query), else after a `-` (a long URL slug); a word without any (an API or type
/// name) stays whole on a line of its own: a name is worth more unbroken, and no name
/// Salesforce gives is wider than the narrowest width we lay out for.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut limit = first;
    let room = rest.max(MIN_ROOM);
    for word in text
        .split_whitespace()
        .flat_map(|w| split_long_word(w, room))
    {
        if !current.is_empty() && current.width() + 1 + word.width() > limit {
            lines.push(std::mem::take(&mut current));
            limit = rest;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// No word is cut to fit fewer columns than this.
const MIN_ROOM: usize = 8;

/// The widest piece of `text` that [`wrap_words`] keeps whole in a line at least this wide:
/// a word, or for a word with a `/` (a path, a URL) its widest run up to and including a
/// `/` (the other places a word may break are not counted on).
pub fn unbreakable_width(text: &str) -> usize {
    text.split_whitespace()
        .map(|word| {
            if word.width() <= MIN_ROOM {
                return word.width();
            }
            word.split_inclusive('/')
                .map(UnicodeWidthStr::width)
                .max()
                .unwrap_or(0)
                .max(MIN_ROOM)
        })
        .max()
        .unwrap_or(0)
}

/// A word wider than `room` in pieces, each cut after a `/` (or a `.`, `&`, `?`, or a `-`),
/// that fit where they can.
fn split_long_word(word: &str, room: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = word;
    while rest.width() > room {
        // The last `/` within reach; else the last `.`, `&` or `?`; else the last `-`; else
        // the first `/` at all; else the word stays whole.
        let mut reach = 0;
        let mut w = 0;
        for (i, c) in rest.char_indices() {
            w += c.width().unwrap_or(0);
            if w > room {
                break;
            }
            reach = i + c.len_utf8();
        }
        let within = &rest[..reach];
        let cut = match within
            .rfind('/')
            .or_else(|| within.rfind(['.', '&', '?']))
            .or_else(|| within.rfind('-'))
            .or_else(|| rest.find('/'))
        {
            Some(slash) if slash + 1 < rest.len() => slash + 1,
            _ => break,
        };
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod long_word_tests {
    use super::*;

    #[test]
    fn long_paths_break_after_a_slash_and_names_stay_whole() {
        let path =
            "force-app/main/default/connectedApps/Old_Decommissioned_App.connectedApp-meta.xml";
        let text = format!("Not read:\n  - {path}\n");
        for width in [60, 80] {
            let wrapped = wrap_prose(&text, width);
            assert!(
                wrapped.lines().all(|l| l.chars().count() <= width),
                "{wrapped}"
            );
            let joined: String = wrapped.split_whitespace().collect();
            assert!(joined.contains(path), "{wrapped}");
        }
        assert_eq!(split_long_word("a/bc/def", 5), ["a/bc/", "def"]);
        assert_eq!(split_long_word("abcdefgh", 3), ["abcdefgh"]);
        assert_eq!(split_long_word("abcdef/gh", 3), ["abcdef/", "gh"]);
        assert_eq!(split_long_word("short", 8), ["short"]);
        // A file name or a query without a `/` in reach; a name without any stays whole.
        assert_eq!(
            split_long_word("Old_App.connectedApp-meta.xml", 20),
            ["Old_App.", "connectedApp-meta.", "xml"]
        );
        assert_eq!(split_long_word("a=b&error=c", 6), ["a=b&", "error=c"]);
        assert_eq!(split_long_word("a.b-cdefgh", 5), ["a.", "b-", "cdefgh"]);
        assert_eq!(
            split_long_word("Old_Decommissioned_App", 8),
            ["Old_Decommissioned_App"]
        );
        assert_eq!(
            unbreakable_width("ab reports.acme.example.com/oauth/cb"),
            "reports.acme.example.com/".len()
        );
    }
}

#[cfg(test)]
mod command_tests {
    #[test]
    fn a_command_to_copy_is_never_broken() {
        let line = "  $ sf project deploy start --manifest manifest/pkce-step2-apps.xml --target-org <alias>\n";
        assert_eq!(super::wrap_prose(line, 40), line);
    }
}
