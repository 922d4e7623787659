//! The HTTP surface of the server, spawned on a free port against a fresh
//! database per test.

mod access;
mod accounts;
mod admin;
mod answers;
mod api_v1;
mod api_writes;
mod auth;
mod checklists;
mod exports;
mod findings;
mod health;
mod helpers;
mod injection;
mod limits;
mod metrics;
mod openapi;
mod overview;
mod pillar;
mod remediation;
mod rules;
mod sso;
mod sync_page;
mod theme;
mod tokens;
mod users;
mod vocabulary;
mod workload;
