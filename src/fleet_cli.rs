//! The binary's side of `fleet`: options, the report files of `--out-dir`, and where the
//! fleet report goes. The library does the work (`crate::fleet`); the progress bar is
//! [`crate::progress`].

use crate::failure::usage;
use crate::failure::Result;
use crate::fleet::{self, render};
use crate::live_cli::{ReadArgs, UsageArgs};
use clap::Args;
use pkce_audit_io::safe_write::{OutputFile, Root};
use pkce_audit_io::salesforce::{self, FetchOptions};
use pkce_audit_model::rules::Severity;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// `fleet --format`: the library's [`render::Format`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FleetFormat {
    Table,
    Json,
    Markdown,
    Csv,
    /// One self-contained HTML page.
    Html,
}

impl From<FleetFormat> for render::Format {
    fn from(f: FleetFormat) -> Self {
        match f {
            FleetFormat::Table => render::Format::Table,
            FleetFormat::Json => render::Format::Json,
            FleetFormat::Markdown => render::Format::Markdown,
            FleetFormat::Csv => render::Format::Csv,
            FleetFormat::Html => render::Format::Html,
        }
    }
}

#[derive(Args)]
pub struct FleetArgs {
    /// The fleet file (TOML): one [[org]] entry per org, with its connection (docs/fleet.md).
    #[arg(long, value_name = "FILE")]
    pub orgs: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
    pub format: FleetFormat,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the fleet report to FILE instead of standard output (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write each org's full report (JSON, as `audit --json`) into DIR, named after the org, and link it from the fleet report.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Orgs audited at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub org_concurrency: u16,
    /// Also exit 1 when any org has an unwaived finding at or above this severity.
    #[arg(long, value_name = "SEVERITY", ignore_case = true, value_parser = crate::live_cli::severity())]
    pub fail_on: Option<Severity>,
    /// Per live org: API version, requests in flight, time limit (an org past it is
    /// incomplete; the others go on).
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub usage: UsageArgs,
    /// No progress bar on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `fleet`: audits every org of the file, writes the fleet report (and with `--out-dir`
/// each org's), and exits as the worst org does (docs/fleet.md).
pub fn fleet(args: FleetArgs) -> Result<i32> {
    let format = if args.json {
        FleetFormat::Json
    } else {
        args.format
    };
    // The whole file and every waiver file are checked before any org is read.
    let config = fleet::config::load(&args.orgs)?;
    let waivers = config.load_waivers()?;
    // Where the reports go is checked now, not after minutes of API calls: no report may
    // land where the link rules forbid, or replace anything the run reads.
    let (inputs, sources) = run_inputs(&config, &waivers);
    let out_dir = args.out_dir.as_deref().map(Root::new);
    let names = fleet::report_file_names(&config);
    if let Some(dir) = &out_dir {
        prepare_out_dir(dir, &names, &inputs, &sources)?;
    }
    let output = crate::output_file(&args.output, &inputs, &sources)?;
    check_collision(output.as_ref(), out_dir.as_ref(), &config, &names)?;
    let sink = crate::Sink::of(&output);
    let output = output.as_ref().map(|o| o.path());
    let now = chrono::Utc::now();
    let bar = crate::progress::Progress::fleet(args.quiet);
    let opts = fleet::RunOptions {
        org_concurrency: usize::from(args.org_concurrency),
        fetch: FetchOptions {
            usage: args.usage.options(),
            now,
            ..args.read.fetch_options()?
        },
        now,
        today: crate::today()?,
        progress: bar.clone().map(|b| b as Arc<dyn salesforce::ProgressSink>),
    };
    let runs = fleet::run_blocking(&config, waivers, &opts);
    if let Some(b) = &bar {
        salesforce::ProgressSink::finish(b.as_ref());
    }
    let runs = runs?;

    let mut links = vec![None; runs.len()];
    if let Some(dir) = &out_dir {
        for ((run, name), link) in runs.iter().zip(&names).zip(&mut links) {
            let Some(report) = run.report() else { continue };
            let text = pkce_audit_render::report::json(report);
            dir.write(
                Path::new(name),
                pkce_audit_io::secrets::scrub(&text).as_bytes(),
            )?;
            *link = Some(link_from(output, &dir.path().join(name)));
        }
    }
    let report = fleet::build(
        &config,
        &runs,
        &links,
        args.fail_on,
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    sink.write(&render::render(&report, format.into(), sink.width()))?;
    Ok(crate::exit::fleet(&report))
}

/// Every input of the run: the files (the fleet file, each org's waiver file and
/// credential file) and the folders of `source =` orgs.
type RunInputs<'c> = (Vec<(&'c Path, &'static str)>, Vec<(&'c Path, &'static str)>);

fn run_inputs<'c>(
    config: &'c fleet::FleetConfig,
    waivers: &'c [pkce_audit_io::waivers::WaiverSet],
) -> RunInputs<'c> {
    let mut files: Vec<(&Path, &str)> = vec![(&config.file, "the fleet file")];
    files.extend(
        waivers
            .iter()
            .filter_map(|w| w.file.as_deref().map(|f| (f, "a waiver file of the fleet"))),
    );
    let mut sources = Vec::new();
    for o in &config.orgs {
        match &o.input {
            fleet::config::OrgInput::Live(conn) => files.extend(crate::credential_file(conn)),
            fleet::config::OrgInput::Source(dir) => {
                sources.push((dir.as_path(), "a source folder of the fleet"))
            }
        }
    }
    (files, sources)
}

/// `--out-dir` created, and no org report where a link or anything but a writable file
/// is (safe_write's rules), or where it would replace an input of the run (the same file
/// as the fleet file, a token, auth-URL or waiver file; a file a source org's audit
/// reads). Checked before any org is read.
fn prepare_out_dir(
    dir: &Root,
    names: &[String],
    files: &[(&Path, &str)],
    sources: &[(&Path, &str)],
) -> Result<()> {
    // The folder's own path is the user's: created as given.
    dir.create()?;
    let mut inputs = pkce_audit_io::safe_write::Inputs::default();
    for (f, what) in files {
        inputs.file(f, what);
    }
    for (d, what) in sources {
        inputs.tree(d, what);
    }
    for name in names {
        dir.check(Path::new(name))?;
        let path = dir.path().join(name);
        let meta = std::fs::metadata(&path).ok();
        if let Some(input) = inputs.holds(&path, meta.as_ref()) {
            return Err(pkce_audit_io::safe_write::WriteError::Input { path, input }.into());
        }
    }
    Ok(())
}

/// `--output` none of the org reports `--out-dir` writes (the fleet report would
/// overwrite one, or one it).
fn check_collision(
    output: Option<&OutputFile>,
    out_dir: Option<&Root>,
    config: &fleet::FleetConfig,
    names: &[String],
) -> Result<()> {
    let (Some(output), Some(dir)) = (output, out_dir) else {
        return Ok(());
    };
    let output = output.path();
    let (Some(file), parent) = (output.file_name(), output.parent()) else {
        return Ok(());
    };
    let parent = parent
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Both folders exist now; the names are compared regardless of case, as report file
    // names are unique regardless of case (some file systems ignore it).
    if parent.canonicalize().ok() != dir.path().canonicalize().ok() {
        return Ok(());
    }
    let file = file.to_string_lossy().to_lowercase();
    if let Some((org, _)) = config
        .orgs
        .iter()
        .zip(names)
        .find(|(_, n)| n.to_lowercase() == file)
    {
        usage!(
            "--output {} is where --out-dir writes the report of org '{}': give the fleet report another name or folder",
            output.display(),
            org.name
        );
    }
    Ok(())
}

/// How the fleet report names an org's report file: relative to the fleet report's folder
/// when it is written to a file (so the link works wherever both are moved together),
/// else as written (relative to the current folder).
fn link_from(output: Option<&Path>, report: &Path) -> String {
    let relative = output
        .and_then(|o| {
            let from = absolute(o.parent().unwrap_or(Path::new("")))?;
            relative_path(&from, &absolute(report)?)
        })
        .unwrap_or_else(|| report.to_path_buf());
    // `/` in every link, as Markdown and JSON readers expect.
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `p` against the current folder, `..` and `.` resolved where the folders exist.
fn absolute(p: &Path) -> Option<PathBuf> {
    let full = std::env::current_dir().ok()?.join(p);
    // The folder exists (the report was just written there); the file name is kept.
    match (full.parent(), full.file_name()) {
        (Some(dir), Some(name)) if full.is_file() => Some(dir.canonicalize().ok()?.join(name)),
        _ => full.canonicalize().ok(),
    }
}

/// The path from folder `from` to `to`, both absolute and resolved.
fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    let (a, b): (Vec<Component>, Vec<Component>) =
        (from.components().collect(), to.components().collect());
    // Different roots or drives: no relative path.
    if a.first() != b.first() {
        return None;
    }
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn formats_map_to_the_library_formats_of_the_same_name() {
        for f in FleetFormat::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            let lib: render::Format = (*f).into();
            assert_eq!(name.parse(), Ok(lib), "{name}");
        }
        assert_eq!(
            FleetFormat::value_variants().len(),
            render::Format::ALL.len()
        );
    }

    #[test]
    fn links_are_relative_to_the_folder_of_the_fleet_report() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            relative_path(&p("/a/b"), &p("/a/b/out/x.json")),
            Some(p("out/x.json"))
        );
        assert_eq!(
            relative_path(&p("/a/b/reports"), &p("/a/out/x.json")),
            Some(p("../../out/x.json"))
        );
        assert_eq!(relative_path(&p("/a"), &p("/a/x.json")), Some(p("x.json")));
    }
}
