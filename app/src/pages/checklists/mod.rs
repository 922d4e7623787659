//! A workload's checklists: progress per pack and pillar, the items with
//! their evidence, and ticking through plain forms (editors and admins).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::components::{PageTitle, SubmitOnChange};
use crate::domain::checklists::{ChecklistQuery, EvidenceState, TickRefusal, TickState, WorkloadChecklist};
use crate::domain::{Pillar, Role};
use crate::error::AppError;
use crate::server_fns::get_checklist;

mod item;

use self::item::ItemCard;

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
