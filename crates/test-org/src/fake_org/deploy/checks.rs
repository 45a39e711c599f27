//! What a deploy checks before anything changes, each as Salesforce rejects it: one
//! `DeployMessage` (metadata-v66.wsdl) per problem, `problemType` Error, the platform's
//! wording where a public sample shows it.

use super::schema::{post_v66, Extra, Schema, Violation};
use super::Message;
use crate::fake_org::org::{manifest_name, manifest_type, served_xml, Component};
use crate::fake_org::soap::{KNOWN_EMPTY_TYPES, MD_NS};
use pkce_audit_io::metadata::{MetadataType, ALL_TYPES, OAUTH_OIDC_MEMBER};
use pkce_audit_io::xml::Element;
use std::collections::BTreeMap;

/// A component the deploy would write: its new served forms.
#[derive(Debug, Clone)]
pub struct Change {
    pub ty: MetadataType,
    pub full_name: String,
    pub record_xml: String,
    pub file_xml: String,
    pub created: bool,
    /// An ECA child's `externalClientApplication`.
    pub parent: Option<String>,
    /// Where the file was in the zip.
    pub file_name: String,
}

/// Everything a deploy would do and everything it refuses.
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub successes: Vec<Message>,
    pub failures: Vec<Message>,
}

/// Knowledge article 005228017 (salesforce-api.md §7): "Connected App creation via APIs
/// (including the Metadata API) is blocked in the same way as the UI." The wording is
/// this org's; no public sample of the platform's message was found.
pub const CONNECTED_APP_CREATION_BLOCKED: &str = "You can't create a connected app: connected app creation is disabled in this org (Spring '26). Create an external client app instead, or ask Salesforce Support to allow connected app creation.";

/// The type and name a mdapi path holds: `connectedApps/X.connectedApp`,
/// `settings/OauthOidc.settings`.
fn component_of(path: &str) -> Option<(MetadataType, String)> {
    let (folder, file) = path.split_once('/')?;
    ALL_TYPES.iter().find_map(|t| {
        let name = file.strip_suffix(t.suffix)?.strip_suffix('.')?;
        let fits = t.folder == folder
            && !name.is_empty()
            && !name.contains('/')
            && (t.ty != MetadataType::OauthOidcSettings || name == OAUTH_OIDC_MEMBER);
        fits.then(|| (t.ty, name.to_string()))
    })
}

/// An API version for the message's example (metadata-v66.wsdl).
const NEWEST_API_VERSION: u32 = 66;

/// What the WSDL's `Package` type refuses in a package.xml, and a `version` that is not an
/// API version (`N.0`). A newer version than the org's is taken: the Salesforce CLI writes
/// its own (68.0 from sf 2.150 against this v66 org) and deploys go through. The wording
/// is this org's (no public sample found).
fn package_problem(manifest: &Element) -> Option<String> {
    if let Some((violation, _)) = Schema::get().check(manifest, "Package") {
        return Some(problem_of(violation));
    }
    let version = manifest.child_text("version")?;
    let major = version
        .strip_suffix(".0")
        .filter(|m| !m.starts_with('0'))
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(1..) => None,
        _ => Some(format!(
            "Error parsing file: '{version}' is not a valid API version in package.xml: an API version such as {NEWEST_API_VERSION}.0"
        )),
    }
}

/// The line of the element a package.xml problem is at.
fn problem_line(manifest: &Element) -> Option<u32> {
    Schema::get()
        .check(manifest, "Package")
        .map(|(_, el)| el.line)
        .or_else(|| manifest.child("version").map(|v| v.line))
}

/// 1-based column of a byte offset.
fn column(text: &[u8], offset: usize) -> u32 {
    let line_start = text[..offset.min(text.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (offset - line_start) as u32 + 1
}

/// Checks one package: `prefix` is `""` (singlePackage) or `"dir/"`.
pub fn check_package(
    files: &BTreeMap<String, Vec<u8>>,
    prefix: &str,
    served: &[Component],
    allow_missing_files: bool,
    plan: &mut Plan,
) {
    let manifest_file = format!("{prefix}package.xml");
    let Some(manifest) = files.get(&manifest_file) else {
        // Seen in public reports (jsforce/gulp-jsforce-deploy#7): "No package.xml found".
        plan.failures.push(Message::error(
            "",
            &manifest_file,
            "package.xml",
            "No package.xml found",
        ));
        return;
    };
    let manifest = match pkce_audit_io::xml::parse(manifest) {
        Ok(m) if m.name == "Package" && m.ns.as_deref() == Some(MD_NS) => m,
        Ok(m) => {
            plan.failures.push(Message::error(
                "",
                &manifest_file,
                "package.xml",
                &format!(
                    "Error parsing file: the root element is {{{}}}{} and not {{{MD_NS}}}Package",
                    m.ns.as_deref().unwrap_or(""),
                    m.name
                ),
            ));
            return;
        }
        Err(e) => {
            let mut m = Message::error(
                "",
                &manifest_file,
                "package.xml",
                &format!("Error parsing file: {}", e.message),
            );
            m.line = Some(e.line);
            plan.failures.push(m);
            return;
        }
    };
    // package.xml is an instance of the WSDL's `Package` type, checked as a component is.
    if let Some(problem) = package_problem(&manifest) {
        let mut m = Message::error("", &manifest_file, "package.xml", &problem);
        m.line = problem_line(&manifest);
        plan.failures.push(m);
        return;
    }
    // The component files of this package, by (type, name).
    let mut in_zip: BTreeMap<(MetadataType, String), String> = BTreeMap::new();
    for path in files.keys() {
        let Some(rel) = path.strip_prefix(prefix) else {
            continue;
        };
        if rel == "package.xml" {
            continue;
        }
        match component_of(rel) {
            Some(key) => {
                in_zip.insert(key, path.clone());
            }
            None if rel.starts_with("destructiveChanges") => plan.failures.push(Message::error(
                "",
                path,
                rel,
                "This test org does not delete metadata: destructive changes are not supported",
            )),
            None => plan.failures.push(Message::error(
                "",
                path,
                rel,
                "This test org does not deploy this file: not a type it serves",
            )),
        }
    }
    let mut named: Vec<(MetadataType, String)> = Vec::new();
    for types in manifest.children_named("types") {
        let ty_name = types.child_text("name").unwrap_or_default();
        let ty = manifest_type(ty_name);
        // A type the v66 schema does not have is unknown to a v66 org.
        let ty = ty.filter(|t| Schema::get().has_type(t.name()));
        let Some(ty) = ty else {
            let problem = if KNOWN_EMPTY_TYPES.contains(&ty_name) {
                format!("This test org does not deploy {ty_name} components")
            } else {
                // The platform's wording for a type name it does not know.
                format!("Unknown type name '{ty_name}' specified in package.xml")
            };
            plan.failures.push(Message::error(
                ty_name,
                &manifest_file,
                "package.xml",
                &problem,
            ));
            continue;
        };
        for m in types.children_named("members") {
            let member = m.text.as_str();
            if member == "*" {
                named.extend(in_zip.keys().filter(|(t, _)| *t == ty).cloned());
                continue;
            }
            let key = (ty, member.to_string());
            if in_zip.contains_key(&key) {
                named.push(key);
            } else if !allow_missing_files {
                // forcedotcom/cli#2182, among many reports: the platform's wording.
                plan.failures.push(Message::error(
                    manifest_name(ty),
                    &manifest_file,
                    member,
                    &format!(
                        "An object '{member}' of type {} was named in package.xml, but was not found in zipped directory",
                        manifest_name(ty)
                    ),
                ));
            }
        }
    }
    named.sort();
    named.dedup();
    let extras = accepted_extras(served);
    for (key, path) in &in_zip {
        if !named.contains(key) {
            let mut m = Message::error(
                manifest_name(key.0),
                path,
                &key.1,
                "Not named in package.xml: not deployed",
            );
            m.problem_type = Some("Warning");
            m.success = true;
            plan.successes.push(m);
        }
    }
    for key in named {
        let path = &in_zip[&key];
        check_component(key.0, &key.1, path, &files[path], served, &extras, plan);
    }
    plan.successes.push(Message::success(
        "",
        &manifest_file,
        "package.xml",
        false,
        true,
    ));
}

/// The elements newer than the v66 schema a deploy accepts: the known post-v66 fields
/// and whatever the org itself serves (a real org emits such elements on retrieve, so
/// its own files must deploy back), each where the served files put it.
fn accepted_extras(served: &[Component]) -> Vec<Extra> {
    let schema = Schema::get();
    let mut extras = post_v66();
    for c in served {
        if let Ok(root) = pkce_audit_io::xml::parse(c.file_xml.as_bytes()) {
            schema.extras_in(&root, c.ty.name(), &mut extras);
        }
    }
    extras
}

fn check_component(
    ty: MetadataType,
    full_name: &str,
    path: &str,
    bytes: &[u8],
    served: &[Component],
    extras: &[Extra],
    plan: &mut Plan,
) {
    let type_name = manifest_name(ty);
    let fail = |problem: String, at: Option<(u32, u32)>| {
        let mut m = Message::error(type_name, path, full_name, &problem);
        if let Some((line, col)) = at {
            m.line = Some(line);
            m.column = Some(col);
        }
        m
    };
    let root = match pkce_audit_io::xml::parse(bytes) {
        Ok(r) => r,
        Err(e) => {
            let mut m = fail(format!("Error parsing file: {}", e.message), None);
            m.line = Some(e.line);
            plan.failures.push(m);
            return;
        }
    };
    let at = |el: &Element| Some((el.line, column(bytes, el.span.start)));
    // The root names the type: `<ConnectedApp>`, `<OauthOidcSettings>` (WSDL type names).
    if root.name != ty.name() || root.ns.as_deref() != Some(MD_NS) {
        plan.failures.push(fail(
            format!(
                "Error parsing file: Element {{{}}}{} invalid at this location",
                root.ns.as_deref().unwrap_or(""),
                root.name
            ),
            at(&root),
        ));
        return;
    }
    // The element order, names, namespaces and values of the WSDL (schema.rs).
    if let Some((violation, el)) = Schema::get().check_with(&root, ty.name(), extras) {
        plan.failures.push(fail(problem_of(violation), at(el)));
        return;
    }
    if let Some(name) = root.child_text("fullName").filter(|n| *n != full_name) {
        plan.failures.push(fail(
            format!("The fullName {name} does not match the file name {full_name}"),
            None,
        ));
        return;
    }
    let existing = served
        .iter()
        .find(|c| c.ty == ty && c.full_name == full_name);
    if existing.is_none() && ty == MetadataType::ConnectedApp {
        plan.failures
            .push(fail(CONNECTED_APP_CREATION_BLOCKED.to_string(), None));
        return;
    }
    let (record_xml, file_xml) = match served_xml(bytes, full_name, ty) {
        Ok(x) => x,
        Err(e) => {
            plan.failures
                .push(fail(format!("Error parsing file: {e}"), None));
            return;
        }
    };
    let changed = existing.is_some_and(|c| c.record_xml != record_xml);
    let mut ok = Message::success(type_name, path, full_name, existing.is_none(), changed);
    ok.id = existing.map(|c| c.id.clone()).filter(|id| !id.is_empty());
    plan.successes.push(ok);
    plan.changes.push(Change {
        ty,
        full_name: full_name.to_string(),
        record_xml,
        file_xml,
        created: existing.is_none(),
        parent: root
            .child_text("externalClientApplication")
            .map(String::from),
        file_name: path.to_string(),
    });
}

/// A schema violation in Salesforce's wording. As seen in public deploy logs: "Error
/// parsing file: Element {http://soap.sforce.com/2006/04/metadata}calloutOptions invalid
/// at this location in type NamedCredential", and "'Edit' is not a valid value for the
/// enum 'ShareAccessLevelRead'".
fn problem_of(violation: Violation) -> String {
    match violation {
            Violation::InvalidLocation {
            ns,
            element,
            in_type,
        } => format!(
            "Error parsing file: Element {{{ns}}}{element} invalid at this location in type {in_type}"
        ),
        // The wordings of these two are this org's (no public sample found).
        Violation::TextNotAllowed { text, in_type } => format!(
            "Error parsing file: text '{text}' invalid at this location in type {in_type}: it has elements only"
        ),
        Violation::NotNillable { element, in_type } => format!(
            "Error parsing file: Element {{{MD_NS}}}{element} in type {in_type} is not nillable: xsi:nil is not allowed"
        ),
        Violation::InvalidValue { value, ty } if ty.starts_with("xsd:") => {
            format!("Error parsing file: '{value}' is not a valid value for the type {ty}")
        }
        Violation::InvalidValue { value, ty } => {
            format!("'{value}' is not a valid value for the enum '{ty}'")
        }
    }
}

/// An External Client App's settings and policies name their app in the required
/// `externalClientApplication` (salesforce-api.md §2, from the ECA types' pages): the app
/// must exist in the org or come in the same deploy. The wording is this org's.
pub fn check_parents(served: &[Component], plan: &mut Plan) {
    let exists = |name: &str| {
        let is_app =
            |ty: MetadataType, n: &str| ty == MetadataType::ExternalClientApplication && n == name;
        served.iter().any(|c| is_app(c.ty, &c.full_name))
            || plan.changes.iter().any(|c| is_app(c.ty, &c.full_name))
    };
    let orphans: Vec<(usize, String)> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.ty.is_eca_child())
        .filter_map(|(i, c)| match c.parent.as_deref() {
            Some(p) if exists(p) => second_global_settings(served, &plan.changes, c, p).map(|other| (i, other)),
            Some(p) => Some((i, format!("The external client app {p} named in externalClientApplication does not exist in this org or in this deployment"))),
            None => Some((i, "Required field is missing: externalClientApplication".to_string())),
        })
        .collect();
    for (i, problem) in orphans.into_iter().rev() {
        let c = plan.changes.remove(i);
        let type_name = c.ty.name();
        plan.successes
            .retain(|m| !(m.component_type == type_name && m.full_name == c.full_name));
        plan.failures.push(Message::error(
            type_name,
            &c.file_name,
            &c.full_name,
            &problem,
        ));
    }
}

/// An External Client App has one global OAuth settings component: the settings hold the
/// app's single consumer key and secret (salesforce-api.md §2.3: `consumerKey`,
/// `consumerSecret`, the required `externalClientApplication`). A second one for the same
/// app, served or in the deploy, is refused. The exact Salesforce message for this is
/// unconfirmed (no public sample found): the wording is this org's.
fn second_global_settings(
    served: &[Component],
    changes: &[Change],
    c: &Change,
    app: &str,
) -> Option<String> {
    if c.ty != MetadataType::ExtlClntAppGlobalOauthSettings {
        return None;
    }
    let served_parent = |comp: &Component| {
        pkce_audit_io::xml::parse(comp.file_xml.as_bytes())
            .ok()
            .and_then(|r| r.child_text("externalClientApplication").map(String::from))
    };
    let is_other = |ty: MetadataType, name: &str| ty == c.ty && name != c.full_name;
    let other = served
        .iter()
        .filter(|s| is_other(s.ty, &s.full_name))
        // A served one the deploy rewrites counts with its new parent.
        .filter(|s| {
            !changes
                .iter()
                .any(|ch| ch.ty == s.ty && ch.full_name == s.full_name)
        })
        .find(|s| served_parent(s).as_deref() == Some(app))
        .map(|s| s.full_name.clone())
        .or_else(|| {
            changes
                .iter()
                .find(|ch| is_other(ch.ty, &ch.full_name) && ch.parent.as_deref() == Some(app))
                .map(|ch| ch.full_name.clone())
        })?;
    Some(format!(
        "The external client app {app} already has global OAuth settings ({other}): an external client app has one ExtlClntAppGlobalOauthSettings"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_components() {
        assert_eq!(
            component_of("connectedApps/A_B.connectedApp"),
            Some((MetadataType::ConnectedApp, "A_B".into()))
        );
        assert_eq!(
            component_of("settings/OauthOidc.settings"),
            Some((MetadataType::OauthOidcSettings, "OauthOidc".into()))
        );
        assert_eq!(
            component_of("extlClntAppGlobalOauthSets/X_glbloauth.ecaGlblOauth"),
            Some((
                MetadataType::ExtlClntAppGlobalOauthSettings,
                "X_glbloauth".into()
            ))
        );
        assert_eq!(component_of("settings/Security.settings"), None);
        assert_eq!(component_of("connectedApps/.connectedApp"), None);
        assert_eq!(component_of("classes/A.cls"), None);
    }

    #[test]
    fn columns_count_from_the_line_start() {
        assert_eq!(column(b"ab\n  <x/>", 5), 3);
        assert_eq!(column(b"<x/>", 0), 1);
    }
}
