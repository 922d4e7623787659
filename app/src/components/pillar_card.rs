use leptos::prelude::*;

use crate::domain::Pillar;

/// A pillar's name and what it covers.
#[component]
pub fn PillarCard(pillar: Pillar) -> impl IntoView {
    view! {
        <article class="pillar-card" data-pillar=pillar.id()>
            <h3><PillarName pillar /></h3>
            <p>{pillar.summary()}</p>
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
