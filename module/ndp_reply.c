// SPDX-License-Identifier: GPL-2.0
/*
 * Every NDP packet the module sends: the advertisement for a
 * solicitation, and for announce.c the announcement and the probe.
 *
 * The answer: what ndisc_recv_ns() does when it answers for an
 * explicit proxy entry, byte for byte.  The asker is learnt from its
 * source link-layer option first (a neighbour entry, NUD_STALE, created
 * for a unicast solicitation or one that carries the option); then
 * ndisc_send_na() answers: to the asker, solicited, override clear (a
 * proxy never overrides, RFC 4861 7.2.8), the router flag the entry's or
 * clear, the target link-layer option only for a multicast solicitation;
 * a probe for duplicate address detection is answered to all nodes,
 * unsolicited, with the option.  ndisc_send_skb() builds the IPv6 header
 * (hop limit 255, the source address ipv6_dev_get_saddr() picks for the
 * destination, or the target with na_source) and sends it through
 * LOCAL_OUT, so that ip6tables and nft see the answer.
 */

#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/sock.h>

#include "ndp.h"
#include <trace/events/proxyarp.h>

/*
 * ndisc_send_na() and ndisc_alloc_skb(), net/ipv6/ndisc.c (the first
 * exported from 7.x only, the second static), for a target that is not
 * an address of this host (the module never answers for one): from
 * @saddr, or when NULL from the address the kernel picks for the
 * destination.  False when it was not built: no source, or no memory;
 * what the route lookup or LOCAL_OUT drops counts as sent, as what
 * arp_xmit() drops does.
 */
static bool proxyarp_ndp_send_na(struct net_device *dev,
				 const struct in6_addr *daddr,
				 const struct in6_addr *saddr,
				 const struct in6_addr *target, bool router,
				 bool solicited, bool override, bool inc_opt)
{
	struct sock *sk = dev_net(dev)->ipv6.ndisc_sk;
	int hlen = LL_RESERVED_SPACE(dev);
	int tlen = dev->needed_tailroom;
	struct in6_addr pick;
	struct sk_buff *skb;
	struct nd_msg *msg;
	int optlen = 0;

	if (!saddr) {
		if (compat_ndisc_send_na(dev, daddr, target, router, solicited,
					 override, inc_opt))
			return true;
		if (ipv6_dev_get_saddr(dev_net(dev), dev, daddr,
				       inet6_sk(sk)->srcprefs, &pick))
			return false;
		saddr = &pick;
	}
	if (inc_opt)
		optlen = ndisc_opt_addr_space(dev,
					      NDISC_NEIGHBOUR_ADVERTISEMENT);

	skb = alloc_skb(hlen + sizeof(struct ipv6hdr) + sizeof(*msg) + optlen +
			tlen, GFP_ATOMIC);
	if (!skb)
		return false;
	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = dev;
	skb_reserve(skb, hlen + sizeof(struct ipv6hdr));
	skb_reset_transport_header(skb);
	skb_set_owner_w(skb, sk);

	msg = skb_put(skb, sizeof(*msg));
	*msg = (struct nd_msg) {
		.icmph = {
			.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT,
			.icmp6_router = router,
			.icmp6_solicited = solicited,
			.icmp6_override = override,
		},
		.target = *target,
	};
	if (inc_opt)
		__ndisc_fill_addr_option(skb, ND_OPT_TARGET_LL_ADDR,
					 dev->dev_addr, dev->addr_len,
					 ndisc_addr_option_pad(dev->type));
	ndisc_send_skb(skb, daddr, saddr);
	return true;
}

/**
 * proxyarp_ndp_reply - answer a solicitation the module decided to answer
 * @dev: the receiving device
 * @d: the decision
 *
 * Under RCU, from the hook; the solicitation is the caller's to consume.
 */
void proxyarp_ndp_reply(struct net_device *dev,
			const struct proxyarp_ndp_decision *d)
{
	const struct in6_addr *saddr = d->from_target ? &d->target : NULL;
	struct neighbour *n;

	if (d->dad) {
		proxyarp_ndp_send_na(dev, &in6addr_linklocal_allnodes, saddr,
				     &d->target, d->router, false, false, true);
		return;
	}

	if (d->mcast)
		NEIGH_CACHE_STAT_INC(&nd_tbl, rcv_probes_mcast);
	else
		NEIGH_CACHE_STAT_INC(&nd_tbl, rcv_probes_ucast);
	n = __neigh_lookup(&nd_tbl, &d->saddr, dev, !d->mcast || d->lladdr);
	if (!n)
		return;
	neigh_update(n, d->lladdr ? d->sha : NULL, NUD_STALE,
		     NEIGH_UPDATE_F_WEAK_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE, 0);
	proxyarp_ndp_send_na(dev, &d->saddr, saddr, &d->target, d->router,
			     true, false, d->mcast);
	neigh_release(n);
}

/**
 * proxyarp_ndp_announce - announce that @dev answers for @addr
 * @dev: the device
 * @conf: its proxyndp tunables
 * @addr: the address
 * @router: the answer's router flag
 *
 * An unsolicited advertisement to all nodes with the target link-layer
 * option, as ndisc_notify sends for the device's own addresses, but
 * with override set: a proxy's answer never overrides an entry (RFC 4861
 * 7.2.8), but an announcement is sent because the entries the LAN holds
 * are wrong, and only override moves them at once (7.2.5); a peer that
 * had none creates none (7.2.5).  From @addr itself with na_source.
 *
 * Return: false when it was not built: @dev has no usable link-local
 * address yet (its duplicate address detection runs), or no memory.
 */
bool proxyarp_ndp_announce(struct net_device *dev,
			   const struct proxyarp_conf *conf,
			   const union proxyarp_inaddr *addr, bool router)
{
	struct in6_addr saddr;

	if (READ_ONCE(conf->val[PROXYARP_KNOB_NA_SOURCE]))
		saddr = addr->ip6;
	else if (ipv6_dev_get_saddr(dev_net(dev), dev,
				    &in6addr_linklocal_allnodes, 0, &saddr))
		return false;
	return proxyarp_ndp_send_na(dev, &in6addr_linklocal_allnodes, &saddr,
				    &addr->ip6, router, false, true, true);
}

/**
 * proxyarp_ndp_probe - ask the guest behind @dev for @addr
 * @dev: the guest's device
 * @addr: the guest's address
 *
 * A solicitation to @addr's solicited-node group from the address the
 * kernel picks on @dev, with its link-layer option: the guest answers
 * it, and announce.c hears it.  Never from :: (a duplicate address
 * probe would make a guest whose address is still tentative give it
 * up), nor from an optimistic address (RFC 4429 3.2): a device without
 * such an address of its own (a tap's link-local still in DAD) does not
 * probe yet, and announce.c tries again.
 *
 * Return: false when nothing was sent.
 */
bool proxyarp_ndp_probe(struct net_device *dev,
			const union proxyarp_inaddr *addr)
{
	struct in6_addr mcaddr, saddr;
	struct sk_buff *skb;

	addrconf_addr_solict_mult(&addr->ip6, &mcaddr);
	if (ipv6_dev_get_saddr(dev_net(dev), dev, &mcaddr, 0, &saddr) ||
	    !ipv6_chk_addr_and_flags(dev_net(dev), &saddr, dev, false, 1,
				     IFA_F_TENTATIVE | IFA_F_OPTIMISTIC))
		return false;
	skb = ndisc_ns_create(dev, &addr->ip6, &saddr, 0);
	if (!skb)
		return false;
	ndisc_send_skb(skb, &mcaddr, &saddr);
	return true;
}

void proxyarp_ndp_trace_announce(struct net_device *dev,
				 const union proxyarp_inaddr *addr, u8 trigger,
				 u8 count, u8 mode)
{
	trace_proxyndp_announce(dev, &addr->ip6, trigger, count, mode);
}

void proxyarp_ndp_trace_conflict(struct net_device *dev,
				 const union proxyarp_inaddr *addr,
				 const u8 *mac)
{
	trace_proxyndp_conflict(dev, &addr->ip6, mac);
}
