//! What the binary knows about where its output goes: the width to lay tables out for,
//! whether to colour, whether to draw progress. Decided once, from the terminal and the
//! environment, and handed to the library as plain values.

use std::io::IsTerminal;

/// Width when nothing else says: readable in a file, a CI log or a pull request.
pub const DEFAULT_WIDTH: u16 = 100;
/// Below this the tables cannot hold their columns; narrower windows wrap.
const MIN_WIDTH: u16 = 40;

/// The width for text written to standard output: the terminal's own width when standard
/// output is a terminal (asked of the terminal, so a resized window or an unexported
/// `$COLUMNS` does not matter), else `$COLUMNS` when set, else 100. A pseudo-terminal
/// that reports no size (0 rows, as some CI runners set up) counts as no terminal size.
pub fn stdout_width() -> u16 {
    let tty = terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0);
    width_from(tty, std::env::var("COLUMNS").ok().as_deref())
}

/// The width for a report written to a file: `$COLUMNS` when set, else 100 (the
/// terminal's width says nothing about where the file will be read).
pub fn file_width() -> u16 {
    width_from(None, std::env::var("COLUMNS").ok().as_deref())
}

fn width_from(tty: Option<u16>, columns: Option<&str>) -> u16 {
    tty.filter(|&w| w > 0)
        .or_else(|| columns.and_then(|c| c.trim().parse().ok()))
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless NO_COLOR is set (and not empty) or TERM=dumb.
    #[default]
    Auto,
    /// Always colour, even into a file or a pipe, and even with NO_COLOR.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether text written to a stream that is (`is_terminal`) a terminal gets colour.
    pub fn colors(self, is_terminal: bool) -> bool {
        let env = |k| std::env::var_os(k).filter(|v| !v.is_empty());
        decide(
            self,
            is_terminal,
            env("NO_COLOR").is_some(),
            env("TERM").is_some_and(|t| t == "dumb"),
        )
    }

    /// For standard output.
    pub fn stdout(self) -> bool {
        self.colors(std::io::stdout().is_terminal())
    }

    /// For standard error (warnings, the progress bar).
    pub fn stderr(self) -> bool {
        self.colors(std::io::stderr().is_terminal())
    }
}

/// NO_COLOR (https://no-color.org) turns `auto` into `never`; an explicit `--color always`
/// is the user's later, more specific word and wins, as that page asks.
fn decide(choice: ColorChoice, is_terminal: bool, no_color: bool, dumb: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color && !dumb,
    }
}

/// Whether to draw progress on standard error: only on a terminal, not with `--quiet`,
/// and not with `SF_USE_PROGRESS_BAR=false` (which turns the sf CLI's bars off too).
pub fn progress_wanted(quiet: bool) -> bool {
    let sf_allows = std::env::var("SF_USE_PROGRESS_BAR")
        .map(|v| !v.trim().eq_ignore_ascii_case("false"))
        .unwrap_or(true);
    !quiet && sf_allows && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_beats_columns_which_beats_the_default() {
        assert_eq!(width_from(Some(80), Some("120")), 80);
        assert_eq!(width_from(None, Some("120")), 120);
        assert_eq!(width_from(None, Some(" 90 ")), 90);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
        // A terminal that reports 0 columns (some CI ptys) is no terminal width at all.
        assert_eq!(width_from(Some(0), Some("70")), 70);
        assert_eq!(width_from(None, Some("wide")), DEFAULT_WIDTH);
        assert_eq!(width_from(Some(20), None), MIN_WIDTH);
    }

    #[test]
    fn no_color_only_changes_auto() {
        use ColorChoice::*;
        assert!(decide(Auto, true, false, false));
        assert!(!decide(Auto, false, false, false));
        assert!(!decide(Auto, true, true, false));
        assert!(!decide(Auto, true, false, true));
        assert!(decide(Always, false, true, true));
        assert!(!decide(Never, true, false, false));
    }
}
