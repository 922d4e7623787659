//! Server functions, one file each. Each takes its port from context and
//! makes one call.

mod overview;

pub use overview::{GetOverview, get_overview};
