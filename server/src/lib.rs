//! The `plinth` server: configuration, the HTTP server around the Leptos
//! app, the database, and the command line.

pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod http;
pub mod startup;
pub mod telemetry;
