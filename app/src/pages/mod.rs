//! One page per file, named for its route.

mod admin;
mod answers;
mod checklists;
mod finding;
mod findings;
mod home;
mod login;
mod not_found;
mod pillar;
mod remediation;
mod rules;
mod sync;
mod tokens;
mod workload;
mod workloads;

pub use admin::{AdminChecklistsPage, AdminSourcesPage, AdminUsersPage, AuditLogPage};
pub use answers::WorkloadAnswersPage;
pub use checklists::WorkloadChecklistPage;
pub use finding::FindingPage;
pub use findings::FindingsPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
use not_found::failure;
pub use pillar::PillarPage;
pub use remediation::{RemediationItemPage, RemediationListPage};
pub use rules::{RulePage, RulesPage};
pub use sync::SyncPage;
pub use tokens::TokensPage;
pub use workload::WorkloadPage;
pub use workloads::WorkloadsPage;
