//! How the library's errors are worded: the one convention, stated here.
//!
//! Every error displays as one line that names the file, component or host and states
//! its cause exactly once. The cause is part of the error's own text, never also a
//! `source`: no library error has a `#[source]` or `#[from]` field, nor a field named
//! `source` (thiserror would treat it as one), so a chain printer such as anyhow's
//! `{:#}` prints nothing after it. An I/O cause is written by [`io_reason`]; a parser's
//! message that spans lines (TOML's) is joined by [`one_line`].

/// An I/O error's own words ("No such file or directory"), without the "(os error 2)"
/// tail, which names the same cause again as a number.
pub fn io_reason(e: &std::io::Error) -> String {
    without_os_code(&e.to_string())
}

/// Text without a trailing " (os error N)".
pub fn without_os_code(text: &str) -> String {
    match text.find(" (os error") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text.to_string(),
    }
}

/// A message of several lines as one: the lines trimmed, joined by "; ".
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_code_goes_and_lines_are_joined() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "No such file or directory");
        assert_eq!(without_os_code("no code here"), "no code here");
        assert_eq!(
            one_line("invalid table header\nexpected `.`, `]]`\n"),
            "invalid table header; expected `.`, `]]`"
        );
    }
}
