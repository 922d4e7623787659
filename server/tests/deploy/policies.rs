//! The IAM policies Plinth ships grant exactly the AWS operations its code
//! calls: the operations are read from `server/src` and matched against the
//! operations each AWS SDK crate has, so a new SDK call without its action
//! in the policy fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The IAM service prefix of each AWS SDK crate Plinth may depend on.
const IAM_PREFIXES: &[(&str, &str)] = &[
    ("aws-sdk-securityhub", "securityhub"),
    ("aws-sdk-config", "config"),
    ("aws-sdk-wellarchitected", "wellarchitected"),
    ("aws-sdk-sts", "sts"),
    ("aws-sdk-organizations", "organizations"),
    ("aws-sdk-account", "account"),
];

/// Calls that need no IAM permission at all (AWS STS API reference:
/// "No permissions are required to perform this operation").
const NEED_NO_PERMISSION: &[&str] = &["sts:GetCallerIdentity"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Each SDK crate the server depends on, with the operations it offers (the
/// folders under its `src/operation/`), keyed by its IAM prefix.
fn sdk_operations() -> BTreeMap<&'static str, BTreeSet<String>> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let server = packages.iter().find(|p| p["name"] == "server").expect("the server package");
    let mut operations = BTreeMap::new();
    for dependency in server["dependencies"].as_array().expect("dependencies") {
        let name = dependency["name"].as_str().expect("a name");
        if !name.starts_with("aws-sdk-") || dependency["kind"].as_str() == Some("dev") {
            continue;
        }
        let prefix = IAM_PREFIXES
            .iter()
            .find(|(crate_name, _)| *crate_name == name)
            .map(|(_, prefix)| *prefix)
            .unwrap_or_else(|| panic!("{name} is a new AWS SDK crate: add its IAM prefix to IAM_PREFIXES"));
        let package = packages.iter().find(|p| p["name"] == name).expect("the SDK package");
        let manifest = Path::new(package["manifest_path"].as_str().expect("a manifest path"));
        let folder = manifest.parent().expect("its folder").join("src/operation");
        let names: BTreeSet<String> = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_dir())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.is_empty(), "{name} has operations");
        operations.insert(prefix, names);
    }
    operations
}

/// The source of a file without its unit tests (they sit at its end).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests").map_or(text, |at| &text[..at])
}

/// The names called as `.name()`: how every SDK operation starts, as a
/// fluent builder with no arguments (`client.get_findings()`).
fn called_without_arguments(text: &str) -> BTreeSet<&str> {
    let bytes = text.as_bytes();
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices('.') {
        let start = at + 1;
        let end = start
            + bytes[start..].iter().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || **b == b'_').count();
        if end > start && text[end..].starts_with("()") {
            names.insert(&text[start..end]);
        }
    }
    names
}

fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut letters = word.chars();
            letters.next().map(|first| first.to_ascii_uppercase().to_string() + letters.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The IAM actions one file's SDK calls need, as `prefix:Action`.
fn actions_called(file: &Path, text: &str, operations: &BTreeMap<&'static str, BTreeSet<String>>) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for name in called_without_arguments(without_tests(text)) {
        let mut services: Vec<&str> =
            operations.iter().filter(|(_, names)| names.contains(name)).map(|(prefix, _)| *prefix).collect();
        if services.len() > 1 {
            // Several SDKs have an operation of this name: the file says
            // which by naming the crate.
            services.retain(|prefix| {
                let crate_name = IAM_PREFIXES.iter().find(|(_, p)| p == prefix).expect("known").0;
                text.contains(&crate_name.replace('-', "_"))
            });
            assert_eq!(services.len(), 1, "{}: cannot tell which SDK's {name}() is called", file.display());
        }
        if let Some(prefix) = services.first() {
            actions.insert(format!("{prefix}:{}", pascal_case(name)));
        }
    }
    actions
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("a readable folder").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Every action the server's code needs, and whether it assumes roles.
fn actions_in_code() -> (BTreeSet<String>, bool) {
    let operations = sdk_operations();
    let mut files = Vec::new();
    rust_files(&workspace().join("server/src"), &mut files);
    let mut actions = BTreeSet::new();
    let mut assumes_roles = false;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        actions.extend(actions_called(&file, &text, &operations));
        assumes_roles |= without_tests(&text).contains("AssumeRoleProvider");
    }
    (actions, assumes_roles)
}

fn is_read(action: &str) -> bool {
    let name = action.split(':').nth(1).expect("prefix:Action");
    ["Get", "List", "Describe", "BatchGet", "Select", "Search"].iter().any(|verb| name.starts_with(verb))
}

/// The actions a policy file grants.
fn granted(file: &str) -> BTreeSet<String> {
    let path = workspace().join("deploy/aws").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let policy: serde_json::Value = serde_json::from_str(&text).expect("a JSON policy");
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow", "{file} only allows");
        match &statement["Action"] {
            serde_json::Value::String(action) => {
                actions.insert(action.clone());
            }
            serde_json::Value::Array(list) => {
                actions.extend(list.iter().map(|a| a.as_str().expect("an action").to_owned()));
            }
            other => panic!("{file}: an Action of {other}"),
        }
    }
    assert!(actions.iter().all(|action| !action.contains('*')), "{file} names every action, no wildcards");
    actions
}

/// The `service:Action` names a template mentions for these services.
fn actions_in_template(file: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace().join("deploy/aws").join(file)).expect("the template");
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter(|word| {
            prefixes.iter().any(|prefix| word.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(':')))
        })
        // `service:Action`, not a condition key written as a YAML key
        // (`sts:ExternalId:`).
        .filter(|word| {
            let parts: Vec<&str> = word.split(':').collect();
            parts.len() == 2 && parts[1].starts_with(|c: char| c.is_ascii_uppercase())
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_read_policy_grants_exactly_the_read_calls_and_the_write_back_policy_exactly_the_writes() {
    let (actions, _) = actions_in_code();
    let needed: BTreeSet<String> = actions
        .into_iter()
        .filter(|action| !action.starts_with("sts:") && !NEED_NO_PERMISSION.contains(&action.as_str()))
        .collect();
    let reads: BTreeSet<String> = needed.iter().filter(|a| is_read(a)).cloned().collect();
    let writes: BTreeSet<String> = needed.iter().filter(|a| !is_read(a)).cloned().collect();
    println!("the code calls {} read and {} write operations", reads.len(), writes.len());

    assert_eq!(granted("plinth-read.json"), reads, "plinth-read.json against the read calls in server/src");
    assert_eq!(granted("plinth-write-back.json"), writes, "plinth-write-back.json against the writes in server/src");
    assert!(!writes.is_empty() && reads.len() > writes.len());
}

#[test]
fn the_read_role_template_grants_what_the_two_policies_grant() {
    let both: BTreeSet<String> =
        granted("plinth-read.json").into_iter().chain(granted("plinth-write-back.json")).collect();
    let services: Vec<&str> =
        IAM_PREFIXES.iter().map(|(_, prefix)| *prefix).filter(|prefix| *prefix != "sts").collect();
    let in_template = actions_in_template("plinth-read-role.yaml", &services);
    assert_eq!(in_template, both, "plinth-read-role.yaml's policies against the policy files");
}

/// The task role's own policy (only `sts:AssumeRole` on the read roles,
/// with the external id) is checked in `scripts/check_deploy.py`, which
/// reads the template as CloudFormation does; here, that the code needs
/// nothing else of STS.
#[test]
fn the_code_needs_nothing_of_sts_but_assuming_the_read_roles() {
    let (actions, assumes_roles) = actions_in_code();
    assert!(assumes_roles, "the code assumes each account's role");
    let sts_calls: BTreeSet<&String> = actions.iter().filter(|a| a.starts_with("sts:")).collect();
    assert!(
        sts_calls.iter().all(|a| NEED_NO_PERMISSION.contains(&a.as_str())),
        "STS calls that need a grant: {sts_calls:?}"
    );
}

#[test]
fn a_new_sdk_call_shows_up_as_an_action_the_policy_must_grant() {
    let operations = sdk_operations();
    let code = "async fn hub(client: &aws_sdk_securityhub::Client) { client.describe_hub().send().await; }\n\
                fn not_aws(x: &Thing) { x.get_ready(); x.describe_hub(42); }";
    let actions = actions_called(Path::new("new.rs"), code, &operations);
    assert_eq!(actions, BTreeSet::from(["securityhub:DescribeHub".to_owned()]));
}
