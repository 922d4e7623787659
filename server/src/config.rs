//! Typed, layered configuration: built-in defaults, then an optional TOML
//! file, then environment variables. Secrets are wrapped so they never print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("defaults.toml");

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "plinth.toml";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub site: SiteSettings,
    pub sync: SyncSettings,
    pub aws: AwsSettings,
    /// How writes to AWS are delivered.
    #[serde(default)]
    pub outbox: crate::outbox::OutboxSettings,
    pub auth: AuthSettings,
    /// The weights of the score's components.
    pub scoring: crate::scoring::model::Weights,
    /// Default due dates of remediation items.
    pub remediation: crate::remediation::RemediationSettings,
    /// Who may read `/metrics`.
    #[serde(default)]
    pub metrics: MetricsSettings,
    /// How fast API tokens may call.
    #[serde(default)]
    pub api: crate::auth::rate::ApiRateSettings,
    /// The AWS sources to sync; none means the SDK's default chain and
    /// region as one source named `default`.
    #[serde(default)]
    pub sources: Vec<SourceSettings>,
}

/// `/metrics` is served only to a scraper that sends this token as
/// `Authorization: Bearer`; without one it is off (404).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricsSettings {
    pub token: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub addr: SocketAddr,
    /// Header and idle timeouts, the connection cap, the stop's grace.
    #[serde(flatten)]
    pub limits: crate::serving::ConnectionLimits,
    /// How fast one person may ask for the expensive pages.
    pub page_reads: crate::auth::rate::ApiRateSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// Connect with libpq's `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
    /// `PGDATABASE` (and `PGSSLMODE`, `PGSSLROOTCERT`) instead of `url`: set
    /// when `PGHOST` is and no URL is given, as ECS passes an RDS secret.
    #[serde(skip)]
    pub from_pg_environment: bool,
}

impl DatabaseSettings {
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.acquire_timeout_secs)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub filter: String,
    pub json: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SiteSettings {
    pub root: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyncSettings {
    /// How many account-regions sync at once.
    pub concurrency: usize,
    /// An incremental Security Hub sync asks for findings updated since the
    /// last successful sync minus this margin, for findings AWS records late.
    #[serde(with = "humantime_serde")]
    pub incremental_margin: Duration,
    /// The shortest `sync_interval` a source may have.
    #[serde(with = "humantime_serde")]
    pub min_interval: Duration,
    /// How many sources the scheduler syncs at once.
    pub sources_at_once: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AwsSettings {
    /// Attempts per AWS call, the first included; throttling and transient
    /// errors are retried with exponential backoff.
    pub max_attempts: u32,
    #[serde(with = "humantime_serde")]
    pub initial_backoff: Duration,
}

pub use crate::auth::settings::AuthSettings;
pub use crate::sources::settings::SourceSettings;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("invalid source {source_name:?}: {problem}")]
    InvalidSource { source_name: String, problem: String },
    #[error("scoring weights must be zero or more, and not all zero")]
    InvalidWeights,
    #[error("invalid sign-in settings: {0}")]
    InvalidAuth(String),
    #[error("two sources are named {0:?}; source names must be unique")]
    DuplicateSource(String),
}

/// Where the optional configuration file comes from.
#[derive(Debug, Clone)]
pub enum ConfigFile {
    /// `plinth.toml` in the working directory, read only if it exists.
    Default,
    /// A file the operator named; it must exist.
    Named(PathBuf),
}

impl Settings {
    /// Reads the settings from every layer, using the process environment.
    pub fn load(file: &ConfigFile) -> Result<Settings, ConfigError> {
        let path = match file {
            ConfigFile::Default => Path::new(DEFAULT_CONFIG_FILE).to_path_buf(),
            ConfigFile::Named(path) if !path.exists() => {
                return Err(ConfigError::MissingFile(path.clone()));
            }
            ConfigFile::Named(path) => path.clone(),
        };
        let plinth_env = Env::prefixed("PLINTH_").ignore(&["CONFIG"]).split("__");
        let database_url = Env::raw().only(&["DATABASE_URL"]).map(|_| "database.url".into());
        let given = Figment::from(Toml::file(path)).merge(plinth_env).merge(database_url);
        let url_given = given.find_value("database.url").is_ok();
        let mut settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(given)
            .extract()
            .map_err(|error| ConfigError::Invalid(Box::new(error)))?;
        settings.database.from_pg_environment = !url_given && std::env::var_os("PGHOST").is_some();
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let weights = [self.scoring.review, self.scoring.evidence, self.scoring.checklist];
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
            return Err(ConfigError::InvalidWeights);
        }
        self.auth.validate().map_err(ConfigError::InvalidAuth)?;
        let mut names = std::collections::HashSet::new();
        for source in &self.sources {
            source
                .validate()
                .map_err(|problem| ConfigError::InvalidSource { source_name: source.name.clone(), problem })?;
            if source.sync_interval < self.sync.min_interval {
                return Err(ConfigError::InvalidSource {
                    source_name: source.name.clone(),
                    problem: format!(
                        "sync_interval {} is shorter than sync.min_interval ({})",
                        humantime::format_duration(source.sync_interval),
                        humantime::format_duration(self.sync.min_interval)
                    ),
                });
            }
            if !names.insert(source.name.as_str()) {
                return Err(ConfigError::DuplicateSource(source.name.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[expect(clippy::result_large_err, reason = "figment::Jail fixes the closures' error type")]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn the_built_in_defaults_are_complete() {
        figment::Jail::expect_with(|_jail| {
            let settings = Settings::load(&ConfigFile::Default).expect("defaults load");
            assert_eq!(settings.http.addr, "127.0.0.1:3000".parse().expect("an address"));
            assert!(!settings.log.json);
            Ok(())
        });
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "plinth.toml",
                "[http]\naddr = \"0.0.0.0:8080\"\n[log]\njson = true\nfilter = \"debug\"\n",
            )?;
            jail.set_env("PLINTH_LOG__FILTER", "warn");
            jail.set_env("DATABASE_URL", "postgres://db.internal/plinth");
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            assert_eq!(settings.http.addr.port(), 8080);
            assert!(settings.log.json);
            assert_eq!(settings.log.filter, "warn");
            assert_eq!(settings.database.url.expose_secret(), "postgres://db.internal/plinth");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_that_does_not_exist_is_an_error() {
        figment::Jail::expect_with(|_jail| {
            let error =
                Settings::load(&ConfigFile::Named("missing.toml".into())).expect_err("a missing named file is refused");
            assert!(matches!(error, ConfigError::MissingFile(_)), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_malformed_value_names_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("PLINTH_HTTP__ADDR", "not an address");
            let error = Settings::load(&ConfigFile::Default).expect_err("a bad address is refused");
            assert!(error.to_string().to_lowercase().contains("http.addr"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn without_a_database_url_the_libpq_variables_are_used_when_pghost_is_set() {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            assert!(!settings.database.from_pg_environment, "no PGHOST: the default URL");
            jail.set_env("PGHOST", "plinth.abc.eu-west-1.rds.amazonaws.com");
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            assert!(settings.database.from_pg_environment, "PGHOST and no URL");
            jail.set_env("DATABASE_URL", "postgres://db.internal/plinth");
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            assert!(!settings.database.from_pg_environment, "DATABASE_URL wins over PGHOST");
            Ok(())
        });
    }

    #[test]
    fn sources_and_role_maps_come_whole_from_one_environment_variable_each() {
        // As the CloudFormation service stack passes them (PLINTH_SOURCES from
        // a secret), so a container needs no plinth.toml.
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "PLINTH_SOURCES",
                r#"[{ name = "organization", accounts = ["111122223333", "444455556666"], regions = ["eu-west-1"], role_arn = "arn:aws:iam::{account_id}:role/PlinthRead", external_id = "a-long-external-id" }]"#,
            );
            jail.set_env("PLINTH_AUTH__ROLES__MAP", r#"{ "plinth-admins" = "admin" }"#);
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            let source = &settings.sources[0];
            assert_eq!(source.name, "organization");
            assert_eq!(
                source.accounts,
                crate::sources::settings::Accounts::Listed(vec!["111122223333".into(), "444455556666".into()])
            );
            assert_eq!(source.role_for("444455556666").as_deref(), Some("arn:aws:iam::444455556666:role/PlinthRead"));
            assert_eq!(
                source.external_id.as_ref().map(|id| id.expose_secret().to_owned()).as_deref(),
                Some("a-long-external-id")
            );
            assert_eq!(settings.auth.roles.map.get("plinth-admins"), Some(&app::domain::Role::Admin));
            Ok(())
        });
    }

    #[test]
    fn an_organisation_source_comes_from_the_environment_as_the_service_template_writes_it() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "PLINTH_SOURCES",
                r#"[{ name = "organization", accounts = "organization", organization_account = "999988887777", aggregator_account = "111122223333", regions = ["eu-west-1"], role_arn = "arn:aws:iam::{account_id}:role/PlinthRead", external_id = "a-long-external-id", security_hub_aggregation_region = "eu-west-1" }]"#,
            );
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            let source = &settings.sources[0];
            assert_eq!(source.accounts, crate::sources::settings::Accounts::Organization);
            assert_eq!(source.organization_account.as_deref(), Some("999988887777"));
            assert_eq!(source.validate(), Ok(()));
            Ok(())
        });
    }

    #[test]
    fn the_database_url_never_prints() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://admin:hunter2@db/plinth");
            let settings = Settings::load(&ConfigFile::Default).expect("settings load");
            assert!(!format!("{settings:?}").contains("hunter2"));
            Ok(())
        });
    }
}
