//! AWS's catalogues as data, compiled in: the Security Hub controls (id,
//! severity, the Config rule each evaluates, title) and the Config managed
//! rules (identifier, rule name, whether AWS's Well-Architected conformance
//! packs use them). See `server/data/reference/README.md` for their origin.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::domain::Severity;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    pub id: String,
    pub severity: Severity,
    /// The Config rule name the control evaluates, if it has one.
    pub config_rule: Option<String>,
    pub title: String,
}

impl Control {
    /// The service part of the id: `S3` for `S3.1`.
    pub fn service(&self) -> &str {
        self.id.split_once('.').map_or(self.id.as_str(), |(service, _)| service)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ManagedRule {
    /// Such as `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`.
    pub identifier: String,
    /// Such as `s3-bucket-server-side-encryption-enabled`.
    pub rule_name: String,
    /// Pillars whose AWS Well-Architected conformance pack uses the rule.
    pub well_architected_packs: Vec<String>,
}

pub struct Catalogue {
    pub controls: Vec<Control>,
    pub managed_rules: Vec<ManagedRule>,
    rule_by_name: HashMap<String, usize>,
    control_by_id: HashMap<String, usize>,
}

impl Catalogue {
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.control_by_id.get(id).map(|&index| &self.controls[index])
    }

    /// The managed rule with this rule name.
    pub fn rule_named(&self, rule_name: &str) -> Option<&ManagedRule> {
        self.rule_by_name.get(rule_name).map(|&index| &self.managed_rules[index])
    }

    pub fn has_identifier(&self, identifier: &str) -> bool {
        self.managed_rules.iter().any(|rule| rule.identifier == identifier)
    }
}

/// The catalogues, read once.
pub static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let controls = read_controls(include_str!("../data/reference/securityhub-controls.csv"));
    let managed_rules = read_rules(include_str!("../data/reference/config-managed-rules.csv"));
    let rule_by_name = managed_rules.iter().enumerate().map(|(i, rule)| (rule.rule_name.clone(), i)).collect();
    let control_by_id = controls.iter().enumerate().map(|(i, control)| (control.id.clone(), i)).collect();
    Catalogue { controls, managed_rules, rule_by_name, control_by_id }
});

#[derive(Deserialize)]
struct ControlRow {
    control_id: String,
    severity: String,
    config_rule: String,
    title: String,
}

#[derive(Deserialize)]
struct RuleRow {
    identifier: String,
    rule_name: String,
    well_architected_packs: String,
}

fn read_controls(text: &str) -> Vec<Control> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize::<ControlRow>()
        .map(|row| {
            let row = row.expect("BUG: the compiled-in controls catalogue is well formed");
            Control {
                severity: Severity::parse(&row.severity).expect("BUG: the catalogue's severities are known"),
                config_rule: Some(row.config_rule).filter(|rule| !rule.is_empty()),
                id: row.control_id,
                title: row.title,
            }
        })
        .collect()
}

fn read_rules(text: &str) -> Vec<ManagedRule> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize::<RuleRow>()
        .map(|row| {
            let row = row.expect("BUG: the compiled-in managed rules catalogue is well formed");
            ManagedRule {
                identifier: row.identifier,
                rule_name: row.rule_name,
                well_architected_packs: row
                    .well_architected_packs
                    .split(';')
                    .filter(|pack| !pack.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_hold_every_row() {
        assert_eq!(CATALOGUE.controls.len(), 251);
        assert_eq!(CATALOGUE.managed_rules.len(), 802);
    }

    #[test]
    fn a_control_names_the_rule_it_evaluates_and_the_rule_its_identifier() {
        let control = CATALOGUE.control("CloudTrail.1").expect("CloudTrail.1 is catalogued");
        assert_eq!(control.severity, Severity::High);
        let rule = CATALOGUE.rule_named(control.config_rule.as_deref().expect("a rule")).expect("a managed rule");
        assert_eq!(rule.identifier, "MULTI_REGION_CLOUD_TRAIL_ENABLED");
        assert!(rule.well_architected_packs.contains(&"security".to_owned()));
    }

    #[test]
    fn titles_with_commas_and_quotes_are_read_whole() {
        let control = CATALOGUE.control("IAM.1").expect("IAM.1 is catalogued");
        assert_eq!(control.title, "IAM policies should not allow full \"*\" administrative privileges");
    }
}
