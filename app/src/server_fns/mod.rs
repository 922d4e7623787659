//! Server functions, one file each. Each takes its port from context and
//! makes one call.

mod overview;
mod workload;

pub use overview::{GetOverview, get_overview};
pub use workload::{GetWorkload, get_workload};
