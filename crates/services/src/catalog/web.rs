//! A small plain-HTTP/1.1 client on hyper's connection API: one keep-alive
//! connection to one server, reopened when the server closes it. The
//! catalog, the application server and `wirelab client` use it to read
//! directory listings and to stream files with bounded memory.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, HOST};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use url::Url;

/// Wait this long for a TCP connection or for the response head.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Wait this long for each piece of a response body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What went wrong talking to an HTTP server. The messages name the URL.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// Not a plain `http://host[:port]/…` URL.
    #[error("bad URL {url}: {why}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// No TCP connection (refused, unreachable, timed out).
    #[error("http server {url} unreachable: {why}")]
    Unreachable {
        /// Server base URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The server answered with an unexpected status.
    #[error("http {method} {url} answered {status}")]
    Status {
        /// Request method.
        method: Method,
        /// Request URL.
        url: String,
        /// Status received.
        status: StatusCode,
    },
    /// The connection failed during the exchange.
    #[error("http {method} {url}: {why}")]
    Exchange {
        /// Request method.
        method: Method,
        /// Request URL.
        url: String,
        /// Why.
        why: String,
    },
}

/// Says what an I/O error is in the plain words the protocols' `ERR`
/// lines use (`connection refused`), without the OS error number.
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "connection reset".into(),
        K::TimedOut => "timed out".into(),
        K::HostUnreachable => "host unreachable".into(),
        K::NetworkUnreachable => "network unreachable".into(),
        K::UnexpectedEof => "connection closed early".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// An error and its sources, joined with `: ` (hyper's own text is terse).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

/// One keep-alive HTTP/1.1 connection to the server of a base URL.
pub struct HttpClient {
    base: Url,
    authority: String,
    sender: Option<SendRequest<Empty<Bytes>>>,
    connections: u32,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base", &self.base.as_str())
            .field("connections", &self.connections)
            .finish()
    }
}

/// Checks that `s` is a plain-HTTP URL and makes its path end with `/`, so
/// that names join under it.
pub fn base_url(s: &str) -> Result<Url, WebError> {
    let bad = |why: &str| WebError::BadUrl {
        url: s.to_string(),
        why: why.to_string(),
    };
    let mut u = Url::parse(s).map_err(|e| bad(&e.to_string()))?;
    if u.scheme() != "http" {
        return Err(bad("only plain http:// is supported"));
    }
    if u.host_str().is_none() {
        return Err(bad("no host"));
    }
    u.set_query(None);
    u.set_fragment(None);
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

/// The URL of file `name` under directory URL `base` (the name is
/// percent-encoded as one path segment).
pub fn file_url(base: &Url, name: &str) -> Url {
    let mut u = base.clone();
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop_if_empty().push(name);
    }
    u
}

impl HttpClient {
    /// A client for the server of `base` (nothing is connected yet).
    pub fn new(base: &Url) -> Result<Self, WebError> {
        let base = base_url(base.as_str())?;
        let host = base.host_str().unwrap_or_default();
        let port = base.port_or_known_default().unwrap_or(80);
        let authority = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(Self {
            base,
            authority,
            sender: None,
            connections: 0,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// TCP connections opened so far.
    pub fn connections(&self) -> u32 {
        self.connections
    }

    async fn connect(&mut self) -> Result<SendRequest<Empty<Bytes>>, WebError> {
        let unreachable = |why: String| WebError::Unreachable {
            url: self.base.to_string(),
            why,
        };
        let tcp = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::TcpStream::connect(&self.authority),
        )
        .await
        .map_err(|_| unreachable("timed out".into()))?
        .map_err(|e| unreachable(io_words(&e)))?;
        let _ = tcp.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| unreachable(chain(&e)))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("http connection ended: {e}");
            }
        });
        self.connections += 1;
        Ok(sender)
    }

    /// Sends a request without a body and returns the response head (the
    /// body streams from it). A request the server never saw because it
    /// had just closed the kept-alive connection is sent once more on a
    /// new one.
    pub async fn request(
        &mut self,
        method: Method,
        url: &Url,
        headers: &[(HeaderName, String)],
    ) -> Result<Response<Incoming>, WebError> {
        let exchange = |why: String| WebError::Exchange {
            method: method.clone(),
            url: url.to_string(),
            why,
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        for attempt in 0..2 {
            let mut sender = match self.sender.take() {
                Some(s) if !s.is_closed() => s,
                _ => self.connect().await?,
            };
            if sender.ready().await.is_err() {
                if attempt == 0 {
                    continue;
                }
                return Err(exchange("connection closed".into()));
            }
            let mut req = Request::builder().method(method.clone()).uri(path.as_str());
            req = req.header(HOST, self.authority.as_str());
            for (k, v) in headers {
                let v = HeaderValue::from_str(v).map_err(|e| exchange(e.to_string()))?;
                req = req.header(k, v);
            }
            let req = req
                .body(Empty::<Bytes>::new())
                .map_err(|e| exchange(e.to_string()))?;
            let r = tokio::time::timeout(CONNECT_TIMEOUT, sender.send_request(req)).await;
            match r {
                Err(_) => return Err(exchange("no response head within 10 s".into())),
                Ok(Ok(resp)) => {
                    self.sender = Some(sender);
                    return Ok(resp);
                }
                Ok(Err(e)) if attempt == 0 && (e.is_canceled() || e.is_closed()) => continue,
                Ok(Err(e)) => return Err(exchange(chain(&e))),
            }
        }
        Err(exchange("connection closed".into()))
    }

    /// GET with a 200 status required; returns the response to stream.
    pub async fn get_ok(&mut self, url: &Url) -> Result<Response<Incoming>, WebError> {
        let r = self.request(Method::GET, url, &[]).await?;
        if r.status() != StatusCode::OK {
            return Err(WebError::Status {
                method: Method::GET,
                url: url.to_string(),
                status: r.status(),
            });
        }
        Ok(r)
    }
}

/// The next piece of a response body (`None` at its end), waiting at most
/// [`READ_TIMEOUT`] for it.
pub async fn next_chunk(body: &mut Incoming, url: &Url) -> Result<Option<Bytes>, WebError> {
    loop {
        let f = tokio::time::timeout(READ_TIMEOUT, body.frame())
            .await
            .map_err(|_| WebError::Exchange {
                method: Method::GET,
                url: url.to_string(),
                why: format!("no data for {} s", READ_TIMEOUT.as_secs()),
            })?;
        match f {
            None => return Ok(None),
            Some(Err(e)) => {
                return Err(WebError::Exchange {
                    method: Method::GET,
                    url: url.to_string(),
                    why: chain(&e),
                })
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if !data.is_empty() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

/// Reads a whole body of at most `limit` bytes.
pub async fn read_body(body: &mut Incoming, url: &Url, limit: usize) -> Result<Vec<u8>, WebError> {
    let mut out = Vec::new();
    while let Some(c) = next_chunk(body, url).await? {
        if out.len() + c.len() > limit {
            return Err(WebError::Exchange {
                method: Method::GET,
                url: url.to_string(),
                why: format!("body larger than {limit} bytes"),
            });
        }
        out.extend_from_slice(&c);
    }
    Ok(out)
}

/// A header's value as text, if present and printable.
pub fn header_str(r: &Response<Incoming>, name: HeaderName) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The Content-Length, if present and a number.
pub fn content_length(r: &Response<Incoming>) -> Option<u64> {
    header_str(r, http::header::CONTENT_LENGTH).and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_end_with_a_slash_and_names_are_encoded() {
        let b = base_url("http://10.20.30.80").unwrap();
        assert_eq!(b.as_str(), "http://10.20.30.80/");
        let b = base_url("http://127.0.0.1:8080/files?x=1").unwrap();
        assert_eq!(b.as_str(), "http://127.0.0.1:8080/files/");
        assert_eq!(
            file_url(&b, "a b#?.txt").as_str(),
            "http://127.0.0.1:8080/files/a%20b%23%3F.txt"
        );
        assert!(base_url("https://x/").is_err());
        assert!(base_url("not a url").is_err());
    }

    #[test]
    fn io_errors_in_plain_words() {
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(io_words(&e), "connection refused");
    }
}
