//! The real `tandem-engine` binary answering the control channel: version checks that say which side to upgrade,
//! the token on TCP, and command-line errors.

use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

mod pb {
    tonic::include_proto!("tandem.control.v1");
}
use pb::control_client::ControlClient;

const ENGINE: &str = env!("CARGO_BIN_EXE_tandem-engine");

struct Engine(Child);
impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> Engine {
    Engine(Command::new(ENGINE).args(args).stderr(Stdio::null()).spawn().expect("cannot start tandem-engine"))
}

async fn unix_client(path: std::path::PathBuf) -> ControlClient<Channel> {
    for _ in 0..100 {
        if path.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let channel = Endpoint::try_from("http://engine")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
        }))
        .await
        .unwrap();
    ControlClient::new(channel)
}

fn handshake(control_api_version: u32, ring_layout_version: u32) -> pb::HandshakeRequest {
    pb::HandshakeRequest { control_api_version, ring_layout_version, host_version: "test".into() }
}

#[tokio::test]
async fn handshake_checks_both_versions_and_names_the_side_to_upgrade() {
    let dir = std::env::temp_dir().join(format!("tandem-engine-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("control.sock");
    let _engine = start(&["--listen", &format!("unix://{}", socket.display())]);
    let mut client = unix_client(socket.clone()).await;

    let ok = client.handshake(handshake(3, 1)).await.unwrap().into_inner();
    assert_eq!((ok.control_api_version, ok.ring_layout_version), (3, 1));
    assert_eq!(ok.runtime.unwrap().executor_type, "tokio_local");

    let newer_host = client.handshake(handshake(4, 1)).await.unwrap_err();
    assert_eq!(newer_host.code(), tonic::Code::FailedPrecondition);
    assert_eq!(newer_host.message(), "control API version mismatch: the host speaks 4, the engine speaks 3: upgrade the engine (tandem-engine)");
    let older_host = client.handshake(handshake(2, 1)).await.unwrap_err();
    assert_eq!(older_host.message(), "control API version mismatch: the host speaks 2, the engine speaks 3: upgrade the host (tandem)");
    let older_host = client.handshake(handshake(3, 0)).await.unwrap_err();
    assert_eq!(older_host.message(), "ring layout version mismatch: the host speaks 0, the engine speaks 1: upgrade the host (tandem)");

    let unknown = client
        .validate_config(pb::ValidateConfigRequest {
            kind: pb::Kind::Processor as i32,
            id: "transform/x".into(),
            config_json: "{}".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        unknown.error,
        "unknown type: \"transform\" for id: \"transform/x\" (valid values: [rust_attributes rust_batch rust_filter rust_transform])"
    );
    // A host type placed in the engine is checked as the engine type the host names, whatever its ID says.
    let placed = pb::ValidateConfigRequest {
        kind: pb::Kind::Processor as i32,
        id: "batch".into(),
        config_json: "{\"send_batch_size\": 10, \"send_batch_max_size\": 5}".into(),
        r#type: "rust_batch".into(),
    };
    assert_eq!(client.validate_config(placed).await.unwrap().into_inner().error, "send_batch_max_size must be greater or equal to send_batch_size");
    let placed = pb::ValidateConfigRequest {
        kind: pb::Kind::Processor as i32,
        id: "batch".into(),
        config_json: "{\"timeout\": \"1s\"}".into(),
        r#type: "rust_batch".into(),
    };
    assert_eq!(client.validate_config(placed).await.unwrap().into_inner().error, "");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn tcp_control_refuses_calls_without_the_token() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _engine = start(&["--listen", &format!("tcp://127.0.0.1:{port}"), "--token", "s3cret"]);
    let endpoint = format!("http://127.0.0.1:{port}");
    let channel = loop {
        if let Ok(c) = Endpoint::try_from(endpoint.clone()).unwrap().connect().await {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut client = ControlClient::new(channel);
    let refused = client.health(pb::HealthRequest {}).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    let mut request = tonic::Request::new(pb::HealthRequest {});
    request.metadata_mut().insert("authorization", "Bearer s3cret".parse().unwrap());
    assert_eq!(client.health(request).await.unwrap().into_inner().status, pb::health_response::Status::Ok as i32);
}

#[test]
fn command_line_errors_are_clear() {
    let run = |args: &[&str]| Command::new(ENGINE).args(args).output().unwrap();
    let executor = run(&["--listen", "unix:///tmp/x.sock", "--executor", "tokio_global"]);
    assert_eq!(executor.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&executor.stderr).contains("unknown executor type \"tokio_global\" (valid values: [tokio_local])"));
    let token = run(&["--listen", "tcp://127.0.0.1:1"]);
    assert!(String::from_utf8_lossy(&token.stderr).contains("a tcp:// control endpoint needs --token"));
}

// scenario: `tandem-engine probe` (a Kubernetes liveness/startup probe) against a live engine, a wrong token and an
// endpoint nobody serves / guarantee: exit 0 with the status only when the engine answers, exit 1 naming why otherwise
#[test]
fn probe_exits_0_only_when_the_engine_answers() {
    let probe = |args: &[&str]| Command::new(ENGINE).arg("probe").args(args).env_remove("TANDEM_ENGINE_TOKEN").output().unwrap();
    let dir = std::env::temp_dir().join(format!("tandem-engine-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = format!("unix://{}", dir.join("control.sock").display());
    let _engine = start(&["--listen", &socket]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let answered = loop {
        let out = probe(&["--endpoint", &socket]);
        if out.status.success() || std::time::Instant::now() > deadline {
            break out;
        }
    };
    assert_eq!(String::from_utf8_lossy(&answered.stdout), "engine ok\n");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _tcp = start(&["--listen", &format!("tcp://127.0.0.1:{port}"), "--token", "s3cret"]);
    let tcp = format!("tcp://127.0.0.1:{port}");
    let with_token = loop {
        let out = probe(&["--endpoint", &tcp, "--token", "s3cret"]);
        if out.status.success() || std::time::Instant::now() > deadline {
            break out;
        }
    };
    assert!(with_token.status.success(), "{}", String::from_utf8_lossy(&with_token.stderr));
    let wrong = probe(&["--endpoint", &tcp, "--token", "guess"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("did not answer health: missing or wrong control token"));

    let nobody = format!("unix://{}", dir.join("nobody.sock").display());
    let absent = probe(&["--endpoint", &nobody, "--timeout-ms", "500"]);
    assert_eq!(absent.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&absent.stderr);
    assert!(stderr.contains(&format!("cannot reach the engine at {nobody}")) && stderr.contains("No such file"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
