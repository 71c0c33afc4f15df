//! `tms serve`: a small static file server for the explorer, with what the page needs from any host:
//! the right MIME type for `.wasm` (streaming compilation) and `Access-Control-Allow-Origin: *` (an embed
//! in a sandboxed iframe fetches its module scripts and wasm from origin `null`). Loopback only.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

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

/// The file a request path names under `root`, or None when it would leave `root`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for part in Path::new(decoded.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => file.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn respond(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut line)?;
    // Drain the headers; the server needs none of them.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let common = "Access-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
    if method != "GET" && method != "HEAD" {
        return write!(
            stream,
            "HTTP/1.1 405 Method Not Allowed\r\n{common}Content-Length: 0\r\n\r\n"
        );
    }
    match resolve(root, target).and_then(|f| std::fs::read(&f).ok().map(|body| (f, body))) {
        Some((file, body)) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\n{common}Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
                content_type(&file),
                body.len()
            )?;
            if method == "GET" {
                stream.write_all(&body)?;
            }
            Ok(())
        }
        None => {
            let body = "not found\n";
            write!(
                stream,
                "HTTP/1.1 404 Not Found\r\n{common}Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        }
    }
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
    let root = PathBuf::from(dir);
    if !root.is_dir() {
        return Err(format!("--dir: '{dir}' is not a folder"));
    }
    let listener = bind(port)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("serving {} at http://{addr}/", root.display());
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = respond(stream, &root);
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
        assert_eq!(resolve(root, "/pkg/a.js?x=1"), Some(root.join("pkg/a.js")));
        assert_eq!(resolve(root, "/a%20b.txt"), Some(root.join("a b.txt")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "/%zz"), None);
    }

    #[test]
    fn the_ports_tried_stop_at_65535() {
        assert_eq!(port_range(8000), 8000..=8009);
        assert_eq!(port_range(65530), 65530..=65535);
        assert_eq!(port_range(65535), 65535..=65535);
        assert_eq!(port_range(0), 0..=9); // port 0 binds on the first try anyway
    }
}
