//! Text that fits: rows laid out as a table when every column can hold its longest word
//! within the width, else as a list, one entry per row. No word is ever cut: columns are
//! sized here, every cell wrapped with [`wrap_words`] and the table drawn here, each
//! cell's styles carried through ([`Styled`]).
//!
//! Every table comes through here: the audit's apps and findings, the diff's, the
//! fleet's, `doctor` and `clients` in a box under their header ([`Grid::new`]), and the
//! `rules` listing as bare columns ([`Grid::bare`]).

use super::style::Styled;
use super::wrap::{unbreakable_width, wrap_hanging, wrap_words};
use unicode_width::UnicodeWidthStr;

/// The narrowest a column of sentences goes (or its longest cell, when shorter): narrower,
/// a message would be a word per line.
pub const PROSE: usize = 20;

/// A row as a list entry: a first line, and lines indented under it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub head: Styled,
    pub lines: Vec<Styled>,
}

impl Entry {
    /// An entry of one line.
    pub fn line(head: impl Into<Styled>) -> Self {
        Entry {
            head: head.into(),
            lines: Vec::new(),
        }
    }

    /// An entry: its head and the lines under it.
    pub fn new(head: impl Into<Styled>, lines: Vec<Styled>) -> Self {
        Entry {
            head: head.into(),
            lines,
        }
    }
}

/// Rows with their table cells and their list entry, laid out by [`Grid::render`].
#[derive(Debug, Clone)]
pub struct Grid {
    frame: Frame,
    /// Empty names for a bare grid (nothing to measure).
    header: Vec<String>,
    floors: Vec<usize>,
    /// Columns of a set width ([`Grid::fixed`]).
    fixed: Vec<Option<usize>>,
    rows: Vec<Vec<Styled>>,
    /// Each row's cells without styles, for measuring.
    plain: Vec<Vec<String>>,
    entries: Vec<Entry>,
}

/// comfy-table's UTF8_FULL_CONDENSED borders: the top, the rule under the header, the
/// bottom, each as (left, line, between, right).
const TOP: [&str; 4] = ["┌", "─", "┬", "┐"];
const RULE: [&str; 4] = ["╞", "═", "╪", "╡"];
const BOTTOM: [&str; 4] = ["└", "─", "┴", "┘"];

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// In a box, under its header, cells padded by a space either side.
    Boxed,
    /// Columns one space apart, no header, no border, no space after the last column.
    Bare,
}

impl Frame {
    /// What comes before the first cell, between two cells, and after the last.
    fn edges(self) -> [&'static str; 3] {
        match self {
            Frame::Boxed => ["│ ", " ┆ ", " │"],
            Frame::Bare => ["", " ", ""],
        }
    }

    /// The columns a row of `n` cells takes besides the cells.
    fn overhead(self, n: usize) -> usize {
        let [left, between, right] = self.edges();
        left.width() + right.width() + between.width() * n.saturating_sub(1)
    }
}

impl Grid {
    /// A table in a box under the `header` (the documents' tables).
    pub fn new(header: &[&str]) -> Self {
        Grid {
            frame: Frame::Boxed,
            header: header.iter().map(|h| h.to_string()).collect(),
            floors: vec![0; header.len()],
            fixed: vec![None; header.len()],
            rows: Vec::new(),
            plain: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// A table of `columns` bare columns, one space apart, without header or border, its
    /// lines ending with their last cell's text (a listing scripts read line by line).
    pub fn bare(columns: usize) -> Self {
        Grid {
            frame: Frame::Bare,
            ..Grid::new(&vec![""; columns])
        }
    }

    /// Column `column` is `width` columns wide whatever its cells (or its longest word,
    /// when wider): cells are padded to it, and it takes no share of the rest.
    pub fn fixed(mut self, column: usize, width: usize) -> Self {
        self.fixed[column] = Some(width);
        self
    }

    /// Column `column` is never narrower than `min` columns, or its longest cell when that
    /// is shorter (`usize::MAX`: its cells are never wrapped).
    pub fn floor(mut self, column: usize, min: usize) -> Self {
        self.floors[column] = min;
        self
    }

    /// A row: one cell per column (a `\n` starts a new line in the cell), and the same
    /// row as a list entry.
    pub fn push<C: Into<Styled>>(&mut self, cells: Vec<C>, entry: Entry) {
        debug_assert_eq!(cells.len(), self.header.len());
        let cells: Vec<Styled> = cells.into_iter().map(Into::into).collect();
        self.plain.push(cells.iter().map(Styled::text).collect());
        self.rows.push(cells);
        self.entries.push(entry);
    }

    /// The table when it fits `width` columns, else the list; ends with a line break.
    pub fn render(&self, width: usize) -> String {
        self.styled(width).text()
    }

    /// [`Grid::render`] with the cells' styles.
    pub fn styled(&self, width: usize) -> Styled {
        match self.table(width) {
            Some(mut t) => {
                t.push_str("\n");
                t
            }
            None => self.list(width),
        }
    }

    /// One entry per row: the head, then its lines indented by two; a line too long for
    /// the width continues two columns further in.
    pub fn list(&self, width: usize) -> Styled {
        let mut out = Styled::default();
        let mut hanging = |line: &Styled, hang: usize| {
            let mut plain = String::new();
            wrap_hanging(&mut plain, &line.text(), width, hang);
            out.append(line.relaid(&plain));
        };
        for e in &self.entries {
            hanging(&e.head, 2);
            for line in &e.lines {
                let mut indented = Styled::from("  ");
                indented.append(line.clone());
                hanging(&indented, 4);
            }
        }
        out
    }

    /// The cells of column `i`, header first, line by line.
    fn lines(&self, i: usize) -> impl Iterator<Item = &str> {
        std::iter::once(self.header[i].as_str())
            .chain(self.plain.iter().map(move |r| r[i].as_str()))
            .flat_map(str::lines)
    }

    /// The table within `width` columns (without its last line break), or `None` when a
    /// column cannot hold its longest word (or its floor) there.
    pub fn table(&self, width: usize) -> Option<Styled> {
        let n = self.header.len();
        let word = |i: usize| self.lines(i).map(unbreakable_width).max().unwrap_or(0);
        // A fixed column's width is all it wants and the least it takes.
        let fixed: Vec<Option<usize>> = (0..n)
            .map(|i| self.fixed[i].map(|w| w.max(word(i))))
            .collect();
        let want: Vec<usize> = (0..n)
            .map(|i| {
                fixed[i]
                    .unwrap_or_else(|| self.lines(i).map(UnicodeWidthStr::width).max().unwrap_or(0))
            })
            .collect();
        let min: Vec<usize> = (0..n)
            .map(|i| fixed[i].unwrap_or_else(|| word(i).max(self.floors[i].min(want[i]))))
            .collect();
        let room = width.checked_sub(self.frame.overhead(n))?;
        if min.iter().sum::<usize>() > room {
            return None;
        }
        let widths = arrange(room, &min, &want, fixed, |i, w| {
            self.lines(i)
                .flat_map(|l| wrap_words(l, w, w))
                .map(|l| l.width())
                .max()
                .unwrap_or(0)
        });
        let mut t = Styled::default();
        let boxed = self.frame == Frame::Boxed;
        if boxed {
            border(&mut t, TOP, &widths);
            let header: Vec<Styled> = self.header.iter().map(|h| h.as_str().into()).collect();
            row(&mut t, &header, &widths, self.frame);
            border(&mut t, RULE, &widths);
        }
        for cells in &self.rows {
            row(&mut t, cells, &widths, self.frame);
        }
        if boxed {
            border(&mut t, BOTTOM, &widths);
        }
        // The last line break is the caller's.
        t.pop_newline();
        Some(t)
    }
}

/// A border line of columns `widths` wide (plus their padding).
fn border(out: &mut Styled, [left, line, between, right]: [&str; 4], widths: &[usize]) {
    let cells: Vec<String> = widths.iter().map(|w| line.repeat(w + 2)).collect();
    out.push_str(&format!("{left}{}{right}\n", cells.join(between)));
}

/// A row of cells, each wrapped to its column's width, as many lines as its tallest cell.
fn row(out: &mut Styled, cells: &[Styled], widths: &[usize], frame: Frame) {
    let [left, between, right] = frame.edges();
    let wrapped: Vec<Vec<Styled>> = cells
        .iter()
        .zip(widths)
        .map(|(cell, &w)| {
            let plain = cell
                .text()
                .split('\n')
                .flat_map(|l| wrap_words(l, w, w))
                .collect::<Vec<_>>()
                .join("\n");
            cell.relaid(&plain).lines()
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let last = wrapped.len().saturating_sub(1);
    for line in 0..height {
        out.push_str(left);
        for (i, (cell, w)) in wrapped.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str(between);
            }
            let text = cell.get(line).cloned().unwrap_or_default();
            let pad = w.saturating_sub(text.text().width());
            out.append(text);
            // A bare line ends with its text.
            if i < last || frame == Frame::Boxed {
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(right);
        out.push_str("\n");
    }
}

/// Column widths (without padding) that add up to at most `room`, each at least its `min`
/// (which together fit), the `fixed` ones as given: comfy-table's dynamic arrangement, run
/// again with a column fixed at its minimum whenever it would end narrower, until none does.
fn arrange(
    room: usize,
    min: &[usize],
    want: &[usize],
    mut fixed: Vec<Option<usize>>,
    wrapped: impl Fn(usize, usize) -> usize,
) -> Vec<usize> {
    loop {
        let widths = arrange_once(room, fixed.clone(), want, &wrapped);
        let short: Vec<usize> = (0..min.len()).filter(|&i| widths[i] < min[i]).collect();
        if short.is_empty() {
            return widths;
        }
        for i in short {
            fixed[i] = Some(min[i]);
        }
    }
}

/// comfy-table's dynamic arrangement of the columns not yet `fixed`: those whose widest
/// line fits in the average share get it; those that wrap into a column narrower than the
/// average by 3 or more (`wrapped(i, w)`: the widest line of column `i` wrapped at `w`)
/// get that; the rest share what is left.
fn arrange_once(
    room: usize,
    mut widths: Vec<Option<usize>>,
    want: &[usize],
    wrapped: &impl Fn(usize, usize) -> usize,
) -> Vec<usize> {
    let mut left = room - widths.iter().flatten().sum::<usize>();
    // Each pass fixes columns by `rule(i, average)` until a pass fixes none.
    let mut settle = |widths: &mut Vec<Option<usize>>,
                      rule: &dyn Fn(usize, usize) -> Option<usize>| {
        let mut again = true;
        while again {
            again = false;
            for i in 0..want.len() {
                let open = widths.iter().filter(|w| w.is_none()).count();
                if widths[i].is_some() || open == 0 {
                    continue;
                }
                if let Some(w) = rule(i, left / open) {
                    widths[i] = Some(w);
                    left -= w;
                    again = true;
                }
            }
        }
    };
    settle(&mut widths, &|i, average| {
        (want[i] <= average).then_some(want[i])
    });
    settle(&mut widths, &|i, average| {
        let w = wrapped(i, average);
        (average >= w + 3).then_some(w)
    });
    let open: Vec<usize> = (0..want.len()).filter(|&i| widths[i].is_none()).collect();
    if !open.is_empty() {
        let (share, mut extra) = (left / open.len(), left % open.len());
        for i in open {
            widths[i] = Some(share + usize::from(extra > 0));
            extra = extra.saturating_sub(1);
        }
    }
    widths.into_iter().map(|w| w.unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        let mut g = Grid::new(&["App", "Flows", "Finding"]).floor(2, PROSE);
        g.push(
            vec![
                "vendorx__Vendor_Connector",
                "auth-code, client-creds",
                "Redirects over plain HTTP: http://reports.acme-intranet.example.com/oauth/callback.\n→ Switch the callback to https://.",
            ],
            Entry::new(
                "vendorx__Vendor_Connector — auth-code, client-creds",
                vec!["Redirects over plain HTTP.".into()],
            ),
        );
        g
    }

    /// Every word of `text`, borders left out.
    fn words(text: &str) -> Vec<String> {
        let mut w: Vec<String> = text
            .split(|c: char| c.is_whitespace() || "│┆".contains(c))
            .filter(|w| !w.is_empty() && !w.chars().all(|c| "─┌┐└┘├┤┬┴┼╞╡╪═┄".contains(c)))
            .map(String::from)
            .collect();
        w.sort();
        w
    }

    #[test]
    fn a_table_fits_and_cuts_no_word_or_becomes_a_list() {
        let g = grid();
        let cells: String = g.plain[0].join(" ");
        // From the width of the longest name: narrower, a name would stick out whole.
        for width in 25..=140 {
            let text = g.render(width);
            assert!(text.lines().all(|l| l.width() <= width), "{width}:\n{text}");
            if text.contains('┆') {
                // The URL may break after a slash; every other word is whole.
                let joined = text.replace("/\n", "/").replace('│', " ");
                for w in cells.split_whitespace().filter(|w| !w.contains('/')) {
                    assert!(
                        words(&joined).iter().any(|x| x == w),
                        "{width}: {w}\n{text}"
                    );
                }
                assert!(text.contains("vendorx__Vendor_Connector"));
            } else {
                let e = &g.entries[0];
                let lines: Vec<String> = e.lines.iter().map(Styled::text).collect();
                let entry = format!("{} {}", e.head.text(), lines.join(" "));
                assert_eq!(words(&text), words(&entry), "{width}:\n{text}");
                assert!(text.starts_with("vendorx__Vendor_Connector"), "{text}");
            }
        }
        // The narrowest table: the name, "client-creds", the URL's widest run up to a
        // slash ("reports.acme-intranet.example.com/"), borders and padding.
        let narrowest = 25 + 12 + 34 + 4 + 6;
        assert!(g.table(narrowest).is_some());
        assert!(g.table(narrowest - 1).is_none());
        // A column of prose keeps its floor: without the URL, 20 columns, not 14.
        let mut g = Grid::new(&["App", "Finding"]).floor(1, PROSE);
        g.push(vec!["A", "a few short words in a row"], Entry::default());
        assert!(g.table(3 + 20 + 3 + 4).is_some());
        assert!(g.table(3 + 20 + 3 + 4 - 1).is_none());
    }

    #[test]
    fn the_list_wraps_under_its_head() {
        let text = grid().list(30).text();
        assert_eq!(
            text,
            "vendorx__Vendor_Connector —\n  auth-code, client-creds\n  Redirects over plain HTTP.\n"
        );
    }

    #[test]
    fn a_bare_grid_has_no_header_or_border_and_no_space_after_its_last_column() {
        let mut g = Grid::bare(3).fixed(0, 6).floor(2, 10);
        g.push(
            vec!["a-b", "x", "one two three four five"],
            Entry::new("a-b (x)", vec!["  one two three four five".into()]),
        );
        // 6 + 1 + 1 + 1 + 10 columns: the last wraps in its own column.
        assert_eq!(
            g.render(19),
            "a-b    x one two\n         three four\n         five\n"
        );
        assert_eq!(g.render(100), "a-b    x one two three four five\n");
        // Narrower than the fixed column, the floor and the gaps: the list.
        assert_eq!(g.render(18), "a-b (x)\n    one two three\n    four five\n");
    }

    #[test]
    fn columns_that_fit_get_their_width_and_the_rest_share() {
        // Room 30: the first fits the average (10), the others share 25 after a 5.
        let open = |n| vec![None; n];
        assert_eq!(
            arrange(30, &[1, 1, 1], &[5, 40, 40], open(3), |_, w| w),
            [5, 13, 12]
        );
        // A wide minimum is kept even when the average is smaller.
        assert_eq!(
            arrange(30, &[20, 1], &[20, 40], open(2), |_, w| w),
            [20, 10]
        );
        // A column that wraps narrower than its share gives the rest back.
        assert_eq!(
            arrange(40, &[1, 1], &[30, 30], open(2), |i, w| if i == 0 {
                12
            } else {
                w
            }),
            [12, 28]
        );
        // A fixed column keeps its width; the others share the rest.
        assert_eq!(
            arrange(30, &[1, 1], &[5, 40], vec![Some(12), None], |_, w| w),
            [12, 18]
        );
    }
}
