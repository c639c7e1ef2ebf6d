//! The client's address, for rate limits: the TCP peer, or, when the peer is a trusted
//! proxy (`CARNEAU_TRUSTED_PROXIES`), the nearest `X-Forwarded-For` hop that is not one.
//!
//! The hops are walked from the right (the one our proxy appended) leftwards, skipping
//! trusted proxies: the hops further left were written by the client and prove nothing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::config::TrustedProxies;
use crate::problem::ApiError;
use crate::state::AppState;

/// The address a request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S> FromRequestParts<S> for ClientAddress
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        // Without connection info (a router driven in-process) every caller is one peer.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.config.accounts.trusted_proxies,
        )))
    }
}

fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => client = address,
            Ok(address) => return address,
            // A hop we cannot read: stop at the last address we could trust.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn trusted(list: &str) -> TrustedProxies {
        let config = Config::from_lookup(|name| {
            Ok((name == "CARNEAU_TRUSTED_PROXIES").then(|| list.to_owned()))
        })
        .unwrap();
        config.accounts.trusted_proxies
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let peer: IpAddr = "198.51.100.9".parse().unwrap();
        let address = client_address(peer, &forwarded("203.0.113.7"), &trusted("127.0.0.1"));
        assert_eq!(address, peer);
    }

    #[test]
    fn a_trusted_proxy_names_the_nearest_untrusted_hop() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let proxies = trusted("127.0.0.1, 10.0.0.2");
        let spoofed = forwarded("1.2.3.4, 203.0.113.7, 10.0.0.2");
        assert_eq!(
            client_address(peer, &spoofed, &proxies),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(peer, &HeaderMap::new(), &proxies), peer);
    }
}
