//! The smallest edit that sets one boolean element (to `true`, or for step 3's other
//! settings fields to the org's value): every other byte of the file (declaration,
//! comments, indentation, line endings) stays as it was.
//!
//! The element is found by its byte span (a quick-xml pass that records where each
//! element starts and ends), then either its text is replaced or a new element is
//! inserted at the place the schema's sequence gives it, with the indentation and line
//! ending of its neighbours. The result is parsed again and must equal the original
//! tree with only that element changed, or nothing is returned.

use super::order::Sequence;
use crate::xml::{self, Element};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Where one element sits in the bytes of its document.
#[derive(Debug, Clone)]
struct Node {
    /// The name as written, prefix included.
    qname: String,
    local: String,
    /// The `<` of the start tag.
    start: usize,
    /// Just past the start tag's `>` (the end of a `<x/>`).
    open_end: usize,
    /// The `<` of the end tag; `None` for an empty-element tag.
    close_start: Option<usize>,
    /// Just past the element.
    end: usize,
    children: Vec<Node>,
}

impl Node {
    fn prefix(&self) -> &str {
        self.qname
            .rsplit_once(':')
            .map_or("", |(p, _)| &self.qname[..p.len() + 1])
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The element spans of a document that [`xml::parse`] accepted.
fn spans(bytes: &[u8]) -> Result<Node, EditError> {
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let mut reader = Reader::from_reader(&bytes[skip..]);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    let broken = |e: String| EditError::Shape(format!("cannot locate its elements: {e}"));
    loop {
        let before = skip + reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| broken(e.to_string()))?;
        let after = skip + reader.buffer_position() as usize;
        let node = |e: &quick_xml::events::BytesStart<'_>| {
            let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
            Node {
                local: qname.rsplit(':').next().unwrap_or(&qname).to_string(),
                qname,
                start: before,
                open_end: after,
                close_start: None,
                end: after,
                children: Vec::new(),
            }
        };
        match event {
            Event::Start(e) => stack.push(node(&e)),
            Event::Empty(e) => {
                let n = node(&e);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::End(_) => {
                let mut n = stack
                    .pop()
                    .ok_or_else(|| broken("an end tag without a start".into()))?;
                n.close_start = Some(before);
                n.end = after;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| broken("no root element".into()))
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

fn single<'n>(nodes: &'n [Node], name: &str, within: &str) -> Result<&'n Node, EditError> {
    let mut found = nodes.iter().filter(|n| n.local == name);
    match (found.next(), found.next()) {
        (Some(n), None) => Ok(n),
        (None, _) => Err(EditError::Shape(format!("<{within}> holds no <{name}>"))),
        (Some(_), Some(_)) => Err(EditError::Shape(format!(
            "<{within}> holds <{name}> twice; which one to change is ambiguous"
        ))),
    }
}

fn single_el<'e>(el: &'e mut Element, name: &str) -> Option<&'e mut Element> {
    el.children.iter_mut().find(|c| c.name == name)
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
fn indent_unit(bytes: &[u8], root: &Node) -> Vec<u8> {
    root.children
        .first()
        .and_then(|c| indent_at(bytes, c.start))
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
fn child_indent(bytes: &[u8], root: &Node, parent: &Node, at: usize) -> Vec<u8> {
    let before = parent.children[..at].iter().rev();
    before
        .chain(&parent.children[at..])
        .find_map(|c| indent_at(bytes, c.start))
        .map_or_else(
            || {
                let outer = indent_at(bytes, parent.start).unwrap_or_default();
                [outer, &indent_unit(bytes, root)].concat()
            },
            <[u8]>::to_vec,
        )
}

/// Where to insert, and what, for a new element `new` at index `at` of `parent`.
fn insertion(bytes: &[u8], root: &Node, parent: &Node, at: usize, new: &str) -> (usize, Vec<u8>) {
    let new = new.as_bytes();
    let cat = |parts: &[&[u8]]| parts.concat();
    if at > 0 {
        let prev = &parent.children[at - 1];
        let next = parent
            .children
            .get(at)
            .map_or(parent.close_start.unwrap_or(prev.end), |n| n.start);
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
    if let Some(first) = parent.children.first() {
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
    let outer = indent_at(bytes, parent.start).unwrap_or_default();
    let inner = [outer, &indent_unit(bytes, root)].concat();
    match parent.close_start {
        Some(close) => match indent_at(bytes, close) {
            Some(indent) if close > indent.len() && bytes[close - indent.len() - 1] == b'\n' => {
                (close - indent.len(), cat(&[&inner, new, ending]))
            }
            _ => (close, cat(&[ending, &inner, new, ending, outer])),
        },
        None => unreachable!("an empty-element tag is opened before insertion"),
    }
}

fn set_value(tree: &mut Element, target: &Target<'_>, value: &str, at: Option<usize>) {
    let mut el = tree;
    for step in target.path {
        el = single_el(el, step).expect("the path was found in the spans");
    }
    let new = Element {
        name: target.field.to_string(),
        ns: el.ns.clone(),
        text: value.into(),
        ..Default::default()
    };
    match at {
        Some(i) => el.children.insert(i, new),
        None => {
            let c = single_el(el, target.field).expect("the element was found in the spans");
            c.attrs.clear();
            c.text = value.into();
        }
    }
}

fn same(a: &Element, b: &Element) -> bool {
    a.name == b.name
        && a.ns == b.ns
        && a.attrs == b.attrs
        && a.text == b.text
        && a.children.len() == b.children.len()
        && a.children.iter().zip(&b.children).all(|(x, y)| same(x, y))
}

fn splice(bytes: &[u8], from: usize, to: usize, with: &[u8]) -> Vec<u8> {
    [&bytes[..from], with, &bytes[to..]].concat()
}

fn line_of(bytes: &[u8], pos: usize) -> u32 {
    1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count() as u32
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
    let root = spans(bytes)?;
    let mut parent = &root;
    for step in target.path {
        parent = single(&parent.children, step, &parent.local)?;
    }
    let existing: Vec<&Node> = parent
        .children
        .iter()
        .filter(|c| c.local == target.field)
        .collect();
    let (bytes2, action, at, pos) = match existing.as_slice() {
        [] => {
            let names: Vec<&str> = parent.children.iter().map(|c| c.local.as_str()).collect();
            let at = target.sequence.insertion_index(&names, target.field);
            let new = format!(
                "<{p}{f}>{text}</{p}{f}>",
                p = parent.prefix(),
                f = target.field
            );
            let (mut bytes, mut root2, mut parent2) = (bytes.to_vec(), root.clone(), parent);
            let opened;
            if parent.close_start.is_none() {
                // `<OauthOidcSettings .../>`: open it, so it can hold a child.
                let tag = &bytes[parent.start..parent.end];
                let slash = tag.iter().rposition(|&b| b == b'/').expect("`/>` ends it");
                let close = format!("></{}>", parent.qname);
                bytes = splice(&bytes, parent.start + slash, parent.end, close.as_bytes());
                root2 = spans(&bytes)?;
                opened = descend(&root2, target.path)?;
                parent2 = &opened;
            }
            let (pos, text) = insertion(&bytes, &root2, parent2, at, &new);
            let line_pos = pos + text.iter().take_while(|b| b.is_ascii_whitespace()).count();
            (
                splice(&bytes, pos, pos, &text),
                Action::Inserted,
                Some(at),
                line_pos,
            )
        }
        [c] => {
            let el = {
                let mut el = &tree;
                for step in target.path {
                    el = el.child(step).expect("the spans and the tree agree");
                }
                el.child(target.field)
                    .expect("the spans and the tree agree")
            };
            if !el.is_nil() && already.contains(&el.text.as_str()) {
                return Ok(Outcome::AlreadySet);
            }
            let from = if el.is_nil() {
                "nil".to_string()
            } else {
                el.text.clone()
            };
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
                    format!("<{q}>{text}</{q}>", q = c.qname).as_bytes(),
                ),
            };
            (edited, Action::Changed { from }, None, c.start)
        }
        _ => {
            return Err(EditError::Shape(format!(
                "<{}> holds <{}> twice; which one counts is ambiguous",
                parent.local, target.field
            )))
        }
    };
    let mut expected = tree;
    set_value(&mut expected, target, text, at);
    let verified = xml::parse(&bytes2).is_ok_and(|back| same(&back, &expected));
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

fn descend(root: &Node, path: &[&str]) -> Result<Node, EditError> {
    let mut n = root;
    for step in path {
        n = single(&n.children, step, &n.local)?;
    }
    Ok(n.clone())
}

/// Byte ranges of the values of secret elements (`consumerSecret` and the like), so a
/// diff can show the lines around a change without them.
pub fn secret_values(bytes: &[u8]) -> Vec<(usize, usize)> {
    fn walk(el: &Element, node: &Node, out: &mut Vec<(usize, usize)>) {
        if crate::metadata::is_secret_element(el) {
            if let Some(close) = node.close_start {
                out.push((node.open_end, close));
            }
            return;
        }
        for (e, n) in el.children.iter().zip(&node.children) {
            walk(e, n, out);
        }
    }
    let (Ok(tree), Ok(root)) = (xml::parse(bytes), spans(bytes)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(&tree, &root, &mut out);
    out
}

#[cfg(test)]
mod tests;
