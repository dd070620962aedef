//! Rebuilds the engine when a migration changes (`sqlx::migrate!` embeds the `migrations/` files at compile time),
//! and records the build profile and optimisation level for `engine::bench` (reported next to every figure).

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    for (var, name) in [("PROFILE", "QE_BUILD_PROFILE"), ("OPT_LEVEL", "QE_OPT_LEVEL")] {
        let value = std::env::var(var).unwrap_or_else(|_| "unknown".into());
        println!("cargo:rustc-env={name}={value}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
