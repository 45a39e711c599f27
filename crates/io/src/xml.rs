//! A small, bounded XML element tree with line numbers and namespaces.
//!
//! Metadata files and SOAP bodies are small documents whose every element we may need,
//! so a tree is simpler than streaming. Both the directory reader and the SOAP client
//! parse through here, which is what keeps the two inputs on the same parsers; `fix`
//! edits by the byte spans the same parse records, so what it edits is what was read.
//!
//! Safety bounds: DOCTYPE (and with it every entity declaration) is refused, nesting,
//! attributes per element and elements per document are capped (so the cost is linear in
//! the input), only the five predefined entities and character references are expanded,
//! and a character reference to a control character is refused. Every element keeps its
//! resolved namespace, so a caller can tell a Metadata API field from a look-alike in
//! another namespace.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::fmt;

/// Deepest nesting we accept. Real metadata is under 10 levels; SOAP adds 4.
pub const MAX_DEPTH: usize = 64;
/// Attributes (namespace declarations included) on one element. Real metadata has none
/// below the root and a handful on a SOAP envelope.
pub const MAX_ATTRIBUTES: usize = 32;
/// Elements in one document. A Connected App has a few hundred; a `listMetadata` answer
/// of three types in a large org some tens of thousands.
pub const MAX_ELEMENTS: usize = 250_000;

/// The namespace of Metadata API documents (files and SOAP records alike).
pub const METADATA_NS: &str = "http://soap.sforce.com/2006/04/metadata";
/// `xsi:nil` and `xsi:type` live here.
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: u32,
    pub message: String,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for XmlError {}

/// One element. Names are local names (prefix stripped): Salesforce documents use a
/// default namespace in files but `met:`/`sf:` prefixes in SOAP; `ns` holds the resolved
/// namespace either way. Attribute keys are the local name for attributes in no
/// namespace, `xsi:local` for the XSI namespace whatever prefix the document bound to it,
/// the qualified name for namespace declarations (`xmlns`, `xmlns:xsi`), and
/// `{uri}local` for any other namespace, so only a real `xsi:nil` reads as nil.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    /// Resolved namespace URI; `None` when the element is in no namespace.
    pub ns: Option<String>,
    pub attrs: Vec<(String, String)>,
    /// Text content with entities resolved and surrounding whitespace trimmed.
    pub text: String,
    pub children: Vec<Element>,
    /// 1-based line of the start tag.
    pub line: u32,
    /// Where the element sits in the bytes it was parsed from (`fix` edits by it); zero
    /// for an element built in code.
    pub span: Span,
}

/// Byte offsets of one element in its document (a byte-order mark counted), so an edit
/// can change one element and leave every other byte as it was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    /// The `<` of the start tag.
    pub start: usize,
    /// Just past the start tag's `>` (the end of an `<x/>`).
    pub open_end: usize,
    /// The `<` of the end tag; `None` for an empty-element tag.
    pub close_start: Option<usize>,
    /// Just past the element.
    pub end: usize,
}

impl Element {
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == local)
            .map(|(_, v)| v.as_str())
    }

    /// `xsi:nil="true"`: the element is present but explicitly has no value.
    pub fn is_nil(&self) -> bool {
        matches!(self.attr("xsi:nil"), Some("true") | Some("1"))
    }

    /// In the Metadata API namespace, or in none (hand-written files, some tools).
    pub fn is_metadata(&self) -> bool {
        self.ns.as_deref().is_none_or(|ns| ns == METADATA_NS)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Text of a direct child, `None` when absent, nil or empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .filter(|c| !c.is_nil() && !c.text.is_empty())
            .map(|c| c.text.as_str())
    }

    /// The element with every line and span zeroed: what it holds, wherever it was, so
    /// two trees compare equal when only their layout differs.
    pub fn without_positions(mut self) -> Element {
        fn zero(el: &mut Element) {
            el.line = 0;
            el.span = Span::default();
            el.children.iter_mut().for_each(zero);
        }
        zero(&mut self);
        self
    }

    /// Depth-first search for the first descendant (or self) with this local name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// Tracks line numbers incrementally so the whole parse stays linear.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.bytes.len());
        if offset > self.pos {
            self.line += self.bytes[self.pos..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u32;
            self.pos = offset;
        }
        self.line
    }
}

fn local_name(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    match s.rsplit_once(':') {
        Some((_, local)) => local.to_string(),
        None => s.into_owned(),
    }
}

fn namespace(resolved: ResolveResult<'_>, what: &str) -> Result<Option<String>, String> {
    match resolved {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.0).into_owned())),
        ResolveResult::Unknown(prefix) => Err(format!(
            "{what} uses the undeclared namespace prefix '{}'",
            String::from_utf8_lossy(&prefix)
        )),
    }
}

/// A control character other than tab, line feed and carriage return: never part of
/// a metadata value, and a way to smuggle terminal escapes into a report.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn start_element(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    line: u32,
    span: Span,
) -> Result<Element, String> {
    let name = local_name(e.name().as_ref());
    let ns = namespace(reader.resolve_element(e.name()).0, &format!("<{name}>"))?;
    let mut attrs = Vec::new();
    for a in e.attributes() {
        if attrs.len() == MAX_ATTRIBUTES {
            return Err(format!(
                "<{name}> has more than {MAX_ATTRIBUTES} attributes"
            ));
        }
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        let qname = a.key;
        let raw =
            std::str::from_utf8(&a.value).map_err(|_| "attribute is not UTF-8".to_string())?;
        let value = quick_xml::escape::unescape(raw)
            .map_err(|err| format!("bad attribute value: {err}"))?
            .into_owned();
        if let Some(c) = value.chars().find(|&c| is_forbidden_control(c)) {
            return Err(format!(
                "attribute value holds the control character U+{:04X}",
                c as u32
            ));
        }
        let qualified = String::from_utf8_lossy(qname.as_ref()).into_owned();
        let key = if qualified == "xmlns" || qualified.starts_with("xmlns:") {
            qualified
        } else {
            let (resolved, local) = reader.resolve_attribute(qname);
            let local = String::from_utf8_lossy(local.as_ref()).into_owned();
            match namespace(resolved, &format!("attribute {qualified}"))? {
                None => local,
                Some(uri) if uri == XSI_NS => format!("xsi:{local}"),
                Some(uri) => format!("{{{uri}}}{local}"),
            }
        };
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        ns,
        attrs,
        text: String::new(),
        children: Vec::new(),
        line,
        span,
    })
}

/// Parses a whole document and returns its root element.
///
/// An error met while an element that may hold a secret is open (a consumer secret, a
/// password, a token, an Auth. Provider's `ecKey`) says where, never what: the parser's
/// words quote the input (an entity's name, a tag's), which would be a piece of the secret.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let mut stack = Vec::new();
    parse_into(bytes, &mut stack).map_err(|e| {
        match stack.iter().find(|open| may_hold_secret(&open.name)) {
            Some(open) => XmlError {
                line: e.line,
                message: format!(
                    "malformed XML inside <{}> (opened on line {}), whose text may be a secret and is not quoted",
                    open.name, open.line
                ),
            },
            None => e,
        }
    })
}

/// Names of elements whose text may be a credential: wider than the secret registry's
/// rule on purpose, since here it only makes an error message shorter.
fn may_hold_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["secret", "password", "token", "eckey", "privatekey"]
        .iter()
        .any(|w| lower.contains(w))
}

fn parse_into(bytes: &[u8], stack: &mut Vec<Element>) -> Result<Element, XmlError> {
    let whole = bytes.len();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Spans count from the start of what was given, the byte-order mark included.
    let skip = whole - bytes.len();
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        return Err(XmlError {
            line,
            message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        });
    }
    let mut lines = LineCounter {
        bytes,
        pos: 0,
        line: 1,
    };
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    // Raw text accumulated for the element on top of the stack.
    let mut texts: Vec<String> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;

    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = lines.line_at(reader.error_position() as usize);
                return Err(XmlError {
                    line: at,
                    message: format!("malformed XML: {e}"),
                });
            }
        };
        // Line of the first byte of this event: skip the whitespace before a tag.
        let start = bytes[before..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|p| before + p)
            .unwrap_or(before);
        let line = lines.line_at(start);
        let err = |message: String| XmlError { line, message };
        let (from, to) = (skip + before, skip + reader.buffer_position() as usize);
        let span = Span {
            start: from,
            open_end: to,
            close_start: None,
            end: to,
        };
        if matches!(event, Event::Start(_) | Event::Empty(_)) {
            if root.is_some() {
                return Err(err("content after the root element".into()));
            }
            elements += 1;
            if elements > MAX_ELEMENTS {
                return Err(err(format!(
                    "more than {MAX_ELEMENTS} elements in one document"
                )));
            }
        }
        match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(err(
                    "DOCTYPE declarations are not allowed in Salesforce metadata".into(),
                ))
            }
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                let el = start_element(&reader, &e, line, span).map_err(err)?;
                stack.push(el);
                texts.push(String::new());
            }
            Event::Empty(e) => {
                let el = start_element(&reader, &e, line, span).map_err(err)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let mut el = stack.pop().expect("quick-xml checks end names");
                el.text = texts.pop().unwrap_or_default().trim().to_string();
                el.span.close_start = Some(from);
                el.span.end = to;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let raw = t
                    .decode()
                    .map_err(|e| err(format!("undecodable text: {e}")))?;
                if let Some(c) = raw.chars().find(|&c| is_forbidden_control(c)) {
                    return Err(err(format!(
                        "text holds the control character U+{:04X}",
                        c as u32
                    )));
                }
                match texts.last_mut() {
                    Some(buf) => buf.push_str(&raw),
                    None if raw.trim().is_empty() => {}
                    None => return Err(err("text outside the root element".into())),
                }
            }
            Event::CData(t) => {
                let raw = t
                    .decode()
                    .map_err(|e| err(format!("undecodable CDATA: {e}")))?;
                if let Some(c) = raw.chars().find(|&c| is_forbidden_control(c)) {
                    return Err(err(format!(
                        "CDATA holds the control character U+{:04X}",
                        c as u32
                    )));
                }
                if let Some(buf) = texts.last_mut() {
                    buf.push_str(&raw);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    let c = r
                        .resolve_char_ref()
                        .map_err(|e| err(format!("bad character reference: {e}")))?;
                    if let Some(c) = c.filter(|&c| is_forbidden_control(c)) {
                        return Err(err(format!(
                            "character reference &{}; is the control character U+{:04X}, which metadata never holds",
                            String::from_utf8_lossy(&r),
                            c as u32
                        )));
                    }
                    c.map(String::from)
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| err(format!("undecodable entity: {e}")))?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(String::from)
                };
                let Some(resolved) = resolved else {
                    return Err(err(format!(
                        "unknown entity &{};",
                        String::from_utf8_lossy(&r)
                    )));
                };
                if let Some(buf) = texts.last_mut() {
                    buf.push_str(&resolved);
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError {
            line: lines.line_at(bytes.len()),
            message: format!(
                "malformed XML: unexpected end of file, <{}> opened on line {} is not closed",
                open.name, open.line
            ),
        });
    }
    root.ok_or(XmlError {
        line: 1,
        message: "no root element (empty document)".into(),
    })
}

/// Escapes text for element content or attribute values.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// Serialises an element (no XML declaration), indented by four spaces per level like
/// retrieved metadata. Text keeps its line breaks (`callbackUrl` lists); a carriage
/// return is written as `&#13;`, and line breaks and tabs in attribute values as
/// character references, because a parser normalises the raw characters away.
pub fn write(el: &Element) -> String {
    let mut out = String::new();
    write_element(&mut out, el, 0);
    out
}

fn write_element(out: &mut String, el: &Element, depth: usize) {
    let indent = "    ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&el.name);
    for (k, v) in &el.attrs {
        let v = escape(v)
            .replace('\r', "&#13;")
            .replace('\n', "&#10;")
            .replace('\t', "&#9;");
        out.push_str(&format!(" {k}=\"{v}\""));
    }
    if el.text.is_empty() && el.children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push('>');
    out.push_str(&escape(&el.text).replace('\r', "&#13;"));
    if !el.children.is_empty() {
        out.push('\n');
        for c in &el.children {
            write_element(out, c, depth + 1);
        }
        out.push_str(&indent);
    }
    out.push_str(&format!("</{}>\n", el.name));
}

#[cfg(test)]
mod tests;
