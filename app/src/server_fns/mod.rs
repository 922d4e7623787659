//! Server functions, one file each. Each takes its port from context and
//! makes one call.

mod overview;
mod pillar;
mod workload;

pub use overview::{GetOverview, get_overview};
pub use pillar::{GetPillar, get_pillar};
pub use workload::{GetWorkload, get_workload};
