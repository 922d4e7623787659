//! A workload's review as the Well-Architected Tool holds it, joined with
//! the evidence for each best practice; and the score's history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::refusal::refusal;
use super::{Pillar, Risk, Severity};

/// The longest milestone name the Well-Architected Tool takes.
pub const MAX_MILESTONE_NAME: usize = 100;

refusal!(
    /// Why a milestone was not recorded.
    MilestoneRefusal {
        UnknownWorkload = "workload" => "There is no such workload.",
        NoName = "name" => "Give the milestone a name; nothing was recorded.",
        NameTooLong = "long" => format!(
            "A milestone's name has at most {MAX_MILESTONE_NAME} characters; nothing was recorded."
        ),
        NoReview = "review" => "This workload has no review in the Well-Architected Tool, so it has no milestones.",
        Demo = "demo" => "The demo data has no AWS account behind it; nothing was recorded.",
        NotConfigured = "source" => {
            "The review's source is not configured in plinth.toml, so Plinth cannot write to it."
        },
        Taken = "taken" => "The workload already has a milestone with that name; choose another.",
        Aws = "aws" => "The Well-Architected Tool refused the milestone; the sync page has AWS's message.",
        Queued = "queued" => {
            "AWS did not take the milestone yet. It stays queued and Plinth tries again; the sync page shows how it goes."
        },
        NotStored = "database" => {
            "Plinth's database could not be reached, so nothing was recorded; try again in a moment."
        },
    }
);

/// A question with the team's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionAnswer {
    pub pillar: Pillar,
    pub id: String,
    pub title: String,
    /// `None` when the review has no answer to the question yet.
    pub risk: Option<Risk>,
    pub notes: Option<String>,
    /// Every best practice of the question, in the lens's order.
    pub choices: Vec<ChoiceLine>,
    /// The Well-Architected improvement plan for the question at risk.
    pub improvement_url: Option<String>,
}

impl QuestionAnswer {
    /// Best practices the team has not selected (not counting "None of these").
    pub fn missing(&self) -> impl Iterator<Item = &ChoiceLine> {
        self.choices.iter().filter(|choice| !choice.selected)
    }

    pub fn is_at_risk(&self) -> bool {
        matches!(self.risk, Some(Risk::High | Risk::Medium))
    }
}

/// A best practice, whether the team selected it, and the evidence the
/// mapping links to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceLine {
    pub id: String,
    pub title: String,
    pub selected: bool,
    /// An improvement link for this practice, when the review is at risk.
    pub improvement_url: Option<String>,
    pub evidence: Vec<EvidenceRef>,
}

/// A control or rule that gives evidence for a best practice, with its
/// result in the workload's scope (`None`: no result there).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRef {
    /// `control` or `rule`.
    pub kind: String,
    pub id: String,
    pub passed: Option<bool>,
}

/// A score at one point in time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub taken_at: DateTime<Utc>,
    pub score: Option<f32>,
}

/// A pillar's recent scores, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarTrend {
    pub pillar: Pillar,
    pub points: Vec<TrendPoint>,
}

impl PillarTrend {
    /// The change from the previous snapshot to the latest, in points.
    pub fn change(&self) -> Option<f32> {
        let scores: Vec<f32> = self.points.iter().filter_map(|point| point.score).collect();
        match scores.as_slice() {
            [.., previous, latest] => Some(latest - previous),
            _ => None,
        }
    }
}

/// "+3", "−2", "±0" from a change in points; `None` without a previous
/// snapshot.
pub fn change_text(change: Option<f32>) -> Option<String> {
    let rounded = change?.round() as i32;
    Some(match rounded {
        0 => "±0".to_owned(),
        n if n > 0 => format!("+{n}"),
        n => format!("\u{2212}{}", -n),
    })
}

/// A Well-Architected milestone: the review as it stood on a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub number: i32,
    pub name: String,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// A control that fails somewhere in the organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailingControl {
    pub control_id: String,
    pub title: Option<String>,
    pub severity: Severity,
    pub failing_findings: u64,
    pub accounts: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend(scores: &[Option<f32>]) -> PillarTrend {
        PillarTrend {
            pillar: Pillar::Security,
            points: scores
                .iter()
                .enumerate()
                .map(|(i, &score)| TrendPoint {
                    taken_at: DateTime::from_timestamp(i as i64 * 86_400, 0).expect("a time"),
                    score,
                })
                .collect(),
        }
    }

    #[test]
    fn the_change_is_from_the_previous_snapshot_with_a_score_to_the_latest() {
        assert_eq!(trend(&[Some(50.0), None, Some(61.0), Some(64.5)]).change(), Some(3.5));
        assert_eq!(trend(&[Some(70.0)]).change(), None);
        assert_eq!(trend(&[]).change(), None);
    }

    #[test]
    fn changes_read_with_their_sign() {
        assert_eq!(change_text(Some(3.4)).as_deref(), Some("+3"));
        assert_eq!(change_text(Some(-2.0)).as_deref(), Some("\u{2212}2"));
        assert_eq!(change_text(Some(0.2)).as_deref(), Some("±0"));
        assert_eq!(change_text(None), None);
    }
}
