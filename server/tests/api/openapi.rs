//! The API's contract under review. `/api/v1/openapi.json` is committed as
//! `server/tests/api/openapi.json`; any change to a route or a type the API
//! exposes fails this test until the snapshot is written again, so the
//! change reaches review as a diff of that file:
//!
//! ```sh
//! PLINTH_UPDATE_SNAPSHOTS=1 cargo test -p server --test api openapi
//! ```

use std::path::PathBuf;

fn snapshot() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/openapi.json")
}

#[test]
fn the_served_api_contract_is_the_reviewed_snapshot() {
    let served = serde_json::to_string_pretty(&server::api::openapi()).expect("the document serializes") + "\n";
    if std::env::var_os("PLINTH_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(snapshot(), &served).expect("the snapshot is written");
        return;
    }
    let reviewed = std::fs::read_to_string(snapshot()).expect("the snapshot is committed");
    if served != reviewed {
        let (line, (was, now)) = reviewed
            .lines()
            .chain(std::iter::repeat(""))
            .zip(served.lines().chain(std::iter::repeat("")))
            .enumerate()
            .find(|(_, (was, now))| was != now)
            .expect("two different texts differ on some line");
        panic!(
            "/api/v1/openapi.json is not the reviewed snapshot: line {} was\n  {was}\nand is now\n  {now}\n\
             If the change is meant, write the snapshot again with \
             PLINTH_UPDATE_SNAPSHOTS=1 cargo test -p server --test api openapi, and commit its diff.",
            line + 1
        );
    }
}
