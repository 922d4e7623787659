//! What the benchmarks share: realistic findings and a fresh database.

#![allow(dead_code, reason = "each benchmark uses a part of this module")]

use aws_sdk_securityhub::types::{
    AssociatedStandard, AwsSecurityFinding, Compliance, ComplianceStatus, Recommendation, RecordState, Remediation,
    Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// Real Security Hub controls with their severity and resource type.
const CONTROLS: [(&str, SeverityLabel, &str, &str); 12] = [
    (
        "S3.1",
        SeverityLabel::Medium,
        "AwsS3Bucket",
        "S3 general purpose buckets should have block public access settings enabled",
    ),
    ("S3.5", SeverityLabel::Medium, "AwsS3Bucket", "S3 general purpose buckets should require requests to use SSL"),
    ("IAM.6", SeverityLabel::Critical, "AwsAccount", "Hardware MFA should be enabled for the root user"),
    (
        "EC2.2",
        SeverityLabel::High,
        "AwsEc2SecurityGroup",
        "VPC default security groups should not allow inbound or outbound traffic",
    ),
    (
        "EC2.8",
        SeverityLabel::High,
        "AwsEc2Instance",
        "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
    ),
    (
        "CloudTrail.1",
        SeverityLabel::High,
        "AwsAccount",
        "CloudTrail should be enabled and configured with at least one multi-Region trail",
    ),
    ("RDS.3", SeverityLabel::Medium, "AwsRdsDbInstance", "RDS DB instances should have encryption at-rest enabled"),
    (
        "RDS.5",
        SeverityLabel::Medium,
        "AwsRdsDbInstance",
        "RDS DB instances should be configured with multiple Availability Zones",
    ),
    (
        "DynamoDB.2",
        SeverityLabel::Medium,
        "AwsDynamoDbTable",
        "DynamoDB tables should have point-in-time recovery enabled",
    ),
    (
        "Lambda.1",
        SeverityLabel::Critical,
        "AwsLambdaFunction",
        "Lambda function policies should prohibit public access",
    ),
    ("KMS.4", SeverityLabel::Medium, "AwsKmsKey", "AWS KMS key rotation should be enabled"),
    (
        "ELB.1",
        SeverityLabel::Medium,
        "AwsElbv2LoadBalancer",
        "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
    ),
];

/// The `n`th of a stream of varied, realistic findings.
pub fn asff_finding(n: usize, account: &str, region: &str) -> AwsSecurityFinding {
    let (control, severity, resource_type, title) = &CONTROLS[n % CONTROLS.len()];
    let resource = format!("arn:aws:{}:{region}:{account}:resource/{n:08}", resource_type.to_lowercase());
    let failed = !n.is_multiple_of(3);
    AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(format!("arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/{n:032x}"))
        .product_arn(format!("arn:aws:securityhub:{region}::product/aws/securityhub"))
        .product_name("Security Hub")
        .company_name("AWS")
        .generator_id(format!("security-control/{control}"))
        .aws_account_id(account)
        .region(region)
        .types("Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices")
        .title(*title)
        .description(format!("This control checks {title}. It fails when the resource does not meet the requirement."))
        .first_observed_at("2026-09-01T08:00:00.000Z")
        .last_observed_at("2026-11-30T08:00:00.000Z")
        .created_at("2026-09-01T08:00:00.000Z")
        .updated_at("2026-11-30T08:00:00.000Z")
        .severity(Severity::builder().label(severity.clone()).original(severity.as_str()).build())
        .compliance(
            Compliance::builder()
                .status(if failed { ComplianceStatus::Failed } else { ComplianceStatus::Passed })
                .security_control_id(*control)
                .associated_standards(
                    AssociatedStandard::builder().standards_id("standards/aws-foundational-security-best-practices/v/1.0.0").build(),
                )
                .build(),
        )
        .workflow(Workflow::builder().status(if failed { WorkflowStatus::New } else { WorkflowStatus::Resolved }).build())
        .record_state(RecordState::Active)
        .resources(
            Resource::builder()
                .r#type(*resource_type)
                .id(resource)
                .region(region)
                .tags("team", ["payments", "search", "platform"][n % 3])
                .tags("environment", "production")
                .build(),
        )
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text("For information on how to correct this issue, consult the AWS Security Hub controls documentation.")
                        .url(format!("https://docs.aws.amazon.com/console/securityhub/{control}/remediation"))
                        .build(),
                )
                .build(),
        )
        .build()
}

/// A fresh, migrated database named `name` on the server of
/// `DATABASE_URL`.
pub async fn fresh_database(name: &str) -> PgPool {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base).to_owned();
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{base}/postgres"))
        .await
        .expect("the database server");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await.expect("drop");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create");
    let pool =
        PgPoolOptions::new().max_connections(8).connect(&format!("{base}/{name}")).await.expect("the bench database");
    server::db::migrate(&pool).await.expect("migrations");
    pool
}

/// A fresh database with the default demo organisation loaded through the
/// normal sync.
pub async fn demo_database(name: &str) -> PgPool {
    let pool = fresh_database(name).await;
    let options = server::sync::SyncOptions {
        full: true,
        concurrency: 2,
        incremental_margin: std::time::Duration::ZERO,
        weights: Default::default(),
    };
    server::demo::load::load(&pool, server::demo::DemoSpec::default(), &options, &server::sync::progress::LogProgress)
        .await
        .expect("the demo loads");
    pool
}
