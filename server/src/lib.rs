//! The `plinth` server: configuration, the HTTP server around the Leptos
//! app, the database, and the command line.

pub mod answers;
pub mod api;
pub mod auth;
pub mod aws;
pub mod checklists;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod http;
pub mod lens;
pub mod mapping;
pub mod outbox;
pub mod reference;
pub mod remediation;
pub mod report;
pub mod scoring;
pub mod serving;
pub mod sources;
pub mod startup;
pub mod sync;
pub mod telemetry;
