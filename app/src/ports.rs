//! What the pages need from the server, as traits. The `server` crate
//! implements them and provides them as Leptos context; server functions
//! take them from there and make one call.

use std::sync::Arc;

use crate::domain::admin::{AuditPage, AuditQuery, SourcesPage, UserLine};
use crate::domain::answers::{AnswersQuery, WorkloadAnswers};
use crate::domain::checklists::{ChecklistQuery, TickState, WorkloadChecklist};
use crate::domain::findings::{FindingDetail, FindingQuery, FindingsPage};
use crate::domain::rules::{RuleDetail, RuleQuery, RulesPage};
use crate::domain::sync::{OnboardingPage, OnboardingQuery, SyncStatus};
use crate::domain::{Overview, Pillar, PillarBreakdown, WorkloadDetail};
use crate::error::AppError;

/// Read access to what the dashboard shows.
#[async_trait::async_trait]
pub trait DashboardReads: Send + Sync {
    /// Every workload with its current pillar scores, by name, and where
    /// the data comes from.
    async fn overview(&self) -> Result<Overview, AppError>;

    /// One workload with its six pillar scores; `NotFound` if there is none.
    async fn workload(&self, id: uuid::Uuid) -> Result<WorkloadDetail, AppError>;

    /// One workload's pillar score with every item behind it.
    async fn pillar(&self, workload: uuid::Uuid, pillar: Pillar) -> Result<PillarBreakdown, AppError>;

    /// One page of the findings the query selects.
    async fn findings(&self, query: FindingQuery) -> Result<FindingsPage, AppError>;

    /// One finding in full; `NotFound` if there is none.
    async fn finding(&self, id: String) -> Result<FindingDetail, AppError>;

    /// The Config rules the query selects, gathered per rule, and the
    /// conformance packs.
    async fn rules(&self, query: RuleQuery) -> Result<RulesPage, AppError>;

    /// One rule with its deployments and evaluated resources, within the
    /// query's accounts and regions.
    async fn rule(&self, rule_name: String, query: RuleQuery) -> Result<RuleDetail, AppError>;

    /// The sources and their recent sync runs.
    async fn sync_status(&self) -> Result<SyncStatus, AppError>;

    /// The writes to AWS still to be sent, given up, or sent in the last
    /// week, those needing attention first.
    async fn aws_writes(&self) -> Result<Vec<crate::domain::outbox::WriteLine>, AppError>;

    /// The sources' accounts as onboarding sees them, a page at a time.
    async fn onboarding(&self, query: OnboardingQuery) -> Result<OnboardingPage, AppError>;

    /// The remediation items the query selects; `me` is the signed-in
    /// user's email, for "my items".
    async fn remediation(
        &self,
        query: crate::domain::remediation::RemediationQuery,
        me: Option<String>,
    ) -> Result<crate::domain::remediation::RemediationPage, AppError>;

    /// One remediation item in full; `NotFound` if there is none.
    async fn remediation_item(&self, id: uuid::Uuid)
    -> Result<crate::domain::remediation::RemediationDetail, AppError>;

    /// One workload's checklists, their progress and the items the query
    /// selects; `NotFound` if there is no such workload.
    async fn checklist(&self, workload: uuid::Uuid, query: ChecklistQuery) -> Result<WorkloadChecklist, AppError>;
}

/// Starting work on the server.
#[async_trait::async_trait]
pub trait SyncControl: Send + Sync {
    /// Starts a sync of the source in the background, recording `actor`
    /// (an email) in the audit log; `Conflict` if one is running already,
    /// `NotFound` if the source is unknown.
    async fn sync_now(&self, source: uuid::Uuid, actor: String) -> Result<(), AppError>;
}

/// Changing checklists.
#[async_trait::async_trait]
pub trait ChecklistWrites: Send + Sync {
    /// Ticks or reopens one item for a workload as `actor` (an email),
    /// keeping its note and link, and moves the score with it; `NotFound`
    /// if there is no such workload or item.
    async fn quick_tick(
        &self,
        actor: String,
        workload: uuid::Uuid,
        pack: String,
        item: String,
        state: TickState,
    ) -> Result<(), AppError>;
}

/// The checklist writes as they travel through Leptos context.
#[derive(Clone)]
pub struct Checklists(pub Arc<dyn ChecklistWrites>);

impl Checklists {
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Checklists>().ok_or(AppError::Internal)
    }
}

/// A workload's Well-Architected answers as a checklist.
#[async_trait::async_trait]
pub trait AnswerReads: Send + Sync {
    /// The questions the query selects with their practices, where each
    /// answer stands against AWS, and what evidence suggests; `NotFound` if
    /// there is no such workload.
    async fn answers(&self, workload: uuid::Uuid, query: AnswersQuery) -> Result<WorkloadAnswers, AppError>;
}

/// The answer reads as they travel through Leptos context.
#[derive(Clone)]
pub struct Answers(pub Arc<dyn AnswerReads>);

impl Answers {
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Answers>().ok_or(AppError::Internal)
    }
}

/// The sync control as it travels through Leptos context.
#[derive(Clone)]
pub struct Syncs(pub Arc<dyn SyncControl>);

impl Syncs {
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Syncs>().ok_or(AppError::Internal)
    }
}

/// The dashboard reads as they travel through Leptos context.
#[derive(Clone)]
pub struct Dashboard(pub Arc<dyn DashboardReads>);

impl Dashboard {
    /// The implementation the server provided for this request.
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Dashboard>().ok_or(AppError::Internal)
    }
}

/// What the admin pages read.
#[async_trait::async_trait]
pub trait AdminReads: Send + Sync {
    /// Every user, by email.
    async fn users(&self) -> Result<Vec<UserLine>, AppError>;

    /// One user's API tokens, newest first (never their secrets).
    async fn tokens(&self, user: uuid::Uuid) -> Result<Vec<crate::domain::account::TokenLine>, AppError>;

    /// One page of the audit log, newest first.
    async fn audit(&self, query: AuditQuery) -> Result<AuditPage, AppError>;

    /// Every source with its settings and latest run.
    async fn sources(&self) -> Result<SourcesPage, AppError>;

    /// Every checklist pack.
    async fn packs(&self) -> Result<Vec<crate::domain::checklists::PackSummary>, AppError>;
}

/// The admin reads as they travel through Leptos context.
#[derive(Clone)]
pub struct Admin(pub Arc<dyn AdminReads>);

impl Admin {
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Admin>().ok_or(AppError::Internal)
    }
}
