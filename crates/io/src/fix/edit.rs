//! The smallest edit that sets one boolean element (to `true`, or for step 3's other
//! settings fields to the org's value): every other byte of the file (declaration,
//! comments, indentation, line endings) stays as it was.
//!
//! The element is found by its byte span (recorded by the one parse, [`xml::parse`]),
//! then either its text is replaced or a new element is inserted at the place the
//! schema's sequence gives it, with the indentation and line ending of its neighbours.
//! The result is parsed again and must equal the original tree with only that element
//! changed, or nothing is returned.

use super::order::Sequence;
use crate::xml::{self, Element};

/// The name of `el` as written, prefix included: its start tag's first word.
fn qname<'b>(bytes: &'b [u8], el: &Element) -> &'b str {
    let tag = &bytes[el.span.start + 1..el.span.open_end];
    let len = tag
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
        .unwrap_or(tag.len());
    // The parse checked the document is UTF-8, and a name ends at an ASCII byte.
    std::str::from_utf8(&tag[..len]).unwrap_or_default()
}

/// The prefix of `el`'s name with its colon (`met:`), or nothing.
fn prefix<'b>(bytes: &'b [u8], el: &Element) -> &'b str {
    let q = qname(bytes, el);
    q.rsplit_once(':').map_or("", |(p, _)| &q[..p.len() + 1])
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The file's shape makes the edit ambiguous or impossible.
    #[error("{0}")]
    Shape(String),
    /// The edited text would not read back as the original with one element changed.
    #[error(
        "the edited file would not read back as the original with only <{0}> changed; not written"
    )]
    NotVerified(String),
}

/// What the edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The element held another value (`false`, `0`, or nil).
    Changed { from: String },
    /// The element was absent.
    Inserted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The element already holds the value asked for.
    AlreadySet,
    Edited {
        bytes: Vec<u8>,
        action: Action,
        /// 1-based line of the element in the edited file.
        line: u32,
    },
}

/// One element to set: `field` inside the element reached from the root by `path`.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub path: &'a [&'a str],
    pub field: &'a str,
    pub sequence: Sequence,
}

/// The index of the one child of `parent` named `name`.
fn single(parent: &Element, name: &str) -> Result<usize, EditError> {
    let within = &parent.name;
    let mut found = (0..parent.children.len()).filter(|&i| parent.children[i].name == name);
    match (found.next(), found.next()) {
        (Some(i), None) => Ok(i),
        (None, _) => Err(EditError::Shape(format!("<{within}> holds no <{name}>"))),
        (Some(_), Some(_)) => Err(EditError::Shape(format!(
            "<{within}> holds <{name}> twice; which one to change is ambiguous"
        ))),
    }
}

/// The whitespace from the start of `pos`'s line to `pos`, when only whitespace is there.
fn indent_at(bytes: &[u8], pos: usize) -> Option<&[u8]> {
    let start = bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let indent = &bytes[start..pos];
    indent
        .iter()
        .all(|&b| b == b' ' || b == b'\t')
        .then_some(indent)
}

/// The line ending that ends at the `\n` at `nl`.
fn ending_at(bytes: &[u8], nl: usize) -> &'static [u8] {
    if nl > 0 && bytes[nl - 1] == b'\r' {
        b"\r\n"
    } else {
        b"\n"
    }
}

/// The file's own line ending (its first), `\n` for a one-line file.
fn file_ending(bytes: &[u8]) -> &'static [u8] {
    bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(b"\n", |nl| ending_at(bytes, nl))
}

/// One indentation step: the root's first child's indentation, else four spaces (what
/// Salesforce's tools write).
fn indent_unit(bytes: &[u8], root: &Element) -> Vec<u8> {
    root.children
        .first()
        .and_then(|c| indent_at(bytes, c.span.start))
        .filter(|i| !i.is_empty())
        .map_or_else(|| b"    ".to_vec(), <[u8]>::to_vec)
}

/// The end of `bytes[from..to]`'s first line outside comments: the `\n` ending the line
/// a comment after the previous element ends on, not one inside it.
fn line_end_after(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    while i < to {
        if bytes[i..to].starts_with(b"<!--") {
            let close = bytes[i + 4..to].windows(3).position(|w| w == b"-->")?;
            i += 4 + close + 3;
            continue;
        }
        if bytes[i] == b'\n' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The indentation of a new child at index `at` of `parent`: a sibling's on its own line
/// (the previous one, else the next), else the parent's plus one step.
fn child_indent(bytes: &[u8], root: &Element, parent: &Element, at: usize) -> Vec<u8> {
    let before = parent.children[..at].iter().rev();
    before
        .chain(&parent.children[at..])
        .find_map(|c| indent_at(bytes, c.span.start))
        .map_or_else(
            || {
                let outer = indent_at(bytes, parent.span.start).unwrap_or_default();
                [outer, &indent_unit(bytes, root)].concat()
            },
            <[u8]>::to_vec,
        )
}

/// Where to insert, and what, for a new element `new` at index `at` of `parent`.
fn insertion(
    bytes: &[u8],
    root: &Element,
    parent: &Element,
    at: usize,
    new: &str,
) -> (usize, Vec<u8>) {
    let new = new.as_bytes();
    let cat = |parts: &[&[u8]]| parts.concat();
    if at > 0 {
        let prev = &parent.children[at - 1].span;
        let next = parent
            .children
            .get(at)
            .map_or(parent.span.close_start.unwrap_or(prev.end), |n| {
                n.span.start
            });
        // At the end of the previous element's line, so a comment after it (even one
        // over several lines) stays with it.
        return match line_end_after(bytes, prev.end, next) {
            Some(nl) => {
                let ending = ending_at(bytes, nl);
                let indent = child_indent(bytes, root, parent, at);
                (nl + 1 - ending.len(), cat(&[ending, &indent, new]))
            }
            None => (prev.end, new.to_vec()),
        };
    }
    if let Some(first) = parent.children.first().map(|c| &c.span) {
        return match indent_at(bytes, first.start) {
            Some(indent) if first.start > indent.len() => {
                let nl = first.start - indent.len() - 1;
                (first.start, cat(&[new, ending_at(bytes, nl), indent]))
            }
            _ => (first.start, new.to_vec()),
        };
    }
    // An element with no children yet.
    let ending = file_ending(bytes);
    let outer = indent_at(bytes, parent.span.start).unwrap_or_default();
    let inner = [outer, &indent_unit(bytes, root)].concat();
    match parent.span.close_start {
        Some(close) => match indent_at(bytes, close) {
            Some(indent) if close > indent.len() && bytes[close - indent.len() - 1] == b'\n' => {
                (close - indent.len(), cat(&[&inner, new, ending]))
            }
            _ => (close, cat(&[ending, &inner, new, ending, outer])),
        },
        None => unreachable!("an empty-element tag is opened before insertion"),
    }
}

/// The element reached from `root` by child indices.
fn at_path<'e>(root: &'e Element, path: &[usize]) -> &'e Element {
    path.iter().fold(root, |el, &i| &el.children[i])
}

/// `tree` as the edit must leave it: the field of the parent at `path` set to `value`,
/// the existing child at `existing`, or a new one inserted at `at`.
fn set_value(tree: &mut Element, path: &[usize], field: &str, value: &str, change: Change) {
    let el = path.iter().fold(tree, |el, &i| &mut el.children[i]);
    match change {
        Change::Insert(at) => {
            let new = Element {
                name: field.to_string(),
                ns: el.ns.clone(),
                text: value.into(),
                ..Default::default()
            };
            el.children.insert(at, new);
        }
        Change::Replace(i) => {
            let c = &mut el.children[i];
            c.attrs.clear();
            c.text = value.into();
        }
    }
}

/// Where the edit puts the value: a new child at this index, or the child at this one.
#[derive(Debug, Clone, Copy)]
enum Change {
    Insert(usize),
    Replace(usize),
}

fn splice(bytes: &[u8], from: usize, to: usize, with: &[u8]) -> Vec<u8> {
    [&bytes[..from], with, &bytes[to..]].concat()
}

fn line_of(bytes: &[u8], pos: usize) -> u32 {
    1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count() as u32
}

/// The child indices from the root to `target`'s parent, and the indices of the children
/// of that parent named `target.field`.
fn locate(tree: &Element, target: &Target<'_>) -> Result<(Vec<usize>, Vec<usize>), EditError> {
    let mut path = Vec::with_capacity(target.path.len());
    let mut parent = tree;
    for step in target.path {
        let i = single(parent, step)?;
        path.push(i);
        parent = &parent.children[i];
    }
    let existing = (0..parent.children.len())
        .filter(|&i| parent.children[i].name == target.field)
        .collect();
    Ok((path, existing))
}

/// A rollback (`fix --undo`): sets `target` to `false` where the document names it;
/// `Ok(None)` where it does not. Nothing is inserted: a deploy of a file without the
/// element leaves the org's value as it is, and `false` is what the org must end with.
pub fn undo(bytes: &[u8], target: &Target<'_>) -> Result<Option<Outcome>, EditError> {
    let tree = xml::parse(bytes).map_err(|e| EditError::Shape(e.to_string()))?;
    if locate(&tree, target)?.1.is_empty() {
        return Ok(None);
    }
    set_bool(bytes, target, false).map(Some)
}

/// Sets `target` to `true` in a document [`xml::parse`] accepts.
pub fn require_true(bytes: &[u8], target: &Target<'_>) -> Result<Outcome, EditError> {
    set_bool(bytes, target, true)
}

/// Sets `target` to `value` in a document [`xml::parse`] accepts (`1` and `0` count as
/// `true` and `false` already).
pub fn set_bool(bytes: &[u8], target: &Target<'_>, value: bool) -> Result<Outcome, EditError> {
    let (text, already): (&str, [&str; 2]) = if value {
        ("true", ["true", "1"])
    } else {
        ("false", ["false", "0"])
    };
    let tree = xml::parse(bytes).map_err(|e| EditError::Shape(e.to_string()))?;
    let (path, existing) = locate(&tree, target)?;
    let parent = at_path(&tree, &path);
    let (bytes2, action, change, pos) = match existing.as_slice() {
        [] => {
            let names: Vec<&str> = parent.children.iter().map(|c| c.name.as_str()).collect();
            let at = target.sequence.insertion_index(&names, target.field);
            let new = format!(
                "<{p}{f}>{text}</{p}{f}>",
                p = prefix(bytes, parent),
                f = target.field
            );
            // `<OauthOidcSettings .../>` is opened first, so it can hold a child.
            let opened = match parent.span.close_start {
                Some(_) => None,
                None => {
                    let span = parent.span;
                    let tag = &bytes[span.start..span.end];
                    let slash = tag.iter().rposition(|&b| b == b'/').unwrap_or(tag.len());
                    let close = format!("></{}>", qname(bytes, parent));
                    let opened = splice(bytes, span.start + slash, span.end, close.as_bytes());
                    let tree = xml::parse(&opened).map_err(|e| EditError::Shape(e.to_string()))?;
                    Some((opened, tree))
                }
            };
            let (base, root) = opened
                .as_ref()
                .map_or((bytes, &tree), |(b, t)| (b.as_slice(), t));
            let (pos, text) = insertion(base, root, at_path(root, &path), at, &new);
            (
                splice(base, pos, pos, &text),
                Action::Inserted,
                Change::Insert(at),
                pos + text.iter().take_while(|b| b.is_ascii_whitespace()).count(),
            )
        }
        [i] => {
            let el = &parent.children[*i];
            if !el.is_nil() && already.contains(&el.text.as_str()) {
                return Ok(Outcome::AlreadySet);
            }
            let from = if el.is_nil() {
                "nil".to_string()
            } else {
                el.text.clone()
            };
            let c = el.span;
            let edited = match c.close_start {
                Some(close) if !el.is_nil() => splice(
                    bytes,
                    c.open_end,
                    close,
                    &text_replaced(&bytes[c.open_end..close], text),
                ),
                _ => splice(
                    bytes,
                    c.start,
                    c.end,
                    format!("<{q}>{text}</{q}>", q = qname(bytes, el)).as_bytes(),
                ),
            };
            (
                edited,
                Action::Changed { from },
                Change::Replace(*i),
                c.start,
            )
        }
        _ => {
            return Err(EditError::Shape(format!(
                "<{}> holds <{}> twice; which one counts is ambiguous",
                parent.name, target.field
            )))
        }
    };
    let mut expected = tree;
    set_value(&mut expected, &path, target.field, text, change);
    let verified = xml::parse(&bytes2)
        .is_ok_and(|back| back.without_positions() == expected.without_positions());
    if !verified {
        return Err(EditError::NotVerified(target.field.to_string()));
    }
    let line = line_of(&bytes2, pos);
    Ok(Outcome::Edited {
        bytes: bytes2,
        action,
        line,
    })
}

/// An element's content with its text replaced by `value` and its comments kept: the
/// first text (or CDATA) run keeps its surrounding blanks, any further text is dropped.
fn text_replaced(content: &[u8], value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len());
    let mut done = false;
    let mut i = 0;
    while i < content.len() {
        let rest = &content[i..];
        let (end, markup) = if rest.starts_with(b"<!--") {
            let close = rest
                .windows(3)
                .position(|w| w == b"-->")
                .map_or(rest.len(), |p| p + 3);
            (close, true)
        } else if rest.starts_with(b"<![CDATA[") {
            let close = rest
                .windows(3)
                .position(|w| w == b"]]>")
                .map_or(rest.len(), |p| p + 3);
            (close, false)
        } else {
            let next = rest
                .windows(4)
                .position(|w| w == b"<!--" || w == b"<![C")
                .unwrap_or(rest.len());
            (next.max(1), false)
        };
        let part = &rest[..end];
        if markup || part.iter().all(u8::is_ascii_whitespace) {
            out.extend_from_slice(part);
        } else {
            let lead = part.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let trail = part
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            out.extend_from_slice(&part[..lead]);
            if !done {
                out.extend_from_slice(value.as_bytes());
                done = true;
            }
            out.extend_from_slice(&part[part.len() - trail..]);
        }
        i += end;
    }
    if !done {
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// Byte ranges of the values of secret elements (`consumerSecret` and the like), so a
/// diff can show the lines around a change without them.
pub fn secret_values(bytes: &[u8]) -> Vec<(usize, usize)> {
    fn walk(el: &Element, out: &mut Vec<(usize, usize)>) {
        if crate::metadata::is_secret_element(el) {
            if let Some(close) = el.span.close_start {
                out.push((el.span.open_end, close));
            }
            return;
        }
        for c in &el.children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    if let Ok(tree) = xml::parse(bytes) {
        walk(&tree, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
