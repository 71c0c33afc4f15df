//! `tms serve`: a small static file server for the explorer, with what the page needs from any host:
//! the right MIME type for `.wasm` (streaming compilation) and `Access-Control-Allow-Origin: *` (an embed
//! in a sandboxed iframe fetches its module scripts and wasm from origin `null`). Loopback only.
//!
//! One request per connection, a thread per connection, and fixed limits so that no client can hold
//! more than a bounded share of it: a request line of at most 8 KiB (else 400), at most 16 KiB and 64
//! lines of headers (else 431), the whole head within 5 s (else closed; 408 if it had begun), each
//! write of the answer within 5 s, at most 64 connections at once (past them: 503 at once), and only
//! files whose real path is inside the served folder. GET and HEAD only (else 405).

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `s` with its %XX escapes decoded, or None when an escape is malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k] == b'%' {
            let hex = std::str::from_utf8(bytes.get(k + 1..k + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            k += 3;
        } else {
            out.push(bytes[k]);
            k += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file a request target names under `root`: `Err(BadRequest)` when its path is not
/// percent-encoded UTF-8 (`/%ff`, `/%zz`), `Err(NotFound)` when it would leave `root` (`..`). Only the
/// name: symlinks are followed, and checked, by `open`.
fn resolve(root: &Path, target: &str) -> Result<PathBuf, Status> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path).ok_or(Status::BadRequest)?;
    let mut file = root.to_path_buf();
    for part in Path::new(decoded.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => file.push(p),
            Component::CurDir => {}
            _ => return Err(Status::NotFound),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Ok(file)
}

/// The regular file at `file` with its length, if its real path (every symlink followed) is inside
/// `root`, itself a real path: a symlink that leads out of the served folder is not followed out, and
/// what it names is answered 404 like a missing file. Symlinks within the folder still work.
fn open(root: &Path, file: &Path) -> Option<(File, u64)> {
    let real = std::fs::canonicalize(file).ok()?;
    // Checked before opening: opening a FIFO, say, would wait for a writer.
    let meta = std::fs::metadata(&real).ok()?;
    if !real.starts_with(root) || !meta.is_file() {
        return None;
    }
    Some((File::open(&real).ok()?, meta.len()))
}

/// The longest request line accepted, its line end included: a longer one, or as many bytes without a
/// line end, is answered 400 Bad Request (not 414: the line is refused before it is parsed).
const MAX_REQUEST_LINE: usize = 8 * 1024;
/// The most bytes of header lines after the request line, the blank line that ends them included;
/// more is answered 431 Request Header Fields Too Large.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most header lines; more is answered 431 as well.
const MAX_HEADERS: usize = 64;
/// After refusing a request, how much more of it is read (and dropped) before closing, and for how
/// long at most: see `linger`.
const LINGER_BYTES: usize = 1024 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(1);
/// How long a client has to send its whole request head, and how long one write of the answer may
/// wait for the client to read (a slow but steady reader still gets a large file). An idle or
/// trickling connection is closed then: silently if it sent nothing, with 408 otherwise.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How many connections are served at once (a thread each). A connection past them is answered 503
/// Service Unavailable (with Retry-After: 1) at once by the accepting thread and closed: it does not
/// wait, and it costs no thread.
const MAX_CONNECTIONS: usize = 64;
/// Test-only: milliseconds to use instead of `IO_TIMEOUT`, so that tests see a timeout without
/// waiting for the real one. Not meant for users; it is not in `tms help`.
const TIMEOUT_VARIABLE: &str = "TMS_SERVE_TIMEOUT_MS";

/// The limits a server runs with: `IO_TIMEOUT` and `MAX_CONNECTIONS` but in tests.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Limits {
    timeout: Duration,
    max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: IO_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// The defaults, with the timeout from `TIMEOUT_VARIABLE` when it is set.
    fn from_env() -> Result<Limits, String> {
        let mut limits = Limits::default();
        if let Some(value) = std::env::var_os(TIMEOUT_VARIABLE) {
            let ms = value
                .to_str()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&ms| ms > 0)
                .ok_or_else(|| {
                    format!("{TIMEOUT_VARIABLE}: {value:?} is not a number of milliseconds above 0")
                })?;
            limits.timeout = Duration::from_millis(ms);
        }
        Ok(limits)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    Ok,
    BadRequest,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    HeadersTooLarge,
    Unavailable,
}

impl Status {
    fn line(self) -> &'static str {
        match self {
            Status::Ok => "200 OK",
            Status::BadRequest => "400 Bad Request",
            Status::NotFound => "404 Not Found",
            Status::MethodNotAllowed => "405 Method Not Allowed",
            Status::RequestTimeout => "408 Request Timeout",
            Status::HeadersTooLarge => "431 Request Header Fields Too Large",
            Status::Unavailable => "503 Service Unavailable",
        }
    }
}

/// What the server needs of a request's head.
struct Head {
    method: String,
    target: String,
    /// Bytes may follow the head (a body, or bytes already read past it), so close with `linger`.
    more: bool,
}

/// Where the head ends in `buf` (just past its blank line), looking only from `from` on.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len()).find_map(|i| match buf[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}

/// Reads one request head within the limits above, all of it by `deadline`. `Err(Some(status))`:
/// answer `status` and close; `Err(None)`: close without an answer (the client closed, failed, or
/// sent nothing by the deadline).
fn read_head(stream: &mut TcpStream, deadline: Instant) -> Result<Head, Option<Status>> {
    // One byte past the limits, so that going over them shows.
    let mut buf = vec![0; MAX_REQUEST_LINE + MAX_HEADER_BYTES + 1];
    let mut len = 0;
    let mut line_end = None; // just past the request line's '\n'
    loop {
        // A deadline for the whole head, not for each read: a byte now and then does not keep it open.
        let left = deadline.saturating_duration_since(Instant::now());
        let timed_out = Err((len > 0).then_some(Status::RequestTimeout));
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return timed_out;
        }
        let n = match stream.read(&mut buf[len..]) {
            Ok(0) => return Err(None),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return timed_out
            }
            Err(_) => return Err(None),
        };
        if line_end.is_none() {
            line_end = buf[len..len + n]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| len + i + 1);
        }
        let end = head_end(&buf[..len + n], len.saturating_sub(2));
        len += n;
        let head_len = end.unwrap_or(len);
        match line_end {
            None if head_len > MAX_REQUEST_LINE => return Err(Some(Status::BadRequest)),
            Some(line) if line > MAX_REQUEST_LINE => return Err(Some(Status::BadRequest)),
            Some(line) if head_len - line > MAX_HEADER_BYTES => {
                return Err(Some(Status::HeadersTooLarge))
            }
            _ => {}
        }
        let Some(end) = end else { continue };
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        return match request.parse(&buf[..end]) {
            Ok(httparse::Status::Complete(_)) => {
                let body = request.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("transfer-encoding")
                        || (h.name.eq_ignore_ascii_case("content-length") && h.value != b"0")
                });
                Ok(Head {
                    method: request.method.unwrap_or_default().to_string(),
                    target: request.path.unwrap_or_default().to_string(),
                    more: body || len > end,
                })
            }
            Err(httparse::Error::TooManyHeaders) => Err(Some(Status::HeadersTooLarge)),
            // Partial cannot happen on a whole head; anything else is malformed.
            _ => Err(Some(Status::BadRequest)),
        };
    }
}

/// Closes a connection whose client may still be sending. Closing with unread bytes makes the kernel
/// reset the connection, and the reset can overtake the answer; so stop writing, read and drop what
/// comes (at most `LINGER_BYTES`, for at most `LINGER_TIME` or the timeout if shorter), then close.
fn linger(mut stream: TcpStream, limits: Limits) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER_TIME.min(limits.timeout);
    let mut sink = [0; 8192];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

const COMMON_HEADERS: &str = "Access-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";

/// Answers `status` with a one-line text body (its reason phrase).
fn refuse(stream: &mut TcpStream, status: Status) -> std::io::Result<()> {
    let line = status.line();
    let allow = if status == Status::MethodNotAllowed {
        "Allow: GET, HEAD\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "HTTP/1.1 {line}\r\n{COMMON_HEADERS}{allow}Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{line}\n",
        line.len() + 1
    )
}

fn respond(mut stream: TcpStream, root: &Path, limits: Limits) -> std::io::Result<()> {
    stream.set_write_timeout(Some(limits.timeout))?;
    let head = match read_head(&mut stream, Instant::now() + limits.timeout) {
        Ok(head) => head,
        Err(None) => return Ok(()),
        Err(Some(status)) => {
            refuse(&mut stream, status)?;
            linger(stream, limits);
            return Ok(());
        }
    };
    let method = head.method.as_str();
    let result = if method != "GET" && method != "HEAD" {
        refuse(&mut stream, Status::MethodNotAllowed)
    } else {
        let found = resolve(root, &head.target).and_then(|name| {
            open(root, &name)
                .map(|file| (name, file))
                .ok_or(Status::NotFound)
        });
        match found {
            Ok((name, (file, len))) => write!(
                stream,
                "HTTP/1.1 {}\r\n{COMMON_HEADERS}Content-Type: {}\r\nContent-Length: {len}\r\n\r\n",
                Status::Ok.line(),
                content_type(&name),
            )
            .and_then(|()| {
                if method == "GET" {
                    // Streamed, not read whole first; `take`: never more than the length announced.
                    std::io::copy(&mut file.take(len), &mut stream).map(drop)
                } else {
                    Ok(())
                }
            }),
            Err(status) => refuse(&mut stream, status),
        }
    };
    if head.more {
        linger(stream, limits);
    }
    result
}

/// How many ports `serve` tries: the one asked for and the ones after it, up to 65535.
const PORTS_TRIED: u16 = 10;

/// The ports tried for `--port port`: port..=port+9, cut at 65535 (so 65535 alone is still tried).
fn port_range(port: u16) -> std::ops::RangeInclusive<u16> {
    port..=port.saturating_add(PORTS_TRIED - 1)
}

/// Listens on 127.0.0.1 at the first free port of `port_range(port)`.
fn bind(port: u16) -> Result<TcpListener, String> {
    let range = port_range(port);
    let mut last_error = None;
    for p in range.clone() {
        match TcpListener::bind(("127.0.0.1", p)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    let (first, last) = (*range.start(), *range.end());
    let ports = if first == last {
        format!("port {first} is")
    } else {
        format!("ports {first} to {last} are all")
    };
    match last_error {
        Some(e) if e.kind() != std::io::ErrorKind::AddrInUse => {
            Err(format!("--port: {ports} unavailable ({e})"))
        }
        _ => Err(format!("--port: {ports} in use")),
    }
}

/// Serves `dir` on 127.0.0.1 from `port` (or the next free port of the nine after it, up to 65535),
/// forever.
pub fn serve(dir: &str, port: u16) -> Result<(), String> {
    serve_with(dir, port, Limits::from_env()?)
}

/// Frees a connection's place in the count of open connections when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers 503 from the accepting thread without ever blocking it, and closes.
fn turn_away(mut stream: TcpStream) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    // Drop what has arrived of the request (up to 64 KiB), so that the close is less often a reset.
    let mut sink = [0; 4096];
    for _ in 0..16 {
        if !matches!(stream.read(&mut sink), Ok(n) if n > 0) {
            break;
        }
    }
    let line = Status::Unavailable.line();
    let answer = format!(
        "HTTP/1.1 {line}\r\n{COMMON_HEADERS}Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{line}\n",
        line.len() + 1
    );
    // A fresh connection's send buffer takes this whole; if not, the client gets nothing.
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.shutdown(Shutdown::Write);
}

fn serve_with(dir: &str, port: u16, limits: Limits) -> Result<(), String> {
    if !Path::new(dir).is_dir() {
        return Err(format!("--dir: '{dir}' is not a folder"));
    }
    // The real path, so that `open` can tell where a symlink really leads.
    let root = std::fs::canonicalize(dir).map_err(|e| format!("--dir: '{dir}': {e}"))?;
    let listener = bind(port)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("serving {dir} at http://{addr}/");
    let serving = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of file descriptors, say: wait a little rather than spin on the error.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        // Only this thread adds to `serving`, so the count cannot pass the cap between check and add.
        if serving.load(Ordering::SeqCst) >= limits.max_connections {
            turn_away(stream);
            continue;
        }
        serving.fetch_add(1, Ordering::SeqCst);
        let slot = Slot(serving.clone());
        let root = root.clone();
        // If no thread can be had, the closure is dropped: the slot is freed and the connection closed.
        let _ = std::thread::Builder::new().spawn(move || {
            let _slot = slot;
            let _ = respond(stream, &root, limits);
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let root = Path::new("/srv/www");
        assert_eq!(resolve(root, "/pkg/a.js?x=1"), Ok(root.join("pkg/a.js")));
        assert_eq!(resolve(root, "/a%20b.txt"), Ok(root.join("a b.txt")));
        assert_eq!(resolve(root, "/caf%C3%A9"), Ok(root.join("café")));
        assert_eq!(resolve(root, "/../etc/passwd"), Err(Status::NotFound));
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), Err(Status::NotFound));
        assert_eq!(resolve(root, "/%zz"), Err(Status::BadRequest));
        assert_eq!(resolve(root, "/%ff"), Err(Status::BadRequest));
        assert_eq!(resolve(root, "/%C3"), Err(Status::BadRequest));
        assert_eq!(resolve(root, "/%4"), Err(Status::BadRequest));
    }

    #[test]
    fn the_ports_tried_stop_at_65535() {
        assert_eq!(port_range(8000), 8000..=8009);
        assert_eq!(port_range(65530), 65530..=65535);
        assert_eq!(port_range(65535), 65535..=65535);
        assert_eq!(port_range(0), 0..=9); // port 0 binds on the first try anyway
    }
}
