/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM proxyarp

#if !defined(_TRACE_PROXYARP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PROXYARP_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/tracepoint.h>
#include <uapi/linux/proxyarp.h>

/* In module/: only trace.c, which creates the events, reads them. */
struct proxyarp_decision;
struct proxyarp_ndp_decision;

/* Export the enum values so that perf and bpftrace print names. */
TRACE_DEFINE_ENUM(PROXYARP_MODE_OFF);
TRACE_DEFINE_ENUM(PROXYARP_MODE_ON);
TRACE_DEFINE_ENUM(PROXYARP_MODE_AUDIT);
TRACE_DEFINE_ENUM(PROXYARP_VERDICT_IGNORE);
TRACE_DEFINE_ENUM(PROXYARP_VERDICT_REPLY);
TRACE_DEFINE_ENUM(PROXYARP_REASON_PROXIED);
TRACE_DEFINE_ENUM(PROXYARP_REASON_PROXY_ENTRY);
TRACE_DEFINE_ENUM(PROXYARP_REASON_LOCAL);
TRACE_DEFINE_ENUM(PROXYARP_REASON_DAD);
TRACE_DEFINE_ENUM(PROXYARP_REASON_GARP);
TRACE_DEFINE_ENUM(PROXYARP_REASON_MARTIAN_TARGET);
TRACE_DEFINE_ENUM(PROXYARP_REASON_MARTIAN_SOURCE);
TRACE_DEFINE_ENUM(PROXYARP_REASON_RP_FILTER);
TRACE_DEFINE_ENUM(PROXYARP_REASON_NO_ROUTE);
TRACE_DEFINE_ENUM(PROXYARP_REASON_NOT_UNICAST);
TRACE_DEFINE_ENUM(PROXYARP_REASON_FORWARDING_OFF);
TRACE_DEFINE_ENUM(PROXYARP_REASON_SAME_DEVICE);
TRACE_DEFINE_ENUM(PROXYARP_REASON_MEDIUM_ID);
TRACE_DEFINE_ENUM(PROXYARP_REASON_DEFAULT_ROUTE);
TRACE_DEFINE_ENUM(PROXYARP_REASON_SHORT_PREFIX);
TRACE_DEFINE_ENUM(PROXYARP_REASON_RATE_LIMITED);
TRACE_DEFINE_ENUM(PROXYARP_REASON_INVALID);
TRACE_DEFINE_ENUM(PROXYARP_REASON_NO_LLADDR);
TRACE_DEFINE_ENUM(PROXYARP_REASON_ROUTE_PROTO);
TRACE_DEFINE_ENUM(PROXYARP_TRIGGER_ROUTE);
TRACE_DEFINE_ENUM(PROXYARP_TRIGGER_GUEST);
TRACE_DEFINE_ENUM(PROXYARP_TRIGGER_UP);

#define proxyarp_show_mode(val)					\
	__print_symbolic(val,				\
			 { PROXYARP_MODE_OFF, "off" },	\
			 { PROXYARP_MODE_ON, "on" },	\
			 { PROXYARP_MODE_AUDIT, "audit" })

#define proxyarp_show_verdict(val)					\
	__print_symbolic(val,				\
			 { PROXYARP_VERDICT_IGNORE, "ignore" },	\
			 { PROXYARP_VERDICT_REPLY, "reply" })

#define proxyarp_show_reason(val)					\
	__print_symbolic(val,				\
			 { PROXYARP_REASON_PROXIED, "proxied" },	\
			 { PROXYARP_REASON_PROXY_ENTRY, "proxy_entry" },	\
			 { PROXYARP_REASON_LOCAL, "local" },	\
			 { PROXYARP_REASON_DAD, "dad" },	\
			 { PROXYARP_REASON_GARP, "garp" },	\
			 { PROXYARP_REASON_MARTIAN_TARGET, "martian_target" },	\
			 { PROXYARP_REASON_MARTIAN_SOURCE, "martian_source" },	\
			 { PROXYARP_REASON_RP_FILTER, "rp_filter" },	\
			 { PROXYARP_REASON_NO_ROUTE, "no_route" },	\
			 { PROXYARP_REASON_NOT_UNICAST, "not_unicast" },	\
			 { PROXYARP_REASON_FORWARDING_OFF, "forwarding_off" },	\
			 { PROXYARP_REASON_SAME_DEVICE, "same_device" },	\
			 { PROXYARP_REASON_MEDIUM_ID, "medium_id" },	\
			 { PROXYARP_REASON_DEFAULT_ROUTE, "default_route" },	\
			 { PROXYARP_REASON_SHORT_PREFIX, "short_prefix" },	\
			 { PROXYARP_REASON_RATE_LIMITED, "rate_limited" },	\
			 { PROXYARP_REASON_INVALID, "invalid" },	\
			 { PROXYARP_REASON_NO_LLADDR, "no_lladdr" },	\
			 { PROXYARP_REASON_ROUTE_PROTO, "route_proto" })

#define proxyarp_show_trigger(val)					\
	__print_symbolic(val,				\
			 { PROXYARP_TRIGGER_ROUTE, "route" },	\
			 { PROXYARP_TRIGGER_GUEST, "guest" },	\
			 { PROXYARP_TRIGGER_UP, "up" })

/*
 * One event per proxy decision on a device whose mode is not off.
 * table is 0, route 0.0.0.0/0, oif "-" and proto 0 when no route
 * matched; proto is the route's protocol (ip route's proto, as a number).
 */
TRACE_EVENT(proxyarp_decision,
	    TP_PROTO(const struct proxyarp_decision *d),
	    TP_ARGS(d),
	    TP_STRUCT__entry(__array(char, dev, IFNAMSIZ)
			     __field(int, ifindex)
			     __array(u8, sip, 4)
			     __array(u8, tip, 4)
			     __array(u8, sha, ETH_ALEN)
			     __field(u8, verdict)
			     __field(u8, reason)
			     __field(u8, mode)
			     __field(u8, plen)
			     __field(u8, proto)
			     __field(u32, table)
			     __array(u8, route, 4)
			     __field(int, oif)
			     __array(char, oifname, IFNAMSIZ)),
	    TP_fast_assign(strscpy(__entry->dev, d->dev->name, IFNAMSIZ);
			   __entry->ifindex = d->dev->ifindex;
			   memcpy(__entry->sip, &d->sip, sizeof(__entry->sip));
			   memcpy(__entry->tip, &d->tip, sizeof(__entry->tip));
			   memcpy(__entry->sha, d->sha, ETH_ALEN);
			   __entry->verdict = d->verdict;
			   __entry->reason = d->reason;
			   __entry->mode = d->mode;
			   __entry->plen = d->plen;
			   __entry->proto = d->proto;
			   __entry->table = d->table;
			   memcpy(__entry->route, &d->prefix,
				  sizeof(__entry->route));
			   __entry->oif = d->oif ? d->oif->ifindex : 0;
			   strscpy(__entry->oifname,
				   d->oif ? d->oif->name : "-", IFNAMSIZ);),
	    TP_printk("dev=%s ifindex=%d sip=%pI4 tip=%pI4 sha=%pM verdict=%s reason=%s table=%u route=%pI4/%u oif=%s mode=%s proto=%u",
		      __entry->dev, __entry->ifindex, __entry->sip,
		      __entry->tip, __entry->sha,
		      proxyarp_show_verdict(__entry->verdict),
		      proxyarp_show_reason(__entry->reason), __entry->table,
		      __entry->route, __entry->plen, __entry->oifname,
		      proxyarp_show_mode(__entry->mode), __entry->proto)
);

/*
 * One event per neighbour solicitation decided on a device whose
 * proxyndp mode is not off.  sha is the source link-layer address
 * option, zero when there is none; table is 0, route ::/0, oif "-" and
 * proto 0 when no route matched.
 */
TRACE_EVENT(proxyndp_decision,
	    TP_PROTO(const struct proxyarp_ndp_decision *d),
	    TP_ARGS(d),
	    TP_STRUCT__entry(__array(char, dev, IFNAMSIZ)
			     __field(int, ifindex)
			     __array(u8, saddr, 16)
			     __array(u8, target, 16)
			     __array(u8, sha, ETH_ALEN)
			     __field(u8, verdict)
			     __field(u8, reason)
			     __field(u8, mode)
			     __field(u8, plen)
			     __field(u8, proto)
			     __field(u32, table)
			     __array(u8, route, 16)
			     __field(int, oif)
			     __array(char, oifname, IFNAMSIZ)),
	    TP_fast_assign(strscpy(__entry->dev, d->dev->name, IFNAMSIZ);
			   __entry->ifindex = d->dev->ifindex;
			   memcpy(__entry->saddr, &d->saddr, 16);
			   memcpy(__entry->target, &d->target, 16);
			   memcpy(__entry->sha, d->sha, ETH_ALEN);
			   __entry->verdict = d->verdict;
			   __entry->reason = d->reason;
			   __entry->mode = d->mode;
			   __entry->plen = d->plen;
			   __entry->proto = d->proto;
			   __entry->table = d->table;
			   memcpy(__entry->route, &d->prefix, 16);
			   __entry->oif = d->oif ? d->oif->ifindex : 0;
			   strscpy(__entry->oifname,
				   d->oif ? d->oif->name : "-", IFNAMSIZ);),
	    TP_printk("dev=%s ifindex=%d saddr=%pI6c target=%pI6c sha=%pM verdict=%s reason=%s table=%u route=%pI6c/%u oif=%s mode=%s proto=%u",
		      __entry->dev, __entry->ifindex, __entry->saddr,
		      __entry->target, __entry->sha,
		      proxyarp_show_verdict(__entry->verdict),
		      proxyarp_show_reason(__entry->reason), __entry->table,
		      __entry->route, __entry->plen, __entry->oifname,
		      proxyarp_show_mode(__entry->mode), __entry->proto)
);

/*
 * One event per announcement: the count-th of an address on a device,
 * and what made it.  At mode audit, one event, nothing sent.
 */
TRACE_EVENT(proxyarp_announce,
	    TP_PROTO(const struct net_device *dev, __be32 addr, u8 trigger,
		     u8 count, u8 mode),
	    TP_ARGS(dev, addr, trigger, count, mode),
	    TP_STRUCT__entry(__array(char, dev, IFNAMSIZ)
			     __field(int, ifindex)
			     __array(u8, addr, 4)
			     __field(u8, trigger)
			     __field(u8, count)
			     __field(u8, mode)),
	    TP_fast_assign(strscpy(__entry->dev, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   memcpy(__entry->addr, &addr, 4);
			   __entry->trigger = trigger;
			   __entry->count = count;
			   __entry->mode = mode;),
	    TP_printk("dev=%s ifindex=%d addr=%pI4 trigger=%s count=%u mode=%s",
		      __entry->dev, __entry->ifindex, __entry->addr,
		      proxyarp_show_trigger(__entry->trigger),
		      __entry->count, proxyarp_show_mode(__entry->mode))
);

TRACE_EVENT(proxyndp_announce,
	    TP_PROTO(const struct net_device *dev,
		     const struct in6_addr *addr, u8 trigger, u8 count,
		     u8 mode),
	    TP_ARGS(dev, addr, trigger, count, mode),
	    TP_STRUCT__entry(__array(char, dev, IFNAMSIZ)
			     __field(int, ifindex)
			     __array(u8, addr, 16)
			     __field(u8, trigger)
			     __field(u8, count)
			     __field(u8, mode)),
	    TP_fast_assign(strscpy(__entry->dev, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   memcpy(__entry->addr, addr, 16);
			   __entry->trigger = trigger;
			   __entry->count = count;
			   __entry->mode = mode;),
	    TP_printk("dev=%s ifindex=%d addr=%pI6c trigger=%s count=%u mode=%s",
		      __entry->dev, __entry->ifindex, __entry->addr,
		      proxyarp_show_trigger(__entry->trigger),
		      __entry->count, proxyarp_show_mode(__entry->mode))
);

/*
 * Another MAC claims, on a device at mode on or audit, an address the
 * module would answer for there.
 */
TRACE_EVENT(proxyarp_conflict,
	    TP_PROTO(const struct net_device *dev, __be32 addr, const u8 *mac),
	    TP_ARGS(dev, addr, mac),
	    TP_STRUCT__entry(__array(char, dev, IFNAMSIZ)
			     __field(int, ifindex)
			     __array(u8, addr, 4)
			     __array(u8, mac, ETH_ALEN)),
	    TP_fast_assign(strscpy(__entry->dev, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   memcpy(__entry->addr, &addr, 4);
			   memcpy(__entry->mac, mac, ETH_ALEN);),
	    TP_printk("dev=%s ifindex=%d addr=%pI4 mac=%pM", __entry->dev,
		      __entry->ifindex, __entry->addr, __entry->mac)
);

TRACE_EVENT(proxyndp_conflict,
	    TP_PROTO(const struct net_device *dev,
		     const struct in6_addr *addr, const u8 *mac),
	    TP_ARGS(dev, addr, mac),
	    TP_STRUCT__entry(__array(char, dev, IFNAMSIZ)
			     __field(int, ifindex)
			     __array(u8, addr, 16)
			     __array(u8, mac, ETH_ALEN)),
	    TP_fast_assign(strscpy(__entry->dev, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   memcpy(__entry->addr, addr, 16);
			   memcpy(__entry->mac, mac, ETH_ALEN);),
	    TP_printk("dev=%s ifindex=%d addr=%pI6c mac=%pM", __entry->dev,
		      __entry->ifindex, __entry->addr, __entry->mac)
);

#endif /* _TRACE_PROXYARP_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
