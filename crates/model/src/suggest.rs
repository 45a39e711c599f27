//! "Did you mean": the closest known name to a mistyped one.

use crate::inventory::App;

/// Edit distance between two strings (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours each cost one).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before last (for swaps), the last, the current.
    let mut before = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (last[j] + 1).min(cur[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut cur);
    }
    last[b.len()]
}

/// The candidate closest to `wanted` (case-insensitive), when it is close enough to be a
/// likely typo: at most max(2, a third of its length) edits.
pub fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    closest_by(wanted, candidates.map(|c| (c, vec![c])))
}

/// [`closest`] where each candidate answers to several names (an app: API name, label).
fn closest_by<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = (&'a str, Vec<&'a str>)>,
) -> Option<&'a str> {
    let wanted = wanted.to_lowercase();
    let limit = 2.max(wanted.chars().count() / 3);
    candidates
        .filter_map(|(answer, names)| {
            let d = names
                .iter()
                .map(|n| edit_distance(&wanted, &n.to_lowercase()))
                .min()?;
            (d <= limit).then_some((d, answer))
        })
        .min()
        .map(|(_, answer)| answer)
}

/// The app whose API name or label is closest to `wanted`.
pub fn closest_app<'a>(wanted: &str, apps: impl IntoIterator<Item = &'a App>) -> Option<&'a str> {
    closest_by(
        wanted,
        apps.into_iter().map(|a| {
            let names = std::iter::once(a.name.as_str()).chain(a.label.as_deref());
            (a.name.as_str(), names.collect())
        }),
    )
}
