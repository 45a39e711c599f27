use super::reversal::Undo;
use super::*;
use crate::html::CSP;
use pkce_audit_model::metadata::MetadataType;
use pkce_audit_model::report::PLAN_ELSEWHERE;
use pkce_audit_model::rules::Verdict;
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
    let raw = html(&r);
    assert_loads_nothing(&raw);
    // The text as read: `<wbr>` only marks where a long word may wrap.
    let page = raw.replace("<wbr>", "");
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
    assert!(tags(&raw).all(|t| !t.contains(URL) && !t.contains("javascript")));
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
    let page = page.replace("<wbr>", "");
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
    for a in r
        .next_actions
        .iter()
        .filter(|a| a.kind != NextActionKind::More)
    {
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

#[test]
fn step_3_says_what_the_verdict_says() {
    use pkce_audit_model::rules::Verdict;
    let r = pkce_audit_test_org::reports::ready_but_unknown();
    assert_eq!(r.verdict(), Verdict::Incomplete);
    let page = html(&r);
    let step3 = &page[page.find("Step 3:").unwrap()..page.find("id=\"apps\"").unwrap()];
    assert!(!step3.contains("ready to turn on"), "{step3}");
    assert!(
        step3.contains("not yet: the audit is incomplete"),
        "{step3}"
    );
    assert!(
        step3.contains("unknown PKCE setting on Analytics_Bridge"),
        "{step3}"
    );
    let ready = html(&of_fixture("ready-org"));
    assert!(ready.contains("ready to turn on"));
    assert!(html(&of_fixture("enforced-org")).contains("already on"));
    assert!(html(&of_fixture("demo-org")).contains("not yet: blockers remain"));
}

#[test]
fn each_callback_url_is_shown_with_its_own_class() {
    let xml = "<ConnectedApp><label>Cb</label><oauthConfig><callbackUrl>http://localhost:1717/OauthRedirect\nhttps://app.example.com/cb\nhttp://localhost:1718/OauthRedirect</callbackUrl><scopes>Api</scopes></oauthConfig></ConnectedApp>";
    let r = report_of(&[(MetadataType::ConnectedApp, "Cb", xml)]);
    let app = &r.apps[0];
    assert_eq!(app.callbacks.len(), 3);
    // Not adjacent: a dedup of the classes alone would lose the pairing.
    assert_eq!(app.callbacks[0].class, app.callbacks[2].class);
    assert_ne!(app.callbacks[0].class, app.callbacks[1].class);
    let page = html(&r);
    let cell = page
        .split("<td>")
        .find(|c| c.contains(": <code>http"))
        .unwrap();
    let pairs: Vec<String> = app
        .callbacks
        .iter()
        .map(|c| format!("{}: <code>{}</code>", c.class.as_str(), c.url))
        .collect();
    assert_eq!(
        cell.replace("<wbr>", ""),
        format!("{}</td>", pairs.join("<br>"))
    );
}

#[test]
fn expired_and_unused_waivers_are_named_with_their_expiry_or_why() {
    use pkce_audit_model::waivers::{parse, WaiverSet};
    let file = std::path::Path::new("pkce-audit.toml");
    let toml = r#"
[[waiver]]
rule = "app-pkce-not-required"
app = "Customer_Portal"
reason = "vendor fix due"
approved_by = "cab"
expires = 2026-12-31

[[waiver]]
rule = "app-pkce-not-required"
app = "ERP_Integration"
reason = "old"
approved_by = "cab"
expires = 2026-01-31

[[waiver]]
rule = "app-pkce-not-required"
app = "No_Such_App"
reason = "typo"
approved_by = "cab"
expires = 2026-12-31
"#;
    let mut r = of_fixture("demo-org");
    let set = WaiverSet {
        file: Some(file.into()),
        waivers: parse(toml, file).unwrap(),
        ..Default::default()
    };
    r.apply_waivers(&set, serde_json::from_str("\"2026-06-01\"").unwrap());
    let page = html(&r).replace("<wbr>", "");
    let w = &page[page.find("id=\"waivers\"").unwrap()..page.find("id=\"signoff\"").unwrap()];
    assert!(w.contains("Expired entries (1)"), "{w}");
    assert!(
        w.contains("<code>ERP_Integration</code> <code>app-pkce-not-required</code>"),
        "{w}"
    );
    assert!(w.contains("expired on 2026-01-31"), "{w}");
    assert!(w.contains("Unused entries (1)"), "{w}");
    assert!(w.contains("<code>No_Such_App</code>"), "{w}");
    assert!(w.contains("pkce-audit.toml:16"), "{w}");
}

#[test]
fn the_more_line_points_to_the_pages_own_plan() {
    let mut r = of_fixture("demo-org");
    // The model's words for a list cut at five (model/src/report/next.rs).
    r.next_actions.push(NextAction {
        kind: NextActionKind::More,
        owner: None,
        text: format!("3 more action(s) after these: {PLAN_ELSEWHERE} lists every step, and the summary by owner who acts on each."),
        apps: Vec::new(),
        namespace: None,
        contacts: Vec::new(),
        command: None,
        count: Some(3),
    });
    let more = r.next_actions.last().unwrap();
    let page = html(&r);
    let next = &page[page.find("id=\"next\"").unwrap()..page.find("id=\"breaks\"").unwrap()];
    let last = next.rsplit("<li>").next().unwrap();
    let n = more.text.split(' ').next().unwrap();
    assert!(last.starts_with(&format!("{n} more action(s)")), "{last}");
    assert!(
        last.contains("<a href=\"#plan\">the rollout plan</a>"),
        "{last}"
    );
    assert!(!next.contains("--format"), "{next}");
    // The Markdown report holds its plan too: its line points below, not at itself.
    let md = crate::report::markdown(&r);
    let line = md.lines().find(|l| l.contains("3 more action(s)")).unwrap();
    assert!(
        line.contains("the rollout plan below lists every step"),
        "{line}"
    );
    assert!(!line.contains("--format"), "{line}");
}

/// The part of `page` from the heading with `id` to the end of its section.
fn section_of<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page.find(&format!("id=\"{id}\"")).unwrap();
    let end = page[at..].find("</section>").unwrap();
    &page[at..at + end]
}

#[test]
fn partial_data_is_never_called_safe() {
    for fixture in ["broken-org", "no-settings-org"] {
        let r = of_fixture(fixture);
        assert_eq!(r.verdict(), Verdict::Incomplete, "{fixture}");
        let n = r.incomplete.len();
        assert!(n > 0, "{fixture}");
        let page = html(&r);
        let breaks = section_of(&page, "breaks");
        assert!(!breaks.contains("nothing breaks"), "{fixture}: {breaks}");
        assert!(
            breaks.contains(&format!(
                "No blocker in what was read; {n} item(s) could not be read"
            )),
            "{fixture}: {breaks}"
        );
        assert!(breaks.contains("<a href=\"#evidence\">"), "{fixture}");
        assert!(section_of(&page, "evidence").contains("Could not be read"));
        let md = crate::report::markdown(&r);
        assert!(
            md.contains(&format!(
                "No blocker in what was read; {n} item(s) could not be read (see [Could not be read](#could-not-be-read))"
            )),
            "{fixture}: {md}"
        );
        assert!(md.contains("## Could not be read"), "{fixture}");
    }
    // Everything read and nothing blocking: then, and only then, nothing breaks.
    let page = html(&of_fixture("ready-org"));
    assert!(section_of(&page, "breaks").contains("nothing breaks"));
}

#[test]
fn the_vendors_that_run_our_apps_clients_are_owners_too() {
    for (fixture, apps) in [
        (
            "outside-org",
            &["Boomi_Sync", "Demandbase_ABM", "Vendor_Sync"][..],
        ),
        ("callbacks-org", &["Zapier_Sync"][..]),
    ] {
        let r = of_fixture(fixture);
        let outside = r.outside_clients();
        let names: Vec<&str> = outside.iter().map(|(a, _)| *a).collect();
        assert!(
            apps.iter().all(|a| names.contains(a)),
            "{fixture}: {names:?}"
        );
        let page = html(&r).replace("<wbr>", "");
        let breaks = section_of(&page, "breaks");
        for (app, hosts) in outside {
            let who = format!("Clients at outside hosts to confirm ({})", hosts.join(", "));
            // A row of the table naming the app, and a bar of the chart.
            let row = breaks
                .split("<tr>")
                .find(|row| row.contains(&format!("<th scope=\"row\">{who}</th>")))
                .unwrap_or_else(|| panic!("{fixture}: no row {who}: {breaks}"));
            assert!(row.contains(&format!("<code>{app}</code>")), "{row}");
            assert!(
                breaks.contains(&format!("<title>{who}: ")),
                "{fixture}: chart"
            );
        }
    }
}

#[test]
fn an_enforced_org_has_nothing_to_turn_on_and_names_the_apps_likely_failing() {
    let r = of_fixture("enforced-org");
    assert_eq!(r.verdict(), Verdict::Enforced);
    let page = html(&r).replace("<wbr>", "");
    let plan = section_of(&page, "plan");
    let step3 = &plan[plan.find("Step 3:").unwrap()..];
    assert!(
        !step3.contains("Only when steps 1 and 2 are done"),
        "{step3}"
    );
    assert!(!step3.contains("--org-setting</code>;"), "{step3}");
    let turn_on = r.scope.fix_target().org_setting_command();
    assert!(
        !step3.contains(&format!("<code>{turn_on}</code>")),
        "{step3}"
    );
    assert!(step3.contains("Already on in this org"), "{step3}");
    let failing: Vec<_> = r.findings.iter().filter(|f| f.likely_failing).collect();
    assert!(!failing.is_empty());
    assert!(step3.contains(&format!(
        "Apps that likely fail at their next authorization ({})",
        failing.len()
    )));
    for f in failing {
        assert!(step3.contains(&format!("<code>{}</code>", f.app.as_deref().unwrap())));
    }
    // Step 1's way back: the org already requires PKCE, so no "as long as" the org does not.
    assert!(
        !plan.contains("nor the org (step 3) requires PKCE"),
        "{plan}"
    );
    assert!(plan.contains("the org already requires PKCE"), "{plan}");
}

#[test]
fn blockers_by_owner_names_twenty_apps_and_counts_the_rest_which_the_apps_table_names() {
    // 25 public clients without PKCE: each blocks, and our org must act on all.
    let xml = "<ConnectedApp><label>L</label><contactEmail>a@b.example</contactEmail><oauthConfig><callbackUrl>https://app.example.com/cb</callbackUrl><isConsumerSecretOptional>true</isConsumerSecretOptional><scopes>Api</scopes></oauthConfig></ConnectedApp>";
    let names: Vec<String> = (0..25).map(|i| format!("Public_App_{i:02}")).collect();
    let parts: Vec<_> = names
        .iter()
        .map(|n| (MetadataType::ConnectedApp, n.as_str(), xml))
        .collect();
    let r = report_of(&parts);
    let page = html(&r);
    let breaks = &page[page.find("<h2 id=\"breaks\">").unwrap()..];
    let breaks = &breaks[..breaks.find("</section>").unwrap()];
    let row = &breaks[breaks.find("<th scope=\"row\">Our org</th>").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let shown = names.iter().filter(|n| row.contains(n.as_str())).count();
    assert_eq!(shown, OWNER_APPS, "{row}");
    assert!(
        row.contains(
            ", and 5 more: see <a href=\"#apps\">Apps</a> and <a href=\"#findings\">Findings</a>"
        ),
        "{row}"
    );
    // Every fact is still on the page: each app in the Apps table and in the findings.
    for id in ["apps", "findings"] {
        let s = &page[page.find(&format!("<h2 id=\"{id}\">")).unwrap()..];
        let s = &s[..s.find("</section>").unwrap()];
        for n in &names {
            assert!(s.contains(&format!("<code>{n}</code>")), "{id}: {n}");
        }
    }
}

#[test]
fn each_row_says_how_to_undo_and_each_source_is_said_once_below_its_step() {
    let page = html(&of_fixture("demo-org")).replace("<wbr>", "");
    let plan = &page[page.find("<h2 id=\"plan\">").unwrap()..];
    let plan = &plan[..plan.find("</section>").unwrap()];
    // Our clients' rows (step 1) each say how; the source once, in the list below.
    let rows = plan.matches("<td>our org (").count();
    assert!(rows > 2, "{plan}");
    let how = crate::html::escape("redeploy the client's previous version; it works again");
    assert_eq!(plan.matches(how.as_str()).count(), rows, "{plan}");
    // The sources do not depend on the command a row gives.
    let undo = || Undo::Refused(String::new());
    for r in [
        Reversal::OurClient {
            org_requires: false,
        },
        Reversal::IsvApp,
        Reversal::ConnectedApp(undo()),
        Reversal::ExternalClientApp(undo()),
        Reversal::OrgSetting(undo()),
    ] {
        let w = r.way_back();
        let source = crate::html::escape(w.source);
        assert_eq!(plan.matches(source.as_str()).count(), 1, "{source}: {plan}");
        assert!(plan.contains(&format!("{}</span>: {source}</li>", w.answer)));
    }
}
