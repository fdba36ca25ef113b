//! `qlineage serve`: HTTP/1.1 on hyper around [`super::api::handle`]. Plain HTTP: the
//! explorer is a local, read-only tool, bound to loopback unless the user allows otherwise.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, ORIGIN};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::api;
use super::explorer::Explorer;

/// The longest request target accepted (ids travel in the query string).
const MAX_URI_LEN: usize = 16 * 1024;

/// Serves the explorer on an already bound listener until the task is dropped.
pub async fn serve(listener: TcpListener, explorer: Arc<Explorer>) {
    loop {
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let explorer = Arc::clone(&explorer);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let explorer = Arc::clone(&explorer);
                async move { Ok::<_, Infallible>(respond(&explorer, &req)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}

fn respond(explorer: &Explorer, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let uri = req.uri();
    let answer = if uri.to_string().len() > MAX_URI_LEN {
        api::Response {
            status: 414,
            content_type: "application/json",
            body: br#"{"error":{"status":414,"code":"uri_too_long","message":"the request target is too long"}}"#.to_vec(),
            headers: vec![("content-security-policy", api::CSP.into()), ("x-content-type-options", "nosniff".into())],
        }
    } else {
        api::handle(
            explorer,
            api::Request {
                method: req.method().as_str(),
                path: uri.path(),
                query: uri.query(),
                origin: req.headers().get(ORIGIN).and_then(|v| v.to_str().ok()),
            },
        )
    };
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    for (name, value) in answer.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(HeaderName::from_static(name), value);
        }
    }
    response
}

/// Whether an address is loopback only (binding elsewhere needs `--allow-remote`).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}
