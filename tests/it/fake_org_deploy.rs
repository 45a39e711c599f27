//! The test org's Metadata API `retrieve` and `deploy` over HTTP, as the Salesforce CLI
//! sends them (jsforce's `request` element, `singlePackage` zips): the retrieve zip holds
//! the served files; a checkOnly deploy changes nothing; a deploy changes what the org
//! serves; each refusal comes back as its component failure and changes nothing.

use crate::fake_org;

use base64::Engine;
use fake_org::{Config, FakeOrg};
use pkce_audit_io::xml::{self, Element};
use std::collections::BTreeMap;
use std::time::Duration;

const TOKEN: &str = "00DFAKE0000000001!AQoAQFakeAccessToken";
const MD: &str = "http://soap.sforce.com/2006/04/metadata";
pub(crate) const APP: &str = "connectedApps/Customer_Portal.connectedApp";

/// POSTs one operation in the envelope jsforce sends; the parsed response envelope.
async fn call(base: &str, op: &str) -> (u16, Element) {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header xmlns="{MD}"><SessionHeader><sessionId>{TOKEN}</sessionId></SessionHeader></soapenv:Header><soapenv:Body xmlns="{MD}">{op}</soapenv:Body></soapenv:Envelope>"#
    );
    let r = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .post(format!("{base}/services/Soap/m/66.0"))
        .header("Content-Type", "text/xml")
        .header("SOAPAction", "\"\"")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, xml::parse(text.as_bytes()).unwrap())
}

async fn result_of(base: &str, op: &str) -> Element {
    let (status, env) = call(base, op).await;
    assert_eq!(status, 200, "{env:?}");
    env.find("result").expect("a result").clone()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The served file of the demo org's Customer_Portal.
pub(crate) fn served_app(org: &FakeOrg) -> String {
    org.components()
        .into_iter()
        .find(|c| c.file_name() == APP)
        .unwrap()
        .file_xml
}

/// `<types>` entries of a package.xml (or a retrieve's `unpackaged`).
fn types_xml(types: &[(&str, &[&str])]) -> String {
    types
        .iter()
        .map(|(name, members)| {
            let m: String = members
                .iter()
                .map(|m| format!("<members>{m}</members>"))
                .collect();
            format!("<types>{m}<name>{name}</name></types>")
        })
        .collect()
}

pub(crate) fn manifest(types: &[(&str, &[&str])]) -> String {
    let types = types_xml(types);
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Package xmlns=\"{MD}\">{types}<version>66.0</version></Package>")
}

/// Deploys `files` (singlePackage, as `sf project deploy start` zips them) and checks
/// the status once with details: the `DeployResult`.
async fn deploy(base: &str, files: &[(&str, &str)], options: &str) -> Element {
    let id = start_deploy(base, files, options).await;
    check(base, &id).await
}

/// With the options sf always sends, and `extra`.
pub(crate) async fn start_deploy(base: &str, files: &[(&str, &str)], extra: &str) -> String {
    let options = format!(
        "<rollbackOnError>true</rollbackOnError><singlePackage>true</singlePackage>{extra}"
    );
    start_deploy_with(base, files, &options).await
}

async fn start_deploy_with(base: &str, files: &[(&str, &str)], options: &str) -> String {
    let zip = fake_org::zip_files(files.iter().copied()).unwrap();
    let r = result_of(
        base,
        &format!(
            "<deploy><ZipFile>{}</ZipFile><DeployOptions>{options}</DeployOptions></deploy>",
            b64(&zip)
        ),
    )
    .await;
    assert_eq!(r.child_text("done"), Some("false"));
    r.child_text("id").unwrap().to_string()
}

pub(crate) async fn check(base: &str, id: &str) -> Element {
    result_of(
        base,
        &format!("<checkDeployStatus><asyncProcessId>{id}</asyncProcessId><includeDetails>true</includeDetails></checkDeployStatus>"),
    )
    .await
}

async fn read_app(base: &str) -> String {
    let r = result_of(
        base,
        "<readMetadata><type>ConnectedApp</type><fullNames>Customer_Portal</fullNames></readMetadata>",
    )
    .await;
    xml::write(r.child("records").unwrap())
}

/// The demo org and a package.xml + Customer_Portal with `isPkceRequired` true: what
/// `fix --app Customer_Portal` makes.
struct PkceChange {
    org: FakeOrg,
    pkg: String,
    app: String,
}

impl PkceChange {
    fn new() -> Self {
        let org = FakeOrg::start(Config::default());
        let app = with_pkce(&served_app(&org));
        let pkg = manifest(&[("ConnectedApp", &["Customer_Portal"])]);
        PkceChange { org, pkg, app }
    }

    fn files(&self) -> [(&str, &str); 2] {
        [("package.xml", self.pkg.as_str()), (APP, self.app.as_str())]
    }
}

fn with_pkce(app: &str) -> String {
    app.replacen(
        "        <isSecretRequiredForRefreshToken>",
        "        <isPkceRequired>true</isPkceRequired>\n        <isSecretRequiredForRefreshToken>",
        1,
    )
}

#[tokio::test]
async fn retrieve_zips_the_served_files() {
    let org = FakeOrg::start(Config::default());
    let base = &org.base_url;
    let r = result_of(
        base,
        &format!(
            "<retrieve><request><apiVersion>66.0</apiVersion><unpackaged>{}</unpackaged></request></retrieve>",
            types_xml(&[("ConnectedApp", &["*", "No_Such_App"]), ("Settings", &["OauthOidc"])])
        ),
    )
    .await;
    let id = r.child_text("id").unwrap().to_string();
    let r = result_of(
        base,
        &format!("<checkRetrieveStatus><asyncProcessId>{id}</asyncProcessId><includeZip>true</includeZip></checkRetrieveStatus>"),
    )
    .await;
    assert_eq!(r.child_text("status"), Some("Succeeded"));
    assert_eq!(r.child_text("done"), Some("true"));
    let zip = base64::engine::general_purpose::STANDARD
        .decode(r.child_text("zipFile").unwrap())
        .unwrap();
    let files = fake_org::unzip(&zip, 1 << 20).unwrap();
    let served: BTreeMap<String, String> = org
        .components()
        .into_iter()
        .filter(|c| {
            (c.list_type() == "ConnectedApp" && c.installed_namespace.is_none())
                || c.list_type() == "Settings"
        })
        .map(|c| (format!("unpackaged/{}", c.file_name()), c.file_xml))
        .collect();
    assert!(served.len() > 3, "{served:?}");
    for (name, content) in &served {
        assert_eq!(
            files
                .get(name)
                .map(|b| String::from_utf8_lossy(b).to_string()),
            Some(content.clone()),
            "{name}"
        );
    }
    // The served file is the fixture's, byte for byte (it holds no consumer secret).
    let fixture = std::fs::read_to_string(
        Config::default()
            .org_dir
            .join("force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml"),
    )
    .unwrap();
    assert_eq!(served[&format!("unpackaged/{APP}")], fixture);
    assert_eq!(files.len(), served.len() + 1, "{:?}", files.keys());
    let package = String::from_utf8(files["unpackaged/package.xml"].clone()).unwrap();
    assert!(
        package.contains("<members>OauthOidc</members>"),
        "{package}"
    );
    // The installed package's app is not reached by the wildcard.
    assert!(!files.keys().any(|k| k.contains("acmecpq__")));
    let names: Vec<&str> = r
        .children_named("fileProperties")
        .filter_map(|p| p.child_text("fileName"))
        .collect();
    assert!(names.contains(&"unpackaged/package.xml"));
    assert!(names.contains(&"unpackaged/settings/OauthOidc.settings"));
    let problems: Vec<&str> = r
        .children_named("messages")
        .filter_map(|m| m.child_text("problem"))
        .collect();
    assert_eq!(
        problems,
        ["Entity of type 'ConnectedApp' named 'No_Such_App' cannot be found"]
    );
}

#[tokio::test]
async fn check_only_changes_nothing_and_a_deploy_changes_what_is_served() {
    let change = PkceChange::new();
    let base = &change.org.base_url;
    let before = read_app(base).await;
    let files = change.files();

    let r = deploy(base, &files, "<checkOnly>true</checkOnly>").await;
    assert_eq!(r.child_text("status"), Some("Succeeded"), "{r:?}");
    assert_eq!(r.child_text("checkOnly"), Some("true"));
    let ok = r
        .find("details")
        .unwrap()
        .children_named("componentSuccesses")
        .find(|m| m.child_text("fullName") == Some("Customer_Portal"))
        .unwrap();
    assert_eq!(ok.child_text("changed"), Some("true"));
    assert_eq!(ok.child_text("created"), Some("false"));
    assert_eq!(read_app(base).await, before, "checkOnly changed the org");

    let r = deploy(base, &files, "").await;
    assert_eq!(r.child_text("status"), Some("Succeeded"), "{r:?}");
    assert_eq!(r.child_text("success"), Some("true"));
    assert_eq!(r.child_text("numberComponentsDeployed"), Some("1"));
    assert_eq!(r.child_text("numberComponentErrors"), Some("0"));
    let after = read_app(base).await;
    assert!(!before.contains("isPkceRequired"));
    assert!(
        after.contains("<isPkceRequired>true</isPkceRequired>"),
        "{after}"
    );
    assert_eq!(served_app(&change.org), change.app);
}

/// Each refusal: the component failure's problem (a fragment), line and column, and
/// nothing changed (one good component rides along: all or nothing).
#[tokio::test]
async fn refusals_come_back_as_component_failures_and_change_nothing() {
    let org = FakeOrg::start(Config::default());
    let base = &org.base_url;
    let app = served_app(&org);
    let good_settings = org
        .components()
        .into_iter()
        .find(|c| c.file_name() == "settings/OauthOidc.settings")
        .unwrap()
        .file_xml
        .replace(
            "<isPkceRequired>false</isPkceRequired>",
            "<isPkceRequired>true</isPkceRequired>",
        );
    let out_of_order = app.replacen(
        "        <scopes>Basic</scopes>\n",
        "        <scopes>Basic</scopes>\n        <isPkceRequired>true</isPkceRequired>\n",
        1,
    );
    let unknown = app.replacen("<label>", "<labell>x</labell>\n    <label>", 1);
    let not_xml = app.replacen("</label>", "</labl>", 1);
    let bad_bool = with_pkce(&app).replace("<isPkceRequired>true", "<isPkceRequired>yes");
    // (what, path in the zip, content, problem, (line, column)).
    type Case<'a> = (
        &'a str,
        &'a str,
        String,
        &'a str,
        Option<(&'a str, &'a str)>,
    );
    let cases: [Case; 6] = [
        (
            "out of WSDL order",
            APP,
            out_of_order,
            "Error parsing file: Element {http://soap.sforce.com/2006/04/metadata}isPkceRequired invalid at this location in type ConnectedAppOauthConfig",
            Some(("15", "9")),
        ),
        (
            "unknown element",
            APP,
            unknown,
            "Element {http://soap.sforce.com/2006/04/metadata}labell invalid at this location in type ConnectedApp",
            Some(("5", "5")),
        ),
        ("not well-formed", APP, not_xml, "Error parsing file: ", None),
        (
            "a value its type refuses",
            APP,
            bad_bool,
            "'yes' is not a valid value for the type xsd:boolean",
            None,
        ),
        (
            "a new Connected App",
            "connectedApps/Brand_New.connectedApp",
            app.clone(),
            "You can't create a connected app",
            None,
        ),
        (
            "a member missing from the zip",
            "connectedApps/Elsewhere.txt",
            String::new(),
            "An object 'Brand_New' of type ConnectedApp was named in package.xml, but was not found in zipped directory",
            None,
        ),
    ];
    for (what, path, content, problem, at) in cases {
        let name = path
            .rsplit('/')
            .next()
            .and_then(|f| f.split('.').next())
            .unwrap();
        let members: &[&str] = if path.ends_with(".txt") {
            &["Brand_New"]
        } else {
            &[name]
        };
        let pkg = manifest(&[("ConnectedApp", members), ("Settings", &["OauthOidc"])]);
        let mut files = vec![
            ("package.xml", pkg.as_str()),
            ("settings/OauthOidc.settings", good_settings.as_str()),
        ];
        if !path.ends_with(".txt") {
            files.push((path, content.as_str()));
        }
        let before = org.components();
        let r = deploy(base, &files, "").await;
        assert_eq!(r.child_text("status"), Some("Failed"), "{what}: {r:?}");
        assert_eq!(r.child_text("success"), Some("false"), "{what}");
        assert_eq!(
            r.child_text("numberComponentsDeployed"),
            Some("0"),
            "{what}"
        );
        let failures: Vec<&Element> = r
            .find("details")
            .unwrap()
            .children_named("componentFailures")
            .collect();
        assert_eq!(failures.len(), 1, "{what}: {failures:?}");
        let f = failures[0];
        assert_eq!(f.child_text("problemType"), Some("Error"), "{what}");
        assert_eq!(
            f.child_text("componentType"),
            Some("ConnectedApp"),
            "{what}"
        );
        assert_eq!(f.child_text("success"), Some("false"), "{what}");
        let got = f.child_text("problem").unwrap();
        assert!(got.contains(problem), "{what}: {got}");
        if let Some((line, col)) = at {
            assert_eq!(f.child_text("lineNumber"), Some(line), "{what}");
            assert_eq!(f.child_text("columnNumber"), Some(col), "{what}");
        }
        if what == "not well-formed" {
            assert!(f.child_text("lineNumber").is_some(), "{what}");
        }
        let after = org.components();
        assert!(
            before
                .iter()
                .zip(&after)
                .all(|(a, b)| a.file_xml == b.file_xml)
                && before.len() == after.len(),
            "{what}: the org changed"
        );
    }
}

#[tokio::test]
async fn cancel_deploy_before_it_runs_and_not_after() {
    let change = PkceChange::new();
    let base = &change.org.base_url;
    let files = change.files();
    let id = start_deploy(base, &files, "").await;
    let r = result_of(
        base,
        &format!("<cancelDeploy><String>{id}</String></cancelDeploy>"),
    )
    .await;
    assert_eq!(r.child_text("id"), Some(id.as_str()));
    let r = check(base, &id).await;
    assert_eq!(r.child_text("status"), Some("Canceled"));
    assert_eq!(r.child_text("done"), Some("true"));
    assert!(r.child_text("canceledBy").is_some());
    // It never started.
    assert_eq!(r.child_text("startDate"), None);
    assert!(!read_app(base).await.contains("isPkceRequired"));

    let id = start_deploy(base, &files, "").await;
    assert_eq!(
        check(base, &id).await.child_text("status"),
        Some("Succeeded")
    );
    let (status, env) = call(
        base,
        &format!("<cancelDeploy><String>{id}</String></cancelDeploy>"),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        env.find("faultcode").map(|f| f.text.as_str()),
        Some("sf:INVALID_ID_FIELD")
    );
}

#[tokio::test]
async fn production_deploys_are_all_or_nothing() {
    let change = PkceChange::new();
    let base = &change.org.base_url;
    let files = change.files();
    let id = start_deploy_with(
        base,
        &files,
        "<rollbackOnError>false</rollbackOnError><singlePackage>true</singlePackage>",
    )
    .await;
    let r = check(base, &id).await;
    assert_eq!(r.child_text("status"), Some("Failed"));
    assert!(r
        .child_text("errorMessage")
        .unwrap()
        .contains("rollbackOnError"));
    assert!(!read_app(base).await.contains("isPkceRequired"));
}

#[tokio::test]
async fn a_validation_with_tests_quick_deploys_and_one_without_does_not() {
    let change = PkceChange::new();
    let base = &change.org.base_url;
    let files = change.files();
    let quick = |id: &str| {
        format!(
            "<deployRecentValidation><validationId>{id}</validationId></deployRecentValidation>"
        )
    };

    let untested = start_deploy(
        base,
        &files,
        "<checkOnly>true</checkOnly><testLevel>NoTestRun</testLevel>",
    )
    .await;
    assert_eq!(
        check(base, &untested).await.child_text("status"),
        Some("Succeeded")
    );
    let (status, env) = call(base, &quick(&untested)).await;
    assert_eq!(status, 500, "{env:?}");

    let validated = start_deploy(
        base,
        &files,
        "<checkOnly>true</checkOnly><testLevel>RunLocalTests</testLevel>",
    )
    .await;
    let r = check(base, &validated).await;
    assert_eq!(r.child_text("runTestsEnabled"), Some("true"));
    assert!(!read_app(base).await.contains("isPkceRequired"));
    let r = result_of(base, &quick(&validated)).await;
    let id = r.text.clone();
    assert_ne!(id, validated);
    let r = check(base, &id).await;
    assert_eq!(r.child_text("status"), Some("Succeeded"));
    assert_eq!(r.child_text("checkOnly"), Some("false"));
    assert!(read_app(base)
        .await
        .contains("<isPkceRequired>true</isPkceRequired>"));
}

/// A new External Client App may be created (only Connected Apps are blocked), with its
/// settings in the same deploy; settings naming an app that exists nowhere are refused.
#[tokio::test]
async fn eca_settings_need_their_app_in_the_org_or_the_deploy() {
    let org = FakeOrg::start(Config::default());
    let base = &org.base_url;
    let served = |file: &str| {
        org.components()
            .into_iter()
            .find(|c| c.file_name() == file)
            .unwrap()
            .file_xml
    };
    let eca = served("externalClientApps/Partner_Public_SPA.eca")
        .replace("Partner_Public_SPA", "New_Eca");
    let settings = served("extlClntAppGlobalOauthSets/Partner_Public_SPA_glbloauth.ecaGlblOauth")
        .replace("Partner_Public_SPA", "New_Eca");
    let settings_file = "extlClntAppGlobalOauthSets/New_Eca_glbloauth.ecaGlblOauth";
    let only_settings = manifest(&[("ExtlClntAppGlobalOauthSettings", &["New_Eca_glbloauth"])]);
    let r = deploy(
        base,
        &[("package.xml", &only_settings), (settings_file, &settings)],
        "",
    )
    .await;
    assert_eq!(r.child_text("status"), Some("Failed"));
    let problem = r
        .find("componentFailures")
        .and_then(|f| f.child_text("problem"));
    assert!(problem.unwrap().contains("New_Eca"), "{problem:?}");

    let both = manifest(&[
        ("ExternalClientApplication", &["New_Eca"]),
        ("ExtlClntAppGlobalOauthSettings", &["New_Eca_glbloauth"]),
    ]);
    let r = deploy(
        base,
        &[
            ("package.xml", &both),
            ("externalClientApps/New_Eca.eca", &eca),
            (settings_file, &settings),
        ],
        "",
    )
    .await;
    assert_eq!(r.child_text("status"), Some("Succeeded"), "{r:?}");
    let created: Vec<&str> = r
        .find("details")
        .unwrap()
        .children_named("componentSuccesses")
        .filter(|m| m.child_text("created") == Some("true"))
        .filter_map(|m| m.child_text("fullName"))
        .collect();
    assert_eq!(created, ["New_Eca", "New_Eca_glbloauth"]);
    // New components get their type's key prefix and ids no other component has.
    let comps = org.components();
    let id_of = |name: &str| {
        comps
            .iter()
            .find(|c| c.full_name == name)
            .map(|c| c.id.clone())
            .unwrap()
    };
    assert!(id_of("New_Eca").starts_with("0xI"), "{}", id_of("New_Eca"));
    assert!(id_of("New_Eca_glbloauth").starts_with("0xG"));
    let ids: Vec<&str> = comps
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    let env = call(
        base,
        "<listMetadata><queries><type>ExternalClientApplication</type></queries></listMetadata>",
    )
    .await
    .1;
    let listed: Vec<&str> = env
        .find("listMetadataResponse")
        .unwrap()
        .children_named("result")
        .filter_map(|r| r.child_text("fullName"))
        .collect();
    assert!(listed.contains(&"New_Eca"), "{listed:?}");
}

/// Validates `files` (checkOnly), which must fail: the first component failure's problem.
async fn refused(base: &str, files: &[(&str, &str)]) -> String {
    let r = deploy(base, files, "<checkOnly>true</checkOnly>").await;
    assert_eq!(r.child_text("status"), Some("Failed"), "{r:?}");
    r.find("componentFailures")
        .and_then(|f| f.child_text("problem"))
        .unwrap_or_default()
        .to_string()
}

/// One global OAuth settings per External Client App: a second one for an app that has
/// one is refused, and the org keeps the one it has.
#[tokio::test]
async fn a_second_global_oauth_settings_for_an_app_is_refused() {
    let org = FakeOrg::start(Config::default());
    let base = &org.base_url;
    let settings = org
        .components()
        .into_iter()
        .find(|c| {
            c.file_name() == "extlClntAppGlobalOauthSets/Partner_Public_SPA_glbloauth.ecaGlblOauth"
        })
        .unwrap()
        .file_xml;
    let pkg = manifest(&[("ExtlClntAppGlobalOauthSettings", &["Second_glbloauth"])]);
    let before = org.components().len();
    let problem = refused(
        base,
        &[
            ("package.xml", &pkg),
            (
                "extlClntAppGlobalOauthSets/Second_glbloauth.ecaGlblOauth",
                &settings,
            ),
        ],
    )
    .await;
    assert!(
        problem.contains("Partner_Public_SPA_glbloauth"),
        "{problem}"
    );
    assert_eq!(org.components().len(), before);
}

/// Namespaces, simple-typed contents, `xsi:nil` and package.xml are checked against the
/// WSDL: each of these was once accepted by a checkOnly deploy.
#[tokio::test]
async fn namespaces_contents_nil_and_package_xml_are_checked() {
    let org = FakeOrg::start(Config::default());
    let base = &org.base_url;
    let app = served_app(&org);
    let pkg = manifest(&[("ConnectedApp", &["Customer_Portal"])]);
    let xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
    let cases: [(&str, String, String, &str); 6] = [
        (
            "another namespace",
            pkg.clone(),
            app.replacen("<label>", "<label xmlns=\"urn:evil\">", 1),
            "Element {urn:evil}label invalid at this location in type ConnectedApp",
        ),
        (
            "markup in a string",
            pkg.clone(),
            app.replacen("</label>", " <b>Reports</b></label>", 1),
            "}b invalid at this location in type string",
        ),
        (
            "text in a complex type",
            pkg.clone(),
            app.replacen("<oauthConfig>", "<oauthConfig>hello", 1),
            "text 'hello' invalid at this location in type ConnectedAppOauthConfig",
        ),
        (
            "nil on a non-nillable element",
            pkg.clone(),
            app.replacen(
                "        <isSecretRequiredForRefreshToken>",
                &format!("        <isPkceRequired {xsi} xsi:nil=\"true\"/>\n        <isSecretRequiredForRefreshToken>"),
                1,
            ),
            "isPkceRequired in type ConnectedAppOauthConfig is not nillable",
        ),
        (
            "a version that is no API version",
            pkg.replace("<version>66.0</version>", "<version>banana</version>"),
            app.clone(),
            "'banana' is not a valid API version",
        ),
        (
            "an element Package does not have",
            pkg.replace("</version>", "</version><evil>1</evil>"),
            app.clone(),
            "Element {http://soap.sforce.com/2006/04/metadata}evil invalid at this location in type Package",
        ),
    ];
    for (what, pkg, app, problem) in cases {
        let got = refused(base, &[("package.xml", &pkg), (APP, &app)]).await;
        assert!(got.contains(problem), "{what}: {got}");
    }
}

/// Deploys (checkOnly) every component `org` serves outside installed packages, each
/// with the content `content` gives it: the status and the failures, `name: problem`.
async fn deploy_back(
    org: &FakeOrg,
    content: impl Fn(&fake_org::Component) -> String,
) -> (Option<String>, Vec<String>) {
    let served: Vec<_> = org
        .components()
        .into_iter()
        .filter(|c| c.installed_namespace.is_none())
        .collect();
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &served {
        by_type
            .entry(c.list_type())
            .or_default()
            .push(c.full_name.as_str());
    }
    let types: Vec<(&str, &[&str])> = by_type.iter().map(|(t, m)| (*t, &m[..])).collect();
    let pkg = manifest(&types);
    let named: Vec<(String, String)> = served.iter().map(|c| (c.file_name(), content(c))).collect();
    let mut files = vec![("package.xml", pkg.as_str())];
    files.extend(named.iter().map(|(n, x)| (n.as_str(), x.as_str())));
    let r = deploy(&org.base_url, &files, "<checkOnly>true</checkOnly>").await;
    let failures = r
        .find("details")
        .unwrap()
        .children_named("componentFailures")
        .map(|f| {
            format!(
                "{}: {}",
                f.child_text("fullName").unwrap_or_default(),
                f.child_text("problem").unwrap_or_default()
            )
        })
        .collect();
    (r.child_text("status").map(String::from), failures)
}

/// The fixture orgs, by folder.
fn fixture_orgs() -> Vec<std::path::PathBuf> {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut orgs: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    orgs.sort();
    assert!(orgs.len() > 5, "{orgs:?}");
    orgs
}

/// broken-org's hand-broken files are refused for what breaks them, never for an element
/// the org serves; every other fixture deploys back whole.
fn assert_taken_back(dir: &std::path::Path, status: Option<String>, failures: &[String]) {
    if dir.ends_with("broken-org") {
        let misplaced: Vec<&String> = failures
            .iter()
            .filter(|f| f.contains("invalid at this location in type"))
            .collect();
        assert!(misplaced.is_empty(), "{misplaced:?}");
        assert!(!failures.is_empty());
    } else {
        assert_eq!(failures, Vec::<String>::new(), "{}", dir.display());
        assert_eq!(status.as_deref(), Some("Succeeded"), "{}", dir.display());
    }
}

/// A retrieve → deploy round trip: every fixture org takes back, unchanged (checkOnly),
/// every file it serves, with the elements newer than the v66 WSDL that real orgs emit
/// (demo-org's `Data_Loader_Plus_glbloauth` carries `isEnforceRefreshTokenTTL`).
#[tokio::test]
async fn every_fixture_org_takes_back_what_it_serves() {
    for dir in fixture_orgs() {
        let org = FakeOrg::start(Config {
            org_dir: dir.clone(),
            ..Config::default()
        });
        if org.components().is_empty() {
            continue;
        }
        let (status, failures) = deploy_back(&org, |c| c.file_xml.clone()).await;
        assert_taken_back(&dir, status, &failures);
    }
}

/// What `fix --app` writes for every app of every SFDX fixture deploys (checkOnly) to
/// the org serving that fixture: no file it wrote is refused for an element.
#[tokio::test]
async fn every_fixture_org_takes_what_fix_writes() {
    let rewritten = std::cell::Cell::new(0);
    for dir in fixture_orgs()
        .into_iter()
        .filter(|d| d.join("sfdx-project.json").is_file())
    {
        let org = FakeOrg::start(Config {
            org_dir: dir.clone(),
            ..Config::default()
        });
        let apps: Vec<String> = org
            .components()
            .into_iter()
            .filter(|c| c.installed_namespace.is_none())
            .filter(|c| matches!(c.list_type(), "ConnectedApp" | "ExternalClientApplication"))
            .map(|c| c.full_name)
            .collect();
        if apps.is_empty() {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("org");
        crate::live_support::copy_dir(&dir, &copy);
        let mut args = vec!["fix", "--source", copy.to_str().unwrap()];
        for a in &apps {
            args.extend(["--app", a.as_str()]);
        }
        let fixed = crate::live_support::run(&args, &[]);
        let (status, failures) = deploy_back(&org, |c| {
            let now = std::fs::read_to_string(copy.join(&c.rel))
                .unwrap_or_else(|e| panic!("{}: {e}; fix said {}", c.rel, fixed.stderr));
            let before = std::fs::read_to_string(dir.join(&c.rel)).unwrap_or_default();
            rewritten.set(rewritten.get() + usize::from(now != before));
            now
        })
        .await;
        assert_taken_back(&dir, status, &failures);
    }
    // fix did write: the check is not of unchanged files only.
    assert!(rewritten.get() > 5, "{}", rewritten.get());
}
