use leptos::prelude::*;

/// A 0–100 score, coloured by band; a dash when there is no data yet.
#[component]
pub fn ScoreBadge(score: Option<u8>, #[prop(into)] label: String) -> impl IntoView {
    let (class, text, description) = match score {
        Some(value) => (band(value), value.to_string(), format!("{label}: {value} of 100")),
        None => ("score score-none", "–".to_string(), format!("{label}: no data yet")),
    };
    view! {
        <span class=class title=description.clone() aria-label=description>
            {text}
        </span>
    }
}

fn band(score: u8) -> &'static str {
    match score {
        80..=100 => "score score-good",
        50..=79 => "score score-fair",
        _ => "score score-poor",
    }
}
