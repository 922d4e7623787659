//! One page per file, named for its route.

mod home;
mod not_found;

pub use home::HomePage;
pub use not_found::NotFound;
