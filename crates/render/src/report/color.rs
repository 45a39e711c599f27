//! Colour for the table format on a terminal: the verdict word, BLOCKER and severities.
//!
//! Applied to the finished, plain text (after input text was made visible and the tables
//! laid out), so colour never changes a layout, and only to words the renderer itself wrote
//! in known places: an app or rule name that happens to read "BLOCKER" stays plain.

use super::cells::verdict_word;
use pkce_audit_model::rules::Severity;
use pkce_audit_model::rules::Verdict;

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

/// Where a line of the report is, for what may be painted in it.
#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    Apps,
    Findings,
}

/// An indent-0 line in the apps or findings section that is not a table: the head of a
/// list entry (or a findings group's title).
fn is_head(line: &str) -> bool {
    !line.is_empty() && !line.starts_with([' ', '┌', '│', '╞', '└'])
}

/// Paints an apps list entry (its head, then lines indented under it): its findings are
/// its last line indented by two and the lines under that (the head's own continuation
/// lines, which hold input text, all come before it).
fn paint_app_entry(out: &mut Vec<String>, lines: &[&str]) {
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter(|&i| i > 0)
        .unwrap_or(lines.len());
    for (i, l) in lines.iter().enumerate() {
        out.push(if i >= last {
            paint_cell(l)
        } else {
            l.to_string()
        });
    }
}

/// A findings list entry's head, "high BLOCKER · App · rule": the words before the first
/// `·` are the renderer's own when the line starts with a severity.
fn paint_finding_head(line: &str) -> Option<String> {
    let first = line.split(' ').next()?;
    Severity::ALL.iter().find(|s| s.as_str() == first)?;
    let (ours, rest) = line.split_at(line.find('·')?);
    Some(format!("{}{rest}", paint_cell(ours)))
}

/// `text` (the table format of `verdict`'s report) with ANSI colour added.
pub fn colorize(text: &str, verdict: Verdict) -> String {
    let word = verdict_word(verdict);
    let mut out: Vec<String> = Vec::new();
    let mut table = Table::None;
    let mut section = Section::Other;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let body = lines[i];
        i += 1;
        if body.starts_with("Apps (") {
            section = Section::Apps;
        } else if body.starts_with("Findings (") {
            section = Section::Findings;
        } else if body.starts_with("Users holding tokens") || body.starts_with("Summary by owner") {
            section = Section::Other;
        }
        let line = if let Some(rest) = body
            .strip_prefix("Verdict: ")
            .and_then(|r| r.strip_prefix(word))
        {
            let mut l = "Verdict: ".to_string();
            paint(&mut l, word, verdict_style(verdict));
            l + rest
        } else if body.starts_with("│ Severity ┆") {
            // A findings table's header (its last column's title may wrap).
            table = Table::Findings;
            body.to_string()
        } else if body.starts_with("│ App ") && body.contains("┆ Findings") {
            table = Table::Apps;
            body.to_string()
        } else if body.starts_with('└') {
            table = Table::None;
            body.to_string()
        } else if body.starts_with('│') {
            paint_row(body, table)
        } else if section == Section::Apps && is_head(body) && !body.starts_with("Apps (") {
            let end = lines[i..]
                .iter()
                .position(|l| !l.starts_with(' '))
                .map_or(lines.len(), |n| i + n);
            paint_app_entry(&mut out, &lines[i - 1..end]);
            i = end;
            continue;
        } else if section == Section::Findings && is_head(body) {
            paint_finding_head(body).unwrap_or_else(|| body.to_string())
        } else {
            body.to_string()
        };
        out.push(line);
    }
    out.join("\n")
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

    /// The same report laid out as lists (a narrow terminal), with input text that reads
    /// like the renderer's own words in every place it can be.
    const LIST: &str = "Verdict: NOT READY — x
Apps (3) — CA: Connected App, ECA: External Client App
  critical continuation of the heading
Customer_Portal — CA · org · PKCE: NO · flows: auth-code
  2 finding(s): high, BLOCKER
BLOCKER critical — CA · org · PKCE: NO · flows: high
  critical · usage: high 3
  1 finding(s): critical,
    BLOCKER
Users holding tokens (--show-users):
  high: critical

Findings (3)
Org settings
medium · org-user-agent-flow-allowed
  The flow is allowed: high BLOCKER
high BLOCKER · BLOCKER · app-pkce-not-required
  → Make the critical client send PKCE.
ISV package namespace 'high · x'
Info app-outside-pkce-scope (1): critical

Summary by owner
high · BLOCKER
";

    #[test]
    fn lists_are_painted_where_the_renderer_wrote_and_nowhere_else() {
        let painted = colorize(LIST, Verdict::NotReady);
        assert_eq!(strip(&painted), LIST);
        let lines: Vec<&str> = painted.lines().collect();
        let plain = |i: usize| assert_eq!(lines[i], LIST.lines().nth(i).unwrap(), "line {i}");
        for i in [1, 2, 3, 5, 6, 9, 10, 12, 13, 15, 17, 18, 19, 21, 22] {
            plain(i);
        }
        assert_eq!(
            lines[4],
            format!("  2 finding(s): \x1b[31mhigh{RESET}, {BLOCKER_STYLE}BLOCKER{RESET}")
        );
        assert_eq!(
            lines[7],
            format!("  1 finding(s): \x1b[1;31mcritical{RESET},")
        );
        assert_eq!(lines[8], format!("    {BLOCKER_STYLE}BLOCKER{RESET}"));
        assert_eq!(
            lines[14],
            format!("\x1b[33mmedium{RESET} · org-user-agent-flow-allowed")
        );
        assert_eq!(
            lines[16],
            format!("\x1b[31mhigh{RESET} {BLOCKER_STYLE}BLOCKER{RESET} · BLOCKER · app-pkce-not-required")
        );
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
