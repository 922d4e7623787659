//! Charts as SVG text, from plain numbers. The dashboard puts them in the
//! page; the PDF report embeds the same text. Every element carries a
//! class (the dashboard's CSS colours it for light and dark) and a colour
//! attribute of its own (what a document without our CSS shows).

use std::fmt::Write;

use crate::domain::{Milestone, Pillar, PillarTrend};

/// A pillar's colour where no stylesheet applies (the PDF). Chosen to stay
/// apart from each other and readable on white.
pub fn pillar_colour(pillar: Pillar) -> &'static str {
    match pillar {
        Pillar::OperationalExcellence => "#5b5bd6",
        Pillar::Security => "#c2410c",
        Pillar::Reliability => "#0f766e",
        Pillar::Performance => "#a16207",
        Pillar::CostOptimization => "#15803d",
        Pillar::Sustainability => "#0369a1",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Maps a value from `domain` to `range`, linearly; a flat domain maps to
/// the middle of the range.
pub fn scale(value: f64, domain: (f64, f64), range: (f64, f64)) -> f64 {
    let span = domain.1 - domain.0;
    if span.abs() < f64::EPSILON {
        return (range.0 + range.1) / 2.0;
    }
    range.0 + (value - domain.0) / span * (range.1 - range.0)
}

/// The six pillar scores as horizontal bars from 0 to 100. A pillar
/// without a score has no bar and reads "no data".
pub fn pillar_bars(scores: &[(Pillar, Option<f32>)]) -> String {
    const WIDTH: f64 = 520.0;
    const LABEL: f64 = 176.0;
    const VALUE: f64 = 48.0;
    const ROW: f64 = 30.0;
    let bar_width = WIDTH - LABEL - VALUE;
    let height = ROW * scores.len() as f64 + 20.0;
    let summary: Vec<String> = scores
        .iter()
        .map(|(pillar, score)| match score {
            Some(score) => format!("{} {:.0}", pillar.name(), score.round()),
            None => format!("{} no data", pillar.name()),
        })
        .collect();
    let mut svg = format!(
        r#"<svg class="chart chart-bars" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="Pillar scores out of 100: {}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(&summary.join(", "))
    );
    for tick in [0.0, 50.0, 100.0] {
        let x = LABEL + scale(tick, (0.0, 100.0), (0.0, bar_width));
        let _ = write!(
            svg,
            r##"<line class="chart-grid" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{:.1}" stroke="#d4d4d8" stroke-width="1"/><text class="chart-axis" x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#52525b">{tick:.0}</text>"##,
            height - 16.0,
            height - 4.0
        );
    }
    for (i, (pillar, score)) in scores.iter().enumerate() {
        let y = i as f64 * ROW;
        let _ = write!(
            svg,
            r##"<text class="chart-label" x="{:.1}" y="{:.1}" text-anchor="end" font-size="13" fill="#27272a">{}</text>"##,
            LABEL - 8.0,
            y + ROW / 2.0 + 4.0,
            escape(pillar.name())
        );
        match score {
            Some(score) => {
                let width = scale(f64::from(score.clamp(0.0, 100.0)), (0.0, 100.0), (0.0, bar_width));
                let _ = write!(
                    svg,
                    r##"<rect class="chart-bar" data-pillar="{}" x="{LABEL}" y="{:.1}" width="{width:.1}" height="{:.1}" rx="3" fill="{}"/><text class="chart-value" x="{:.1}" y="{:.1}" font-size="13" font-weight="600" fill="#18181b">{:.0}</text>"##,
                    pillar.id(),
                    y + 6.0,
                    ROW - 12.0,
                    pillar_colour(*pillar),
                    LABEL + width + 6.0,
                    y + ROW / 2.0 + 4.0,
                    score.round()
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r##"<text class="chart-axis" x="{:.1}" y="{:.1}" font-size="12" fill="#52525b">no data</text>"##,
                    LABEL + 4.0,
                    y + ROW / 2.0 + 4.0
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A small line of recent scores (0–100), oldest first; gaps where a
/// snapshot had no score. Decorative: the number beside it says the same.
pub fn sparkline(values: &[Option<f32>]) -> String {
    const WIDTH: f64 = 96.0;
    const HEIGHT: f64 = 24.0;
    let mut svg = format!(
        r#"<svg class="chart sparkline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">"#
    );
    let count = values.len();
    let scores: Vec<f64> = values.iter().flatten().map(|&v| f64::from(v)).collect();
    if count >= 2 && !scores.is_empty() {
        let low = scores.iter().copied().fold(f64::INFINITY, f64::min).min(100.0) - 2.0;
        let high = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(0.0) + 2.0;
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(value) => {
                    let x = scale(i as f64, (0.0, (count - 1) as f64), (1.0, WIDTH - 1.0));
                    let y = scale(f64::from(*value), (low, high), (HEIGHT - 2.0, 2.0));
                    let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            r##"<path class="sparkline-line" d="{}" fill="none" stroke="#52525b" stroke-width="1.5" stroke-linejoin="round"/>"##,
            path.trim_end()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One line in a trend chart.
pub struct Series {
    pub pillar: Pillar,
    /// (seconds since the epoch, score), oldest first.
    pub points: Vec<(i64, f32)>,
}

/// A mark on the time axis, such as a Well-Architected milestone.
pub struct Marker {
    pub at: i64,
    pub label: String,
}

/// Scores over time, one line per pillar, with markers (milestones) as
/// dashed vertical lines. `description` is the text alternative.
pub fn trend_chart(series: &[Series], markers: &[Marker], description: &str) -> String {
    const WIDTH: f64 = 640.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 32.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 24.0;
    let times: Vec<i64> =
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).chain(markers.iter().map(|m| m.at)).collect();
    let mut svg = format!(
        r#"<svg class="chart chart-trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(description)
    );
    let (Some(&first), Some(&last)) = (times.iter().min(), times.iter().max()) else {
        svg.push_str("</svg>");
        return svg;
    };
    let x = |t: i64| scale(t as f64, (first as f64, last as f64), (LEFT, WIDTH - RIGHT));
    let y = |v: f64| scale(v, (0.0, 100.0), (HEIGHT - BOTTOM, TOP));
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            svg,
            r##"<line class="chart-grid" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#e4e4e7" stroke-width="1"/><text class="chart-axis" x="{2:.1}" y="{3:.1}" text-anchor="end" font-size="10" fill="#52525b">{tick:.0}</text>"##,
            y(tick),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(tick) + 3.5
        );
    }
    for marker in markers {
        let mx = x(marker.at);
        let _ = write!(
            svg,
            r##"<g class="chart-marker"><line x1="{mx:.1}" y1="{TOP}" x2="{mx:.1}" y2="{:.1}" stroke="#71717a" stroke-width="1" stroke-dasharray="3 3"/><text x="{mx:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#3f3f46">{}</text><title>{}</title></g>"##,
            HEIGHT - BOTTOM,
            TOP - 6.0,
            escape(&short_label(&marker.label)),
            escape(&marker.label)
        );
    }
    for line in series {
        if line.points.is_empty() {
            continue;
        }
        let points: Vec<String> =
            line.points.iter().map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(f64::from(v)))).collect();
        let colour = pillar_colour(line.pillar);
        let _ = write!(
            svg,
            r#"<polyline class="chart-line" data-pillar="{}" points="{}" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"><title>{}</title></polyline>"#,
            line.pillar.id(),
            points.join(" "),
            escape(line.pillar.name())
        );
        if let Some(&(t, v)) = line.points.last() {
            let _ = write!(
                svg,
                r#"<circle class="chart-dot" data-pillar="{}" cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                line.pillar.id(),
                x(t),
                y(f64::from(v))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// "Milestone 3: after the game day" → "M3"; other labels keep their
/// first word.
fn short_label(label: &str) -> String {
    let first = label.split([':', ' ']).next().unwrap_or(label);
    match label.strip_prefix("Milestone ") {
        Some(rest) => format!("M{}", rest.split([':', ' ']).next().unwrap_or("")),
        None => first.to_owned(),
    }
}

/// Pillar scores over the snapshots, one line each, with milestones as
/// dashed lines: the workload page's trend and the PDF's. `None` until some
/// pillar has two snapshots to draw.
pub fn pillar_trend(trends: &[PillarTrend], milestones: &[Milestone]) -> Option<String> {
    let series: Vec<Series> = trends
        .iter()
        .map(|trend| Series {
            pillar: trend.pillar,
            points: trend.points.iter().filter_map(|p| Some((p.taken_at.timestamp(), p.score?))).collect(),
        })
        .collect();
    if series.iter().all(|s| s.points.len() < 2) {
        return None;
    }
    let first = series.iter().filter_map(|s| s.points.first().map(|p| p.0)).min()?;
    let markers: Vec<Marker> = milestones
        .iter()
        .filter_map(|m| {
            let at = m.recorded_at?.timestamp();
            (at >= first).then(|| Marker { at, label: format!("Milestone {}: {}", m.number, m.name) })
        })
        .collect();
    let summary: Vec<String> = series
        .iter()
        .filter_map(|s| {
            let (first, last) = (s.points.first()?, s.points.last()?);
            Some(format!("{} from {:.0} to {:.0}", s.pillar.name(), first.1, last.1))
        })
        .collect();
    let description = format!(
        "Pillar scores over the last {} snapshots: {}.",
        series.iter().map(|s| s.points.len()).max().unwrap_or(0),
        summary.join("; ")
    );
    Some(trend_chart(&series, &markers, &description))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_maps_the_ends_of_the_domain_to_the_ends_of_the_range() {
        assert_eq!(scale(0.0, (0.0, 100.0), (200.0, 10.0)), 200.0);
        assert_eq!(scale(100.0, (0.0, 100.0), (200.0, 10.0)), 10.0);
        assert_eq!(scale(5.0, (5.0, 5.0), (0.0, 10.0)), 5.0, "a flat domain sits in the middle");
    }

    #[test]
    fn bars_name_every_pillar_and_say_which_have_no_data() {
        let svg = pillar_bars(&[(Pillar::Security, Some(72.4)), (Pillar::Reliability, None)]);
        assert!(svg.contains(r#"aria-label="Pillar scores out of 100: Security 72, Reliability no data""#));
        assert_eq!(svg.matches("<rect").count(), 1, "one bar, for the pillar with a score");
        assert!(svg.contains(">72</text>"));
    }

    #[test]
    fn a_full_score_fills_the_bar_width() {
        let svg = pillar_bars(&[(Pillar::Security, Some(100.0))]);
        assert!(svg.contains(r#"width="296.0""#), "{svg}");
    }

    #[test]
    fn a_sparkline_breaks_where_a_snapshot_had_no_score() {
        let svg = sparkline(&[Some(40.0), Some(50.0), None, Some(60.0)]);
        let path = svg.split("d=\"").nth(1).expect("a path").split('"').next().expect("path data");
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(path.matches('L').count(), 1, "{path}");
    }

    #[test]
    fn a_single_point_draws_no_sparkline() {
        assert!(!sparkline(&[Some(40.0)]).contains("<path"));
    }

    #[test]
    fn a_trend_chart_draws_a_line_per_pillar_and_marks_milestones() {
        let series = vec![
            Series { pillar: Pillar::Security, points: vec![(0, 40.0), (100, 60.0)] },
            Series { pillar: Pillar::Reliability, points: vec![(0, 70.0), (100, 65.0)] },
        ];
        let markers = vec![Marker { at: 50, label: "Milestone 2: <after> review".into() }];
        let svg = trend_chart(&series, &markers, "Scores over time");
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(">M2</text>"));
        assert!(svg.contains("&lt;after&gt;"), "labels are escaped");
        assert!(svg.contains(r#"aria-label="Scores over time""#));
    }

    #[test]
    fn an_empty_trend_chart_is_an_empty_figure() {
        let svg = trend_chart(&[], &[], "No history yet");
        assert!(svg.ends_with("</svg>") && !svg.contains("polyline"));
    }
}
