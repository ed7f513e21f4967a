//! Which addresses a webhook may be sent to: public unicast addresses, and those inside the networks
//! the operator allows (`WEBHOOK_ALLOWED_NETWORKS`). Everything else (loopback, private, link-local,
//! shared, multicast, documentation, reserved, and the IPv4-mapped forms of these) is refused, so
//! that a registered URL cannot reach the services beside the API.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::error::{AppError, AppResult};

/// The networks an operator allows besides public addresses.
#[derive(Clone, Debug, Default)]
pub struct AllowedNetworks(Vec<IpNet>);

impl AllowedNetworks {
    /// Parses a comma-separated list of CIDR networks (`127.0.0.0/8, fd00::/8`); empty allows none.
    pub fn parse(list: &str) -> AppResult<Self> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        AppError::Internal(format!(
                            "WEBHOOK_ALLOWED_NETWORKS: `{item}` is not a network (CIDR) or address"
                        ))
                    })
            })
            .collect::<AppResult<Vec<_>>>()
            .map(Self)
    }

    /// Whether a webhook may be sent to `ip`; the reason when not.
    pub fn check(&self, ip: IpAddr) -> Result<(), &'static str> {
        let ip = ip.to_canonical();
        if self.0.iter().any(|net| net.contains(&ip)) {
            return Ok(());
        }
        match non_public(ip) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }
}

/// Why `ip` is not a public unicast address, or `None` when it is one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_broadcast() => "the broadcast address",
        (0, ..) => "a reserved address",
        (127, ..) => "a loopback address",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "a private address",
        (100, 64..=127, _) => "a shared (carrier-grade NAT) address",
        (169, 254, _) => "a link-local address",
        (192, 0, 0) => "a protocol assignment address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, ..) => "a multicast address",
        (240..=255, ..) => "a reserved address",
        _ => return None,
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address in IPv6 form goes where its IPv4 address goes.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) and the deprecated IPv4-compatible form (::a.b.c.d).
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
        || (segments[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified())
    {
        let [_, _, _, _, _, _, high, low] = segments;
        let v4 = Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
        return non_public_v4(v4);
    }
    Some(match segments[0] {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        0xfe80..=0xfebf => "a link-local address",
        0xfec0..=0xfeff => "a site-local address",
        0xfc00..=0xfdff => "a private (unique local) address",
        0xff00..=0xffff => "a multicast address",
        0x2001 if segments[1] == 0x0db8 => "a documentation address",
        0x3fff if segments[1] <= 0x0fff => "a documentation address",
        0x0100 if segments[1..4] == [0, 0, 0] => "a discard-only address",
        // Everything outside 2000::/3 is unassigned or special.
        0x0000..=0x1fff | 0x4000..=0xfbff => "a reserved address",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        let ip: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        non_public(ip).is_some()
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "192.169.0.1",
            "2a00:1450:4001:80b::200e",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn internal_and_special_addresses_are_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "2001:db8::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "100::1",
        ] {
            assert!(refused(ip), "{ip} is not public");
        }
    }

    #[test]
    fn allowed_networks_open_what_they_name_only() -> Result<(), Box<dyn std::error::Error>> {
        let allowed = AllowedNetworks::parse(" 127.0.0.0/8 , fd00::/8,10.1.2.3 ")?;
        let check = |ip: &str| -> Result<Result<(), &'static str>, std::net::AddrParseError> {
            Ok(allowed.check(ip.parse()?))
        };
        assert!(check("127.0.0.1")?.is_ok());
        assert!(check("10.1.2.3")?.is_ok());
        assert!(check("fd00::5")?.is_ok());
        assert!(check("8.8.8.8")?.is_ok());
        assert_eq!(check("10.1.2.4")?, Err("a private address"));
        assert_eq!(check("::1")?, Err("a loopback address"));
        assert_eq!(check("169.254.169.254")?, Err("a link-local address"));
        let none = AllowedNetworks::parse("")?;
        assert!(none.check("127.0.0.1".parse()?).is_err());
        assert!(AllowedNetworks::parse("localhost").is_err());
        assert!(AllowedNetworks::parse("10.0.0.0/33").is_err());
        Ok(())
    }
}
