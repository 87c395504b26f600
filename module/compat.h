/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel differences, in one place.  Each is decided by a feature probe
 * in module/Kbuild that greps the headers of the kernel being built
 * against, never by a version number: stable and distribution backports
 * defeat version checks.
 */
#ifndef _PROXYARP_COMPAT_H
#define _PROXYARP_COMPAT_H

#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/timer.h>
#include <net/if_inet6.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/net_namespace.h>

/* 6.11 made the table a proc handler gets const. */
#ifdef COMPAT_HAVE_CONST_CTL_TABLE
#define PROXYARP_CTL_CONST const
#else
#define PROXYARP_CTL_CONST
#endif

/*
 * 6.6 added register_net_sysctl_sz(), which takes the table's size; from
 * 6.11 a trailing empty sentinel is refused ("procname is null").  Before
 * it, a table ends with one.  compat_sysctl_entries() is how many entries
 * to allocate for @n tunables.
 */
#ifdef COMPAT_HAVE_REGISTER_NET_SYSCTL_SZ
static inline struct ctl_table_header *
compat_register_net_sysctl(struct net *net, const char *path,
			   struct ctl_table *table, size_t n)
{
	return register_net_sysctl_sz(net, path, table, n);
}

#define compat_sysctl_entries(n) (n)
#else
static inline struct ctl_table_header *
compat_register_net_sysctl(struct net *net, const char *path,
			   struct ctl_table *table, size_t n)
{
	return register_net_sysctl(net, path, table);
}

#define compat_sysctl_entries(n) ((n) + 1)
#endif

/*
 * Newer kernels (Debian's 7.x) have kmalloc_obj() and kzalloc_obj(),
 * which size the allocation from the object and return a pointer of its
 * type.  Before, kmalloc() and kzalloc() with sizeof; the GFP flags are
 * always given here.
 */
#ifndef COMPAT_HAVE_KMALLOC_OBJ
#define kmalloc_obj(obj, gfp) kmalloc(sizeof(obj), gfp)
#define kzalloc_obj(obj, gfp) kzalloc(sizeof(obj), gfp)
#endif

/*
 * 6.17 added a device's force_forwarding: ip6_forward() forwards what
 * arrives on it whatever all.forwarding says.
 */
static inline bool compat_ip6_force_forwarding(const struct inet6_dev *idev)
{
#ifdef COMPAT_HAVE_FORCE_FORWARDING
	return READ_ONCE(idev->cnf.force_forwarding);
#else
	return false;
#endif
}

/*
 * ndisc_send_na(), where it is exported (7.x): the kernel's own
 * advertisement, from the address it picks.  False where it is not: the
 * caller builds it itself, as ndisc_send_na() does for an Ethernet
 * device and a target that is not the host's.
 */
static inline bool compat_ndisc_send_na(struct net_device *dev,
					const struct in6_addr *daddr,
					const struct in6_addr *target,
					bool router, bool solicited,
					bool override, bool inc_opt)
{
#ifdef COMPAT_HAVE_NDISC_SEND_NA
	ndisc_send_na(dev, daddr, target, router, solicited, override,
		      inc_opt);
	return true;
#else
	return false;
#endif
}

/* from_timer() was renamed timer_container_of(); Debian's 7.x has only that. */
#ifndef COMPAT_HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

/*
 * NEIGH_VAR() reads with READ_ONCE() itself in newer kernels (Debian's
 * 7.x), where READ_ONCE(NEIGH_VAR()) no longer compiles.  For a value read
 * once in a path that does not hold the parms' lock.
 */
#ifdef COMPAT_NEIGH_VAR_READS_ONCE
#define compat_neigh_var_once(p, attr) NEIGH_VAR(p, attr)
#else
#define compat_neigh_var_once(p, attr) READ_ONCE(NEIGH_VAR(p, attr))
#endif

/**
 * compat_pneigh_flags - the proxy entry for @key on @dev, if any
 * @tbl: arp_tbl or nd_tbl
 * @net: the namespace
 * @key: the address, tbl->key_len bytes
 * @dev: the receiving device; an entry without a device matches too
 *
 * Returns the entry's flags (NTF_ROUTER, ...), or -1 when there is none.
 * Called under rcu_read_lock(), from a hook.  Where the kernel exports
 * __pneigh_lookup() (before 7.x), the proxy hash is under tbl->lock:
 * taken as pneigh_lookup() and pndisc_is_router() take it, and the
 * flags read before it is released.  Where it does not (7.x), the hash
 * is RCU-protected: phash_buckets and every entry's next are __rcu,
 * entries are unlinked under tbl->phash_lock and freed by call_rcu(),
 * and the kernel's own lookups (arp_process(), pndisc_is_router())
 * walk them under RCU alone.  The walk below is that lookup,
 * pneigh_lookup() and pneigh_hash() of net/core/neighbour.c
 * (PNEIGH_HASHMASK is 0xF there), reading the same buckets the same way.
 */
#if defined(COMPAT_HAVE___PNEIGH_LOOKUP_EXPORT)
static inline int compat_pneigh_flags(struct neigh_table *tbl, struct net *net,
				      const void *key, struct net_device *dev)
{
	struct pneigh_entry *n;
	int flags = -1;

	read_lock_bh(&tbl->lock);
	n = __pneigh_lookup(tbl, net, key, dev);
	if (n)
		flags = n->flags;
	read_unlock_bh(&tbl->lock);
	return flags;
}
#elif defined(COMPAT_PNEIGH_RCU)
static inline u32 compat_pneigh_hash(const void *key, unsigned int key_len)
{
	u32 hash_val = *(u32 *)(key + key_len - 4);

	hash_val ^= (hash_val >> 16);
	hash_val ^= hash_val >> 8;
	hash_val ^= hash_val >> 4;
	return hash_val & 0xF;
}

static inline int compat_pneigh_flags(struct neigh_table *tbl, struct net *net,
				      const void *key, struct net_device *dev)
{
	unsigned int key_len = tbl->key_len;
	struct pneigh_entry *n;

	n = rcu_dereference(tbl->phash_buckets[compat_pneigh_hash(key,
								  key_len)]);
	for (; n; n = rcu_dereference(n->next))
		if (!memcmp(n->key, key, key_len) &&
		    net_eq(pneigh_net(n), net) && (n->dev == dev || !n->dev))
			return READ_ONCE(n->flags);
	return -1;
}
#else
#error "proxyarp: this kernel neither exports __pneigh_lookup() nor reads its proxy hash under RCU"
#endif

/* Is there a proxy entry for @key on @dev?  As compat_pneigh_flags(). */
static inline bool compat_pneigh_find(struct neigh_table *tbl, struct net *net,
				      const void *key, struct net_device *dev)
{
	return compat_pneigh_flags(tbl, net, key, dev) >= 0;
}

#endif /* _PROXYARP_COMPAT_H */
