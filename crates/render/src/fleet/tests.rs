use super::*;
use pkce_audit_model::fleet::model::{FleetOrg, FLEET_SCHEMA_VERSION};
use pkce_audit_model::rules::Verdict;

/// One org that could not be audited, whose name, error and report path are hostile.
fn hostile() -> FleetReport {
    FleetReport {
        schema_version: FLEET_SCHEMA_VERSION,
        tool: Default::default(),
        file: "fleet.toml".into(),
        generated_at: "2026-11-21T00:00:00Z".into(),
        verdict: Verdict::Incomplete,
        verdict_reason: "1 org(s): 1 incomplete.".into(),
        fail_on: None,
        orgs: vec![FleetOrg {
            name: "=cmd|a".into(),
            role: None,
            rehearses: None,
            verdict: Verdict::Incomplete,
            verdict_reason: String::new(),
            fail_on_matched: false,
            error: Some("refused\n| x | y |\u{1b}[2J\u{202e}".into()),
            source: None,
            org_id: None,
            blockers: Default::default(),
            unread: 0,
            api_calls: None,
            report: Some("out dir/(a)].json".into()),
            is_sandbox: None,
        }],
        shared_blockers: Vec::new(),
        packages: Vec::new(),
        rehearsals: Vec::new(),
    }
}

#[test]
fn formats_parse_from_their_names() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>(), Ok(*f));
    }
    assert!("sarif".parse::<Format>().is_err());
}

#[test]
fn input_text_cannot_break_a_format_or_reach_the_terminal() {
    let r = hostile();
    for f in Format::ALL {
        let text = render(&r, *f, 100);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{f:?}:\n{text}"
        );
    }
    let md = markdown(&r);
    let row = md.lines().find(|l| l.contains("cmd")).unwrap();
    // Seven cells: eight unescaped pipes.
    let pipes = row
        .match_indices('|')
        .filter(|(i, _)| !row[..*i].ends_with('\\'))
        .count();
    assert_eq!(pipes, 8, "{row}");
    assert!(row.contains("(out%20dir/%28a%29%5D.json)"), "{row}");
    let failed = md.lines().find(|l| l.contains("refused")).unwrap();
    assert!(failed.contains("refused<br>\\| x \\| y \\|"), "{failed}");

    let csv = csv(&r);
    let mut rows = ::csv::Reader::from_reader(csv.as_bytes());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'=cmd|a");
    assert!(!row[14].contains('\n'), "{:?}", &row[14]);

    let table = table(&r, 100);
    assert!(
        table.contains("Could not be audited: =cmd|a: refused | x | y |"),
        "{table}"
    );
    let back: FleetReport = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(back, r);
}

/// Two folder audits rehearse faithfully, but neither said its packages.
fn faithful_without_packages() -> FleetReport {
    use pkce_audit_model::fleet::model::{Aspect, Rehearsal};
    let mut r = hostile();
    let mut h = Rehearsal::new("uat", "prod", (Verdict::Ready, Verdict::Ready));
    h.faithful = Some(true);
    h.compared = vec![
        Aspect::Verdict,
        Aspect::Apps,
        Aspect::PkceSettings,
        Aspect::OrgSettings,
        Aspect::Blockers,
    ];
    h.notes = vec!["Installed packages not compared: no package list.".into()];
    r.rehearsals.push(h);
    r
}

#[test]
fn a_faithful_rehearsal_claims_sameness_only_for_what_was_compared() {
    let r = faithful_without_packages();
    for text in [table(&r, 100), markdown(&r)] {
        assert!(
            text.contains("Same verdict, apps, PKCE settings, org settings and blockers.\n"),
            "{text}"
        );
        assert!(!text.contains("and packages"), "{text}");
    }
    let mut all = r.clone();
    all.rehearsals[0]
        .compared
        .push(pkce_audit_model::fleet::model::Aspect::Packages);
    assert!(table(&all, 100)
        .contains("Same verdict, apps, PKCE settings, org settings, blockers and packages."));
}

#[test]
fn the_rehearsed_change_and_what_was_not_read_are_shown_apart_from_differences() {
    use pkce_audit_model::fleet::model::{
        Aspect, BlockerRef, Rehearsal, RehearsedChange, RehearsedKind, UnreadItem,
    };
    use pkce_audit_model::inventory::AppKind;
    let mut r = hostile();
    let mut h = Rehearsal::new("uat", "prod", (Verdict::NotReady, Verdict::Enforced));
    h.compared = vec![Aspect::Verdict, Aspect::Apps];
    h.production_verdict_after_change = Some(Verdict::Enforced);
    h.rehearsed = vec![
        RehearsedChange {
            change: RehearsedKind::App,
            kind: Some(AppKind::ConnectedApp.into()),
            name: "Customer_Portal".into(),
            label: None,
            production: Some(false),
            sandbox: Some(true),
            production_blockers: vec![BlockerRef {
                rule: pkce_audit_model::rules::RuleId::AppPkceNotRequired,
                app: Some("Customer_Portal".into()),
                label: None,
            }],
        },
        RehearsedChange {
            change: RehearsedKind::OrgSetting,
            kind: None,
            name: "isPkceRequired".into(),
            label: None,
            production: Some(false),
            sandbox: Some(true),
            production_blockers: Vec::new(),
        },
    ];
    h.faithful = Some(!h.differs());
    assert_eq!(h.faithful, Some(true));
    r.rehearsals.push(h.clone());
    let items = "Customer_Portal: production NO, sandbox required (resolves production's app-pkce-not-required); org setting isPkceRequired: production false, sandbox true; production with the change: ENFORCED";
    // Continuation lines joined: the table wraps long items.
    let text = table(&r, 200).replace("\n    ", " ");
    assert!(text.contains("uat rehearses prod: FAITHFUL\n"), "{text}");
    assert!(
        text.contains(&format!("  Rehearsed PKCE change: {items}\n")),
        "{text}"
    );
    assert!(!text.contains("Verdict differs"), "{text}");
    let md = markdown(&r);
    assert!(
        md.contains(&format!(
            "- **Rehearsed PKCE change**: {}\n",
            items.replace('_', "\\_")
        )),
        "{md}"
    );

    // Not read completely: not called faithful, and what was not read is named.
    h.unread = vec![UnreadItem {
        org: "prod".into(),
        item: "force-app/x.connectedApp-meta.xml: not well-formed".into(),
    }];
    h.faithful = None;
    r.rehearsals = vec![h];
    // Continuation lines joined: the table wraps long items.
    let text = table(&r, 200).replace("\n    ", " ");
    assert!(
        text.contains("uat rehearses prod: UNKNOWN (not read completely)\n"),
        "{text}"
    );
    assert!(
        text.contains("  Not read (1): prod: force-app/x.connectedApp-meta.xml: not well-formed"),
        "{text}"
    );
    assert!(!text.contains("Same "), "{text}");
}

#[test]
fn the_fleet_page_shows_each_orgs_verdict_and_every_rehearsal_escaped() {
    let mut r = faithful_without_packages();
    r.orgs[0].name = "<script>alert(1)</script>".into();
    let page = html(&r).replace("<wbr>", "");
    assert!(
        !page.contains("<script>") && !page.contains('\u{202e}'),
        "{page}"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("uat rehearses prod") && page.contains("FAITHFUL"));
    assert!(page.contains("INCOMPLETE"));
    let mut r = faithful_without_packages();
    r.tool.version = "0.0.0".into();
    insta::assert_snapshot!("fleet_page", html(&r));
}

/// Two orgs: `ok`, audited, with a 120-character name, blockers and its API calls; and
/// `gone`, which could not be audited; a package installed in `ok` whose name is unknown.
fn audited_and_not() -> FleetReport {
    use pkce_audit_model::fleet::model::{FleetPackage, PackageInstall};
    let mut r = faithful_without_packages();
    r.orgs[0].name = "gone".into();
    r.orgs[0].error = Some("source nonexistent: not found".into());
    r.orgs[0].report = None;
    let mut ok = r.orgs[0].clone();
    ok.name = format!("ok{}", "N".repeat(118));
    ok.error = None;
    ok.verdict = Verdict::NotReady;
    ok.verdict_reason = "4 blocking finding(s) on 1 app(s).".into();
    ok.blockers.findings = 4;
    ok.blockers.org = vec!["Portal".into()];
    ok.api_calls = Some(4321);
    r.packages.push(FleetPackage {
        namespace: "acme".into(),
        names: Vec::new(),
        installs: vec![PackageInstall {
            org: ok.name.clone(),
            version: None,
            blocking_apps: Vec::new(),
        }],
    });
    r.orgs.push(ok);
    r
}

/// The page's text as a reader sees it: no tags, no character references.
fn page_text(page: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn an_org_that_could_not_be_audited_is_not_charted_as_zero() {
    let r = audited_and_not();
    let page = html(&r);
    let svg = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap()];
    assert!(!svg.contains("gone"), "{svg}");
    assert!(
        svg.contains(&format!("<title>{}: 4</title>", r.orgs[1].name)),
        "{svg}"
    );
    let after = &page[page.find("</svg>").unwrap()..];
    assert!(
        after.contains("Not charted, because they could not be audited (no count of blockers): <code>gone</code>"),
        "{after}"
    );
}

#[test]
fn the_fleet_page_carries_every_fact_of_the_fleet_markdown() {
    let r = audited_and_not();
    let text = page_text(&html(&r));
    let md = markdown(&r);
    let mut cells = 0;
    let lines: Vec<&str> = md.lines().collect();
    // Table rows, not headers (the line before `|---`).
    let rows = lines.iter().enumerate().filter(|(i, l)| {
        l.starts_with("| ") && !lines.get(i + 1).is_some_and(|n| n.starts_with("|---"))
    });
    for (_, line) in rows {
        for cell in line.trim_matches('|').split(" | ") {
            // A Markdown link's text; code spans without their backticks.
            let cell = cell.trim().replace('`', "");
            let cell = cell.split("](").next().unwrap().trim_start_matches('[');
            assert!(
                text.contains(cell),
                "{cell:?} of the Markdown is not on the page"
            );
            cells += 1;
        }
    }
    assert!(cells > 15, "{md}");
    // The facts written outside tables: the org that could not be audited and why.
    assert!(text.contains("Could not be audited: source nonexistent: not found"));
    // The package whose name is unknown: "-", as in the Markdown, not an empty cell.
    let page = html(&r).replace("<wbr>", "");
    assert!(
        page.contains("<tr><th scope=\"row\"><code>acme</code></th><td>-</td>"),
        "{page}"
    );
}

#[test]
fn the_fleet_page_and_markdown_name_every_blocking_app_of_every_org_with_who_acts() {
    use pkce_audit_model::report::IsvAction;
    let mut r = audited_and_not();
    let ok = &mut r.orgs[1].blockers;
    ok.org = vec!["Billing_Sync".into(), "Partner_Portal".into()];
    ok.outside = vec!["Partner_Portal".into()];
    ok.isv = vec![IsvAction {
        namespace: "acmecpq".into(),
        apps: vec!["acmecpq__Quote_Sync".into()],
    }];
    ok.vendor = vec!["Acme Vendor Sync".into(), "Headless Shop".into()];
    let org = r.orgs[1].name.clone();
    let page = html(&r).replace("<wbr>", "");
    let section = &page[page.find("<h2 id=\"blocking\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let text = page_text(section);
    for (who, app) in [
        ("our org", "Billing_Sync"),
        ("our org", "Partner_Portal"),
        ("clients at outside hosts", "Partner_Portal"),
        ("ISV acmecpq", "acmecpq__Quote_Sync"),
        ("vendors", "Acme Vendor Sync"),
        ("vendors", "Headless Shop"),
    ] {
        // The app on the row of its org and of who must act.
        assert!(
            text.lines()
                .any(|l| l.starts_with(&org) && l.contains(who) && l.contains(app)),
            "{who}: {app} not on the page: {text}"
        );
    }
    // The org that could not be audited has no row; the Markdown names the same apps.
    assert!(!text.contains("gone"), "{text}");
    let md = markdown(&r);
    for app in [
        "Billing_Sync",
        "Partner_Portal",
        "acmecpq__Quote_Sync",
        "Acme Vendor Sync",
    ] {
        assert!(md.contains(&format!("`{app}`")), "{md}");
    }
    // With no blocker anywhere, the section says so.
    let r = faithful_without_packages();
    let page = html(&r);
    assert!(
        page.contains("<h2 id=\"blocking\">Each org&#39;s blocking apps</h2>\n<p>None.</p>"),
        "{page}"
    );
}
