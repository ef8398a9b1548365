//! `spawn_app()`: the real `crm-trends` binary on a free loopback port over a temporary
//! database, with a small blocking JSON client. (A `mod.rs` so Cargo does not treat it as
//! a test of its own.)
//!
//! The database is a SQLite file in the test's directory, or, when `CRM_E2E_BACKEND=postgresql`
//! (as the `postgresql_half` test sets for its run of this same suite), a scratch PostgreSQL
//! database made with the directory and dropped with it.
#![allow(dead_code, reason = "each test file uses a different subset")]
#![allow(clippy::expect_used, reason = "test harness: a panic is the failure report")]

use crm_storage::Location;
use crm_storage::scratch::ScratchDatabase;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running server.
pub struct App {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database it serves: a SQLite file path or a `postgres://` URL.
    pub database_url: String,
    agent: ureq::Agent,
}

/// An HTTP answer: status, content type and JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// The Content-Type header.
    pub content_type: String,
    /// The body parsed as JSON.
    pub body: Value,
    /// The raw body.
    pub text: String,
    /// Every header, names lower-case.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The variable that sends this run's servers to PostgreSQL.
pub const BACKEND_VARIABLE: &str = "CRM_E2E_BACKEND";

/// Whether this run's servers store into PostgreSQL (see the module's documentation).
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_VARIABLE).is_ok_and(|v| v == "postgresql")
}

/// The engine name `/api/health` gives for this run.
pub fn backend_name() -> &'static str {
    if on_postgres() { "postgresql" } else { "sqlite" }
}

/// For a test of something only the SQLite backend has (its file, lock file, WAL, backup
/// command): true on the PostgreSQL run, after saying on standard error what was skipped.
pub fn sqlite_only(what: &str) -> bool {
    if on_postgres() {
        eprintln!("not run on PostgreSQL: {what} is the SQLite backend's alone");
    }
    on_postgres()
}

/// For a test of several servers on one database (PostgreSQL's alone: a SQLite file is one
/// process's): true on the SQLite run, after saying on standard error what was skipped.
pub fn postgresql_only(what: &str) -> bool {
    if !on_postgres() {
        eprintln!("run in the PostgreSQL half only: {what}");
    }
    !on_postgres()
}

/// A test's directory (its server log, files) and, on the PostgreSQL run, its database.
pub struct TestDir {
    dir: tempfile::TempDir,
    database: Option<ScratchDatabase>,
}

/// The file in a test's directory that names its PostgreSQL database.
const DATABASE_URL_FILE: &str = "database-url";

impl TestDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        // The database goes before the directory; a server still connected is cut off.
        drop(self.database.take());
    }
}

/// A fresh temporary directory and, on the PostgreSQL run, a fresh database beside it.
pub fn temp_dir() -> TestDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = on_postgres().then(|| {
        let database = ScratchDatabase::create("the end-to-end suite").expect("the PostgreSQL run needs PostgreSQL");
        let Location::Postgres(url) = database.location() else { unreachable!("a scratch database is PostgreSQL") };
        std::fs::write(dir.path().join(DATABASE_URL_FILE), url).expect("write the database URL");
        database
    });
    TestDir { dir, database }
}

/// The `--database-url` for servers and commands over `dir`: its SQLite file `crm.sqlite`, or
/// on the PostgreSQL run the database [`temp_dir`] made with it.
pub fn database_url(dir: &Path) -> String {
    if on_postgres() {
        std::fs::read_to_string(dir.join(DATABASE_URL_FILE))
            .unwrap_or_else(|_| panic!("{} was not made by support::temp_dir(): no database for it", dir.display()))
    } else {
        dir.join("crm.sqlite").to_string_lossy().into_owned()
    }
}

/// Starts the server over a new database in `dir`.
pub fn spawn_app(dir: &Path) -> App {
    spawn_app_with(dir, &[])
}

/// Starts the server over [`database_url`]`(dir)` with extra `serve` arguments.
pub fn spawn_app_with(dir: &Path, args: &[&str]) -> App {
    try_spawn_app(dir, args).unwrap_or_else(|log| panic!("server did not start:\n{log}"))
}

/// Starts the server, or returns what it logged when it refused to start.
pub fn try_spawn_app(dir: &Path, args: &[&str]) -> Result<App, String> {
    try_spawn_logging(dir, "server.log", args)
}

/// One more server over the same database as others in `dir` (on PostgreSQL: a replica),
/// logging into `dir/log`.
pub fn spawn_replica(dir: &Path, log: &str, args: &[&str]) -> App {
    try_spawn_logging(dir, log, args).unwrap_or_else(|log| panic!("replica did not start:\n{log}"))
}

fn try_spawn_logging(dir: &Path, log: &str, args: &[&str]) -> Result<App, String> {
    try_spawn_on(dir, log, &database_url(dir), args)
}

/// Starts the server over [`database_url`]`(dir)` logging at `level` (`RUST_LOG`, e.g.
/// `info`) into `dir/log`.
pub fn spawn_app_logging(dir: &Path, log: &str, level: &str, args: &[&str]) -> App {
    spawn(dir, log, &database_url(dir), args, level).unwrap_or_else(|log| panic!("server did not start:\n{log}"))
}

/// Starts the server over `database_url` (logging into `dir/log`), or returns what it
/// logged when it refused to start.
pub fn try_spawn_on(dir: &Path, log: &str, database_url: &str, args: &[&str]) -> Result<App, String> {
    spawn(dir, log, database_url, args, "warn")
}

fn spawn(dir: &Path, log: &str, database_url: &str, args: &[&str], level: &str) -> Result<App, String> {
    let database_url = database_url.to_owned();
    let stderr = std::fs::File::create(dir.join(log)).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm-trends"))
        .args(["serve", "--port", "0", "--workers", "2", "--database-url"])
        .arg(&database_url)
        .args(args)
        .env("RUST_LOG", level)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start crm-trends");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("read the listening line");
    let Some(base) = line.trim().strip_prefix("crm-trends listening on ") else {
        let _ = child.wait();
        return Err(std::fs::read_to_string(dir.join(log)).unwrap_or_default());
    };
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    Ok(App { child, base: base.to_owned(), database_url, agent })
}

impl App {
    /// GET a path.
    pub fn get(&self, path: &str) -> Reply {
        let response = self.agent.get(format!("{}{path}", self.base)).call().expect("GET");
        reply(response)
    }

    /// POST a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Reply {
        let response = self.agent.post(format!("{}{path}", self.base)).send_json(body).expect("POST");
        reply(response)
    }

    /// POST raw bytes with a content type.
    pub fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .send(body)
            .expect("POST");
        reply(response)
    }

    /// Any request, with extra headers and an optional JSON body.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        let mut request = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = match body {
            Some(json) => {
                let request =
                    request.header("Content-Type", "application/json").body(json.to_string()).expect("request");
                self.agent.run(request)
            }
            None => self.agent.run(request.body(()).expect("request")),
        };
        reply(response.expect("request sent"))
    }

    /// Kills the server with SIGKILL, as a crash or an out-of-memory kill would, and waits
    /// for it to be gone.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server with SIGTERM, as an operator would, and waits for it to exit.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait");
        assert!(exit.success(), "server exited with {exit}");
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let text = response.body_mut().read_to_string().expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, content_type, body, text, headers }
}

/// Cents from a JSON money value, exactly (the value is printed with at most 2 decimals).
pub fn cents(value: &Value) -> i64 {
    let text = value.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = format!("{fraction:0<2}");
    assert!(fraction.len() == 2, "money with more than 2 decimals: {text}");
    whole.parse::<i64>().expect("whole part") * 100 + fraction.parse::<i64>().expect("cents")
}

/// An answer to a raw request: status line code, head and body as text.
#[derive(Debug)]
pub struct RawReply {
    /// Status code.
    pub status: u16,
    /// The header block, as sent.
    pub head: String,
    /// The body, as sent.
    pub body: String,
}

impl App {
    /// `host:port` of the server.
    pub fn authority(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Sends `METHOD TARGET HTTP/1.1` exactly as given (no normalisation of the target, so
    /// percent-encodings, dot segments and absolute-form targets reach the server as
    /// written), with extra headers and an optional JSON body.
    pub fn raw(&self, method: &str, target: &str, headers: &[(&str, &str)], body: Option<&str>) -> RawReply {
        self.raw_as(self.authority(), method, target, headers, body)
    }

    /// [`raw`](Self::raw) with the `Host` header naming `host`, as a page whose name was
    /// re-pointed at this machine (DNS rebinding) would send it.
    pub fn raw_as(
        &self,
        host: &str,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> RawReply {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(self.authority()).expect("connect");
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() || matches!(method, "POST" | "PUT") {
            request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("read");
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        RawReply { status, head: head.to_owned(), body: body.to_owned() }
    }
}

/// Another process's hold on the store's write lock, as long as this value lives: on SQLite an
/// exclusive transaction, on PostgreSQL the row lock every write takes.
pub enum WriteLockHolder {
    /// An open `BEGIN EXCLUSIVE`.
    Sqlite(diesel::SqliteConnection),
    /// An open transaction holding `crm_write_lock` FOR UPDATE.
    Postgres(diesel::PgConnection),
}

impl WriteLockHolder {
    /// Takes the write lock of the store over `dir`.
    pub fn take(dir: &Path) -> Self {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let url = database_url(dir);
        if on_postgres() {
            let mut conn = diesel::PgConnection::establish(&url).expect("connect to PostgreSQL");
            conn.batch_execute("BEGIN; SELECT 1 FROM crm_write_lock FOR UPDATE").expect("take the row lock");
            Self::Postgres(conn)
        } else {
            let mut conn = diesel::SqliteConnection::establish(&url).expect("open the SQLite file");
            conn.batch_execute("BEGIN EXCLUSIVE").expect("take the write lock");
            Self::Sqlite(conn)
        }
    }
}

impl Drop for WriteLockHolder {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        let _ = match self {
            Self::Sqlite(conn) => conn.batch_execute("ROLLBACK"),
            Self::Postgres(conn) => conn.batch_execute("ROLLBACK"),
        };
    }
}

/// A TCP relay on a loopback port to another address (the PostgreSQL server), that a test
/// opens, closes (the port then refuses connections: the server is down) and cuts (every
/// relayed connection is dropped, as a network fault or a server restart would).
pub struct Relay {
    port: u16,
    target: String,
    state: std::sync::Arc<std::sync::Mutex<RelayState>>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct RelayState {
    open: bool,
    streams: Vec<std::net::TcpStream>,
}

impl Relay {
    /// A closed relay to `target` (`host:port`) on a free port.
    pub fn new(target: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port();
        Self { port, target: target.to_owned(), state: std::sync::Arc::default(), accepting: None }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts accepting and relaying connections.
    pub fn open(&mut self) {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("the relay's port");
        listener.set_nonblocking(true).expect("nonblocking");
        self.state.lock().expect("relay").open = true;
        let (state, target) = (std::sync::Arc::clone(&self.state), self.target.clone());
        self.accepting = Some(std::thread::spawn(move || {
            while state.lock().expect("relay").open {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).expect("blocking");
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let mut state = state.lock().expect("relay");
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (mut from, mut to) = (from.try_clone().expect("clone"), to.try_clone().expect("clone"));
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                state.streams.extend([client, server]);
            }
        }));
    }

    /// Drops every relayed connection (new ones are still relayed while open).
    pub fn cut(&self) {
        for stream in self.state.lock().expect("relay").streams.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Stops accepting (the port refuses) and drops every relayed connection.
    pub fn close(&mut self) {
        self.state.lock().expect("relay").open = false;
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
        self.cut();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.close();
    }
}
