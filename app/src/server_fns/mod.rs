//! Server functions, one file each. Each takes its port from context and
//! makes one call.

mod workloads;

pub use workloads::{ListWorkloads, list_workloads};
