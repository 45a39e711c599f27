//! The deploy manifest of one step: a `package.xml` listing the components of the step
//! (the apps asked for, changed or already requiring PKCE, and those an earlier run put in
//! the same manifest), so `sf project deploy start --manifest FILE` deploys that step alone.
//! It carries a comment naming the step: that is how fix knows a file it may add to, and
//! any other file at the manifest path is refused rather than overwritten.
//!
//! Shape: the Metadata API's `Package` (`<types><members/><name/></types>`, `<version>`),
//! https://developer.salesforce.com/docs/atlas.en-us.daas.meta/daas/daas_package.htm.
//! The org settings are type `Settings`, member `OauthOidc` (salesforce-api.md §3).

use super::{Change, Direction, FixError, Forced, Project, Step, Unchanged, WaivedBlockers};
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::Layout;
use crate::xml::{escape, METADATA_NS};
use pkce_audit_model::advice::Advice;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The API version written when the project does not name one (`sourceApiVersion` in
/// sfdx-project.json, `<version>` in an mdapi package.xml): the version of the WSDL the
/// schema order comes from.
pub const DEFAULT_API_VERSION: &str = "66.0";

/// The start of the comment that marks a step's manifest (or its rollback's) as
/// pkce-audit's.
fn marker(step: Step, direction: Direction) -> String {
    match direction {
        Direction::Require => format!("pkce-audit fix step {}", step.number()),
        Direction::Undo => format!("pkce-audit fix rollback of step {}", step.number()),
    }
}

/// The manifest's name in messages: `step 2`, `rollback of step 2`.
fn which(step: Step, direction: Direction) -> String {
    match direction {
        Direction::Require => format!("step {}", step.number()),
        Direction::Undo => format!("rollback of step {}", step.number()),
    }
}

pub use pkce_audit_model::fix::{entry, Member, StepManifest};

/// The manifest for the step's `changes` and `unchanged` components, merged into the
/// earlier pkce-audit manifest of the same step at that path. Refused (nothing written)
/// when the path is a folder, a file this run edits, any other file, or cannot be
/// created.
/// A rollback manifest is a separate one of its own kind (`direction`): never merged with
/// the step's.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan(
    project: &Project,
    step: Step,
    direction: Direction,
    changes: &[Change],
    unchanged: &[Unchanged],
    forced: Option<&Forced>,
    waived: Option<&WaivedBlockers>,
    given: Option<&Path>,
) -> Result<StepManifest, FixError> {
    let (root, path) = match given {
        Some(p) => (
            p.parent().unwrap_or(Path::new(".")).to_path_buf(),
            p.to_path_buf(),
        ),
        None => default_path(project, step, direction),
    };
    let refuse = |reason: String| FixError::Manifest {
        path: path.clone(),
        reason,
    };
    // Checked before it is read: a link there is refused, never read through.
    let confined = crate::safe_write::Root::new(&root);
    confined
        .relative(&path)
        .and_then(|rel| confined.check(&rel))
        .map_err(|e| match e {
            // A folder or a file in the way: the path named is the mistake.
            crate::safe_write::WriteError::NotAFile { path: at, what } if at == path => {
                refuse(what.to_string())
            }
            e @ crate::safe_write::WriteError::NotAFile { .. } => refuse(e.to_string()),
            e @ crate::safe_write::WriteError::Io { .. } => refuse(e.to_string()),
            // A link, a read-only file: not a path fix writes, whoever named it.
            e => FixError::Refused(vec![super::Refusal {
                subject: "manifest".into(),
                reason: e.to_string(),
            }]),
        })?;
    let before = existing(&path, changes).map_err(refuse)?;
    let earlier = match &before {
        Some(bytes) => ours(bytes, step, direction).map_err(|why| {
            refuse(format!(
                "a file that is not a deploy manifest pkce-audit wrote for the {} ({why}); fix does not overwrite it: {}",
                which(step, direction),
                Advice::NewManifest
            ))
        })?,
        None => Vec::new(),
    };
    // Kept members are written again under pkce-audit's name: each must be a
    // component of this step, named by an API name.
    if let Some(why) = earlier.iter().find_map(|m| foreign(step, m)) {
        return Err(refuse(format!(
            "the earlier manifest there {why}; fix does not write it again: remove it or {}",
            Advice::NewManifest
        )));
    }
    let asked: Vec<Member> = changes
        .iter()
        .map(|c| &c.component)
        // A file that does not name isPkceRequired deploys no rollback: not listed.
        .chain(unchanged.iter().filter(|u| u.named).map(|u| &u.component))
        .map(|(ty, name)| {
            let (t, m) = entry(*ty, name);
            (t.to_string(), m)
        })
        .collect();
    // A rollback lists only its own apps: an earlier rollback's app may have been required
    // again since, and deploying its file under this manifest would not roll it back.
    let kept: Vec<Member> = match direction {
        Direction::Require => earlier.into_iter().filter(|e| !asked.contains(e)).collect(),
        Direction::Undo => Vec::new(),
    };
    let mut members: Vec<Member> = asked.into_iter().chain(kept.iter().cloned()).collect();
    members.sort();
    members.dedup();
    let mut comments = vec![format!(
        "{}: {}. Deploy it alone{}",
        marker(step, direction),
        step.title(direction),
        match (step, direction) {
            (Step::Apps, Direction::Require) => "; fix adds the apps of later runs to it",
            (Step::Apps, Direction::Undo) => "; each rollback replaces it with its own apps",
            (Step::OrgSetting, _) => "",
        }
    )];
    comments.extend(waived.map(|w| {
        format!(
            "Step {} passed its gate with {} blocker(s) waived by {}: {}",
            step.number(),
            w.blockers.len(),
            w.file,
            w.blockers
                .iter()
                .map(super::WaivedBlocker::describe)
                .collect::<Vec<_>>()
                .join("; ")
        )
    }));
    comments.extend(forced.map(|f| {
        format!(
            "Step {} forced past {} open item(s); reason: {}; still open: {}",
            step.number(),
            f.open.len(),
            f.reason,
            f.open.join("; ")
        )
    }));
    let after = package_xml(&members, &project.api_version, &comments).into_bytes();
    Ok(StepManifest {
        in_project: in_project(&path, &project.root),
        path,
        root,
        before,
        after,
        members,
        kept,
    })
}

/// `path` relative to `root`, `/` separated; `None` when it lies outside.
fn in_project(path: &Path, root: &Path) -> Option<String> {
    let root_abs = std::path::absolute(root).ok();
    let rel = path
        .strip_prefix(root)
        .ok()
        .or_else(|| path.strip_prefix(root_abs.as_ref()?).ok())?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Next to an mdapi folder, never inside it: `sf project deploy start --metadata-dir`
/// deploys what the folder's own package.xml lists, and a stray file in it is not ours to
/// add. Under `manifest/` of an SFDX project, where `sf project generate manifest` writes.
fn default_path(project: &Project, step: Step, direction: Direction) -> (PathBuf, PathBuf) {
    let file = step.default_manifest(direction);
    match project.layout {
        Layout::Mdapi => {
            let root = &project.discovery.root;
            let name = root
                .file_name()
                .map_or_else(|| "mdapi".into(), |n| n.to_string_lossy());
            let parent = root.parent().unwrap_or(root);
            (parent.to_path_buf(), parent.join(format!("{name}-{file}")))
        }
        _ => (
            project.root.clone(),
            project.root.join("manifest").join(file),
        ),
    }
}

/// The path with links and `..` resolved as far as it exists.
fn resolved(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    match (
        p.parent().and_then(|d| d.canonicalize().ok()),
        p.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => p.to_path_buf(),
    }
}

/// The bytes of the file at the manifest path (`None`: there is none yet, and it can be
/// created), or why it may not be written.
fn existing(path: &Path, changes: &[Change]) -> Result<Option<Vec<u8>>, String> {
    let target = resolved(path);
    if let Some(c) = changes.iter().find(|c| resolved(&c.path) == target) {
        return Err(format!("is {}, which this run edits", c.file));
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err("is a folder; name a file".into()),
        Ok(_) => super::project::read_metadata(path).map(Some),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            // Its folder is created: the nearest part that exists must be a folder.
            match path.ancestors().skip(1).find(|a| a.exists()) {
                Some(a) if !a.is_dir() => Err(format!(
                    "{} is not a folder, so the manifest cannot be created",
                    a.display()
                )),
                _ => Ok(None),
            }
        }
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

/// The members of a manifest pkce-audit wrote for `step` in `direction`, or why it is not
/// one.
fn ours(bytes: &[u8], step: Step, direction: Direction) -> Result<Vec<Member>, String> {
    let root = crate::xml::parse(bytes).map_err(|e| format!("not XML: {e}"))?;
    if root.name != "Package" {
        return Err(format!("its root element is <{}>", root.name));
    }
    let text = String::from_utf8_lossy(bytes);
    let head = &text[..text.find("<Package").unwrap_or(text.len())];
    if !head.contains(&format!("<!-- {}:", marker(step, direction))) {
        let other = [Direction::Require, Direction::Undo]
            .into_iter()
            .flat_map(|d| [(Step::Apps, d), (Step::OrgSetting, d)])
            .find(|(s, d)| head.contains(&format!("<!-- {}:", marker(*s, *d))));
        return Err(match other {
            Some((s, d)) => format!(
                "it is the {} manifest; each step, and each rollback, deploys alone",
                which(s, d)
            ),
            None => "a package.xml without pkce-audit's comment".into(),
        });
    }
    // The shape `package_xml` writes, and nothing else: what is not understood is not
    // written again under pkce-audit's name.
    let shown = |t: &str| pkce_audit_model::text::escaped(t).into_owned();
    let mut members = Vec::new();
    for child in &root.children {
        match child.name.as_str() {
            "version" if child.children.is_empty() => {}
            "types" => {
                let names: Vec<_> = child.children_named("name").collect();
                let ty = match names.as_slice() {
                    [one] if one.children.is_empty() => one.text.clone(),
                    _ => return Err("a <types> without exactly one plain <name>".into()),
                };
                for m in &child.children {
                    match m.name.as_str() {
                        "name" => {}
                        "members" if m.children.is_empty() => {
                            members.push((ty.clone(), m.text.clone()))
                        }
                        other => {
                            return Err(format!(
                                "an element <{}> in <types> {}",
                                shown(other),
                                shown(&ty)
                            ))
                        }
                    }
                }
            }
            other => return Err(format!("an element <{}> in <Package>", shown(other))),
        }
    }
    Ok(members)
}

/// The types a step's manifest lists, each with the one member it is confined to
/// (`None`: any API name).
fn own_types(step: Step) -> Vec<(&'static str, Option<&'static str>)> {
    match step {
        Step::Apps => vec![
            (MetadataType::ConnectedApp.name(), None),
            (MetadataType::ExtlClntAppGlobalOauthSettings.name(), None),
        ],
        Step::OrgSetting => vec![(
            pkce_audit_model::fix::entry(MetadataType::OauthOidcSettings, OAUTH_OIDC_MEMBER).0,
            Some(OAUTH_OIDC_MEMBER),
        )],
    }
}

/// Why an entry of an earlier manifest may not be kept: a type that is not the step's
/// own, a member other than the one the type is confined to, or a name that is not an
/// API name. `None`: it is the step's own.
fn foreign(step: Step, (ty, member): &Member) -> Option<String> {
    let shown = |t: &str| pkce_audit_model::text::escaped(t).into_owned();
    let own = own_types(step);
    let Some((_, only)) = own.iter().find(|(t, _)| t == ty) else {
        return Some(format!(
            "lists type '{}' (member '{}'), which is not part of step {} (it lists only {})",
            shown(ty),
            shown(member),
            step.number(),
            own.iter()
                .map(|(t, _)| *t)
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    };
    if let Some(only) = only.filter(|o| o != member) {
        return Some(format!(
            "lists {} member '{}', and step {} deploys only {ty} {only}",
            shown(ty),
            shown(member),
            step.number()
        ));
    }
    super::api_name::problem(member).map(|why| {
        format!(
            "lists {ty} '{}', which {why}, so it is not a Salesforce API name",
            shown(member)
        )
    })
}

/// An API version as the Metadata API writes it (`66.0`); anything else is not used.
pub fn valid_version(v: &str) -> bool {
    let v = v.trim();
    v.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Text that may stand inside an XML comment: no `--`, no line breaks.
fn comment_text(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "- -");
    }
    s.trim_end_matches('-').to_string()
}

/// Text for an element of the manifest: markup escaped, and no control character, raw
/// or as a reference (callers pass only API names; this is the backstop).
fn xml_text(text: &str) -> String {
    escape(text)
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// The `package.xml` text. `components` are `(type, member)` pairs; types and members are
/// written sorted, as `sf project generate manifest` writes them. Each of `comments` (the
/// step, the reason a step was forced) goes in an XML comment at the top.
pub fn package_xml(components: &[Member], version: &str, comments: &[String]) -> String {
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (ty, member) in components {
        by_type.entry(ty).or_default().push(member);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    for c in comments {
        out.push_str(&format!("<!-- {} -->\n", comment_text(c)));
    }
    out.push_str(&format!("<Package xmlns=\"{METADATA_NS}\">\n"));
    for (ty, mut members) in by_type {
        members.sort_unstable();
        members.dedup();
        out.push_str("    <types>\n");
        for m in members {
            out.push_str(&format!("        <members>{}</members>\n", xml_text(m)));
        }
        out.push_str(&format!(
            "        <name>{}</name>\n    </types>\n",
            xml_text(ty)
        ));
    }
    out.push_str(&format!(
        "    <version>{}</version>\n</Package>\n",
        xml_text(version.trim())
    ));
    out
}

/// The members of a step-2 manifest `fix` wrote, for `verify --manifest`: read with the
/// bounds of every small file, and refused, with the reason, unless it is one.
pub fn read_step2(path: &Path) -> Result<Vec<Member>, String> {
    let text = crate::bounded::read_required_text(path, crate::bounded::MAX_FILE_BYTES)?;
    let members = ours(text.as_bytes(), Step::Apps, Direction::Require)?;
    // What a step-2 manifest may list, as fix keeps an earlier one: nothing else is
    // silently left out of the scope.
    match members.iter().find_map(|m| foreign(Step::Apps, m)) {
        Some(why) => Err(format!("it {why}")),
        None => Ok(members),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(list: &[(MetadataType, &str)]) -> Vec<Member> {
        list.iter()
            .map(|(ty, n)| {
                let (t, m) = entry(*ty, n);
                (t.to_string(), m)
            })
            .collect()
    }

    #[test]
    fn lists_each_type_once_with_sorted_members() {
        let text = package_xml(
            &members(&[
                (MetadataType::ConnectedApp, "Zeta"),
                (
                    MetadataType::ExtlClntAppGlobalOauthSettings,
                    "Exp_glbloauth",
                ),
                (MetadataType::ConnectedApp, "Alpha"),
            ]),
            "63.0",
            &[],
        );
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>Alpha</members>\n        <members>Zeta</members>\n        <name>ConnectedApp</name>\n    </types>\n    <types>\n        <members>Exp_glbloauth</members>\n        <name>ExtlClntAppGlobalOauthSettings</name>\n    </types>\n    <version>63.0</version>\n</Package>\n"
        );
        let root = crate::xml::parse(text.as_bytes()).unwrap();
        assert_eq!(root.name, "Package");
    }

    #[test]
    fn the_org_settings_are_settings_member_oauthoidc_and_the_reason_is_a_safe_comment() {
        let text = package_xml(
            &members(&[(MetadataType::OauthOidcSettings, "ignored")]),
            "66.0",
            &["vendor -- confirmed\nPKCE ready -->".to_string()],
        );
        assert!(text.contains("<members>OauthOidc</members>\n        <name>Settings</name>"));
        assert!(
            text.contains("<!-- vendor - - confirmed PKCE ready - -> -->"),
            "{text}"
        );
        crate::xml::parse(text.as_bytes()).unwrap();
    }

    #[test]
    fn every_text_of_the_manifest_is_escaped_and_holds_no_control_character() {
        let text = package_xml(
            &[(
                "ApexClass</name></types><types><members>*</members><name>ApexClass".to_string(),
                "A\n\tB\r".to_string(),
            )],
            "66.0</version><x>",
            &[],
        );
        assert!(!text.contains("<members>*</members>"), "{text}");
        assert!(!text.contains("<x>"), "{text}");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        let root = crate::xml::parse(text.as_bytes()).unwrap();
        assert_eq!(root.children_named("types").count(), 1, "{text}");
    }

    #[test]
    fn an_earlier_entry_is_kept_only_when_it_is_the_steps_own_component() {
        let m = |t: &str, n: &str| (t.to_string(), n.to_string());
        for ok in [
            m("ConnectedApp", "Portal"),
            m("ExtlClntAppGlobalOauthSettings", "E_glbloauth"),
        ] {
            assert_eq!(foreign(Step::Apps, &ok), None, "{ok:?}");
        }
        assert_eq!(foreign(Step::OrgSetting, &m("Settings", "OauthOidc")), None);
        for (step, bad, why) in [
            (Step::OrgSetting, m("ApexClass", "Backdoor"), "type 'ApexClass' (member 'Backdoor'), which is not part of step 3"),
            (Step::OrgSetting, m("Profile", "Admin"), "type 'Profile'"),
            (Step::OrgSetting, m("Settings", "Security"), "Settings member 'Security', and step 3 deploys only Settings OauthOidc"),
            (Step::Apps, m("Settings", "OauthOidc"), "not part of step 2 (it lists only ConnectedApp and ExtlClntAppGlobalOauthSettings)"),
            (Step::Apps, m("ApexClass</name></types>", "*"), "type 'ApexClass</name></types>'"),
            (Step::Apps, m("ConnectedApp", "\nPortal"), "ConnectedApp '\\nPortal', which holds a control character"),
            (Step::Apps, m("ConnectedApp", "Por\ttal"), "holds a control character"),
            (Step::Apps, m("ConnectedApp\r", "Portal"), "type 'ConnectedApp\\r'"),
        ] {
            let got = foreign(step, &bad).unwrap_or_else(|| panic!("{bad:?} kept"));
            assert!(got.contains(why), "{bad:?}: {got}");
            assert!(!got.chars().any(char::is_control), "{got:?}");
        }
        // A character reference is read as the character it stands for, and refused.
        let planted = format!(
            "<?xml version=\"1.0\"?>\n<!-- {}: x -->\n<Package xmlns=\"{METADATA_NS}\"><types><members>Por&#10;tal</members><name>ConnectedApp</name></types><fullName>x</fullName></Package>",
            marker(Step::Apps, Direction::Require)
        );
        assert!(ours(planted.as_bytes(), Step::Apps, Direction::Require)
            .unwrap_err()
            .contains("an element <fullName> in <Package>"));
        let planted = planted.replace("<fullName>x</fullName>", "");
        let kept = ours(planted.as_bytes(), Step::Apps, Direction::Require).unwrap();
        assert_eq!(kept, [m("ConnectedApp", "Por\ntal")]);
        assert!(foreign(Step::Apps, &kept[0]).is_some());
    }

    #[test]
    fn only_a_manifest_pkce_audit_wrote_for_the_step_is_ours() {
        let list = members(&[(MetadataType::ConnectedApp, "A")]);
        let step2 = package_xml(
            &list,
            "66.0",
            &[format!("{}: x", marker(Step::Apps, Direction::Require))],
        );
        assert_eq!(
            ours(step2.as_bytes(), Step::Apps, Direction::Require).unwrap(),
            list
        );
        assert!(ours(step2.as_bytes(), Step::OrgSetting, Direction::Require)
            .unwrap_err()
            .contains("step 2 manifest"));
        let plain = package_xml(&list, "66.0", &[]);
        assert!(ours(plain.as_bytes(), Step::Apps, Direction::Require)
            .unwrap_err()
            .contains("without pkce-audit's comment"));
        let app = format!(
            "<ConnectedApp xmlns=\"{METADATA_NS}\"><!-- {}: x --></ConnectedApp>",
            marker(Step::Apps, Direction::Require)
        );
        assert!(ours(app.as_bytes(), Step::Apps, Direction::Require)
            .unwrap_err()
            .contains("<ConnectedApp>"));
    }

    #[test]
    fn a_rollback_manifest_and_its_step_s_are_never_merged() {
        let list = members(&[(MetadataType::ConnectedApp, "A")]);
        let marked = |d| package_xml(&list, "66.0", &[format!("{}: x", marker(Step::Apps, d))]);
        let (step2, rollback) = (marked(Direction::Require), marked(Direction::Undo));
        assert_eq!(
            ours(rollback.as_bytes(), Step::Apps, Direction::Undo).unwrap(),
            list
        );
        assert!(ours(step2.as_bytes(), Step::Apps, Direction::Undo)
            .unwrap_err()
            .contains("it is the step 2 manifest"));
        assert!(ours(rollback.as_bytes(), Step::Apps, Direction::Require)
            .unwrap_err()
            .contains("it is the rollback of step 2 manifest"));
    }

    #[test]
    fn versions_are_checked() {
        assert!(valid_version("63.0"));
        assert!(!valid_version("63"));
        assert!(!valid_version("v63.0"));
        assert!(!valid_version("63.0</version>"));
    }
}
