//! The one place an outcome becomes an exit status (README "Verdict and exit status"):
//! one function per document. 2 (a usage or fatal error) is [`failure`](crate::failure)'s.
//! The library says what a run found (a verdict, [`fails_on`], a diff's counts); only the
//! binary turns that into a number.

use pkce_audit_model::diff::Diff;
use pkce_audit_model::doctor::Doctor;
use pkce_audit_model::fleet::FleetReport;
use pkce_audit_model::report::{fails_on, Report};
use pkce_audit_model::rules::{Severity, Verdict};
use pkce_audit_model::verify::{Verdict as VerifyVerdict, Verification};

/// Ready or enforced; and every command that succeeds without a verdict.
pub const OK: i32 = 0;
/// Not ready: an unwaived blocker, or a finding at `--fail-on`'s severity.
pub const NOT_READY: i32 = 1;
/// Something could not be read, so nothing better than "incomplete" can be said.
pub const INCOMPLETE: i32 = 3;

/// The status a verdict stands for.
pub fn verdict(v: Verdict) -> i32 {
    match v {
        Verdict::Ready | Verdict::Enforced => OK,
        Verdict::NotReady => NOT_READY,
        Verdict::Incomplete => INCOMPLETE,
    }
}

/// `verify`: keep 0, rollback 1 (an app failing or silent), watch 3 (nothing failing,
/// but something waiting, not deployed or not read).
pub fn verify(v: &Verification) -> i32 {
    match v.verdict {
        VerifyVerdict::Keep => OK,
        VerifyVerdict::Rollback => NOT_READY,
        VerifyVerdict::Watch => INCOMPLETE,
    }
}

/// `audit`: its verdict's status; `fail_on` turns any unwaived finding at or above that
/// severity into a failure as well.
pub fn audit(report: &Report, fail_on: Option<Severity>) -> i32 {
    if fail_on.is_some_and(|min| fails_on(report, min)) {
        NOT_READY
    } else {
        verdict(report.verdict())
    }
}

/// `diff`: 1 when the new run has unwaived blockers the old one did not; else 3 when it
/// could not read what some finding or app of the old run is about (not known resolved
/// or removed); else 0.
pub fn diff(diff: &Diff) -> i32 {
    if diff.new_blockers > 0 {
        NOT_READY
    } else if diff.has_not_read() {
        INCOMPLETE
    } else {
        OK
    }
}

/// `fleet`: the status its report's verdict stands for (1 not ready, `--fail-on`
/// included; 3 incomplete; 0 ready or enforced), so the two never disagree.
pub fn fleet(report: &FleetReport) -> i32 {
    verdict(report.verdict)
}

/// `doctor`: 0 when every check could read what it needs, else 3.
pub fn doctor(d: &Doctor) -> i32 {
    if d.all_readable() {
        OK
    } else {
        INCOMPLETE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pkce_audit_model::diff::{compare, read::Report};
    use pkce_audit_test_org::reports::of_fixture as audited;

    #[test]
    fn an_audit_exits_as_its_verdict_and_fail_on_say() {
        let ready = audited("ready-org");
        assert_eq!(ready.verdict(), Verdict::Ready);
        assert_eq!(audit(&ready, None), OK);
        // org-pkce-not-enforced is info: --fail-on info trips, --fail-on low does not.
        assert_eq!(audit(&ready, Some(Severity::Info)), NOT_READY);
        assert_eq!(audit(&ready, Some(Severity::Low)), OK);
        let unknown = audited("no-settings-org");
        assert_eq!(unknown.verdict(), Verdict::Incomplete);
        assert_eq!(audit(&unknown, None), INCOMPLETE);
        let blocked = audited("demo-org");
        assert_eq!(blocked.verdict(), Verdict::NotReady);
        assert_eq!(audit(&blocked, None), NOT_READY);
        let enforced = audited("enforced-org");
        assert_eq!(enforced.verdict(), Verdict::Enforced);
        assert_eq!(audit(&enforced, None), OK);
    }

    #[test]
    fn a_diff_fails_on_new_blockers_first_then_on_what_it_could_not_read() {
        // As `diff` reads the reports back.
        let (demo, ready) = (&audited("demo-org"), &audited("ready-org"));
        let (demo, ready): (Report, Report) = (demo.into(), ready.into());
        assert_eq!(diff(&compare(&demo, &demo)), OK);
        assert_eq!(diff(&compare(&ready, &demo)), NOT_READY);
        let mut fixed = compare(&demo, &ready);
        assert_eq!(diff(&fixed), OK);
        // What the old run found and the new one could not read is not known resolved.
        fixed.findings.not_read = std::mem::take(&mut fixed.findings.resolved);
        assert!(!fixed.findings.not_read.is_empty());
        assert_eq!(diff(&fixed), INCOMPLETE);
        // An app the new run could not read is not known removed either.
        let mut gone = compare(&demo, &ready);
        assert_eq!(diff(&gone), OK);
        let app = gone
            .apps
            .removed
            .pop()
            .expect("the ready org lacks a demo app");
        gone.apps.not_read.push(pkce_audit_model::diff::NotReadApp {
            app,
            note: "not read: its file".into(),
        });
        assert_eq!(diff(&gone), INCOMPLETE);
    }
}
