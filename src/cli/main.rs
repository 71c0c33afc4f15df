//! `tms`: the explorer's command line (native only; the wasm build is the library).

#[cfg(not(target_arch = "wasm32"))]
mod args;
#[cfg(not(target_arch = "wasm32"))]
mod commands;
#[cfg(not(target_arch = "wasm32"))]
mod serve;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    commands::main()
}

/// Built only so `cargo test --target wasm32-unknown-unknown` can build every target.
#[cfg(target_arch = "wasm32")]
fn main() {}
