use super::*;

#[test]
fn placeholder_data_parses_and_is_lower_case() {
    let hosts = placeholder_hosts();
    assert!(hosts.len() >= 8);
    for h in hosts {
        assert_eq!(h.host, h.host.to_ascii_lowercase());
        assert!(!h.why.trim().is_empty(), "{}", h.host);
    }
}

#[test]
fn callback_classes() {
    use CallbackClass::*;
    let cases: &[(&str, CallbackClass)] = &[
        ("http://localhost:1717/OauthRedirect", SalesforceCliLoopback),
        ("http://127.0.0.1:1717/OauthRedirect", SalesforceCliLoopback),
        ("http://localhost:1717/oauthredirect", SalesforceCliLoopback),
        // The CLI's port is configurable (oauthLocalPort): any port is the CLI's.
        ("http://localhost:1718/OauthRedirect", SalesforceCliLoopback),
        ("http://127.0.0.1:7171/OauthRedirect", SalesforceCliLoopback),
        ("http://localhost:8080/callback", Loopback),
        ("http://[::1]:1717/OauthRedirect", Loopback),
        ("https://google.co.in", Placeholder),
        ("https://www.google.com/", Placeholder),
        ("https://www.salesforce.com", Placeholder),
        ("https://login.salesforce.com", Placeholder),
        ("https://test.salesforce.com/", Placeholder),
        ("http://example.com", Placeholder),
        // A real path, a query or a port is someone's receiver.
        ("https://www.google.com/oauth/callback", Web),
        ("https://login.salesforce.com/?x=1", SalesforceNonEndpoint),
        ("https://app.example.com/oauth/callback", Web),
        ("https://example.com:8443/", Web),
        (
            "https://acme.my.salesforce.com/services/authcallback/Partner_Org",
            AuthProvider,
        ),
        (
            "https://login.salesforce.com/services/authcallback/00D000000000001/Okta",
            AuthProvider,
        ),
        (
            "https://acme.my.site.com/partners/services/authcallback/Hub",
            AuthProvider,
        ),
        // Not a Salesforce host: someone imitating the path.
        ("https://evil.example/services/authcallback/X", Web),
        ("https://notsalesforce.com/services/authcallback/X", Web),
        ("myapp://oauth/done", CustomScheme),
        ("sfdc://success", CustomScheme),
        ("https://app.acme.example/cb", Web),
        ("http://reports.example.com/cb", Web),
        ("http://exa mple.com/cb", Web),
        // Salesforce hosts: no page or endpoint a code can reach (shapes from the corpus).
        (
            "https://paychex.my.salesforce.com/services/oauth2/callback",
            SalesforceNonEndpoint,
        ),
        (
            "https://acme.lightning.force.com/RestTest/oauth/_callback",
            SalesforceNonEndpoint,
        ),
        ("https://paychex.my.salesforce.com/", SalesforceNonEndpoint),
        (
            "https://paychex.lightning.force.com/",
            SalesforceNonEndpoint,
        ),
        (
            "https://login.salesforce.com/services/oauth2/authorize",
            SalesforceNonEndpoint,
        ),
        (
            "https://salesforce.com/services/oauth2/callback",
            SalesforceNonEndpoint,
        ),
        (
            "https://mira.lightning.force.com/apexrest/AccountService/",
            SalesforceNonEndpoint,
        ),
        (
            "https://acme.my.salesforce.com/services/data/v49.0/sobjects/X__c/",
            SalesforceNonEndpoint,
        ),
        // ... and the ones that can receive a code.
        (
            "https://acme--dev.sandbox.vf.force.com/apex/RemoteAuthPage",
            Web,
        ),
        ("https://acme.my.salesforce.com/apex/Callback", Web),
        (
            "https://acme.my.site.com/services/apexrest/code/extraction",
            Web,
        ),
        ("https://acme.my.salesforce.com/services/apexrest/cb", Web),
        ("https://acme.lightning.force.com/lightning/n/Callback", Web),
        ("https://acme.lightning.force.com/c/Callback.app", Web),
        (
            "https://uat1-acme.cs20.force.com/Portal/services/apexrest/cb/",
            Web,
        ),
        ("https://acme.my.site.com/schoolportal", Web),
        ("https://acme.secure.force.com/partners/anything", Web),
        (
            "https://acme.my.salesforce.com/environmenthub/soma-callback.apexp",
            Web,
        ),
        ("https://acme.my.salesforce.com/services/authcallback", Web),
        ("https://acme.my.salesforce.com/partners/apex/Login", Web),
        // Salesforce's success page.
        (
            "https://login.salesforce.com/services/oauth2/success",
            SalesforceSuccessPage,
        ),
        (
            "https://test.salesforce.com/services/oauth2/success/",
            SalesforceSuccessPage,
        ),
        (
            "https://jdec.my.salesforce.com/services/oauth2/success",
            SalesforceSuccessPage,
        ),
        (
            "https://www.salesforce.com/services/oauth2/success",
            SalesforceNonEndpoint,
        ),
        // Invalid hosts.
        ("https://.", InvalidHost),
        ("https://..", InvalidHost),
        ("https://", InvalidHost),
        ("http:// ", InvalidHost),
        ("https://24.111.12.87", Web),
        // The root of a loopback address on a privileged port.
        ("https://localhost", LoopbackRoot),
        ("https://localhost:443/", LoopbackRoot),
        ("http://localhost/", LoopbackRoot),
        ("https://localhost//", LoopbackRoot),
        ("http://127.0.0.1:80", LoopbackRoot),
        ("https://localhost:8443/", Loopback),
        ("http://localhost:8080", Loopback),
        ("https://localhost/callback", Loopback),
        ("https://localhost/?code=", Loopback),
        // The bare root of a www home page, unless a catalogue client receives codes there.
        ("https://www.mongodb.com", HomePage),
        ("https://www.acme.example/", HomePage),
        ("https://www.getpostman.com/", Web),
        ("https://www.acme.example:8443/", Web),
        ("https://www.acme.example/oauth/callback", Web),
        (
            "https://www.acme.example/?callback=gravityformssalesforce",
            Web,
        ),
        ("https://acme.example/", Web),
        // Review of issue 20, finding 4: a page however spelled is a receiver.
        ("https://initech.my.salesforce.com/%61pex/Receiver", Web),
        ("https://initech.my.salesforce.com/apex;x=1/Receiver", Web),
        ("https://initech.lightning.force.com/acme/Receiver.app", Web),
        ("https://initech.my.salesforce.com/flow/Receiver", Web),
        ("https://initech.my.salesforce.com/Receiver", Web),
        (
            "https://initech.my.salesforce.com/%73ervices/oauth2/callback",
            SalesforceNonEndpoint,
        ),
        (
            "https://initech.my.salesforce.com/secur/frontdoor.jsp",
            SalesforceNonEndpoint,
        ),
        (
            "https://initech.my.salesforce.com/oauth/callback",
            SalesforceNonEndpoint,
        ),
        // Finding 9: the success page on any Salesforce host but www.
        (
            "https://acme.lightning.force.com/services/oauth2/success",
            SalesforceSuccessPage,
        ),
        // Finding 5: an Auth. Provider callback has exactly its shape.
        (
            "https://login.salesforce.com/services/authcallback/00D000000000OTHER/Prov",
            Web,
        ),
        (
            "https://acme.my.salesforce.com/apex/Evil/services/authcallback/Prov",
            Web,
        ),
        (
            "https://acme.my.salesforce.com/services/authcallback/00D000000000001AAA/Prov",
            AuthProvider,
        ),
        (
            "https://acme.my.salesforce.com/partners/services/authcallback/Prov",
            Web,
        ),
        (
            "https://acme.my.salesforce.com/services/authcallback/a/b/Prov",
            Web,
        ),
    ];
    for (url, want) in cases {
        assert_eq!(class_of(url), *want, "{url}");
    }
    assert_eq!(
        auth_provider_name(
            "https://login.salesforce.com/services/authcallback/00D000000000001/Okta"
        ),
        Some("Okta".into())
    );
}

#[test]
fn exposure_is_the_strongest_callback() {
    let of = |urls: &[&str]| {
        exposure(&classify_all(
            &urls.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            AppContext::default(),
        ))
    };
    assert_eq!(of(&[]), None);
    assert_eq!(of(&["https://www.google.com"]), Some(Exposure::Placeholder));
    assert_eq!(
        of(&[
            "https://www.google.com",
            "http://localhost:1717/OauthRedirect"
        ]),
        Some(Exposure::SalesforceCli)
    );
    assert_eq!(
        of(&[
            "http://localhost:1717/OauthRedirect",
            "https://app.acme.example/cb"
        ]),
        Some(Exposure::CodeFlow)
    );
}

#[test]
fn a_signed_request_canvas_url_is_no_receiver_but_another_path_is() {
    let ctx = AppContext {
        canvas_signed_request_url: Some("https://visual.lumon.example/visual"),
    };
    assert_eq!(
        class_in("https://visual.lumon.example/visual/", ctx),
        CallbackClass::CanvasSignedRequest
    );
    assert_eq!(
        class_in("https://visual.lumon.example/sflogin", ctx),
        CallbackClass::Web
    );
    assert_eq!(
        class_of("https://visual.lumon.example/visual"),
        CallbackClass::Web
    );
    // Finding 6: another query is another page.
    assert_eq!(
        class_in("https://visual.lumon.example/visual?oauth=1", ctx),
        CallbackClass::Web
    );
    assert_eq!(
        class_in("https://visual.lumon.example/visual?", ctx),
        CallbackClass::CanvasSignedRequest
    );
}

#[test]
fn only_the_success_page_and_placeholders_weigh_less_than_a_receiver() {
    use CallbackClass::*;
    assert!(SalesforceSuccessPage.exposure() > SalesforceCliLoopback.exposure());
    assert!(SalesforceSuccessPage.exposure() < Web.exposure());
    for c in [
        Placeholder,
        SalesforceNonEndpoint,
        InvalidHost,
        LoopbackRoot,
        HomePage,
        CanvasSignedRequest,
    ] {
        let info = c.info();
        assert_eq!(info.exposure, Exposure::Placeholder, "{c}");
        assert!(info.no_receiver.is_some(), "{c} names its reason");
        assert_eq!(info.public_client_may_rely, c == Placeholder, "{c}");
    }
}

#[test]
fn loopback_hosts() {
    for h in [
        "localhost",
        "LOCALHOST",
        "app.localhost",
        "127.0.0.1",
        "127.0.0.2",
        "[::1]",
        "::1",
        "[::ffff:127.0.0.1]",
    ] {
        assert!(is_loopback_host(h), "{h}");
    }
    for h in [
        "",
        "127.attacker.example",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "localhost.",
        ".localhost",
        "x..localhost",
        "evil-localhost",
        "[::2]",
        "10.0.0.1",
        "0.0.0.0",
    ] {
        assert!(!is_loopback_host(h), "{h}");
    }
}

#[test]
fn hosts_are_what_a_browser_would_contact() {
    use Callback::*;
    let cases: &[(&str, Callback)] = &[
        ("http://localhost:1717/OauthRedirect", HttpLoopback),
        ("http://127.0.0.1/cb", HttpLoopback),
        ("http://[::1]:8080/cb", HttpLoopback),
        ("http://app.localhost/cb", HttpLoopback),
        ("HTTP://LOCALHOST/cb", HttpLoopback),
        // IPv4 in other notations is still 127.0.0.1 to a browser.
        ("http://0x7f.1/cb", HttpLoopback),
        ("http://2130706433/cb", HttpLoopback),
        // A backslash ends the authority of an http URL: the host is evil.example.com.
        ("http://evil.example.com\\@localhost/cb", HttpRemote),
        ("http://localhost.evil.example/", HttpRemote),
        ("http://127.0.0.1.nip.io/", HttpRemote),
        // User info is not the host.
        ("http://[::1]@evil/", HttpRemote),
        ("http://localhost:1717@evil.example/", HttpRemote),
        ("http://user@evil.example.com/cb", HttpRemote),
        ("http://127.attacker.example/cb", HttpRemote),
        ("http://localhost%2eevil.example/cb", HttpRemote),
        ("http:evil.example.com/cb", HttpRemote),
        ("http://reports.example.com/cb", HttpRemote),
        ("HTTP://Example.com:8080", HttpRemote),
        ("https://secure.example.com", Https),
        ("https://localhost/cb", Https),
        ("com.acme.app://oauth", Other),
        ("sfdc://success", Other),
        // Not URLs: never loopback; an http: one is reported.
        ("http://exa mple.com/cb", Unparseable { claims_http: true }),
        ("http://[::1/cb", Unparseable { claims_http: true }),
        (
            "http://localhost:99999/cb",
            Unparseable { claims_http: true },
        ),
        ("  http://", Unparseable { claims_http: true }),
        ("localhost/cb", Unparseable { claims_http: false }),
        ("", Unparseable { claims_http: false }),
    ];
    for (url, want) in cases {
        assert_eq!(classify(url), *want, "{url}");
    }
}

#[test]
fn insecure_ones_are_listed_in_order() {
    let urls: Vec<String> = [
        "https://ok.example.com/cb",
        "http://evil.example.com\\@localhost/cb",
        "http://localhost/cb",
        "http://exa mple.com/cb",
        "com.acme.app://oauth",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        insecure_callbacks(&urls),
        [
            "http://evil.example.com\\@localhost/cb",
            "http://exa mple.com/cb"
        ]
    );
}

/// Review of issue 20, finding 3: the CLI class on any port, but a public client relies on
/// it only on a default tool port.
#[test]
fn a_public_client_relies_on_the_cli_loopback_only_on_a_default_port() {
    use CallbackClass::*;
    let may = |u: &str| {
        let c = &classify_all(&[u.to_string()], AppContext::default())[0];
        (c.class, c.public_client_may_rely())
    };
    assert_eq!(
        may("http://localhost:1717/OauthRedirect"),
        (SalesforceCliLoopback, true)
    );
    assert_eq!(
        may("http://localhost:7171/OauthRedirect"),
        (SalesforceCliLoopback, true)
    );
    assert_eq!(
        may("http://localhost:8080/OauthRedirect"),
        (SalesforceCliLoopback, false)
    );
    assert_eq!(
        may("http://localhost/OauthRedirect"),
        (SalesforceCliLoopback, false)
    );
    assert_eq!(may("https://www.google.com/"), (Placeholder, true));
}
