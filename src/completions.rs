//! `pkce-audit completions SHELL`: clap_complete's static script for SHELL, from the same
//! clap definition as `--help`, with bash's state names repaired and fish given the values of
//! positional arguments.
//!
//! Static scripts rather than clap's dynamic completion (`CompleteEnv`): a static script is
//! a file users source once, completes without running the binary at each TAB, and comes
//! from clap_complete's stable API (dynamic completion is behind `unstable-dynamic`, whose
//! registration script may change in any release).

use clap_complete::Shell;

/// The name the scripts complete: the binary's.
pub const BIN: &str = "pkce-audit";

/// The completion script for `shell`.
pub fn script(shell: Shell, cmd: &mut clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, cmd, BIN, &mut out);
    match shell {
        Shell::Bash => match String::from_utf8(out) {
            Ok(text) => repair_bash_states(&text, BIN).into_bytes(),
            Err(e) => e.into_bytes(),
        },
        Shell::Fish => match String::from_utf8(out) {
            Ok(text) => with_fish_positionals(text, cmd, BIN).into_bytes(),
            Err(e) => e.into_bytes(),
        },
        _ => out,
    }
}

/// clap_complete's fish script completes the values of options only: a command's
/// positional argument (`completions SHELL`, `man COMMAND`, `rules ID`) offers file names.
/// Adds a line per positional argument with a value list, under the script's own
/// "is this the subcommand" test; a script without that function is left as it is (the
/// shell tests then fail).
fn with_fish_positionals(mut script: String, cmd: &clap::Command, bin: &str) -> String {
    let using = format!("__fish_{}_using_subcommand", bin.replace('-', "_"));
    if !script.contains(&format!("function {using}")) {
        return script;
    }
    for sub in cmd.get_subcommands() {
        for arg in sub.get_positionals() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            if !values.is_empty() {
                script.push_str(&format!(
                    "complete -c {bin} -n \"{using} {}\" -f -a \"{}\"\n",
                    sub.get_name(),
                    values.join(" ")
                ));
            }
        }
    }
    script
}

/// clap_complete's bash script walks the words into a state (`cmd="pkce__audit__subcmd__audit"`:
/// the binary's hyphens become `__`) but labels the arms that list each subcommand's options
/// by escaping the whole path at once, so the binary's hyphen becomes `__subcmd__` there
/// (`pkce__subcmd__audit__subcmd__audit)`): no arm ever matches and no option of any
/// subcommand completes (clap-rs/clap#6421, #6529; fixes proposed in #6423, #6428, #6530).
/// Relabels those arms as the walk names them. A script without such arms (a fixed
/// clap_complete) passes unchanged; the tests check that every state has its arm either way.
pub fn repair_bash_states(script: &str, bin: &str) -> String {
    const SEP: &str = "__subcmd__";
    let walked = bin.replace('-', "__");
    let labelled = bin.replace('-', SEP);
    if walked == labelled {
        return script.to_string();
    }
    let mut fixed = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        match body.strip_prefix(labelled.as_str()) {
            // Only an arm's label: the whole path, then `)`, alone on its line.
            Some(rest)
                if (rest.starts_with(SEP) || rest.starts_with(')'))
                    && rest.trim_end().ends_with(')')
                    && !rest.trim_end().contains(char::is_whitespace) =>
            {
                fixed.push_str(indent);
                fixed.push_str(&walked);
                fixed.push_str(rest);
            }
            _ => fixed.push_str(line),
        }
    }
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    /// The states a bash script's word walk can reach (`cmd="…"`) that no arm of its option
    /// lists is labelled with: empty when every subcommand's options can complete.
    fn bash_states_without_arm(script: &str) -> Vec<String> {
        let reached = script.lines().filter_map(|l| {
            l.trim()
                .strip_prefix("cmd=\"")
                .and_then(|r| r.strip_suffix('"'))
                .filter(|s| !s.is_empty())
        });
        let labels: std::collections::BTreeSet<&str> = script
            .lines()
            .filter_map(|l| l.trim().strip_suffix(')'))
            .collect();
        let mut missing: Vec<String> = reached
            .filter(|s| !labels.contains(s))
            .map(str::to_string)
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }

    fn raw_bash() -> String {
        let mut out = Vec::new();
        clap_complete::generate(Shell::Bash, &mut Cli::command(), BIN, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_state_of_the_bash_script_has_its_arm() {
        let script = String::from_utf8(script(Shell::Bash, &mut Cli::command())).unwrap();
        assert_eq!(bash_states_without_arm(&script), Vec::<String>::new());
        assert!(script.contains("\n        pkce__audit__subcmd__audit)\n"));
    }

    /// Fails when clap_complete changes the shape this repair relies on: then check the
    /// bash suite (tests/it/completions.rs) and drop the repair if #6421 is fixed upstream.
    #[test]
    fn clap_complete_still_mislabels_hyphenated_bins() {
        let raw = raw_bash();
        let missing = bash_states_without_arm(&raw);
        assert!(
            missing.contains(&"pkce__audit__subcmd__audit".to_string()),
            "clap_complete's bash output changed (clap-rs/clap#6421 fixed?): {missing:?}"
        );
        assert!(raw.contains("\n        pkce__subcmd__audit__subcmd__audit)\n"));
    }

    #[test]
    fn the_repair_touches_only_arm_labels() {
        let raw = raw_bash();
        let fixed = repair_bash_states(&raw, BIN);
        let changed: Vec<(&str, &str)> = raw
            .lines()
            .zip(fixed.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed.len(),
            bash_states_without_arm(&raw).len(),
            "{changed:#?}"
        );
        for (before, after) in changed {
            assert_eq!(
                before
                    .trim()
                    .replacen("pkce__subcmd__audit", "pkce__audit", 1),
                after.trim()
            );
        }
        assert_eq!(raw.lines().count(), fixed.lines().count());
    }

    #[test]
    fn a_name_without_hyphen_is_left_alone() {
        let s = "case x in\n        tool__subcmd__a)\n";
        assert_eq!(repair_bash_states(s, "tool"), s);
        let s = "        my__subcmd__app__subcmd__go)\n        opts=\"my__subcmd__app)\"\n";
        assert_eq!(
            repair_bash_states(s, "my-app"),
            "        my__app__subcmd__go)\n        opts=\"my__subcmd__app)\"\n"
        );
    }
}
