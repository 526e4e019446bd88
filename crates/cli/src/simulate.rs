//! `credence policy simulate`: the impact of a draft in words, and as a chart.

use std::fmt::Write as _;

use credence_engine::impact::Impact;
use credence_model::text::Escaped;
use credence_registry::simulate::Simulation;

/// The impact in words: what the drafts replace, then lists, grades, scores and measures,
/// each with what changes.
pub fn text(simulation: &Simulation, as_of: credence_model::Day) -> String {
    let impact = &simulation.impact;
    let mut out = String::new();
    for (draft, replaces) in &simulation.replaces {
        let _ = match replaces {
            Some(published) => writeln!(
                out,
                "draft {} replaces {}",
                Escaped(draft),
                Escaped(published)
            ),
            None => writeln!(out, "draft {} is a new pack", Escaped(draft)),
        };
    }
    let _ = writeln!(
        out,
        "{} subjects evaluated as of {as_of} under the policy in force and under the draft set",
        impact.subjects
    );
    if impact.is_unchanged() {
        let _ = writeln!(out, "\nthe draft changes no subject's standing");
    }
    let _ = writeln!(
        out,
        "\n{:<32} {:>9} {:>9} {:>9} {:>9}",
        "list", "in force", "draft", "entering", "leaving"
    );
    for l in &impact.lists {
        let _ = writeln!(
            out,
            "{:<32} {:>9} {:>9} {:>9} {:>9}",
            Escaped(&l.list).to_string(),
            l.before,
            l.after,
            l.entering,
            l.leaving
        );
    }
    for s in &impact.schemes {
        let moved: u64 = s
            .matrix
            .iter()
            .enumerate()
            .flat_map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .filter(move |(j, _)| s.from[i] != s.to[*j])
                    .map(|(_, n)| *n)
            })
            .sum();
        if moved == 0 {
            let _ = writeln!(
                out,
                "\ngrades of `{}`: no subject changes grade",
                Escaped(&s.scheme)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "\ngrades of `{}`: {moved} subjects change grade (rows: in force, columns: draft)",
            Escaped(&s.scheme)
        );
        let _ = write!(out, "{:>12}", "");
        for to in &s.to {
            let _ = write!(out, " {:>10}", Escaped(to).to_string());
        }
        out.push('\n');
        for (from, row) in s.from.iter().zip(&s.matrix) {
            if row.iter().all(|&n| n == 0) {
                continue;
            }
            let _ = write!(out, "{:>12}", Escaped(from).to_string());
            for n in row {
                let _ = write!(out, " {n:>10}");
            }
            out.push('\n');
        }
    }
    for c in &impact.scorecards {
        let _ = writeln!(
            out,
            "\nscores of `{}`: {} scored in force, {} under the draft; {} unchanged",
            Escaped(&c.scorecard),
            c.scored_before,
            c.scored_after,
            c.unchanged
        );
        for (shift, n) in &c.shifts {
            let _ = writeln!(out, "  shift {:+} to {:+}: {n}", shift, shift + c.bin - 1);
        }
    }
    let _ = writeln!(
        out,
        "\n{:<40} {:>9} {:>9} {:>9} {:>9}",
        "measure", "in force", "draft", "gaining", "losing"
    );
    for m in &impact.measures {
        if m.before == 0 && m.after == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "{:<40} {:>9} {:>9} {:>9} {:>9}",
            Escaped(&m.measure).to_string(),
            m.before,
            m.after,
            m.gaining,
            m.losing
        );
    }
    out
}

/// The changes as an SVG chart: per list, subjects entering and leaving; per scheme, the grade
/// transitions; per scorecard, the histogram of score shifts. Only what changes is drawn.
pub fn svg(impact: &Impact) -> String {
    const WIDTH: f64 = 720.0;
    const LABEL: f64 = 220.0;
    const ROW: f64 = 22.0;
    let bars: Vec<(String, u64, &str)> = impact
        .lists
        .iter()
        .flat_map(|l| {
            [
                (format!("{} entering", l.list), l.entering, "#b2182b"),
                (format!("{} leaving", l.list), l.leaving, "#2166ac"),
            ]
        })
        .chain(impact.schemes.iter().flat_map(|s| {
            s.matrix.iter().enumerate().flat_map(move |(i, row)| {
                row.iter()
                    .enumerate()
                    .filter(move |(j, _)| s.from[i] != s.to[*j])
                    .map(move |(j, n)| {
                        (
                            format!("{} {} → {}", s.scheme, s.from[i], s.to[j]),
                            *n,
                            // Grades are listed best first: a later column is a lower grade.
                            if j > i { "#b2182b" } else { "#2166ac" },
                        )
                    })
            })
        }))
        .chain(impact.scorecards.iter().flat_map(|c| {
            c.shifts.iter().map(move |(shift, n)| {
                (
                    format!("{} {:+}..{:+}", c.scorecard, shift, shift + c.bin - 1),
                    *n,
                    if *shift < 0 { "#b2182b" } else { "#2166ac" },
                )
            })
        }))
        .filter(|bar| bar.1 > 0)
        .collect();
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let height = 40.0 + ROW * bars.len().max(1) as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<text x="8" y="20" font-weight="bold">Impact of the draft on {} subjects</text>"#,
        impact.subjects
    );
    if bars.is_empty() {
        let _ = writeln!(
            out,
            r#"<text x="8" y="44">The draft changes no subject's standing.</text>"#
        );
    }
    for (i, (label, n, colour)) in bars.iter().enumerate() {
        let y = 32.0 + ROW * i as f64;
        let width = (WIDTH - LABEL - 60.0) * (*n as f64) / max;
        let _ = writeln!(
            out,
            r#"<text x="{x}" y="{ty}" text-anchor="end">{label}</text><rect x="{LABEL}" y="{y}" width="{width:.1}" height="{h}" fill="{colour}"/><text x="{nx:.1}" y="{ty}">{n}</text>"#,
            x = LABEL - 6.0,
            ty = y + 13.0,
            label = xml(label),
            h = ROW - 6.0,
            nx = LABEL + width + 4.0,
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Text as XML character data.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use credence_engine::impact::{GradeShift, ListImpact};

    fn impact() -> Impact {
        Impact {
            subjects: 10,
            lists: vec![ListImpact {
                list: "debtors".into(),
                before: 2,
                after: 3,
                entering: 1,
                leaving: 0,
            }],
            schemes: vec![GradeShift {
                scheme: "civic".into(),
                from: vec!["A".into(), "B".into(), "not scored".into()],
                to: vec!["A".into(), "B".into(), "not scored".into()],
                matrix: vec![vec![5, 2, 0], vec![1, 1, 0], vec![0, 0, 1]],
            }],
            scorecards: Vec::new(),
            measures: Vec::new(),
        }
    }

    #[test]
    fn the_chart_draws_every_change_and_only_changes() {
        let drawn = svg(&impact());
        assert!(drawn.contains(">debtors entering</text>"), "{drawn}");
        assert!(!drawn.contains("debtors leaving"), "{drawn}");
        // Down a grade in red, up a grade in blue; staying put is not drawn.
        let line = |label: &str| {
            drawn
                .lines()
                .find(|l| l.contains(&format!(">{label}</text>")))
                .unwrap_or_default()
        };
        assert!(line("civic A → B").contains("#b2182b"), "{drawn}");
        assert!(line("civic B → A").contains("#2166ac"), "{drawn}");
        assert!(!drawn.contains("civic A → A"), "{drawn}");
        assert!(!drawn.contains("changes no subject"), "{drawn}");
    }

    #[test]
    fn an_unchanged_impact_says_so_in_the_chart() {
        let mut unchanged = impact();
        unchanged.lists[0].entering = 0;
        unchanged.schemes[0].matrix = vec![vec![7, 0, 0], vec![0, 2, 0], vec![0, 0, 1]];
        assert!(unchanged.is_unchanged());
        assert!(svg(&unchanged).contains("changes no subject's standing"));
    }

    #[test]
    fn text_from_a_pack_is_escaped_for_xml() {
        assert_eq!(xml("a<b>&\"c\u{1b}"), "a&lt;b&gt;&amp;&quot;c ");
    }
}
