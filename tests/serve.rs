//! `tms serve` as browsers and misbehaving clients meet it: the real binary on a loopback port, serving
//! a scratch folder. Every wait is bounded (`PATIENCE`), and every server is killed when its test ends.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest any one wait may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(5);

/// A scratch folder under cargo's temporary folder for tests, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("serve-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, rel: &str, contents: &[u8]) -> &Scratch {
        let file = self.0.join(rel);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, contents).unwrap();
        self
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A running `tms serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tms serve --port PORT --dir DIR` with `env`; the server once it prints its URL, or what it
/// printed on stderr when it exits instead.
fn launch(dir: &Path, port: u16, env: &[(&str, &str)]) -> Result<Server, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tms"))
        .args(["serve", "--port", &port.to_string(), "--dir"])
        .arg(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tms runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next().and_then(Result::ok));
        lines.for_each(drop); // keep the pipe open and drained while the server runs
    });
    let first_line = rx.recv_timeout(PATIENCE);
    let mut stderr = String::new();
    match first_line {
        Ok(Some(line)) => {
            let url = line
                .split("at http://")
                .nth(1)
                .unwrap_or_else(|| panic!("no URL in {line:?}"));
            let addr = url.trim_end_matches('/').parse().expect("an address");
            Ok(Server { child, addr })
        }
        Ok(None) => {
            // stdout closed without a line: the server stopped. Bounded: it has exited or is exiting.
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            let _ = child.wait();
            Err(stderr)
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tms serve printed no URL within {PATIENCE:?}");
        }
    }
}

fn start(dir: &Path) -> Server {
    start_with(dir, &[])
}

fn start_with(dir: &Path, env: &[(&str, &str)]) -> Server {
    launch(dir, 0, env).unwrap_or_else(|stderr| panic!("tms serve failed: {stderr}"))
}

/// Polls `done` every 10 ms until it holds or `PATIENCE` has passed; whether it held.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How many threads the server has: one per connection it is serving, and the accepting one.
#[cfg(target_os = "linux")]
fn threads(server: &Server) -> usize {
    fs::read_dir(format!("/proc/{}/task", server.child.id()))
        .map(|tasks| tasks.count())
        .unwrap_or(0)
}

/// Reads until the server closes (within `PATIENCE`, or the test fails): what it sent.
fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    match stream.read_to_end(&mut bytes) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("not closed within {PATIENCE:?}: {e}"),
    }
    bytes
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, PATIENCE).expect("connects");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream
}

struct Response {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Reads a whole response: the server closes every connection after one.
fn read_response(stream: &mut TcpStream) -> Response {
    let mut bytes = Vec::new();
    if let Err(e) = stream.read_to_end(&mut bytes) {
        // A reset after the answer (the server closing with bytes of ours unread) still leaves the answer.
        assert!(
            e.kind() == std::io::ErrorKind::ConnectionReset && !bytes.is_empty(),
            "no whole answer within {PATIENCE:?}: {e} (got {:?})",
            String::from_utf8_lossy(&bytes)
        );
    }
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&bytes)));
    let head = String::from_utf8(bytes[..end].to_vec()).expect("an ASCII head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Response {
        status,
        head,
        body: bytes[end + 4..].to_vec(),
    }
}

fn exchange(addr: SocketAddr, request: &[u8]) -> Response {
    let mut stream = connect(addr);
    stream.write_all(request).expect("request sent");
    read_response(&mut stream)
}

fn request(addr: SocketAddr, method: &str, path: &str) -> Response {
    exchange(
        addr,
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes(),
    )
}

fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path)
}

#[test]
fn files_come_with_the_headers_the_page_needs() {
    let www = Scratch::new("files");
    www.write("index.html", b"<p>hi</p>")
        .write("pkg/tms_bg.wasm", b"\0asm\x01\0\0\0")
        .write("pkg/tms.js", b"export {};")
        .write("docs/index.html", b"docs");
    let server = start(www.path());

    let wasm = get(server.addr, "/pkg/tms_bg.wasm?v=1");
    assert_eq!(wasm.status, 200, "{}", wasm.head);
    assert_eq!(wasm.header("Content-Type"), Some("application/wasm"));
    assert_eq!(wasm.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(wasm.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(wasm.header("Cache-Control"), Some("no-cache"));
    assert_eq!(wasm.header("Content-Length"), Some("8"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    let js = get(server.addr, "/pkg/tms.js");
    assert_eq!(
        js.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );

    for (path, body) in [("/", "<p>hi</p>"), ("/docs/", "docs"), ("/docs", "docs")] {
        let page = get(server.addr, path);
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.header("Content-Type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(page.body, body.as_bytes(), "{path}");
    }

    let head = request(server.addr, "HEAD", "/pkg/tms_bg.wasm");
    assert_eq!(
        (head.status, head.header("Content-Length")),
        (200, Some("8"))
    );
    assert!(head.body.is_empty());

    let post = request(server.addr, "POST", "/");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("Access-Control-Allow-Origin"), Some("*"));

    for path in ["/missing.js", "/../index.html", "/%2e%2e/index.html"] {
        assert_eq!(get(server.addr, path).status, 404, "{path}");
    }
}

#[test]
fn port_65535_is_tried_and_the_message_names_the_ports_tried() {
    let www = Scratch::new("port");
    www.write("index.html", b"top");
    match TcpListener::bind(("127.0.0.1", 65535)) {
        Ok(holder) => {
            let err = launch(www.path(), 65535, &[])
                .err()
                .expect("65535 is taken here, so tms serve must fail");
            assert!(err.contains("--port: port 65535 is in use"), "{err}");
            if let Ok(second) = TcpListener::bind(("127.0.0.1", 65534)) {
                let err = launch(www.path(), 65534, &[])
                    .err()
                    .expect("65534 and 65535 are taken here, so tms serve must fail");
                assert!(
                    err.contains("--port: ports 65534 to 65535 are all in use"),
                    "{err}"
                );
                drop(second);
            }
            drop(holder);
            let server = launch(www.path(), 65535, &[]).expect("65535 is free again");
            assert_eq!(server.addr.port(), 65535);
            assert_eq!(get(server.addr, "/").body, b"top");
        }
        Err(_) => {
            // Something else on this machine holds 65535: then the message must still be right.
            let err = launch(www.path(), 65535, &[])
                .err()
                .expect("65535 is taken, so tms serve must fail");
            assert!(err.contains("--port: port 65535 is in use"), "{err}");
        }
    }
}

#[test]
fn a_request_line_without_an_end_is_refused_at_8_kib_and_the_server_goes_on() {
    let www = Scratch::new("line");
    www.write("index.html", b"still here");
    let server = start(www.path());

    // 16 KiB of request line and no line end: refused once the limit is passed, without waiting for
    // the rest (which never comes: the connection stays open for writing).
    let mut stream = connect(server.addr);
    let mut line = b"GET /".to_vec();
    line.resize(16 * 1024, b'a');
    stream.write_all(&line).expect("sent");
    let refused = read_response(&mut stream);
    assert_eq!(refused.status, 400, "{}", refused.head);
    assert_eq!(refused.header("Connection"), Some("close"));

    // A whole request line of 8,193 bytes (line end included) is refused too; one of 8,192 is parsed
    // (and not found).
    let line_of = |bytes: usize| {
        let path = format!("/{}", "b".repeat(bytes - "GET / HTTP/1.1\r\n".len()));
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n")
    };
    assert_eq!(line_of(8193).find('\n'), Some(8192));
    assert_eq!(exchange(server.addr, line_of(8193).as_bytes()).status, 400);
    assert_eq!(exchange(server.addr, line_of(8192).as_bytes()).status, 404);

    assert_eq!(get(server.addr, "/").body, b"still here");
}

#[test]
fn headers_over_16_kib_or_64_lines_get_431() {
    let www = Scratch::new("headers");
    www.write("index.html", b"ok");
    let server = start(www.path());
    let with_headers = |headers: &str| {
        exchange(
            server.addr,
            format!("GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n").as_bytes(),
        )
    };

    let big = format!("X-Fill: {}\r\n", "c".repeat(20 * 1024));
    let too_big = with_headers(&big);
    assert_eq!(too_big.status, 431, "{}", too_big.head);
    let many: String = (0..70).map(|k| format!("X-{k}: v\r\n")).collect();
    assert_eq!(with_headers(&many).status, 431);

    // Just under both limits is fine: 63 lines (with Host) of about 200 bytes each.
    let under: String = (0..63)
        .map(|k| format!("X-{k}: {}\r\n", "d".repeat(200)))
        .collect();
    let fine = with_headers(&under);
    assert_eq!((fine.status, fine.body.as_slice()), (200, &b"ok"[..]));

    // A head that never ends is refused at the limit as well.
    let mut stream = connect(server.addr);
    let endless = format!("GET / HTTP/1.1\r\n{}", "X-A: b\r\n".repeat(3000));
    stream.write_all(endless.as_bytes()).expect("sent");
    assert_eq!(read_response(&mut stream).status, 431);
}

#[test]
fn idle_and_trickling_connections_are_closed_after_the_timeout() {
    let www = Scratch::new("idle");
    www.write("index.html", b"ok");
    let server = start_with(www.path(), &[("TMS_SERVE_TIMEOUT_MS", "300")]);

    let opened = Instant::now();
    let mut idle: Vec<TcpStream> = (0..10).map(|_| connect(server.addr)).collect();
    let mut partial = connect(server.addr);
    partial
        .write_all(b"GET / HTTP/1.1\r\nHost: loc")
        .expect("sent");
    for stream in &mut idle {
        assert!(
            until_closed(stream).is_empty(),
            "an idle connection is closed without an answer"
        );
    }
    let waited = opened.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "closed at the timeout, not before: {waited:?}"
    );
    let timed_out = read_response(&mut partial);
    assert_eq!(timed_out.status, 408, "{}", timed_out.head);

    // A byte every 50 ms would reset a timeout on each read forever; the head has one deadline.
    let mut slow = connect(server.addr);
    slow.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let started = Instant::now();
    let head = b"GET / HTTP/1.1\r\nX-Slow: "
        .iter()
        .chain([b'a'; 200].iter());
    for byte in head {
        if slow.write_all(&[*byte]).is_err() || started.elapsed() > PATIENCE {
            break;
        }
        // The pace of the trickle: wait up to 50 ms for the server to answer or close.
        match slow.peek(&mut [0]) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            _ => break,
        }
    }
    let trickled = started.elapsed();
    assert!(
        trickled >= Duration::from_millis(250) && trickled < Duration::from_secs(2),
        "closed after {trickled:?}, not at the 300 ms deadline"
    );
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(read_response(&mut slow).status, 408);

    // No thread is left behind, and the server still serves.
    #[cfg(target_os = "linux")]
    assert!(
        eventually(|| threads(&server) == 1),
        "{} threads",
        threads(&server)
    );
    assert_eq!(get(server.addr, "/").body, b"ok");

    let err = launch(www.path(), 0, &[("TMS_SERVE_TIMEOUT_MS", "soon")])
        .err()
        .expect("a bad test timeout is refused");
    assert!(err.contains("TMS_SERVE_TIMEOUT_MS"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
    let www = Scratch::new("reader");
    // Larger than what the loopback socket buffers of both ends hold, so that a write must wait.
    // Sparse: it reads as zeros and costs no disk.
    let size = 32 << 20;
    fs::File::create(www.path().join("big.bin"))
        .and_then(|file| file.set_len(size))
        .expect("a big file");
    let server = start_with(www.path(), &[("TMS_SERVE_TIMEOUT_MS", "300")]);
    let mut stream = connect(server.addr);
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("sent");
    // The answer has begun, and cannot have ended: 32 MiB do not fit in the buffers between us.
    let mut start = [0; 15];
    stream.read_exact(&mut start).expect("an answer begins");
    assert_eq!(&start, b"HTTP/1.1 200 OK");
    assert!(
        eventually(|| threads(&server) == 1),
        "the thread serving the connection did not give up on its write"
    );
    let rest = until_closed(&mut stream);
    assert!(
        (rest.len() as u64) < size,
        "the whole file came ({} bytes)",
        rest.len()
    );
}

#[test]
fn past_64_connections_a_fresh_request_is_answered_at_once() {
    let www = Scratch::new("cap");
    www.write("index.html", b"ok");
    // A long timeout, so that the idle connections stay open for the whole test.
    let server = start_with(www.path(), &[("TMS_SERVE_TIMEOUT_MS", "20000")]);
    let idle: Vec<TcpStream> = (0..64).map(|_| connect(server.addr)).collect();

    let asked = Instant::now();
    let busy = get(server.addr, "/");
    let took = asked.elapsed();
    assert_eq!(busy.status, 503, "{}", busy.head);
    assert_eq!(busy.header("Retry-After"), Some("1"));
    assert_eq!(busy.header("Access-Control-Allow-Origin"), Some("*"));
    assert!(took < Duration::from_secs(1), "answered after {took:?}");

    // Closing them frees their places.
    drop(idle);
    let mut status = 0;
    assert!(
        eventually(|| {
            status = get(server.addr, "/").status;
            status == 200
        }),
        "still {status}"
    );
}

#[test]
fn a_path_that_is_not_utf8_or_not_percent_encoded_is_a_bad_request() {
    let www = Scratch::new("utf8");
    www.write("café.txt", b"au lait");
    let server = start(www.path());
    for path in ["/%ff", "/caf%C3", "/%zz", "/%"] {
        let bad = get(server.addr, path);
        assert_eq!(bad.status, 400, "{path}: {}", bad.head);
        assert_eq!(bad.header("Connection"), Some("close"), "{path}");
    }
    // Raw bytes that are not UTF-8 are refused by the parser the same way.
    let raw = exchange(
        server.addr,
        b"GET /\xff HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    assert_eq!(raw.status, 400);
    assert_eq!(get(server.addr, "/caf%C3%A9.txt").body, b"au lait");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_served_folder_are_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = Scratch::new("outside");
    outside
        .write("secret.txt", b"secret")
        .write("index.html", b"secret page");
    let www = Scratch::new("inside");
    www.write("inside.txt", b"public")
        .write("sub/page.html", b"sub page");
    let root = www.path();
    symlink(outside.path().join("secret.txt"), root.join("secret.txt")).unwrap();
    symlink(outside.path(), root.join("elsewhere")).unwrap();
    let out_name = outside.path().file_name().unwrap();
    symlink(Path::new("../..").join(out_name), root.join("sub/out")).unwrap();
    symlink("..", root.join("sub/up")).unwrap();
    symlink("inside.txt", root.join("alias.txt")).unwrap();
    symlink("sub", root.join("sub-alias")).unwrap();
    let server = start(root);

    for path in [
        "/secret.txt",
        "/elsewhere/secret.txt",
        "/elsewhere/",
        "/elsewhere",
        "/sub/out/secret.txt",
        "/sub/up/secret.txt",
    ] {
        let refused = get(server.addr, path);
        assert_eq!(refused.status, 404, "{path}: {}", refused.head);
        assert!(!refused.body.starts_with(b"secret"), "{path}");
    }
    // Symlinks that stay inside still work.
    assert_eq!(get(server.addr, "/alias.txt").body, b"public");
    assert_eq!(get(server.addr, "/sub-alias/page.html").body, b"sub page");
    assert_eq!(get(server.addr, "/sub/up/inside.txt").body, b"public");
    // The folder outside is really there, so the 404s above are the refusal, not a wrong path.
    assert_eq!(
        fs::read(root.join("sub/out/secret.txt")).unwrap(),
        b"secret"
    );
}

#[cfg(unix)]
#[test]
fn a_served_folder_reached_through_a_symlink_still_works() {
    use std::os::unix::fs::symlink;
    let real = Scratch::new("real");
    real.write("index.html", b"real");
    let links = Scratch::new("links");
    symlink(real.path(), links.path().join("www")).unwrap();
    let server = start(&links.path().join("www"));
    assert_eq!(get(server.addr, "/").body, b"real");
}
