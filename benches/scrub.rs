//! What the secret scrubber costs (docs/performance.md, "Scrubbing secrets stays
//! linear"): `cargo bench --bench scrub`. The text is the demo org's JSON report repeated
//! to about 10 MB, once as it is and once with a token echoed in it every 100 KB (raw,
//! Markdown-escaped and base64, so matches are followed too); the secrets are one org's
//! (access token, refresh token, client secret) or a hundred orgs'. Prints the mean of 5
//! runs of `Scrubber::apply` for each. Not a test: speed targets are never asserted.

use pkce_audit_io::secrets::Scrubber;
use std::time::Instant;

fn secrets(orgs: usize) -> Vec<String> {
    (0..orgs)
        .flat_map(|i| {
            [
                format!("00D5g{i:010}!AQoAQ_riGp58WA.mdX3~a5ID-n{i:08}OdcdbWB2_dC4DS.DC6Lc1mx"),
                format!("5Aep861.{i:06}Qz8vN3kTq0pW7xRjYhUe2sLmB4"),
                format!("C4F2{i:08}9A1B3D5F60E7A8B9C0D1E2F3A4B5C6D7E8F9"),
            ]
        })
        .collect()
}

fn main() {
    let opts = pkce_audit_io::AuditOptions {
        now: chrono::Utc::now(),
        org_namespace: None,
        ..Default::default()
    };
    let (_, report) =
        pkce_audit_io::audit_folder(std::path::Path::new("fixtures/demo-org"), &opts).unwrap();
    let one = pkce_audit_render::report::json(&report);
    let plain = one.repeat((10 << 20) / one.len() + 1);
    let token = &secrets(1)[0];
    let md = token
        .replace('_', "\\_")
        .replace('.', "\\.")
        .replace('~', "\\~");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("Bearer {token}"));
    let echoed: String = plain
        .as_bytes()
        .chunks(100 << 10)
        .map(|c| format!("{} {token} {md} {b64} ", String::from_utf8_lossy(c)))
        .collect();
    println!("text: {:.1} MB", plain.len() as f64 / 1e6);
    for orgs in [1, 100] {
        let all = secrets(orgs);
        let built = Instant::now();
        let scrubber = Scrubber::new(all.iter().map(String::as_str));
        let build = built.elapsed();
        for (name, text) in [("no echo", &plain), ("echoed every 100 KB", &echoed)] {
            let mut total = 0.0;
            for _ in 0..5 {
                let t = Instant::now();
                let out = scrubber.apply(text);
                total += t.elapsed().as_secs_f64();
                std::hint::black_box(out);
            }
            let mean = total / 5.0;
            println!(
                "{orgs:>3} org(s), {} secrets (built in {:.0} ms), {name}: {:.0} ms, {:.0} MB/s",
                all.len(),
                build.as_secs_f64() * 1e3,
                mean * 1e3,
                text.len() as f64 / 1e6 / mean
            );
        }
    }
}
