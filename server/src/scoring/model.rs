//! The score, as pure arithmetic: each component is 0–100 and counts only
//! when it has data; the score is their weighted mean. Explaining a score
//! uses the same formulas item by item, so the parts add up to the score.

use app::domain::Risk;
use serde::{Deserialize, Serialize};

/// How much each component weighs. Configurable; these are the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
pub struct Weights {
    pub review: f64,
    pub evidence: f64,
    pub checklist: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { review: 0.5, evidence: 0.3, checklist: 0.2 }
    }
}

/// A question's answer: `NONE` counts 1, `MEDIUM` ½, `HIGH` 0. Unanswered
/// questions count toward coverage only; not-applicable ones not at all.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewItem {
    pub question_id: String,
    pub risk: Risk,
}

/// A control or rule with a result in the workload's accounts and regions.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceItem {
    pub key: String,
    /// CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1.
    pub weight: u32,
    /// It fails if any of its resources fails.
    pub passed: bool,
}

/// An applicable checklist item.
#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistItem {
    pub id: String,
    pub done: bool,
    /// Someone (or the evidence) recorded a state for it; an item nobody
    /// looked at is not assessed.
    pub decided: bool,
}

/// What the review component counted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReviewTally {
    pub none: u32,
    pub medium: u32,
    pub high: u32,
    /// Applicable questions, answered or not.
    pub applicable: u32,
}

impl ReviewTally {
    pub fn of(items: &[ReviewItem]) -> ReviewTally {
        let mut tally = ReviewTally::default();
        for item in items {
            match item.risk {
                Risk::None => tally.none += 1,
                Risk::Medium => tally.medium += 1,
                Risk::High => tally.high += 1,
                Risk::Unanswered | Risk::NotApplicable => {}
            }
            if item.risk != Risk::NotApplicable {
                tally.applicable += 1;
            }
        }
        tally
    }

    pub fn answered(&self) -> u32 {
        self.none + self.medium + self.high
    }

    pub fn value(&self) -> Option<f64> {
        let answered = self.answered();
        (answered > 0).then(|| 100.0 * (f64::from(self.none) + 0.5 * f64::from(self.medium)) / f64::from(answered))
    }

    pub fn coverage(&self) -> f64 {
        ratio(self.answered(), self.applicable)
    }
}

/// What the evidence component counted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EvidenceTally {
    pub passed_weight: u64,
    pub total_weight: u64,
    pub with_result: u32,
    /// Controls and rules mapped to the pillar, with a result or not.
    pub mapped: u32,
}

impl EvidenceTally {
    pub fn of(items: &[EvidenceItem], mapped: u32) -> EvidenceTally {
        EvidenceTally {
            passed_weight: items.iter().filter(|i| i.passed).map(|i| u64::from(i.weight)).sum(),
            total_weight: items.iter().map(|i| u64::from(i.weight)).sum(),
            with_result: items.len() as u32,
            mapped,
        }
    }

    pub fn value(&self) -> Option<f64> {
        (self.total_weight > 0).then(|| 100.0 * self.passed_weight as f64 / self.total_weight as f64)
    }

    pub fn coverage(&self) -> f64 {
        ratio(self.with_result, self.mapped)
    }
}

/// What the checklist component counted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChecklistTally {
    pub done: u32,
    pub applicable: u32,
    pub decided: u32,
}

impl ChecklistTally {
    pub fn value(&self) -> Option<f64> {
        (self.applicable > 0).then(|| 100.0 * f64::from(self.done) / f64::from(self.applicable))
    }

    /// The share of applicable items someone decided on.
    pub fn coverage(&self) -> f64 {
        ratio(self.decided, self.applicable)
    }

    pub fn of(items: &[ChecklistItem]) -> ChecklistTally {
        let count = |keep: fn(&ChecklistItem) -> bool| items.iter().filter(|item| keep(item)).count() as u32;
        ChecklistTally {
            done: count(|item| item.done),
            applicable: items.len() as u32,
            decided: count(|item| item.decided),
        }
    }
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 { 0.0 } else { f64::from(part.min(whole)) / f64::from(whole) }
}

/// A pillar's score with its components and their coverage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Score {
    pub score: Option<f64>,
    pub review: Option<f64>,
    pub evidence: Option<f64>,
    pub checklist: Option<f64>,
    pub review_coverage: f64,
    pub evidence_coverage: f64,
    pub checklist_coverage: f64,
}

impl Score {
    pub fn of(weights: &Weights, review: &ReviewTally, evidence: &EvidenceTally, checklist: &ChecklistTally) -> Score {
        let (review_value, evidence_value, checklist_value) = (review.value(), evidence.value(), checklist.value());
        Score {
            score: weighted_mean(&[
                (weights.review, review_value),
                (weights.evidence, evidence_value),
                (weights.checklist, checklist_value),
            ]),
            review: review_value,
            evidence: evidence_value,
            checklist: checklist_value,
            review_coverage: review.coverage(),
            evidence_coverage: evidence.coverage(),
            checklist_coverage: checklist.coverage(),
        }
    }
}

/// The components' shares of the score: each weight over the weights of
/// the components that have data.
fn shares(parts: &[(f64, Option<f64>)]) -> Vec<f64> {
    let total: f64 = parts.iter().filter(|(w, v)| v.is_some() && *w > 0.0).map(|(w, _)| *w).sum();
    parts.iter().map(|(w, v)| if v.is_some() && total > 0.0 && *w > 0.0 { w / total } else { 0.0 }).collect()
}

fn weighted_mean(parts: &[(f64, Option<f64>)]) -> Option<f64> {
    if parts.iter().all(|(w, v)| v.is_none() || *w <= 0.0) {
        return None;
    }
    let shares = shares(parts);
    Some(parts.iter().zip(shares).map(|((_, v), share)| v.unwrap_or(0.0) * share).sum::<f64>().clamp(0.0, 100.0))
}

/// One item's part in a score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contribution {
    pub component: Component,
    pub key: String,
    /// Points of the score this item gives now.
    pub points: f64,
    /// Points it would give at its best (answered `NONE`, passing, done).
    pub at_best: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Review,
    Evidence,
    Checklist,
}

/// The score and every item's part in it; the points add up to the score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub score: Score,
    pub contributions: Vec<Contribution>,
}

pub fn explain(
    weights: &Weights,
    review: &[ReviewItem],
    evidence: &[EvidenceItem],
    mapped_evidence: u32,
    checklist: &[ChecklistItem],
) -> Explanation {
    let review_tally = ReviewTally::of(review);
    let evidence_tally = EvidenceTally::of(evidence, mapped_evidence);
    let checklist_tally = ChecklistTally::of(checklist);
    let score = Score::of(weights, &review_tally, &evidence_tally, &checklist_tally);
    let shares = shares(&[
        (weights.review, score.review),
        (weights.evidence, score.evidence),
        (weights.checklist, score.checklist),
    ]);
    let mut contributions = Vec::new();
    let answered = f64::from(review_tally.answered());
    for item in review {
        let value = match item.risk {
            Risk::None => 1.0,
            Risk::Medium => 0.5,
            Risk::High => 0.0,
            Risk::Unanswered | Risk::NotApplicable => continue,
        };
        let unit = shares[0] * 100.0 / answered;
        contributions.push(Contribution {
            component: Component::Review,
            key: item.question_id.clone(),
            points: unit * value,
            at_best: unit,
        });
    }
    let total_weight = evidence_tally.total_weight as f64;
    for item in evidence {
        let unit = shares[1] * 100.0 * f64::from(item.weight) / total_weight;
        contributions.push(Contribution {
            component: Component::Evidence,
            key: item.key.clone(),
            points: if item.passed { unit } else { 0.0 },
            at_best: unit,
        });
    }
    for item in checklist {
        let unit = shares[2] * 100.0 / f64::from(checklist_tally.applicable);
        contributions.push(Contribution {
            component: Component::Checklist,
            key: item.id.clone(),
            points: if item.done { unit } else { 0.0 },
            at_best: unit,
        });
    }
    Explanation { score, contributions }
}

/// The organisation's (or any group's) score for a pillar: the mean of the
/// scores that exist.
pub fn mean_score(scores: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let present: Vec<f64> = scores.into_iter().flatten().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn risk() -> impl Strategy<Value = Risk> {
        prop_oneof![
            Just(Risk::High),
            Just(Risk::Medium),
            Just(Risk::None),
            Just(Risk::Unanswered),
            Just(Risk::NotApplicable)
        ]
    }

    fn review() -> impl Strategy<Value = Vec<ReviewItem>> {
        prop::collection::vec(risk(), 0..12).prop_map(|risks| {
            risks.into_iter().enumerate().map(|(i, risk)| ReviewItem { question_id: format!("q{i}"), risk }).collect()
        })
    }

    fn evidence() -> impl Strategy<Value = Vec<EvidenceItem>> {
        prop::collection::vec((1u32..=4, any::<bool>()), 0..20).prop_map(|items| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, (weight, passed))| EvidenceItem { key: format!("c{i}"), weight, passed })
                .collect()
        })
    }

    fn checklist() -> impl Strategy<Value = Vec<ChecklistItem>> {
        prop::collection::vec(any::<bool>(), 0..8).prop_map(|done| {
            done.into_iter()
                .enumerate()
                .map(|(i, done)| ChecklistItem { id: format!("k{i}"), done, decided: done })
                .collect()
        })
    }

    fn weights() -> impl Strategy<Value = Weights> {
        (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0).prop_map(|(review, evidence, checklist)| Weights {
            review,
            evidence,
            checklist,
        })
    }

    proptest! {
        #[test]
        fn scores_stay_within_0_and_100(w in weights(), r in review(), e in evidence(), c in checklist()) {
            let explanation = explain(&w, &r, &e, 30, &c);
            for value in [explanation.score.score, explanation.score.review, explanation.score.evidence, explanation.score.checklist].into_iter().flatten() {
                prop_assert!((0.0..=100.0).contains(&value), "{value}");
            }
            for coverage in [explanation.score.review_coverage, explanation.score.evidence_coverage, explanation.score.checklist_coverage] {
                prop_assert!((0.0..=1.0).contains(&coverage));
            }
        }

        #[test]
        fn fixing_a_failing_control_never_lowers_the_score(w in weights(), r in review(), e in evidence(), c in checklist(), pick in any::<prop::sample::Index>()) {
            let failing: Vec<usize> = e.iter().enumerate().filter(|(_, i)| !i.passed).map(|(n, _)| n).collect();
            prop_assume!(!failing.is_empty());
            let mut fixed = e.clone();
            fixed[failing[pick.index(failing.len())]].passed = true;
            let before = explain(&w, &r, &e, 30, &c).score.score.unwrap_or(0.0);
            let after = explain(&w, &r, &fixed, 30, &c).score.score.unwrap_or(0.0);
            prop_assert!(after >= before - 1e-9, "{before} -> {after}");
        }

        #[test]
        fn a_component_without_data_does_not_count(w in weights(), e in evidence(), c in checklist()) {
            let unanswered = vec![ReviewItem { question_id: "q".into(), risk: Risk::Unanswered }];
            let without_review = Weights { review: 0.0, ..w };
            prop_assert_eq!(explain(&w, &unanswered, &e, 30, &c).score.score, explain(&without_review, &[], &e, 30, &c).score.score);
        }

        #[test]
        fn the_explanation_adds_up_to_the_score(w in weights(), r in review(), e in evidence(), c in checklist()) {
            let explanation = explain(&w, &r, &e, 30, &c);
            let points: f64 = explanation.contributions.iter().map(|c| c.points).sum();
            match explanation.score.score {
                Some(score) => prop_assert!((points - score).abs() < 1e-9, "{points} vs {score}"),
                None => prop_assert!(points.abs() < 1e-12),
            }
        }

        #[test]
        fn tallies_from_sql_and_from_items_agree(w in weights(), r in review(), e in evidence()) {
            let from_items = explain(&w, &r, &e, 30, &[]).score;
            let from_tallies = Score::of(&w, &ReviewTally::of(&r), &EvidenceTally::of(&e, 30), &ChecklistTally::default());
            prop_assert_eq!(from_items, from_tallies);
        }
    }

    #[test]
    fn the_default_weights_blend_review_and_evidence() {
        let review = [
            ReviewItem { question_id: "a".into(), risk: Risk::None },
            ReviewItem { question_id: "b".into(), risk: Risk::Medium },
            ReviewItem { question_id: "c".into(), risk: Risk::High },
            ReviewItem { question_id: "d".into(), risk: Risk::Unanswered },
        ];
        let evidence = [
            EvidenceItem { key: "S3.1".into(), weight: 2, passed: true },
            EvidenceItem { key: "IAM.6".into(), weight: 4, passed: false },
        ];
        let score = explain(&Weights::default(), &review, &evidence, 4, &[]).score;
        // Review 50, evidence 33.3; weights 0.5 and 0.3 over 0.8.
        assert_eq!(score.review, Some(50.0));
        assert!((score.evidence.unwrap_or_default() - 100.0 / 3.0).abs() < 1e-9);
        assert!((score.score.unwrap_or_default() - (0.5 * 50.0 + 0.3 * 100.0 / 3.0) / 0.8).abs() < 1e-9);
        assert_eq!(score.review_coverage, 0.75);
        assert_eq!(score.evidence_coverage, 0.5);
        assert_eq!(score.checklist, None);
    }

    #[test]
    fn the_organisation_score_is_the_mean_of_the_scores_that_exist() {
        assert_eq!(mean_score([Some(80.0), None, Some(60.0)]), Some(70.0));
        assert_eq!(mean_score([None, None]), None);
    }

    #[test]
    fn checklist_coverage_is_the_share_of_applicable_items_someone_decided_on() {
        let item = |id: &str, done: bool, decided: bool| ChecklistItem { id: id.into(), done, decided };
        let items = [item("a", true, true), item("b", false, true), item("c", false, false), item("d", false, false)];
        let tally = ChecklistTally::of(&items);
        assert_eq!(tally, ChecklistTally { done: 1, applicable: 4, decided: 2 });
        assert_eq!(tally.value(), Some(25.0));
        assert_eq!(tally.coverage(), 0.5);
    }
}
