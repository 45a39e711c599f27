use super::*;

#[test]
fn parses_nested_elements_with_lines_and_entities() {
    let doc = b"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<Root xmlns=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\r\n  <a>1 &amp; 2</a>\r\n  <b\r\n    >x&#65;</b>\r\n  <c xsi:nil=\"true\"/>\r\n</Root>";
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
    let doc = "<A xmlns=\"urn:x\" k=\"a&quot;b&#10;c\"><cb>https://a.example.com/cb\nhttps://b.example.com/cb&#13;\nx</cb><t>1 &lt; 2 &amp; 3</t><e/><n><m>x</m></n></A>";
    let el = parse(doc.as_bytes()).unwrap();
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
    let back = parse(text.as_bytes()).unwrap();
    assert_eq!(back.without_positions(), el.without_positions());
}

#[test]
fn namespaces_are_resolved_for_elements_and_attributes() {
    let root = parse(
        br#"<s:Envelope xmlns:s="urn:soap" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Body><records xmlns="http://soap.sforce.com/2006/04/metadata" xsi:type="ConnectedApp"><label>x</label><e:label xmlns:e="urn:evil" e:nil="true">y</e:label></records></s:Body></s:Envelope>"#,
    )
    .unwrap();
    assert_eq!(root.ns.as_deref(), Some("urn:soap"));
    let rec = root.find("records").unwrap();
    assert!(rec.is_metadata());
    assert_eq!(rec.attr("xsi:type"), Some("ConnectedApp"));
    let labels: Vec<_> = rec.children_named("label").collect();
    assert!(labels[0].is_metadata());
    assert!(!labels[1].is_metadata());
    // A foreign attribute is never read as xsi:nil.
    assert!(!labels[1].is_nil());
    assert_eq!(labels[1].attr("{urn:evil}nil"), Some("true"));
    assert!(parse(b"<a><b/></a>").unwrap().is_metadata());
    // An attribute in no namespace is not xsi:nil either.
    assert!(!parse(b"<a nil=\"true\"/>").unwrap().is_nil());
    let e = parse(b"<a>\n<x:b/></a>").unwrap_err();
    assert!(e.message.contains("undeclared namespace prefix 'x'"), "{e}");
    assert_eq!(e.line, 2);
}

#[test]
fn control_characters_are_refused_as_references_and_raw() {
    let e = parse(b"<a>\n<b>x&#27;[31m</b></a>").unwrap_err();
    assert!(e.message.contains("U+001B"), "{e}");
    assert_eq!(e.line, 2);
    assert!(parse(b"<a>&#x9b;</a>")
        .unwrap_err()
        .message
        .contains("U+009B"));
    assert!(parse(b"<a>x\x1b[0m</a>")
        .unwrap_err()
        .message
        .contains("U+001B"));
    assert!(parse(b"<a k=\"&#7;\"/>")
        .unwrap_err()
        .message
        .contains("U+0007"));
    // Tab, line feed and carriage return are ordinary (callbackUrl lists use &#13;).
    assert_eq!(
        parse(b"<a>x&#13;&#10;y&#9;z</a>").unwrap().text,
        "x\r\ny\tz"
    );
}

#[test]
fn attributes_and_elements_are_capped() {
    let attrs: String = (0..=MAX_ATTRIBUTES)
        .map(|i| format!(" a{i}=\"v\""))
        .collect();
    let e = parse(format!("<a{attrs}/>").as_bytes()).unwrap_err();
    assert!(e.message.contains("more than 32 attributes"), "{e}");
    let ok: String = (0..MAX_ATTRIBUTES)
        .map(|i| format!(" a{i}=\"v\""))
        .collect();
    assert!(parse(format!("<a{ok}/>").as_bytes()).is_ok());
    let many = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
    let e = parse(many.as_bytes()).unwrap_err();
    assert!(e.message.contains("more than 250000 elements"), "{e}");
}

#[test]
fn a_huge_start_tag_is_refused_after_the_cap_not_parsed_quadratically() {
    // 80,000 attributes (about 0.8 MB): the cap stops the attribute walk at 33, so
    // this is linear (the reader scans the tag once). Correctness only; no timing.
    let attrs: String = (0..80_000).map(|i| format!(" a{i}=\"\"")).collect();
    let e = parse(format!("<ConnectedApp{attrs}/>").as_bytes()).unwrap_err();
    assert!(e.message.contains("attributes"), "{e}");
}

#[test]
fn empty_and_trailing_content_are_errors() {
    assert!(parse(b"").unwrap_err().message.contains("no root"));
    assert!(parse(b"<a/><b/>").is_err());
    assert!(parse(b"<a/>text").is_err());
}

#[test]
fn an_error_inside_a_secret_element_quotes_nothing_of_it() {
    for doc in [
        "<AuthProvider><consumerSecret>TOPSECRETAAA&amp;SECRETBBB&bogusSECRET;</consumerSecret></AuthProvider>",
        "<AuthProvider>\n<ecKey>SECRETK<bSECRET</ecKey></AuthProvider>",
        "<X><password>SECRETP&#0;</password></X>",
    ] {
        let e = parse(doc.as_bytes()).unwrap_err();
        assert!(!e.message.contains("SECRET"), "{}", e.message);
        assert!(e.message.contains("is not quoted"), "{}", e.message);
    }
    // Elsewhere the parser's words stay: they help find the mistake.
    let e = parse(b"<X><label>a &bogus; b</label></X>").unwrap_err();
    assert!(e.message.contains("&bogus;"), "{}", e.message);
}
