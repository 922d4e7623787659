//! Checklists: packs of practices teams tick per workload. A pack is a
//! TOML file (the built-in ones live in `server/data/checklists/`); every
//! item names its pillar, the Well-Architected choices it relates to, and
//! the AWS Config managed rules and Security Hub controls whose passing
//! proves it. An item with neither is ticked by hand only.
//!
//! A pack file is validated whole before anything is stored; every error
//! names the line and the field.

pub mod evidence;
pub mod store;
pub mod writes;

use std::collections::HashSet;
use std::sync::LazyLock;

use app::domain::Pillar;
use serde::Deserialize;
use toml::Spanned;

use crate::lens::WELL_ARCHITECTED;
use crate::reference::CATALOGUE;

/// A validated pack.
#[derive(Clone, Debug, PartialEq)]
pub struct Pack {
    pub id: String,
    pub name: String,
    pub description: String,
    pub version: String,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub pillar: Pillar,
    pub choices: Vec<String>,
    pub rules: Vec<String>,
    pub controls: Vec<String>,
}

impl Item {
    /// No AWS data can prove it: only a person ticks it.
    pub fn is_manual(&self) -> bool {
        self.rules.is_empty() && self.controls.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: Spanned<PackHead>,
    #[serde(default)]
    items: Vec<Spanned<ItemFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackHead {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    id: String,
    text: String,
    pillar: String,
    #[serde(default)]
    choices: Vec<String>,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    controls: Vec<String>,
}

/// One thing wrong with a pack file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {field}: {message}")]
pub struct PackError {
    pub line: usize,
    /// `pack.id`, `items[3].rules`, or `file` for the file as a whole.
    pub field: String,
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn is_slug(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Reads and validates a pack file; every error at once, nothing if any.
pub fn parse_pack(text: &str) -> Result<Pack, Vec<PackError>> {
    let file: PackFile = toml::from_str(text).map_err(|error| {
        let line = error.span().map_or(1, |span| line_of(text, span.start));
        vec![PackError { line, field: "file".into(), message: error.message().to_owned() }]
    })?;
    let mut errors = Vec::new();
    let head_line = line_of(text, file.pack.span().start);
    let head = file.pack.into_inner();
    let mut fail = |line: usize, field: String, message: String| errors.push(PackError { line, field, message });
    if !is_slug(&head.id) {
        fail(head_line, "pack.id".into(), format!("{:?} must be lower-case letters, digits and dashes", head.id));
    }
    if head.name.trim().is_empty() {
        fail(head_line, "pack.name".into(), "must not be empty".into());
    }
    if head.version.trim().is_empty() {
        fail(head_line, "pack.version".into(), "must not be empty".into());
    }
    if file.items.is_empty() {
        fail(head_line, "items".into(), "a pack needs at least one [[items]] entry".into());
    }
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for (index, spanned) in file.items.into_iter().enumerate() {
        let line = line_of(text, spanned.span().start);
        let item = spanned.into_inner();
        let field = |name: &str| format!("items[{index}].{name} ({:?})", item.id);
        if !is_slug(&item.id) {
            fail(line, field("id"), format!("{:?} must be lower-case letters, digits and dashes", item.id));
        } else if !seen.insert(item.id.clone()) {
            fail(line, field("id"), format!("{:?} is used by an earlier item", item.id));
        }
        if item.text.trim().is_empty() {
            fail(line, field("text"), "must not be empty".into());
        }
        let pillar = Pillar::from_id(&item.pillar);
        if pillar.is_none() {
            fail(
                line,
                field("pillar"),
                format!(
                    "{:?} is not a pillar: use operationalExcellence, security, reliability, performance, \
                     costOptimization or sustainability",
                    item.pillar
                ),
            );
        }
        for choice in &item.choices {
            match choice_pillar(choice) {
                None => {
                    fail(line, field("choices"), format!("{choice:?} is not a Well-Architected best-practice choice"))
                }
                Some(found) if Some(found) != pillar && pillar.is_some() => fail(
                    line,
                    field("choices"),
                    format!("{choice:?} belongs to the {} pillar, not {}", found.id(), item.pillar),
                ),
                Some(_) => {}
            }
        }
        for rule in &item.rules {
            if !CATALOGUE.has_identifier(rule) {
                fail(line, field("rules"), format!("{rule:?} is not an AWS Config managed rule identifier"));
            }
        }
        for control in &item.controls {
            if CATALOGUE.control(control).is_none() {
                fail(line, field("controls"), format!("{control:?} is not a Security Hub control id"));
            }
        }
        if let Some(pillar) = pillar {
            items.push(Item {
                id: item.id,
                text: item.text.trim().to_owned(),
                pillar,
                choices: item.choices,
                rules: item.rules,
                controls: item.controls,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Pack {
        id: head.id,
        name: head.name.trim().to_owned(),
        description: head.description,
        version: head.version,
        items,
    })
}

/// The pillar of a real best-practice choice (never "None of these").
fn choice_pillar(choice: &str) -> Option<Pillar> {
    WELL_ARCHITECTED
        .pillars
        .iter()
        .find(|pillar| {
            pillar.questions.iter().any(|q| q.choices.iter().any(|c| c.id == choice && !c.is_none_of_these()))
        })
        .map(|pillar| pillar.pillar())
}

/// The built-in packs, in the order they are shown.
pub static BUILT_IN: LazyLock<Vec<Pack>> = LazyLock::new(|| {
    [
        include_str!("../../data/checklists/security-baseline.toml"),
        include_str!("../../data/checklists/security-services.toml"),
        include_str!("../../data/checklists/performance.toml"),
        include_str!("../../data/checklists/cost.toml"),
        include_str!("../../data/checklists/serverless-reliability.toml"),
    ]
    .into_iter()
    // A broken built-in pack fails the test below, never a user.
    .filter_map(|text| parse_pack(text).ok())
    .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT_IN_FILES: [&str; 5] = [
        include_str!("../../data/checklists/security-baseline.toml"),
        include_str!("../../data/checklists/security-services.toml"),
        include_str!("../../data/checklists/performance.toml"),
        include_str!("../../data/checklists/cost.toml"),
        include_str!("../../data/checklists/serverless-reliability.toml"),
    ];

    #[test]
    fn every_built_in_pack_is_valid_against_the_catalogues() {
        for text in BUILT_IN_FILES {
            let pack = parse_pack(text).unwrap_or_else(|errors| panic!("{errors:#?}"));
            assert!(!pack.items.is_empty());
        }
        assert_eq!(BUILT_IN.len(), 5);
        let ids: HashSet<&str> = BUILT_IN.iter().map(|pack| pack.id.as_str()).collect();
        assert_eq!(ids.len(), 5, "pack ids are unique");
    }

    #[test]
    fn the_cloudtrail_practice_is_proven_by_its_rule_and_control() {
        let item = BUILT_IN
            .iter()
            .flat_map(|pack| &pack.items)
            .find(|item| item.text.contains("CloudTrail in all regions"))
            .expect("the CloudTrail item");
        assert!(item.rules.contains(&"MULTI_REGION_CLOUD_TRAIL_ENABLED".to_owned()));
        assert!(item.controls.contains(&"CloudTrail.1".to_owned()));
        assert_eq!(item.pillar, Pillar::Security);
    }

    #[test]
    fn budgets_are_ticked_by_hand() {
        let budgets = BUILT_IN
            .iter()
            .flat_map(|pack| &pack.items)
            .find(|item| item.text.to_lowercase().contains("budget"))
            .expect("a budgets item");
        assert!(budgets.is_manual());
    }

    const GOOD: &str = r#"
[pack]
id = "team-basics"
name = "Team basics"
version = "1"

[[items]]
id = "trail"
text = "CloudTrail everywhere"
pillar = "security"
choices = ["sec_detect_investigate_events_app_service_logging"]
rules = ["MULTI_REGION_CLOUD_TRAIL_ENABLED"]
controls = ["CloudTrail.1"]
"#;

    #[test]
    fn a_valid_pack_reads_back_whole() {
        let pack = parse_pack(GOOD).expect("valid");
        assert_eq!(pack.id, "team-basics");
        assert_eq!(pack.items[0].controls, ["CloudTrail.1"]);
    }

    fn errors_of(text: &str) -> Vec<String> {
        parse_pack(text).expect_err("invalid").into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn broken_toml_names_its_line() {
        let errors = errors_of("[pack]\nid = \"x\"\nname = \n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("line 3: file:"), "{errors:?}");
    }

    #[test]
    fn an_unknown_rule_or_control_is_named_with_its_line_and_field() {
        let bad = GOOD
            .replace("MULTI_REGION_CLOUD_TRAIL_ENABLED", "CLOUDTRAIL_EVERYWHERE")
            .replace("CloudTrail.1", "Trail.99");
        let errors = errors_of(&bad);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("line 7: items[0].rules (\"trail\"): \"CLOUDTRAIL_EVERYWHERE\" is not")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.contains("items[0].controls") && e.contains("\"Trail.99\" is not a Security Hub control id")));
    }

    #[test]
    fn a_choice_of_another_pillar_or_none_of_these_is_refused() {
        let other =
            GOOD.replace("sec_detect_investigate_events_app_service_logging", "cost_govern_usage_account_structure");
        assert!(errors_of(&other).iter().any(|e| e.contains("belongs to the costOptimization pillar, not security")));
        let unknown = GOOD.replace("sec_detect_investigate_events_app_service_logging", "sec_made_up");
        assert!(errors_of(&unknown).iter().any(|e| e.contains("\"sec_made_up\" is not a Well-Architected")));
    }

    #[test]
    fn an_unknown_pillar_a_duplicate_id_and_an_unknown_field_are_refused() {
        let pillar = GOOD.replace("pillar = \"security\"", "pillar = \"safety\"");
        assert!(
            errors_of(&pillar)
                .iter()
                .any(|e| e.contains("items[0].pillar") && e.contains("\"safety\" is not a pillar"))
        );
        let duplicate = format!("{GOOD}\n[[items]]\nid = \"trail\"\ntext = \"Again\"\npillar = \"security\"\n");
        assert!(
            errors_of(&duplicate)
                .iter()
                .any(|e| e.starts_with("line 15: items[1].id") && e.contains("used by an earlier item"))
        );
        let unknown_field = GOOD.replace("version = \"1\"", "version = \"1\"\nowner = \"me\"");
        assert!(errors_of(&unknown_field).iter().any(|e| e.contains("unknown field `owner`")));
    }
}
