//! A tiny HTTP responder on port 8080 (test fixture).

use std::io::{Read, Write};
use std::net::TcpListener;

fn response(request: &str) -> &'static str {
    if request.starts_with("GET /healthz ") {
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    }
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:8080")?;
    for stream in listener.incoming() {
        let mut stream = stream?;
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf)?;
        let request = String::from_utf8_lossy(&buf[..n]);
        stream.write_all(response(&request).as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::response;

    #[test]
    fn healthz_is_ok() {
        assert!(response("GET /healthz HTTP/1.1\r\n").starts_with("HTTP/1.1 200"));
        assert!(response("GET /nope HTTP/1.1\r\n").starts_with("HTTP/1.1 404"));
    }
}
