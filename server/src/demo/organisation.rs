//! Who the demo organisation is: its accounts, regions, workloads and the
//! Security Hub controls its estate is checked against.

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::resources::resource_type;
use super::roll;
use crate::reference::{CATALOGUE, Control};

/// How big the demo organisation is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSpec {
    pub findings: usize,
    pub accounts: usize,
    pub workloads: usize,
    pub seed: u64,
}

impl Default for DemoSpec {
    /// Three accounts in two regions, four workloads, about 5,000 findings.
    fn default() -> Self {
        DemoSpec { findings: 5_000, accounts: 3, workloads: 4, seed: 2026 }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScaleError {
    #[error("{0:?} is not KEY=NUMBER (keys: findings, accounts, workloads, seed)")]
    Malformed(String),
    #[error("unknown scale key {0:?}; use findings, accounts, workloads or seed")]
    UnknownKey(String),
    #[error("{key} must be at least {min}")]
    TooSmall { key: &'static str, min: usize },
}

impl DemoSpec {
    /// Reads `findings=1000000,accounts=500,workloads=200`; keys left out
    /// keep their default.
    pub fn parse_scale(text: &str) -> Result<DemoSpec, ScaleError> {
        let mut spec = DemoSpec::default();
        for pair in text.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| ScaleError::Malformed(pair.to_owned()))?;
            let number: u64 =
                value.trim().replace('_', "").parse().map_err(|_| ScaleError::Malformed(pair.to_owned()))?;
            let count = usize::try_from(number).map_err(|_| ScaleError::Malformed(pair.to_owned()))?;
            match key.trim() {
                "findings" => spec.findings = count,
                "accounts" => spec.accounts = count,
                "workloads" => spec.workloads = count,
                "seed" => spec.seed = number,
                other => return Err(ScaleError::UnknownKey(other.to_owned())),
            }
        }
        if spec.accounts < 1 {
            return Err(ScaleError::TooSmall { key: "accounts", min: 1 });
        }
        if spec.workloads < 1 {
            return Err(ScaleError::TooSmall { key: "workloads", min: 1 });
        }
        Ok(spec)
    }
}

#[derive(Clone, Debug)]
pub struct DemoAccount {
    pub id: String,
    pub name: String,
    /// The organizational units above it, from the root down.
    pub ou_path: String,
    /// The share of checks that pass in this account.
    pub hygiene: f64,
}

#[derive(Clone, Debug)]
pub struct DemoWorkload {
    pub id: String,
    pub name: String,
    pub description: String,
    pub environment: &'static str,
    pub review_owner: String,
    pub account_ids: Vec<String>,
    pub regions: Vec<String>,
    /// Where the review lives in the Well-Architected Tool.
    pub home_account: String,
    pub home_region: String,
    /// How far along each pillar the team is, 0 to 1, in lens order.
    pub maturity: [f64; 6],
}

pub struct Organisation {
    pub spec: DemoSpec,
    pub accounts: Vec<DemoAccount>,
    pub regions: Vec<String>,
    pub workloads: Vec<DemoWorkload>,
    /// The controls the estate is checked against, each with its resource type.
    pub controls: Vec<(&'static Control, &'static str)>,
    /// Timestamps are days before this: the start of the current day, so a
    /// reload on the same day gives the same rows.
    pub anchor: DateTime<Utc>,
}

impl Organisation {
    pub fn new(spec: DemoSpec) -> Organisation {
        let accounts = accounts(&spec);
        let workloads = workloads(&spec, &accounts);
        let controls = CATALOGUE
            .controls
            .iter()
            .map(|control| (control, resource_type(control)))
            .filter(|(_, kind)| *kind != "Other")
            .collect();
        Organisation {
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            accounts,
            workloads,
            controls,
            anchor: Utc::now().duration_trunc(Duration::days(1)).unwrap_or_else(|_| Utc::now()),
            spec,
        }
    }

    pub fn account(&self, id: &str) -> Option<&DemoAccount> {
        self.accounts.iter().find(|account| account.id == id)
    }

    /// How many findings the account and region hold: the total spread
    /// evenly over every account and region.
    pub fn findings_in(&self, account_id: &str, region: &str) -> usize {
        let slices = self.accounts.len() * self.regions.len();
        let index = self.accounts.iter().position(|a| a.id == account_id).unwrap_or(0) * self.regions.len()
            + self.regions.iter().position(|r| r == region).unwrap_or(0);
        self.spec.findings / slices + usize::from(index < self.spec.findings % slices)
    }

    /// The checks of an account and region: (control index, resource
    /// number) pairs, one finding each. Account-wide controls check the one
    /// account; the others check one more resource each round.
    pub fn checks(&self, account_id: &str, region: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
        let wanted = self.findings_in(account_id, region);
        let controls = self.controls.len();
        (0..)
            .map(move |n| (n % controls, n / controls))
            .filter(|&(control, round)| round == 0 || self.controls[control].1 != "AwsAccount")
            .take(wanted)
    }
}

const STANDARD_ACCOUNTS: [(&str, &str, &str, f64); 3] = [
    ("314159265358", "Production", "Root / Workloads / Production", 0.86),
    ("271828182845", "Staging", "Root / Workloads / Staging", 0.7),
    ("161803398874", "Shared services", "Root / Infrastructure", 0.82),
];

/// Business units a scaled demo's accounts are spread over.
const UNITS: [&str; 8] = ["Payments", "Retail", "Logistics", "Data", "Identity", "Media", "Research", "Platform"];

fn accounts(spec: &DemoSpec) -> Vec<DemoAccount> {
    (0..spec.accounts)
        .map(|n| match STANDARD_ACCOUNTS.get(n) {
            Some((id, name, ou_path, hygiene)) if spec.accounts <= STANDARD_ACCOUNTS.len() => {
                DemoAccount { id: (*id).into(), name: (*name).into(), ou_path: (*ou_path).into(), hygiene: *hygiene }
            }
            _ => {
                let number =
                    100_000_000_000 + (roll(spec.seed, &["account", &n.to_string()]) * 899_999_999_999.0) as u64;
                // Keep ids distinct: the low digits carry the index.
                let id = format!("{:012}", number - number % 1000 + (n as u64 % 1000));
                let hygiene = 0.65 + 0.3 * roll(spec.seed, &["hygiene", &n.to_string()]);
                let unit = UNITS[n % UNITS.len()];
                let stage = if n % 3 == 0 { "Production" } else { "Development" };
                let name = format!("{} {} {:04}", unit.to_lowercase(), stage.to_lowercase(), n + 1);
                DemoAccount { id, name, ou_path: format!("Root / Workloads / {unit} / {stage}"), hygiene }
            }
        })
        .collect()
}

struct StandardWorkload {
    name: &'static str,
    description: &'static str,
    environment: &'static str,
    owner: &'static str,
    accounts: &'static [usize],
    regions: &'static [&'static str],
    maturity: [f64; 6],
}

const STANDARD_WORKLOADS: [StandardWorkload; 4] = [
    StandardWorkload {
        name: "Checkout service",
        description: "Cart, payment and order confirmation for the web shop.",
        environment: "PRODUCTION",
        owner: "Dana Reyes",
        accounts: &[0, 2],
        regions: &["eu-west-1", "us-east-1"],
        maturity: [0.78, 0.82, 0.74, 0.7, 0.55, 0.45],
    },
    StandardWorkload {
        name: "Customer portal",
        description: "Self-service accounts, invoices and support tickets.",
        environment: "PRODUCTION",
        owner: "Sam Okafor",
        accounts: &[0],
        regions: &["eu-west-1"],
        maturity: [0.6, 0.66, 0.52, 0.62, 0.48, 0.35],
    },
    StandardWorkload {
        name: "Data platform",
        description: "Event ingestion, the data lake and nightly reporting.",
        environment: "PRODUCTION",
        owner: "Priya Natarajan",
        accounts: &[0, 2],
        regions: &["us-east-1"],
        maturity: [0.5, 0.58, 0.62, 0.44, 0.36, 0.52],
    },
    StandardWorkload {
        name: "Internal tools",
        description: "Back-office admin, feature flags and the staff wiki.",
        environment: "PREPRODUCTION",
        owner: "Lee Morgan",
        accounts: &[1],
        regions: &["eu-west-1", "us-east-1"],
        maturity: [0.4, 0.38, 0.3, 0.35, 0.3, 0.2],
    },
];

const TEAMS: [&str; 12] = [
    "Payments",
    "Search",
    "Identity",
    "Catalog",
    "Logistics",
    "Billing",
    "Messaging",
    "Analytics",
    "Mobile API",
    "Recommendations",
    "Fraud",
    "Media",
];
const OWNERS: [&str; 8] = [
    "Dana Reyes",
    "Sam Okafor",
    "Priya Natarajan",
    "Lee Morgan",
    "Alex Kim",
    "Jordan Silva",
    "Maya Cohen",
    "Chris Novak",
];

fn workloads(spec: &DemoSpec, accounts: &[DemoAccount]) -> Vec<DemoWorkload> {
    let standard = spec.accounts == STANDARD_ACCOUNTS.len() && spec.workloads <= STANDARD_WORKLOADS.len();
    (0..spec.workloads)
        .map(|n| {
            let id = format!(
                "{:016x}{:016x}",
                (roll(spec.seed, &["workload-a", &n.to_string()]) * 1e18) as u64,
                (roll(spec.seed, &["workload-b", &n.to_string()]) * 1e18) as u64
            );
            if standard {
                let w = &STANDARD_WORKLOADS[n];
                let account_ids: Vec<String> = w.accounts.iter().map(|&i| accounts[i].id.clone()).collect();
                return DemoWorkload {
                    id,
                    name: w.name.into(),
                    description: w.description.into(),
                    environment: w.environment,
                    review_owner: w.owner.into(),
                    account_ids,
                    regions: w.regions.iter().map(|r| (*r).to_owned()).collect(),
                    home_account: accounts[2].id.clone(),
                    home_region: "eu-west-1".into(),
                    maturity: w.maturity,
                };
            }
            let dice = |what: &str| roll(spec.seed, &[what, &n.to_string()]);
            let first = n % accounts.len();
            let span = 1 + (dice("span") * 3.0) as usize;
            let account_ids: Vec<String> =
                (0..span).map(|i| accounts[(first + i) % accounts.len()].id.clone()).collect();
            let regions: Vec<String> = if dice("regions") < 0.5 {
                vec!["eu-west-1".into()]
            } else {
                vec!["eu-west-1".into(), "us-east-1".into()]
            };
            let base = 0.3 + 0.5 * dice("maturity");
            let maturity =
                std::array::from_fn(|p| (base + 0.3 * (dice(&format!("pillar-{p}")) - 0.5)).clamp(0.05, 0.95));
            DemoWorkload {
                id,
                name: format!("{} {:03}", TEAMS[n % TEAMS.len()], n + 1),
                description: format!("The {} team's services.", TEAMS[n % TEAMS.len()].to_lowercase()),
                environment: if dice("environment") < 0.75 { "PRODUCTION" } else { "PREPRODUCTION" },
                review_owner: OWNERS[n % OWNERS.len()].into(),
                home_account: account_ids[0].clone(),
                home_region: regions[0].clone(),
                account_ids,
                regions,
                maturity,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_reads_every_key_and_keeps_defaults_for_the_rest() {
        let spec = DemoSpec::parse_scale("findings=1000000, accounts=500,workloads=200").expect("a scale");
        assert_eq!((spec.findings, spec.accounts, spec.workloads, spec.seed), (1_000_000, 500, 200, 2026));
        assert_eq!(DemoSpec::parse_scale("").expect("empty is the default"), DemoSpec::default());
    }

    #[test]
    fn a_malformed_scale_says_what_is_wrong() {
        assert_eq!(DemoSpec::parse_scale("findings"), Err(ScaleError::Malformed("findings".into())));
        assert_eq!(DemoSpec::parse_scale("finding=3"), Err(ScaleError::UnknownKey("finding".into())));
        assert_eq!(DemoSpec::parse_scale("accounts=0"), Err(ScaleError::TooSmall { key: "accounts", min: 1 }));
        assert!(DemoSpec::parse_scale("findings=-4").is_err());
    }

    #[test]
    fn the_standard_organisation_has_three_accounts_two_regions_and_four_workloads() {
        let org = Organisation::new(DemoSpec::default());
        assert_eq!(org.accounts.len(), 3);
        assert_eq!(org.regions.len(), 2);
        assert_eq!(org.workloads.len(), 4);
        assert!(org.controls.len() >= 80, "{} controls", org.controls.len());
        let total: usize = org
            .accounts
            .iter()
            .flat_map(|a| org.regions.iter().map(move |r| (a, r)))
            .map(|(a, r)| org.checks(&a.id, r).count())
            .sum();
        assert_eq!(total, 5_000);
    }

    #[test]
    fn a_large_organisation_has_distinct_accounts() {
        let org = Organisation::new(DemoSpec::parse_scale("accounts=500,workloads=200").expect("a scale"));
        let ids: std::collections::HashSet<&str> = org.accounts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), 500);
        assert!(org.accounts.iter().all(|a| a.id.len() == 12));
        assert_eq!(org.workloads.len(), 200);
    }
}
