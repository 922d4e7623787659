//! The executive summary's most important risks: every question at risk
//! and every failing control or rule of a review, ranked and said in plain
//! words.

use super::review::PillarReview;

/// Risks the executive summary names.
const TOP_RISKS: usize = 5;

/// Ranks every risk of the review, worst first: critical controls, then
/// high-risk questions, high controls, medium-risk questions, the rest;
/// within a rank, the one touching more resources or practices first. A
/// control mapped to two pillars is named once.
pub fn top_risks(pillars: &[PillarReview]) -> Vec<String> {
    // (rank, resources or practices touched, text, is a question)
    let mut risks: Vec<(u8, i64, String, bool)> = Vec::new();
    let mut named = std::collections::HashSet::new();
    for pillar in pillars {
        for question in &pillar.questions_at_risk {
            let (rank, level) = if question.risk == "HIGH" { (4, "high") } else { (2, "medium") };
            let missing = match question.missing.as_slice() {
                [] => String::new(),
                [only] => format!("; the practice “{only}” is missing"),
                [first, rest @ ..] => format!("; {} practices are missing, such as “{first}”", rest.len() + 1),
            };
            risks.push((
                rank,
                question.missing.len() as i64,
                format!("{}: “{}” is a {level} risk{missing}.", pillar.name, question.title),
                true,
            ));
        }
        for failing in &pillar.failing {
            if !named.insert((failing.kind.clone(), failing.id.clone())) {
                continue;
            }
            let rank = match failing.severity.as_str() {
                "CRITICAL" => 5,
                "HIGH" => 3,
                "MEDIUM" => 1,
                _ => 0,
            };
            let what = match &failing.title {
                Some(title) => format!("{} ({})", title.trim_end_matches('.'), failing.id),
                None => failing.id.clone(),
            };
            let resources = if failing.failing_count == 1 {
                "1 resource".to_owned()
            } else {
                format!("{} resources", failing.failing_count)
            };
            risks.push((
                rank,
                failing.failing_count,
                format!("{}: {what} fails on {resources} ({}).", pillar.name, failing.severity.to_lowercase()),
                false,
            ));
        }
    }
    risks.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    // A mix, not five of one kind: at most three failing controls or rules
    // and three questions, unless there are not enough of the other.
    let mut chosen: Vec<usize> = Vec::new();
    let (mut questions, mut evidence) = (0, 0);
    for (index, (_, _, _, is_question)) in risks.iter().enumerate() {
        let count = if *is_question { &mut questions } else { &mut evidence };
        if *count < MAX_OF_A_KIND && chosen.len() < TOP_RISKS {
            *count += 1;
            chosen.push(index);
        }
    }
    for index in 0..risks.len() {
        if chosen.len() >= TOP_RISKS {
            break;
        }
        if !chosen.contains(&index) {
            chosen.push(index);
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|index| risks[index].2.clone()).collect()
}

/// How many of the top risks may be of one kind while the other has more.
const MAX_OF_A_KIND: usize = 3;

#[cfg(test)]
mod tests {
    use app::domain::{Pillar, RiskCounts};

    use super::*;
    use crate::report::review::{ChecklistStatus, FailingEvidence, RiskQuestion};

    fn pillar(name: &str, questions: Vec<RiskQuestion>, failing: Vec<FailingEvidence>) -> PillarReview {
        PillarReview {
            pillar: Pillar::Security,
            name: name.to_owned(),
            score: Some(50),
            review: None,
            evidence: None,
            checklist: None,
            review_coverage: 1.0,
            evidence_coverage: 1.0,
            checklist_coverage: 1.0,
            change: None,
            risks: RiskCounts::default(),
            questions_at_risk: questions,
            failing,
            passing: 0,
            checklist_status: ChecklistStatus::default(),
        }
    }

    fn question(title: &str, risk: &str, missing: &[&str]) -> RiskQuestion {
        RiskQuestion {
            id: title.to_lowercase(),
            title: title.to_owned(),
            risk: risk.to_owned(),
            missing: missing.iter().map(|m| (*m).to_owned()).collect(),
            improvement_url: None,
        }
    }

    fn control(id: &str, severity: &str, count: i64) -> FailingEvidence {
        FailingEvidence {
            kind: "control".into(),
            id: id.into(),
            title: Some(format!("{id} title.")),
            severity: severity.into(),
            failing_count: count,
            top_resources: Vec::new(),
        }
    }

    #[test]
    fn top_risks_put_critical_controls_first_then_high_risk_questions() {
        let pillars = vec![pillar(
            "Security",
            vec![question("Protect data", "HIGH", &["Encrypt", "Classify"]), question("Detect", "MEDIUM", &[])],
            vec![control("S3.1", "HIGH", 9), control("IAM.6", "CRITICAL", 1), control("EC2.2", "LOW", 40)],
        )];
        let risks = top_risks(&pillars);
        assert_eq!(
            risks,
            vec![
                "Security: IAM.6 title (IAM.6) fails on 1 resource (critical).",
                "Security: “Protect data” is a high risk; 2 practices are missing, such as “Encrypt”.",
                "Security: S3.1 title (S3.1) fails on 9 resources (high).",
                "Security: “Detect” is a medium risk.",
                "Security: EC2.2 title (EC2.2) fails on 40 resources (low).",
            ]
        );
    }

    #[test]
    fn top_risks_mix_controls_and_questions_when_both_fail() {
        let controls = (0..5).map(|i| control(&format!("C.{i}"), "CRITICAL", 10 - i)).collect();
        let questions = (0..3).map(|i| question(&format!("Q{i}"), "HIGH", &[])).collect();
        let risks = top_risks(&[pillar("Security", questions, controls)]);
        assert_eq!(risks.len(), 5);
        assert_eq!(risks.iter().filter(|r| r.contains("fails on")).count(), 3, "{risks:?}");
        assert!(risks[0].contains("(C.0)"), "the worst still comes first: {risks:?}");
    }

    #[test]
    fn a_control_in_two_pillars_is_one_risk_and_only_five_are_named() {
        let mut security = pillar("Security", vec![], (0..4).map(|i| control(&format!("C.{i}"), "HIGH", i)).collect());
        security.failing.push(control("S3.1", "HIGH", 100));
        let reliability = pillar("Reliability", vec![], vec![control("S3.1", "HIGH", 100)]);
        let risks = top_risks(&[security, reliability]);
        assert_eq!(risks.len(), 5);
        assert_eq!(risks.iter().filter(|r| r.contains("(S3.1)")).count(), 1);
    }
}
