//! Any bytes as a metadata file: the XML layer and every typed parser must return a value
//! or an error, never panic, and errors must carry a plausible line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pkce_audit_io::metadata::{parse_component, ALL_TYPES};

fuzz_target!(|data: &[u8]| {
    let lines = 1 + data.iter().filter(|&&b| b == b'\n').count() as u32;
    match pkce_audit_io::xml::parse(data) {
        Err(e) => assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line),
        Ok(root) => {
            // Detect the type from the root, then force each type in turn.
            let _ = parse_component(&root, None, "Fuzz");
            for t in ALL_TYPES {
                if let Err(e) = parse_component(&root, Some(t.ty), "Fuzz") {
                    assert!(e.line >= 1 && e.line <= lines);
                }
            }
        }
    }
});
