//! A whole AWS Organization as a source: its accounts listed through
//! Organizations at every sync (paged, recursively under organizational
//! units), their enabled regions through Account Management, one account's
//! failure kept to that account, and the onboarding table that shows it.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_account::operation::list_regions::ListRegionsOutput;
use aws_sdk_account::types::{Region, RegionOptStatus};
use aws_sdk_organizations::error::ErrorMetadata;
use aws_sdk_organizations::operation::list_accounts_for_parent::{
    ListAccountsForParentInput, ListAccountsForParentOutput,
};
use aws_sdk_organizations::operation::list_organizational_units_for_parent::ListOrganizationalUnitsForParentOutput;
use aws_sdk_organizations::operation::list_roots::{ListRootsError, ListRootsOutput};
use aws_sdk_organizations::types::error::AccessDeniedException;
use aws_sdk_organizations::types::{Account, AccountState, OrganizationalUnit, Root};
use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
use aws_sdk_securityhub::types::RecordState;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use server::aws::AwsSource;
use server::aws::clients::{AwsClients, ClientFactory};
use server::sources::settings::{Accounts, Regions, SourceSettings};
use server::sources::{FetchError, Service};
use server::sync::summary::RunStatus;
use sqlx::PgPool;

use crate::helpers::{IRELAND, PRODUCTION, STAGING, clients, sync};
use crate::security_hub::finding_in;

const MANAGEMENT: &str = "999988887777";
const SUSPENDED: &str = "777766665555";
const SANDBOX: &str = "222233334444";
const ROLE: &str = "arn:aws:iam::{account_id}:role/PlinthRead";

/// Clients for an organisation: Organizations, Account Management per
/// account, the three services per account and region; STS refuses the
/// read role in the accounts listed as `refused`.
struct Organisation {
    organizations: aws_sdk_organizations::Client,
    regions: HashMap<String, aws_sdk_account::Client>,
    services: HashMap<(String, String), AwsClients>,
    refused: Vec<String>,
}

fn refusal(account: &str) -> FetchError {
    FetchError {
        operation: "AssumeRole".into(),
        code: Some("AccessDenied".into()),
        message: format!(
            "could not assume the role arn:aws:iam::{account}:role/PlinthRead in account {account}: AccessDenied: \
             User: arn:aws:sts::{MANAGEMENT}:assumed-role/plinth-task/ecs is not authorized to perform: sts:AssumeRole"
        ),
        request_id: Some("sts-refused".into()),
    }
}

#[async_trait]
impl ClientFactory for Organisation {
    async fn caller_account(&self) -> Result<String, FetchError> {
        Ok(MANAGEMENT.into())
    }

    fn default_region(&self) -> Option<String> {
        Some(IRELAND.into())
    }

    async fn clients(&self, account_id: &str, region: &str) -> Result<AwsClients, FetchError> {
        if self.refused.iter().any(|refused| refused == account_id) {
            return Err(refusal(account_id));
        }
        self.services
            .get(&(account_id.to_owned(), region.to_owned()))
            .cloned()
            .ok_or_else(|| FetchError::new("clients", format!("no clients for {account_id} {region}")))
    }

    async fn organizations(&self, _account_id: Option<&str>) -> Result<aws_sdk_organizations::Client, FetchError> {
        Ok(self.organizations.clone())
    }

    async fn account(&self, account_id: &str) -> Result<aws_sdk_account::Client, FetchError> {
        if self.refused.iter().any(|refused| refused == account_id) {
            return Err(refusal(account_id));
        }
        self.regions.get(account_id).cloned().ok_or_else(|| FetchError::new("clients", "no Account client"))
    }
}

fn account(id: &str, name: &str, state: AccountState) -> Account {
    Account::builder().id(id).name(name).email(format!("aws+{id}@example.com")).state(state).build()
}

fn unit(id: &str, name: &str) -> OrganizationalUnit {
    OrganizationalUnit::builder().id(id).name(name).build()
}

/// The organisation's tree: the root holds the management account and a
/// suspended one (two pages), and `ou-a1b2-workload1` ("Workloads") holds
/// `ou-a1b2-payments1` ("Payments") with production and staging; the
/// sandbox sits in `ou-a1b2-sandbox01` when `with_sandbox`.
fn tree(with_sandbox: bool) -> Vec<Rule> {
    let roots = mock!(aws_sdk_organizations::Client::list_roots)
        .then_output(|| ListRootsOutput::builder().roots(Root::builder().id("r-a1b2").name("Root").build()).build());
    let root_accounts = mock!(aws_sdk_organizations::Client::list_accounts_for_parent)
        .match_requests(|request| request.parent_id() == Some("r-a1b2"))
        .then_compute_output(|request: &ListAccountsForParentInput| match request.next_token() {
            None => ListAccountsForParentOutput::builder()
                .accounts(account(MANAGEMENT, "Management", AccountState::Active))
                .next_token("page-2")
                .build(),
            Some(_) => ListAccountsForParentOutput::builder()
                .accounts(account(SUSPENDED, "Old project", AccountState::Suspended))
                .build(),
        });
    let root_units = mock!(aws_sdk_organizations::Client::list_organizational_units_for_parent)
        .match_requests(|request| request.parent_id() == Some("r-a1b2"))
        .then_compute_output(move |_| {
            let mut units = ListOrganizationalUnitsForParentOutput::builder()
                .organizational_units(unit("ou-a1b2-workload1", "Workloads"));
            if with_sandbox {
                units = units.organizational_units(unit("ou-a1b2-sandbox01", "Sandbox"));
            }
            units.build()
        });
    let workload_units = mock!(aws_sdk_organizations::Client::list_organizational_units_for_parent)
        .match_requests(|request| request.parent_id() == Some("ou-a1b2-workload1"))
        .then_output(|| {
            ListOrganizationalUnitsForParentOutput::builder()
                .organizational_units(unit("ou-a1b2-payments1", "Payments"))
                .build()
        });
    let workload_accounts = mock!(aws_sdk_organizations::Client::list_accounts_for_parent)
        .match_requests(|request| request.parent_id() == Some("ou-a1b2-workload1"))
        .then_output(|| ListAccountsForParentOutput::builder().build());
    let payments_accounts = mock!(aws_sdk_organizations::Client::list_accounts_for_parent)
        .match_requests(|request| request.parent_id() == Some("ou-a1b2-payments1"))
        .then_output(|| {
            ListAccountsForParentOutput::builder()
                .accounts(account(PRODUCTION, "Payments prod", AccountState::Active))
                .accounts(account(STAGING, "Payments staging", AccountState::Active))
                .build()
        });
    let sandbox_accounts = mock!(aws_sdk_organizations::Client::list_accounts_for_parent)
        .match_requests(|request| request.parent_id() == Some("ou-a1b2-sandbox01"))
        .then_output(|| {
            ListAccountsForParentOutput::builder().accounts(account(SANDBOX, "Sandbox", AccountState::Active)).build()
        });
    let leaves = mock!(aws_sdk_organizations::Client::list_organizational_units_for_parent)
        .match_requests(|request| matches!(request.parent_id(), Some("ou-a1b2-payments1" | "ou-a1b2-sandbox01")))
        .then_output(|| ListOrganizationalUnitsForParentOutput::builder().build());
    vec![
        roots,
        root_accounts,
        root_units,
        workload_units,
        workload_accounts,
        payments_accounts,
        sandbox_accounts,
        leaves,
    ]
}

fn organizations(rules: &[Rule]) -> aws_sdk_organizations::Client {
    mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter())
}

/// Security Hub in an account and region holds one finding.
fn security_hub_in(account: &str, region: &str) -> AwsClients {
    let (account, region) = (account.to_owned(), region.to_owned());
    let findings = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_output(move |_| {
        GetFindingsOutput::builder().findings(finding_in("one", &account, &region, RecordState::Active)).build()
    });
    clients(&[&findings], &[], &[])
}

fn organisation(rules: &[Rule], accounts: &[&str], refused: &[&str]) -> Organisation {
    Organisation {
        organizations: organizations(rules),
        regions: HashMap::new(),
        services: accounts
            .iter()
            .map(|a| (((*a).to_owned(), IRELAND.to_owned()), security_hub_in(a, IRELAND)))
            .collect(),
        refused: refused.iter().map(|a| (*a).to_owned()).collect(),
    }
}

fn whole_organisation() -> SourceSettings {
    SourceSettings {
        name: "organisation".into(),
        accounts: Accounts::Organization,
        regions: Regions::Listed(vec![IRELAND.into()]),
        role_arn: Some(ROLE.into()),
        services: vec![Service::SecurityHub],
        ..SourceSettings::default_source()
    }
}

async fn accounts_of(pool: &PgPool) -> Vec<(String, Option<String>, Option<String>, String)> {
    sqlx::query!(
        r#"SELECT sa.account_id, a.name AS "name?", a.ou_path AS "ou_path?", sa.membership
           FROM source_accounts sa JOIN aws_accounts a USING (account_id) ORDER BY sa.account_id"#
    )
    .fetch_all(pool)
    .await
    .expect("the accounts")
    .into_iter()
    .map(|row| (row.account_id, row.name, row.ou_path, row.membership))
    .collect()
}

/// The production account as every test here finds it stored.
fn payments_prod() -> (String, Option<String>, Option<String>, String) {
    (PRODUCTION.into(), Some("Payments prod".into()), Some("Root / Workloads / Payments".into()), "active".into())
}

async fn findings_per_account(pool: &PgPool) -> HashMap<String, i64> {
    sqlx::query!(r#"SELECT account_id, count(*) AS "n!" FROM findings GROUP BY account_id"#)
        .fetch_all(pool)
        .await
        .expect("the findings")
        .into_iter()
        .map(|row| (row.account_id, row.n))
        .collect()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_active_account_of_the_organisation_is_synced_named_and_placed_in_its_units(pool: PgPool) {
    let rules = tree(false);
    let clients = organisation(&rules, &[MANAGEMENT, PRODUCTION, STAGING], &[]);
    let source = AwsSource::new(whole_organisation(), Arc::new(clients));

    let summary = sync(&pool, &source, true).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert_eq!(
        accounts_of(&pool).await,
        [
            payments_prod(),
            (
                STAGING.into(),
                Some("Payments staging".into()),
                Some("Root / Workloads / Payments".into()),
                "active".into()
            ),
            (SUSPENDED.into(), Some("Old project".into()), Some("Root".into()), "suspended".into()),
            (MANAGEMENT.into(), Some("Management".into()), Some("Root".into()), "active".into()),
        ]
    );
    let findings = findings_per_account(&pool).await;
    assert_eq!(findings.len(), 3, "the three active accounts are synced, the suspended one is not: {findings:?}");
    assert!(!findings.contains_key(SUSPENDED));
    let emails =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM aws_accounts WHERE name LIKE '%@%' OR ou_path LIKE '%@%'"#)
            .fetch_one(&pool)
            .await
            .expect("a count");
    assert_eq!(emails, 0, "no email is kept");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_account_that_left_is_no_longer_synced_and_keeps_its_history_marked_gone(pool: PgPool) {
    let with_sandbox = tree(true);
    let first = organisation(&with_sandbox, &[MANAGEMENT, PRODUCTION, STAGING, SANDBOX], &[]);
    let summary = sync(&pool, &AwsSource::new(whole_organisation(), Arc::new(first)), true).await;
    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert_eq!(findings_per_account(&pool).await.get(SANDBOX), Some(&1));

    // The sandbox left the organisation; its clients would fail if asked.
    let without = tree(false);
    let second = organisation(&without, &[MANAGEMENT, PRODUCTION, STAGING], &[]);
    let summary = sync(&pool, &AwsSource::new(whole_organisation(), Arc::new(second)), true).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "the sandbox was not asked for: {summary:?}");
    let sandbox = accounts_of(&pool).await.into_iter().find(|(id, ..)| id == SANDBOX).expect("the sandbox is kept");
    assert_eq!(sandbox.3, "gone");
    assert_eq!(sandbox.1.as_deref(), Some("Sandbox"), "its name stays");
    assert_eq!(findings_per_account(&pool).await.get(SANDBOX), Some(&1), "its findings stay");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn organizational_units_narrow_the_source_to_the_accounts_below_them_at_any_depth(pool: PgPool) {
    let rules = tree(true);
    let clients = organisation(&rules, &[PRODUCTION, STAGING], &[]);
    let settings = SourceSettings {
        organizational_units: vec!["ou-a1b2-workload1".into()],
        exclude_accounts: vec![STAGING.into()],
        ..whole_organisation()
    };

    let summary = sync(&pool, &AwsSource::new(settings, Arc::new(clients)), true).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    let accounts: Vec<String> = accounts_of(&pool).await.into_iter().map(|(id, ..)| id).collect();
    assert_eq!(accounts, [PRODUCTION], "under Workloads (two levels down), without the excluded staging account");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_account_that_may_not_read_the_organisation_is_told_to_use_the_management_account(pool: PgPool) {
    let refused = mock!(aws_sdk_organizations::Client::list_roots).then_error(|| {
        ListRootsError::AccessDeniedException(
            AccessDeniedException::builder()
                .message("You don't have permissions to access this resource.")
                .meta(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("You don't have permissions to access this resource.")
                        .build(),
                )
                .build(),
        )
    });
    let clients = organisation(&[refused], &[], &[]);

    let summary = sync(&pool, &AwsSource::new(whole_organisation(), Arc::new(clients)), true).await;

    assert_eq!(summary.status, RunStatus::Failed);
    let error = summary.error.expect("the run says why");
    assert!(error.contains("AccessDeniedException"), "{error}");
    assert!(error.contains("management account or a delegated administrator"), "{error}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn enabled_regions_come_from_each_account_and_a_refused_role_fails_that_account_alone(pool: PgPool) {
    const MALAYSIA: &str = "ap-southeast-5";
    let rules = tree(false);
    let mut clients = organisation(&rules, &[MANAGEMENT, PRODUCTION], &[STAGING]);
    for account in [MANAGEMENT, PRODUCTION] {
        let regions = mock!(aws_sdk_account::Client::list_regions)
            .match_requests(|request| {
                request.region_opt_status_contains()
                    == [RegionOptStatus::Enabled, RegionOptStatus::EnabledByDefault].as_slice()
            })
            .then_compute_output(move |_| {
                let mut output = ListRegionsOutput::builder().regions(
                    Region::builder().region_name(IRELAND).region_opt_status(RegionOptStatus::EnabledByDefault).build(),
                );
                if account == PRODUCTION {
                    output = output.regions(
                        Region::builder().region_name(MALAYSIA).region_opt_status(RegionOptStatus::Enabled).build(),
                    );
                }
                output.build()
            });
        clients.regions.insert(account.into(), mock_client!(aws_sdk_account, RuleMode::MatchAny, [&regions]));
    }
    clients.services.insert((PRODUCTION.into(), MALAYSIA.into()), security_hub_in(PRODUCTION, MALAYSIA));
    let settings = SourceSettings { regions: Regions::Enabled, ..whole_organisation() };

    let summary = sync(&pool, &AwsSource::new(settings, Arc::new(clients)), true).await;

    assert_eq!(summary.status, RunStatus::Partial, "{summary:?}");
    let stored = sqlx::query!(r#"SELECT account_id, region FROM findings ORDER BY account_id, region"#)
        .fetch_all(&pool)
        .await
        .expect("the findings");
    let stored: Vec<(String, String)> = stored.into_iter().map(|row| (row.account_id, row.region)).collect();
    assert_eq!(
        stored,
        [
            (PRODUCTION.to_owned(), MALAYSIA.to_owned()),
            (PRODUCTION.to_owned(), IRELAND.to_owned()),
            (MANAGEMENT.to_owned(), IRELAND.to_owned()),
        ],
        "each account in its own enabled regions; staging, whose role was refused, in none"
    );
    let rows = server::db::accounts::onboarding(
        &pool,
        Some("organisation"),
        app::domain::sync::OnboardingFilter::Failing,
        100,
        0,
    )
    .await
    .expect("the onboarding table");
    assert_eq!(rows.len(), 1, "only staging fails: {rows:?}");
    let staging = &rows[0];
    assert_eq!(staging.account_id, STAGING);
    assert_eq!(staging.name.as_deref(), Some("Payments staging"));
    assert_eq!(staging.status_text(), "Role not assumed");
    assert_eq!(staging.error_code.as_deref(), Some("AccessDenied"), "AWS's own code");
    assert!(
        staging.error_message.as_deref().is_some_and(|m| m.contains("arn:aws:iam::444455556666:role/PlinthRead")),
        "the role it tried: {:?}",
        staging.error_message
    );
    assert!(staging.last_synced.is_none());
    let never = server::db::accounts::onboarding(&pool, None, app::domain::sync::OnboardingFilter::Never, 100, 0)
        .await
        .expect("the onboarding table");
    assert_eq!(never.iter().map(|row| row.account_id.as_str()).collect::<Vec<_>>(), [STAGING], "never synced whole");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn accounts_listed_by_hand_get_their_names_and_units_where_organizations_can_be_read(pool: PgPool) {
    use aws_sdk_organizations::operation::describe_account::{DescribeAccountError, DescribeAccountOutput};
    use aws_sdk_organizations::operation::describe_organizational_unit::DescribeOrganizationalUnitOutput;
    use aws_sdk_organizations::operation::list_parents::{ListParentsInput, ListParentsOutput};
    use aws_sdk_organizations::types::error::AccountNotFoundException;
    use aws_sdk_organizations::types::{Parent, ParentType};

    const OUTSIDER: &str = "123412341234";
    let production = mock!(aws_sdk_organizations::Client::describe_account)
        .match_requests(|request| request.account_id() == Some(PRODUCTION))
        .then_output(|| {
            DescribeAccountOutput::builder().account(account(PRODUCTION, "Payments prod", AccountState::Active)).build()
        });
    let outsider = mock!(aws_sdk_organizations::Client::describe_account)
        .match_requests(|request| request.account_id() == Some(OUTSIDER))
        .then_error(|| {
            DescribeAccountError::AccountNotFoundException(
                AccountNotFoundException::builder()
                    .message("You specified an account that doesn't exist.")
                    .meta(ErrorMetadata::builder().code("AccountNotFoundException").build())
                    .build(),
            )
        });
    let parents =
        mock!(aws_sdk_organizations::Client::list_parents).then_compute_output(|request: &ListParentsInput| {
            let (id, kind) = match request.child_id() {
                Some(PRODUCTION) => ("ou-a1b2-payments1", ParentType::OrganizationalUnit),
                Some("ou-a1b2-payments1") => ("ou-a1b2-workload1", ParentType::OrganizationalUnit),
                _ => ("r-a1b2", ParentType::Root),
            };
            ListParentsOutput::builder().parents(Parent::builder().id(id).r#type(kind).build()).build()
        });
    let units = mock!(aws_sdk_organizations::Client::describe_organizational_unit).then_compute_output(|request| {
        let id = request.organizational_unit_id().unwrap_or_default();
        let name = if id == "ou-a1b2-payments1" { "Payments" } else { "Workloads" };
        DescribeOrganizationalUnitOutput::builder().organizational_unit(unit(id, name)).build()
    });
    let clients = organisation(&[production, outsider, parents, units], &[PRODUCTION, OUTSIDER], &[]);
    let settings = SourceSettings {
        accounts: Accounts::Listed(vec![PRODUCTION.into(), OUTSIDER.into(), PRODUCTION.into()]),
        ..whole_organisation()
    };

    let summary = sync(&pool, &AwsSource::new(settings, Arc::new(clients)), true).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert_eq!(
        accounts_of(&pool).await,
        [payments_prod(), (OUTSIDER.into(), None, None, "active".into()),],
        "a listed account outside the organisation keeps its id; one listed twice is synced once"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_aggregator_keeps_only_the_accounts_the_organisation_source_covers(pool: PgPool) {
    let rules = tree(true);
    let mut clients = organisation(&rules, &[], &[]);
    let every_member = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_output(|_| {
        let members = [PRODUCTION, STAGING, SANDBOX, MANAGEMENT];
        GetFindingsOutput::builder()
            .set_findings(Some(
                members.iter().map(|account| finding_in("agg", account, IRELAND, RecordState::Active)).collect(),
            ))
            .build()
    });
    clients.services.insert((MANAGEMENT.into(), IRELAND.into()), clients_with_findings(&every_member));
    let settings = SourceSettings {
        organizational_units: vec!["ou-a1b2-workload1".into()],
        security_hub_aggregation_region: Some(IRELAND.into()),
        aggregator_account: Some(MANAGEMENT.into()),
        ..whole_organisation()
    };

    let summary = sync(&pool, &AwsSource::new(settings, Arc::new(clients)), true).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    let mut stored: Vec<String> = findings_per_account(&pool).await.into_keys().collect();
    stored.sort();
    assert_eq!(stored, [PRODUCTION, STAGING], "the sandbox and the management account are outside Workloads");
    let synced = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM source_accounts WHERE last_synced IS NOT NULL AND membership = 'active'"#
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    assert_eq!(synced, 2, "the aggregator's slice read both accounts whole");
}

fn clients_with_findings(rule: &Rule) -> AwsClients {
    clients(&[rule], &[], &[])
}
