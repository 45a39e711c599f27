#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = serde_json::from_slice::<pkce_audit_io::snapshot::Manifest>(data) {
        let _ = m.package_map();
        let _ = m.settings_unreadable();
    }
});
