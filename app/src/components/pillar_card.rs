use leptos::prelude::*;

use super::ScoreBadge;
use crate::domain::{Pillar, PillarScore};

/// A pillar's name, what it covers, and the organisation's score with how
/// much of the pillar was assessed.
#[component]
pub fn PillarCard(pillar: Pillar, score: Option<PillarScore>) -> impl IntoView {
    let coverage = score.as_ref().map(|s| format!("{:.0} % assessed", s.coverage * 100.0));
    view! {
        <article class="pillar-card" data-pillar=pillar.id()>
            <div class="pillar-card-head">
                <h3><PillarName pillar /></h3>
                <ScoreBadge score=score.as_ref().and_then(|s| s.score) label=pillar.name() />
            </div>
            <p>{pillar.summary()}</p>
            {coverage.map(|text| view! { <p class="coverage">{text}</p> })}
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
