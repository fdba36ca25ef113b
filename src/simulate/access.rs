//! Who is asking, and what they may see: the site's stream grants, app ownership and private
//! sheets, applied the same way by QRS, the engine and the proxy.

use super::site::{App, Object, Site, UserId};

/// The identity a request runs as.
#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    /// A certificate request without `X-Qlik-User`, or an `INTERNAL\sa_*` service account: full
    /// rights, as the repository grants them.
    Service(UserId),
    User(UserId),
}

impl Identity {
    /// The identity for a user id, promoting Qlik's internal service accounts.
    pub fn for_user(id: UserId) -> Identity {
        if id.is_internal_service() {
            Identity::Service(id)
        } else {
            Identity::User(id)
        }
    }

    pub fn certificate_default() -> Identity {
        Identity::Service(UserId::new("INTERNAL", "sa_repository"))
    }

    pub fn user_id(&self) -> &UserId {
        match self {
            Identity::Service(id) | Identity::User(id) => id,
        }
    }

    fn is_admin(&self, site: &Site) -> bool {
        match self {
            Identity::Service(_) => true,
            Identity::User(id) => site.user(id).is_some_and(|u| u.root_admin),
        }
    }

    /// Streams: root admins and services see all; others the streams granted to them.
    pub fn can_see_stream(&self, site: &Site, stream_name: &str) -> bool {
        if self.is_admin(site) {
            return true;
        }
        let Identity::User(id) = self else {
            return false;
        };
        site.user(id).is_some_and(|u| {
            u.streams
                .iter()
                .any(|s| s == "*" || s.eq_ignore_ascii_case(stream_name))
        })
    }

    /// Apps: the owner always; published apps to whoever sees their stream.
    pub fn can_see_app(&self, site: &Site, app: &App) -> bool {
        if self.is_admin(site) || &app.owner == self.user_id() {
            return true;
        }
        match (&app.meta.stream, app.meta.published) {
            (Some(stream), true) => self.can_see_stream(site, stream),
            _ => false,
        }
    }

    /// Engine objects: private sheets (neither published nor approved, both defaulting to the
    /// app's `published`) only to their owner, as the hub shows them; the service account sees
    /// everything, so QRS rows always resolve in the engine.
    pub fn can_see_object_in_engine(&self, app: &App, object: &Object) -> bool {
        if matches!(self, Identity::Service(_)) {
            return true;
        }
        let meta = &object.file.meta;
        let published = meta.published.unwrap_or(app.meta.published);
        let approved = meta.approved.unwrap_or(app.meta.published);
        if published || approved {
            return true;
        }
        let owner = meta
            .owner
            .as_deref()
            .and_then(UserId::parse)
            .unwrap_or_else(|| app.owner.clone());
        &owner == self.user_id()
    }

    /// Repository objects: admins see every app object; others what the engine would show.
    pub fn can_see_object_in_qrs(&self, site: &Site, app: &App, object: &Object) -> bool {
        self.is_admin(site) || self.can_see_object_in_engine(app, object)
    }

    pub fn can_see_all_connections(&self, site: &Site) -> bool {
        self.is_admin(site)
    }
}
