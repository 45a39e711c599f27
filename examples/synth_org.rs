//! Writes a synthetic org (an SFDX project) for benchmarks and experiments:
//! `cargo run --example synth_org -- --out DIR [--connected-apps N] [--ecas M] [--seed S] [--packaged-share F] [--no-settings]`
use pkce_audit_test_org::synth;

fn main() {
    let mut spec = synth::Spec::default();
    let mut out = None;
    let mut args = std::env::args().skip(1);
    let usage = "usage: synth_org --out DIR [--connected-apps N] [--ecas M] [--seed S] [--packaged-share F] [--no-settings]";
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| panic!("{a} needs a value\n{usage}"))
        };
        match a.as_str() {
            "--out" => out = Some(std::path::PathBuf::from(value())),
            "--connected-apps" => spec.connected_apps = value().parse().expect(usage),
            "--ecas" => spec.external_client_apps = value().parse().expect(usage),
            "--seed" => spec.seed = value().parse().expect(usage),
            "--packaged-share" => spec.packaged_share = value().parse().expect(usage),
            "--no-settings" => spec.with_settings = false,
            _ => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let w = synth::generate(&out, &spec);
    println!("{} files, {} bytes in {}", w.files, w.bytes, out.display());
}
