//! Any bytes as an app file or the settings file: `fix`'s edit sets `isPkceRequired` to
//! `true` and to `false` in each place it edits, never panics, and every edit reads back
//! as the original with only that element changed (fuzz/oracles/fix_edit.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../oracles/fix_edit.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| oracle::check(data));
