//! The `/api/v1` contract: every type the API sends or reads, apart from
//! the pages' view models in `app::domain`. The OpenAPI document is
//! generated from these types, not from the view models, so changing a
//! page cannot change the API by accident.
//!
//! A type that mirrors a view model is built from it field by field, the
//! view model taken apart whole: a field added to or dropped from a view
//! model does not compile here until the contract says what the API does
//! about it. The enums convert variant by variant for the same reason.
//!
//! Doc comments here are the document's descriptions: a type the document
//! has never described has a plain comment instead. The error shape,
//! `ApiError`, lives with its statuses in `error`; the query strings'
//! parameters beside the handlers that read them.

/// The conversions between a view model's enum and the contract's enum of
/// the same variants: `from` for what the API only sends, `both` for what
/// it also reads in a body. A variant added to the view model fails to
/// compile until the contract says how it is sent.
macro_rules! same_variants {
    (from $module:ident::$domain:ident => $contract:ident { $($variant:ident),+ $(,)? }) => {
        impl From<$module::$domain> for $contract {
            fn from(value: $module::$domain) -> Self {
                match value {
                    $($module::$domain::$variant => $contract::$variant),+
                }
            }
        }
    };
    (both $module:ident::$domain:ident <=> $contract:ident { $($variant:ident),+ $(,)? }) => {
        same_variants!(from $module::$domain => $contract { $($variant),+ });

        impl From<$contract> for $module::$domain {
            fn from(value: $contract) -> Self {
                match value {
                    $($contract::$variant => $module::$domain::$variant),+
                }
            }
        }
    };
}

mod checklists;
mod findings;
mod remediation;
mod requests;
mod review;
mod rules;
mod sync;
#[cfg(test)]
mod tests;
mod vocabulary;
mod workloads;

pub use checklists::*;
pub use findings::*;
pub use remediation::*;
pub use requests::*;
pub use review::*;
pub use rules::*;
pub use sync::*;
pub use vocabulary::*;
pub use workloads::*;

/// Each item of a view model's list, as the contract sends it.
fn each<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
