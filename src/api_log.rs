//! `--verbose`: the library's API call records (the `log` facade, target
//! `pkce_audit::api`) as lines on standard error. Scrubbed of every secret of the run
//! (the library scrubs what it logs; this is the last gate), and shown through `visible`,
//! so nothing in them reaches the terminal as a control.

use pkce_audit_render::report::text::visible;

struct Stderr;

impl log::Log for Stderr {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
            && metadata.target() == pkce_audit_io::salesforce::LOG_TARGET
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = record.args().to_string();
            eprintln!(
                "pkce-audit: {}",
                visible(&pkce_audit_io::secrets::scrub(&line))
            );
        }
    }

    fn flush(&self) {}
}

/// Shows the API call records from now on. Calling it twice is harmless.
pub fn verbose() {
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}
