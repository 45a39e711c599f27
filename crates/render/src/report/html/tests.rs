use super::*;
use crate::html::CSP;
use pkce_audit_model::metadata::MetadataType;
use pkce_audit_test_org::reports::{of_components as report_of, of_fixture};

const URL: &str = "http://127.0.0.1:9/x.png";

/// A Connected App whose name, label and callbacks are hostile.
fn hostile() -> crate::report::Report {
    let xml = format!(
        "<ConnectedApp><label>\"&gt;&lt;img src=x onerror=alert(1)&gt; {URL} \u{202e}gpj.exe</label><contactEmail>a@b.example</contactEmail><oauthConfig><callbackUrl>javascript:alert(1)\n{URL}</callbackUrl><scopes>Api</scopes></oauthConfig></ConnectedApp>"
    );
    report_of(&[(
        MetadataType::ConnectedApp,
        &format!("<script>alert(1)</script>{URL}"),
        &xml,
    )])
}

/// The tags of a page: escaped text holds no `<`, so each `<` starts one of the writer's.
fn tags(page: &str) -> impl Iterator<Item = &str> {
    page.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
}

/// No script; every `src`, `href` and `url(` of a tag points at a `data:` URL or an anchor;
/// the CSP comes first in `<head>`.
fn assert_loads_nothing(page: &str) {
    assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
    for tag in tags(page) {
        for attr in ["src=", "href=", "url(", "action=", "xlink:", "on"] {
            for (i, _) in tag.match_indices(attr) {
                let rest = &tag[i + attr.len()..];
                let ok = match attr {
                    // An event handler would start a word: ` onerror=`.
                    "on" => !tag[..i].ends_with(' ') || !rest.contains('='),
                    _ => rest.starts_with("\"#") || rest.starts_with("\"data:"),
                };
                assert!(ok, "{attr} in <{tag}>");
            }
        }
    }
    let head = &page[page.find("<head>").unwrap() + "<head>".len()..];
    assert!(head.trim_start().starts_with(CSP), "CSP first in <head>");
}

#[test]
fn hostile_names_labels_and_callbacks_are_text_never_markup() {
    let r = hostile();
    let page = html(&r);
    assert_loads_nothing(&page);
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(page.contains("javascript:alert(1)"));
    assert!(!page.contains("<img"));
    // The planted URL is shown as text only, never in an attribute or a tag.
    assert!(tags(&page).all(|t| !t.contains(URL) && !t.contains("javascript")));
    assert!(
        page.matches(URL).count() >= 3,
        "in name, label and callback"
    );
    // The right-to-left override is shown, not applied.
    assert!(!page.contains('\u{202e}'));
    assert!(page.contains("\\u{202e}gpj.exe"));
}

#[test]
fn the_demo_org_page_has_every_section_in_order_and_loads_nothing() {
    let r = of_fixture("demo-org");
    let page = html(&r);
    assert_loads_nothing(&page);
    let order = [
        "Verdict: NOT READY",
        "id=\"audited\"",
        "id=\"next\"",
        "id=\"breaks\"",
        "<svg role=\"img\"",
        "id=\"plan\"",
        "Step 1",
        "Step 2",
        "Step 3",
        "id=\"apps\"",
        "id=\"findings\"",
        "id=\"dates\"",
        "id=\"controls\"",
        "id=\"evidence\"",
        "id=\"waivers\"",
        "id=\"signoff\"",
    ];
    let mut at = 0;
    for o in order {
        let i = page[at..]
            .find(o)
            .unwrap_or_else(|| panic!("{o} after {at}"));
        at += i;
    }
    for f in r.findings.iter().filter(|f| f.needs_action()) {
        assert!(page.contains(f.app.as_deref().unwrap()));
    }
    // The report's next actions, numbered in the report's order, inside their section.
    let next = &page[page.find("id=\"next\"").unwrap()..page.find("id=\"breaks\"").unwrap()];
    assert!(!r.next_actions.is_empty() && next.contains("<ol>"));
    let mut at = 0;
    for a in &r.next_actions {
        at += next[at..]
            .find(&crate::html::escape(&a.text))
            .unwrap_or_else(|| panic!("next action {:?} in order", a.text));
    }
    // Print: rows never split, headers repeat, no paper size.
    assert!(page.contains("break-inside: avoid") && page.contains("display: table-header-group"));
    assert!(!page.contains("@page"));
    // Every coloured badge carries a word.
    assert!(!page.contains("\"></span>"));
}

#[test]
fn demo_org_page_snapshot() {
    let mut r = of_fixture("demo-org");
    r.scope.generated_at = "2026-11-21T00:00:00Z".into();
    r.scope.source = "fixtures/demo-org".into();
    r.tool.version = "0.0.0".into();
    insta::assert_snapshot!(html(&r));
}
