//! One page per file, named for its route.

mod home;
mod not_found;
mod workload;

pub use home::HomePage;
pub use not_found::NotFound;
pub use workload::WorkloadPage;
