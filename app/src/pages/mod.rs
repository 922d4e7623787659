//! One page per file, named for its route.

mod home;
mod not_found;
mod pillar;
mod workload;

pub use home::HomePage;
pub use not_found::NotFound;
pub use pillar::PillarPage;
pub use workload::WorkloadPage;
