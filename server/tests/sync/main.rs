//! The sync, driving the real SDK clients against aws-smithy-mocks and
//! storing into a fresh PostgreSQL database per test.

mod config;
mod demo;
mod finding_updates;
mod helpers;
mod organization;
mod scoring;
mod security_hub;
mod store;
mod well_architected;
