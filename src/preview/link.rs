//! Where a sheet opens on the site: `https://<host>[/<virtual proxy prefix>]/sense/app/<app>/sheet/<sheet>/state/analysis`.
//! The host is the alias host when one is given (the name users and the certificate know
//! the server by, when the crawl connects by another one), with the URL's port kept.

/// Why a site address cannot make links.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("site URL `{0}`: expected https://host[:port][/prefix]")]
    NotAUrl(String),
    #[error("alias host `{0}` is not a host name")]
    AliasHost(String),
    #[error("virtual proxy prefix `{0}`: expected a single path segment such as `sso`")]
    Prefix(String),
}

/// The base every sheet link starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteLink {
    /// `https://host[:port]`.
    origin: String,
    /// `""` for the default virtual proxy, else `/prefix`.
    prefix: String,
}

impl SiteLink {
    /// From the site's URL (`https://qlik.example.com`, optionally with the virtual proxy's
    /// prefix as its path), an explicit prefix (wins over the URL's path) and an alias host.
    pub fn new(
        url: &str,
        virtual_proxy: Option<&str>,
        alias_host: Option<&str>,
    ) -> Result<SiteLink, LinkError> {
        let not_a_url = || LinkError::NotAUrl(url.to_string());
        let (scheme, rest) = url.trim().split_once("://").ok_or_else(not_a_url)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(not_a_url());
        }
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.contains('@') || !authority.chars().all(host_char) {
            return Err(not_a_url());
        }
        let authority = match alias_host {
            Some(alias) => {
                let alias = alias.trim();
                if alias.is_empty() || !alias.chars().all(|c| host_char(c) && c != ':') {
                    return Err(LinkError::AliasHost(alias.to_string()));
                }
                match port(authority) {
                    Some(port) => format!("{alias}:{port}"),
                    None => alias.to_string(),
                }
            }
            None => authority.to_string(),
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let prefix = virtual_proxy.unwrap_or(path).trim().trim_matches('/');
        if prefix.contains('/')
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
        {
            return Err(LinkError::Prefix(prefix.to_string()));
        }
        Ok(SiteLink {
            origin: format!("{scheme}://{authority}"),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            },
        })
    }

    /// The hub address of a sheet.
    pub fn sheet_url(&self, app: &str, sheet: &str) -> String {
        format!(
            "{}{}/sense/app/{}/sheet/{}/state/analysis",
            self.origin,
            self.prefix,
            super::escape::path_segment(app),
            super::escape::path_segment(sheet)
        )
    }
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.:[]_".contains(c)
}

/// The port of `host:port` (not of a bare IPv6 literal).
fn port(authority: &str) -> Option<&str> {
    let after_literal = authority.rsplit(']').next().unwrap_or(authority);
    after_literal
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_hub_address_scheme() {
        let link = SiteLink::new("https://qlik.corp.local", None, None).unwrap();
        assert_eq!(
            link.sheet_url("a1", "s1"),
            "https://qlik.corp.local/sense/app/a1/sheet/s1/state/analysis"
        );
        let link =
            SiteLink::new("https://10.0.0.5:8443/sso/", None, Some("qlik.corp.local")).unwrap();
        assert_eq!(
            link.sheet_url("a 1", "s/1"),
            "https://qlik.corp.local:8443/sso/sense/app/a%201/sheet/s%2F1/state/analysis"
        );
        let link = SiteLink::new("https://h/old", Some("new"), None).unwrap();
        assert!(link.sheet_url("a", "s").starts_with("https://h/new/sense/"));
        let link = SiteLink::new("https://h/old", Some(""), None).unwrap();
        assert!(link.sheet_url("a", "s").starts_with("https://h/sense/"));
    }

    #[test]
    fn bad_addresses_are_refused() {
        assert!(SiteLink::new("qlik.corp.local", None, None).is_err());
        assert!(SiteLink::new("javascript://x", None, None).is_err());
        assert!(SiteLink::new("https://user@h", None, None).is_err());
        assert!(SiteLink::new("https://h\"><x", None, None).is_err());
        assert!(SiteLink::new("https://h", Some("a/b"), None).is_err());
        assert!(SiteLink::new("https://h", None, Some("x/y")).is_err());
    }
}
