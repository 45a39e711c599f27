//! Colour for the table format on a terminal: the verdict word, BLOCKER and severities.
//!
//! Applied to the finished, plain text (after input text was made visible and the tables
//! laid out), so colour never changes a layout, and only to words the renderer itself wrote
//! in known places: an app or rule name that happens to read "BLOCKER" stays plain.

use super::cells::verdict_word;
use super::Verdict;
use crate::rules::Severity;

const RESET: &str = "\x1b[0m";

fn verdict_style(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready | Verdict::Enforced => "\x1b[1;32m",
        Verdict::NotReady => "\x1b[1;31m",
        Verdict::Incomplete => "\x1b[1;33m",
    }
}

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
        Severity::Info => "\x1b[2m",
    }
}

const BLOCKER: &str = "BLOCKER";
const BLOCKER_STYLE: &str = "\x1b[1;7;31m";

/// The style of a word the renderer writes in a severity cell.
fn word_style(word: &str) -> Option<&'static str> {
    if word == BLOCKER {
        return Some(BLOCKER_STYLE);
    }
    Severity::ALL
        .into_iter()
        .find(|s| s.as_str() == word)
        .map(severity_style)
}

fn paint(out: &mut String, word: &str, style: &str) {
    out.push_str(style);
    out.push_str(word);
    out.push_str(RESET);
}

/// Paints the words of a cell the renderer wrote ("2: high, BLOCKER", "critical").
fn paint_cell(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len() + 16);
    let mut word = String::new();
    let flush = |out: &mut String, word: &mut String| {
        match word_style(word) {
            Some(style) => paint(out, word, style),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in cell.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut out, &mut word);
            out.push(c);
        }
    }
    flush(&mut out, &mut word);
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Table {
    None,
    /// The apps table: the last column holds the worst severity and BLOCKER.
    Apps,
    /// A findings table: the first column holds the severity and BLOCKER.
    Findings,
}

/// A table row's cells: the text between the outer `│` and the `┆` separators.
fn paint_row(line: &str, table: Table) -> String {
    let Some(inner) = line.strip_prefix('│').and_then(|l| l.strip_suffix('│')) else {
        return line.to_string();
    };
    let cells: Vec<&str> = inner.split('┆').collect();
    let target = match table {
        Table::Findings => 0,
        Table::Apps => cells.len() - 1,
        Table::None => return line.to_string(),
    };
    let painted: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == target {
                paint_cell(c)
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("│{}│", painted.join("┆"))
}

/// `text` (the table format of `verdict`'s report) with ANSI colour added.
pub fn colorize(text: &str, verdict: Verdict) -> String {
    let word = verdict_word(verdict);
    let mut out = String::with_capacity(text.len() + 256);
    let mut table = Table::None;
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if let Some(rest) = body
            .strip_prefix("Verdict: ")
            .and_then(|r| r.strip_prefix(word))
        {
            out.push_str("Verdict: ");
            paint(&mut out, word, verdict_style(verdict));
            out.push_str(rest);
        } else if body.starts_with('│') && body.contains("┆ Finding and what to do") {
            table = Table::Findings;
            out.push_str(body);
        } else if body.starts_with("│ App ") && body.contains("┆ Findings") {
            table = Table::Apps;
            out.push_str(body);
        } else if body.starts_with('└') {
            table = Table::None;
            out.push_str(body);
        } else if body.starts_with('│') && !body.starts_with("│ Severity ") {
            out.push_str(&paint_row(body, table));
        } else {
            out.push_str(body);
        }
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    const TEXT: &str = "pkce-audit 0.1.0 · folder x\n\
Verdict: NOT READY — 1 blocking finding(s)\n\
│ App      ┆ Kind ┆ Findings     │\n\
╞══════════╪══════╪══════════════╡\n\
│ BLOCKER  ┆ CA   ┆ 2: critical, │\n\
│          ┆      ┆ BLOCKER      │\n\
└──────────┴──────┴──────────────┘\n\
│ Severity ┆ App / rule ┆ Finding and what to do │\n\
│ high     ┆ BLOCKER    ┆ high BLOCKER text      │\n\
│ BLOCKER  ┆            ┆                        │\n\
└\n\
Summary: BLOCKER high\n";

    #[test]
    fn colour_changes_no_visible_character() {
        let painted = colorize(TEXT, Verdict::NotReady);
        assert_ne!(painted, TEXT);
        assert_eq!(strip(&painted), TEXT);
    }

    #[test]
    fn only_the_renderers_own_words_are_painted() {
        let painted = colorize(TEXT, Verdict::NotReady);
        let lines: Vec<&str> = painted.lines().collect();
        assert!(lines[1].starts_with("Verdict: \x1b[1;31mNOT READY\x1b[0m —"));
        // The app named BLOCKER keeps its plain name; its Findings cell is painted.
        assert!(lines[4].starts_with("│ BLOCKER  ┆"), "{}", lines[4]);
        assert!(lines[4].contains("\x1b[1;31mcritical\x1b[0m,"));
        assert!(lines[5].contains(&format!("{BLOCKER_STYLE}BLOCKER{RESET}")));
        // Findings: the severity column only; the rule and message columns stay plain.
        assert!(lines[8].starts_with("│ \x1b[31mhigh\x1b[0m     ┆ BLOCKER    ┆ high BLOCKER"));
        assert!(lines[9].starts_with(&format!("│ {BLOCKER_STYLE}BLOCKER{RESET}")));
        assert_eq!(lines[11], "Summary: BLOCKER high");
    }

    #[test]
    fn every_verdict_has_its_colour() {
        for v in [
            Verdict::Ready,
            Verdict::NotReady,
            Verdict::Incomplete,
            Verdict::Enforced,
        ] {
            let text = format!("Verdict: {} — x\n", verdict_word(v));
            let painted = colorize(&text, v);
            assert!(painted.starts_with(&format!("Verdict: {}", verdict_style(v))));
            assert_eq!(strip(&painted), text);
        }
    }
}
