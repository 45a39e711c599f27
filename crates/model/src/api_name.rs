//! The names `fix` puts in a deploy manifest must be Salesforce API names: a file named
//! otherwise (a control character, a space, `a__b__c`) is refused, so nothing but such a
//! name ever reaches a manifest.
//!
//! Salesforce's rule for a unique (API) name: "can contain only underscores and
//! alphanumeric characters. It must be unique, begin with a letter, not include spaces,
//! not end with an underscore, and not contain two consecutive underscores"; a managed
//! package's component is `ns__Name`, its namespace prefix following the same rule. The
//! children of an External Client App are named the same way (`<App>_glbloauth` in
//! Salesforce's examples, salesforce-api.md §2), so one rule serves every member.

/// Why `name` is not an API name; `None` when it is one.
pub fn problem(name: &str) -> Option<&'static str> {
    let (ns, local) = match name.split_once("__") {
        Some((ns, local)) => (Some(ns), local),
        None => (None, name),
    };
    ns.map_or(Ok(()), |ns| part(ns, "namespace prefix"))
        .and_then(|()| part(local, "name"))
        .err()
}

/// One part (`ns` or the name itself) checked.
fn part(s: &str, what: &'static str) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err(match what {
            "namespace prefix" => "has an empty namespace prefix before `__`",
            _ => "is empty",
        });
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("holds a control character");
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("holds a character other than ASCII letters, digits and `_`");
    }
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("does not begin with a letter");
    }
    if s.ends_with('_') {
        return Err("ends with `_`");
    }
    if s.contains("__") {
        return Err("holds `__` other than once, after a namespace prefix");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn api_names_pass_and_others_are_named() {
        for ok in [
            "ERP_Integration",
            "Partner_Public_SPA_glbloauth",
            "ExpTrkGlblOAuth",
            "acme__Portal",
            "acme__Portal_glbloauth",
            "OauthOidc",
            "A1",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("Bad\u{1}App", "control character"),
            ("Evil\nName", "control character"),
            ("Two Words", "other than ASCII"),
            ("Café", "other than ASCII"),
            ("_Leading", "begin with a letter"),
            ("9Lives", "begin with a letter"),
            ("Trailing_", "ends with `_`"),
            ("a__b__c", "`__` other than once"),
            ("__Name", "empty namespace prefix"),
            ("ns__", "is empty"),
            ("", "is empty"),
            ("x</members><members>y", "other than ASCII"),
        ] {
            let got = problem(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(got.contains(why), "{bad:?}: {got}");
        }
    }
}
