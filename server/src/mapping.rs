//! The mapping: which Well-Architected pillars and best-practice choices a
//! Security Hub control or an AWS Config managed rule gives evidence for.
//! Versioned data compiled in from `server/data/mapping/`; the version is
//! stored with every score.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::domain::{Pillar, Severity};
use serde::Deserialize;

use crate::reference::CATALOGUE;

/// Evidence the mapping knows: a control or a managed rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EvidenceKind {
    Control,
    Rule,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Control => "control",
            EvidenceKind::Rule => "rule",
        }
    }
}

#[derive(Clone, Debug)]
pub struct MappedEvidence {
    pub kind: EvidenceKind,
    /// A control id such as `S3.1`, or a managed rule identifier.
    pub key: String,
    pub pillars: Vec<Pillar>,
    pub choices: Vec<String>,
    /// Marked in the data as newer than the reference catalogue.
    pub newer: bool,
}

impl MappedEvidence {
    /// The weight of this evidence in the evidence score: its control's
    /// severity (CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1). A rule weighs what
    /// the Security Hub control that evaluates it weighs, MEDIUM without one.
    pub fn weight(&self) -> u32 {
        let severity = match self.kind {
            EvidenceKind::Control => CATALOGUE.control(&self.key).map(|control| control.severity),
            EvidenceKind::Rule => CATALOGUE
                .managed_rules
                .iter()
                .find(|rule| rule.identifier == self.key)
                .and_then(|rule| CATALOGUE.controls.iter().find(|c| c.config_rule.as_deref() == Some(&rule.rule_name)))
                .map(|control| control.severity),
        };
        severity.unwrap_or(Severity::Medium).weight().max(1)
    }
}

pub struct Mapping {
    pub version: String,
    pub entries: Vec<MappedEvidence>,
    index: HashMap<(EvidenceKind, String), usize>,
}

impl Mapping {
    pub fn get(&self, kind: EvidenceKind, key: &str) -> Option<&MappedEvidence> {
        self.index.get(&(kind, key.to_owned())).map(|&i| &self.entries[i])
    }

    /// Every mapped control and rule of a pillar.
    pub fn for_pillar(&self, pillar: Pillar) -> impl Iterator<Item = &MappedEvidence> {
        self.entries.iter().filter(move |entry| entry.pillars.contains(&pillar))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlsFile {
    version: String,
    controls: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    rules: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(alias = "identifier")]
    id: String,
    pillars: Vec<String>,
    choices: Vec<String>,
    #[serde(default)]
    newer: bool,
}

pub static MAPPING: LazyLock<Mapping> = LazyLock::new(|| {
    let controls: ControlsFile = toml::from_str(include_str!("../data/mapping/securityhub-controls.toml"))
        .expect("BUG: the compiled-in control mapping is well formed");
    let rules: RulesFile = toml::from_str(include_str!("../data/mapping/config-rules.toml"))
        .expect("BUG: the compiled-in rule mapping is well formed");
    assert_eq!(controls.version, rules.version, "BUG: the two mapping files carry one version");
    let entry = |kind, e: Entry| MappedEvidence {
        kind,
        pillars: e.pillars.iter().map(|p| Pillar::from_id(p).expect("BUG: mapped pillars are the six")).collect(),
        key: e.id,
        choices: e.choices,
        newer: e.newer,
    };
    let entries: Vec<MappedEvidence> = controls
        .controls
        .into_iter()
        .map(|e| entry(EvidenceKind::Control, e))
        .chain(rules.rules.into_iter().map(|e| entry(EvidenceKind::Rule, e)))
        .collect();
    let index = entries.iter().enumerate().map(|(i, e)| ((e.kind, e.key.clone()), i)).collect();
    Mapping { version: controls.version, entries, index }
});

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::lens::WELL_ARCHITECTED;

    fn well_formed_control(id: &str) -> bool {
        id.split_once('.').is_some_and(|(service, number)| {
            !service.is_empty()
                && service.chars().all(|c| c.is_ascii_alphanumeric())
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
        })
    }

    fn well_formed_rule(id: &str) -> bool {
        !id.is_empty() && id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }

    #[test]
    fn every_id_is_well_formed_and_exists_in_the_reference_catalogues() {
        for entry in &MAPPING.entries {
            match entry.kind {
                EvidenceKind::Control => {
                    assert!(well_formed_control(&entry.key), "{}", entry.key);
                    assert!(entry.newer || CATALOGUE.control(&entry.key).is_some(), "{} is not catalogued", entry.key);
                    assert!(
                        !(entry.newer && CATALOGUE.control(&entry.key).is_some()),
                        "{} is catalogued, not newer",
                        entry.key
                    );
                }
                EvidenceKind::Rule => {
                    assert!(well_formed_rule(&entry.key), "{}", entry.key);
                    assert!(CATALOGUE.has_identifier(&entry.key), "{} is not a managed rule", entry.key);
                }
            }
        }
    }

    #[test]
    fn every_choice_exists_in_the_lens_and_belongs_to_a_mapped_pillar() {
        let pillar_of: HashMap<&str, &str> = WELL_ARCHITECTED
            .questions()
            .flat_map(|(pillar, question)| question.choices.iter().map(move |c| (c.id.as_str(), pillar.id.as_str())))
            .collect();
        for entry in &MAPPING.entries {
            assert!(!entry.pillars.is_empty() && !entry.choices.is_empty(), "{}", entry.key);
            for choice in &entry.choices {
                let pillar = pillar_of
                    .get(choice.as_str())
                    .unwrap_or_else(|| panic!("{choice} of {} is not in the lens", entry.key));
                assert!(
                    entry.pillars.iter().any(|p| p.id() == *pillar),
                    "{choice} of {} is outside its pillars",
                    entry.key
                );
                assert!(!choice.ends_with("_no"), "{} maps to a None choice", entry.key);
            }
        }
    }

    #[test]
    fn no_control_or_rule_is_mapped_twice() {
        let mut seen = HashSet::new();
        for entry in &MAPPING.entries {
            assert!(seen.insert((entry.kind, entry.key.as_str())), "{} twice", entry.key);
        }
    }

    #[test]
    fn the_coverage_targets_hold() {
        let controls = MAPPING.entries.iter().filter(|e| e.kind == EvidenceKind::Control).count();
        let rules = MAPPING.entries.iter().filter(|e| e.kind == EvidenceKind::Rule).count();
        assert!(controls >= 150 && rules >= 150, "{controls} controls, {rules} rules");
        for pillar in Pillar::ALL {
            assert!(MAPPING.for_pillar(pillar).count() >= 10, "{pillar:?}");
        }
    }

    #[test]
    fn weights_follow_severity() {
        let root_mfa = MAPPING.get(EvidenceKind::Control, "IAM.6").expect("IAM.6 is mapped");
        assert_eq!(root_mfa.weight(), 4);
        let trail = MAPPING.get(EvidenceKind::Rule, "MULTI_REGION_CLOUD_TRAIL_ENABLED").expect("mapped");
        assert_eq!(trail.weight(), 3, "the rule weighs what CloudTrail.1 weighs");
    }
}
