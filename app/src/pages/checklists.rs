//! A workload's checklists: progress per pack and pillar, the items with
//! their evidence, and ticking through plain forms (editors and admins).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::components::{CreateRemediation, PageTitle, SubmitOnChange, TextArea};
use crate::domain::checklists::{
    ChecklistLine, ChecklistQuery, EvidenceState, MAX_DETAIL, TickRefusal, TickState, WorkloadChecklist,
};
use crate::domain::{Pillar, Role};
use crate::error::AppError;
use crate::server_fns::{get_checklist, quick_tick};

/// What a refused tick brings back: the item, the reason, what was typed.
#[derive(Clone, Debug, Default)]
struct Typed {
    item: String,
    error: Option<TickRefusal>,
    state: Option<TickState>,
    note: String,
    link: String,
}

#[component]
pub fn WorkloadChecklistPage() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    let workload = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());
    let query = Memo::new(move |_| query_map.with(|q| ChecklistQuery::from_params(|name| q.get(name))));
    let typed = query_map.with_untracked(|q| Typed {
        item: q.get("edit").unwrap_or_default(),
        error: q.get("error").and_then(|code| TickRefusal::parse(&code)),
        state: q.get("state_typed").as_deref().and_then(TickState::parse),
        note: q.get("note").unwrap_or_default(),
        link: q.get("link").unwrap_or_default(),
    });
    let checklist = AsyncDerived::new(move || {
        let workload = workload();
        let query = query.get();
        async move {
            match workload {
                Some(workload) => get_checklist(workload, query).await,
                None => Err(AppError::NotFound("That workload".into())),
            }
        }
    });
    let can_tick = crate::auth::may(Role::Editor);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the checklists…"</p> }>
            {move || {
                let typed = typed.clone();
                Suspend::new(async move {
                    match checklist.await {
                        Ok(checklist) => view! { <ChecklistView checklist query=query.get() typed can_tick /> }.into_any(),
                        Err(error) => super::failure(error),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn ChecklistView(checklist: WorkloadChecklist, query: ChecklistQuery, typed: Typed, can_tick: bool) -> impl IntoView {
    let workload = checklist.workload_id;
    let back = query.href(workload);
    let packs = checklist
        .packs
        .iter()
        .map(|pack| {
            let href = ChecklistQuery { pack: Some(pack.id.clone()), ..Default::default() }.href(workload);
            view! {
                <li class="pack-progress">
                    <a href=href>{pack.name.clone()}</a>
                    <span class="muted">{pack.progress.text()}</span>
                    <progress max=pack.progress.applicable.max(1) value=pack.progress.done>{pack.progress.text()}</progress>
                </li>
            }
        })
        .collect_view();
    let pillars = checklist
        .pillars
        .iter()
        .filter(|(_, progress)| progress.applicable > 0)
        .map(|(pillar, progress)| {
            let href = ChecklistQuery { pillar: Some(*pillar), ..Default::default() }.href(workload);
            view! { <li><a href=href>{pillar.name()}</a>" "<span class="muted">{progress.text()}</span></li> }
        })
        .collect_view();
    let shown = checklist.items.len();
    let total = checklist.total;
    let items = checklist
        .items
        .into_iter()
        .map(|line| {
            let typed = (typed.item == format!("{}/{}", line.pack_id, line.item_id)).then(|| typed.clone());
            view! { <ItemCard line workload back=back.clone() typed can_tick /> }
        })
        .collect_view();
    view! {
        <PageTitle text=format!("Checklists · {} · Plinth", checklist.workload_name) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            " / "
            <a href=format!("/workloads/{workload}")>{checklist.workload_name.clone()}</a>
            " / "
            <span aria-current="page">"Checklists"</span>
        </nav>
        <div class="page-head">
            <h1 class="page-title">"Checklists"</h1>
            <a class="button button-quiet" href=format!("/workloads/{workload}/answers")>"Well-Architected answers"</a>
        </div>
        <p class="lead">
            {if checklist.auto_tick {
                "Items whose AWS evidence passes tick themselves after each sync, and untick if it fails again; a person's \"not applicable\" always stands."
            } else {
                "Auto-tick is off for this workload: only people tick items."
            }}
        </p>
        {can_tick.then(|| view! {
            <form method="post" action=format!("/workloads/{workload}/checklist/auto-tick") class="inline-form">
                <input type="hidden" name="on" value=if checklist.auto_tick { "false" } else { "true" } />
                <button type="submit" class="button button-quiet">
                    {if checklist.auto_tick { "Turn auto-tick off" } else { "Turn auto-tick on" }}
                </button>
            </form>
        })}
        <div class="overview-columns">
            <section class="panel" aria-labelledby="packs-heading">
                <h2 id="packs-heading">"Packs"</h2>
                <ul class="plain-list">{packs}</ul>
            </section>
            <section class="panel" aria-labelledby="pillars-progress-heading">
                <h2 id="pillars-progress-heading">"By pillar"</h2>
                <ul class="plain-list">{pillars}</ul>
            </section>
        </div>
        <ChecklistFilters query=query.clone() workload packs=checklist.packs.iter().map(|p| (p.id.clone(), p.name.clone())).collect() />
        <p class="result-count" role="status">{format!("{shown} of {total} items")}</p>
        {(shown == 0).then(|| view! {
            <div class="empty-state">
                <p>"No item matches these filters. "<a href=format!("/workloads/{workload}/checklists")>"Show every item"</a></p>
            </div>
        })}
        <ol class="checklist" role="list">{items}</ol>
    }
}

#[component]
fn ChecklistFilters(query: ChecklistQuery, workload: Uuid, packs: Vec<(String, String)>) -> impl IntoView {
    let pack_options = packs
        .into_iter()
        .map(|(id, name)| {
            let selected = query.pack.as_deref() == Some(id.as_str());
            view! { <option value=id selected=selected>{name}</option> }
        })
        .collect_view();
    let pillar_options = Pillar::ALL
        .into_iter()
        .map(
            |pillar| view! { <option value=pillar.id() selected=query.pillar == Some(pillar)>{pillar.name()}</option> },
        )
        .collect_view();
    let state_options = TickState::ALL
        .into_iter()
        .map(
            |state| view! { <option value=state.as_str() selected=query.state == Some(state)>{state.label()}</option> },
        )
        .collect_view();
    let evidence_options = EvidenceState::ALL
        .into_iter()
        .map(|e| view! { <option value=e.as_str() selected=query.evidence == Some(e)>{e.label()}</option> })
        .collect_view();
    view! {
        <SubmitOnChange>
            <form method="get" action=format!("/workloads/{workload}/checklists") class="filters checklist-filters-gap">
                <div class="filter-grid">
                    <label>"Pack"<select name="pack"><option value="">"All packs"</option>{pack_options}</select></label>
                    <label>"Pillar"<select name="pillar"><option value="">"All pillars"</option>{pillar_options}</select></label>
                    <label>"State"<select name="state"><option value="">"Any state"</option>{state_options}</select></label>
                    <label>"Evidence"<select name="evidence"><option value="">"Any evidence"</option>{evidence_options}</select></label>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="button">"Apply filters"</button>
                    {query.is_filtered().then(|| view! {
                        <a class="button button-quiet" href=format!("/workloads/{workload}/checklists")>"Clear"</a>
                    })}
                </div>
            </form>
        </SubmitOnChange>
    }
}

fn evidence_class(evidence: EvidenceState) -> &'static str {
    match evidence {
        EvidenceState::Passing => "result result-passed",
        EvidenceState::Failing => "result result-failed",
        EvidenceState::NoData | EvidenceState::Manual => "result result-none",
    }
}

#[component]
fn ItemCard(line: ChecklistLine, workload: Uuid, back: String, typed: Option<Typed>, can_tick: bool) -> impl IntoView {
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
