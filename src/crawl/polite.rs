//! Politeness: retries with exponential backoff and jitter on transient failures only, and an
//! optional requests-per-second limit shared by every request of a crawl.

use super::error::CrawlError;
use std::future::Future;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Retries `op` up to `retries` more times while its error is transient. The delay doubles
/// from `base` (capped at 10 s) and a random 0–50 % is added so parallel workers spread out.
pub async fn retry<T, F, Fut>(retries: u32, base: Duration, mut op: F) -> Result<T, CrawlError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CrawlError>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < retries && e.is_transient() => {
                let delay = backoff(base, attempt);
                attempt += 1;
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The delay before retry `attempt` (0-based).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let capped = exp.min(Duration::from_secs(10));
    let jitter = capped.mul_f64(f64::from(random_u32() % 512) / 1024.0);
    capped + jitter
}

/// A random number from the system's generator (ring), for jitter and Xrfkeys.
pub fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    random_bytes(&mut b);
    u32::from_le_bytes(b)
}

pub fn random_bytes(out: &mut [u8]) {
    use ring::rand::SecureRandom;
    if ring::rand::SystemRandom::new().fill(out).is_err() {
        // The system generator failing is not worth a crash: fall back to the clock.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in out.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
}

/// 16 characters from `0-9a-zA-Z`, fresh per request, as Qlik's CSRF guard wants.
pub fn xrfkey() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut b = [0u8; 16];
    random_bytes(&mut b);
    b.iter()
        .map(|x| ALPHABET[usize::from(*x) % ALPHABET.len()] as char)
        .collect()
}

/// Spaces requests evenly: at most `per_second` starts per second across the crawl.
#[derive(Debug)]
pub struct RateLimit {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl RateLimit {
    pub fn new(per_second: f64) -> RateLimit {
        RateLimit {
            interval: (per_second > 0.0).then(|| Duration::from_secs_f64(1.0 / per_second)),
            next: Mutex::new(Instant::now()),
        }
    }

    pub async fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let start = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + interval;
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn xrfkeys_are_16_alphanumerics_and_differ() {
        let a = xrfkey();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, xrfkey());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let d0 = backoff(base, 0);
        assert!(d0 >= base && d0 <= base.mul_f64(1.5), "{d0:?}");
        let d3 = backoff(base, 3);
        assert!(d3 >= Duration::from_millis(800), "{d3:?}");
        assert!(backoff(base, 30) <= Duration::from_secs(15));
    }

    #[tokio::test]
    async fn retries_transient_errors_only() {
        let calls = AtomicU32::new(0);
        let r: Result<(), CrawlError> = retry(3, Duration::from_millis(1), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CrawlError::Http {
                url: "u".into(),
                status: 503,
                body: String::new(),
            })
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        calls.store(0, Ordering::SeqCst);
        let r: Result<(), CrawlError> = retry(3, Duration::from_millis(1), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CrawlError::Auth {
                url: "u".into(),
                status: 403,
                reason: String::new(),
            })
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "never retried on 403");
    }

    #[tokio::test]
    async fn the_rate_limit_spaces_requests() {
        let limit = RateLimit::new(100.0);
        let start = Instant::now();
        for _ in 0..5 {
            limit.wait().await;
        }
        assert!(start.elapsed() >= Duration::from_millis(39));
    }
}
