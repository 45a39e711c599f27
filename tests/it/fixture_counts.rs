//! fixtures/README.md's numbers are the binary's: each folder's row of its "Counts" table
//! (verdict, apps, findings, blockers, unread inputs), and every "N blockers" and "Verdict
//! `…`" its first table states, against `audit --source fixtures/<folder> --format json`.

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

/// Every "N blocker(s)" in `prose`.
fn blocker_counts(prose: &str) -> Vec<u64> {
    let words: Vec<&str> = prose.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| {
            w[1].trim_end_matches([';', ',', '.', ')'])
                .starts_with("blocker")
        })
        .filter_map(|w| w[0].parse().ok())
        .collect()
}

/// Every verdict the prose states: "Verdict `x`" or "`x` with".
fn verdicts(prose: &str) -> Vec<String> {
    let words: Vec<&str> = prose.split_whitespace().collect();
    let code = |s: &str| Some(s.strip_prefix('`')?.strip_suffix('`')?.to_string());
    words
        .windows(2)
        .filter_map(|w| match (w[0], w[1]) {
            ("Verdict", v) => code(v.trim_end_matches(['.', ',', ';'])),
            (v, "with") => code(v),
            _ => None,
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
        for v in verdicts(outcome) {
            assert_eq!(v, real.verdict, "{name}: verdict in {outcome}");
        }
    }
}

#[test]
fn the_readme_parsers_read_what_they_must() {
    assert_eq!(
        blocker_counts("`not-ready` with 7 blockers; 1 blocker."),
        [7, 1]
    );
    assert_eq!(blocker_counts("seven blockers, 5 files"), Vec::<u64>::new());
    assert_eq!(
        verdicts("Verdict `ready`. `not-ready` with 4 blockers"),
        ["ready", "not-ready"]
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
