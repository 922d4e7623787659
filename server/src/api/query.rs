//! Query strings as the API reads them: the pages' own readers, with what
//! they could not read refused by name instead of left out.

use std::collections::HashMap;

use app::domain::params::IgnoredParam;

use super::{ApiFailure, FieldError};

/// A query string as name → value; a repeated name keeps its first value.
pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn parse(query: Option<&str>) -> Params {
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default()).unwrap_or_default();
        let mut params = HashMap::new();
        for (name, value) in pairs {
            params.entry(name).or_insert(value);
        }
        Params(params)
    }

    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    /// 400 naming every parameter the reader `ignored`, every `typed` one
    /// given without a value (the pages' forms send those for "any", but
    /// the API's description types them), and any with a NUL character.
    pub(super) fn refuse(&self, typed: &[&str], ignored: Vec<IgnoredParam>) -> Result<(), ApiFailure> {
        let mut refused: Vec<IgnoredParam> = typed
            .iter()
            .filter(|name| self.0.get(**name).is_some_and(|value| value.trim().is_empty()))
            .map(|name| IgnoredParam { name: (*name).to_owned(), value: String::new() })
            .collect();
        refused.extend(ignored);
        let mut with_nul: Vec<IgnoredParam> = self
            .0
            .iter()
            .filter(|(_, value)| value.contains('\0'))
            .map(|(name, value)| IgnoredParam { name: name.clone(), value: value.clone() })
            .collect();
        with_nul.sort_by(|a, b| a.name.cmp(&b.name));
        refused.extend(with_nul);
        if refused.is_empty() {
            return Ok(());
        }
        Err(ApiFailure::invalid_fields(
            refused
                .into_iter()
                .map(|param| FieldError {
                    message: format!("{:?} is not a valid {}", param.value, param.name),
                    field: param.name,
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(name: &str, value: &str) -> IgnoredParam {
        IgnoredParam { name: name.into(), value: value.into() }
    }

    #[test]
    fn a_repeated_parameter_keeps_its_first_value_decoded() {
        let params = Params::parse(Some("q=a%20b&q=c&pillar=security"));
        assert_eq!(params.get("q").as_deref(), Some("a b"));
        assert_eq!(params.get("pillar").as_deref(), Some("security"));
        assert_eq!(params.get("sort"), None);
    }

    #[test]
    fn unreadable_and_blank_typed_parameters_are_refused_by_name() {
        let params = Params::parse(Some("severity=LOUD&pillar=&q="));
        let failure = params.refuse(&["pillar"], vec![ignored("severity", "LOUD")]).unwrap_err();
        let fields: Vec<&str> = failure.error.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["pillar", "severity"]);
        assert!(Params::parse(Some("q=")).refuse(&["pillar"], Vec::new()).is_ok(), "a blank text is no filter");
    }

    #[test]
    fn a_parameter_with_a_nul_character_is_refused_whatever_it_is() {
        let failure = Params::parse(Some("q=bucket%00&account=1")).refuse(&[], Vec::new()).unwrap_err();
        assert_eq!(failure.error.fields[0].field, "q");
        assert_eq!(failure.error.fields.len(), 1);
    }
}
