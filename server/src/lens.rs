//! The Well-Architected Framework lens (`wellarchitected`) as the
//! Well-Architected Tool API identifies it: pillars, questions and
//! best-practice choices with the API's ids, titled in our own words.
//! Compiled in from `server/data/lens/wellarchitected.toml`.

use std::sync::LazyLock;

use app::domain::Pillar;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Lens {
    pub lens_alias: String,
    pub lens_version: String,
    pub pillars: Vec<LensPillar>,
}

#[derive(Debug, Deserialize)]
pub struct LensPillar {
    pub id: String,
    pub name: String,
    pub questions: Vec<LensQuestion>,
}

#[derive(Debug, Deserialize)]
pub struct LensQuestion {
    pub id: String,
    /// Such as `SEC 1`.
    pub number: String,
    pub title: String,
    pub choices: Vec<LensChoice>,
}

#[derive(Debug, Deserialize)]
pub struct LensChoice {
    pub id: String,
    /// Such as `SEC01-BP01`; the "None of these" choice has none.
    pub bp: Option<String>,
    pub title: String,
}

impl LensChoice {
    /// The "None of these" choice every question has.
    pub fn is_none_of_these(&self) -> bool {
        self.bp.is_none()
    }
}

impl LensPillar {
    /// The pillar, whose id the lens's loading checked.
    pub fn pillar(&self) -> Pillar {
        Pillar::from_id(&self.id).expect("BUG: the lens's pillar ids were checked when it was loaded")
    }
}

impl Lens {
    pub fn questions(&self) -> impl Iterator<Item = (&LensPillar, &LensQuestion)> {
        self.pillars.iter().flat_map(|pillar| pillar.questions.iter().map(move |question| (pillar, question)))
    }

    pub fn has_choice(&self, choice_id: &str) -> bool {
        self.questions().any(|(_, question)| question.choices.iter().any(|choice| choice.id == choice_id))
    }
}

pub static WELL_ARCHITECTED: LazyLock<Lens> = LazyLock::new(|| {
    let lens: Lens = toml::from_str(include_str!("../data/lens/wellarchitected.toml"))
        .expect("BUG: the compiled-in lens catalogue is well formed");
    for pillar in &lens.pillars {
        assert!(Pillar::from_id(&pillar.id).is_some(), "BUG: the lens names an unknown pillar {:?}", pillar.id);
    }
    lens
});

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_lens_covers_the_six_pillars_by_their_api_ids() {
        let ids: Vec<&str> = WELL_ARCHITECTED.pillars.iter().map(|pillar| pillar.id.as_str()).collect();
        let expected: Vec<&str> = Pillar::ALL.iter().map(|pillar| pillar.id()).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn every_question_and_choice_id_is_unique_and_every_question_has_a_none_choice() {
        let mut questions = HashSet::new();
        let mut choices = HashSet::new();
        for (_, question) in WELL_ARCHITECTED.questions() {
            assert!(questions.insert(question.id.as_str()), "{} twice", question.id);
            for choice in &question.choices {
                assert!(choices.insert(choice.id.as_str()), "{} twice", choice.id);
            }
            assert_eq!(question.choices.iter().filter(|c| c.is_none_of_these()).count(), 1, "{}", question.id);
        }
        assert_eq!(questions.len(), 57);
        assert!(WELL_ARCHITECTED.has_choice("sec_securely_operate_multi_accounts"));
    }
}
