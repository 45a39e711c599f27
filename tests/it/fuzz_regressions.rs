//! Replays every saved input under tests/fuzz_regressions/<target>/ through the same code
//! as the fuzz target of that name (fuzz/fuzz_targets/). Crashes found by fuzzing are kept
//! here; the hand-made adversarial inputs (entity bombs, deep nesting, invalid UTF-8,
//! truncated envelopes) make sure the harness is never empty.

use pkce_audit_io::metadata::{parse_component, ALL_TYPES};
use pkce_audit_io::salesforce::{rest, soap};
use std::path::{Path, PathBuf};

#[path = "../../fuzz/oracles/fix_edit.rs"]
mod fix_edit_oracle;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "{target}: no inputs");
    v
}

fn lines(data: &[u8]) -> u32 {
    1 + data.iter().filter(|&&b| b == b'\n').count() as u32
}

#[test]
fn metadata_xml_inputs_are_errors_with_lines_never_panics() {
    for (path, data) in inputs("metadata_xml") {
        match pkce_audit_io::xml::parse(&data) {
            Err(e) => assert!(
                e.line >= 1 && e.line <= lines(&data),
                "{}: {e}",
                path.display()
            ),
            Ok(root) => {
                let _ = parse_component(&root, None, "Fuzz");
                for t in ALL_TYPES {
                    if let Err(e) = parse_component(&root, Some(t.ty), "Fuzz") {
                        assert!(
                            e.line >= 1 && e.line <= lines(&data),
                            "{}: {e}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
    // The entity bomb is refused outright, not expanded.
    let bomb = pkce_audit_io::xml::parse(
        &inputs("metadata_xml")
            .iter()
            .find(|(p, _)| p.ends_with("billion_laughs.xml"))
            .unwrap()
            .1,
    );
    assert!(bomb.unwrap_err().message.contains("DOCTYPE"));
}

#[test]
fn soap_inputs_never_panic() {
    for (_, data) in inputs("soap_response") {
        let _ = soap::parse_answer(&data);
        if let Ok(root) = pkce_audit_io::xml::parse(&data) {
            let _ = soap::parse_list(&root);
            if let Ok(records) = soap::parse_read(root) {
                for r in records.into_iter().flatten() {
                    let _ = parse_component(&r, None, "Fuzz");
                }
            }
        }
    }
}

#[test]
fn rest_inputs_never_panic() {
    for (_, data) in inputs("rest_json") {
        let _ = rest::parse_query_page(&data);
        let _ = rest::parse_error(&data);
        let _ = rest::newest_version(&data);
        if let Ok(text) = std::str::from_utf8(&data) {
            let _ = rest::parse_limit_info(text);
            let _ = rest::next_page_path(text);
        }
    }
}

#[test]
fn waiver_inputs_are_errors_with_lines() {
    for (path, data) in inputs("waivers") {
        let text = String::from_utf8(data).unwrap();
        match pkce_audit_io::waivers::parse(&text, Path::new("w.toml")) {
            Ok(w) => panic!("{}: accepted {w:?}", path.display()),
            Err(pkce_audit_io::waivers::WaiverError::Invalid { line, .. }) => {
                assert!(
                    line >= 1 && line <= 1 + text.matches('\n').count(),
                    "{}",
                    path.display()
                )
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

#[test]
fn fix_edit_inputs_change_only_the_one_element() {
    for (path, data) in inputs("fix_edit") {
        // The oracle asserts; name the input that broke it.
        let r = std::panic::catch_unwind(|| fix_edit_oracle::check(&data));
        assert!(r.is_ok(), "{}", path.display());
    }
    // The saved inputs reach the edit itself, not only its refusals.
    use pkce_audit_io::fix::edit::{set_bool, Outcome};
    let nil = &inputs("fix_edit")
        .into_iter()
        .find(|(p, _)| p.ends_with("nil_value_one_line.xml"))
        .unwrap()
        .1;
    for value in [true, false] {
        let edited = set_bool(nil, &fix_edit_oracle::TARGETS[0], value);
        assert!(matches!(edited, Ok(Outcome::Edited { .. })), "{edited:?}");
    }
}
