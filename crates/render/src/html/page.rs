//! The one writer: a [`Page`] as a self-contained HTML document. Every text goes through
//! [`escape`]; the markup around it is this file's own. The page loads nothing (its CSP
//! says so first thing in `<head>`), runs no script, and links only to its own sections.

use super::{
    escape, escape_breakable, Banner, Block, Chart, Page, Section, Span, Table, Text, Tone,
};
use std::fmt::Write;

/// The first element of `<head>`: nothing may be fetched, no script may run; inline
/// styles and `data:` images are all the page needs.
pub const CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">";

/// Relative units and wrapping tables (readable at 200% zoom); print rules that break
/// tables between rows, repeat their headers and set no paper size (A4 and Letter alike).
const STYLE: &str = r#"
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.45; color: #111; background: #fff; }
body { margin: 0 auto; padding: 1rem 1.5rem; max-width: 80em; }
h1 { font-size: 1.6em; margin: .2em 0 .4em; }
h2 { font-size: 1.3em; margin: 1.6em 0 .4em; border-bottom: .1em solid #888; }
h3 { font-size: 1.1em; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: .3em 0; }
th, td { border: .0625em solid #888; padding: .3em .5em; text-align: left; vertical-align: top; overflow-wrap: break-word; word-break: normal; hyphens: none; }
thead th { background: #eee; }
/* Headers are the writer's own words: they wrap between words, never inside one, so a
   header's longest word sets its column's narrowest width. */
thead th { overflow-wrap: normal; word-break: keep-all; hyphens: manual; }
tbody th { font-weight: 600; }
code { font-family: ui-monospace, "Cascadia Mono", Menlo, Consolas, monospace; font-size: .92em; overflow-wrap: break-word; }
p, li, figcaption { overflow-wrap: break-word; }
.badge { display: inline-block; padding: 0 .35em; border: .0625em solid; border-radius: .3em; font-weight: bold; }
.good { background: #e3f3e6; color: #0b4d1c; }
.bad { background: #fbe4e6; color: #7d0c1b; }
.warn { background: #fff1c2; color: #573f00; }
.neutral { background: #e9ecf5; color: #1f2a44; }
.banner { border: .2em solid; border-radius: .4em; padding: .6em 1em; font-size: 1.15em; }
nav ul { columns: 16em; column-gap: 3em; padding-left: 1.2em; }
nav li { break-inside: avoid; }
svg { max-width: 100%; height: auto; }
svg text { font-family: system-ui, sans-serif; font-size: 14px; fill: #111; }
svg rect { fill: #7d0c1b; }
.signoff td { height: 2.6em; min-width: 16em; border: none; border-bottom: .125em solid #111; }
.signoff th { border: none; width: 12em; vertical-align: bottom; }
footer { margin-top: 2em; font-size: .9em; color: #333; }
@media print {
  body { max-width: none; padding: 0; }
  nav { display: none; }
  tr, th, td, .signoff { break-inside: avoid; }
  thead { display: table-header-group; }
  /* A heading, a caption or a header row never ends a page: each keeps its first row. */
  h2, h3, caption, thead { break-after: avoid; }
  tbody tr:first-child { break-before: avoid; }
  /* Long tables (every app, every finding, the plan) in a smaller type: fewer pages. */
  table { font-size: .8em; }
  .badge, .banner, svg rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn class(t: Tone) -> &'static str {
    match t {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Warn => "warn",
        Tone::Neutral => "neutral",
    }
}

fn text(out: &mut String, t: &Text) {
    for s in &t.0 {
        match s {
            Span::Text(s) => out.push_str(&escape_breakable(s)),
            Span::Code(s) => {
                let _ = write!(out, "<code>{}</code>", escape_breakable(s));
            }
            Span::Strong(s) => {
                let _ = write!(out, "<strong>{}</strong>", escape(s));
            }
            Span::Badge(tone, s) => {
                let _ = write!(
                    out,
                    "<span class=\"badge {}\">{}</span>",
                    class(*tone),
                    escape(s)
                );
            }
            Span::Break => out.push_str("<br>"),
            Span::Anchor(id, s) => {
                let _ = write!(out, "<a href=\"#{}\">{}</a>", escape(id), escape(s));
            }
        }
    }
}

fn table(out: &mut String, t: &Table) {
    let _ = write!(
        out,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        escape(&t.caption)
    );
    for h in &t.head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
            let _ = write!(out, "<{tag}>");
            text(out, cell);
            out.push_str(if i == 0 { "</th>" } else { "</td>" });
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The chart's geometry, in SVG units (px at 100%): each entry is a row whose label
/// stands on its own line above its bar, so no name, however long, can reach a bar.
const CHART_WIDTH: usize = 640;
const CHART_ROW: usize = 46;
const BAR_HEIGHT: usize = 16;
/// The widest bar; the count is written after it, inside the chart.
const BAR_MAX: usize = CHART_WIDTH - 80;
/// A label's characters at most: at 14px even a glyph one em wide fits the chart's
/// width. A longer one is cut with `…`; the full text is in the bar's `<title>` (a
/// tooltip, read by screen readers) and in the table beside the chart.
const LABEL_CHARS: usize = (CHART_WIDTH - 16) / 14;

/// One bar's place in the chart.
#[derive(Debug, PartialEq, Eq)]
struct BarLayout {
    /// The label as drawn: at most [`LABEL_CHARS`] characters.
    label: String,
    /// The label's baseline; the bar starts below it.
    label_y: usize,
    bar_y: usize,
    bar_width: usize,
}

fn layout(c: &Chart) -> Vec<BarLayout> {
    let max = c.bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    c.bars
        .iter()
        .enumerate()
        .map(|(i, (name, n))| {
            let top = i * CHART_ROW;
            let label = if name.chars().count() > LABEL_CHARS {
                let mut cut: String = name.chars().take(LABEL_CHARS - 1).collect();
                cut.push('…');
                cut
            } else {
                name.clone()
            };
            BarLayout {
                label,
                label_y: top + 16,
                bar_y: top + 22,
                bar_width: (BAR_MAX * n).div_ceil(max).max(usize::from(*n > 0) * 2),
            }
        })
        .collect()
}

/// A horizontal bar chart with its numbers written beside the bars: the words and counts
/// carry the meaning, the bars only show it.
fn chart(out: &mut String, c: &Chart) {
    let height = CHART_ROW * c.bars.len().max(1) + 4;
    let summary: Vec<String> = c.bars.iter().map(|(l, n)| format!("{l}: {n}")).collect();
    let label = format!("{}: {}", c.title, summary.join("; "));
    let _ = writeln!(
        out,
        "<figure>\n<svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\">\n<title>{}</title>",
        escape(&label),
        escape(&label)
    );
    for ((name, n), b) in c.bars.iter().zip(layout(c)) {
        let _ = writeln!(
            out,
            "<g><title>{}: {n}</title><text x=\"0\" y=\"{}\">{}</text><rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{BAR_HEIGHT}\"/><text x=\"{}\" y=\"{}\">{n}</text></g>",
            escape(name),
            b.label_y,
            escape(&b.label),
            b.bar_y,
            b.bar_width,
            b.bar_width + 6,
            b.bar_y + BAR_HEIGHT - 3,
        );
    }
    let _ = writeln!(
        out,
        "</svg>\n<figcaption>{}</figcaption>\n</figure>",
        escape(&c.title)
    );
}

fn sign_off(out: &mut String, fields: &[&str]) {
    out.push_str("<table class=\"signoff\">\n<caption>Sign-off (to be filled in by hand)</caption>\n<tbody>\n");
    for f in fields {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td></td></tr>",
            escape(f)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Paragraph(t) => {
            out.push_str("<p>");
            text(out, t);
            out.push_str("</p>\n");
        }
        Block::Subheading(h) => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(h));
        }
        Block::Table(t) => table(out, t),
        Block::List(items) => list(out, "ul", items),
        Block::Numbered(items) => list(out, "ol", items),
        Block::Chart(c) => chart(out, c),
        Block::SignOff(fields) => sign_off(out, fields),
    }
}

fn list(out: &mut String, tag: &str, items: &[Text]) {
    let _ = writeln!(out, "<{tag}>");
    for i in items {
        out.push_str("<li>");
        text(out, i);
        out.push_str("</li>\n");
    }
    let _ = writeln!(out, "</{tag}>");
}

fn banner(out: &mut String, b: &Banner) {
    let _ = writeln!(
        out,
        "<p class=\"banner {}\"><strong>Verdict: {}</strong> — {}</p>",
        class(b.tone),
        escape(&b.word),
        escape(&b.reason)
    );
}

fn section(out: &mut String, s: &Section) {
    let id = escape(s.id);
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>",
        escape(&s.heading)
    );
    for b in &s.blocks {
        block(out, b);
    }
    out.push_str("</section>\n");
}

/// The page as one HTML document.
pub fn write(p: &Page) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n{CSP}\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        escape(&p.title),
        escape(&p.title)
    );
    banner(&mut out, &p.banner);
    out.push_str("</header>\n<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ul>\n");
    for s in &p.sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(s.id),
            escape(&s.heading)
        );
    }
    out.push_str("</ul>\n</nav>\n<main>\n");
    for s in &p.sections {
        section(&mut out, s);
    }
    let _ = write!(
        out,
        "</main>\n<footer><p>{}</p></footer>\n</body>\n</html>\n",
        escape(&p.footer)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_label_stands_above_its_bar_cut_to_the_width_with_the_full_name_in_a_title() {
        let long = "N".repeat(120);
        let c = Chart {
            title: "t".into(),
            bars: vec![(long.clone(), 3), ("short".into(), 7), (long.clone(), 0)],
        };
        let bars = layout(&c);
        for (i, b) in bars.iter().enumerate() {
            // A glyph at most one em (14px) wide: the label fits the chart's width.
            assert!(b.label.chars().count() * 14 <= CHART_WIDTH, "{b:?}");
            // Text sits above its baseline: the label ends before its bar begins, and
            // the bar ends before the next row's label.
            assert!(b.label_y < b.bar_y);
            if let Some(next) = bars.get(i + 1) {
                assert!(b.bar_y + BAR_HEIGHT < next.label_y - 14, "{b:?} {next:?}");
            }
            // The count after the bar stays inside the chart.
            assert!(b.bar_width + 6 + 3 * 14 <= CHART_WIDTH);
        }
        assert!(bars[0].label.ends_with('…') && bars[1].label == "short");
        let mut out = String::new();
        chart(&mut out, &c);
        assert!(
            out.contains(&format!("<g><title>{long}: 3</title>")),
            "{out}"
        );
        assert!(!out.contains(&format!(">{long}</text>")));
    }

    #[test]
    fn a_120_character_word_can_wrap_in_a_cell_on_screen_and_in_print() {
        let long = format!("{}_{}", "A".repeat(60), "B".repeat(59));
        let mut s = Section::new("s", "s");
        s.push(Block::Table(Table {
            caption: "c".into(),
            head: vec!["App"],
            rows: vec![vec![Text::code(&long).then(format!(" {long}"))]],
        }));
        let page = super::super::page_of(vec![s]);
        // Cells and code wrap a word too long for the line, in print too (no print rule
        // turns it off), and the word itself has places to wrap, none longer than
        // LONG_WORD: no column is forced wider than the page.
        for rule in ["th, td {", "code {"] {
            let decl = &STYLE[STYLE.find(rule).unwrap()..];
            let decl = &decl[..decl.find('}').unwrap()];
            assert!(decl.contains("overflow-wrap: break-word"), "{decl}");
        }
        // Only the header row, the writer's own words, keeps its words whole.
        assert!(!STYLE.contains("nowrap"));
        for decl in STYLE
            .split('}')
            .filter(|d| d.contains("overflow-wrap: normal"))
        {
            let selector = decl.split('{').next().and_then(|s| s.lines().last());
            assert_eq!(selector, Some("thead th "), "{decl}");
        }
        let cell = &page[page.find("<th scope=\"row\">").unwrap()..];
        let cell = &cell[..cell.find("</th>").unwrap()];
        assert!(cell.matches("<wbr>").count() >= 2 * 6, "{cell}");
        let text = cell
            .replace("<th scope=\"row\">", "")
            .replace("<code>", "")
            .replace("</code>", " ");
        for piece in text.split("<wbr>").flat_map(str::split_whitespace) {
            assert!(
                piece.chars().count() <= super::super::escape::LONG_WORD,
                "{piece}"
            );
        }
        assert_eq!(
            cell.replace("<wbr>", ""),
            format!("<th scope=\"row\"><code>{long}</code> {long}")
        );
    }
}
