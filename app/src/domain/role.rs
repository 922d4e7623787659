//! What a user may do.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A user's role, each including the one before: viewers read everything,
/// editors also tick checklists and work remediation items, admins also
/// manage sources, syncs, users and settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value.trim().to_lowercase())
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_includes_the_ones_below_it() {
        assert!(Role::Admin.allows(Role::Editor) && Role::Admin.allows(Role::Viewer));
        assert!(Role::Editor.allows(Role::Viewer) && !Role::Editor.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Editor));
    }

    #[test]
    fn roles_read_back_from_their_names_in_any_case() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("owner"), None);
    }
}
