//! Waiver files: errors name a line inside the file, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let lines = 1 + text.matches('\n').count();
        match pkce_audit_io::waivers::parse(text, std::path::Path::new("w.toml")) {
            Ok(_) => {}
            Err(pkce_audit_io::waivers::WaiverError::Invalid { line, .. }) => {
                assert!(line >= 1 && line <= lines, "line {line} of {lines}")
            }
            Err(e) => panic!("unexpected error kind: {e}"),
        }
    }
});
