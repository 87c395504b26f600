/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * proxyarp: route-aware proxy ARP and NDP.  Values shared with user
 * space: the per-device mode and the verdicts and reasons of the
 * proxyarp:proxyarp_decision (ARP) and proxyarp:proxyndp_decision (IPv6
 * neighbour solicitations) tracepoints.  A reason means the same in
 * both families; one marked (ARP) or (NDP) is that family's only.  The numbers are
 * ABI: new values are only ever appended.
 */
#ifndef _UAPI_LINUX_PROXYARP_H
#define _UAPI_LINUX_PROXYARP_H

/* net.proxyarp.conf.<dev>.mode, net.proxyndp.conf.<dev>.mode */
enum proxyarp_mode {
	PROXYARP_MODE_OFF = 0,		/* the module leaves the device alone */
	PROXYARP_MODE_ON = 1,		/* the module owns proxy decisions */
	PROXYARP_MODE_AUDIT = 2,	/* decide and trace, change nothing */
};

enum proxyarp_verdict {
	PROXYARP_VERDICT_IGNORE = 0,	/* no proxy reply */
	PROXYARP_VERDICT_REPLY = 1,	/* a proxy reply (would be) sent */
};

enum proxyarp_reason {
	/* reply: the route to the target leaves through another device,
	 * or through the same one with proxy_arp_pvlan
	 */
	PROXYARP_REASON_PROXIED = 0,
	/* reply: an explicit proxy entry (ip neigh add proxy ...), where
	 * medium_id or a safety knob refuses the route
	 */
	PROXYARP_REASON_PROXY_ENTRY = 1,
	/* ignore, to the kernel: the target is local to this host */
	PROXYARP_REASON_LOCAL = 2,
	/* ignore: duplicate address detection probe (sender 0.0.0.0, ::) */
	PROXYARP_REASON_DAD = 3,
	/* ignore (ARP): gratuitous request (sender IP equals target IP) */
	PROXYARP_REASON_GARP = 4,
	/* ignore: the target is multicast, broadcast, loopback or zero */
	PROXYARP_REASON_MARTIAN_TARGET = 5,
	/* ignore (ARP): the sender is martian or one of this host's addresses */
	PROXYARP_REASON_MARTIAN_SOURCE = 6,
	/* ignore (ARP): the sender fails the reverse path check (rp_filter) */
	PROXYARP_REASON_RP_FILTER = 7,
	/* ignore: no route to the target */
	PROXYARP_REASON_NO_ROUTE = 8,
	/* ignore: the route is not unicast (unreachable, blackhole, ...) */
	PROXYARP_REASON_NOT_UNICAST = 9,
	/* ignore: the kernel would not forward to the target (ARP: the
	 * receiving device's forwarding; NDP: ip6_forward()'s test)
	 */
	PROXYARP_REASON_FORWARDING_OFF = 10,
	/* ignore: the route leaves through the receiving device */
	PROXYARP_REASON_SAME_DEVICE = 11,
	/* ignore (ARP): medium_id says both devices share a medium */
	PROXYARP_REASON_MEDIUM_ID = 12,
	/* ignore: ignore_default_route and the route is a default route */
	PROXYARP_REASON_DEFAULT_ROUTE = 13,
	/* ignore: the route is shorter than min_prefixlen */
	PROXYARP_REASON_SHORT_PREFIX = 14,
	/* ignore: the device is over max_rate replies per second */
	PROXYARP_REASON_RATE_LIMITED = 15,
	/* ignore (NDP): the solicitation fails RFC 4861 7.1.1 validation,
	 * or came in fragments under suppress_frag_ndisc (RFC 6980)
	 */
	PROXYARP_REASON_INVALID = 16,
	/* ignore (NDP): a multicast solicitation without the sender's
	 * link-layer address, from a sender with no neighbour entry
	 */
	PROXYARP_REASON_NO_LLADDR = 17,
	/* ignore: route_proto and the route was added by another protocol */
	PROXYARP_REASON_ROUTE_PROTO = 18,
	__PROXYARP_REASON_MAX,
};

/* What made the module announce an address (the announce tracepoints) */
enum proxyarp_trigger {
	/* a host route appeared after the guest behind it announced itself */
	PROXYARP_TRIGGER_ROUTE = 0,
	/* the guest announced itself (gratuitous ARP, unsolicited NA, RARP,
	 * or its answer to the module's probe) where a host route leads
	 */
	PROXYARP_TRIGGER_GUEST = 1,
	/* the announcing device came up, got its carrier or a new address,
	 * or was asked to notify its peers
	 */
	PROXYARP_TRIGGER_UP = 2,
};

#endif /* _UAPI_LINUX_PROXYARP_H */
