//! A small, bounded XML element tree with line numbers.
//!
//! Metadata files and SOAP bodies are small documents whose every element we may need,
//! so a tree is simpler than streaming. Both the directory reader and the SOAP client
//! parse through here, which is what keeps the two inputs on the same parsers.
//!
//! Safety bounds: DOCTYPE (and with it every entity declaration) is refused, nesting is
//! limited, and only the five predefined entities and character references are expanded.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::fmt;

/// Deepest nesting we accept. Real metadata is under 10 levels; SOAP adds 4.
pub const MAX_DEPTH: usize = 64;

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

/// One element. Names and attribute keys are local names (prefix stripped): Salesforce
/// documents use a default namespace in files but `met:`/`sf:` prefixes in SOAP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Text content with entities resolved and surrounding whitespace trimmed.
    pub text: String,
    pub children: Vec<Element>,
    /// 1-based line of the start tag.
    pub line: u32,
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
        matches!(self.attr("nil"), Some("true") | Some("1"))
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

fn start_element(e: &BytesStart<'_>, line: u32) -> Result<Element, String> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        let key = local_name(a.key.as_ref());
        let raw =
            std::str::from_utf8(&a.value).map_err(|_| "attribute is not UTF-8".to_string())?;
        let value = quick_xml::escape::unescape(raw)
            .map_err(|err| format!("bad attribute value: {err}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name: local_name(e.name().as_ref()),
        attrs,
        text: String::new(),
        children: Vec::new(),
        line,
    })
}

/// Parses a whole document and returns its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
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
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    // Raw text accumulated for the element on top of the stack.
    let mut texts: Vec<String> = Vec::new();
    let mut root: Option<Element> = None;

    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event();
        // Line of the first byte of this event: skip the whitespace before a tag.
        let start = bytes[before..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|p| before + p)
            .unwrap_or(before);
        let line = lines.line_at(start);
        let err = |message: String| XmlError { line, message };
        match event {
            Err(e) => {
                let at = lines.line_at(reader.error_position() as usize);
                return Err(XmlError {
                    line: at,
                    message: format!("malformed XML: {e}"),
                });
            }
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => {
                return Err(err(
                    "DOCTYPE declarations are not allowed in Salesforce metadata".into(),
                ))
            }
            Ok(Event::Start(e)) => {
                if root.is_some() {
                    return Err(err("content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                stack.push(start_element(&e, line).map_err(err)?);
                texts.push(String::new());
            }
            Ok(Event::Empty(e)) => {
                if root.is_some() {
                    return Err(err("content after the root element".into()));
                }
                let el = start_element(&e, line).map_err(err)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Ok(Event::End(_)) => {
                let mut el = stack.pop().expect("quick-xml checks end names");
                el.text = texts.pop().unwrap_or_default().trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Ok(Event::Text(t)) => {
                let raw = t
                    .decode()
                    .map_err(|e| err(format!("undecodable text: {e}")))?;
                match texts.last_mut() {
                    Some(buf) => buf.push_str(&raw),
                    None if raw.trim().is_empty() => {}
                    None => return Err(err("text outside the root element".into())),
                }
            }
            Ok(Event::CData(t)) => {
                let raw = t
                    .decode()
                    .map_err(|e| err(format!("undecodable CDATA: {e}")))?;
                if let Some(buf) = texts.last_mut() {
                    buf.push_str(&raw);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| err(format!("bad character reference: {e}")))?
                        .map(String::from)
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
            Ok(Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
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
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements_with_lines_and_entities() {
        let doc = b"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<Root xmlns=\"urn:x\">\r\n  <a>1 &amp; 2</a>\r\n  <b\r\n    >x&#65;</b>\r\n  <c xsi:nil=\"true\"/>\r\n</Root>";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Root");
        assert_eq!(root.line, 2);
        assert_eq!(root.child_text("a"), Some("1 & 2"));
        assert_eq!(root.child("a").unwrap().line, 3);
        assert_eq!(root.child_text("b"), Some("xA"));
        assert_eq!(root.child("b").unwrap().line, 4);
        assert!(root.child("c").unwrap().is_nil());
        assert_eq!(root.child_text("c"), None);
    }

    #[test]
    fn strips_prefixes_and_bom() {
        let root = parse("\u{feff}<s:Env xmlns:s=\"u\"><s:Body/></s:Env>".as_bytes()).unwrap();
        assert_eq!(root.name, "Env");
        assert!(root.child("Body").is_some());
    }

    #[test]
    fn truncated_document_names_the_open_element() {
        let e = parse(b"<A>\n<B>\n<C>x</C>\n").unwrap_err();
        assert!(e.message.contains("<B>"), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
    }

    #[test]
    fn mismatched_end_tag_is_reported_with_line() {
        let e = parse(b"<A>\n<B>x</C>\n</A>").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("malformed"), "{e}");
    }

    #[test]
    fn doctype_and_custom_entities_are_refused() {
        let e = parse(b"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<x>&a;</x>")
            .unwrap_err();
        assert!(e.message.contains("DOCTYPE"), "{e}");
        assert_eq!(e.line, 2);
        let e = parse(b"<x>&lol;</x>").unwrap_err();
        assert!(e.message.contains("unknown entity &lol;"), "{e}");
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        let e = parse(deep.as_bytes()).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn invalid_utf8_is_reported_with_line() {
        let e = parse(b"<a>\n<b>\xff</b></a>").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("UTF-8"), "{e}");
    }

    #[test]
    fn write_round_trips_text_attributes_and_line_breaks() {
        fn strip_lines(e: &mut Element) {
            e.line = 0;
            e.children.iter_mut().for_each(strip_lines);
        }
        let doc = "<A xmlns=\"urn:x\" k=\"a&quot;b&#10;c\"><cb>https://a.example.com/cb\nhttps://b.example.com/cb&#13;\nx</cb><t>1 &lt; 2 &amp; 3</t><e/><n><m>x</m></n></A>";
        let mut el = parse(doc.as_bytes()).unwrap();
        let text = write(&el);
        assert!(
            text.contains("<cb>https://a.example.com/cb\nhttps://b.example.com/cb&#13;\nx</cb>"),
            "{text}"
        );
        assert!(text.contains("    <e/>\n"), "{text}");
        assert!(
            text.contains("    <n>\n        <m>x</m>\n    </n>\n"),
            "{text}"
        );
        let mut back = parse(text.as_bytes()).unwrap();
        strip_lines(&mut el);
        strip_lines(&mut back);
        assert_eq!(back, el);
    }

    #[test]
    fn empty_and_trailing_content_are_errors() {
        assert!(parse(b"").unwrap_err().message.contains("no root"));
        assert!(parse(b"<a/><b/>").is_err());
        assert!(parse(b"<a/>text").is_err());
    }
}
