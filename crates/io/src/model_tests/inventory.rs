use crate::metadata::parse_component;
use pkce_audit_model::flow::Flow;
use pkce_audit_model::inventory::*;
use pkce_audit_model::metadata::*;

fn loaded(xml: &str, ty: MetadataType, name: &str, file: &str) -> Loaded {
    let el = crate::xml::parse(xml.as_bytes()).unwrap();
    Loaded {
        component: parse_component(&el, Some(ty), name).unwrap(),
        file: Some(file.into()),
        package: PackageInfo::default(),
    }
}

fn inv(components: Vec<Loaded>, org_ns: Option<&str>) -> Inventory {
    build(Collected {
        components,
        org_namespace: org_ns.map(String::from),
        ..Default::default()
    })
}

const ECA: MetadataType = MetadataType::ExternalClientApplication;
const GLOBAL: MetadataType = MetadataType::ExtlClntAppGlobalOauthSettings;

#[test]
fn eca_children_join_on_the_parent_element_not_the_file_name() {
    let i = inv(
        vec![
            loaded("<ExternalClientApplication><label>E</label><distributionState>Local</distributionState></ExternalClientApplication>", ECA, "ecaViaMetadata", "a.eca-meta.xml"),
            loaded("<ExtlClntAppGlobalOauthSettings><callbackUrl>https://x</callbackUrl><externalClientApplication>ecaViaMetadata</externalClientApplication><isPkceRequired>false</isPkceRequired></ExtlClntAppGlobalOauthSettings>", GLOBAL, "Unrelated_Name", "b.ecaGlblOauth-meta.xml"),
        ],
        None,
    );
    assert!(i.problems.is_empty(), "{:?}", i.problems);
    let app = &i.apps[0];
    assert_eq!(app.pkce_required, Some(false));
    assert_eq!(app.flows.as_deref(), Some(&[Flow::AuthorizationCode][..]));
    assert_eq!(app.files.len(), 2);
    assert_eq!(
        app.locations.pkce.as_ref().unwrap().file,
        "b.ecaGlblOauth-meta.xml"
    );
}

#[test]
fn eca_pkce_defaults_to_true_but_missing_global_is_unknown() {
    let i = inv(
        vec![
            loaded("<ExternalClientApplication/>", ECA, "A", "a"),
            loaded("<ExtlClntAppGlobalOauthSettings><callbackUrl>https://x</callbackUrl><externalClientApplication>A</externalClientApplication></ExtlClntAppGlobalOauthSettings>", GLOBAL, "G", "g"),
            loaded("<ExternalClientApplication/>", ECA, "B", "b"),
        ],
        None,
    );
    assert_eq!(i.apps[0].pkce_required, Some(true));
    assert_eq!(i.apps[0].pkce_basis, PkceBasis::Default);
    assert_eq!(i.apps[1].pkce_required, None);
    assert_eq!(i.apps[1].pkce_basis, PkceBasis::Unknown);
    assert!(i.apps[1].in_pkce_scope());
}

#[test]
fn orphan_children_are_problems_naming_file_and_parent() {
    let i = inv(
        vec![loaded("<ExtlClntAppGlobalOauthSettings>\n<externalClientApplication>Gone</externalClientApplication></ExtlClntAppGlobalOauthSettings>", GLOBAL, "G", "x/G.ecaGlblOauth-meta.xml")],
        None,
    );
    assert_eq!(i.problems.len(), 1);
    let p = i.problems[0].to_string();
    assert!(p.starts_with("x/G.ecaGlblOauth-meta.xml:1: ExtlClntAppGlobalOauthSettings G: points to External Client App 'Gone'"), "{p}");
}

#[test]
fn ownership_by_namespace_and_manageable_state() {
    let ca = "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>";
    let mut installed = loaded(ca, MetadataType::ConnectedApp, "NoPrefix", "c");
    installed.package.manageable_state = Some("installed".into());
    let i = inv(
        vec![
            loaded(ca, MetadataType::ConnectedApp, "mine__App", "a"),
            loaded(ca, MetadataType::ConnectedApp, "other__App", "b"),
            installed,
            loaded(ca, MetadataType::ConnectedApp, "Local", "d"),
        ],
        Some("mine"),
    );
    let owners: Vec<_> = i.apps.iter().map(|a| (a.name.as_str(), a.owner)).collect();
    assert_eq!(
        owners,
        [
            ("Local", Owner::Org),
            ("NoPrefix", Owner::Isv),
            ("mine__App", Owner::Org),
            ("other__App", Owner::Isv)
        ]
    );
}

#[test]
fn eca_policies_switch_flows_and_the_oauth_plugin() {
    let i = inv(
        vec![
            loaded("<ExternalClientApplication/>", ECA, "A", "a"),
            loaded("<ExtlClntAppGlobalOauthSettings><externalClientApplication>A</externalClientApplication><isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled><isTokenExchangeEnabled>true</isTokenExchangeEnabled></ExtlClntAppGlobalOauthSettings>", GLOBAL, "G", "g"),
            loaded("<ExtlClntAppOauthConfigurablePolicies><externalClientApplication>A</externalClientApplication><isClientCredentialsFlowEnabled>false</isClientCredentialsFlowEnabled><isGuestCodeCredFlowEnabled>true</isGuestCodeCredFlowEnabled></ExtlClntAppOauthConfigurablePolicies>", MetadataType::ExtlClntAppOauthConfigurablePolicies, "P", "p"),
            loaded("<ExternalClientApplication/>", ECA, "B", "b"),
            loaded("<ExtlClntAppConfigurablePolicies><externalClientApplication>B</externalClientApplication><isOauthPluginEnabled>false</isOauthPluginEnabled></ExtlClntAppConfigurablePolicies>", MetadataType::ExtlClntAppConfigurablePolicies, "Q", "q"),
        ],
        None,
    );
    assert_eq!(
        i.apps[0].flows.as_deref(),
        Some(&[Flow::CodeCredentials, Flow::TokenExchange][..])
    );
    assert!(!i.apps[1].oauth_enabled);
    assert!(!i.apps[1].in_pkce_scope());
}

#[test]
fn a_component_defined_twice_is_read_from_neither_copy() {
    let on = "<OauthOidcSettings><isPkceRequired>true</isPkceRequired></OauthOidcSettings>";
    let off = "<OauthOidcSettings><isPkceRequired>false</isPkceRequired></OauthOidcSettings>";
    let i = inv(
        vec![
            loaded(on, MetadataType::OauthOidcSettings, "OauthOidc", "one"),
            loaded(off, MetadataType::OauthOidcSettings, "OauthOidc", "two"),
        ],
        None,
    );
    // Neither "first wins" (enforced) nor "last wins".
    assert!(i.org_settings.is_none());
    assert_eq!(i.problems.len(), 1);
    let p = &i.problems[0];
    assert!(
        p.reason
            .contains("defined 2 times (OauthOidc in one, OauthOidc in two)"),
        "{p}"
    );
    assert!(p
        .component
        .as_ref()
        .is_some_and(|c| c.is_component(MetadataType::OauthOidcSettings, "OauthOidc")));
    assert_eq!(p.kind, ProblemKind::Duplicate);

    let ca = "<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl></oauthConfig></ConnectedApp>";
    let i = inv(
        vec![
            loaded(
                ca,
                MetadataType::ConnectedApp,
                "App",
                "a/App.connectedApp-meta.xml",
            ),
            loaded(
                ca,
                MetadataType::ConnectedApp,
                "App",
                "b/App.connectedApp-meta.xml",
            ),
        ],
        None,
    );
    assert!(i.apps.is_empty());
    assert!(i.problems[0].reason.contains("a/App.connectedApp-meta.xml"));
    assert!(i.problems[0].reason.contains("b/App.connectedApp-meta.xml"));
}

#[test]
fn two_children_of_one_type_for_an_eca_are_both_refused() {
    let header = "<ExternalClientApplication><label>X</label></ExternalClientApplication>";
    let global = "<ExtlClntAppGlobalOauthSettings><externalClientApplication>X</externalClientApplication><callbackUrl>https://x.example.com/cb</callbackUrl><isPkceRequired>false</isPkceRequired></ExtlClntAppGlobalOauthSettings>";
    let live = "<ExtlClntAppConfigurablePolicies><externalClientApplication>X</externalClientApplication><isEnabled>true</isEnabled></ExtlClntAppConfigurablePolicies>";
    let stale = "<ExtlClntAppConfigurablePolicies><externalClientApplication>X</externalClientApplication><isEnabled>false</isEnabled></ExtlClntAppConfigurablePolicies>";
    let i = inv(
        vec![
            loaded(
                header,
                MetadataType::ExternalClientApplication,
                "X",
                "X.eca-meta.xml",
            ),
            loaded(
                global,
                MetadataType::ExtlClntAppGlobalOauthSettings,
                "X_glbloauth",
                "X_glbloauth.ecaGlblOauth-meta.xml",
            ),
            loaded(
                live,
                MetadataType::ExtlClntAppConfigurablePolicies,
                "X_plcy",
                "X_plcy.ecaPlcy-meta.xml",
            ),
            loaded(
                stale,
                MetadataType::ExtlClntAppConfigurablePolicies,
                "X_plcy_old",
                "old/X_plcy_old.ecaPlcy-meta.xml",
            ),
        ],
        None,
    );
    // The stale "disabled" file no longer hides the app: it stays in scope, PKCE off.
    let app = &i.apps[0];
    assert!(app.in_pkce_scope(), "{app:?}");
    assert_eq!(app.pkce_required, Some(false));
    assert_eq!(i.problems.len(), 1, "{:?}", i.problems);
    let p = &i.problems[0];
    assert!(p.reason.starts_with("2 ExtlClntAppConfigurablePolicies components point to this app (X_plcy in X_plcy.ecaPlcy-meta.xml, X_plcy_old in old/X_plcy_old.ecaPlcy-meta.xml)"), "{p}");

    let global2 = global.replace("false", "true");
    let i = inv(
        vec![
            loaded(
                header,
                MetadataType::ExternalClientApplication,
                "X",
                "X.eca-meta.xml",
            ),
            loaded(
                global,
                MetadataType::ExtlClntAppGlobalOauthSettings,
                "X_glbloauth",
                "g1",
            ),
            loaded(
                &global2,
                MetadataType::ExtlClntAppGlobalOauthSettings,
                "X_glbloauth2",
                "g2",
            ),
        ],
        None,
    );
    assert_eq!(i.apps[0].pkce_required, None, "neither copy decides PKCE");
    assert!(i.problems[0]
        .reason
        .contains("X_glbloauth in g1, X_glbloauth2 in g2"));
}

#[test]
fn connected_app_scope_reasons() {
    let i = inv(
        vec![
            loaded("<ConnectedApp><samlConfig><acsUrl>x</acsUrl></samlConfig></ConnectedApp>", MetadataType::ConnectedApp, "Saml", "a"),
            loaded("<ConnectedApp><label>x</label></ConnectedApp>", MetadataType::ConnectedApp, "Bare", "b"),
            loaded("<ConnectedApp><oauthConfig><callbackUrl>https://h.example.com/cb</callbackUrl><isCodeCredentialEnabled>true</isCodeCredentialEnabled></oauthConfig></ConnectedApp>", MetadataType::ConnectedApp, "Headless", "c"),
        ],
        None,
    );
    let reason = |n: &str| {
        i.apps
            .iter()
            .find(|a| a.name == n)
            .unwrap()
            .outside_scope_reason
            .clone()
    };
    assert_eq!(
        reason("Saml").as_deref(),
        Some("no OAuth configuration; uses saml only")
    );
    assert_eq!(
        reason("Bare").as_deref(),
        Some("no OAuth, SAML or canvas configuration")
    );
    assert_eq!(reason("Headless"), None);
}
