//! The HTTP surface of the server, spawned on a free port against a fresh
//! database per test.

mod health;
mod helpers;
mod overview;
mod pillar;
mod theme;
mod workload;
