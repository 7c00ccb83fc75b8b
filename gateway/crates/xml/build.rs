//! Links the system libxml2 (2.9.x). No bindgen: the declarations we need
//! are written by hand in `src/ffi.rs`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    // Ask pkg-config for a non-default library folder; fall back to the
    // linker's default search path when pkg-config is absent.
    let libs = Command::new("pkg-config")
        .args(["--libs-only-L", "libxml-2.0"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    for dir in libs
        .split_whitespace()
        .filter_map(|flag| flag.strip_prefix("-L"))
    {
        println!("cargo:rustc-link-search=native={dir}");
    }
    println!("cargo:rustc-link-lib=dylib=xml2");
}
