//! How an AWS source is configured (`[[sources]]` in `plinth.toml`).

use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::Service;

/// The placeholder a role ARN may hold for the account it is assumed in.
pub const ACCOUNT_PLACEHOLDER: &str = "{account_id}";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    pub name: String,
    /// Twelve-digit account ids; empty means the caller's own account. The
    /// first account is the one that holds aggregators.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Empty means the SDK's region (`AWS_REGION`, the profile's region).
    #[serde(default)]
    pub regions: Vec<String>,
    /// A role assumed through STS in each account; `{account_id}` in it is
    /// replaced by the account's id.
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing)]
    pub external_id: Option<SecretString>,
    #[serde(default = "every_service")]
    pub services: Vec<Service>,
    /// Security Hub's cross-region aggregation region: findings are read
    /// there only, so none is counted twice.
    pub security_hub_aggregation_region: Option<String>,
    /// A Config aggregator (in the first account and the first region) read
    /// instead of each account and region.
    pub config_aggregator: Option<String>,
    #[serde(default = "default_interval", with = "humantime_serde")]
    pub sync_interval: Duration,
    /// Let Plinth set the workflow status of this source's Security Hub
    /// findings from remediation items (`BatchUpdateFindings`); off unless
    /// turned on.
    #[serde(default)]
    pub update_findings: bool,
}

fn every_service() -> Vec<Service> {
    Service::ALL.to_vec()
}

fn default_interval() -> Duration {
    Duration::from_secs(3600)
}

impl SourceSettings {
    /// The source used when none is configured: the SDK's default chain
    /// and region, every service.
    pub fn default_source() -> SourceSettings {
        SourceSettings {
            name: "default".into(),
            accounts: Vec::new(),
            regions: Vec::new(),
            role_arn: None,
            external_id: None,
            services: every_service(),
            security_hub_aggregation_region: None,
            config_aggregator: None,
            sync_interval: default_interval(),
            update_findings: false,
        }
    }

    /// Checks what the configuration file cannot express; the message says
    /// what is wrong and how it should look.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("the name is empty".into());
        }
        for account in &self.accounts {
            if account.len() != 12 || !account.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(format!("account {account:?} is not a 12-digit AWS account id"));
            }
        }
        let named_regions = self.regions.iter().chain(&self.security_hub_aggregation_region);
        for region in named_regions {
            if !is_region_name(region) {
                return Err(format!("{region:?} is not an AWS region name such as \"eu-west-1\""));
            }
        }
        if let Some(role) = &self.role_arn {
            if !role.starts_with("arn:") || !role.contains(":role/") {
                return Err(format!(
                    "role_arn {role:?} is not an IAM role ARN such as \
                     \"arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role/PlinthReadOnly\""
                ));
            }
            if self.accounts.len() > 1 && !role.contains(ACCOUNT_PLACEHOLDER) {
                return Err(format!(
                    "role_arn must contain {ACCOUNT_PLACEHOLDER} when the source has several accounts"
                ));
            }
        }
        if self.services.is_empty() {
            return Err("no services are enabled".into());
        }
        Ok(())
    }

    pub fn syncs(&self, service: Service) -> bool {
        self.services.contains(&service)
    }

    /// The role to assume in an account, if the source assumes one.
    pub fn role_for(&self, account_id: &str) -> Option<String> {
        self.role_arn.as_ref().map(|role| role.replace(ACCOUNT_PLACEHOLDER, account_id))
    }
}

fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> SourceSettings {
        SourceSettings {
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["eu-west-1".into(), "us-gov-west-1".into()],
            role_arn: Some("arn:aws:iam::{account_id}:role/PlinthReadOnly".into()),
            ..SourceSettings::default_source()
        }
    }

    #[test]
    fn a_well_formed_source_is_accepted() {
        assert_eq!(source().validate(), Ok(()));
    }

    #[test]
    fn the_role_is_assumed_in_each_account() {
        assert_eq!(source().role_for("444455556666").as_deref(), Some("arn:aws:iam::444455556666:role/PlinthReadOnly"));
    }

    #[test]
    fn malformed_accounts_regions_and_roles_are_refused_with_the_reason() {
        let bad_account = SourceSettings { accounts: vec!["12345".into()], ..source() };
        assert!(bad_account.validate().is_err_and(|e| e.contains("12-digit")));

        let bad_region = SourceSettings { regions: vec!["Ireland".into()], ..source() };
        assert!(bad_region.validate().is_err_and(|e| e.contains("region")));

        let fixed_role = SourceSettings { role_arn: Some("arn:aws:iam::111122223333:role/Audit".into()), ..source() };
        assert!(fixed_role.validate().is_err_and(|e| e.contains("{account_id}")));

        let no_services = SourceSettings { services: vec![], ..source() };
        assert!(no_services.validate().is_err());
    }
}
