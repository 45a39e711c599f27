//! The command line: every subcommand and option, as clap parses them, and the mapping of
//! the value lists to the library's own types. Options follow the `sf` CLI where admins
//! already know one (`-o/--target-org`, `--json`, the `SF_*` environment variables).

use crate::failure::Failure;
use crate::live_cli::{ConnectionArgs, DoctorArgs, FetchArgs, UsageArgs};
use crate::term::ColorChoice;
use clap::{Args, Parser, Subcommand};
use pkce_audit_model::errors::ErrorCode;
use pkce_audit_model::rules::Severity;
use pkce_audit_render::report;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "pkce-audit",
    version,
    about = "Which Salesforce OAuth apps break when the org requires PKCE, who must fix each one, and whether the org is ready.",
    after_help = "Exit status: 0 ready or enforced, 1 not ready (or --fail-on matched), 3 incomplete, 2 usage or fatal error.\n\
Environment: SF_TARGET_ORG, SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN, SF_ORG_API_VERSION, SF_CONTENT_TYPE=JSON, SF_USE_PROGRESS_BAR=false, NO_COLOR, COLUMNS (see README).",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Audit metadata and report the verdict and the blockers.
    Audit(AuditArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// List the catalogue of known OAuth clients (data/clients.toml) and their PKCE behaviour.
    Clients(JsonArg),
    /// Read an org and write a snapshot folder that `audit --source` reads offline.
    Fetch(FetchArgs),
    /// Check which sources this login can read (no app data is read); exit 3 if any is not.
    Doctor(DoctorArgs),
    /// Compare two `audit --json` reports: findings resolved, new and still open; apps added,
    /// removed, or whose PKCE setting changed; verdict change. Exit 1 on new blockers.
    Diff(DiffArgs),
    /// Write Salesforce's step 2 (require PKCE on named apps) or step 3 (the org setting)
    /// into an SFDX project or mdapi folder, with a deploy manifest per step.
    Fix(crate::fix_cli::FixArgs),
    /// Audit many orgs at once (a TOML file of orgs): verdicts per org, apps blocking in
    /// several, ISV packages, and whether each sandbox rehearsal matches its production org.
    Fleet(crate::fleet_cli::FleetArgs),
    /// After step 2 or step 3, did anyone break? Each app's logins since the change against
    /// its baseline, from the org's own records: keep (exit 0), watch (3) or roll back (1).
    Verify(crate::verify_cli::VerifyArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output: pkce-audit(1), or a command's own page.
    Man {
        /// A command, e.g. audit, for its page pkce-audit-audit(1).
        #[arg(value_parser = Offers(crate::subcommand_names), hide_possible_values = true)]
        command: Option<String>,
    },
}

/// A free-text value whose usual values the completion scripts offer (`rules ID`, `man
/// COMMAND`): any string parses (the command itself explains an unknown one, with "did you
/// mean"); the list serves completion only (`hide_possible_values` keeps it out of `--help`).
#[derive(Clone)]
pub struct Offers(pub fn() -> Vec<String>);

impl clap::builder::TypedValueParser for Offers {
    type Value = String;
    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }
    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

fn rule_ids() -> Vec<String> {
    pkce_audit_model::rules::RULES
        .iter()
        .map(|r| r.id.as_str().to_string())
        .collect()
}

/// `--json`, for commands whose only output choice it is.
#[derive(Args)]
pub struct JsonArg {
    /// Print one JSON document instead of text (errors too, as `sf` does).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct RulesArgs {
    /// A rule id, e.g. app-pkce-not-required.
    #[arg(value_parser = Offers(rule_ids), hide_possible_values = true)]
    pub id: Option<String>,
    #[command(flatten)]
    pub json: JsonArg,
}

/// `diff --format`: the library's [`report::diff::Format`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

impl From<DiffFormat> for report::diff::Format {
    fn from(f: DiffFormat) -> Self {
        use report::diff::Format;
        match f {
            DiffFormat::Table => Format::Table,
            DiffFormat::Json => Format::Json,
            DiffFormat::Markdown => Format::Markdown,
        }
    }
}

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier report (JSON from `pkce-audit audit --json`).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the comparison to FILE instead of standard output (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl DiffArgs {
    pub fn format(&self) -> DiffFormat {
        if self.json {
            DiffFormat::Json
        } else {
            self.format
        }
    }
}

#[derive(Args)]
pub struct ColorArg {
    /// Colour the verdict, BLOCKER and severities: on a terminal (auto, unless NO_COLOR is set), always, or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `audit --format`: the library's [`report::Format`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// The rollout plan for a change-review board.
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// One self-contained HTML page for a change-review board.
    Html,
}

impl From<Format> for report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => report::Format::Table,
            Format::Csv => report::Format::Csv,
            Format::Json => report::Format::Json,
            Format::Markdown => report::Format::Markdown,
            Format::Sarif => report::Format::Sarif,
            Format::Html => report::Format::Html,
        }
    }
}

/// `--csv-rows`: the library's [`report::CsvRows`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvRows {
    Findings,
    Apps,
}

impl From<CsvRows> for report::CsvRows {
    fn from(r: CsvRows) -> Self {
        match r {
            CsvRows::Findings => report::CsvRows::Findings,
            CsvRows::Apps => report::CsvRows::Apps,
        }
    }
}

#[derive(Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the report to FILE instead of standard output (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --format csv: one row per finding (default) or per app.
    #[arg(long, value_enum, default_value_t = CsvRows::Findings)]
    pub csv_rows: CsvRows,
    #[command(flatten)]
    pub color: ColorArg,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }
}

#[derive(Args)]
pub struct AuditArgs {
    /// Folder to audit: an SFDX project, an mdapi folder, a snapshot, or any folder of source-format metadata.
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    #[command(flatten)]
    pub conn: ConnectionArgs,
    #[command(flatten)]
    pub usage: UsageArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also exit 1 when any unwaived finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", ignore_case = true, value_parser = crate::live_cli::severity())]
    pub fail_on: Option<Severity>,
    /// The org's own namespace (components in it belong to the org). Default: sfdx-project.json.
    #[arg(long, value_name = "NS")]
    pub org_namespace: Option<String>,
    /// Waiver file (TOML). Default: pkce-audit.toml at the root of --source, else in the current folder.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Apply no waivers, not even a pkce-audit.toml found by default.
    #[arg(long, conflicts_with = "waivers")]
    pub no_waivers: bool,
}

/// clap's error as a failure, flattened to one line: the message and its tips, without
/// the usage block (which `--help` shows) and without clap's own "error: " prefix.
pub fn failure_of(e: &clap::Error) -> Failure {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return Failure::new(
            ErrorCode::UsageCommandLine,
            format!(
                "a command is required: {}; see 'pkce-audit --help'",
                crate::subcommand_names().join(", ")
            ),
        );
    }
    if e.kind() == ErrorKind::UnknownArgument {
        if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
            if let Some(owners) = other_commands_with(arg) {
                return Failure::new(
                    ErrorCode::UsageCommandLine,
                    format!(
                        "{} does not apply here: it is an option of {owners}; see '{} --help'",
                        arg.split('=').next().unwrap_or(arg),
                        help_for(e)
                    ),
                );
            }
        }
    }
    let text = e.render().to_string();
    let mut parts: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.strip_prefix("error: ").unwrap_or(line));
        }
    }
    Failure::new(
        ErrorCode::UsageCommandLine,
        format!("{}; see '{} --help'", parts.join("; "), help_for(e)),
    )
}

/// The commands that have the long option `arg` (`--source`, `--color=never`), as
/// "`pkce-audit audit`, `pkce-audit fix`"; `None` when no command has it.
fn other_commands_with(arg: &str) -> Option<String> {
    use clap::CommandFactory;
    let long = arg.strip_prefix("--")?.split('=').next()?;
    let owners: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|c| c.get_arguments().any(|a| a.get_long() == Some(long)))
        .map(|c| format!("`pkce-audit {}`", c.get_name()))
        .collect();
    (!owners.is_empty()).then(|| owners.join(", "))
}

/// The command whose `--help` explains a clap error: the subcommand when there is one.
fn help_for(e: &clap::Error) -> String {
    let sub = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .filter(|a| crate::subcommand_names().contains(a));
    match (e.kind(), sub) {
        (clap::error::ErrorKind::InvalidSubcommand, _) | (_, None) => "pkce-audit".into(),
        (_, Some(s)) => format!("pkce-audit {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, ValueEnum};

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `--fail-on` reads the same values, in any case, wherever it is: audit's and fleet's.
    #[test]
    fn fail_on_takes_the_severities_in_any_case_on_every_command() {
        let cmd = Cli::command();
        for name in ["audit", "fleet"] {
            let sub = cmd.find_subcommand(name).unwrap();
            let arg = sub
                .get_arguments()
                .find(|a| a.get_id() == "fail_on")
                .unwrap();
            assert!(arg.is_ignore_case_set(), "{name}");
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_string())
                .collect();
            assert_eq!(
                values,
                Severity::ALL.map(|s| s.as_str().to_string()),
                "{name}"
            );
        }
    }

    /// The binary's value lists name the library's formats, each mapped to its own.
    #[test]
    fn cli_values_map_to_the_library_values_of_the_same_name() {
        for f in Format::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(name.parse::<report::Format>(), Ok((*f).into()), "{name}");
        }
        assert_eq!(Format::value_variants().len(), report::Format::ALL.len());
        for r in CsvRows::value_variants() {
            let name = r.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(name.parse::<report::CsvRows>(), Ok((*r).into()), "{name}");
        }
        for d in DiffFormat::value_variants() {
            let name = d.to_possible_value().unwrap().get_name().to_string();
            let lib: report::diff::Format = (*d).into();
            assert_eq!(name.parse(), Ok(lib), "{name}");
        }
        assert_eq!(
            DiffFormat::value_variants().len(),
            report::diff::Format::ALL.len()
        );
    }
}

#[cfg(test)]
mod advice_names {
    //! The advice words (src/advice.rs) checked against this command line: here, since
    //! the command line is the one that knows its options (advice stays below it).
    use crate::advice::{advice, words};
    use clap::CommandFactory;
    use pkce_audit_model::advice::Advice;
    use pkce_audit_model::errors::Remedy;
    use std::collections::BTreeSet;

    /// Every long option some command of this binary has.
    fn options() -> BTreeSet<String> {
        fn walk(c: &clap::Command, out: &mut BTreeSet<String>) {
            for a in c.get_arguments() {
                if let Some(l) = a.get_long() {
                    out.insert(format!("--{l}"));
                }
            }
            for s in c.get_subcommands() {
                walk(s, out);
            }
        }
        let mut out = BTreeSet::new();
        walk(&super::Cli::command(), &mut out);
        out
    }

    /// Each advice once; the match makes a new variant a compile error here until listed.
    fn every_advice() -> Vec<Advice> {
        let all = vec![
            Advice::AuditProjectRoot { root: "r".into() },
            Advice::UsageSkipped,
            Advice::SkipUsage,
            Advice::RenewingSession,
            Advice::ConnectOrg,
            Advice::AuditFolder { root: "r".into() },
            Advice::Force,
            Advice::NotEvenForced,
            Advice::NewManifest,
            Advice::UndoApps {
                names: vec!["A".into()],
            },
            Advice::UndoOrgSetting,
        ];
        for a in &all {
            match a {
                Advice::AuditProjectRoot { .. }
                | Advice::UsageSkipped
                | Advice::SkipUsage
                | Advice::RenewingSession
                | Advice::ConnectOrg
                | Advice::AuditFolder { .. }
                | Advice::Force
                | Advice::NotEvenForced
                | Advice::NewManifest
                | Advice::UndoApps { .. }
                | Advice::UndoOrgSetting => {}
            }
        }
        all
    }

    /// The words name only options the command line really has: a renamed option cannot
    /// leave advice pointing at nothing.
    #[test]
    fn every_option_the_advice_names_exists() {
        let known = options();
        let mut texts: Vec<String> = every_advice().iter().map(|a| words(a).into()).collect();
        for r in [
            Remedy::ConnectOtherwise,
            Remedy::InstanceUrl,
            Remedy::ApiVersion,
            Remedy::ApiVersionGiven,
            Remedy::Timeout,
        ] {
            texts.push(advice(Some(r)).into());
        }
        let mut named = 0;
        for text in &texts {
            for (i, _) in text.match_indices("--") {
                let name: String = text[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                named += 1;
                assert!(known.contains(&name), "{name} (in {text:?}) is no option");
            }
        }
        assert!(named >= 10, "only {named} options named");
        assert!(!known.contains("--no-such-option"));
    }
}
