//! fixtures/README.md's numbers are the binary's: each folder's row of its "Counts" table
//! (verdict, apps, findings, blockers, unread inputs), and every "N blockers" and "Verdict
//! `…`" (or "not `…`") its first table states, against `audit --source fixtures/<folder> --format json`.

use crate::harness::{self, pkce};
use std::collections::BTreeMap;

/// A markdown table row's cells, without the outer pipes; None for other lines.
fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

/// `` `demo-org/` `` → `demo-org`.
fn folder(cell: &str) -> Option<&str> {
    cell.strip_prefix('`')?.strip_suffix("/`")
}

/// What the README states for one folder.
#[derive(Debug, Default, PartialEq)]
struct Stated {
    verdict: String,
    apps: u64,
    findings: u64,
    blockers: u64,
    unread: u64,
}

/// The "Counts" table: folder → its row.
fn counts_table(readme: &str) -> BTreeMap<String, Stated> {
    let section = &readme[readme.find("\n## Counts\n").expect("a Counts section")..];
    let table = section
        .lines()
        .skip_while(|l| !l.starts_with("| Folder |"))
        .take_while(|l| l.starts_with('|'));
    let mut rows = BTreeMap::new();
    for line in table.skip(2) {
        let c = cells(line).unwrap();
        assert_eq!(c.len(), 6, "{line}");
        let number = |s: &str| s.parse::<u64>().unwrap_or_else(|_| panic!("{line}"));
        let name = folder(c[0]).unwrap_or_else(|| panic!("{line}"));
        let stated = Stated {
            verdict: c[1].trim_matches('`').to_string(),
            apps: number(c[2]),
            findings: number(c[3]),
            blockers: number(c[4]),
            unread: number(c[5]),
        };
        assert!(
            rows.insert(name.to_string(), stated).is_none(),
            "{name} twice"
        );
    }
    rows
}

/// The first table's rows: folder → its "Expected outcome" prose.
fn outcome_prose(readme: &str) -> BTreeMap<String, String> {
    readme
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter_map(cells)
        .filter_map(|c| Some((folder(c[0])?.to_string(), c.last()?.to_string())))
        .collect()
}

/// A count written as digits or as a word ("seven").
fn count(word: &str) -> Option<u64> {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let w = word.trim_start_matches('(').to_ascii_lowercase();
    w.parse()
        .ok()
        .or_else(|| WORDS.iter().position(|n| *n == w).map(|i| i as u64))
}

/// Every "N blocker(s)" in `prose`, N in digits or words; a word before "blocker" that is
/// not a count fails (the README must not state a count the test cannot read).
fn blocker_counts(prose: &str) -> Vec<u64> {
    let words: Vec<&str> = prose.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| {
            w[1].trim_end_matches([';', ',', '.', ')', ':'])
                .starts_with("blocker")
        })
        .map(|w| count(w[0]).unwrap_or_else(|| panic!("a count I cannot read: {w:?} in {prose}")))
        .collect()
}

/// What the prose says of the verdict: every verdict word in code (`` `ready` ``,
/// `` `not-ready` ``, `` `incomplete` ``, `` `enforced` ``) is a claim, negated when "not"
/// comes before it ("Not `ready`"). Other text about a verdict is not written in code.
fn verdicts(prose: &str) -> Vec<(bool, String)> {
    const VERDICTS: [&str; 4] = ["ready", "not-ready", "incomplete", "enforced"];
    let words: Vec<&str> = prose.split_whitespace().collect();
    let code = |s: &str| {
        let s = s
            .trim_start_matches('(')
            .trim_end_matches(['.', ',', ';', ':', ')']);
        Some(s.strip_prefix('`')?.strip_suffix('`')?.to_string())
    };
    words
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let v = code(w).filter(|v| VERDICTS.contains(&v.as_str()))?;
            let negated = i > 0 && words[i - 1].eq_ignore_ascii_case("not");
            Some((negated, v))
        })
        .collect()
}

fn audited(name: &str) -> Stated {
    let r = pkce()
        .in_repo()
        .args([
            "audit",
            "--source",
            &format!("fixtures/{name}"),
            "--format",
            "json",
        ])
        .run();
    let doc = r.json();
    let len = |key: &str| doc[key].as_array().map(|a| a.len() as u64);
    Stated {
        verdict: doc["verdict"].as_str().unwrap().to_string(),
        apps: len("apps").unwrap(),
        findings: len("findings").unwrap(),
        blockers: doc["summary"]["blockers"].as_u64().unwrap(),
        unread: len("incomplete").unwrap(),
    }
}

#[test]
fn fixtures_readme_counts_are_the_audits() {
    let readme = std::fs::read_to_string(harness::repo().join("fixtures/README.md")).unwrap();
    let stated = counts_table(&readme);
    let prose = outcome_prose(&readme);
    let folders: Vec<String> = std::fs::read_dir(harness::repo().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    let mut listed: Vec<&String> = stated.keys().collect();
    let mut present: Vec<&String> = folders.iter().collect();
    listed.sort();
    present.sort();
    assert_eq!(listed, present, "every fixture folder has one Counts row");
    for (name, says) in &stated {
        let real = audited(name);
        assert_eq!(says, &real, "fixtures/README.md's Counts row for {name}");
        let outcome = prose.get(name).unwrap_or_else(|| panic!("{name}: no row"));
        for n in blocker_counts(outcome) {
            assert_eq!(n, real.blockers, "{name}: \"{n} blockers\" in {outcome}");
        }
        for (negated, v) in verdicts(outcome) {
            assert_eq!(
                v != real.verdict,
                negated,
                "{name}: the verdict is {}, the README says {}`{v}` in {outcome}",
                real.verdict,
                if negated { "not " } else { "" }
            );
        }
    }
}

#[test]
fn the_readme_parsers_read_what_they_must() {
    assert_eq!(
        blocker_counts("`not-ready` with 7 blockers; 1 blocker."),
        [7, 1]
    );
    assert_eq!(
        blocker_counts("seven blockers, 5 files (one blocker)"),
        [7, 1]
    );
    assert!(std::panic::catch_unwind(|| blocker_counts("several blockers")).is_err());
    assert_eq!(
        verdicts("Verdict `ready`. `not-ready` with 4 blockers. Not `ready`; is `incomplete`,"),
        [
            (false, "ready".to_string()),
            (false, "not-ready".to_string()),
            (true, "ready".to_string()),
            (false, "incomplete".to_string())
        ]
    );
    let readme = "| Folder | x |\n|---|---|\n| `a-org/` | `ready` with 2 blockers |\n\n\
                  ## Counts\n\ntext\n\n| Folder | Verdict | Apps | Findings | Blockers | Unread |\n\
                  |---|---|---|---|---|---|\n| `a-org/` | `ready` | 3 | 4 | 2 | 0 |\n\nafter\n";
    let rows = counts_table(readme);
    assert_eq!(
        rows["a-org"],
        Stated {
            verdict: "ready".into(),
            apps: 3,
            findings: 4,
            blockers: 2,
            unread: 0
        }
    );
    assert_eq!(outcome_prose(readme)["a-org"], "`ready` with 2 blockers");
}
