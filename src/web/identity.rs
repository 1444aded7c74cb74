//! Who is signed in, and what their role lets them do.
//!
//! The council's reverse proxy signs staff in with its identity provider and passes the
//! person's name and groups in headers ([`crate::config::ProxySettings`]). Headers are believed
//! only on requests whose peer is one of the proxy's configured addresses: anyone else could
//! write them. The role is the highest the person's groups give ([`crate::config::RoleGroups`]).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

use crate::config::{RoleGroups, WebSettings};

/// What the pages add to the person's name in the audit ([`Person::recorded_by`]).
const THROUGH_THE_PAGES: &str = " (web)";

/// The longest name believed: with [`THROUGH_THE_PAGES`] it is the audit's `recorded_by`, at
/// most [`crate::lifecycle::MAX_RECORDED_BY`] characters.
pub const MAX_NAME: usize = crate::lifecycle::MAX_RECORDED_BY - THROUGH_THE_PAGES.len();

/// What a signed-in person may do, each role everything the one before it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads every page.
    Viewer,
    /// Also opens complaints and records events and outcomes.
    Caseworker,
    /// Also extends, accepts late, decides what applies, corrects, closes and reopens.
    Manager,
    /// A manager (the role is there for groups an authority names now; it does nothing more
    /// yet).
    Admin,
}

impl Role {
    /// The role's name as the pages show it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Caseworker => "caseworker",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

/// A signed-in member of staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// As the identity provider names them; what the audit records.
    pub name: String,
    /// Their highest role.
    pub role: Role,
}

impl Person {
    /// May they do what needs `role`?
    pub fn may(&self, role: Role) -> bool {
        self.role >= role
    }

    /// Who did it, for the audit line: the person, and that it came through the pages.
    pub fn recorded_by(&self) -> String {
        format!("{}{THROUGH_THE_PAGES}", self.name)
    }
}

/// Why a request has nobody signed in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The request did not come through the proxy.
    #[error(
        "this page is reached through the council's sign-in; the request did not come from it"
    )]
    NotThroughProxy,
    /// The proxy passed no name.
    #[error("the sign-in did not say who you are")]
    NoName,
    /// A name the audit cannot hold.
    #[error("the sign-in passed a name that is not plain text of 1 to {MAX_NAME} characters")]
    BadName,
    /// A header twice, or one that is not UTF-8 text.
    #[error("the sign-in's headers could not be read (one given twice, or not text)")]
    Unreadable,
    /// Signed in, but in none of the configured groups.
    #[error("you are signed in as {0}, but none of your groups is given a role here: ask the service's administrator")]
    NoRole(String),
}

/// How requests are believed.
#[derive(Clone, Debug)]
pub struct SignIn {
    proxies: Vec<IpAddr>,
    user_header: String,
    groups_header: String,
    roles: RoleGroups,
}

impl SignIn {
    /// From the `[web]` settings.
    pub fn new(settings: &WebSettings) -> Self {
        SignIn {
            proxies: settings.proxy.addresses.clone(),
            user_header: settings.proxy.user_header.clone(),
            groups_header: settings.proxy.groups_header.clone(),
            roles: settings.roles.clone(),
        }
    }

    /// The person a request is from. `peer` is the connection's other end (none when the
    /// server was not told it, which believes nobody). An IPv4 proxy reached over an IPv6
    /// socket (`::ffff:a.b.c.d`) is its IPv4 address.
    pub fn person(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Result<Person, Refusal> {
        let peer = peer.map(|p| p.ip().to_canonical());
        if !peer.is_some_and(|p| self.proxies.iter().any(|a| a.to_canonical() == p)) {
            return Err(Refusal::NotThroughProxy);
        }
        // One header of each: a second copy is something other than the proxy speaking. UTF-8,
        // not only ASCII: proxies pass names as their identity provider spells them (Siân).
        let one = |name: &str| -> Result<Option<&str>, Refusal> {
            let mut values = headers.get_all(name).iter();
            match (values.next(), values.next()) {
                (None, _) => Ok(None),
                (Some(v), None) => std::str::from_utf8(v.as_bytes())
                    .map(Some)
                    .map_err(|_| Refusal::Unreadable),
                (Some(_), Some(_)) => Err(Refusal::Unreadable),
            }
        };
        let name = one(&self.user_header)?.map(str::trim).unwrap_or("");
        if name.is_empty() {
            return Err(Refusal::NoName);
        }
        let plain = crate::text::control_character("name", name).is_none();
        if !plain || name.chars().count() > MAX_NAME {
            return Err(Refusal::BadName);
        }
        let groups: Vec<&str> = one(&self.groups_header)?
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .collect();
        let holds = |configured: &[String]| configured.iter().any(|c| groups.contains(&c.as_str()));
        let r = &self.roles;
        let role = [
            (Role::Admin, &r.admin),
            (Role::Manager, &r.manager),
            (Role::Caseworker, &r.caseworker),
            (Role::Viewer, &r.viewer),
        ]
        .into_iter()
        .find(|(_, g)| holds(g))
        .map(|(role, _)| role)
        .ok_or_else(|| Refusal::NoRole(name.to_string()))?;
        Ok(Person {
            name: name.to_string(),
            role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProxySettings;

    fn sign_in() -> SignIn {
        SignIn::new(&WebSettings {
            enabled: true,
            proxy: ProxySettings {
                addresses: vec!["10.0.0.5".parse().unwrap()],
                ..ProxySettings::default()
            },
            roles: RoleGroups {
                viewer: vec!["QA".into()],
                caseworker: vec!["CRS Support".into()],
                manager: vec!["CRS Managers".into()],
                admin: vec![],
            },
            secret_file: None,
        })
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    const PROXY: &str = "10.0.0.5:40000";

    #[test]
    fn the_highest_role_of_the_persons_groups_is_theirs() {
        let h = headers(&[
            ("x-forwarded-user", "Sam Chair"),
            ("x-forwarded-groups", "QA, CRS Managers,Other"),
        ]);
        let p = sign_in().person(Some(PROXY.parse().unwrap()), &h).unwrap();
        assert_eq!(p.name, "Sam Chair");
        assert_eq!(p.role, Role::Manager);
        assert!(p.may(Role::Caseworker) && !p.may(Role::Admin));
        assert_eq!(p.recorded_by(), "Sam Chair (web)");
    }

    #[test]
    fn a_name_in_utf8_is_believed_and_one_too_long_for_the_audit_is_not() {
        let s = sign_in();
        let peer = Some(PROXY.parse().unwrap());
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-user",
            axum::http::HeaderValue::from_bytes("Siân Jones".as_bytes()).unwrap(),
        );
        h.insert("x-forwarded-groups", "QA".parse().unwrap());
        assert_eq!(s.person(peer, &h).unwrap().name, "Siân Jones");
        let longest = "x".repeat(MAX_NAME);
        h.insert("x-forwarded-user", longest.parse().unwrap());
        let p = s.person(peer, &h).unwrap();
        assert_eq!(
            p.recorded_by().chars().count(),
            crate::lifecycle::MAX_RECORDED_BY
        );
        h.insert("x-forwarded-user", format!("{longest}x").parse().unwrap());
        assert_eq!(s.person(peer, &h), Err(Refusal::BadName));
    }

    #[test]
    fn headers_from_anywhere_but_the_proxy_are_not_believed() {
        let h = headers(&[("x-forwarded-user", "Sam"), ("x-forwarded-groups", "QA")]);
        let s = sign_in();
        assert_eq!(
            s.person(Some("10.0.0.6:1".parse().unwrap()), &h),
            Err(Refusal::NotThroughProxy)
        );
        assert_eq!(s.person(None, &h), Err(Refusal::NotThroughProxy));
        // The proxy's IPv4 address as an IPv6 socket sees it.
        assert!(s
            .person(Some("[::ffff:10.0.0.5]:1".parse().unwrap()), &h)
            .is_ok());
    }

    #[test]
    fn a_missing_doubled_or_unplain_name_and_no_group_are_refused() {
        let s = sign_in();
        let peer = Some(PROXY.parse().unwrap());
        let cases: [(&[(&'static str, &str)], Refusal); 5] = [
            (&[("x-forwarded-groups", "QA")], Refusal::NoName),
            (&[("x-forwarded-user", "  ")], Refusal::NoName),
            (
                &[("x-forwarded-user", "A"), ("x-forwarded-user", "B")],
                Refusal::Unreadable,
            ),
            (&[("x-forwarded-user", "A\tB")], Refusal::BadName),
            (
                &[
                    ("x-forwarded-user", "Pat"),
                    ("x-forwarded-groups", "Finance"),
                ],
                Refusal::NoRole("Pat".into()),
            ),
        ];
        for (h, want) in cases {
            assert_eq!(s.person(peer, &headers(h)), Err(want));
        }
    }
}
