//! The verification as GitHub-flavoured Markdown, for the change record: the same content
//! as the table, every input text through the one escaper ([`crate::md`]).

use super::{
    after_cell, before_cell, class_text, meaning, name_and_label, next_cell, not_read, scope_text,
    time_or_dash, verdict_reason, verdict_word, way_back, why_text, windows, CELLS_KEY, NOTES,
};
use crate::md::{code_cell, header, inline, row, text as cell, url};
use crate::report::text::backstop;
use crate::report::TOOL_NAME;
use pkce_audit_model::verify::Verification;
use std::fmt::Write;

pub fn markdown(r: &Verification) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# After the PKCE change: {}\n",
        verdict_word(r.verdict)
    );
    let _ = writeln!(
        out,
        "**Verdict: {}** — {}\n",
        verdict_word(r.verdict),
        inline(&verdict_reason(r))
    );
    let _ = writeln!(out, "{TOOL_NAME} verify · {}\n", inline(&scope_text(r)));
    let _ = writeln!(out, "Windows: {}", inline(&windows(r)));

    let _ = writeln!(out, "\n## Apps\n");
    if r.apps.is_empty() {
        let _ = writeln!(out, "No app in scope.");
    } else {
        let _ = writeln!(out, "{}\n", inline(CELLS_KEY));
        header(
            &mut out,
            &["App", "State", "Since the change", "Baseline", "Next"],
        );
        for a in &r.apps {
            let (name, label) = name_and_label(a);
            let app = match label {
                Some(l) => format!("{}<br>{}", code_cell(&name), cell(&l)),
                None => code_cell(&name),
            };
            let lines = |l: [String; 2]| {
                let cells: Vec<String> = l
                    .iter()
                    .filter(|x| !x.is_empty())
                    .map(|x| cell(x))
                    .collect();
                cells.join("<br>")
            };
            row(
                &mut out,
                &[
                    app,
                    format!("**{}**<br>{}", a.state, cell(&why_text(&a.why))),
                    lines(after_cell(a)),
                    lines(before_cell(a)),
                    cell(&next_cell(&a.next)),
                ],
            );
        }
    }

    let failing: Vec<_> = r.apps.iter().filter(|a| !a.failures.is_empty()).collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\n## Failures since the change\n");
        header(
            &mut out,
            &["App", "Status", "Count", "First", "Last", "Meaning"],
        );
        for a in failing {
            for f in &a.failures {
                row(
                    &mut out,
                    &[
                        code_cell(&a.name),
                        cell(&f.status),
                        f.count.to_string(),
                        time_or_dash(f.first),
                        time_or_dash(f.last),
                        cell(&match meaning(&f.status) {
                            Some((m, code)) => {
                                format!("{m} ({code}); {}", class_text(f.class, f.before))
                            }
                            None => class_text(f.class, f.before),
                        }),
                    ],
                );
            }
        }
    }

    let (says, commands) = way_back(r);
    if !says.is_empty() {
        let _ = writeln!(out, "\n## Way back\n");
        for (s, source) in &says {
            let _ = writeln!(out, "- {}", inline(s));
            if let Some(u) = source {
                let _ = writeln!(out, "  Source: {}", url(u));
            }
        }
        if !commands.is_empty() {
            let _ = writeln!(
                out,
                "\nFrom the folder to hold the project, against the org checked:\n"
            );
            // A fence longer than any run of backticks in the commands.
            let fence = "`".repeat(3.max(longest_backtick_run(&commands) + 1));
            let _ = writeln!(out, "{fence}sh");
            for c in &commands {
                let _ = writeln!(out, "{}", pkce_audit_model::text::visible(c));
            }
            let _ = writeln!(out, "{fence}");
        }
    }

    let unread = not_read(r);
    if !unread.is_empty() {
        let _ = writeln!(out, "\n## Not read\n");
        for s in &unread {
            let _ = writeln!(out, "- {}", inline(s));
        }
    }
    let _ = writeln!(out, "\n## Notes\n");
    for n in NOTES {
        let _ = writeln!(out, "- {}", inline(n));
    }
    backstop(out)
}

fn longest_backtick_run(lines: &[String]) -> usize {
    lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0)
}
