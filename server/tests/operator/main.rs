//! What an operator lives with, tried on the real `plinth` binary: syncs
//! that must run on their interval with two servers on one database, a
//! database that restarts or goes away in the middle of work, and clients
//! that connect and then say nothing. PostgreSQL is reached through a proxy
//! the tests can cut, so the shared server itself is never restarted.

mod connections;
mod database_gone;
mod database_restart;
mod fleet;
mod helpers;
mod outbox;
mod scheduler;
