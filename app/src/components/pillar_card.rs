use leptos::prelude::*;

use super::{Chart, ScoreBadge};
use crate::charts;
use crate::domain::{Pillar, PillarScore, PillarTrend, change_text};

/// A pillar's name, what it covers, and the organisation's score with how
/// much of the pillar was assessed, its change since the previous snapshot
/// and a small trend line.
#[component]
pub fn PillarCard(pillar: Pillar, score: Option<PillarScore>, trend: Option<PillarTrend>) -> impl IntoView {
    let coverage = score.as_ref().map(|s| format!("{:.0} % assessed", s.coverage * 100.0));
    let change = trend.as_ref().and_then(PillarTrend::change);
    let change_class = match change.map(|c| c.round() as i32) {
        Some(n) if n > 0 => "change change-up",
        Some(n) if n < 0 => "change change-down",
        _ => "change",
    };
    let change = change_text(change).map(|text| {
        view! {
            <span class=change_class title="Change since the previous snapshot">
                {text}
                <span class="visually-hidden">" since the previous snapshot"</span>
            </span>
        }
    });
    let spark = trend
        .filter(|t| t.points.len() > 1)
        .map(|t| charts::sparkline(&t.points.iter().map(|p| p.score).collect::<Vec<_>>()));
    view! {
        <article class="pillar-card" data-pillar=pillar.id()>
            <div class="pillar-card-head">
                <h3><PillarName pillar /></h3>
                <ScoreBadge score=score.as_ref().and_then(|s| s.score) label=pillar.name() />
            </div>
            <p>{pillar.summary()}</p>
            <div class="pillar-card-foot">
                {coverage.map(|text| view! { <span class="coverage">{text}</span> })}
                {change}
                {spark.map(|svg| view! { <Chart svg class="spark" /> })}
            </div>
        </article>
    }
}

/// A pillar's name, marked with the pillar's colour. Every page names
/// pillars through this component so they look the same everywhere.
/// `short` gives the short name, with the full one as its title.
#[component]
pub fn PillarName(pillar: Pillar, #[prop(optional)] short: bool) -> impl IntoView {
    let (text, title) = if short { (pillar.short_name(), Some(pillar.name())) } else { (pillar.name(), None) };
    view! {
        <span class="pillar-name" data-pillar=pillar.id() title=title>
            {text}
        </span>
    }
}
