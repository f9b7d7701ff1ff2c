//! Generates the control channel's server from proto/control.proto, the one definition both sides share. protox
//! compiles the file in Rust, so no protoc is needed.

fn main() {
    // Read at run time, not with env!(): a build script cached in a shared target directory may have been compiled
    // for a checkout at another path.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let proto = format!("{manifest}/../../../proto");
    let file = format!("{proto}/control.proto");
    println!("cargo:rerun-if-changed={file}");
    let descriptors = protox::compile([&file], [&proto]).expect("proto/control.proto does not compile");
    tonic_prost_build::configure().build_client(true).compile_fds(descriptors).expect("cannot generate the control service");
}
