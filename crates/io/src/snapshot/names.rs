//! Portable file names: what a fullName becomes on disk, and back.

use std::collections::HashMap;

/// Whether `file_stem` is the name the writer gives a component called `full_name`
/// ([`portable_stem`], perhaps with a `~N` suffix against a case clash): then a file's
/// own `<fullName>` legitimately differs from its name, even without the manifest.
pub fn is_portable_name_of(file_stem: &str, full_name: &str) -> bool {
    let portable = portable_stem(full_name);
    file_stem == portable
        || file_stem
            .strip_prefix(portable.as_str())
            .and_then(|rest| rest.strip_prefix('~'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Windows device names: a file whose name before its first dot is one of these (in any
/// case, with trailing spaces or dots) cannot be created there.
pub(super) fn is_windows_device(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or("");
    let base = base.trim_end_matches([' ', '.']).to_ascii_uppercase();
    match base.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        b => {
            (b.starts_with("COM") || b.starts_with("LPT"))
                && b.len() == 4
                && b.as_bytes()[3].is_ascii_digit()
        }
    }
}

/// Longest stem written; with a `~N` suffix and the type's suffix the file name stays
/// far below the 255 bytes file systems allow.
pub(super) const MAX_STEM: usize = 120;

/// A file name stem for `name` that every file system takes as it is: ASCII letters,
/// digits, `_`, `-` and `.` are kept, every other character is written `%XX` per UTF-8
/// byte; a leading or trailing dot and the last character of a Windows device name are
/// escaped too. Ordinary Salesforce API names come back unchanged.
pub(super) fn portable_stem(name: &str) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let escape = |out: &mut String, c: char| {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            out.push_str(&format!("%{b:02X}"));
        }
    };
    let mut out = String::with_capacity(name.len());
    let last = name.chars().count().saturating_sub(1);
    for (i, c) in name.chars().enumerate() {
        if !keep(c) || (c == '.' && (i == 0 || i == last)) {
            escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    if is_windows_device(&out) {
        // `CON` -> `CO%4E`: the name before the first dot is no longer a device.
        let base_len = out.find('.').unwrap_or(out.len());
        let c = out[..base_len]
            .chars()
            .last()
            .expect("a device name is not empty");
        let mut fixed = out[..base_len - c.len_utf8()].to_string();
        escape(&mut fixed, c);
        fixed.push_str(&out[base_len..]);
        out = fixed;
    }
    if out.len() > MAX_STEM {
        let mut cut = MAX_STEM;
        // Not inside a `%XX`.
        while cut > 0 && out[..cut].rfind('%').is_some_and(|p| p + 3 > cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// File name stems for the records of a fetch: portable ([`portable_stem`]) and unique
/// within each type's folder regardless of case, as on Windows and macOS. Names that
/// need no change keep their name (the first in byte order, when two differ only in
/// case); the others get their portable stem, with `~2`, `~3` … when it is taken.
/// Deterministic: the same names always get the same files. The folder `K` is a
/// [`MetadataType`](crate::metadata::MetadataType) for a snapshot, `()` for the fleet's one folder of reports.
pub fn portable_stems<'a, K: Copy + Ord + std::hash::Hash>(
    names: impl IntoIterator<Item = (K, &'a str)>,
) -> HashMap<(K, &'a str), String> {
    let mut names: Vec<(K, &str)> = names.into_iter().collect();
    names.sort();
    names.dedup();
    let mut taken: std::collections::HashSet<(K, String)> = Default::default();
    let mut out = HashMap::new();
    let mut later = Vec::new();
    // Names kept as they are claim their file first.
    for (ty, name) in names {
        let stem = portable_stem(name);
        if stem == name && taken.insert((ty, stem.to_ascii_lowercase())) {
            out.insert((ty, name), stem);
        } else {
            later.push((ty, name, stem));
        }
    }
    for (ty, name, stem) in later {
        let mut candidate = stem.clone();
        let mut n = 1;
        while !taken.insert((ty, candidate.to_ascii_lowercase())) {
            n += 1;
            candidate = format!("{stem}~{n}");
        }
        out.insert((ty, name), candidate);
    }
    out
}
