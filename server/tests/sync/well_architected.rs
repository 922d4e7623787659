use std::collections::HashMap;

use aws_sdk_wellarchitected::Client;
use aws_sdk_wellarchitected::operation::get_lens_review::GetLensReviewOutput;
use aws_sdk_wellarchitected::operation::get_workload::GetWorkloadOutput;
use aws_sdk_wellarchitected::operation::list_answers::ListAnswersOutput;
use aws_sdk_wellarchitected::operation::list_lens_review_improvements::ListLensReviewImprovementsOutput;
use aws_sdk_wellarchitected::operation::list_lens_reviews::ListLensReviewsOutput;
use aws_sdk_wellarchitected::operation::list_milestones::ListMilestonesOutput;
use aws_sdk_wellarchitected::operation::list_workloads::ListWorkloadsOutput;
use aws_sdk_wellarchitected::types::{
    AnswerSummary, Choice, ChoiceAnswerSummary, ChoiceImprovementPlan, ChoiceStatus, ImprovementSummary, LensReview,
    LensReviewSummary, MilestoneSummary, PillarReviewSummary, Risk, Workload, WorkloadEnvironment, WorkloadSummary,
};
use aws_smithy_mocks::{Rule, mock};
use server::sources::Service;
use server::sync::summary::RunStatus;
use sqlx::PgPool;

use crate::helpers::{IRELAND, PRODUCTION, STAGING, clients, settings, source, sync};

const WORKLOAD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn counts(high: i32, medium: i32, none: i32) -> HashMap<Risk, i32> {
    HashMap::from([(Risk::High, high), (Risk::Medium, medium), (Risk::None, none)])
}

fn answer(question: &str, pillar: &str, risk: Risk, selected: &[&str]) -> AnswerSummary {
    let mut builder = AnswerSummary::builder()
        .question_id(question)
        .pillar_id(pillar)
        .question_title(format!("How do you handle {question}?"))
        .risk(risk)
        .is_applicable(true);
    for choice in [format!("{question}_practice_a"), format!("{question}_practice_b"), format!("{question}_no")] {
        builder = builder.choices(Choice::builder().choice_id(&choice).title(format!("Practice {choice}")).build());
    }
    for choice in selected {
        builder = builder.selected_choices(*choice).choice_answer_summaries(
            ChoiceAnswerSummary::builder().choice_id(*choice).status(ChoiceStatus::Selected).build(),
        );
    }
    builder.build()
}

/// Every Well-Architected call the sync makes, with a second page where
/// the API paginates.
fn review_rules() -> Vec<Rule> {
    vec![
        mock!(Client::list_workloads).then_compute_output(|request| match request.next_token() {
            None => ListWorkloadsOutput::builder()
                .workload_summaries(WorkloadSummary::builder().workload_id(WORKLOAD).workload_name("Checkout").build())
                .next_token("2")
                .build(),
            Some(_) => ListWorkloadsOutput::builder().build(),
        }),
        mock!(Client::get_workload).then_output(|| {
            GetWorkloadOutput::builder()
                .workload(
                    Workload::builder()
                        .workload_id(WORKLOAD)
                        .workload_name("Checkout")
                        .environment(WorkloadEnvironment::Production)
                        .review_owner("dana@example.com")
                        .account_ids(PRODUCTION)
                        .account_ids(STAGING)
                        .aws_regions(IRELAND)
                        .lenses("wellarchitected")
                        .pillar_priorities("security")
                        .set_risk_counts(Some(counts(1, 1, 1)))
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_lens_reviews).then_compute_output(|request| match request.next_token() {
            None => ListLensReviewsOutput::builder()
                .lens_review_summaries(LensReviewSummary::builder().lens_alias("wellarchitected").build())
                .next_token("2")
                .build(),
            Some(_) => ListLensReviewsOutput::builder().build(),
        }),
        mock!(Client::get_lens_review).then_output(|| {
            GetLensReviewOutput::builder()
                .workload_id(WORKLOAD)
                .lens_review(
                    LensReview::builder()
                        .lens_alias("wellarchitected")
                        .lens_version("2024-06-27")
                        .lens_name("AWS Well-Architected Framework")
                        .set_risk_counts(Some(counts(1, 1, 1)))
                        .pillar_review_summaries(
                            PillarReviewSummary::builder()
                                .pillar_id("security")
                                .set_risk_counts(Some(counts(1, 0, 1)))
                                .build(),
                        )
                        .pillar_review_summaries(
                            PillarReviewSummary::builder()
                                .pillar_id("reliability")
                                .set_risk_counts(Some(counts(0, 1, 0)))
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_answers).then_compute_output(|request| {
            let pillar = request.pillar_id().expect("answers are read per pillar");
            match (pillar, request.next_token()) {
                ("security", None) => ListAnswersOutput::builder()
                    .answer_summaries(answer(
                        "securely-operate",
                        "security",
                        Risk::None,
                        &["securely-operate_practice_a"],
                    ))
                    .next_token("2")
                    .build(),
                ("security", Some(_)) => ListAnswersOutput::builder()
                    .answer_summaries(answer("identities", "security", Risk::High, &[]))
                    .build(),
                (_, _) => ListAnswersOutput::builder()
                    .answer_summaries(answer("backups", "reliability", Risk::Medium, &["backups_practice_a"]))
                    .build(),
            }
        }),
        mock!(Client::list_lens_review_improvements).then_compute_output(|request| match request.next_token() {
            None => ListLensReviewImprovementsOutput::builder()
                .improvement_summaries(
                    ImprovementSummary::builder()
                        .question_id("identities")
                        .pillar_id("security")
                        .risk(Risk::High)
                        .improvement_plan_url(
                            "https://docs.aws.amazon.com/wellarchitected/latest/framework/sec-identities.html",
                        )
                        .improvement_plans(
                            ChoiceImprovementPlan::builder()
                                .choice_id("identities_practice_a")
                                .display_text("Use strong sign-in")
                                .build(),
                        )
                        .build(),
                )
                .next_token("2")
                .build(),
            Some(_) => ListLensReviewImprovementsOutput::builder()
                .improvement_summaries(
                    ImprovementSummary::builder()
                        .question_id("backups")
                        .pillar_id("reliability")
                        .risk(Risk::Medium)
                        .build(),
                )
                .build(),
        }),
        mock!(Client::list_milestones).then_compute_output(|request| match request.next_token() {
            None => ListMilestonesOutput::builder()
                .milestone_summaries(
                    MilestoneSummary::builder().milestone_number(1).milestone_name("June review").build(),
                )
                .next_token("2")
                .build(),
            Some(_) => ListMilestonesOutput::builder()
                .milestone_summaries(
                    MilestoneSummary::builder().milestone_number(2).milestone_name("November review").build(),
                )
                .build(),
        }),
    ]
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_review_is_stored_with_every_answer_improvement_and_milestone(pool: PgPool) {
    let rules = review_rules();
    let wa: Vec<&Rule> = rules.iter().collect();
    let source = source(settings(Service::WellArchitected, &[IRELAND]), vec![(IRELAND, clients(&[], &[], &wa))]);

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    let workload = sqlx::query!(
        "SELECT w.name, w.environment, w.review_owner, w.account_ids, w.regions, wa.risk_counts
         FROM workloads w JOIN wa_workloads wa USING (wa_workload_id)"
    )
    .fetch_one(&pool)
    .await
    .expect("the workload is listed");
    assert_eq!(workload.name, "Checkout");
    assert_eq!(workload.environment.as_deref(), Some("PRODUCTION"));
    assert_eq!(workload.review_owner.as_deref(), Some("dana@example.com"));
    assert_eq!(workload.account_ids, vec![PRODUCTION, STAGING]);
    assert_eq!(workload.regions, vec![IRELAND]);
    assert_eq!(workload.risk_counts["HIGH"], 1);

    let answers =
        sqlx::query!("SELECT question_id, pillar, risk, selected_choices FROM wa_answers ORDER BY question_id")
            .fetch_all(&pool)
            .await
            .expect("the answers");
    let questions: Vec<&str> = answers.iter().map(|a| a.question_id.as_str()).collect();
    assert_eq!(questions, ["backups", "identities", "securely-operate"], "both pages of the security pillar");
    assert_eq!(answers[1].risk.as_deref(), Some("HIGH"));
    assert_eq!(answers[2].selected_choices, vec!["securely-operate_practice_a"]);

    let choices = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM wa_choices WHERE lens_alias = 'wellarchitected' AND lens_version = '2024-06-27'"#
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    assert_eq!(choices, 9, "the catalogue keeps every choice of every question");
    let pillar_counts = sqlx::query_scalar!("SELECT pillar_risk_counts FROM wa_lens_reviews")
        .fetch_one(&pool)
        .await
        .expect("the review");
    assert_eq!(pillar_counts["reliability"]["MEDIUM"], 1);
    let improvements =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM wa_improvements"#).fetch_one(&pool).await.expect("a count");
    assert_eq!(improvements, 2);
    let milestones = sqlx::query_scalar!("SELECT milestone_name FROM wa_milestones ORDER BY milestone_number")
        .fetch_all(&pool)
        .await
        .expect("the milestones");
    assert_eq!(milestones, ["June review", "November review"]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_workload_keeps_its_plinth_id_across_syncs(pool: PgPool) {
    let rules = review_rules();
    let wa: Vec<&Rule> = rules.iter().collect();
    let source = source(settings(Service::WellArchitected, &[IRELAND]), vec![(IRELAND, clients(&[], &[], &wa))]);

    sync(&pool, &source, false).await;
    let first = sqlx::query_scalar!("SELECT id FROM workloads").fetch_one(&pool).await.expect("a workload");
    sync(&pool, &source, false).await;
    let ids = sqlx::query_scalar!("SELECT id FROM workloads").fetch_all(&pool).await.expect("the workloads");

    assert_eq!(ids, vec![first]);
    let answers =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM wa_answers"#).fetch_one(&pool).await.expect("a count");
    assert_eq!(answers, 3, "answers are replaced, not added again");
}

mod write_back {
    use aws_sdk_wellarchitected::Client;
    use aws_sdk_wellarchitected::operation::get_answer::GetAnswerOutput;
    use aws_sdk_wellarchitected::operation::update_answer::UpdateAnswerOutput;
    use aws_sdk_wellarchitected::types::{Answer, ChoiceAnswer, ChoiceReason, ChoiceStatus, Risk};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use server::aws::answers::{AnswerUpdate, RemoteAnswer, WriteBack, write_answer};
    use server::aws::rate::RateLimiter;

    fn update() -> AnswerUpdate {
        AnswerUpdate {
            wa_workload_id: super::WORKLOAD.into(),
            lens_alias: "wellarchitected".into(),
            question_id: "securely-operate".into(),
            selected: vec!["sec_securely_operate_multi_accounts".into(), "sec_securely_operate_aws_account".into()],
            not_applicable: vec![("sec_securely_operate_test_validate_pipeline".into(), "No pipelines here".into())],
            synced: vec!["sec_securely_operate_aws_account".into()],
            synced_not_applicable: vec![],
        }
    }

    fn remote(selected: &[&str]) -> GetAnswerOutput {
        let mut answer = Answer::builder().question_id("securely-operate");
        for choice in selected {
            answer = answer.selected_choices(*choice);
        }
        GetAnswerOutput::builder().answer(answer.build()).build()
    }

    #[tokio::test]
    async fn the_update_carries_exactly_the_selected_choices_and_the_not_applicable_ones() {
        let get = mock!(Client::get_answer).then_output(|| remote(&["sec_securely_operate_aws_account"]));
        let put = mock!(Client::update_answer)
            .match_requests(|request| {
                let mut selected = request.selected_choices().to_vec();
                selected.sort();
                let na = request
                    .choice_updates()
                    .and_then(|updates| updates.get("sec_securely_operate_test_validate_pipeline"));
                request.workload_id() == Some(super::WORKLOAD)
                    && request.question_id() == Some("securely-operate")
                    && selected == ["sec_securely_operate_aws_account", "sec_securely_operate_multi_accounts"]
                    && request.choice_updates().is_some_and(|updates| updates.len() == 1)
                    && na.is_some_and(|na| {
                        na.status() == Some(&ChoiceStatus::NotApplicable) && na.notes() == Some("No pipelines here")
                    })
            })
            .then_output(|| UpdateAnswerOutput::builder().answer(Answer::builder().risk(Risk::Medium).build()).build());
        let client = mock_client!(aws_sdk_wellarchitected, RuleMode::MatchAny, [&get, &put]);

        let outcome = write_answer(&client, &RateLimiter::new(100.0, 10), &update()).await.expect("written");

        assert_eq!(outcome, WriteBack::Written { risk: Some(app::domain::Risk::Medium) });
        assert_eq!(put.num_calls(), 1, "one UpdateAnswer with exactly these choices");
    }

    #[tokio::test]
    async fn an_answer_changed_in_aws_since_the_sync_is_a_conflict_and_nothing_is_written() {
        let get = mock!(Client::get_answer)
            .then_output(|| remote(&["sec_securely_operate_aws_account", "sec_securely_operate_control_objectives"]));
        let put = mock!(Client::update_answer).then_output(|| UpdateAnswerOutput::builder().build());
        let client = mock_client!(aws_sdk_wellarchitected, RuleMode::MatchAny, [&get, &put]);

        let outcome = write_answer(&client, &RateLimiter::new(100.0, 10), &update()).await.expect("answered");

        assert_eq!(
            outcome,
            WriteBack::Conflict {
                remote: RemoteAnswer {
                    selected: vec![
                        "sec_securely_operate_aws_account".into(),
                        "sec_securely_operate_control_objectives".into()
                    ],
                    not_applicable: vec![],
                    risk: None,
                },
                ours: vec!["sec_securely_operate_aws_account".into(), "sec_securely_operate_multi_accounts".into()],
            }
        );
        assert_eq!(put.num_calls(), 0, "nothing is overwritten");
    }

    #[tokio::test]
    async fn a_choice_marked_not_applicable_in_aws_since_the_sync_is_a_conflict_too() {
        let get = mock!(Client::get_answer).then_output(|| {
            let answer = Answer::builder()
                .selected_choices("sec_securely_operate_aws_account")
                .choice_answers(
                    ChoiceAnswer::builder()
                        .choice_id("sec_securely_operate_multi_accounts")
                        .status(ChoiceStatus::NotApplicable)
                        .reason(ChoiceReason::OutOfScope)
                        .build(),
                )
                .build();
            GetAnswerOutput::builder().answer(answer).build()
        });
        let put = mock!(Client::update_answer).then_output(|| UpdateAnswerOutput::builder().build());
        let client = mock_client!(aws_sdk_wellarchitected, RuleMode::MatchAny, [&get, &put]);

        let outcome = write_answer(&client, &RateLimiter::new(100.0, 10), &update()).await.expect("answered");

        let WriteBack::Conflict { remote, .. } = outcome else { panic!("expected a conflict, got {outcome:?}") };
        assert_eq!(remote.not_applicable, vec![("sec_securely_operate_multi_accounts".into(), "OUT_OF_SCOPE".into())]);
        assert_eq!(put.num_calls(), 0, "nothing is overwritten");
    }

    #[tokio::test]
    async fn only_choices_whose_applicability_changes_are_sent_and_aws_reasons_stay() {
        // AWS has one choice not applicable (kept as is) and another that
        // applies again now: the team follows it.
        let remote_answer = || {
            let na = |id: &str, notes: &str| {
                ChoiceAnswer::builder()
                    .choice_id(id)
                    .status(ChoiceStatus::NotApplicable)
                    .reason(ChoiceReason::Other)
                    .notes(notes)
                    .build()
            };
            let answer = Answer::builder()
                .selected_choices("sec_securely_operate_aws_account")
                .choice_answers(na("sec_securely_operate_test_validate_pipeline", "No pipelines here"))
                .choice_answers(na("sec_securely_operate_multi_accounts", "One account only"))
                .build();
            GetAnswerOutput::builder().answer(answer).build()
        };
        let get = mock!(Client::get_answer).then_output(remote_answer);
        let put = mock!(Client::update_answer)
            .match_requests(|request| {
                let updates = request.choice_updates().cloned().unwrap_or_default();
                updates.len() == 1
                    && updates
                        .get("sec_securely_operate_multi_accounts")
                        .is_some_and(|update| update.status() == Some(&ChoiceStatus::Selected))
            })
            .then_output(|| UpdateAnswerOutput::builder().build());
        let client = mock_client!(aws_sdk_wellarchitected, RuleMode::MatchAny, [&get, &put]);
        let update = AnswerUpdate {
            synced_not_applicable: vec![
                "sec_securely_operate_multi_accounts".into(),
                "sec_securely_operate_test_validate_pipeline".into(),
            ],
            ..update()
        };

        let outcome = write_answer(&client, &RateLimiter::new(100.0, 10), &update).await.expect("written");

        assert_eq!(outcome, WriteBack::Written { risk: None });
        assert_eq!(put.num_calls(), 1, "one update: the choice that applies again, as selected");
    }
}
