//! Who may use Plinth: local users with argon2id passwords (single sign-on
//! and sessions come next), and the audit log every write goes to.

pub mod password;
pub mod users;
