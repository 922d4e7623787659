"""Checks what Plinth ships for deploying it, beyond what the linters check.

- Every policy inside the CloudFormation templates goes through parliament,
  like the policy files, with the templates' intrinsic functions replaced by
  example values.
- A required parameter (no default) cannot be given an empty value, and its
  error names it: CloudFormation accepts "" for a String without a pattern.
- docker-compose.yml is valid against the Compose Specification's schema,
  and its restart policies are ones Compose knows.

Run by scripts/test.sh with the deploy tools' virtual environment:
    python check_deploy.py COMPOSE_SCHEMA
"""

import json
import re
import sys
from pathlib import Path

import jsonschema
import yaml
from cfnlint.decode import decode
from parliament import analyze_policy_string

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "deploy" / "aws").glob("*.yaml"))
COMPOSE = ROOT / "deploy" / "compose" / "docker-compose.yml"

# What an intrinsic function stands for in a policy that parliament reads.
EXAMPLES = {"AWS::Partition": "aws", "AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1"}


# The ARN a reference to a template's resource stands for, by its type (an
# RDS instance's reference in a policy is to its master user secret).
SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:plinth-AbCdEf"
ARNS = {
    "AWS::SecretsManager::Secret": SECRET,
    "AWS::RDS::DBInstance": SECRET,
    "AWS::ECS::Service": "arn:aws:ecs:eu-west-1:111122223333:service/plinth/plinth",
    "AWS::ECS::Cluster": "arn:aws:ecs:eu-west-1:111122223333:cluster/plinth",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:eu-west-1:111122223333:stateMachine:plinth-redeploy",
}


def concrete(value, resources):
    """The value with !Sub, !Ref and !GetAtt replaced by example strings."""

    def named(logical_id):
        kind = resources.get(logical_id.split(".")[0], {}).get("Type")
        return ARNS.get(kind, EXAMPLES.get(logical_id, "example"))

    if isinstance(value, dict) and len(value) == 1:
        (name, argument), = value.items()
        if name == "Fn::Sub":
            text = argument[0] if isinstance(argument, list) else argument
            return re.sub(r"\$\{([^}]+)\}", lambda m: EXAMPLES.get(m.group(1), "example"), text)
        if name == "Ref":
            return named(argument)
        if name == "Fn::GetAtt":
            return named(argument[0] if isinstance(argument, list) else argument)
    if isinstance(value, dict):
        return {key: concrete(item, resources) for key, item in value.items()}
    if isinstance(value, list):
        return [concrete(item, resources) for item in value]
    return value


def policies(node, path=""):
    """Every identity policy in a template, with where it is (parliament
    reads identity policies, not roles' trust policies)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "PolicyDocument" and isinstance(value, dict):
                yield f"{path}/{key}", value
            elif key != "AssumeRolePolicyDocument":
                yield from policies(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from policies(value, f"{path}/{index}")


def check_template_policies(problems):
    checked = 0
    for template in TEMPLATES:
        document, matches = decode(str(template))
        if matches:
            problems.append(f"{template.name}: cannot be read: {matches}")
            continue
        resources = document.get("Resources", {})
        for where, policy in policies(resources):
            findings = analyze_policy_string(json.dumps(concrete(policy, resources)), include_community_auditors=False)
            for finding in findings.findings:
                problems.append(f"{template.name}{where}: parliament: {finding.severity} {finding.issue} {finding.detail}")
            checked += 1
    print(f"parliament: {checked} policies inside {len(TEMPLATES)} templates")


def check_no_wildcard_actions(problems):
    """Every policy names its actions: no `service:*` or `service:Get*`."""
    for template in TEMPLATES:
        document, _ = decode(str(template))
        for where, policy in policies(document.get("Resources", {})):
            for statement in policy.get("Statement", []):
                actions = statement.get("Action", [])
                for action in [actions] if isinstance(actions, str) else actions:
                    if "*" in str(action):
                        problems.append(f"{template.name}{where}: the action {action} is a wildcard")


def check_task_role(problems):
    """The ECS task role may do one thing: assume the read roles, by name,
    with the external id. No managed policy, no other statement."""
    document, _ = decode(str(ROOT / "deploy" / "aws" / "plinth-service.yaml"))
    role = document["Resources"]["TaskRole"]["Properties"]
    statements = [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    expected = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${ReadRoleName}"},
        "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
    }
    found = [{key: value for key, value in s.items() if key != "Sid"} for s in statements]
    if role.get("ManagedPolicyArns") or found != [expected]:
        problems.append(f"plinth-service.yaml: TaskRole grants more or other than sts:AssumeRole on the read roles: {found}")
    else:
        print("task role: only sts:AssumeRole on role/${ReadRoleName} with sts:ExternalId")


def check_required_parameters(problems):
    required = 0
    for template in TEMPLATES:
        document, _ = decode(str(template))
        for name, parameter in document.get("Parameters", {}).items():
            if "Default" in parameter:
                continue
            required += 1
            if parameter["Type"] in ("String", "CommaDelimitedList"):
                if "AllowedPattern" not in parameter and int(parameter.get("MinLength", 0)) < 1:
                    problems.append(f"{template.name}: {name} is required but accepts an empty value")
                if name not in parameter.get("ConstraintDescription", ""):
                    problems.append(f"{template.name}: {name}'s ConstraintDescription does not name it")
    print(f"templates: {required} required parameters, each refusing an empty value with its name")


RESTART = re.compile(r"^(no|always|unless-stopped|on-failure(:[0-9]+)?)$")


def check_compose(schema_path, problems):
    schema = json.loads(Path(schema_path).read_text())
    compose = yaml.safe_load(COMPOSE.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    for error in errors:
        problems.append(f"{COMPOSE.name}: {'/'.join(map(str, error.path)) or '<root>'}: {error.message}")
    for name, service in compose.get("services", {}).items():
        if "restart" in service and not RESTART.match(str(service["restart"])):
            problems.append(f"{COMPOSE.name}: services/{name}/restart: {service['restart']!r} is not a restart policy")
        if "healthcheck" not in service and service.get("restart") != "no":
            problems.append(f"{COMPOSE.name}: services/{name} has no health check")
    print(f"compose: {COMPOSE.name} is valid against {schema.get('title')} ({len(compose['services'])} services)")


def main():
    problems = []
    check_template_policies(problems)
    check_no_wildcard_actions(problems)
    check_task_role(problems)
    check_required_parameters(problems)
    check_compose(sys.argv[1], problems)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
