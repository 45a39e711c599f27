//! Every write stays inside its root (issue 18, section 1), tried as a hostile repository
//! would: each test builds the hostile input in a temporary folder, runs the real binary,
//! and checks the refusal, that nothing inside the root changed, and that nothing outside
//! it changed (an `outside` folder beside the project, compared entry by entry, links and
//! modes included). `fix` here; `others`: fetch, fleet --out-dir and --output; `stdout`:
//! a closed standard output.

use crate::fix::{demo, out, run, sfdx_project};
use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

mod others;
mod stdout;

/// Every entry below `dir`, links not followed: a file's mode and bytes, a link's target,
/// a folder's mode.
pub(super) fn state(dir: &Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let what = if meta.file_type().is_symlink() {
                format!(
                    "link -> {}",
                    std::fs::read_link(e.path()).unwrap().display()
                )
            } else if meta.is_dir() {
                format!("folder {mode:o}")
            } else if meta.is_file() {
                format!(
                    "file {mode:o} {}",
                    String::from_utf8_lossy(&std::fs::read(e.path()).unwrap())
                )
            } else {
                format!("other {mode:o}")
            };
            (rel, what)
        })
        .collect()
}

/// Sets a umask that narrows a new file's 0o666 (0o022, unless the process already has
/// one that does), so that a replaced file keeps its mode only because the write gave it
/// its bits: a mode test with group or other write bits then fails if it did not. The
/// binary under test inherits it.
pub(super) fn narrowing_umask() {
    // SAFETY: umask only swaps the process's file mode creation mask.
    let old = unsafe { libc::umask(0o022) };
    if old & 0o022 == 0o022 {
        // SAFETY: as above.
        unsafe { libc::umask(old) };
    }
}

/// A copy of the demo project (`demo`) and a folder outside it (`outside`) holding a file
/// a hostile link points at, as `~/.bashrc` would be.
pub(super) struct Scene {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub project: PathBuf,
    pub outside: PathBuf,
}

impl Scene {
    pub fn new() -> Scene {
        let (tmp, project) = demo();
        let dir = tmp.path().to_path_buf();
        let outside = dir.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join(".bashrc"), "echo precious\n").unwrap();
        Scene {
            _tmp: tmp,
            dir,
            project,
            outside,
        }
    }

    /// Both trees, to compare before and after.
    pub fn state(&self) -> (BTreeMap<PathBuf, String>, BTreeMap<PathBuf, String>) {
        (state(&self.project), state(&self.outside))
    }

    fn fix(&self, args: &[&str]) -> crate::harness::Run {
        let mut all = vec!["--source", "demo"];
        all.extend_from_slice(args);
        run(&self.dir, &all)
    }

    /// Runs fix and checks it refused with exit 2, naming `says`, with nothing changed
    /// inside or outside the project.
    fn refused(&self, args: &[&str], says: &str) -> String {
        let before = self.state();
        let o = self.fix(args);
        let text = out(&o);
        assert_eq!(o.code, 2, "{text}");
        assert!(text.contains(says), "{says:?} in {text}");
        assert_eq!(text.lines().count(), 1, "one line: {text}");
        assert_eq!(self.state(), before, "nothing changed inside or outside");
        text
    }
}

const PORTAL: &str = "force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml";

#[test]
fn a_manifest_folder_that_links_outside_is_refused() {
    let s = Scene::new();
    symlink(&s.outside, s.project.join("manifest")).unwrap();
    s.refused(
        &["--app", "Customer_Portal"],
        "demo/manifest: a symbolic link",
    );
    let before = s.state();
    let o = s.fix(&["--app", "Customer_Portal", "--json"]);
    assert_eq!(s.state(), before);
    let doc: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["name"], "FixRefused", "{doc}");
    // The dry run names the same refusal: the checks are the plan's.
    s.refused(
        &["--app", "Customer_Portal", "--dry-run"],
        "demo/manifest: a symbolic link",
    );
}

#[test]
fn a_link_to_a_file_inside_the_project_is_read_but_not_written_naming_the_file_to_edit() {
    let s = Scene::new();
    let link = s.project.join(PORTAL);
    let real = s.project.join("shared/Customer_Portal.xml");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::rename(&link, &real).unwrap();
    symlink(&real, &link).unwrap();
    // The audit still reads it.
    let a = crate::live_support::run(
        &["audit", "--source", s.project.to_str().unwrap(), "--json"],
        &[],
    );
    assert!(a.stdout.contains("\"Customer_Portal\""), "{}", a.stdout);
    s.refused(
        &["--app", "Customer_Portal"],
        &format!("{PORTAL}: a symbolic link"),
    );
    s.refused(
        &["--app", "Customer_Portal"],
        "pkce-audit never writes through a link: edit demo/shared/Customer_Portal.xml instead",
    );
}

#[test]
fn a_link_in_a_folder_between_the_root_and_the_file_is_refused() {
    let s = Scene::new();
    // The apps folder moved elsewhere inside the project and linked back: read, not written.
    let md = s.project.join("force-app/main/default");
    std::fs::rename(md.join("connectedApps"), s.project.join("apps")).unwrap();
    symlink(s.project.join("apps"), md.join("connectedApps")).unwrap();
    s.refused(
        &["--app", "Customer_Portal"],
        "demo/force-app/main/default/connectedApps: a symbolic link",
    );
    // The settings folder a link to outside: the file step 3 creates would land there.
    std::fs::remove_dir_all(md.join("settings")).unwrap();
    symlink(&s.outside, md.join("settings")).unwrap();
    s.refused(
        &["--org-setting", "--force", "--reason", "r"],
        "demo/force-app/main/default/settings: a symbolic link",
    );
}

#[test]
fn a_hard_link_is_replaced_not_written_through_and_modes_are_kept() {
    let s = Scene::new();
    let file = s.project.join(PORTAL);
    std::fs::hard_link(&file, s.outside.join("portal-copy.xml")).unwrap();
    // Group and other may write: bits a 0o022 umask would take from a new file.
    narrowing_umask();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let outside = state(&s.outside);
    let o = s.fix(&["--app", "Customer_Portal"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_eq!(
        state(&s.outside),
        outside,
        "the other name keeps the old bytes"
    );
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o666);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("<isPkceRequired>true</isPkceRequired>"));
}

#[test]
fn a_read_only_file_is_refused_whoever_runs_fix() {
    // Tests run as root here, as CI does: root could open the file for writing, so the
    // refusal must come from the mode itself.
    let s = Scene::new();
    let file = s.project.join(PORTAL);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    s.refused(
        &["--app", "Customer_Portal"],
        &format!("{PORTAL}: read-only (no write bit in its mode)"),
    );
    // A read-only manifest of an earlier run too.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = s.fix(&["--app", "Customer_Portal"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    let manifest = s.project.join("manifest/pkce-step2-apps.xml");
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o444)).unwrap();
    s.refused(
        &["--app", "ERP_Integration"],
        "manifest/pkce-step2-apps.xml: read-only",
    );
}

#[test]
fn a_package_directory_outside_the_project_is_never_written_even_with_force() {
    for dir in ["../outside", "ABSOLUTE"] {
        let s = Scene::new();
        let dir = match dir {
            "ABSOLUTE" => s.outside.display().to_string(),
            d => d.to_string(),
        };
        // The outside folder is the default package directory; the apps stay inside.
        std::fs::write(
            s.project.join("sfdx-project.json"),
            format!(
                r#"{{"packageDirectories": [{{"path": "{dir}", "default": true}}, {{"path": "force-app"}}], "sourceApiVersion": "63.0"}}"#
            ),
        )
        .unwrap();
        std::fs::remove_file(
            s.project
                .join("force-app/main/default/settings/OauthOidc.settings-meta.xml"),
        )
        .unwrap();
        // Reading stays as it was: skipped and listed as not read.
        let a = crate::live_support::run(
            &["audit", "--source", s.project.to_str().unwrap(), "--json"],
            &[],
        );
        assert!(
            a.stdout
                .contains(&format!("package directory '{dir}' is outside the project")),
            "{}",
            a.stdout
        );
        let text = s.refused(
            &["--org-setting", "--force", "--reason", "r"],
            &format!("the default package directory '{dir}' of sfdx-project.json lies outside the project"),
        );
        // An absolute directory is shown as it is, not as `//tmp/...`.
        if dir.starts_with('/') {
            assert!(
                text.contains(&format!("OauthOidc: {dir}/settings/OauthOidc.settings-meta.xml: the default package directory")),
                "{text}"
            );
        }
    }
}

#[test]
fn a_component_name_that_is_not_an_api_name_never_reaches_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let apps = sfdx_project(tmp.path());
    let app = |label: &str| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>{label}</label>\n    <oauthConfig>\n        <callbackUrl>https://x.example.com/cb</callbackUrl>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n")
    };
    for name in ["Evil\u{7}App", "Evil\nApp", "Two Words", "Trailing_"] {
        std::fs::write(apps.join(format!("{name}.connectedApp-meta.xml")), app("x")).unwrap();
    }
    let before = state(tmp.path());
    for (name, why) in [
        ("Evil\u{7}App", "holds a control character"),
        // A line break in a name is escaped, not shown as a space ("Evil App").
        ("Evil\nApp", "connectedApps/Evil\\nApp.connectedApp-meta.xml: the name 'Evil\\nApp' holds a control character"),
        ("Two Words", "other than ASCII letters"),
        ("Trailing_", "ends with `_`"),
    ] {
        for json in [false, true] {
            let mut args = vec!["--source", ".", "--app", name];
            if json {
                args.push("--json");
            }
            let o = run(tmp.path(), &args);
            let text = out(&o);
            assert_eq!(o.code, 2, "{name:?}: {text}");
            assert!(text.contains(why), "{name:?}: {text}");
            assert!(text.contains("is not a Salesforce API name"), "{text}");
            // Named, but never with the control character itself.
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            );
            assert_eq!(state(tmp.path()), before, "{name:?}");
        }
    }
    // An earlier manifest listing such a name is not written again.
    std::fs::create_dir_all(tmp.path().join("manifest")).unwrap();
    std::fs::write(apps.join("Good.connectedApp-meta.xml"), app("good")).unwrap();
    std::fs::write(
        tmp.path().join("manifest/pkce-step2-apps.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pkce-audit fix step 2: require PKCE on each app. -->\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>Bad Name</members>\n        <name>ConnectedApp</name>\n    </types>\n    <version>66.0</version>\n</Package>\n",
    )
    .unwrap();
    let before = state(tmp.path());
    let o = run(tmp.path(), &["--source", ".", "--app", "Good"]);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert!(
        out(&o).contains("lists ConnectedApp 'Bad Name'"),
        "{}",
        out(&o)
    );
    assert_eq!(state(tmp.path()), before);
}

#[test]
fn an_earlier_manifest_is_kept_only_when_it_lists_the_steps_own_components() {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pkce-audit fix step 3: require PKCE org-wide (OAuth and OpenID Connect Settings). Deploy it alone -->\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n";
    let planted = |types: &str| format!("{head}{types}    <version>63.0</version>\n</Package>\n");
    let settings = "    <types>\n        <members>OauthOidc</members>\n        <name>Settings</name>\n    </types>\n";
    for (types, says) in [
        // Another type under pkce-audit's comment: not deployed "alone" with step 3.
        (
            format!("{settings}    <types>\n        <members>Backdoor</members>\n        <name>ApexClass</name>\n    </types>\n    <types>\n        <members>Admin</members>\n        <name>Profile</name>\n    </types>\n"),
            "the earlier manifest there lists type 'ApexClass' (member 'Backdoor'), which is not part of step 3 (it lists only Settings)",
        ),
        // Markup in a type name: read as text, never written back as markup.
        (
            "    <types>\n        <members>OauthOidc</members>\n        <name>ApexClass&lt;/name&gt;&lt;/types&gt;&lt;types&gt;&lt;members&gt;*&lt;/members&gt;&lt;name&gt;ApexClass</name>\n    </types>\n".to_string(),
            "lists type 'ApexClass</name></types><types><members>*</members><name>ApexClass'",
        ),
        // Control characters as character references.
        (
            "    <types>\n        <members>Oauth&#10;Oidc</members>\n        <name>Settings</name>\n    </types>\n".to_string(),
            "lists Settings member 'Oauth\\nOidc', and step 3 deploys only Settings OauthOidc",
        ),
        (
            "    <types>\n        <members>OauthOidc</members>\n        <name>Set&#9;tings</name>\n    </types>\n".to_string(),
            "lists type 'Set\\ttings'",
        ),
        (
            format!("{settings}    <types>\n        <members>OauthOidc</members>\n        <name>Sett&#13;ings</name>\n    </types>\n"),
            "lists type 'Sett\\rings'",
        ),
    ] {
        let s = Scene::new();
        std::fs::create_dir_all(s.project.join("manifest")).unwrap();
        std::fs::write(s.project.join("manifest/pkce-step3-org.xml"), planted(&types)).unwrap();
        let text = s.refused(&["--org-setting", "--force", "--reason", "r"], says);
        assert!(text.contains("fix does not write it again"), "{text}");
    }
    // Step 2: only Connected Apps and External Client Apps' global settings.
    let s = Scene::new();
    std::fs::create_dir_all(s.project.join("manifest")).unwrap();
    std::fs::write(
        s.project.join("manifest/pkce-step2-apps.xml"),
        planted("    <types>\n        <members>Backdoor</members>\n        <name>ApexClass</name>\n    </types>\n")
            .replace("step 3: require PKCE org-wide (OAuth and OpenID Connect Settings)", "step 2: require PKCE on each app"),
    )
    .unwrap();
    s.refused(
        &["--app", "ERP_Integration"],
        "lists type 'ApexClass' (member 'Backdoor'), which is not part of step 2 (it lists only ConnectedApp and ExtlClntAppGlobalOauthSettings)",
    );
}
