//! Usage evidence joined to the apps: packages, usage by label, apps only usage knows.

use super::*;
use crate::evidence::{self, InstalledPackage, Usage};

/// Finds the metadata apps a usage name (a label) stands for: exact label, then label
/// ignoring case, then API name. More than one candidate is ambiguous.
struct NameIndex {
    by_label: HashMap<String, Vec<usize>>,
    by_label_ci: HashMap<String, Vec<usize>>,
    by_name_ci: HashMap<String, Vec<usize>>,
}

impl NameIndex {
    fn new(apps: &[App]) -> Self {
        let mut ix = NameIndex {
            by_label: HashMap::new(),
            by_label_ci: HashMap::new(),
            by_name_ci: HashMap::new(),
        };
        for (i, a) in apps.iter().enumerate() {
            if let Some(l) = &a.label {
                ix.by_label.entry(l.clone()).or_default().push(i);
                ix.by_label_ci.entry(l.to_lowercase()).or_default().push(i);
            }
            ix.by_name_ci
                .entry(a.name.to_lowercase())
                .or_default()
                .push(i);
        }
        ix
    }

    fn find(&self, name: &str) -> &[usize] {
        let lower = name.to_lowercase();
        [
            self.by_label.get(name),
            self.by_label_ci.get(&lower),
            self.by_name_ci.get(&lower),
        ]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
        .map_or(&[], Vec::as_slice)
    }
}

/// Attaches packages and usage to apps, and adds the apps only usage knows about.
/// Linear in apps plus evidence rows.
pub(super) fn apply_evidence(
    e: &Evidence,
    apps: &mut Vec<App>,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) {
    use evidence::SourceState;
    for (source, state) in &e.sources {
        if let SourceState::Missing { reason, remedy } = state {
            if *source == evidence::EvidenceSource::ConnectedApplication {
                // Without it, apps defined in other orgs are invisible: a blocker may hide.
                problems.push(
                    Problem::new(ProblemKind::EvidenceUnread, format!("{source} could not be read ({reason}); apps used here but defined in other orgs cannot be seen"))
                        .remedy(format!("needs {remedy}")),
                );
            } else {
                notes.push(format!(
                    "Evidence source {source} could not be read ({reason}); it needs {remedy}."
                ));
            }
        }
        match state {
            // The server's own answer cannot be trusted to be whole: what it held back may
            // be a blocker (an app defined elsewhere, a flow without PKCE).
            SourceState::Read {
                partial: true,
                reason: Some(reason),
                ..
            } => problems.push(
                Problem::new(ProblemKind::IncompleteAnswer, format!(
                    "{source} was read only in part: {reason}; usage figures are partial and apps or logins it did not return cannot be seen"
                )),
            ),
            SourceState::Read { partial: true, .. } => {
                notes.push(format!("Evidence source {source} stopped early (a documented cap or the row budget): usage figures are partial and cannot prove an app unused."));
            }
            SourceState::Read { .. } | SourceState::Missing { .. } => {}
        }
    }
    if e.is_read(&evidence::EvidenceSource::InstalledPackages) {
        let by_ns: HashMap<&str, &InstalledPackage> = e
            .packages
            .iter()
            .filter_map(|p| p.namespace.as_deref().map(|ns| (ns, p)))
            .collect();
        for app in apps.iter_mut().filter(|a| a.owner == Owner::Isv) {
            app.package = app
                .namespace
                .as_deref()
                .and_then(|ns| by_ns.get(ns))
                .map(|p| (*p).clone());
        }
    }
    let usage = evidence::usage_by_name(e);
    let unseen = evidence::unseen_usage(e);
    let users_of = |name: &str| e.users.as_ref().and_then(|u| u.get(name)).cloned();
    for app in apps.iter_mut() {
        app.usage = unseen.clone();
    }
    let ix = NameIndex::new(apps);
    let mut external: std::collections::BTreeMap<&str, Option<&Usage>> =
        std::collections::BTreeMap::new();
    let names = usage
        .keys()
        .map(String::as_str)
        .chain(e.connected_applications.iter().map(String::as_str));
    let mut reported = std::collections::HashSet::new();
    let mut ambiguous = std::collections::BTreeSet::new();
    for name in names {
        match ix.find(name) {
            [] => {
                external.entry(name).or_insert(usage.get(name));
            }
            [one] => {
                if let Some(u) = usage.get(name) {
                    apps[*one].usage = Some(u.clone());
                }
                if let Some(users) = users_of(name) {
                    apps[*one].users = Some(users);
                }
            }
            many => {
                if usage.contains_key(name) && reported.insert(name) {
                    let which: Vec<&str> = many.iter().map(|&i| apps[i].name.as_str()).collect();
                    notes.push(format!(
                        "Usage recorded for '{name}' matches several apps ({}); it was not attributed to any of them.",
                        which.join(", ")
                    ));
                    // Some of their use is behind that name: none of them is proven unused.
                    ambiguous.extend(many.iter().copied());
                }
            }
        }
    }
    for i in ambiguous {
        apps[i].usage = None;
    }
    for (name, u) in external {
        apps.push(App {
            name: name.to_string(),
            label: Some(name.to_string()),
            kind: AppKind::External,
            owner: Owner::External,
            namespace: None,
            manageable_state: None,
            distribution_state: None,
            contact_email: None,
            oauth_enabled: true,
            pkce_required: None,
            pkce_basis: PkceBasis::Unknown,
            flows: None,
            public_client: false,
            callback_urls: Vec::new(),
            callbacks: Vec::new(),
            packaged_reference: None,
            canvas_signed_request: false,
            outside_scope_reason: None,
            files: Vec::new(),
            usage: u.cloned().or_else(|| unseen.clone()),
            package: None,
            outside_client: None,
            auth_providers: Vec::new(),
            users: users_of(name),
            locations: AppLocations::default(),
            global_settings: None,
        });
    }
}
