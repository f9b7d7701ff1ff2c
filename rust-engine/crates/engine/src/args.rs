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

pub const USAGE: &str = "usage: tandem-engine --listen unix:///path/control.sock | tcp://host:port --token TOKEN
                     [--executor tokio_local] [--cores N] [--pin-cores] [--region-fd N --bell-fd M]... [--exit-with-parent]
       tandem-engine probe --endpoint unix:///path/control.sock | tcp://host:port [--token TOKEN]
       tandem-engine --version";

pub enum Command {
    Run(Args),
    /// Asks a running engine's control endpoint for its health: exit status 0 when it answers (a liveness probe).
    Probe { endpoint: Listen, token: Option<String> },
    Version,
    Help,
}

pub fn parse(argv: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut listen = None;
    let mut token = std::env::var("TANDEM_ENGINE_TOKEN").ok().filter(|t| !t.is_empty());
    let mut executor = EXECUTOR_TYPES[0].to_string();
    let mut cores = 1u32;
    let mut pin_cores = false;
    let (mut regions, mut bells) = (Vec::new(), Vec::new());
    let mut exit_with_parent = false;
    let mut it = argv.into_iter().peekable();
    if it.peek().map(String::as_str) == Some("probe") {
        it.next();
        return parse_probe(it, token);
    }
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("flag needs an argument: {flag}"));
        match flag.as_str() {
            "--version" => return Ok(Command::Version),
            "--help" | "-h" => return Ok(Command::Help),
            "--listen" => listen = Some(parse_listen("--listen", &value()?)?),
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

fn parse_probe(mut it: impl Iterator<Item = String>, mut token: Option<String>) -> Result<Command, String> {
    let mut endpoint = None;
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("flag needs an argument: {flag}"));
        match flag.as_str() {
            "--endpoint" => endpoint = Some(parse_listen("--endpoint", &value()?)?),
            "--token" => token = Some(value()?),
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    Ok(Command::Probe { endpoint: endpoint.ok_or("probe needs --endpoint")?, token })
}

fn parse_listen(flag: &str, url: &str) -> Result<Listen, String> {
    if let Some(path) = url.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(format!("{flag} {url}: a unix:// endpoint needs an absolute path (unix:///dir/control.sock)"));
        }
        return Ok(Listen::Unix(path.into()));
    }
    if let Some(addr) = url.strip_prefix("tcp://") {
        return Ok(Listen::Tcp(addr.into()));
    }
    Err(format!("{flag} {url}: expected unix:///path or tcp://host:port"))
}
