//! The crate graph is the design (README "Layout"): these tests keep what the compiler
//! cannot. A crate cannot import in a circle, but a new dependency in a manifest could
//! quietly give the pure model a network client, or the renderer a file reader; and
//! modules inside one crate can still import in a circle. Both are read from the sources,
//! so they need no build of their own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The normal (not dev-only) dependencies a manifest names, target-specific ones included.
fn dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut names = BTreeSet::new();
    let mut take = |t: Option<&toml::Value>| {
        if let Some(t) = t.and_then(|v| v.as_table()) {
            names.extend(t.keys().cloned());
        }
    };
    take(doc.get("dependencies"));
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
        for spec in targets.values() {
            take(spec.get("dependencies"));
        }
    }
    names
}

/// The crates only the command line may depend on: argument parsing, its completions
/// and man pages, progress bars and the terminal's size.
const COMMAND_LINE: &[&str] = &[
    "clap",
    "clap_complete",
    "clap_mangen",
    "indicatif",
    "terminal_size",
];
/// The crates of input and output: files, XML, the network and its runtime.
const INPUT_OUTPUT: &[&str] = &[
    "quick-xml",
    "reqwest",
    "tokio",
    "futures",
    "ignore",
    "walkdir",
    "rustix",
];

fn forbid(krate: &str, deps: &BTreeSet<String>, forbidden: &[&str], why: &str) {
    let found: Vec<&&str> = forbidden.iter().filter(|d| deps.contains(**d)).collect();
    assert!(found.is_empty(), "{krate} depends on {found:?}: {why}");
}

#[test]
fn each_crate_depends_only_on_what_its_role_allows() {
    let model = dependencies(&root().join("crates/model/Cargo.toml"));
    let io = dependencies(&root().join("crates/io/Cargo.toml"));
    let render = dependencies(&root().join("crates/render/Cargo.toml"));
    let binary = dependencies(&root().join("Cargo.toml"));

    forbid("model", &model, COMMAND_LINE, "the model is pure");
    forbid("model", &model, INPUT_OUTPUT, "the model is pure");
    forbid(
        "model",
        &model,
        &["pkce-audit-io", "pkce-audit-render", "pkce-audit-test-org"],
        "the model is the bottom of the graph",
    );

    forbid(
        "io",
        &io,
        COMMAND_LINE,
        "only the binary knows the command line",
    );
    forbid(
        "io",
        &io,
        &["pkce-audit-render", "pkce-audit-test-org"],
        "input does not render, and the test org is dev-only",
    );

    forbid(
        "render",
        &render,
        COMMAND_LINE,
        "only the binary knows the terminal",
    );
    forbid(
        "render",
        &render,
        INPUT_OUTPUT,
        "render reads and writes nothing",
    );
    forbid(
        "render",
        &render,
        &["pkce-audit-io", "pkce-audit-test-org"],
        "render depends on the model alone",
    );
    assert!(render.contains("pkce-audit-model"));

    forbid(
        "the binary",
        &binary,
        &["pkce-audit-test-org"],
        "the test org is a dev-dependency only",
    );
    for d in COMMAND_LINE {
        assert!(binary.contains(*d), "the binary is where {d} belongs");
    }
}

#[test]
fn plain_cargo_test_covers_every_crate() {
    let doc: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let ws = doc["workspace"].as_table().unwrap();
    let list = |key: &str| -> BTreeSet<String> {
        ws[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let members = list("members");
    let defaults = list("default-members");
    for m in &members {
        assert!(defaults.contains(m), "{m} is not a default member");
    }
    assert!(defaults.contains("."), "the binary is a default member");
    let on_disk: BTreeSet<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| format!("crates/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(on_disk, members, "every folder of crates/ is a member");
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules of a crate's `src/` and, for each, the other top-level modules
/// its files name through `crate::`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let list = files.entry(name).or_default();
        if p.is_dir() {
            rust_files(&p, list);
        } else if p.extension().is_some_and(|x| x == "rs") {
            list.push(p);
        }
    }
    let mut graph = BTreeMap::new();
    for (module, paths) in &files {
        let mut uses = BTreeSet::new();
        for p in paths {
            let text = std::fs::read_to_string(p).unwrap();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                for (i, _) in code.match_indices("crate::") {
                    let rest = &code[i + "crate::".len()..];
                    // `crate::x`, or each name of `crate::{x, y::z}`.
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(group) => group
                            .split('}')
                            .next()
                            .unwrap_or("")
                            .split(',')
                            .map(|n| n.trim())
                            .collect(),
                        None => vec![rest],
                    };
                    for n in names {
                        let head: String = n
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if &head != module && files.contains_key(&head) {
                            uses.insert(head);
                        }
                    }
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// The modules that can reach themselves again, each with a path back.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in graph.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack = vec![vec![start.clone()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = path.last().unwrap();
            for next in &graph[last] {
                if next == start {
                    let mut cycle = path.clone();
                    cycle.push(start.clone());
                    found.push(cycle);
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
    found
}

#[test]
fn the_scan_finds_a_cycle_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "mod a; mod b; mod c;").unwrap();
    std::fs::write(dir.path().join("a.rs"), "use crate::b::X; // crate::c").unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/mod.rs"), "use crate::{c::Y, a};").unwrap();
    std::fs::write(dir.path().join("c.rs"), "pub struct Y;").unwrap();
    let graph = module_graph(dir.path());
    assert_eq!(
        graph["a"],
        BTreeSet::from(["b".to_string()]),
        "comments do not count"
    );
    assert_eq!(graph["b"].len(), 2);
    let found = cycles(&graph);
    assert!(
        found.contains(&vec!["a".into(), "b".into(), "a".into()]),
        "{found:?}"
    );
    assert!(!found.iter().any(|c| c.contains(&"c".to_string())));
}

#[test]
fn no_module_imports_in_a_circle() {
    for src in ["crates/model/src", "crates/render/src"] {
        let found = cycles(&module_graph(&root().join(src)));
        assert!(found.is_empty(), "module cycles in {src}: {found:?}");
    }
}
