//! Demo Well-Architected reviews: every question of the `wellarchitected`
//! lens answered as far as the team has got in each pillar, improvement
//! plans for the risks, and milestones over the last six months, each a
//! past state of the answers.

use std::collections::BTreeMap;

use app::domain::Risk;
use chrono::Duration;

use super::organisation::{DemoWorkload, Organisation};
use super::roll;
use crate::lens::{LensQuestion, WELL_ARCHITECTED};
use crate::sources::records::{
    Answer, Choice, ChoiceAnswer, Improvement, ImprovementPlan, LensReview, Milestone, MilestoneAnswer, RiskCounts,
    WaSnapshot, WaWorkload,
};

/// Days before today of each milestone, oldest first.
const MILESTONE_DAYS: [i64; 5] = [168, 130, 95, 58, 21];
const MILESTONE_NAMES: [&str; 5] =
    ["Initial review", "After the Q3 planning", "Mid-quarter check", "Pre-launch review", "Latest review"];
const NOTES: [&str; 6] = [
    "Tracked in the platform backlog; owner agreed at the last review.",
    "Partly done: the production accounts are covered, staging is not yet.",
    "We rely on the shared-services team for this; see their runbook.",
    "Accepted for now: the workload holds no customer data.",
    "Automated in the deployment pipeline since the last milestone.",
    "Needs a decision from the architecture board.",
];

pub fn snapshot(org: &Organisation, account: &str, region: &str) -> WaSnapshot {
    let workloads = org
        .workloads
        .iter()
        .filter(|w| w.home_account == account && w.home_region == region)
        .map(|w| workload(org, w))
        .collect();
    WaSnapshot { workloads, pages: 0 }
}

fn workload(org: &Organisation, w: &DemoWorkload) -> WaWorkload {
    let answers = answers_at(org, w, 1.0);
    let milestones = MILESTONE_DAYS
        .iter()
        .zip(MILESTONE_NAMES)
        .enumerate()
        .map(|(index, (days, name))| {
            // Earlier milestones: the team had got less far.
            let progress = 0.55 + 0.45 * (index as f64 + 1.0) / MILESTONE_DAYS.len() as f64;
            Milestone {
                number: index as i32 + 1,
                name: name.into(),
                recorded_at: Some(org.anchor - Duration::days(*days)),
                answers: answers_at(org, w, progress)
                    .into_iter()
                    .map(|a| MilestoneAnswer {
                        question_id: a.question_id,
                        pillar: a.pillar,
                        risk: a.risk,
                        selected_choices: a.selected_choices,
                    })
                    .collect(),
            }
        })
        .collect();
    let improvements = improvements(&answers);
    let risk_counts = count_risks(answers.iter());
    let pillar_risk_counts = WELL_ARCHITECTED
        .pillars
        .iter()
        .map(|pillar| (pillar.id.clone(), count_risks(answers.iter().filter(|a| a.pillar == pillar.id))))
        .collect();
    WaWorkload {
        id: w.id.clone(),
        owner_account_id: w.home_account.clone(),
        home_region: w.home_region.clone(),
        arn: Some(format!("arn:aws:wellarchitected:{}:{}:workload/{}", w.home_region, w.home_account, w.id)),
        name: w.name.clone(),
        description: Some(w.description.clone()),
        environment: Some(w.environment.into()),
        review_owner: Some(w.review_owner.clone()),
        account_ids: w.account_ids.clone(),
        aws_regions: w.regions.clone(),
        pillar_priorities: vec!["security".into(), "reliability".into()],
        lenses: vec![WELL_ARCHITECTED.lens_alias.clone()],
        risk_counts: risk_counts.clone(),
        improvement_status: Some("IN_PROGRESS".into()),
        updated_at: Some(org.anchor - Duration::days(3)),
        lens_reviews: vec![LensReview {
            lens_alias: WELL_ARCHITECTED.lens_alias.clone(),
            lens_version: Some(WELL_ARCHITECTED.lens_version.clone()),
            lens_name: Some("AWS Well-Architected Framework".into()),
            lens_status: Some("CURRENT".into()),
            notes: None,
            risk_counts,
            pillar_risk_counts,
            updated_at: Some(org.anchor - Duration::days(3)),
            answers,
            improvements,
        }],
        milestones,
    }
}

/// The answers with the team `progress` of the way to where it is today:
/// a practice selected earlier stays selected later.
fn answers_at(org: &Organisation, w: &DemoWorkload, progress: f64) -> Vec<Answer> {
    let seed = org.spec.seed;
    WELL_ARCHITECTED
        .pillars
        .iter()
        .enumerate()
        .flat_map(|(p, pillar)| {
            pillar.questions.iter().map(move |question| {
                let dice = |what: &str| roll(seed, &[what, &w.id, &question.id]);
                let maturity = w.maturity[p] * progress;
                answer(
                    question,
                    &pillar.id,
                    maturity,
                    dice("unanswered") < 0.05,
                    dice("not-applicable") < 0.03,
                    &|choice| roll(seed, &["practice", &w.id, choice]),
                    (dice("note") < 0.15).then(|| NOTES[(dice("which-note") * NOTES.len() as f64) as usize].to_owned()),
                )
            })
        })
        .collect()
}

fn answer(
    question: &LensQuestion,
    pillar: &str,
    maturity: f64,
    unanswered: bool,
    not_applicable: bool,
    practice_dice: &dyn Fn(&str) -> f64,
    notes: Option<String>,
) -> Answer {
    let practices: Vec<&str> =
        question.choices.iter().filter(|c| !c.is_none_of_these()).map(|c| c.id.as_str()).collect();
    let selected: Vec<String> = if unanswered || not_applicable {
        Vec::new()
    } else {
        practices.iter().filter(|id| practice_dice(id) < maturity).map(|id| (*id).to_owned()).collect()
    };
    let share = selected.len() as f64 / practices.len().max(1) as f64;
    let risk = match (unanswered, not_applicable) {
        (true, _) => Risk::Unanswered,
        (_, true) => Risk::NotApplicable,
        _ if share >= 0.8 => Risk::None,
        _ if share >= 0.45 => Risk::Medium,
        _ => Risk::High,
    };
    Answer {
        question_id: question.id.clone(),
        pillar: pillar.to_owned(),
        question_title: Some(question.title.clone()),
        choices: question
            .choices
            .iter()
            .map(|c| Choice { id: c.id.clone(), title: c.title.clone(), description: None })
            .collect(),
        choice_answers: selected
            .iter()
            .map(|id| ChoiceAnswer {
                choice_id: id.clone(),
                status: Some("SELECTED".into()),
                reason: None,
                notes: None,
            })
            .collect(),
        selected_choices: selected,
        risk: Some(risk),
        is_applicable: !not_applicable,
        reason: not_applicable.then(|| "OUT_OF_SCOPE".into()),
        notes: if unanswered { None } else { notes },
    }
}

fn improvements(answers: &[Answer]) -> Vec<Improvement> {
    answers
        .iter()
        .filter(|a| matches!(a.risk, Some(Risk::High | Risk::Medium)))
        .map(|a| {
            let missing: Vec<&Choice> =
                a.choices.iter().filter(|c| !a.selected_choices.contains(&c.id) && !c.id.ends_with("_no")).collect();
            Improvement {
                question_id: a.question_id.clone(),
                pillar: a.pillar.clone(),
                question_title: a.question_title.clone(),
                risk: a.risk,
                improvement_plan_url: missing.first().map(|c| framework_page(&c.id)),
                plans: missing
                    .iter()
                    .map(|c| ImprovementPlan {
                        choice_id: c.id.clone(),
                        display_text: Some(c.title.clone()),
                        url: Some(framework_page(&c.id)),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The framework's documentation page of a best practice.
fn framework_page(choice_id: &str) -> String {
    format!("https://docs.aws.amazon.com/wellarchitected/latest/framework/{choice_id}.html")
}

fn count_risks<'a>(answers: impl Iterator<Item = &'a Answer>) -> RiskCounts {
    let mut counts: RiskCounts = BTreeMap::new();
    for answer in answers {
        if let Some(risk) = answer.risk {
            *counts.entry(risk).or_default() += 1;
        }
    }
    counts
}
