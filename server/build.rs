// `sqlx::migrate!` embeds the migrations when this crate compiles, so a new
// migration must compile it again.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
