//! Fitting text to a width: words in lines, by display width (a wide character counts
//! twice), never cutting a word.

use unicode_width::UnicodeWidthStr;

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
        if is_table || line.width() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let hang = " ".repeat(hang(indent, line));
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
    out
}

/// The words of `text` in lines: the first at most `first` columns wide, the others at
/// most `rest` (display width, so wide characters count twice). A word wider than its
/// line stays whole on a line of its own: a URL or an API name is worth more unbroken.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut limit = first;
    for word in text.split_whitespace() {
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
