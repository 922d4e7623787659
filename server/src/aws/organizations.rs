//! The accounts of an AWS Organization. The tree is walked from its roots
//! (`ListRoots`, then `ListOrganizationalUnitsForParent` and
//! `ListAccountsForParent` under each parent), so every account comes with
//! its name, its state and the names of the units above it, for two calls
//! per unit however many accounts there are.

use std::collections::HashSet;

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};

use super::error::fetch_error;
use super::pages::every_page;
use super::rate::RateLimiter;
use crate::sources::{AccountSeen, FetchError};

/// The accounts under `units` (roots or organizational units, at any
/// depth), or in the whole organisation when `units` is empty; sorted by id.
pub async fn accounts(
    client: &Client,
    limiter: &RateLimiter,
    units: &[String],
) -> Result<Vec<AccountSeen>, FetchError> {
    let mut pages = 0;
    let roots = every_page(client.list_roots().into_paginator().send(), limiter, "ListRoots", &mut pages)
        .await
        .map_err(not_allowed)?;
    let mut found: HashSet<String> = HashSet::new();
    // A parent to read: its id, the names from the root down to it, and
    // whether it is inside one of the units asked for.
    let mut parents: Vec<(String, Vec<String>, bool)> = roots
        .iter()
        .flat_map(|page| page.roots())
        .filter_map(|root| {
            let id = root.id()?.to_owned();
            let inside = units.is_empty() || units.contains(&id);
            Some((id, vec![root.name().unwrap_or("Root").to_owned()], inside))
        })
        .collect();
    let mut accounts = Vec::new();
    while let Some((parent, path, inside)) = parents.pop() {
        found.insert(parent.clone());
        if inside {
            let listed = client.list_accounts_for_parent().parent_id(&parent).into_paginator().send();
            for page in every_page(listed, limiter, "ListAccountsForParent", &mut pages).await.map_err(not_allowed)? {
                accounts.extend(page.accounts().iter().filter_map(|account| seen(account, &path)));
            }
        }
        let units_below = client.list_organizational_units_for_parent().parent_id(&parent).into_paginator().send();
        let units_below = every_page(units_below, limiter, "ListOrganizationalUnitsForParent", &mut pages)
            .await
            .map_err(not_allowed)?;
        for unit in units_below.iter().flat_map(|page| page.organizational_units()) {
            let Some(id) = unit.id() else { continue };
            let mut below = path.clone();
            below.push(unit.name().unwrap_or(id).to_owned());
            parents.push((id.to_owned(), below, inside || units.iter().any(|wanted| wanted == id)));
        }
    }
    if let Some(missing) = units.iter().find(|unit| !found.contains(*unit)) {
        return Err(FetchError {
            code: Some("OrganizationalUnitNotFound".into()),
            ..FetchError::new(
                "ListOrganizationalUnitsForParent",
                format!(
                    "{missing} is not a root or organizational unit of this organisation: check organizational_units"
                ),
            )
        });
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(accounts)
}

/// Names and units of a few accounts listed by hand: `DescribeAccount` for
/// each, and `ListParents` up to the root for its units (each unit's name
/// asked once): a few calls per account instead of a walk of the whole
/// organisation.
pub async fn describe(client: &Client, limiter: &RateLimiter, ids: &[String]) -> Result<Vec<AccountSeen>, FetchError> {
    use aws_sdk_organizations::types::ParentType;
    let mut unit_names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut described = Vec::new();
    for id in ids {
        limiter.acquire().await;
        let answer =
            client.describe_account().account_id(id).send().await.map_err(|e| fetch_error("DescribeAccount", e));
        let account = match answer {
            Ok(answer) => answer.account,
            // Listed, but not a member of this organisation: it keeps its id.
            Err(error) if error.code.as_deref() == Some("AccountNotFoundException") => None,
            Err(error) => return Err(not_allowed(error)),
        };
        let Some(account) = account else { continue };
        let mut path = Vec::new();
        let mut child = id.clone();
        // An organisation is at most five units deep; the bound keeps a
        // strange answer from looping.
        for _ in 0..8 {
            limiter.acquire().await;
            let parents =
                client.list_parents().child_id(&child).send().await.map_err(|e| fetch_error("ListParents", e))?;
            let Some(parent) = parents.parents().first() else { break };
            let Some(parent_id) = parent.id() else { break };
            if parent.r#type() == Some(&ParentType::Root) {
                path.push("Root".to_owned());
                break;
            }
            if !unit_names.contains_key(parent_id) {
                limiter.acquire().await;
                let unit = client
                    .describe_organizational_unit()
                    .organizational_unit_id(parent_id)
                    .send()
                    .await
                    .map_err(|e| fetch_error("DescribeOrganizationalUnit", e))?;
                let name = unit.organizational_unit().and_then(|unit| unit.name()).unwrap_or(parent_id);
                unit_names.insert(parent_id.to_owned(), name.to_owned());
            }
            path.push(unit_names[parent_id].clone());
            child = parent_id.to_owned();
        }
        path.reverse();
        let mut seen =
            seen(&account, &path).unwrap_or(AccountSeen { id: id.clone(), name: None, ou_path: None, active: true });
        seen.ou_path = (!path.is_empty()).then(|| path.join(" / "));
        described.push(seen);
    }
    Ok(described)
}

/// An account as Plinth keeps it: no email. `State` replaces the retired
/// `Status`; either says whether the account is ACTIVE.
fn seen(account: &Account, path: &[String]) -> Option<AccountSeen> {
    let active = match (account.state(), account.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => true,
    };
    Some(AccountSeen {
        id: account.id()?.to_owned(),
        name: account.name().map(str::to_owned),
        ou_path: Some(path.join(" / ")),
        active,
    })
}

/// Organizations answers only its management account and delegated
/// administrators: say so, with what AWS said.
fn not_allowed(error: FetchError) -> FetchError {
    let refused = matches!(
        error.code.as_deref(),
        Some("AccessDeniedException" | "AWSOrganizationsNotInUseException" | "AccessDenied")
    );
    if !refused {
        return error;
    }
    FetchError {
        message: format!(
            "{} ({}). Only the organisation's management account or a delegated administrator can list its \
             accounts: set organization_account to one of them, with Plinth's read role there (and check that \
             the role there grants organizations:ListRoots, ListOrganizationalUnitsForParent and \
             ListAccountsForParent)",
            error.message,
            error.code.as_deref().unwrap_or_default()
        ),
        ..error
    }
}

/// An account's enabled regions (opted in, or enabled by default), sorted.
pub async fn enabled_regions(
    client: &aws_sdk_account::Client,
    limiter: &RateLimiter,
) -> Result<Vec<String>, FetchError> {
    use aws_sdk_account::types::RegionOptStatus;
    let mut pages = 0;
    let listed = client
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .max_results(50)
        .into_paginator()
        .send();
    let mut regions: Vec<String> = every_page(listed, limiter, "ListRegions", &mut pages)
        .await?
        .iter()
        .flat_map(|page| page.regions())
        .filter(|region| {
            matches!(region.region_opt_status(), Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault))
        })
        .filter_map(|region| region.region_name().map(str::to_owned))
        .collect();
    regions.sort();
    Ok(regions)
}
