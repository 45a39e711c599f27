//! `pkce-audit fix`, the real binary on temporary copies: every demo-org app and every
//! corpus Connected App round-trips (the app requires PKCE, nothing else changed: the
//! parsed component and the byte diff say so), formatting is kept, refusals touch
//! nothing, a second run changes nothing, and the manifests list exactly the changes.
//! `round_trip`: the edits; `steps`: refusals, dry runs, --force and --manifest;
//! `org_setting`: step 3's gate and what it reads from the test org; `undo`: the way back
//! (`--undo`) of both steps. This file: running
//! the binary and the checks the suites share.

use crate::harness::{pkce, Run};
use crate::live_support::copy_dir;
use pkce_audit_io::fix::order::CONNECTED_APP_OAUTH_CONFIG;
use pkce_audit_io::metadata::{parse_component, Body, Component, Spanned};
use pkce_audit_io::xml;
use pkce_audit_model::inventory::{NAMESPACE_REGISTRY_CALLBACK, NAMESPACE_REGISTRY_LABEL};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub(super) fn run(dir: &Path, args: &[&str]) -> Run {
    run_env(dir, args, &[])
}

/// [`run`] with these environment variables set (a token for the test org, a PATH).
pub(super) fn run_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    pkce()
        .arg("fix")
        .args(args)
        .dir(dir)
        .env("PKCE_AUDIT_TODAY", "2026-12-01")
        // One line per item for the assertions; fitting a width is tests/it/widths.rs's.
        .env("COLUMNS", "1000")
        .envs(envs.iter().copied())
        .run()
}

/// Every part is in the text.
pub(super) fn assert_has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{p:?} in:\n{text}");
    }
}

pub(super) fn out(o: &Run) -> String {
    o.all()
}

/// A copy of `fixtures/demo-org` in a scratch folder (as `demo`), run from there.
pub(super) fn demo() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-org"),
        &dir,
    );
    (tmp, dir)
}

/// Every file below `dir` with its bytes.
pub(super) fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub(super) fn component(bytes: &[u8]) -> Component {
    parse_component(&xml::parse(bytes).unwrap(), None, "X").unwrap()
}

pub(super) fn zero(s: &mut Option<Spanned<bool>>) {
    if let Some(s) = s {
        s.line = 0;
    }
}

/// The component without line numbers (an insertion moves the lines below it).
pub(super) fn lineless(mut c: Component) -> Component {
    c.line = 0;
    match &mut c.body {
        Body::ConnectedApp(ca) => {
            if let Some(o) = &mut ca.oauth {
                o.line = 0;
                o.callback_line = o.callback_line.map(|_| 0);
                zero(&mut o.is_pkce_required);
                zero(&mut o.is_consumer_secret_optional);
                zero(&mut o.is_code_credential_enabled);
            }
        }
        Body::EcaGlobalOauth(g) => {
            g.callback_line = g.callback_line.map(|_| 0);
            zero(&mut g.is_pkce_required);
            zero(&mut g.is_consumer_secret_optional);
            zero(&mut g.is_code_cred_flow_enabled);
        }
        Body::OauthOidc(s) => {
            s.line = 0;
            zero(&mut s.is_pkce_required);
            zero(&mut s.block_oauth_un_pw_flow);
            zero(&mut s.block_oauth_usr_agt_flow);
            zero(&mut s.oauth_cd_crdt_flow_enable);
        }
        _ => {}
    }
    c
}

pub(super) fn pkce_mut(c: &mut Component) -> &mut Option<Spanned<bool>> {
    match &mut c.body {
        Body::ConnectedApp(ca) => &mut ca.oauth.as_mut().unwrap().is_pkce_required,
        Body::EcaGlobalOauth(g) => &mut g.is_pkce_required,
        Body::OauthOidc(s) => &mut s.is_pkce_required,
        other => panic!("no PKCE setting in {other:?}"),
    }
}

/// The parsed component requires PKCE and is otherwise the same.
pub(super) fn assert_same_but_required(name: &str, before: &[u8], after: &[u8]) {
    let mut expected = lineless(component(before));
    *pkce_mut(&mut expected) = Some(Spanned {
        value: true,
        line: 0,
    });
    assert_eq!(lineless(component(after)), expected, "{name}");
}

/// The byte diff is the one element: a value replaced, or one element inserted on its own
/// line with its neighbour's line ending and indentation (or inline in a one-line file).
pub(super) fn assert_minimal_bytes(name: &str, before: &[u8], after: &[u8]) {
    let (b, a) = (
        String::from_utf8(before.to_vec()).unwrap(),
        String::from_utf8(after.to_vec()).unwrap(),
    );
    const NEW: &str = "<isPkceRequired>true</isPkceRequired>";
    for old in [
        "<isPkceRequired>false</isPkceRequired>",
        "<isPkceRequired>0</isPkceRequired>",
    ] {
        if b.contains(old) {
            assert_eq!(a, b.replacen(old, NEW, 1), "{name}: only the value changes");
            return;
        }
    }
    assert_eq!(a.matches(NEW).count(), 1, "{name}");
    let at = a.find(NEW).unwrap();
    let indent_from = a[..at].trim_end_matches([' ', '\t']).len();
    let indent = &a[indent_from..at];
    let (cut, ending) = match &a[..indent_from] {
        s if s.ends_with("\r\n") => (indent_from - 2, "\r\n"),
        s if s.ends_with('\n') => (indent_from - 1, "\n"),
        _ => (at, ""),
    };
    assert_eq!(
        format!("{}{}", &a[..cut], &a[at + NEW.len()..]),
        b,
        "{name}: only the element is inserted"
    );
    if !ending.is_empty() {
        // The line before: same line ending, same indentation.
        let prev_start = a[..cut].rfind('\n').map_or(0, |i| i + 1);
        let prev = &a[prev_start..cut];
        assert!(
            prev.starts_with(indent) && !prev[indent.len()..].starts_with([' ', '\t']),
            "{name}: indentation {indent:?} of {prev:?}"
        );
        let prev_ending_crlf = a[..prev_start].ends_with("\r\n");
        if prev_start > 0 {
            assert_eq!(prev_ending_crlf, ending == "\r\n", "{name}: line ending");
        }
    }
}

pub(super) fn oauth_ranks(bytes: &[u8]) -> Vec<(String, Option<usize>)> {
    let seq = CONNECTED_APP_OAUTH_CONFIG.elements;
    xml::parse(bytes)
        .unwrap()
        .child("oauthConfig")
        .unwrap()
        .children
        .iter()
        .map(|c| (c.name.clone(), seq.iter().position(|s| *s == c.name)))
        .collect()
}

/// `isPkceRequired` sits where the WSDL sequence puts it among the known elements: after
/// every element that precedes it, and, in a file that was in schema order, before every
/// element that follows it. (One corpus file, trailheadapps/ready-to-fly's slackApp, has
/// its `scopes` before `isAdminApproved`: there it goes after its predecessors.)
pub(super) fn assert_schema_order(name: &str, before: &[u8], after: &[u8]) {
    let in_order = |ranks: &[(String, Option<usize>)]| {
        let known: Vec<usize> = ranks.iter().filter_map(|r| r.1).collect();
        known.windows(2).all(|w| w[0] <= w[1])
    };
    let ranks = oauth_ranks(after);
    let own = CONNECTED_APP_OAUTH_CONFIG
        .elements
        .iter()
        .position(|s| *s == "isPkceRequired")
        .unwrap();
    let at = ranks.iter().position(|r| r.0 == "isPkceRequired").unwrap();
    assert!(
        ranks[at + 1..].iter().all(|r| r.1.is_none_or(|r| r >= own)),
        "{name}: a predecessor after it: {ranks:?}"
    );
    if in_order(&oauth_ranks(before)) {
        assert!(in_order(&ranks), "{name}: {ranks:?}");
    }
}

pub(super) const DEMO_APPS: &[(&str, &str)] = &[
    (
        "Customer_Portal",
        "force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
    ),
    (
        "ERP_Integration",
        "force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml",
    ),
    (
        "Field_Service_Mobile",
        "force-app/main/default/connectedApps/Field_Service_Mobile.connectedApp-meta.xml",
    ),
    (
        "Headless_Login",
        "force-app/main/default/connectedApps/Headless_Login.connectedApp-meta.xml",
    ),
    (
        "Expense_Tracker",
        "force-app/main/default/extlClntAppGlobalOauthSets/ExpTrkGlblOAuth.ecaGlblOauth-meta.xml",
    ),
    (
        "Partner_Public_SPA",
        "force-app/main/default/extlClntAppGlobalOauthSets/Partner_Public_SPA_glbloauth.ecaGlblOauth-meta.xml",
    ),
];

pub(super) fn app_args<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    names.into_iter().flat_map(|n| ["--app", n]).collect()
}

pub(super) fn sfdx_project(root: &Path) -> PathBuf {
    std::fs::write(
        root.join("sfdx-project.json"),
        r#"{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "66.0"}"#,
    )
    .unwrap();
    let apps = root.join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    apps
}

mod org_setting;
mod pasted;
mod round_trip;
mod safety;
mod steps;
mod undo;
