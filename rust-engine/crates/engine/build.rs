//! Generates the control channel's server from proto/control.proto, the one definition both sides share. protox
//! compiles the file in Rust, so no protoc is needed.

fn main() {
    let proto = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../proto");
    let file = format!("{proto}/control.proto");
    println!("cargo:rerun-if-changed={file}");
    let descriptors = protox::compile([&file], [proto]).expect("proto/control.proto does not compile");
    tonic_prost_build::configure().build_client(true).compile_fds(descriptors).expect("cannot generate the control service");
}
