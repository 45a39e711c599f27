//! Any bytes as a Metadata API SOAP response (a hostile or broken server): the envelope,
//! fault, listMetadata and readMetadata parsers return a value or an error, never panic,
//! and every record they return goes through the metadata parsers the same way.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pkce_audit_io::salesforce::soap;

fuzz_target!(|data: &[u8]| {
    let _ = soap::parse_answer(data);
    if let Ok(root) = pkce_audit_io::xml::parse(data) {
        let _ = soap::parse_list(&root);
        if let Ok(records) = soap::parse_read(root) {
            for r in records.into_iter().flatten() {
                let _ = pkce_audit_io::metadata::parse_component(&r, None, "Fuzz");
            }
        }
    }
});
