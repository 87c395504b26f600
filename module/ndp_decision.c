// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy NDP decision.
 *
 * The kernel answers a solicitation by proxy in ndisc_recv_ns()
 * (net/ipv6/ndisc.c) only for an explicit entry (ip -6 neigh add proxy),
 * with forwarding and proxy_ndp on the receiving device.  The module
 * answers from the routing table too, as proxyarp_decide() does for ARP:
 * the route the kernel would use to forward a packet from the asker to
 * the target, looked up as ip6_route_input() looks it up (the receiving
 * device as input interface, the packet's mark and flow label, so that
 * policy rules and VRF apply), must leave through another device.  In
 * ndisc_recv_ns()'s order where it has one: a target on the receiving
 * device (or its VRF master) is left to the kernel; then a probe for
 * duplicate address detection; then the route, forwarding, a route back
 * out of the receiving device, reject and blackhole routes; the knobs
 * last.  An explicit entry answers wherever the route does not, as
 * proxy_ndp would: the module never answers less than the kernel.
 *
 * Everything here runs in the hook, under rcu_read_lock().
 */

#include <net/addrconf.h>
#include <net/dst_metadata.h>
#include <net/flow_dissector.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ndisc.h>

#include "ndp.h"

/* ndisc_recv_ns(): an address of the device, or of its VRF master. */
static bool proxyarp_ndp_local(struct net_device *dev,
			       const struct in6_addr *target)
{
	struct net *net = dev_net(dev);
	struct net_device *mdev;

	if (ipv6_chk_addr_and_flags(net, target, dev, false, 1, 0))
		return true;
	if (!netif_is_l3_slave(dev))
		return false;
	mdev = netdev_master_upper_dev_get_rcu(dev);
	return mdev && ipv6_chk_addr_and_flags(net, target, mdev, false, 1, 0);
}

/*
 * Is there an explicit entry for the target on @dev?  Looked up once per
 * solicitation, and only where it can change something: where the route
 * refuses, and for an answer, whose router flag is the entry's when
 * there is one, as pndisc_is_router() makes it for the kernel.
 */
static bool proxyarp_ndp_entry(struct net_device *dev,
			       struct proxyarp_ndp_decision *d)
{
	int flags;

	if (d->entry == PROXYARP_ENTRY_UNKNOWN) {
		flags = compat_pneigh_flags(&nd_tbl, dev_net(dev), &d->target,
					    dev);
		d->entry = flags < 0 ? PROXYARP_ENTRY_NONE :
				       PROXYARP_ENTRY_FOUND;
		d->router = flags >= 0 && (flags & NTF_ROUTER);
	}
	return d->entry == PROXYARP_ENTRY_FOUND;
}

static void proxyarp_ndp_note_route(struct proxyarp_ndp_decision *d,
				    const struct rt6_info *rt)
{
	const struct fib6_info *from = rcu_dereference(rt->from);

	if (!from)
		return;
	d->table = from->fib6_table ? from->fib6_table->tb6_id : 0;
	d->prefix = from->fib6_dst.addr;
	d->plen = from->fib6_dst.plen;
	d->proto = from->fib6_protocol;
	d->oif = rt->dst.error ? NULL : rt->dst.dev;
}

/*
 * ip6_forward(): all.forwarding, or the receiving device's
 * force_forwarding; not the device's forwarding, which only ndisc's own
 * proxy (an explicit entry) and the host's router role read.
 */
static bool proxyarp_ndp_forwards(const struct inet6_dev *idev)
{
	const struct net *net = dev_net(idev->dev);

	return READ_ONCE(net->ipv6.devconf_all->forwarding) ||
	       compat_ip6_force_forwarding(idev);
}

/*
 * What the route found says, in ip6_pol_route()'s and ip6_forward()'s
 * terms.  No route is the table's null entry; a reject route (unreachable,
 * prohibit, blackhole, throw to nothing) carries an error.
 */
static enum proxyarp_reason
proxyarp_ndp_route_reason(struct inet6_dev *idev, const struct rt6_info *rt)
{
	const struct fib6_info *from = rcu_dereference(rt->from);
	struct net_device *dev = idev->dev;

	if (rt->dst.error)
		return rt == dev_net(dev)->ipv6.ip6_null_entry ?
		       PROXYARP_REASON_NO_ROUTE : PROXYARP_REASON_NOT_UNICAST;
	if ((rt->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST)) ||
	    (from && (from->fib6_type == RTN_LOCAL ||
		      from->fib6_type == RTN_ANYCAST)))
		return PROXYARP_REASON_LOCAL;
	if (!proxyarp_ndp_forwards(idev))
		return PROXYARP_REASON_FORWARDING_OFF;
	if (!from || from->fib6_type != RTN_UNICAST)
		return PROXYARP_REASON_NOT_UNICAST;
	if (rt->dst.dev == dev)
		return PROXYARP_REASON_SAME_DEVICE;
	return PROXYARP_REASON_PROXIED;
}

/*
 * ip6_route_input() for a packet from the asker to the target, arriving
 * on the receiving device: its flow, and ip6_route_input_lookup(), which
 * makes the lookup strict to the device for link-local targets.  The
 * route is not kept (RT6_LOOKUP_F_DST_NOREF: valid under RCU, and given
 * back by ip6_rt_put_flags() where it was taken).
 */
static enum proxyarp_reason
proxyarp_ndp_route(struct sk_buff *skb, struct inet6_dev *idev,
		   struct proxyarp_ndp_decision *d)
{
	const struct ip_tunnel_info *tun_info = skb ? skb_tunnel_info(skb) :
						     NULL;
	int flags = RT6_LOOKUP_F_HAS_SADDR | RT6_LOOKUP_F_DST_NOREF;
	struct net_device *dev = idev->dev;
	struct net *net = dev_net(dev);
	enum proxyarp_reason reason;
	struct flow_keys flkeys;
	struct dst_entry *dst;
	struct rt6_info *rt;
	struct flowi6 fl6 = {
		.flowi6_iif = dev->ifindex,
		.daddr = d->target,
		.saddr = d->saddr,
		.flowi6_proto = IPPROTO_ICMPV6,
	};

	if (tun_info && !(tun_info->mode & IP_TUNNEL_INFO_TX))
		fl6.flowi6_tun_key.tun_id = tun_info->key.tun_id;
	if (skb) {
		fl6.flowlabel = ip6_flowinfo(ipv6_hdr(skb));
		fl6.flowi6_mark = skb->mark;
		fib6_rules_early_flow_dissect(net, skb, &fl6, &flkeys);
	} else {
		/* The stand-in asker has no address. */
		flags &= ~RT6_LOOKUP_F_HAS_SADDR;
	}

	/*
	 * No skb: its only use in the lookup is a multipath route's hash,
	 * which would then be taken over the solicitation's own header
	 * (its destination the solicited-node group), and the mark
	 * fib6_select_path() leaves in its control block.  Without, the
	 * hash is the flow's, from the asker to the target, however the
	 * question was sent.
	 */
	dst = ip6_route_input_lookup(net, dev, &fl6, NULL, flags);
	rt = container_of(dst, struct rt6_info, dst);
	proxyarp_ndp_note_route(d, rt);
	reason = proxyarp_ndp_route_reason(idev, rt);
	ip6_rt_put_flags(rt, flags);
	return reason;
}

/* The safety knobs: they only ever refuse what routing would answer. */
static enum proxyarp_reason
proxyarp_ndp_knobs(const struct proxyarp_conf *conf,
		   const struct proxyarp_ndp_decision *d)
{
	if (d->plen == 0 &&
	    READ_ONCE(conf->val[PROXYARP_KNOB_IGNORE_DEFAULT_ROUTE]))
		return PROXYARP_REASON_DEFAULT_ROUTE;
	if (d->plen < READ_ONCE(conf->val[PROXYARP_KNOB_MIN_PREFIXLEN]))
		return PROXYARP_REASON_SHORT_PREFIX;
	return proxyarp_route_proto_ok(conf, d->proto) ?
	       PROXYARP_REASON_PROXIED : PROXYARP_REASON_ROUTE_PROTO;
}

/* The refusals an explicit entry overrides, as proxy_ndp would. */
static bool proxyarp_ndp_entry_answers(enum proxyarp_reason reason)
{
	switch (reason) {
	case PROXYARP_REASON_DAD:
	case PROXYARP_REASON_NO_ROUTE:
	case PROXYARP_REASON_NOT_UNICAST:
	case PROXYARP_REASON_FORWARDING_OFF:
	case PROXYARP_REASON_SAME_DEVICE:
	case PROXYARP_REASON_DEFAULT_ROUTE:
	case PROXYARP_REASON_SHORT_PREFIX:
	case PROXYARP_REASON_ROUTE_PROTO:
		return true;
	default:
		return false;
	}
}

/*
 * ndisc_recv_ns() answers a multicast solicitation without a source
 * link-layer option only to a sender it already has an entry for: it
 * would have no address to send the answer to.
 */
static bool proxyarp_ndp_reachable(struct net_device *dev,
				   const struct proxyarp_ndp_decision *d)
{
	struct neighbour *n;

	if (d->dad || !d->mcast || d->lladdr)
		return true;
	n = neigh_lookup(&nd_tbl, &d->saddr, dev);
	if (!n)
		return false;
	neigh_release(n);
	return true;
}

/**
 * proxyarp_ndp_decide - decide whether to answer a solicitation by proxy
 * @skb: the solicitation, as PRE_ROUTING sees it, validated
 * @idev: the receiving device's IPv6 state
 * @conf: the receiving device's proxyndp tunables
 * @d: the parsed solicitation; receives the decision
 */
void proxyarp_ndp_decide(struct sk_buff *skb, struct inet6_dev *idev,
			 const struct proxyarp_conf *conf,
			 struct proxyarp_ndp_decision *d)
{
	struct net_device *dev = idev->dev;
	enum proxyarp_reason reason;

	if (proxyarp_ndp_local(dev, &d->target))
		reason = PROXYARP_REASON_LOCAL;
	else if (d->dad)
		reason = PROXYARP_REASON_DAD;
	else
		reason = proxyarp_ndp_route(skb, idev, d);

	if (reason == PROXYARP_REASON_PROXIED)
		reason = proxyarp_ndp_knobs(conf, d);
	if (reason != PROXYARP_REASON_PROXIED &&
	    proxyarp_ndp_entry_answers(reason) &&
	    READ_ONCE(idev->cnf.forwarding) && proxyarp_ndp_entry(dev, d))
		reason = PROXYARP_REASON_PROXY_ENTRY;

	if (reason == PROXYARP_REASON_PROXIED ||
	    reason == PROXYARP_REASON_PROXY_ENTRY) {
		proxyarp_ndp_entry(dev, d);
		if (!proxyarp_ndp_reachable(dev, d))
			reason = PROXYARP_REASON_NO_LLADDR;
	}

	d->reason = reason;
	d->verdict = reason == PROXYARP_REASON_PROXIED ||
		     reason == PROXYARP_REASON_PROXY_ENTRY ?
		     PROXYARP_VERDICT_REPLY : PROXYARP_VERDICT_IGNORE;
}

/**
 * proxyarp_ndp_kernel_entry - would ndisc_recv_ns() answer from an entry?
 * @idev: the receiving device's IPv6 state
 * @d: the solicitation, after proxyarp_ndp_decide()
 *
 * With forwarding, proxy_ndp (in "all" or on the device) and an entry
 * for the target, the kernel answers a solicitation that reaches it.
 */
bool proxyarp_ndp_kernel_entry(const struct inet6_dev *idev,
			       const struct proxyarp_ndp_decision *d)
{
	const struct net *net = dev_net(idev->dev);

	return d->entry == PROXYARP_ENTRY_FOUND &&
	       READ_ONCE(idev->cnf.forwarding) &&
	       (READ_ONCE(net->ipv6.devconf_all->proxy_ndp) ||
		READ_ONCE(idev->cnf.proxy_ndp));
}

/**
 * proxyarp_ndp_kernel_proxies - would ndisc_recv_ns() answer it?
 * @idev: the receiving device's IPv6 state
 * @d: the solicitation, after proxyarp_ndp_decide() and the guard
 *
 * For a solicitation the module refuses: the kernel would answer from
 * an entry what the storm guard refused; the hook then consumes it.
 */
bool proxyarp_ndp_kernel_proxies(struct inet6_dev *idev,
				 const struct proxyarp_ndp_decision *d)
{
	return d->reason == PROXYARP_REASON_RATE_LIMITED &&
	       proxyarp_ndp_kernel_entry(idev, d);
}

/**
 * proxyarp_ndp_answers - would @dev answer a solicitation for @addr?
 * @dev: the device the solicitation would come in on
 * @addr: the target
 * @router: receives the answer's router flag
 *
 * For announcements and conflicts (announce.c), under RCU: the
 * solicitation's decision with a stand-in asker, a host on @dev's link
 * that sent its link-layer address, without an address of its own that
 * the route lookup would see, a mark or a flow label.
 */
bool proxyarp_ndp_answers(struct net_device *dev,
			  const union proxyarp_inaddr *addr, bool *router)
{
	struct proxyarp_fdev *fd = proxyarp_fdev_get_rcu(dev, PROXYARP_NDP);
	struct inet6_dev *idev = __in6_dev_get(dev);
	struct proxyarp_ndp_decision d = {
		.dev = dev,
		.target = addr->ip6,
	};

	*router = false;
	if (!fd || !idev || ipv6_addr_is_multicast(&d.target) ||
	    ipv6_addr_any(&d.target))
		return false;
	proxyarp_ndp_decide(NULL, idev, &fd->conf, &d);
	*router = d.router;
	return d.verdict == PROXYARP_VERDICT_REPLY;
}
