//! The contract carries every field of the view models it is built from:
//! today the API sends exactly what the pages' types would serialise to.

use app::domain::{self, checklists, remediation, sync};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::PartialSchema;
use uuid::Uuid;

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, day).expect("a date")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// What the contract sends for a view model, and what the view model
/// itself serialises to.
fn sent_and_viewed<D: Serialize, C: Serialize + From<D>>(view: D) -> (Value, Value) {
    let viewed = serde_json::to_value(&view).expect("a view model serialises");
    let sent = serde_json::to_value(C::from(view)).expect("a contract type serialises");
    (sent, viewed)
}

fn workload() -> domain::WorkloadDetail {
    domain::WorkloadDetail {
        id: id(1),
        name: "Checkout".into(),
        description: "Takes the money".into(),
        environment: Some("production".into()),
        review_owner: Some("ana@example.com".into()),
        account_ids: vec!["111122223333".into()],
        account_names: [("111122223333".to_owned(), "Payments".to_owned())].into(),
        regions: vec!["eu-west-1".into()],
        pillars: vec![domain::PillarDetail {
            pillar: domain::Pillar::Reliability,
            score: Some(61.5),
            review: Some(70.0),
            evidence: Some(50.25),
            checklist: None,
            review_coverage: 1.0,
            evidence_coverage: 0.5,
            checklist_coverage: 0.0,
            risks: domain::RiskCounts { high: 1, medium: 2, none: 3, unanswered: 4, not_applicable: 5 },
        }],
        mapping_version: Some("2026.11".into()),
        trends: vec![domain::PillarTrend {
            pillar: domain::Pillar::Security,
            points: vec![domain::TrendPoint { taken_at: at(0), score: Some(64.5) }],
        }],
        milestones: vec![domain::Milestone { number: 2, name: "Go-live".into(), recorded_at: Some(at(60)) }],
        questions: vec![domain::QuestionAnswer {
            pillar: domain::Pillar::Security,
            id: "sec-1".into(),
            title: "How do you manage identities?".into(),
            risk: Some(domain::Risk::Medium),
            notes: Some("SSO everywhere".into()),
            choices: vec![domain::ChoiceLine {
                id: "sec_1_a".into(),
                title: "Use a strong sign-in".into(),
                selected: false,
                improvement_url: Some("https://example.com/improve".into()),
                evidence: vec![domain::EvidenceRef { kind: "control".into(), id: "IAM.6".into(), passed: Some(false) }],
            }],
            improvement_url: Some("https://example.com/plan".into()),
        }],
        review_updated_at: Some(at(120)),
        remediation: remediation::RemediationProgress { active: 1, overdue: 2, resolved: 3, accepted: 4, total: 10 },
        review_source: Some("aws".into()),
    }
}

#[test]
fn a_workload_is_sent_with_every_field_of_its_view_model() {
    let (sent, viewed) = sent_and_viewed::<_, WorkloadDetail>(workload());
    assert_eq!(sent, viewed);
}

#[test]
fn a_workloads_scores_are_its_pillars_with_their_rounded_mean() {
    let sent = serde_json::to_value(Scores::from(workload())).expect("scores serialise");
    assert_eq!(sent["overall"], 62, "one pillar of 61.5, rounded");
    assert_eq!(sent["pillars"], serde_json::to_value(&workload().pillars).expect("pillars serialise"));
}

#[test]
fn a_checklist_is_sent_with_every_field_of_its_view_model() {
    let progress = checklists::Progress { done: 2, applicable: 3 };
    let checklist = checklists::WorkloadChecklist {
        workload_id: id(1),
        workload_name: "Checkout".into(),
        auto_tick: true,
        packs: vec![checklists::PackLine {
            id: "aws-security".into(),
            name: "AWS security".into(),
            description: "The basics".into(),
            built_in: true,
            progress: progress.clone(),
        }],
        pillars: vec![(domain::Pillar::Security, progress)],
        items: vec![checklists::ChecklistLine {
            pack_id: "aws-security".into(),
            item_id: "mfa".into(),
            text: "Every person signs in with MFA".into(),
            pillar: domain::Pillar::Security,
            choices: vec!["sec_1_a".into()],
            state: checklists::TickState::NotApplicable,
            by_evidence: false,
            actor: Some("ana@example.com".into()),
            at: Some(at(0)),
            note: "No people here".into(),
            link: Some("https://example.com/proof".into()),
            evidence: checklists::EvidenceState::NoData,
            failing: vec!["IAM.6".into()],
            passing: vec!["IAM.5".into()],
            failing_resources: vec![checklists::FailingResources {
                key: "IAM.6".into(),
                resources: vec!["root".into()],
                count: 1,
            }],
            history: vec![checklists::TickChange {
                state: checklists::TickState::Done,
                by_evidence: true,
                actor: "auto-tick".into(),
                at: at(-60),
                note: String::new(),
            }],
        }],
        total: 12,
    };
    let (sent, viewed) = sent_and_viewed::<_, WorkloadChecklist>(checklist);
    assert_eq!(sent, viewed);
}

#[test]
fn a_remediation_item_is_sent_with_every_field_of_its_view_model() {
    let assignee = remediation::Assignee { id: id(7), email: "ana@example.com".into(), name: "Ana".into() };
    let item = remediation::RemediationDetail {
        line: remediation::RemediationLine {
            id: id(2),
            workload_id: id(1),
            workload_name: "Checkout".into(),
            pillar: domain::Pillar::CostOptimization,
            source_kind: remediation::SourceKind::Rule,
            source_key: Some("S3_BUCKET_VERSIONING_ENABLED".into()),
            title: "Version the buckets".into(),
            priority: remediation::Priority::High,
            owner: Some("ana@example.com".into()),
            due_on: date(31),
            status: remediation::Status::RiskAccepted,
            by_evidence: true,
            flagged: true,
            accepted_until: Some(date(30)),
        },
        description: "Turn versioning on".into(),
        source_url: Some("https://example.com/rule".into()),
        owner_id: Some(id(7)),
        acceptance_reason: Some("Until the migration".into()),
        ticket_url: Some("https://example.com/ticket/1".into()),
        ticket_system: Some(remediation::TicketSystem::Servicenow),
        created_by: "ben@example.com".into(),
        created_at: at(0),
        history: vec![remediation::HistoryLine {
            at: at(60),
            actor: "ana@example.com".into(),
            change: "status: open → risk accepted".into(),
            reason: Some("Until the migration".into()),
        }],
        comments: vec![remediation::Comment { at: at(90), actor: "ben@example.com".into(), body: "OK".into() }],
        finding_updates: vec![remediation::FindingUpdateLine {
            workflow: "SUPPRESSED".into(),
            at: at(120),
            attempts: 2,
            updated: 5,
            state: app::domain::outbox::WriteState::Done,
            next_attempt_at: at(150),
            last_error: Some("throttled".into()),
            done_at: Some(at(180)),
        }],
        assignees: vec![assignee],
        today: date(15),
    };
    let (sent, viewed) = sent_and_viewed::<_, RemediationDetail>(item);
    assert_eq!(sent, viewed);
}

#[test]
fn an_onboarding_page_is_sent_without_the_query_it_was_read_with() {
    let page = sync::OnboardingPage {
        counts: vec![sync::OnboardingCounts {
            source: "organisation".into(),
            total: 8,
            active: 7,
            synced: 5,
            failing: 1,
            never_synced: 1,
            suspended: 1,
            gone: 0,
        }],
        accounts: vec![sync::AccountOnboarding {
            source: "organisation".into(),
            account_id: "444455556666".into(),
            name: Some("Payments prod".into()),
            ou_path: Some("Root / Workloads".into()),
            membership: sync::Membership::Suspended,
            first_seen: at(0),
            last_attempt: Some(at(60)),
            last_synced: Some(at(30)),
            slices_failed: 3,
            error_service: Some("security_hub".into()),
            error_region: Some("eu-west-1".into()),
            error_operation: Some("GetFindings".into()),
            error_code: Some("InvalidAccessException".into()),
            error_message: Some("not subscribed".into()),
        }],
        page: 2,
        pages: 3,
        matching: 250,
        now: Some(at(90)),
        query: sync::OnboardingQuery { source: Some("organisation".into()), ..Default::default() },
    };
    let (sent, viewed) = sent_and_viewed::<_, OnboardingPage>(page);
    assert_eq!(sent, viewed);
    assert!(sent.get("query").is_none());
}

#[test]
fn every_word_a_body_reads_means_the_same_thing_on_the_page() {
    fn same_both_ways<D, C>(words: &[D])
    where
        D: Copy + PartialEq + std::fmt::Debug + Serialize + From<C>,
        C: Serialize + From<D>,
    {
        for &word in words {
            let sent = C::from(word);
            assert_eq!(serde_json::to_value(&sent).ok(), serde_json::to_value(word).ok(), "{word:?} is spelled alike");
            assert_eq!(D::from(sent), word, "{word:?} reads back as itself");
        }
    }
    same_both_ways::<_, Pillar>(&domain::Pillar::ALL);
    same_both_ways::<_, SourceKind>(remediation::SourceKind::ALL);
    same_both_ways::<_, Priority>(remediation::Priority::ALL);
    same_both_ways::<_, Status>(remediation::Status::ALL);
    same_both_ways::<_, TickState>(&checklists::TickState::ALL);
}

#[test]
fn each_aws_state_is_described_by_the_spellings_aws_uses() {
    fn described<C: PartialSchema>(spellings: impl Iterator<Item = &'static str>) {
        let schema = serde_json::to_value(C::schema()).expect("a schema serialises");
        let spellings: Vec<&str> = spellings.collect();
        assert_eq!(schema["enum"], serde_json::json!(spellings));
    }
    described::<Severity>(domain::Severity::ALL.iter().map(|state| state.as_str()));
    described::<WorkflowStatus>(domain::WorkflowStatus::ALL.iter().map(|state| state.as_str()));
    described::<RecordState>(domain::RecordState::ALL.iter().map(|state| state.as_str()));
    described::<ComplianceStatus>(domain::ComplianceStatus::ALL.iter().map(|state| state.as_str()));
    described::<RuleCompliance>(domain::RuleCompliance::ALL.iter().map(|state| state.as_str()));
    described::<Risk>(domain::Risk::ALL.iter().map(|state| state.as_str()));
}
