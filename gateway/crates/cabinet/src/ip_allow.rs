//! IP allow-lists: the networks (CIDR, IPv4 or IPv6) a user or a client may
//! come from.
//!
//! An empty list allows every address. An IPv4 address seen through an
//! IPv6 socket (`::ffff:a.b.c.d`) is matched as the IPv4 address it is.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::field_errors::FieldErrors;

/// The networks an address must fall in; empty means any address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowList {
    networks: Vec<IpNet>,
}

const BAD_NETWORK: &str =
    "Укажите IP-адрес или сеть в нотации CIDR, например 10.0.0.0/8 или 2001:db8::/32";

// === impl IpAllowList ===

impl IpAllowList {
    /// A list that allows every address.
    pub fn any() -> Self {
        Self::default()
    }

    /// Parses each entry as a network (`10.1.0.0/16`, `2001:db8::/32`) or a
    /// single address (`192.0.2.7`, as `/32` or `/128`). Host bits after the
    /// prefix are cleared: `10.1.2.3/16` means `10.1.0.0/16`.
    ///
    /// # Errors
    /// Every bad entry, as field `{field}[index]`.
    pub fn parse<S: AsRef<str>>(field: &str, entries: &[S]) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut networks = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            match parse_network(entry.as_ref().trim()) {
                Some(network) => networks.push(network),
                None => errors.push(format!("{field}[{index}]"), BAD_NETWORK),
            }
        }
        errors.into_result(|| IpAllowList { networks })
    }

    /// Whether `ip` may come in.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.networks.is_empty() {
            return true;
        }
        let ip = ip.to_canonical();
        self.networks.iter().any(|network| network.contains(&ip))
    }

    /// The networks, in the order given.
    pub fn networks(&self) -> &[IpNet] {
        &self.networks
    }

    /// Whether the list allows every address.
    pub fn is_any(&self) -> bool {
        self.networks.is_empty()
    }

    /// Each network in CIDR notation, in order.
    pub fn to_strings(&self) -> Vec<String> {
        self.networks.iter().map(ToString::to_string).collect()
    }
}

fn parse_network(text: &str) -> Option<IpNet> {
    if let Ok(network) = text.parse::<IpNet>() {
        return Some(network.trunc());
    }
    let address = text.parse::<IpAddr>().ok()?;
    Some(IpNet::from(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> IpAllowList {
        IpAllowList::parse("ip_allow", entries).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ip_allow_empty_list_allows_everyone() {
        assert!(list(&[]).allows(ip("203.0.113.9")));
        assert!(list(&[]).allows(ip("2001:db8::1")));
    }

    #[test]
    fn ip_allow_v4_network_matches_its_addresses_only() {
        let allow = list(&["10.20.0.0/16"]);

        assert!(allow.allows(ip("10.20.0.0")));
        assert!(allow.allows(ip("10.20.255.255")));
        assert!(!allow.allows(ip("10.21.0.1")));
        assert!(!allow.allows(ip("2001:db8::1")));
    }

    #[test]
    fn ip_allow_v6_network_matches_its_addresses_only() {
        let allow = list(&["2001:db8:abcd::/48"]);

        assert!(allow.allows(ip("2001:db8:abcd:12::1")));
        assert!(!allow.allows(ip("2001:db8:abce::1")));
        assert!(!allow.allows(ip("10.0.0.1")));
    }

    #[test]
    fn ip_allow_single_address_is_a_host_network() {
        let allow = list(&["192.0.2.7", "::1"]);

        assert_eq!(allow.to_strings(), ["192.0.2.7/32", "::1/128"]);
        assert!(allow.allows(ip("192.0.2.7")));
        assert!(!allow.allows(ip("192.0.2.8")));
        assert!(allow.allows(ip("::1")));
    }

    #[test]
    fn ip_allow_mapped_v4_address_matches_v4_network() {
        let allow = list(&["127.0.0.0/8"]);

        assert!(allow.allows(ip("::ffff:127.0.0.1")));
    }

    #[test]
    fn ip_allow_host_bits_are_cleared() {
        assert_eq!(list(&["10.1.2.3/16"]).to_strings(), ["10.1.0.0/16"]);
    }

    #[test]
    fn ip_allow_every_bad_entry_is_reported() {
        let entries = ["10.0.0.0/8", "10.0.0.0/33", "localhost", "2001:db8::/129"];

        let errors = IpAllowList::parse("ip_allow", &entries).unwrap_err();

        assert_eq!(
            errors.fields(),
            ["ip_allow[1]", "ip_allow[2]", "ip_allow[3]"]
        );
    }
}
