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
    /// Twelve-digit account ids (empty means the caller's own account; the
    /// first account holds aggregators), or `"organization"`: every ACTIVE
    /// account of the AWS Organization, listed again at every sync.
    #[serde(default)]
    pub accounts: Accounts,
    /// With `accounts = "organization"`: only the accounts under these
    /// roots (`r-…`) and organizational units (`ou-…`), at any depth.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizational_units: Vec<String>,
    /// Accounts never synced, whatever the organisation says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_accounts: Vec<String>,
    /// The account Organizations is read in (the management account or a
    /// delegated administrator), through the source's role there; unset,
    /// with Plinth's own credentials.
    pub organization_account: Option<String>,
    /// Region names (empty means the SDK's region: `AWS_REGION`, the
    /// profile's region), or `"enabled"`: each account's enabled regions.
    #[serde(default)]
    pub regions: Regions,
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
    /// A Config aggregator read instead of each account and region.
    pub config_aggregator: Option<String>,
    /// The account the aggregators are read in (Security Hub's delegated
    /// administrator, the account holding the Config aggregator); unset,
    /// the first listed account. Needed with `accounts = "organization"`.
    pub aggregator_account: Option<String>,
    /// The region of the Config aggregator; unset, the first listed region.
    /// Needed with `regions = "enabled"`.
    pub config_aggregator_region: Option<String>,
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
            accounts: Accounts::default(),
            organizational_units: Vec::new(),
            exclude_accounts: Vec::new(),
            organization_account: None,
            regions: Regions::default(),
            role_arn: None,
            external_id: None,
            services: every_service(),
            security_hub_aggregation_region: None,
            config_aggregator: None,
            aggregator_account: None,
            config_aggregator_region: None,
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
        let listed = match &self.accounts {
            Accounts::Listed(accounts) => accounts.as_slice(),
            Accounts::Organization => &[],
        };
        let named_accounts = listed
            .iter()
            .chain(&self.exclude_accounts)
            .chain(&self.organization_account)
            .chain(&self.aggregator_account);
        for account in named_accounts {
            if !is_account_id(account) {
                return Err(format!("account {account:?} is not a 12-digit AWS account id"));
            }
        }
        for unit in &self.organizational_units {
            if !is_unit_id(unit) {
                return Err(format!(
                    "organizational unit {unit:?} is neither a root id such as \"r-a1b2\" nor an OU id such as \"ou-a1b2-c3d4e5f6\""
                ));
            }
        }
        if !self.organizational_units.is_empty() && self.accounts != Accounts::Organization {
            return Err("organizational_units needs accounts = \"organization\"".into());
        }
        let organization = self.accounts == Accounts::Organization;
        let aggregated = self.security_hub_aggregation_region.is_some() || self.config_aggregator.is_some();
        if organization && self.role_arn.is_none() {
            return Err(format!(
                "accounts = \"organization\" needs role_arn (such as \"arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role/PlinthRead\"): \
                 without it every account would be read with Plinth's own credentials"
            ));
        }
        if organization && aggregated && self.aggregator_account.is_none() {
            return Err("aggregators in an organisation need aggregator_account: the account they are read in".into());
        }
        if self.regions == Regions::Enabled
            && self.config_aggregator.is_some()
            && self.config_aggregator_region.is_none()
        {
            return Err("config_aggregator with regions = \"enabled\" needs config_aggregator_region".into());
        }
        let named_regions = self
            .regions
            .listed()
            .iter()
            .chain(&self.security_hub_aggregation_region)
            .chain(&self.config_aggregator_region);
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
            if (listed.len() > 1 || self.accounts == Accounts::Organization) && !role.contains(ACCOUNT_PLACEHOLDER) {
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

/// Which accounts a source reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accounts {
    /// These accounts; none means the caller's own.
    Listed(Vec<String>),
    /// Every ACTIVE account of the organisation, listed at every sync.
    Organization,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts::Listed(Vec::new())
    }
}

/// Which regions a source reads in each account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Regions {
    /// These regions; none means the SDK's region.
    Listed(Vec<String>),
    /// Each account's enabled regions, as Account Management lists them.
    Enabled,
}

impl Default for Regions {
    fn default() -> Self {
        Regions::Listed(Vec::new())
    }
}

impl Regions {
    /// The regions named in the configuration (none for `"enabled"`).
    pub fn listed(&self) -> &[String] {
        match self {
            Regions::Listed(regions) => regions,
            Regions::Enabled => &[],
        }
    }
}

/// A list of strings, or one word standing for a list found at sync time.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListOrWord {
    List(Vec<String>),
    Word(String),
}

fn list_or_word<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    word: &str,
    list: &str,
) -> Result<Option<Vec<String>>, D::Error> {
    use serde::de::Error;
    let expected = || D::Error::custom(format!("expected a list of {list}, or \"{word}\""));
    match ListOrWord::deserialize(deserializer).map_err(|_| expected())? {
        ListOrWord::List(items) => Ok(Some(items)),
        ListOrWord::Word(given) if given == word => Ok(None),
        ListOrWord::Word(_) => Err(expected()),
    }
}

impl<'de> Deserialize<'de> for Accounts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(list_or_word(deserializer, "organization", "12-digit account ids")?
            .map_or(Accounts::Organization, Accounts::Listed))
    }
}

impl Serialize for Accounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Accounts::Listed(accounts) => accounts.serialize(serializer),
            Accounts::Organization => serializer.serialize_str("organization"),
        }
    }
}

impl<'de> Deserialize<'de> for Regions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(list_or_word(deserializer, "enabled", "region names")?.map_or(Regions::Enabled, Regions::Listed))
    }
}

impl Serialize for Regions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Regions::Listed(regions) => regions.serialize(serializer),
            Regions::Enabled => serializer.serialize_str("enabled"),
        }
    }
}

pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|byte| byte.is_ascii_digit())
}

/// A root (`r-` and 4 to 32 characters) or an OU (`ou-`, the root's part,
/// `-` and 8 to 32 characters), as Organizations writes them.
fn is_unit_id(id: &str) -> bool {
    let plain = |part: &str, min: usize| {
        (min..=32).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if let Some(root) = id.strip_prefix("r-") {
        return plain(root, 4);
    }
    id.strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, unit)| plain(root, 4) && plain(unit, 8))
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
            accounts: Accounts::Listed(vec!["111122223333".into(), "444455556666".into()]),
            regions: Regions::Listed(vec!["eu-west-1".into(), "us-gov-west-1".into()]),
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
        let bad_account = SourceSettings { accounts: Accounts::Listed(vec!["12345".into()]), ..source() };
        assert!(bad_account.validate().is_err_and(|e| e.contains("12-digit")));

        let bad_region = SourceSettings { regions: Regions::Listed(vec!["Ireland".into()]), ..source() };
        assert!(bad_region.validate().is_err_and(|e| e.contains("region")));

        let fixed_role = SourceSettings { role_arn: Some("arn:aws:iam::111122223333:role/Audit".into()), ..source() };
        assert!(fixed_role.validate().is_err_and(|e| e.contains("{account_id}")));

        let no_services = SourceSettings { services: vec![], ..source() };
        assert!(no_services.validate().is_err());
    }

    #[test]
    fn an_organisation_source_reads_its_accounts_and_regions_at_sync_time() {
        let organisation: SourceSettings = toml::from_str(
            r#"
            name = "organisation"
            accounts = "organization"
            organizational_units = ["ou-a1b2-c3d4e5f6", "r-a1b2"]
            exclude_accounts = ["999988887777"]
            regions = "enabled"
            role_arn = "arn:aws:iam::{account_id}:role/PlinthRead"
            "#,
        )
        .expect("an organisation source parses");
        assert_eq!(organisation.accounts, Accounts::Organization);
        assert_eq!(organisation.regions, Regions::Enabled);
        assert_eq!(organisation.validate(), Ok(()));
    }

    #[test]
    fn a_word_other_than_organization_or_enabled_is_refused_saying_what_is_expected() {
        let error = toml::from_str::<SourceSettings>("name = \"x\"\naccounts = \"all\"").expect_err("refused");
        assert!(error.to_string().contains("\"organization\""), "{error}");
        let error = toml::from_str::<SourceSettings>("name = \"x\"\nregions = \"all\"").expect_err("refused");
        assert!(error.to_string().contains("\"enabled\""), "{error}");
    }

    #[test]
    fn organisation_settings_are_refused_when_malformed_or_without_an_organisation() {
        let organisation = SourceSettings { accounts: Accounts::Organization, ..source() };
        assert_eq!(organisation.validate(), Ok(()));
        let bad_unit = SourceSettings { organizational_units: vec!["Production".into()], ..organisation.clone() };
        assert!(bad_unit.validate().is_err_and(|e| e.contains("OU id")));
        let units_of_a_list = SourceSettings { organizational_units: vec!["ou-a1b2-c3d4e5f6".into()], ..source() };
        assert!(units_of_a_list.validate().is_err_and(|e| e.contains("\"organization\"")));
        let bad_exclusion = SourceSettings { exclude_accounts: vec!["1".into()], ..organisation.clone() };
        assert!(bad_exclusion.validate().is_err_and(|e| e.contains("12-digit")));
        let fixed_role =
            SourceSettings { role_arn: Some("arn:aws:iam::111122223333:role/R".into()), ..organisation.clone() };
        assert!(fixed_role.validate().is_err_and(|e| e.contains("{account_id}")));
        let no_role = SourceSettings { role_arn: None, ..organisation.clone() };
        assert!(no_role.validate().is_err_and(|e| e.contains("needs role_arn")));
        let aggregated = SourceSettings { config_aggregator: Some("org".into()), ..organisation.clone() };
        assert!(aggregated.validate().is_err_and(|e| e.contains("aggregator_account")));
        let placed = SourceSettings { aggregator_account: Some("999988887777".into()), ..aggregated };
        assert_eq!(placed.validate(), Ok(()));
        let enabled = SourceSettings { regions: Regions::Enabled, ..placed.clone() };
        assert!(enabled.validate().is_err_and(|e| e.contains("config_aggregator_region")));
        let enabled = SourceSettings { config_aggregator_region: Some("eu-west-1".into()), ..enabled };
        assert_eq!(enabled.validate(), Ok(()));
    }
}
