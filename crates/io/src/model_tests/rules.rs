use crate::metadata::{parse_component, MetadataType};
use pkce_audit_model::flow::Flow;
use pkce_audit_model::inventory::{
    build, Collected, Inventory, Loaded, PackageInfo, Problem, ProblemKind,
};
use pkce_audit_model::inventory::{AppKind, Owner};
use pkce_audit_model::rules::*;

const CA: MetadataType = MetadataType::ConnectedApp;
const ECA: MetadataType = MetadataType::ExternalClientApplication;
const GLOBAL: MetadataType = MetadataType::ExtlClntAppGlobalOauthSettings;
const SETTINGS: MetadataType = MetadataType::OauthOidcSettings;

pub(super) fn part(ty: MetadataType, name: &str, xml: &str) -> Loaded {
    let el = crate::xml::parse(xml.as_bytes()).unwrap();
    Loaded {
        component: parse_component(&el, Some(ty), name).unwrap(),
        file: Some(format!("{name}.xml")),
        package: PackageInfo::default(),
    }
}

fn inventory(parts: Vec<Loaded>) -> Inventory {
    build(Collected {
        components: parts,
        ..Default::default()
    })
}

fn ca(name: &str, oauth: &str) -> Loaded {
    part(
        CA,
        name,
        &format!(
            "<ConnectedApp><label>{name}</label><oauthConfig>{oauth}</oauthConfig></ConnectedApp>"
        ),
    )
}

fn settings(body: &str) -> Loaded {
    part(
        SETTINGS,
        "OauthOidc",
        &format!("<OauthOidcSettings>{body}</OauthOidcSettings>"),
    )
}

fn ids(findings: &[Finding], app: Option<&str>) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .filter(|f| f.app.as_deref() == app)
        .map(|f| f.rule.to_string())
        .collect();
    v.sort();
    v
}

fn rules_for(parts: Vec<Loaded>, app: &str) -> Vec<String> {
    ids(&evaluate(&inventory(parts)), Some(app))
}

const WEB: &str = "<callbackUrl>https://app.example.com/cb</callbackUrl>";

#[test]
fn rule_ids_are_unique_kebab_case_and_in_catalog_order() {
    let mut seen = std::collections::HashSet::new();
    assert_eq!(RULES.len(), RuleId::KNOWN.len());
    for (i, r) in RULES.iter().enumerate() {
        let id = r.id.as_str();
        assert!(seen.insert(id), "duplicate rule id {id}");
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.starts_with('-'),
            "{id} is not kebab-case"
        );
        assert!(
            !r.action.is_empty() && r.action.len() <= 70,
            "{id}: action too long"
        );
        assert_eq!(r.id, RuleId::KNOWN[i]);
        assert_eq!(r.id.rank(), i);
        assert_eq!(rule(id).unwrap().id, r.id);
        assert_eq!(RuleId::known(id).map(|id| id.rule().id), Some(r.id));
    }
    assert_eq!(rule("future-rule").map(|r| r.id), None);
}

/// docs/rules.md is checked against the one table: its summary table lists every rule in
/// catalog order with the catalog's severity, blocker and scope, and each rule has its
/// own section.
#[test]
fn docs_rules_md_matches_the_catalog() {
    let docs = include_str!("../../../../docs/rules.md");
    let rows: Vec<Vec<&str>> = docs
        .lines()
        .skip_while(|l| !l.starts_with("| id |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), RULES.len(), "one table row per rule");
    for (row, r) in rows.iter().zip(RULES) {
        let id = r.id.as_str();
        assert_eq!(row[0], format!("`{id}`"), "table order is catalog order");
        assert_eq!(row[1], r.severity.as_str(), "{id}: severity");
        let blocker = if r.blocker { "yes" } else { "no" };
        assert!(row[2].starts_with(blocker), "{id}: blocker is {blocker}");
        let scope = serde_json::to_value(r.scope).unwrap();
        assert!(row[3].starts_with(scope.as_str().unwrap()), "{id}: scope");
        assert!(
            docs.contains(&format!("\n## `{id}`\n")),
            "{id} has no section in docs/rules.md"
        );
    }
    let sections = docs.lines().filter(|l| l.starts_with("## `")).count();
    assert_eq!(
        sections,
        RULES.len(),
        "a section for a rule the catalog lacks"
    );
}

#[test]
fn org_rules_fire_on_defaults_and_stay_quiet_when_configured() {
    let loud = evaluate(&inventory(vec![settings(
        "<oAuthCdCrdtFlowEnable>true</oAuthCdCrdtFlowEnable>",
    )]));
    assert_eq!(
        ids(&loud, None),
        [
            "org-code-credentials-flow-enabled",
            "org-pkce-not-enforced",
            "org-user-agent-flow-allowed",
            "org-username-password-flow-allowed"
        ]
    );
    let quiet = evaluate(&inventory(vec![settings(
        "<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow><isPkceRequired>true</isPkceRequired><oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>",
    )]));
    assert!(ids(&quiet, None).is_empty(), "{:?}", ids(&quiet, None));
    // Unknown settings: no org rule at all.
    assert!(ids(&evaluate(&inventory(vec![])), None).is_empty());
}

#[test]
fn app_pkce_not_required_positive_and_negative() {
    assert!(rules_for(vec![ca("A", WEB)], "A").contains(&"app-pkce-not-required".into()));
    assert!(rules_for(
        vec![ca(
            "A",
            &format!("{WEB}<isPkceRequired>false</isPkceRequired>")
        )],
        "A"
    )
    .contains(&"app-pkce-not-required".into()));
    assert!(!rules_for(
        vec![ca(
            "A",
            &format!("{WEB}<isPkceRequired>true</isPkceRequired>")
        )],
        "A"
    )
    .contains(&"app-pkce-not-required".into()));
    // A JWT integration still has the mandatory callback URL: with a real receiver it can
    // run the code flow.
    let jwt = rules_for(
        vec![ca(
            "J",
            "<callbackUrl>http://localhost:8080/cb</callbackUrl><certificate>MIIB</certificate>",
        )],
        "J",
    );
    assert!(jwt.contains(&"app-pkce-not-required".into()), "{jwt:?}");
    assert!(
        !jwt.contains(&"insecure-callback-url".into()),
        "loopback is fine"
    );
}

#[test]
fn public_client_is_critical_and_replaces_the_general_rule() {
    let f = evaluate(&inventory(vec![ca(
        "P",
        &format!("{WEB}<isConsumerSecretOptional>true</isConsumerSecretOptional>"),
    )]));
    assert_eq!(
        ids(&f, Some("P")),
        ["connected-app-legacy", "public-client-without-pkce"]
    );
    let p = f
        .iter()
        .find(|f| f.rule == RuleId::PublicClientWithoutPkce)
        .unwrap();
    assert_eq!((p.severity, p.blocker), (Severity::Critical, true));
    assert_eq!(p.location.as_ref().unwrap().file, "P.xml");
    // With PKCE required a public client is fine.
    assert_eq!(
        rules_for(vec![ca("P", &format!("{WEB}<isConsumerSecretOptional>true</isConsumerSecretOptional><isPkceRequired>true</isPkceRequired>"))], "P"),
        ["connected-app-legacy"]
    );
}

#[test]
fn code_credentials_flow_without_pkce() {
    assert_eq!(
        rules_for(
            vec![ca(
                "H",
                "<callbackUrl>https://h.example.com/cb</callbackUrl><isCodeCredentialEnabled>true</isCodeCredentialEnabled>"
            )],
            "H"
        ),
        ["code-credentials-flow-without-pkce", "connected-app-legacy"]
    );
    assert_eq!(
        rules_for(vec![ca("H", "<callbackUrl>https://h.example.com/cb</callbackUrl><isCodeCredentialEnabled>true</isCodeCredentialEnabled><isPkceRequired>true</isPkceRequired>")], "H"),
        ["connected-app-legacy"]
    );
    // The ECA spelling, and the guest variant switched on in the policies.
    let eca = vec![
        part(ECA, "E", "<ExternalClientApplication/>"),
        part(GLOBAL, "G", "<ExtlClntAppGlobalOauthSettings><externalClientApplication>E</externalClientApplication><isCodeCredFlowEnabled>true</isCodeCredFlowEnabled><isPkceRequired>false</isPkceRequired></ExtlClntAppGlobalOauthSettings>"),
    ];
    assert_eq!(rules_for(eca, "E"), ["code-credentials-flow-without-pkce"]);
}

#[test]
fn managed_apps_go_to_the_isv_unless_pkce_is_confirmed() {
    let f = evaluate(&inventory(vec![
        ca("ns__Web", WEB),
        ca("ns__Safe", &format!("{WEB}<isPkceRequired>true</isPkceRequired>")),
        part(ECA, "vx__Packaged", "<ExternalClientApplication><distributionState>Packaged</distributionState></ExternalClientApplication>"),
    ]));
    assert_eq!(ids(&f, Some("ns__Web")), ["managed-app-needs-isv"]);
    assert!(
        ids(&f, Some("ns__Safe")).is_empty(),
        "ISV apps are not legacy-flagged for us"
    );
    assert_eq!(ids(&f, Some("vx__Packaged")), ["managed-app-needs-isv"]);
    let isv = f
        .iter()
        .find(|f| f.app.as_deref() == Some("vx__Packaged"))
        .unwrap();
    assert_eq!(isv.owner, pkce_audit_model::inventory::Owner::Isv);
    assert_eq!(isv.namespace.as_deref(), Some("vx"));
    assert!(isv.message.contains("publisher's org"), "{}", isv.message);
}

#[test]
fn unknown_pkce_is_high_not_a_blocker_and_makes_the_verdict_incomplete() {
    let inv = inventory(vec![
        settings("<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>"),
        part(ECA, "E", "<ExternalClientApplication><distributionState>Local</distributionState></ExternalClientApplication>"),
    ]);
    let f = evaluate(&inv);
    let u = f.iter().find(|f| f.rule == RuleId::AppPkceUnknown).unwrap();
    assert_eq!((u.severity, u.blocker), (Severity::High, false));
    let (v, why) = verdict_of(&inv, &f);
    assert_eq!(v, Verdict::Incomplete, "{why}");
    assert!(why.contains("unknown PKCE"), "{why}");
}

#[test]
fn insecure_callback_detection() {
    let urls = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        insecure_callbacks(&urls(&[
            "http://reports.example.com/cb",
            "HTTP://Example.com:8080",
            "http://localhost:1717/OauthRedirect",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "http://app.localhost/cb",
            "https://secure.example.com",
            "com.acme.app://oauth",
            "http://user@evil.example.com/cb",
            "http://127.attacker.example/cb",
            "http://127.0.0.2/cb",
        ])),
        [
            "http://reports.example.com/cb",
            "HTTP://Example.com:8080",
            "http://user@evil.example.com/cb",
            "http://127.attacker.example/cb"
        ]
    );
    let r = rules_for(vec![ca("L", "<callbackUrl>https://ok.example.com\nhttp://bad.example.com/cb</callbackUrl><isPkceRequired>true</isPkceRequired>")], "L");
    assert_eq!(r, ["connected-app-legacy", "insecure-callback-url"]);
}

#[test]
fn outside_scope_apps_get_only_info() {
    let saml = part(
        CA,
        "S",
        "<ConnectedApp><samlConfig><acsUrl>https://x</acsUrl></samlConfig></ConnectedApp>",
    );
    assert_eq!(
        rules_for(vec![saml], "S"),
        ["app-outside-pkce-scope", "connected-app-legacy"]
    );
    let off = vec![
        part(ECA, "E", "<ExternalClientApplication/>"),
        part(MetadataType::ExtlClntAppConfigurablePolicies, "P", "<ExtlClntAppConfigurablePolicies><externalClientApplication>E</externalClientApplication><isOauthPluginEnabled>false</isOauthPluginEnabled></ExtlClntAppConfigurablePolicies>"),
    ];
    assert_eq!(rules_for(off, "E"), ["app-outside-pkce-scope"]);
}

#[test]
fn verdict_order_enforced_then_not_ready_then_incomplete_then_ready() {
    let enforced_settings = || settings("<isPkceRequired>true</isPkceRequired>");
    let good_settings = || {
        settings("<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>")
    };
    let bad_app = || ca("A", WEB);
    let v = |parts: Vec<Loaded>, problems: Vec<Problem>| {
        let mut c = Collected {
            components: parts,
            ..Default::default()
        };
        c.problems = problems;
        let inv = build(c);
        verdict_of(&inv, &evaluate(&inv)).0
    };
    assert_eq!(
        v(vec![enforced_settings(), bad_app()], vec![]),
        Verdict::Enforced
    );
    // Enforced is a claim about everything read, as ready is.
    assert_eq!(
        v(
            vec![enforced_settings()],
            vec![Problem::new(ProblemKind::Unreadable, "unreadable")]
        ),
        Verdict::Incomplete
    );
    assert_eq!(
        v(
            vec![good_settings(), bad_app()],
            vec![Problem::new(ProblemKind::Unreadable, "x")]
        ),
        Verdict::NotReady
    );
    assert_eq!(
        v(
            vec![good_settings()],
            vec![Problem::new(ProblemKind::Unreadable, "unreadable")]
        ),
        Verdict::Incomplete
    );
    assert_eq!(v(vec![good_settings()], vec![]), Verdict::Ready);
    // Missing org settings never yield ready: the folder reader adds a Problem for them.
    assert_eq!(
        v(
            vec![],
            vec![Problem::new(
                ProblemKind::SettingsNotFound,
                "org OAuth settings not found"
            )]
        ),
        Verdict::Incomplete
    );
}

#[test]
fn a_waived_unknown_pkce_setting_still_keeps_the_verdict_from_ready() {
    let inv = inventory(vec![
        settings("<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>"),
        part(ECA, "E", "<ExternalClientApplication/>"),
    ]);
    let mut f = evaluate(&inv);
    for x in f.iter_mut() {
        x.waived = Some(Waived {
            reason: "r".into(),
            approved_by: "b".into(),
            expires: "2999-01-01".into(),
        });
    }
    assert_eq!(verdict_of(&inv, &f).0, Verdict::Incomplete);
}

#[test]
fn waived_blockers_do_not_count() {
    let inv = inventory(vec![
        settings("<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>"),
        ca("A", WEB),
    ]);
    let mut f = evaluate(&inv);
    assert_eq!(verdict_of(&inv, &f).0, Verdict::NotReady);
    for x in f.iter_mut().filter(|x| x.blocker) {
        x.waived = Some(Waived {
            reason: "r".into(),
            approved_by: "b".into(),
            expires: "2999-01-01".into(),
        });
    }
    assert_eq!(verdict_of(&inv, &f).0, Verdict::Ready);
}

#[test]
fn severity_parses_case_insensitively() {
    assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
    assert!("urgent"
        .parse::<Severity>()
        .unwrap_err()
        .contains("unknown severity"));
    assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
}

const CLI: &str = "<callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl>";
const PLACEHOLDER: &str = "<callbackUrl>https://www.google.com/</callbackUrl>";

fn finding<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule.as_str() == rule)
        .unwrap_or_else(|| panic!("no {rule} in {findings:?}"))
}

#[test]
fn cli_loopback_only_is_a_low_finding_not_a_blocker() {
    let f = evaluate(&inventory(vec![ca(
        "Cli",
        &format!("{CLI}<isPkceRequired>false</isPkceRequired><certificate>x</certificate>"),
    )]));
    assert_eq!(
        ids(&f, Some("Cli")),
        ["app-callback-sf-cli-only", "connected-app-legacy"]
    );
    let cli = finding(&f, "app-callback-sf-cli-only");
    assert_eq!((cli.severity, cli.blocker), (Severity::Low, false));
    assert!(cli.message.contains("2.33.3"), "{}", cli.message);
    assert!(cli.remediation.contains("sf 2.33.3"), "{}", cli.remediation);
}

#[test]
fn placeholder_only_is_a_medium_verify_finding() {
    let f = evaluate(&inventory(vec![ca(
        "Jwt",
        &format!("{PLACEHOLDER}<isPkceRequired>false</isPkceRequired>"),
    )]));
    let p = finding(&f, "app-callback-placeholder-only");
    assert_eq!((p.severity, p.blocker), (Severity::Medium, false));
    assert!(p.message.contains("https://www.google.com/"));
    assert!(!ids(&f, Some("Jwt")).contains(&"app-pkce-not-required".to_string()));
}

#[test]
fn a_public_client_with_only_weak_callbacks_is_medium_with_the_reason() {
    let f = evaluate(&inventory(vec![ca(
        "Ci",
        &format!(
            "{PLACEHOLDER}<isConsumerSecretOptional>true</isConsumerSecretOptional><certificate>x</certificate>"
        ),
    )]));
    let p = finding(&f, "public-client-without-pkce");
    assert_eq!((p.severity, p.blocker), (Severity::Medium, false));
    assert!(
        p.message.contains("no evidence of a code-flow client") && p.message.contains("jwt-bearer"),
        "{}",
        p.message
    );
    assert!(f.iter().all(|x| !x.blocker), "{f:?}");
}

#[test]
fn the_strongest_callback_decides_and_evidence_wins() {
    // A web callback beside the CLI loopback: a real client, a blocker as before.
    let both = "<callbackUrl>http://localhost:1717/OauthRedirect\nhttps://app.example.com/cb</callbackUrl><isPkceRequired>false</isPkceRequired>";
    let f = evaluate(&inventory(vec![ca("Both", both)]));
    assert!(finding(&f, "app-pkce-not-required").blocker);

    // Authorization code logins in the window: a blocker whatever the callback says.
    let mut inv = inventory(vec![ca(
        "Used",
        &format!("{PLACEHOLDER}<isPkceRequired>false</isPkceRequired>"),
    )]);
    inv.apps[0].usage = Some(pkce_audit_model::evidence::Usage {
        window_days: 90,
        tokens: None,
        users: None,
        use_count: None,
        tokens_used_in_window: None,
        last_used: None,
        flows: Some(vec![pkce_audit_model::evidence::FlowUse {
            flow: Flow::AuthorizationCode.into(),
            logins: 3,
            last_seen: None,
        }]),
        failed_logins: None,
        partial: false,
    });
    let f = evaluate(&inv);
    assert!(finding(&f, "app-pkce-not-required").blocker);
    assert!(!ids(&f, Some("Used")).contains(&"app-callback-placeholder-only".to_string()));
}

#[test]
fn auth_provider_callbacks_block_with_the_providers_own_fix() {
    let f = evaluate(&inventory(vec![ca(
        "Sso",
        "<callbackUrl>https://partner.my.salesforce.com/services/authcallback/Acme_Hub</callbackUrl><isPkceRequired>false</isPkceRequired>",
    )]));
    let p = finding(&f, "app-pkce-not-required");
    assert!(p.blocker);
    assert!(
        p.remediation
            .contains("Auth. Provider `Acme_Hub` in the org at `partner.my.salesforce.com`"),
        "{}",
        p.remediation
    );
    assert!(
        !p.remediation.contains("Update the client"),
        "{}",
        p.remediation
    );
}

#[test]
fn dev_hub_namespace_registry_apps_belong_to_salesforce() {
    let soma = "<callbackUrl>https://acme.my.salesforce.com/environmenthub/soma-callback.apexp</callbackUrl>";
    for (name, label) in [
        ("DEVHUB_00Dxx0000001gEREAY", "Anything"),
        ("Registry", "SalesforceDX Namespace Registry"),
        ("Plain", "Plain"),
    ] {
        let app = part(
            CA,
            name,
            &format!("<ConnectedApp><label>{label}</label><oauthConfig>{soma}</oauthConfig></ConnectedApp>"),
        );
        let inv = inventory(vec![app]);
        assert_eq!(inv.apps[0].owner, Owner::Salesforce, "{name}");
        let f = evaluate(&inv);
        assert_eq!(ids(&f, Some(name)), ["salesforce-app-pkce-not-required"]);
        let s = finding(&f, "salesforce-app-pkce-not-required");
        assert!(!s.blocker && s.owner == Owner::Salesforce);
        assert!(s.remediation.contains("open a case with Salesforce"));
        assert!(!s.remediation.to_lowercase().contains("update the client"));
    }
}

#[test]
fn external_apps_that_match_the_catalogue_are_judged_by_it() {
    let mut inv = inventory(vec![ca("Dataloader.io_v2", WEB), ca("Salesforce CLI", WEB)]);
    for app in &mut inv.apps {
        app.kind = AppKind::External;
        app.owner = Owner::External;
        app.label = Some(app.name.clone());
        // Usage evidence shows no callbacks; beside someone else's, a label proves nothing.
        app.callback_urls.clear();
        app.callbacks.clear();
    }
    let f = evaluate(&inv);
    let dl = f
        .iter()
        .find(|x| x.app.as_deref() == Some("Dataloader.io_v2"))
        .unwrap();
    assert_eq!(dl.rule, RuleId::KnownClientWithoutPkce);
    assert!(dl.blocker && dl.remediation.contains("open a case with Salesforce"));
    let cli = f
        .iter()
        .find(|x| x.app.as_deref() == Some("Salesforce CLI"))
        .unwrap();
    assert_eq!(
        (cli.rule, cli.blocker),
        (RuleId::KnownClientSendsPkce, false)
    );
    assert!(cli.message.contains("2.33.3") && cli.remediation.contains("nothing to change"));
    assert!(!ids(&f, Some("Salesforce CLI")).contains(&"external-app-unverified".to_string()));
}

#[test]
fn every_blocker_says_when_and_how_it_breaks() {
    for r in RULES.iter().filter(|r| r.blocker) {
        for needle in [
            "next authorization",
            "missing required code challenge",
            "OAUTH_APPROVAL_ERROR_GENERIC",
        ] {
            assert!(r.explanation.contains(needle), "{}: {needle}", r.id);
        }
    }
}

#[test]
fn soap_logins_in_the_window_are_reported() {
    for sub_type in [
        "SoapApiLogin",
        "SoapApiLoginPortal",
        "SoapApiLoginUndocumented",
    ] {
        let flow = pkce_audit_model::flow::flow_of_sub_type(sub_type).unwrap();
        let mut inv = inventory(vec![ca(
            "Loader",
            &format!("{WEB}<isPkceRequired>true</isPkceRequired>"),
        )]);
        inv.apps[0].usage = Some(pkce_audit_model::evidence::Usage {
            window_days: 90,
            tokens: None,
            users: None,
            use_count: None,
            tokens_used_in_window: None,
            last_used: None,
            flows: Some(vec![pkce_audit_model::evidence::FlowUse {
                flow,
                logins: 4,
                last_seen: Some("2026-11-02".into()),
            }]),
            failed_logins: None,
            partial: false,
        });
        let f = evaluate(&inv);
        let s = finding(&f, "app-uses-soap-login");
        assert_eq!((s.severity, s.blocker), (Severity::Medium, false));
        assert!(s.message.starts_with("4 SOAP API login()") && s.message.contains("2026-11-02"));
    }
    assert_eq!(
        pkce_audit_model::flow::flow_of_sub_type("OauthOtpLogin"),
        Some(Flow::CodeCredentials.into())
    );
}

/// Every control a rule names is in docs/rules.md, with the rule beside it.
#[test]
fn security_controls_are_documented_per_rule() {
    let docs = include_str!("../../../../docs/rules.md");
    let table: Vec<&str> = docs
        .lines()
        .skip_while(|l| !l.starts_with("| control |"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    for r in RULES {
        for c in r.id.controls() {
            let name = c.split(" (").next().unwrap();
            assert!(
                table.iter().any(
                    |row| row.contains(name) && row.contains(&format!("`{}`", r.id))
                        || row.contains(name) && row.contains("every app PKCE rule")
                ),
                "{}: {name} not in the docs table",
                r.id
            );
        }
    }
    assert!(RuleId::AppPkceNotRequired.controls()[0].starts_with(
        "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows"
    ));
}

/// Review of issue 20, findings 1-3: a public client is cleared neither by a label, nor by
/// a pattern fitted across the URL's authority, nor by the CLI's loopback on any port.
#[test]
fn a_public_client_is_cleared_only_by_callbacks_that_are_the_clients_own() {
    let public = "<isConsumerSecretOptional>true</isConsumerSecretOptional><isPkceRequired>false</isPkceRequired>";
    for (name, cb) in [
        ("Workbench", "https://internal.initech.example.com/oauth/cb"),
        (
            "Smuggled",
            "http://localhost:1717@evil.example/OauthRedirect",
        ),
        ("Other_Port", "http://localhost:8080/OauthRedirect"),
    ] {
        let f = evaluate(&inventory(vec![ca(
            name,
            &format!("<callbackUrl>{cb}</callbackUrl>{public}"),
        )]));
        let p = finding(&f, "public-client-without-pkce");
        assert!(p.blocker, "{name}: {f:?}");
        assert!(
            !ids(&f, Some(name)).contains(&"known-client-sends-pkce".to_string()),
            "{name}: {f:?}"
        );
    }
    // The same label on a confidential client is no proof either: the general rule blocks.
    let f = evaluate(&inventory(vec![ca(
        "Workbench",
        "<callbackUrl>https://internal.initech.example.com/oauth/cb</callbackUrl><isPkceRequired>false</isPkceRequired>",
    )]));
    assert!(finding(&f, "app-pkce-not-required").blocker, "{f:?}");
    // On the CLI's default port the public client is the CLI's, as before.
    let f = evaluate(&inventory(vec![ca(
        "Cli",
        &format!("<callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl>{public}"),
    )]));
    assert!(f.iter().all(|x| !x.blocker), "{f:?}");
}
