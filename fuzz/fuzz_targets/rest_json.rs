//! Any bytes as a REST answer: query pages, JSON-array errors, the versions list, the
//! Sforce-Limit-Info header and nextRecordsUrl. Never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pkce_audit_io::salesforce::rest;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = rest::parse_query_page(data) {
        let _ = page;
    }
    let _ = rest::parse_error(data);
    let _ = rest::newest_version(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rest::parse_limit_info(text);
        let _ = rest::next_page_path(text);
        let _ = rest::parse_version(text);
    }
});
