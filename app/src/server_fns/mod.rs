//! Server functions, one file per area. Each takes its port from context
//! and makes one call.

mod admin;
mod checklists;
mod findings;
mod overview;
mod pillar;
mod remediation;
mod rules;
mod sync;
mod workload;

pub use admin::{
    GetAudit, GetMyTokens, GetPacks, GetSources, GetUsers, get_audit, get_my_tokens, get_packs, get_sources, get_users,
};
pub use checklists::{GetAnswers, GetChecklist, QuickTick, get_answers, get_checklist, quick_tick};
pub use findings::{GetFinding, GetFindings, get_finding, get_findings};
pub use overview::{GetOverview, get_overview};
pub use pillar::{GetPillar, get_pillar};
pub use remediation::{GetRemediation, GetRemediationItem, get_remediation, get_remediation_item};
pub use rules::{GetRule, GetRules, get_rule, get_rules};
pub use sync::{
    GetAwsWrites, GetOnboarding, GetSyncStatus, SyncNow, get_aws_writes, get_onboarding, get_sync_status, sync_now,
};
pub use workload::{GetWorkload, get_workload};
