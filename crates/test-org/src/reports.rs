//! Reports for the tests of what presents them (pkce-audit-render, the binary): built
//! through pkce-audit-io's own parsers and pipeline, from XML text or a fixture folder.

use pkce_audit_io::metadata::{parse_component, MetadataType};
use pkce_audit_model::inventory::{build, Collected, Loaded, PackageInfo};
use pkce_audit_model::report::{AuditScope, Report};
use std::path::{Path, PathBuf};

/// `fixtures/<name>` of the repository.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// The audit of `fixtures/<name>`, as `audit --source` reports it (no waivers).
pub fn of_fixture(name: &str) -> Report {
    pkce_audit_io::audit_folder(&fixture_dir(name), &Default::default())
        .unwrap()
        .1
}

/// The report on components given as `(type, name, XML text)`, each parsed as a folder's
/// file `<name>.xml` would be, in a folder named `x`.
pub fn of_components(parts: &[(MetadataType, &str, &str)]) -> Report {
    let components = parts
        .iter()
        .map(|(ty, name, xml)| Loaded {
            component: parse_component(
                &pkce_audit_io::xml::parse(xml.as_bytes()).unwrap(),
                Some(*ty),
                name,
            )
            .unwrap(),
            file: Some(format!("{name}.xml")),
            package: PackageInfo::default(),
        })
        .collect();
    let inv = build(Collected {
        components,
        ..Default::default()
    });
    pkce_audit_model::report::build(
        &inv,
        AuditScope {
            kind: pkce_audit_model::report::ScopeKind::Folder,
            source: "x".into(),
            ..Default::default()
        },
    )
}

/// `ready-org` plus demo-org's External Client App `Analytics_Bridge`, whose PKCE setting
/// cannot be known (no global OAuth settings file): no blocker, yet `incomplete`.
pub fn ready_but_unknown() -> Report {
    use pkce_audit_model::rules::RuleId;
    let dir = fixture_dir("demo-org").join("force-app/main/default");
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap();
    let eca = read("externalClientApps/Analytics_Bridge.eca-meta.xml");
    let oauth = read("extlClntAppOauthSettings/Analytics_Bridge_oauth.ecaOauth-meta.xml");
    let extra = of_components(&[
        (
            MetadataType::ExternalClientApplication,
            "Analytics_Bridge",
            &eca,
        ),
        (
            MetadataType::ExtlClntAppOauthSettings,
            "Analytics_Bridge_oauth",
            &oauth,
        ),
    ]);
    let mut r = of_fixture("ready-org");
    r.apps.extend(extra.apps);
    r.findings.extend(
        extra
            .findings
            .into_iter()
            .filter(|f| f.rule == RuleId::AppPkceUnknown),
    );
    r.refresh();
    r
}
