//! The Well-Architected Tool: workloads, their lens reviews, every answer
//! with its question and choices, improvement plans and milestones.

use std::collections::{BTreeMap, HashMap};

use app::domain::Risk;
use aws_sdk_wellarchitected::Client;
use aws_sdk_wellarchitected::types::Risk as SdkRisk;

use super::error::fetch_error;
use super::pages::every_page;
use super::rate::RateLimiter;
use super::time::from_smithy;
use crate::sources::FetchError;
use crate::sources::records::{
    Answer, Choice, ChoiceAnswer, Improvement, ImprovementPlan, LensReview, Milestone, RiskCounts, WaSnapshot,
    WaWorkload,
};

/// Every workload the Well-Architected Tool holds in one account and region.
pub async fn snapshot(
    client: &Client,
    limiter: &RateLimiter,
    account_id: &str,
    region: &str,
) -> Result<WaSnapshot, FetchError> {
    let mut snapshot = WaSnapshot::default();
    let mut ids = Vec::new();
    let pages =
        every_page(client.list_workloads().into_paginator().send(), limiter, "ListWorkloads", &mut snapshot.pages)
            .await?;
    for page in pages {
        ids.extend(page.workload_summaries().iter().filter_map(|w| w.workload_id().map(str::to_owned)));
    }
    for id in ids {
        let workload = workload(client, limiter, &id, account_id, region, &mut snapshot.pages).await?;
        snapshot.workloads.push(workload);
    }
    Ok(snapshot)
}

async fn workload(
    client: &Client,
    limiter: &RateLimiter,
    id: &str,
    account_id: &str,
    region: &str,
    pages_read: &mut u32,
) -> Result<WaWorkload, FetchError> {
    limiter.acquire().await;
    let output =
        client.get_workload().workload_id(id).send().await.map_err(|error| fetch_error("GetWorkload", error))?;
    *pages_read += 1;
    let found = output.workload();
    let mut workload = WaWorkload {
        id: id.to_owned(),
        owner_account_id: account_id.to_owned(),
        home_region: region.to_owned(),
        arn: found.and_then(|w| w.workload_arn()).map(str::to_owned),
        name: found.and_then(|w| w.workload_name()).unwrap_or(id).to_owned(),
        description: found.and_then(|w| w.description()).map(str::to_owned),
        environment: found.and_then(|w| w.environment()).map(|e| e.as_str().to_owned()),
        review_owner: found.and_then(|w| w.review_owner()).map(str::to_owned),
        account_ids: found.map(|w| w.account_ids().to_vec()).unwrap_or_default(),
        aws_regions: found.map(|w| w.aws_regions().to_vec()).unwrap_or_default(),
        pillar_priorities: found.map(|w| w.pillar_priorities().to_vec()).unwrap_or_default(),
        lenses: found.map(|w| w.lenses().to_vec()).unwrap_or_default(),
        risk_counts: risk_counts(found.and_then(|w| w.risk_counts())),
        improvement_status: found.and_then(|w| w.improvement_status()).map(|s| s.as_str().to_owned()),
        updated_at: from_smithy(found.and_then(|w| w.updated_at())),
        lens_reviews: Vec::new(),
        milestones: Vec::new(),
    };

    let mut aliases = Vec::new();
    let pages = every_page(
        client.list_lens_reviews().workload_id(id).into_paginator().send(),
        limiter,
        "ListLensReviews",
        pages_read,
    )
    .await?;
    for page in pages {
        aliases.extend(page.lens_review_summaries().iter().filter_map(|r| r.lens_alias().map(str::to_owned)));
    }
    for alias in aliases {
        workload.lens_reviews.push(lens_review(client, limiter, id, &alias, pages_read).await?);
    }

    let pages = every_page(
        client.list_milestones().workload_id(id).into_paginator().send(),
        limiter,
        "ListMilestones",
        pages_read,
    )
    .await?;
    for page in pages {
        for milestone in page.milestone_summaries() {
            let Some(number) = milestone.milestone_number() else {
                continue;
            };
            workload.milestones.push(Milestone {
                number,
                name: milestone.milestone_name().unwrap_or_default().to_owned(),
                recorded_at: from_smithy(milestone.recorded_at()),
                answers: Vec::new(),
            });
        }
    }
    Ok(workload)
}

async fn lens_review(
    client: &Client,
    limiter: &RateLimiter,
    workload_id: &str,
    alias: &str,
    pages_read: &mut u32,
) -> Result<LensReview, FetchError> {
    limiter.acquire().await;
    let output = client
        .get_lens_review()
        .workload_id(workload_id)
        .lens_alias(alias)
        .send()
        .await
        .map_err(|error| fetch_error("GetLensReview", error))?;
    *pages_read += 1;
    let found = output.lens_review();
    let pillars: Vec<String> = found
        .map(|review| {
            review.pillar_review_summaries().iter().filter_map(|p| p.pillar_id().map(str::to_owned)).collect()
        })
        .unwrap_or_default();
    let mut review = LensReview {
        lens_alias: alias.to_owned(),
        lens_version: found.and_then(|r| r.lens_version()).map(str::to_owned),
        lens_name: found.and_then(|r| r.lens_name()).map(str::to_owned),
        lens_status: found.and_then(|r| r.lens_status()).map(|s| s.as_str().to_owned()),
        notes: found.and_then(|r| r.notes()).map(str::to_owned),
        risk_counts: risk_counts(found.and_then(|r| r.risk_counts())),
        pillar_risk_counts: found
            .map(|r| {
                r.pillar_review_summaries()
                    .iter()
                    .filter_map(|p| Some((p.pillar_id()?.to_owned(), risk_counts(p.risk_counts()))))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default(),
        updated_at: from_smithy(found.and_then(|r| r.updated_at())),
        answers: Vec::new(),
        improvements: Vec::new(),
    };

    for pillar in &pillars {
        let pages = every_page(
            client.list_answers().workload_id(workload_id).lens_alias(alias).pillar_id(pillar).into_paginator().send(),
            limiter,
            "ListAnswers",
            pages_read,
        )
        .await?;
        for page in pages {
            review.answers.extend(page.answer_summaries().iter().filter_map(|answer| {
                Some(Answer {
                    question_id: answer.question_id()?.to_owned(),
                    pillar: answer.pillar_id().unwrap_or(pillar).to_owned(),
                    question_title: answer.question_title().map(str::to_owned),
                    choices: answer
                        .choices()
                        .iter()
                        .filter_map(|choice| {
                            Some(Choice {
                                id: choice.choice_id()?.to_owned(),
                                title: choice.title().unwrap_or_default().to_owned(),
                                description: choice.description().map(str::to_owned),
                            })
                        })
                        .collect(),
                    selected_choices: answer.selected_choices().to_vec(),
                    choice_answers: answer
                        .choice_answer_summaries()
                        .iter()
                        .filter_map(|choice| {
                            Some(ChoiceAnswer {
                                choice_id: choice.choice_id()?.to_owned(),
                                status: choice.status().map(|s| s.as_str().to_owned()),
                                reason: choice.reason().map(|r| r.as_str().to_owned()),
                                notes: None,
                            })
                        })
                        .collect(),
                    risk: answer.risk().and_then(|risk| Risk::parse(risk.as_str()).ok()),
                    is_applicable: answer.is_applicable().unwrap_or(true),
                    reason: answer.reason().map(|r| r.as_str().to_owned()),
                    // ListAnswers carries no notes; GetAnswer would, at a call per question.
                    notes: None,
                })
            }));
        }
    }

    let pages = every_page(
        client.list_lens_review_improvements().workload_id(workload_id).lens_alias(alias).into_paginator().send(),
        limiter,
        "ListLensReviewImprovements",
        pages_read,
    )
    .await?;
    for page in pages {
        review.improvements.extend(page.improvement_summaries().iter().filter_map(|improvement| {
            Some(Improvement {
                question_id: improvement.question_id()?.to_owned(),
                pillar: improvement.pillar_id().unwrap_or_default().to_owned(),
                question_title: improvement.question_title().map(str::to_owned),
                risk: improvement.risk().and_then(|risk| Risk::parse(risk.as_str()).ok()),
                improvement_plan_url: improvement.improvement_plan_url().map(str::to_owned),
                plans: improvement
                    .improvement_plans()
                    .iter()
                    .filter_map(|plan| {
                        Some(ImprovementPlan {
                            choice_id: plan.choice_id()?.to_owned(),
                            display_text: plan.display_text().map(str::to_owned),
                            url: plan.improvement_plan_url().map(str::to_owned),
                        })
                    })
                    .collect(),
            })
        }));
    }
    Ok(review)
}

fn risk_counts(counts: Option<&HashMap<SdkRisk, i32>>) -> RiskCounts {
    counts.into_iter().flatten().filter_map(|(risk, count)| Some((Risk::parse(risk.as_str()).ok()?, *count))).collect()
}
