//! One checklist item: its evidence, who ticked it and why, the tick form,
//! and (hydrated) ticking it with a click or a key.

use leptos::prelude::*;
use uuid::Uuid;

use super::Typed;
use crate::components::{CreateRemediation, TextArea};
use crate::domain::checklists::{ChecklistLine, EvidenceState, MAX_DETAIL, TickState};
use crate::server_fns::quick_tick;

fn evidence_class(evidence: EvidenceState) -> &'static str {
    match evidence {
        EvidenceState::Passing => "result result-passed",
        EvidenceState::Failing => "result result-failed",
        EvidenceState::NoData | EvidenceState::Manual => "result result-none",
    }
}

#[component]
pub(super) fn ItemCard(
    line: ChecklistLine,
    workload: Uuid,
    back: String,
    typed: Option<Typed>,
    can_tick: bool,
) -> impl IntoView {
    let who = match (&line.actor, line.at) {
        (Some(actor), Some(at)) => {
            let by = if line.by_evidence { "by evidence".to_owned() } else { format!("by {actor}") };
            Some(format!("{} {by} on {}", line.state.label(), at.format("%Y-%m-%d %H:%M")))
        }
        _ => None,
    };
    let evidence_keys = (!line.failing.is_empty() || !line.passing.is_empty()).then(|| {
        view! {
            <p class="evidence-keys">
                {(!line.failing.is_empty()).then(|| format!("Failing: {}. ", line.failing.join(", ")))}
                {(!line.passing.is_empty()).then(|| format!("Passing: {}.", line.passing.join(", ")))}
            </p>
        }
    });
    let failing_resources = line.failing_resources.iter().any(|failing| failing.count > 0).then(|| {
        let lines = line
            .failing_resources
            .iter()
            .filter(|failing| failing.count > 0)
            .map(|failing| {
                let more = failing.count - failing.resources.len() as i64;
                let more = (more > 0).then(|| format!(" and {more} more"));
                let noun = if failing.count == 1 { "resource" } else { "resources" };
                view! {
                    <li>
                        <strong>{failing.key.clone()}</strong>
                        {format!(" fails on {} {noun}: ", failing.count)}
                        {failing.resources.iter().map(|resource| view! { <code>{resource.clone()}</code>" " }).collect_view()}
                        {more}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="failing-resources" aria-label="Failing resources">{lines}</ul> }
    });
    let history = (!line.history.is_empty()).then(|| {
        let entries = line
            .history
            .iter()
            .map(|change| {
                let by = if change.by_evidence { "evidence".to_owned() } else { change.actor.clone() };
                let note = (!change.note.is_empty()).then(|| format!(": {}", change.note));
                view! { <li>{format!("{} · {} by {by}", change.at.format("%Y-%m-%d %H:%M"), change.state.label())}{note}</li> }
            })
            .collect_view();
        view! { <details class="history"><summary>"History"</summary><ul>{entries}</ul></details> }
    });
    let form = can_tick.then(|| {
        let typed = typed.clone().unwrap_or_default();
        let state = typed.state.unwrap_or(line.state);
        let note = if typed.item.is_empty() { line.note.clone() } else { typed.note.clone() };
        let link = if typed.item.is_empty() { line.link.clone().unwrap_or_default() } else { typed.link.clone() };
        let action = format!("/workloads/{workload}/checklist");
        let options = TickState::ALL
            .into_iter()
            .map(|option| view! { <option value=option.as_str() selected=option == state>{option.label()}</option> })
            .collect_view();
        view! {
            {typed.error.map(|error| view! { <div class="notice notice-error" role="alert">{error.message()}</div> })}
            <div class="tick-forms">
                <details class="tick-details" open=typed.error.is_some()>
                    <summary>"Note, link, not applicable"</summary>
                    <form method="post" action=action class="stacked-form">
                        <input type="hidden" name="pack" value=line.pack_id.clone() />
                        <input type="hidden" name="item" value=line.item_id.clone() />
                        <input type="hidden" name="back" value=back.clone() />
                        <input type="hidden" name="state_was" value=line.state.as_str() />
                        <label>"State"<select name="state">{options}</select></label>
                        <label>"Note"<TextArea name="note" rows=2 maxlength={MAX_DETAIL as u32} value=note /></label>
                        <label>"Evidence link"<input type="url" name="link" value=link placeholder="https://" /></label>
                        <button type="submit" class="button button-primary">"Save"</button>
                    </form>
                </details>
            </div>
        }
    });
    let item = ItemHead {
        workload,
        pack: line.pack_id.clone(),
        item: line.item_id.clone(),
        text: line.text.clone(),
        pillar: line.pillar.name().to_owned(),
        evidence: line.evidence,
        back: back.clone(),
    };
    // The list item stays outside the island: an island is a
    // <leptos-island> element, which may not stand between a list and its
    // items.
    view! {
        <li class="checklist-entry">
            <TickableItem head=item state=line.state can_tick>
                <p class="muted">
                    {match who {
                        Some(who) => format!("{who}. "),
                        None => format!("{}. ", line.state.label()),
                    }}
                    {(!line.note.is_empty()).then(|| format!("“{}” ", line.note))}
                    {line.link.clone().map(|link| view! { <a href=link.clone() rel="noopener noreferrer">"Evidence link"</a> })}
                </p>
                {evidence_keys}
                {failing_resources}
                {form}
                {(line.state == TickState::Open).then(|| view! {
                    <CreateRemediation
                        workload
                        source="checklist"
                        key=format!("{}/{}", line.pack_id, line.item_id)
                        back=back.clone()
                    />
                })}
                {history}
            </TickableItem>
        </li>
    }
}

/// What an item's head shows, and where its tick goes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct ItemHead {
    workload: Uuid,
    pack: String,
    item: String,
    text: String,
    pillar: String,
    evidence: EvidenceState,
    back: String,
}

/// One item's card, an island: its tick button is a plain form that works without
/// JavaScript; hydrated, a click (or "x" anywhere in the item) ticks at
/// once and asks the server, and rolls back with the reason if the server
/// refuses.
#[island]
fn TickableItem(head: ItemHead, state: TickState, can_tick: bool, children: Children) -> impl IntoView {
    let current = RwSignal::new(state);
    let pending = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    let head = StoredValue::new(head);
    let toggle = move || {
        if pending.get_untracked() || !can_tick {
            return;
        }
        let before = current.get_untracked();
        let next = if before == TickState::Done { TickState::Open } else { TickState::Done };
        current.set(next);
        pending.set(true);
        message.set(None);
        let head = head.get_value();
        leptos::task::spawn_local(async move {
            match quick_tick(head.workload, head.pack, head.item, next.as_str().to_owned()).await {
                Ok(()) => message.set(Some((true, format!("Saved: {}.", next.label())))),
                Err(error) => {
                    current.set(before);
                    message.set(Some((false, format!("Not saved, so it is {} again: {error}", before.label()))));
                }
            }
            pending.set(false);
        });
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if event.key() != "x" || event.ctrl_key() || event.meta_key() || event.alt_key() || typing_in(&event) {
            return;
        }
        event.prevent_default();
        toggle();
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        toggle();
    };
    let next = move || if current.get() == TickState::Done { TickState::Open } else { TickState::Done };
    let label = move || if current.get() == TickState::Done { "Reopen" } else { "Tick" };
    let anchor = head.with_value(|head| format!("item-{}-{}", head.pack, head.item));
    let (text, pillar, evidence) = head.with_value(|head| (head.text.clone(), head.pillar.clone(), head.evidence));
    let quick = can_tick.then(|| {
        head.with_value(|head| {
            let aria = {
                let text = head.text.clone();
                move || format!("{}: {text}", label())
            };
            view! {
                <form method="post" action=format!("/workloads/{}/checklist", head.workload) class="inline-form quick-tick" on:submit=on_submit>
                    <input type="hidden" name="pack" value=head.pack.clone() />
                    <input type="hidden" name="item" value=head.item.clone() />
                    <input type="hidden" name="state" value=move || next().as_str() />
                    <input type="hidden" name="quick" value="1" />
                    <input type="hidden" name="back" value=head.back.clone() />
                    <button type="submit" class="button" aria-label=aria aria-keyshortcuts="x" aria-busy=move || pending.get().to_string()>
                        {label}
                    </button>
                </form>
            }
        })
    });
    view! {
        <div
            class="checklist-item"
            id=anchor
            data-state=move || current.get().as_str()
            data-evidence=evidence.as_str()
            on:keydown=on_key
        >
            <div class="checklist-head">
                <span class=move || format!("tick tick-{}", current.get().as_str()) aria-hidden="true"></span>
                <strong>{text}</strong>
                <span class="chip">{pillar}</span>
                <span class=evidence_class(evidence)>{evidence.label()}</span>
                {quick}
            </div>
            <p class="tick-message" role="status">
                {move || message.get().map(|(saved, text)| view! {
                    <span class=if saved { "tick-saved" } else { "tick-refused" }>{text}</span>
                })}
            </p>
            {children()}
        </div>
    }
}

/// Whether a key press is typing into a field (where "x" is just a letter).
fn typing_in(event: &leptos::ev::KeyboardEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        false
    }
}
