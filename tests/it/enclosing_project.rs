//! `audit --source` on a folder inside an SFDX project (issue 13): the project's
//! `.forceignore` was not applied, and the warning names the root to pass instead.

use crate::live_support::{fixture, run};

#[test]
fn a_folder_inside_the_demo_project_warns_and_names_its_root() {
    let root = fixture("demo-org").canonicalize().unwrap();
    let root = root.to_str().unwrap();
    // demo-org has a .forceignore and an empty namespace.
    let said = format!("the audited folder is inside the SFDX project {root}: its .forceignore was not applied; audit the project root instead: --source {root}");
    for inside in [
        "fixtures/demo-org/force-app",
        "fixtures/demo-org/force-app/main/default",
    ] {
        let r = run(&["audit", "--source", inside, "--json"], &[]);
        assert!(matches!(r.code, 1 | 3), "{inside}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            format!("pkce-audit: warning: {said}\n"),
            "{inside}"
        );
        let report = r.json();
        assert_eq!(
            report["scope"]["enclosing_project"],
            serde_json::json!({"root": root, "missed_forceignore": true}),
            "{inside}"
        );
        let notes = report["notes"].as_array().unwrap();
        assert!(
            notes.iter().any(|n| n == &serde_json::json!(said)),
            "{notes:?}"
        );
        // The table says it too.
        let table = run(&["audit", "--source", inside], &[]);
        assert!(
            table
                .stdout
                .contains("the audited folder is inside the SFDX project"),
            "{}",
            table.stdout
        );
    }
    // The root itself: nothing to say.
    let r = run(&["audit", "--source", "fixtures/demo-org", "--json"], &[]);
    assert_eq!(r.stderr, "");
    assert!(r.json()["scope"].get("enclosing_project").is_none());
}
