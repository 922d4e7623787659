//! Plinth's browser-facing half: the pages, their components and the server
//! functions they call. Compiled twice: with `ssr` into the server, and with
//! `hydrate` into the WebAssembly that makes the server-rendered pages live.
//!
//! Nothing here touches the database or AWS. What the pages need from the
//! server is declared as traits in [`ports`] and implemented by the `server`
//! crate, which hands the implementations to Leptos as context.

// Leptos views are nested types; release builds of large pages need room.
#![recursion_limit = "256"]

pub mod auth;
pub mod charts;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod server_fns;
mod shell;
pub mod theme;

pub use shell::{App, shell};

/// The WebAssembly entry point: hydrates the islands of the page the server
/// rendered. Everything outside an island is server-rendered HTML; the
/// islands router fetches the next page's HTML and swaps it in.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
