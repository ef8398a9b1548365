//! Rebuilds the crate when a file of the dashboard (`web/`) changes: they are embedded with
//! `include_dir!`, which cargo does not track on its own.

fn main() {
    println!("cargo:rerun-if-changed=web");
}
