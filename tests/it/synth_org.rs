//! The synthetic org generator used by the scale bench: deterministic, and every file it
//! writes is read without a problem.
use crate::synth;

fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn synthetic_orgs_are_deterministic_and_fully_readable() {
    let spec = synth::Spec {
        connected_apps: 200,
        external_client_apps: 50,
        seed: 7,
        ..Default::default()
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let wa = synth::generate(a.path(), &spec);
    synth::generate(b.path(), &spec);
    assert_eq!(tree(a.path()), tree(b.path()), "same seed, same org");
    let (inv, report) = pkce_audit_io::audit_folder(a.path(), &Default::default()).unwrap();
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    assert_eq!(inv.apps.len(), 250);
    assert_eq!(
        wa.files + 1,
        tree(a.path()).len(),
        "every file but sfdx-project.json is counted"
    );
    // The mix is realistic: every kind of outcome shows up.
    use pkce_audit_model::rules::RuleId;
    for rule in [
        RuleId::AppPkceNotRequired,
        RuleId::PublicClientWithoutPkce,
        RuleId::ManagedAppNeedsIsv,
        RuleId::AppPkceUnknown,
        RuleId::AppOutsidePkceScope,
        RuleId::InsecureCallbackUrl,
    ] {
        assert!(
            report.findings.iter().any(|f| f.rule == rule),
            "{rule} missing"
        );
    }
    // With evidence, the test org serves it and a live audit reads it.
    let e = tempfile::tempdir().unwrap();
    synth::generate(
        e.path(),
        &synth::Spec {
            connected_apps: 40,
            external_client_apps: 10,
            with_evidence: true,
            ..spec.clone()
        },
    );
    for object in ["OauthToken", "LoginHistory", "ConnectedApplication"] {
        let rows: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(e.path().join("evidence").join(format!("{object}.json")))
                .unwrap(),
        )
        .unwrap();
        assert!(!rows.as_array().unwrap().is_empty(), "{object}");
    }
    let other = synth::generate(
        tempfile::tempdir().unwrap().path(),
        &synth::Spec { seed: 8, ..spec },
    );
    assert_ne!(other, wa, "another seed, another org");
}
