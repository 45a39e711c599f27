//! Text that fits: rows laid out as a table when every column can hold its longest word
//! within the width, else as a list, one entry per row. No word is ever cut: columns are
//! sized here and every cell wrapped with [`wrap_words`], so comfy-table only draws.
//!
//! The audit's apps and findings tables, the diff's tables, `doctor` and `clients` all
//! come through here.

use super::wrap::{unbreakable_width, wrap_hanging, wrap_words};
use comfy_table::{presets, ColumnConstraint, ContentArrangement, Table, Width};
use unicode_width::UnicodeWidthStr;

/// The narrowest a column of sentences goes (or its longest cell, when shorter): narrower,
/// a message would be a word per line.
pub const PROSE: usize = 20;

/// A row as a list entry: a first line, and lines indented under it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub head: String,
    pub lines: Vec<String>,
}

impl Entry {
    /// An entry of one line.
    pub fn line(head: String) -> Self {
        Entry {
            head,
            lines: Vec::new(),
        }
    }
}

/// Rows with their table cells and their list entry, laid out by [`Grid::render`].
#[derive(Debug, Clone)]
pub struct Grid {
    header: Vec<String>,
    floors: Vec<usize>,
    rows: Vec<Vec<String>>,
    entries: Vec<Entry>,
}

impl Grid {
    pub fn new(header: &[&str]) -> Self {
        Grid {
            header: header.iter().map(|h| h.to_string()).collect(),
            floors: vec![0; header.len()],
            rows: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Column `column` is never narrower than `min` columns, or its longest cell when that
    /// is shorter (`usize::MAX`: its cells are never wrapped).
    pub fn floor(mut self, column: usize, min: usize) -> Self {
        self.floors[column] = min;
        self
    }

    /// A row: one cell per column (a `\n` starts a new line in the cell), and the same
    /// row as a list entry.
    pub fn push(&mut self, cells: Vec<String>, entry: Entry) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
        self.entries.push(entry);
    }

    /// The table when it fits `width` columns, else the list; ends with a line break.
    pub fn render(&self, width: usize) -> String {
        match self.table(width) {
            Some(t) => format!("{t}\n"),
            None => self.list(width),
        }
    }

    /// One entry per row: the head, then its lines indented by two; a line too long for
    /// the width continues two columns further in.
    pub fn list(&self, width: usize) -> String {
        let mut out = String::new();
        for e in &self.entries {
            wrap_hanging(&mut out, &e.head, width, 2);
            for line in &e.lines {
                wrap_hanging(&mut out, &format!("  {line}"), width, 4);
            }
        }
        out
    }

    /// The cells of column `i`, header first, line by line.
    fn lines(&self, i: usize) -> impl Iterator<Item = &str> {
        std::iter::once(self.header[i].as_str())
            .chain(self.rows.iter().map(move |r| r[i].as_str()))
            .flat_map(str::lines)
    }

    /// The table within `width` columns, or `None` when a column cannot hold its longest
    /// word (or its floor) there.
    pub fn table(&self, width: usize) -> Option<Table> {
        let n = self.header.len();
        let want: Vec<usize> = (0..n)
            .map(|i| self.lines(i).map(UnicodeWidthStr::width).max().unwrap_or(0))
            .collect();
        let min: Vec<usize> = (0..n)
            .map(|i| {
                let word = self.lines(i).map(unbreakable_width).max().unwrap_or(0);
                word.max(self.floors[i].min(want[i]))
            })
            .collect();
        // A border either side and between columns, and a space either side of each cell.
        let room = width.checked_sub(n + 1 + 2 * n)?;
        if min.iter().sum::<usize>() > room {
            return None;
        }
        let widths = arrange(room, &min, &want, |i, w| {
            self.lines(i)
                .flat_map(|l| wrap_words(l, w, w))
                .map(|l| l.width())
                .max()
                .unwrap_or(0)
        });
        let wrapped = |cell: &str, w: usize| -> String {
            cell.split('\n')
                .flat_map(|l| wrap_words(l, w, w))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header((0..n).map(|i| wrapped(&self.header[i], widths[i])));
        for row in &self.rows {
            t.add_row((0..n).map(|i| wrapped(&row[i], widths[i])));
        }
        for (i, w) in widths.iter().enumerate() {
            if let Some(c) = t.column_mut(i) {
                let w = u16::try_from(w + 2).unwrap_or(u16::MAX);
                c.set_constraint(ColumnConstraint::Absolute(Width::Fixed(w)));
            }
        }
        Some(t)
    }
}

/// Column widths (without padding) that add up to at most `room`, each at least its `min`
/// (which together fit): comfy-table's dynamic arrangement, run again with a column fixed at
/// its minimum whenever it would end narrower, until none does.
fn arrange(
    room: usize,
    min: &[usize],
    want: &[usize],
    wrapped: impl Fn(usize, usize) -> usize,
) -> Vec<usize> {
    let mut fixed: Vec<Option<usize>> = vec![None; min.len()];
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
                "vendorx__Vendor_Connector".into(),
                "auth-code, client-creds".into(),
                "Redirects over plain HTTP: http://reports.acme-intranet.example.com/oauth/callback.\n→ Switch the callback to https://.".into(),
            ],
            Entry {
                head: "vendorx__Vendor_Connector — auth-code, client-creds".into(),
                lines: vec!["Redirects over plain HTTP.".into()],
            },
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
        let cells: String = g.rows[0].join(" ");
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
                let entry = format!("{} {}", e.head, e.lines.join(" "));
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
        g.push(
            vec!["A".into(), "a few short words in a row".into()],
            Entry::default(),
        );
        assert!(g.table(3 + 20 + 3 + 4).is_some());
        assert!(g.table(3 + 20 + 3 + 4 - 1).is_none());
    }

    #[test]
    fn the_list_wraps_under_its_head() {
        let text = grid().list(30);
        assert_eq!(
            text,
            "vendorx__Vendor_Connector —\n  auth-code, client-creds\n  Redirects over plain HTTP.\n"
        );
    }

    #[test]
    fn columns_that_fit_get_their_width_and_the_rest_share() {
        // Room 30: the first fits the average (10), the others share 25 after a 5.
        assert_eq!(arrange(30, &[1, 1, 1], &[5, 40, 40], |_, w| w), [5, 13, 12]);
        // A wide minimum is kept even when the average is smaller.
        assert_eq!(arrange(30, &[20, 1], &[20, 40], |_, w| w), [20, 10]);
        // A column that wraps narrower than its share gives the rest back.
        assert_eq!(
            arrange(40, &[1, 1], &[30, 30], |i, w| if i == 0 { 12 } else { w }),
            [12, 28]
        );
    }
}
