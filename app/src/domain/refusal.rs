//! Refusals: why a change was not made. Each feature defines one enum of
//! them beside its words, with the sentence people read; the form
//! handlers, the server functions and the API all refuse with it.
//!
//! After a refused form, the page is shown again with the refusal in its
//! address. Only the refusal's code travels, never its text, so a link
//! cannot make a page say anything a refusal does not say.

/// Defines a refusal enum: each variant with its code (as it travels in an
/// address, and its serde name) and its message (any expression that
/// displays: a `&str` or a `format!` naming the feature's limits).
macro_rules! refusal {
    (
        $(#[$meta:meta])*
        $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $code:literal => $message:expr,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// How the refusal travels in a page's address.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The refusal a code names; `None` for any other text.
            pub fn parse(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|refusal| refusal.code() == code)
            }

            /// The sentence people read, on the page and in the API.
            pub fn message(self) -> String {
                match self {
                    $($name::$variant => ($message).to_string(),)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.message())
            }
        }
    };
}

pub(crate) use refusal;

#[cfg(test)]
mod tests {
    refusal!(
        /// A refusal made for this test.
        Sample {
            Short = "short" => format!("Keep it under {} characters.", 12),
            Empty = "empty" => "Say something.",
        }
    );

    #[test]
    fn a_refusal_travels_as_its_code_and_reads_as_its_message() {
        assert_eq!(Sample::parse(Sample::Short.code()), Some(Sample::Short));
        assert_eq!(Sample::Short.message(), "Keep it under 12 characters.");
        assert_eq!(Sample::Empty.to_string(), "Say something.");
        assert_eq!(Sample::parse("<script>"), None);
    }

    /// Each code names one refusal of its feature, and reads back as it.
    fn codes_are_distinct_and_read_back<R: Copy + PartialEq + std::fmt::Debug>(
        all: &[R],
        code: fn(R) -> &'static str,
        parse: fn(&str) -> Option<R>,
        message: fn(R) -> String,
    ) {
        let codes: std::collections::HashSet<&str> = all.iter().map(|r| code(*r)).collect();
        assert_eq!(codes.len(), all.len(), "two refusals of {all:?} share a code");
        for refusal in all {
            assert_eq!(parse(code(*refusal)), Some(*refusal));
            assert!(message(*refusal).ends_with('.'), "{refusal:?} says a whole sentence");
        }
    }

    #[test]
    fn every_refusal_of_every_feature_reads_back_from_its_own_code() {
        use crate::domain::account::{SignInRefusal, TokenRefusal};
        use crate::domain::admin::AdminRefusal;
        use crate::domain::answers::AnswerRefusal;
        use crate::domain::checklists::TickRefusal;
        use crate::domain::remediation::RemediationRefusal;
        use crate::domain::review::MilestoneRefusal;
        macro_rules! check {
            ($($refusal:ty),+) => {
                $(codes_are_distinct_and_read_back(<$refusal>::ALL, <$refusal>::code, <$refusal>::parse, <$refusal>::message);)+
            };
        }
        check!(
            SignInRefusal,
            TokenRefusal,
            AdminRefusal,
            AnswerRefusal,
            TickRefusal,
            RemediationRefusal,
            MilestoneRefusal
        );
    }
}
