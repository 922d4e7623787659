//! The HTTP surface of the server, spawned on a free port against a fresh
//! database per test.

mod findings;
mod health;
mod helpers;
mod overview;
mod pillar;
mod rules;
mod sync_page;
mod theme;
mod users;
mod workload;
