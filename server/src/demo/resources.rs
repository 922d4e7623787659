//! What kind of resource a Security Hub control checks, and how its ARN
//! looks, so demo findings name resources someone who knows AWS would
//! recognise.

use crate::reference::Control;

/// The ASFF resource type a control's findings name.
pub fn resource_type(control: &Control) -> &'static str {
    let title = control.title.to_lowercase();
    let has = |word: &str| title.contains(word);
    match control.service() {
        "Account" | "CloudWatch" | "Config" | "GuardDuty" => "AwsAccount",
        "ACM" => "AwsCertificateManagerCertificate",
        "APIGateway" => "AwsApiGatewayV2Stage",
        "AutoScaling" | "Autoscaling" => "AwsAutoScalingAutoScalingGroup",
        "CloudFormation" => "AwsCloudFormationStack",
        "CloudFront" => "AwsCloudFrontDistribution",
        "CloudTrail" if has("bucket") => "AwsS3Bucket",
        "CloudTrail" if has("trail") && !has("enabled and configured") => "AwsCloudTrailTrail",
        "CloudTrail" => "AwsAccount",
        "CodeBuild" => "AwsCodeBuildProject",
        "DMS" => "AwsDmsReplicationInstance",
        "DynamoDB" => "AwsDynamoDbTable",
        "EC2" if has("security group") => "AwsEc2SecurityGroup",
        "EC2" if has("snapshot") => "AwsEc2Snapshot",
        "EC2" if has("volume") || has("ebs") => "AwsEc2Volume",
        "EC2" if has("subnet") => "AwsEc2Subnet",
        "EC2" if has("network acl") => "AwsEc2NetworkAcl",
        "EC2" if has("vpn") => "AwsEc2VpnConnection",
        "EC2" if has("eip") => "AwsEc2Eip",
        "EC2" if has("vpc") => "AwsEc2Vpc",
        "EC2" if has("transit gateway") => "AwsEc2TransitGateway",
        "EC2" => "AwsEc2Instance",
        "ECR" => "AwsEcrRepository",
        "ECS" if has("cluster") => "AwsEcsCluster",
        "ECS" if has("service") => "AwsEcsService",
        "ECS" => "AwsEcsTaskDefinition",
        "EFS" => "AwsEfsFileSystem",
        "EKS" => "AwsEksCluster",
        "ElastiCache" => "AwsElastiCacheCacheCluster",
        "ElasticBeanstalk" => "AwsElasticBeanstalkEnvironment",
        "ELB" if has("classic") => "AwsElbLoadBalancer",
        "ELB" => "AwsElbv2LoadBalancer",
        "EMR" => "AwsEmrCluster",
        "ES" => "AwsElasticsearchDomain",
        "Opensearch" => "AwsOpenSearchServiceDomain",
        "IAM" if has("root") || has("password policy") || has("support role") => "AwsAccount",
        "IAM" if has("polic") => "AwsIamPolicy",
        "IAM" if has("role") => "AwsIamRole",
        "IAM" => "AwsIamUser",
        "Kinesis" => "AwsKinesisStream",
        "KMS" => "AwsKmsKey",
        "Lambda" => "AwsLambdaFunction",
        "NetworkFirewall" if has("polic") => "AwsNetworkFirewallFirewallPolicy",
        "NetworkFirewall" => "AwsNetworkFirewallFirewall",
        "RDS" if has("snapshot") => "AwsRdsDbSnapshot",
        "RDS" if has("cluster") => "AwsRdsDbCluster",
        "RDS" if has("event") => "AwsRdsEventSubscription",
        "RDS" => "AwsRdsDbInstance",
        "Redshift" => "AwsRedshiftCluster",
        "S3" if has("account") || title.starts_with("s3 block public access") => "AwsAccount",
        "S3" => "AwsS3Bucket",
        "SageMaker" => "AwsSageMakerNotebookInstance",
        "SecretsManager" => "AwsSecretsManagerSecret",
        "SNS" => "AwsSnsTopic",
        "SQS" => "AwsSqsQueue",
        "SSM" => "AwsSsmPatchCompliance",
        "WAF" if has("v2") => "AwsWafv2WebAcl",
        "WAF" => "AwsWafWebAcl",
        _ => "Other",
    }
}

/// A realistic identifier for the `n`th resource of a type in an account
/// and region: an ARN where AWS uses one.
pub fn resource_id(resource_type: &str, account: &str, region: &str, n: usize, name: &str) -> String {
    let hex = |width: usize| {
        format!("{:0width$x}", (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 4, width = width)
            .chars()
            .take(width)
            .collect::<String>()
    };
    match resource_type {
        "AwsAccount" => format!("AWS::::Account:{account}"),
        "AwsS3Bucket" => format!("arn:aws:s3:::{name}-{account}-{region}-{n}"),
        "AwsEc2Instance" => format!("arn:aws:ec2:{region}:{account}:instance/i-0{}", hex(16)),
        "AwsEc2SecurityGroup" => format!("arn:aws:ec2:{region}:{account}:security-group/sg-0{}", hex(16)),
        "AwsEc2Volume" => format!("arn:aws:ec2:{region}:{account}:volume/vol-0{}", hex(16)),
        "AwsEc2Snapshot" => format!("arn:aws:ec2:{region}:{account}:snapshot/snap-0{}", hex(16)),
        "AwsEc2Vpc" => format!("arn:aws:ec2:{region}:{account}:vpc/vpc-0{}", hex(16)),
        "AwsEc2Subnet" => format!("arn:aws:ec2:{region}:{account}:subnet/subnet-0{}", hex(16)),
        "AwsEc2NetworkAcl" => format!("arn:aws:ec2:{region}:{account}:network-acl/acl-0{}", hex(16)),
        "AwsEc2Eip" => format!("arn:aws:ec2:{region}:{account}:eip-allocation/eipalloc-0{}", hex(16)),
        "AwsIamUser" => format!("arn:aws:iam::{account}:user/{name}-{n}"),
        "AwsIamRole" => format!("arn:aws:iam::{account}:role/{name}-{n}"),
        "AwsIamPolicy" => format!("arn:aws:iam::{account}:policy/{name}-{n}"),
        "AwsKmsKey" => {
            format!("arn:aws:kms:{region}:{account}:key/{}-{}-4{}-8{}-{}", hex(8), hex(4), hex(3), hex(3), hex(12))
        }
        "AwsLambdaFunction" => format!("arn:aws:lambda:{region}:{account}:function:{name}-{n}"),
        "AwsDynamoDbTable" => format!("arn:aws:dynamodb:{region}:{account}:table/{name}-{n}"),
        "AwsRdsDbInstance" => format!("arn:aws:rds:{region}:{account}:db:{name}-{n}"),
        "AwsRdsDbCluster" => format!("arn:aws:rds:{region}:{account}:cluster:{name}-{n}"),
        "AwsRdsDbSnapshot" => format!("arn:aws:rds:{region}:{account}:snapshot:{name}-{n}"),
        "AwsSnsTopic" => format!("arn:aws:sns:{region}:{account}:{name}-{n}"),
        "AwsSqsQueue" => format!("arn:aws:sqs:{region}:{account}:{name}-{n}"),
        "AwsElbv2LoadBalancer" => {
            format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}-{n}/{}", hex(16))
        }
        "AwsCloudTrailTrail" => format!("arn:aws:cloudtrail:{region}:{account}:trail/{name}-{n}"),
        "AwsEcrRepository" => format!("arn:aws:ecr:{region}:{account}:repository/{name}-{n}"),
        "AwsEksCluster" => format!("arn:aws:eks:{region}:{account}:cluster/{name}-{n}"),
        "AwsSecretsManagerSecret" => format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-{n}-{}", hex(6)),
        "AwsCloudFrontDistribution" => {
            format!("arn:aws:cloudfront::{account}:distribution/E{}", hex(13).to_uppercase())
        }
        other => {
            let service = other.trim_start_matches("Aws").to_lowercase();
            format!("arn:aws:{service}:{region}:{account}:{name}-{n}")
        }
    }
}

/// The Config resource type for an ASFF resource type, for rule results.
pub fn config_resource_type(resource_type: &str) -> String {
    match resource_type {
        "AwsAccount" => "AWS::::Account".into(),
        "AwsS3Bucket" => "AWS::S3::Bucket".into(),
        "AwsEc2Instance" => "AWS::EC2::Instance".into(),
        "AwsEc2SecurityGroup" => "AWS::EC2::SecurityGroup".into(),
        "AwsEc2Volume" => "AWS::EC2::Volume".into(),
        "AwsEc2Vpc" => "AWS::EC2::VPC".into(),
        "AwsEc2Subnet" => "AWS::EC2::Subnet".into(),
        "AwsIamUser" => "AWS::IAM::User".into(),
        "AwsIamRole" => "AWS::IAM::Role".into(),
        "AwsIamPolicy" => "AWS::IAM::Policy".into(),
        "AwsKmsKey" => "AWS::KMS::Key".into(),
        "AwsLambdaFunction" => "AWS::Lambda::Function".into(),
        "AwsDynamoDbTable" => "AWS::DynamoDB::Table".into(),
        "AwsRdsDbInstance" => "AWS::RDS::DBInstance".into(),
        "AwsRdsDbCluster" => "AWS::RDS::DBCluster".into(),
        "AwsRdsDbSnapshot" => "AWS::RDS::DBSnapshot".into(),
        "AwsElbv2LoadBalancer" => "AWS::ElasticLoadBalancingV2::LoadBalancer".into(),
        "AwsCloudTrailTrail" => "AWS::CloudTrail::Trail".into(),
        other => format!("AWS::{}", other.trim_start_matches("Aws")),
    }
}
