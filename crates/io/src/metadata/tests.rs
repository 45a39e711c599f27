use super::*;
use crate::xml::parse;

fn component(xml: &str, ty: Option<MetadataType>) -> Result<Component, ParseError> {
    parse_component(&parse(xml.as_bytes()).unwrap(), ty, "Name")
}

fn connected_app(xml: &str) -> ConnectedApp {
    match component(xml, Some(MetadataType::ConnectedApp))
        .unwrap()
        .body
    {
        Body::ConnectedApp(ca) => ca,
        other => panic!("{other:?}"),
    }
}

#[test]
fn type_table_is_consistent() {
    for t in ALL_TYPES {
        assert_eq!(t.ty.name(), t.name);
        assert_eq!(MetadataType::from_name(t.name), Some(t.ty));
    }
    let mut suffixes: Vec<_> = ALL_TYPES.iter().map(|t| t.suffix).collect();
    suffixes.sort();
    suffixes.dedup();
    assert_eq!(suffixes.len(), ALL_TYPES.len(), "suffixes are unique");
}

#[test]
fn connected_app_oauth_fields_and_absent_defaults() {
    let ca = connected_app(
        r#"<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
<contactEmail>a@example.com</contactEmail>
<label>Portal</label>
<oauthConfig>
    <callbackUrl>https://a.example.com/cb
https://b.example.com/cb&#13;
</callbackUrl>
    <consumerSecret>must-not-matter</consumerSecret>
    <isCodeCredentialEnabled>true</isCodeCredentialEnabled>
    <isTokenExchangeFlowEnabled>true</isTokenExchangeFlowEnabled>
    <scopes>Api</scopes>
    <scopes>RefreshToken</scopes>
    <someFieldFromTheFuture>x</someFieldFromTheFuture>
</oauthConfig>
</ConnectedApp>"#,
    );
    assert_eq!(ca.label.as_deref(), Some("Portal"));
    let o = ca.oauth.unwrap();
    assert_eq!(
        o.callback_urls,
        ["https://a.example.com/cb", "https://b.example.com/cb"]
    );
    assert_eq!(o.callback_line, Some(5));
    assert_eq!(o.is_pkce_required, None, "absent is not false");
    assert!(o.is_code_credential_enabled.unwrap().value);
    assert_eq!(o.is_token_exchange_enabled, Some(true));
    assert_eq!(o.scopes, ["Api", "RefreshToken"]);
    assert!(!o.has_certificate);
    assert_eq!(ca.is_token_exchange_flow_enabled, None);
}

#[test]
fn the_oauth_policy_holds_the_admin_switch_for_token_exchange() {
    let ca = connected_app(
        "<ConnectedApp><label>X</label><oauthConfig><callbackUrl>https://x/cb</callbackUrl><isTokenExchangeEnabled>true</isTokenExchangeEnabled></oauthConfig><oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation><isTokenExchangeFlowEnabled>false</isTokenExchangeFlowEnabled><refreshTokenPolicy>infinite</refreshTokenPolicy></oauthPolicy></ConnectedApp>",
    );
    assert_eq!(ca.oauth.unwrap().is_token_exchange_enabled, Some(true));
    assert_eq!(ca.is_token_exchange_flow_enabled, Some(false));
}

#[test]
fn saml_and_canvas_only_apps_have_no_oauth() {
    let ca = connected_app("<ConnectedApp><label>X</label><samlConfig><acsUrl>https://x</acsUrl></samlConfig><canvasConfig><canvasUrl>https://y</canvasUrl></canvasConfig></ConnectedApp>");
    assert!(ca.oauth.is_none() && ca.has_saml && ca.has_canvas);
}

#[test]
fn wrong_root_bad_boolean_and_missing_parent_are_specific() {
    let e = component("<CustomObject/>", Some(MetadataType::ConnectedApp)).unwrap_err();
    assert!(matches!(e.kind, ParseErrorKind::WrongRoot { .. }), "{e}");
    let e = component(
        "<ConnectedApp>\n<oauthConfig>\n<isPkceRequired>yes</isPkceRequired></oauthConfig></ConnectedApp>",
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3: <isPkceRequired> must be true or false, found \"yes\""
    );
    let e = component(
        "<ExtlClntAppGlobalOauthSettings><label>x</label></ExtlClntAppGlobalOauthSettings>",
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.kind,
        ParseErrorKind::Missing {
            element: "externalClientApplication"
        }
    );
}

#[test]
fn unfilled_templates_are_named_but_other_braces_are_text() {
    let e = component(
        "<ConnectedApp>\n<label>{{APP_NAME}}</label></ConnectedApp>",
        None,
    )
    .unwrap_err();
    assert!(
        e.line == 2
            && matches!(&e.kind, ParseErrorKind::UnfilledTemplate { placeholder, .. } if placeholder == "{{APP_NAME}}"),
        "{e}"
    );
    let ca = connected_app("<ConnectedApp><label>{CONSUMERKEY} REPLACE_ME</label></ConnectedApp>");
    assert_eq!(ca.label.as_deref(), Some("{CONSUMERKEY} REPLACE_ME"));
}

#[test]
fn readmetadata_records_use_xsi_type_and_full_name() {
    let el = parse(br#"<records xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ExtlClntAppGlobalOauthSettings"><fullName>App_glbloauth</fullName><externalClientApplication>App</externalClientApplication><isPkceRequired>false</isPkceRequired></records>"#).unwrap();
    let c = parse_component(
        &el,
        Some(MetadataType::ExtlClntAppGlobalOauthSettings),
        "ignored",
    )
    .unwrap();
    assert_eq!(c.full_name, "App_glbloauth");
    assert_eq!(c.parent.as_deref(), Some("App"));
    match c.body {
        Body::EcaGlobalOauth(g) => assert!(!g.is_pkce_required.unwrap().value),
        other => panic!("{other:?}"),
    }
}

#[test]
fn oauth_oidc_nil_values_are_absent() {
    let c = component(r#"<OauthOidcSettings xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><isPkceRequired xsi:nil="true"/><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow></OauthOidcSettings>"#, None).unwrap();
    match c.body {
        Body::OauthOidc(s) => {
            assert_eq!(s.is_pkce_required, None);
            assert!(s.block_oauth_un_pw_flow.unwrap().value);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_second_copy_of_a_single_valued_element_is_an_error_naming_both_lines() {
    let cases = [
        (
            "<ConnectedApp>\n<oauthConfig>\n<isPkceRequired>false</isPkceRequired>\n<isPkceRequired>true</isPkceRequired></oauthConfig></ConnectedApp>",
            "isPkceRequired",
            (3, 4),
        ),
        (
            "<ConnectedApp>\n<oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl></oauthConfig>\n<oauthConfig><isPkceRequired>true</isPkceRequired></oauthConfig></ConnectedApp>",
            "oauthConfig",
            (2, 3),
        ),
        (
            "<ConnectedApp>\n<fullName>A</fullName>\n<fullName>B</fullName></ConnectedApp>",
            "fullName",
            (2, 3),
        ),
        (
            "<ConnectedApp>\n<label>A</label>\n<label>B</label></ConnectedApp>",
            "label",
            (2, 3),
        ),
        (
            "<ExtlClntAppGlobalOauthSettings>\n<externalClientApplication>A</externalClientApplication>\n<externalClientApplication>B</externalClientApplication></ExtlClntAppGlobalOauthSettings>",
            "externalClientApplication",
            (2, 3),
        ),
        (
            "<OauthOidcSettings>\n<isPkceRequired>true</isPkceRequired>\n<isPkceRequired>true</isPkceRequired></OauthOidcSettings>",
            "isPkceRequired",
            (2, 3),
        ),
        (
            "<ExtlClntAppConfigurablePolicies><externalClientApplication>A</externalClientApplication>\n<isEnabled>true</isEnabled>\n<isEnabled>false</isEnabled></ExtlClntAppConfigurablePolicies>",
            "isEnabled",
            (2, 3),
        ),
    ];
    for (xml, element, lines) in cases {
        let e = component(xml, None).unwrap_err();
        assert_eq!(
            e,
            ParseErrorKind::Duplicate {
                element: element.into(),
                first: lines.0,
            }
            .at(lines.1),
            "{xml}"
        );
        assert!(e.to_string().contains("appears twice (also on line"), "{e}");
    }
    // Lists stay lists.
    let ca = connected_app("<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl><scopes>Api</scopes><scopes>Web</scopes></oauthConfig></ConnectedApp>");
    assert_eq!(ca.oauth.unwrap().scopes, ["Api", "Web"]);
}

#[test]
fn a_scalar_holding_elements_is_an_error() {
    let e = component(
        "<ConnectedApp><oauthConfig>\n<isPkceRequired>true<x/></isPkceRequired></oauthConfig></ConnectedApp>",
        None,
    )
    .unwrap_err();
    assert_eq!(
        e,
        ParseErrorKind::NotScalar {
            element: "isPkceRequired".into(),
        }
        .at(2)
    );
}

#[test]
fn foreign_namespace_elements_are_never_fields() {
    // Without the check, the look-alike would set PKCE, or (ignored) leave the ECA
    // default of true in place.
    let e = component(
        "<ExtlClntAppGlobalOauthSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\"><externalClientApplication>A</externalClientApplication>\n<isPkceRequired xmlns=\"urn:evil\">false</isPkceRequired></ExtlClntAppGlobalOauthSettings>",
        None,
    )
    .unwrap_err();
    assert!(
        e.line == 2
            && matches!(&e.kind, ParseErrorKind::ForeignNamespace { element, namespace } if element == "isPkceRequired" && namespace == "urn:evil"),
        "{e}"
    );
    let e = component(
        "<x:ConnectedApp xmlns:x=\"urn:evil\"><x:label>A</x:label></x:ConnectedApp>",
        Some(MetadataType::ConnectedApp),
    )
    .unwrap_err();
    assert!(
        matches!(e.kind, ParseErrorKind::ForeignNamespace { .. }),
        "{e}"
    );
    // The Metadata namespace, by default or by prefix, and no namespace are all fine.
    assert!(component("<m:ConnectedApp xmlns:m=\"http://soap.sforce.com/2006/04/metadata\"><m:label>A</m:label></m:ConnectedApp>", None).is_ok());
}

#[test]
fn nil_is_only_xsi_nil_and_never_beside_a_value() {
    // A bare `nil` attribute is refused, not obeyed (it used to hide the app).
    let e = component(
        "<ConnectedApp><oauthConfig nil=\"true\"><callbackUrl>https://a.example.com/cb</callbackUrl></oauthConfig></ConnectedApp>",
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&e.kind, ParseErrorKind::UnexpectedAttribute { attribute, .. } if attribute == "nil"),
        "{e}"
    );
    let xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
    let e = component(
        &format!("<ConnectedApp {xsi}><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl><isPkceRequired xsi:nil=\"true\">false</isPkceRequired></oauthConfig></ConnectedApp>"),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(e.kind, ParseErrorKind::NilWithContent { .. }),
        "{e}"
    );
    // An empty boolean is a problem, not "absent".
    let e = component(
        "<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl><isPkceRequired/></oauthConfig></ConnectedApp>",
        None,
    )
    .unwrap_err();
    assert!(matches!(e.kind, ParseErrorKind::BadBoolean { .. }), "{e}");
    // On an ECA, absent means true: empty or nil cannot be taken for that default.
    for value in [
        "<isPkceRequired/>",
        "<isPkceRequired xsi:nil=\"true\"/>",
        "<isPkceRequired> </isPkceRequired>",
    ] {
        let e = component(
            &format!("<ExtlClntAppGlobalOauthSettings {xsi}><externalClientApplication>A</externalClientApplication>{value}</ExtlClntAppGlobalOauthSettings>"),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(e.kind, ParseErrorKind::NoValue { default: true, .. }),
            "{value}: {e}"
        );
    }
}

#[test]
fn an_odd_consumer_secret_optional_switch_is_read_not_stripped() {
    let mut el = parse(b"<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl><isConsumerSecretOptional>1</isConsumerSecretOptional></oauthConfig></ConnectedApp>").unwrap();
    strip_secrets(&mut el);
    let c = parse_component(&el, None, "A").unwrap();
    let Body::ConnectedApp(ca) = c.body else {
        panic!()
    };
    assert!(ca.oauth.unwrap().is_consumer_secret_optional.unwrap().value);
    let mut el = parse(b"<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl><isConsumerSecretOptional>true</isConsumerSecretOptional><isConsumerSecretOptional>false</isConsumerSecretOptional></oauthConfig></ConnectedApp>").unwrap();
    strip_secrets(&mut el);
    assert!(matches!(
        parse_component(&el, None, "A").unwrap_err().kind,
        ParseErrorKind::Duplicate { .. }
    ));
    // A long bad value is not quoted: it may be a secret in the wrong element.
    let e = component("<ConnectedApp><oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl><isConsumerSecretOptional>S3CR3T-VALUE-123</isConsumerSecretOptional></oauthConfig></ConnectedApp>", None).unwrap_err();
    assert!(!e.to_string().contains("S3CR3T"), "{e}");
    assert!(e.to_string().contains("a value of 16 characters"), "{e}");
}

#[test]
fn an_oauth_connected_app_needs_its_callback() {
    let e = component(
        "<ConnectedApp>\n<oauthConfig><isPkceRequired>false</isPkceRequired></oauthConfig></ConnectedApp>",
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2: required element <callbackUrl> is missing"
    );
}

#[test]
fn namespaces() {
    assert_eq!(namespace_of("acme__App"), Some("acme"));
    assert_eq!(namespace_of("App"), None);
    assert_eq!(namespace_of("__App"), None);
}

#[test]
fn classifies_source_and_mdapi_names_by_suffix() {
    assert_eq!(
        classify("My_App.connectedApp-meta.xml"),
        Some((MetadataType::ConnectedApp, "My_App".into()))
    );
    assert_eq!(
        classify("ns__App.connectedApp"),
        Some((MetadataType::ConnectedApp, "ns__App".into()))
    );
    assert_eq!(
        classify("X_defaultPolicy.ecaOauthPlcy-meta.xml"),
        Some((
            MetadataType::ExtlClntAppOauthConfigurablePolicies,
            "X_defaultPolicy".into()
        ))
    );
    assert_eq!(
        classify("OauthOidc.settings-meta.xml"),
        Some((MetadataType::OauthOidcSettings, "OauthOidc".into()))
    );
    assert_eq!(classify("Security.settings-meta.xml"), None);
    assert_eq!(classify(".connectedApp-meta.xml"), None);
    assert_eq!(classify("A.ecaglbloauth-meta.xml"), None);
}

#[test]
fn an_auth_provider_is_read_without_its_secrets() {
    assert_eq!(
        classify("Okta.authprovider-meta.xml"),
        Some((MetadataType::AuthProvider, "Okta".into()))
    );
    assert_eq!(
        classify("Okta.authprovider"),
        Some((MetadataType::AuthProvider, "Okta".into()))
    );
    let xml = r#"<records xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AuthProvider"><fullName>Apple</fullName><consumerKey>k</consumerKey><consumerSecret>S3cretS3cretS3cret1</consumerSecret><ecKey>MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg</ecKey><friendlyName>Apple</friendlyName><isPkceEnabled>true</isPkceEnabled><providerType>Apple</providerType></records>"#;
    let mut el = crate::xml::parse(xml.as_bytes()).unwrap();
    strip_secrets(&mut el);
    assert!(el.child("consumerSecret").is_none() && el.child("ecKey").is_none());
    let c = parse_component(&el, Some(MetadataType::AuthProvider), "Apple").unwrap();
    match c.body {
        Body::AuthProvider(p) => {
            assert_eq!(p.provider_type.as_deref(), Some("Apple"));
            assert_eq!(p.is_pkce_enabled.map(|v| v.value), Some(true));
        }
        other => panic!("{other:?}"),
    }
}
