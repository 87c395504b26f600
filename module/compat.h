/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel differences, in one place.  Each is decided by a feature probe
 * in module/Kbuild that greps the headers of the kernel being built
 * against, never by a version number: stable and distribution backports
 * defeat version checks.
 */
#ifndef _PROXYARP_COMPAT_H
#define _PROXYARP_COMPAT_H

#include <linux/kconfig.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

/*
 * What the kernel must have, said at build time: without the ARP
 * netfilter family (selected by NF_TABLES_ARP or IP_NF_ARPTABLES),
 * registering an NF_ARP_IN hook warns and fails at load.
 */
#if !IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP)
#error "proxyarp needs CONFIG_NETFILTER_FAMILY_ARP (NF_TABLES_ARP or IP_NF_ARPTABLES)"
#endif

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

#endif /* _PROXYARP_COMPAT_H */
