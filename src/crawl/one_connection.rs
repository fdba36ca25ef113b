//! One keep-alive HTTP/1.1 connection over TLS that we hold ourselves, for the NTLM
//! exchange: NTLM authenticates the TCP connection, and a pooled client may hand the next
//! step of the handshake a fresh one.

use super::error::{chain, CrawlError};
use std::sync::Arc;
use std::time::Duration;

pub fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// One keep-alive HTTP/1.1 connection over TLS, for the NTLM exchange only.
pub struct OneConnection {
    stream: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    host_header: String,
    path: String,
    url: String,
    buffer: Vec<u8>,
}

impl OneConnection {
    pub async fn open(
        url: &str,
        tls: &Arc<rustls::ClientConfig>,
        timeout: Duration,
    ) -> Result<OneConnection, CrawlError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| CrawlError::Config(format!("authentication module URL {url}: {e}")))?;
        let host = parsed
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        let connect = async {
            let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| CrawlError::Connect {
                    url: url.to_owned(),
                    message: e.to_string(),
                })?;
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|_| CrawlError::Config(format!("host `{host}` is not a name")))?;
            tokio_rustls::TlsConnector::from(Arc::clone(tls))
                .connect(name, tcp)
                .await
                .map_err(|e| CrawlError::Connect {
                    url: url.to_owned(),
                    message: format!("TLS: {}", chain(&e)),
                })
        };
        let stream =
            tokio::time::timeout(timeout, connect)
                .await
                .map_err(|_| CrawlError::Timeout {
                    url: url.to_owned(),
                })??;
        let mut path = parsed.path().to_owned();
        if let Some(q) = parsed.query() {
            path.push('?');
            path.push_str(q);
        }
        Ok(OneConnection {
            stream,
            host_header: match parsed.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            },
            path,
            url: url.to_owned(),
            buffer: Vec::new(),
        })
    }

    /// GET on this connection; reads the whole answer so the connection can be reused.
    pub async fn get(
        &mut self,
        agent: &str,
        authorization: Option<&str>,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>), CrawlError> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {agent}\r\nConnection: keep-alive\r\n",
            self.path, self.host_header
        );
        if let Some(a) = authorization {
            request.push_str(&format!("Authorization: {a}\r\n"));
        }
        request.push_str("\r\n");
        let io = |e: std::io::Error, url: &str| CrawlError::Connect {
            url: url.to_owned(),
            message: e.to_string(),
        };
        self.stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| io(e, &self.url))?;
        // Headers.
        let head_end = loop {
            if let Some(i) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if self.buffer.len() > 64 * 1024 {
                return Err(io(std::io::Error::other("headers too long"), &self.url));
            }
            let mut chunk = [0u8; 4096];
            let n = self
                .stream
                .read(&mut chunk)
                .await
                .map_err(|e| io(e, &self.url))?;
            if n == 0 {
                return Err(io(std::io::Error::other("connection closed"), &self.url));
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        self.buffer.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| io(std::io::Error::other("not an HTTP answer"), &self.url))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        // Body: Content-Length or chunked.
        let mut body = Vec::new();
        let chunked = header_value(&headers, "transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            loop {
                let line_end = loop {
                    if let Some(i) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    self.fill().await?;
                };
                let size = usize::from_str_radix(
                    String::from_utf8_lossy(&self.buffer[..line_end])
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim(),
                    16,
                )
                .map_err(|_| io(std::io::Error::other("bad chunk size"), &self.url))?;
                self.buffer.drain(..line_end + 2);
                while self.buffer.len() < size + 2 {
                    self.fill().await?;
                }
                body.extend_from_slice(&self.buffer[..size]);
                self.buffer.drain(..size + 2);
                if size == 0 {
                    break;
                }
            }
        } else {
            let length = header_value(&headers, "content-length")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if length > 16 * 1024 * 1024 {
                return Err(io(std::io::Error::other("body too long"), &self.url));
            }
            while self.buffer.len() < length {
                self.fill().await?;
            }
            body.extend(self.buffer.drain(..length));
        }
        Ok((status, headers, body))
    }

    async fn fill(&mut self) -> Result<(), CrawlError> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 4096];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| CrawlError::Connect {
                url: self.url.clone(),
                message: e.to_string(),
            })?;
        if n == 0 {
            return Err(CrawlError::Connect {
                url: self.url.clone(),
                message: "connection closed mid-answer".into(),
            });
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}
