//! What must hold for `fix`'s edit on any input, shared by the `fix_edit` fuzz target and
//! the replay of its saved inputs (tests/it/fuzz_regressions.rs): setting
//! `isPkceRequired` to `true` or `false` in an app file or the settings file never panics,
//! and an edit reads back as the original tree with only that one element changed.

use pkce_audit_io::fix::edit::{self, Action, Outcome, Target};
use pkce_audit_io::fix::order;
use pkce_audit_io::xml::{self, Element};

/// The three places `fix` edits: a Connected App's `oauthConfig`, an External Client
/// App's global OAuth settings, the org's `OauthOidc` settings.
pub const TARGETS: [Target<'static>; 3] = [
    Target {
        path: &["oauthConfig"],
        field: "isPkceRequired",
        sequence: order::CONNECTED_APP_OAUTH_CONFIG,
    },
    Target {
        path: &[],
        field: "isPkceRequired",
        sequence: order::EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS,
    },
    Target {
        path: &[],
        field: "isPkceRequired",
        sequence: order::OAUTH_OIDC_SETTINGS,
    },
];

/// The element `target` reaches from the root: its parent and the field children there.
fn parent_of<'e>(root: &'e Element, target: &Target<'_>) -> Option<&'e Element> {
    target.path.iter().try_fold(root, |el, step| el.child(step))
}

/// The tree without the target field and without line numbers or byte spans (an
/// insertion moves what follows it).
fn without_field(root: Element, target: &Target<'_>) -> Element {
    let mut root = root.without_positions();
    let mut parent = &mut root;
    for step in target.path {
        parent = parent
            .children
            .iter_mut()
            .find(|c| c.name == *step)
            .expect("the edit found this path");
    }
    parent.children.retain(|c| c.name != target.field);
    root
}

fn lines(bytes: &[u8]) -> u32 {
    1 + bytes.iter().filter(|&&b| b == b'\n').count() as u32
}

pub fn check(data: &[u8]) {
    let original = xml::parse(data);
    for target in &TARGETS {
        for value in [true, false] {
            let text = if value { "true" } else { "false" };
            let outcome = edit::set_bool(data, target, value);
            let Ok(original) = &original else {
                assert!(outcome.is_err(), "edited a file that does not parse");
                continue;
            };
            match outcome {
                Err(_) => {}
                Ok(Outcome::AlreadySet) => {
                    let parent = parent_of(original, target).expect("the path exists");
                    let field = parent.child(target.field).expect("the element exists");
                    assert!(!field.is_nil());
                    let same = if value { ["true", "1"] } else { ["false", "0"] };
                    assert!(same.contains(&field.text.as_str()), "{:?}", field.text);
                }
                Ok(Outcome::Edited {
                    bytes,
                    action,
                    line,
                }) => {
                    let back = xml::parse(&bytes).expect("the edited file parses");
                    assert_eq!(
                        without_field(original.clone(), target),
                        without_field(back.clone(), target),
                        "more than <{}> changed",
                        target.field
                    );
                    let fields: Vec<&Element> = parent_of(&back, target)
                        .expect("the path exists after the edit")
                        .children_named(target.field)
                        .collect();
                    assert_eq!(fields.len(), 1, "one <{}> after the edit", target.field);
                    assert_eq!(fields[0].text, text);
                    assert!(fields[0].attrs.is_empty());
                    assert!(line >= 1 && line <= lines(&bytes), "line {line}");
                    let before = parent_of(original, target).and_then(|p| p.child(target.field));
                    match action {
                        Action::Inserted => assert!(before.is_none()),
                        Action::Changed { .. } => assert!(before.is_some()),
                    }
                    // Setting it again is a no-op.
                    assert_eq!(
                        edit::set_bool(&bytes, target, value),
                        Ok(Outcome::AlreadySet)
                    );
                }
            }
        }
    }
    // The ranges a diff hides lie inside the file, in order.
    let secrets = edit::secret_values(data);
    assert!(secrets.iter().all(|&(a, b)| a <= b && b <= data.len()));
    assert!(secrets.windows(2).all(|w| w[0].1 <= w[1].0));
}
