//! Components shared by pages, one per file.

mod account_name;
mod account_onboarding;
mod badges;
mod chart;
mod demo_notice;
mod error_notice;
mod forms;
mod pillar_card;
mod raw_text;
mod score_badge;
mod site_header;
mod table_frame;
mod theme_toggle;
mod workload_pillars;
mod workload_table;
mod workloads_empty;

pub use account_name::AccountName;
pub use account_onboarding::AccountOnboardingSection;
pub use badges::{ComplianceBadge, EvidenceBadge, RiskBadge, RuleComplianceBadge, RunStatusBadge, SeverityBadge};
pub use chart::Chart;
pub use demo_notice::DemoNotice;
pub use error_notice::ErrorNotice;
pub use forms::{CreateRemediation, SubmitOnChange};
pub use pillar_card::{PillarCard, PillarName};
pub use raw_text::{PageTitle, TextArea, escape_text};
pub use score_badge::ScoreBadge;
pub use site_header::SiteHeader;
pub use table_frame::TableFrame;
pub use theme_toggle::ThemeToggle;
pub use workload_pillars::WorkloadPillars;
pub use workload_table::WorkloadTable;
pub use workloads_empty::WorkloadsEmpty;
