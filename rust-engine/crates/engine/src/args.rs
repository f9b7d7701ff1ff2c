//! The engine's command line, checked with errors that name the flag and the valid values.

use std::path::PathBuf;

/// The executors the engine can run pipelines on; `runtime.rust.executor.type` must be one of them.
pub const EXECUTOR_TYPES: [&str; 1] = ["tokio_local"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Unix(PathBuf),
    Tcp(String),
}

#[derive(Debug, Clone)]
pub struct Args {
    pub listen: Listen,
    pub token: Option<String>,
    pub executor: String,
    pub cores: u32,
    /// Pins core N's pipeline thread to CPU N.
    pub pin_cores: bool,
    /// Spawn mode: ring regions and doorbells inherited from the host, one pair per core.
    pub inherited: Vec<(i32, i32)>,
    /// Spawn mode: exit when the host does, even if it was killed.
    pub exit_with_parent: bool,
}

/// `tandem-engine probe`: ask a running engine whether it is alive.
#[derive(Debug, Clone)]
pub struct ProbeArgs {
    pub endpoint: Listen,
    pub token: Option<String>,
    pub timeout: std::time::Duration,
}

pub const USAGE: &str = "usage: tandem-engine --listen unix:///path/control.sock | tcp://host:port --token TOKEN
                     [--executor tokio_local] [--cores N] [--pin-cores] [--region-fd N --bell-fd M]... [--exit-with-parent]
       tandem-engine probe --endpoint unix:///path/control.sock | tcp://host:port [--token TOKEN] [--timeout-ms N]
       tandem-engine --version";

pub enum Command {
    Run(Args),
    Probe(ProbeArgs),
    Version,
    Help,
}

fn token_from_environment() -> Option<String> {
    std::env::var("TANDEM_ENGINE_TOKEN").ok().filter(|t| !t.is_empty())
}

pub fn parse(argv: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut argv = argv.into_iter().peekable();
    if argv.peek().map(String::as_str) == Some("probe") {
        argv.next();
        return parse_probe(argv);
    }
    let mut listen = None;
    let mut token = token_from_environment();
    let mut executor = EXECUTOR_TYPES[0].to_string();
    let mut cores = 1u32;
    let mut pin_cores = false;
    let (mut regions, mut bells) = (Vec::new(), Vec::new());
    let mut exit_with_parent = false;
    let mut it = argv;
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("flag needs an argument: {flag}"));
        match flag.as_str() {
            "--version" => return Ok(Command::Version),
            "--help" | "-h" => return Ok(Command::Help),
            "--listen" => listen = Some(parse_listen(&value()?)?),
            "--token" => token = Some(value()?),
            "--executor" => executor = value()?,
            "--cores" => cores = value()?.parse().map_err(|_| "--cores must be a positive integer".to_string())?,
            "--pin-cores" => pin_cores = true,
            "--region-fd" => regions.push(value()?.parse().map_err(|_| "--region-fd must be a descriptor number".to_string())?),
            "--bell-fd" => bells.push(value()?.parse().map_err(|_| "--bell-fd must be a descriptor number".to_string())?),
            "--exit-with-parent" => exit_with_parent = true,
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    if !EXECUTOR_TYPES.contains(&executor.as_str()) {
        return Err(format!("unknown executor type \"{executor}\" (valid values: [{}])", EXECUTOR_TYPES.join(", ")));
    }
    if cores == 0 {
        return Err("--cores must be at least 1".into());
    }
    if regions.len() != bells.len() {
        return Err("every --region-fd needs a --bell-fd".into());
    }
    let listen = listen.ok_or("--listen is required")?;
    if matches!(listen, Listen::Tcp(_)) && token.is_none() {
        return Err("a tcp:// control endpoint needs --token (or TANDEM_ENGINE_TOKEN): calls without it are refused".into());
    }
    Ok(Command::Run(Args { listen, token, executor, cores, pin_cores, inherited: regions.into_iter().zip(bells).collect(), exit_with_parent }))
}

fn parse_probe(mut it: impl Iterator<Item = String>) -> Result<Command, String> {
    let (mut endpoint, mut token, mut timeout_ms) = (None, token_from_environment(), 2_000u64);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("flag needs an argument: {flag}"));
        match flag.as_str() {
            "--endpoint" => endpoint = Some(parse_listen(&value()?)?),
            "--token" => token = Some(value()?),
            "--timeout-ms" => timeout_ms = value()?.parse().map_err(|_| "--timeout-ms must be a number of milliseconds".to_string())?,
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    let endpoint = endpoint.ok_or("probe needs --endpoint")?;
    Ok(Command::Probe(ProbeArgs { endpoint, token, timeout: std::time::Duration::from_millis(timeout_ms) }))
}

fn parse_listen(url: &str) -> Result<Listen, String> {
    if let Some(path) = url.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(format!("{url}: a unix:// endpoint needs an absolute path (unix:///dir/control.sock)"));
        }
        return Ok(Listen::Unix(path.into()));
    }
    if let Some(addr) = url.strip_prefix("tcp://") {
        return Ok(Listen::Tcp(addr.into()));
    }
    Err(format!("{url}: expected unix:///path or tcp://host:port"))
}
