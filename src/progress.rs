//! Progress on standard error, for the two runs that take a while: reading one org
//! (`audit`, `fetch`, `doctor`, `fix --org-setting` with a connection) and auditing a
//! fleet. Shown on a terminal only, and not with `--quiet` or `SF_USE_PROGRESS_BAR=false`;
//! the library reports through [`salesforce::ProgressSink`] and draws nothing.

use pkce_audit_io::salesforce;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A spinner or bar on standard error, told of the work as it is planned and done.
pub struct Progress {
    bar: indicatif::ProgressBar,
    counts: Counts,
}

/// What the bar counts.
enum Counts {
    /// One org's API calls: a spinner until the library says its plan is settled (the
    /// listings have planned the reads), then a bar. Pages of long answers can still add
    /// calls after that, so the bar shows the largest fraction done so far and never
    /// moves backwards.
    Calls(CallBar),
    /// A fleet's orgs: every org is planned before the first starts, so the total is
    /// known from the start and never grows.
    Orgs,
}

/// The bar an org read turns into once its plan is settled, and the counts so far.
struct CallBar {
    bar_style: indicatif::ProgressStyle,
    state: Mutex<Calls>,
}

/// Calls done and planned, the per-mille shown, whether the plan is settled.
#[derive(Debug, Default)]
struct Calls {
    done: u64,
    planned: u64,
    shown: u64,
    settled: bool,
}

/// A template of indicatif's; the bar fills with `=` behind a `>`.
fn style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress {
    /// The progress of reading one org (API calls), coloured unless NO_COLOR; `None` when
    /// none is to be shown.
    pub fn org_read(quiet: bool) -> Option<Arc<Progress>> {
        let color = crate::term::ColorChoice::Auto.stderr();
        let (spin, bar) = if color {
            ("{spinner:.cyan}", "[{bar:30.cyan/blue}]")
        } else {
            ("{spinner}", "[{bar:30}]")
        };
        let spinner = style(&format!("{spin} reading the org: {{msg}}, {{elapsed}}"));
        let bar_style = style(&format!(
            "{spin} reading the org: {bar} {{msg}}, {{elapsed}}"
        ));
        let counts = Counts::Calls(CallBar {
            bar_style,
            state: Mutex::default(),
        });
        Progress::start(quiet, None, spinner, "connecting", counts)
    }

    /// The progress of a fleet (orgs done of the orgs in the file); `None` when none is
    /// to be shown.
    pub fn fleet(quiet: bool) -> Option<Arc<Progress>> {
        let bar = style("{spinner} auditing orgs: [{bar:30}] {pos}/{len} done, {elapsed}");
        Progress::start(quiet, Some(0), bar, "", Counts::Orgs)
    }

    /// A bar of `len` (`None`: a spinner) with its first style and message, ticking.
    fn start(
        quiet: bool,
        len: Option<u64>,
        style: indicatif::ProgressStyle,
        message: &'static str,
        counts: Counts,
    ) -> Option<Arc<Progress>> {
        if !crate::term::progress_wanted(quiet) {
            return None;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(len, indicatif::ProgressDrawTarget::stderr())
                .with_style(style)
                .with_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Arc::new(Progress { bar, counts }))
    }
}

impl CallBar {
    /// `planned` more, `done` more, and whether the plan just settled.
    fn update(&self, bar: &indicatif::ProgressBar, planned: u64, done: u64, settle: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.done += done;
        s.planned += planned;
        let (done, planned) = (s.done.min(s.planned), s.planned);
        if settle && !s.settled {
            s.settled = true;
            bar.set_length(1000);
            bar.set_style(self.bar_style.clone());
        }
        // Counts only; scrubbed all the same, as every line the run shows.
        let message = if s.settled {
            s.shown = shown_permille(s.shown, done, planned);
            bar.set_position(s.shown);
            format!("{done}/{planned} API calls")
        } else {
            // Before the plan is known a total would be a guess: count what is done.
            format!("{done} API call(s), planning")
        };
        bar.set_message(pkce_audit_io::secrets::scrub(&message).into_owned());
    }
}

/// Per-mille of the bar to show: never less than what was shown before, and short of full
/// until the fetch ends (pages of a long answer can still add calls), so the bar does not
/// sit full while work goes on.
fn shown_permille(shown: u64, done: u64, planned: u64) -> u64 {
    let now = (done.min(planned) * 1000).checked_div(planned).unwrap_or(0);
    shown.max(now).min(990)
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Progress");
        match &self.counts {
            Counts::Calls(c) => d.field("calls", &c.state),
            Counts::Orgs => d.field("orgs", &(self.bar.position(), self.bar.length())),
        };
        d.finish()
    }
}

impl salesforce::ProgressSink for Progress {
    fn plan(&self, n: u64) {
        match &self.counts {
            Counts::Calls(c) => c.update(&self.bar, n, 0, false),
            Counts::Orgs => self.bar.inc_length(n),
        }
    }
    fn done(&self) {
        match &self.counts {
            Counts::Calls(c) => c.update(&self.bar, 0, 1, false),
            Counts::Orgs => self.bar.inc(1),
        }
    }
    fn settled(&self) {
        match &self.counts {
            Counts::Calls(c) => c.update(&self.bar, 0, 0, true),
            // A fleet's total is known from the start.
            Counts::Orgs => {}
        }
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The total grows as the fetch discovers work; the bar never moves back.
    #[test]
    fn the_bar_never_goes_backwards_as_the_plan_grows() {
        // 3 of 4 planned calls done: 750‰; then 20 more are planned: still 750‰ shown.
        let s = shown_permille(0, 3, 4);
        assert_eq!(s, 750);
        assert_eq!(shown_permille(s, 3, 24), 750);
        // Never full while running: the finish clears it.
        assert_eq!(shown_permille(s, 24, 24), 990);
        // Nothing planned yet (the spinner's time) shows nothing; done never exceeds planned.
        assert_eq!(shown_permille(0, 0, 0), 0);
        assert_eq!(shown_permille(0, 9, 4), 990);
    }
}
