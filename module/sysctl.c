// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sys/net/proxyarp/conf/{all,default,<device>}/ (ARP) and
 * /proc/sys/net/proxyndp/conf/{all,default,<device>}/ (NDP): the tunables.
 *
 * Modelled on devinet.c's conf tree: one table per directory, built when
 * the directory is registered, .data pointing into per-namespace or
 * per-device memory (never into module globals, which
 * ensure_safe_net_sysctl() rightly refuses outside init_net), extra1 the
 * conf the entry belongs to and extra2 its namespace.
 */

#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "proxyarp.h"

struct proxyarp_knob_desc {
	const char *name;
	int min;
	int max;
	int dflt;
};

#define PROXYARP_KNOBS(plen_max, arp_only, ndp_only)			\
	[PROXYARP_KNOB_MODE] = {					\
		.name = "mode",						\
		.min = PROXYARP_MODE_OFF,				\
		.max = PROXYARP_MODE_AUDIT,				\
		.dflt = PROXYARP_MODE_OFF,				\
	},								\
	[PROXYARP_KNOB_IGNORE_DEFAULT_ROUTE] = {			\
		.name = "ignore_default_route",				\
		.min = 0,						\
		.max = 1,						\
		.dflt = 1,						\
	},								\
	[PROXYARP_KNOB_MIN_PREFIXLEN] = {				\
		.name = "min_prefixlen",				\
		.min = 0,						\
		.max = (plen_max),					\
		.dflt = 0,						\
	},								\
	[PROXYARP_KNOB_HONOR_PROXY_DELAY] = {				\
		.name = (arp_only),					\
		.min = 0,						\
		.max = 1,						\
		.dflt = 0,						\
	},								\
	[PROXYARP_KNOB_MAX_RATE] = {					\
		.name = "max_rate",					\
		.min = 0,						\
		.max = 1000000,						\
		.dflt = 0,						\
	},								\
	[PROXYARP_KNOB_MAX_BURST] = {					\
		.name = "max_burst",					\
		.min = 1,						\
		.max = 1000000,						\
		.dflt = 50,						\
	},								\
	[PROXYARP_KNOB_ANNOUNCE] = {					\
		.name = "announce",					\
		.min = 0,						\
		.max = 10,						\
		.dflt = 0,						\
	},								\
	[PROXYARP_KNOB_ROUTE_PROTO] = {					\
		.name = "route_proto",					\
		.min = 0,						\
		.max = 255,						\
		.dflt = 0,						\
	},								\
	[PROXYARP_KNOB_NA_SOURCE] = {					\
		.name = (ndp_only),					\
		.min = 0,						\
		.max = 1,						\
		.dflt = 0,						\
	}

/*
 * The same knobs in both trees, but for min_prefixlen's range,
 * honor_proxy_delay, which NDP does not have, and na_source, which ARP
 * does not have (a knob without a name is not in the tree and keeps its
 * default, 0).
 */
static const struct proxyarp_knob_desc
proxyarp_knobs[__PROXYARP_FAMILY_MAX][__PROXYARP_KNOB_MAX] = {
	[PROXYARP_ARP] = { PROXYARP_KNOBS(32, "honor_proxy_delay", NULL) },
	[PROXYARP_NDP] = { PROXYARP_KNOBS(128, NULL, "na_source") },
};

void proxyarp_conf_init(struct proxyarp_conf *conf, int family)
{
	int i;

	for (i = 0; i < __PROXYARP_KNOB_MAX; i++)
		conf->val[i] = proxyarp_knobs[family][i].dflt;
	conf->family = family;
}

/*
 * A device's mode, under the namespace's hooks mutex: its counters come
 * before its first mode other than 0 (device.c).  NDP's allmulticast
 * count follows the mode, under RTNL.  The device's table is
 * unregistered under RTNL, which waits for this handler: only try the
 * lock, and restart the write when it is taken, as devinet_conf_proc()
 * does.
 */
static int proxyarp_sysctl_dev_mode(struct proxyarp_conf *conf, int val)
{
	struct proxyarp_dev *pdev = proxyarp_dev_of_conf(conf);
	int err;

	if (val != PROXYARP_MODE_OFF) {
		err = proxyarp_fdev_want_stats(&pdev->fam[conf->family]);
		if (err)
			return err;
	}
	if (conf->family != PROXYARP_NDP) {
		WRITE_ONCE(conf->val[PROXYARP_KNOB_MODE], val);
		return 0;
	}
	if (!rtnl_trylock())
		return restart_syscall();
	err = proxyarp_dev_set_ndp_mode(pdev, val);
	rtnl_unlock();
	return err;
}

/* Store a valid @val into @table's knob of @conf. */
static int proxyarp_sysctl_store(PROXYARP_CTL_CONST struct ctl_table *table,
				 struct proxyarp_conf *conf, int knob, int val,
				 loff_t *ppos, loff_t pos)
{
	struct proxyarp_net *pn = proxyarp_pernet(table->extra2);
	struct proxyarp_fnet *fn = &pn->fam[conf->family];
	int ret;

	if (knob == PROXYARP_KNOB_ANNOUNCE)
		proxyarp_announce_knob(table->extra2, val);
	/* The caller holds RTNL: proxyarp_sysctl_ns_lock(). */
	if (conf == &fn->all)
		return proxyarp_conf_set_all(pn, conf->family, knob, val);
	if (conf == &fn->dflt || knob != PROXYARP_KNOB_MODE) {
		WRITE_ONCE(*(int *)table->data, val);
		return 0;
	}
	ret = proxyarp_sysctl_dev_mode(conf, val);
	if (ret == -ERESTARTNOINTR)
		*ppos = pos;
	return ret;
}

/*
 * A write to "all" or "default" takes RTNL, before the hooks mutex when
 * it writes a mode (family.c): RTNL orders it against devices
 * registering (they copy "default"), renaming and unregistering.
 * Blocking on it is safe: these tables are never unregistered under
 * RTNL, so nothing holding RTNL waits for their handlers.  True when
 * taken, for proxyarp_sysctl_ns_unlock().
 */
static bool proxyarp_sysctl_ns_lock(PROXYARP_CTL_CONST struct ctl_table *table,
				    struct proxyarp_conf *conf)
{
	struct proxyarp_fnet *fn;

	fn = &proxyarp_pernet(table->extra2)->fam[conf->family];
	if (conf != &fn->all && conf != &fn->dflt)
		return false;
	rtnl_lock();
	return true;
}

static void proxyarp_sysctl_ns_unlock(bool locked)
{
	if (locked)
		rtnl_unlock();
}

/*
 * A mode moves with the family's hooks in the namespace (family.c): they
 * come before a mode other than 0, and go after a 0 that leaves none.
 */
static int proxyarp_sysctl_mode(PROXYARP_CTL_CONST struct ctl_table *table,
				struct proxyarp_conf *conf, int val,
				loff_t *ppos, loff_t pos)
{
	struct net *net = table->extra2;
	bool locked;
	int ret = 0;

	locked = proxyarp_sysctl_ns_lock(table, conf);
	proxyarp_hooks_lock(net);
	if (val != PROXYARP_MODE_OFF)
		ret = proxyarp_hooks_want(net, conf->family);
	if (!ret)
		ret = proxyarp_sysctl_store(table, conf, PROXYARP_KNOB_MODE,
					    val, ppos, pos);
	/*
	 * The unhook waits for a grace period: not under RTNL.  The 0 is
	 * stored, so a device registering from now on copies it.  A write
	 * that failed leaves no hooks it registered, a restarted one
	 * included: the restart may never come (the device going, a signal).
	 */
	proxyarp_sysctl_ns_unlock(locked);
	if (ret || val == PROXYARP_MODE_OFF)
		proxyarp_hooks_drop_unused(net, conf->family);
	proxyarp_hooks_unlock(net);
	return ret;
}

/*
 * Parse into a copy so that nothing changes unless the whole write is
 * valid; proc_dointvec_minmax() answers -EINVAL for anything out of range
 * or not a number.  A write to "all" sets "default" and every device.
 * A write it parses nothing from and still accepts (an empty one, one
 * past the start of the file that sysctl_writes_strict ignores) leaves
 * the copy at INT_MIN, which no tunable's range holds: nothing is
 * stored, as the kernel's own sysctls store nothing then.
 */
static int proxyarp_sysctl_handler(PROXYARP_CTL_CONST struct ctl_table *table,
				   int write, void *buffer, size_t *lenp,
				   loff_t *ppos)
{
	struct proxyarp_conf *conf = table->extra1;
	const struct proxyarp_knob_desc *desc;
	int knob = (int *)table->data - conf->val;
	struct ctl_table tmp = *table;
	loff_t pos = *ppos;
	bool locked;
	int val, ret;

	desc = &proxyarp_knobs[conf->family][knob];
	val = write ? INT_MIN : READ_ONCE(*(int *)table->data);
	tmp.data = &val;
	tmp.extra1 = (void *)&desc->min;
	tmp.extra2 = (void *)&desc->max;
	ret = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (ret || !write || val == INT_MIN)
		return ret;
	if (knob == PROXYARP_KNOB_MODE)
		return proxyarp_sysctl_mode(table, conf, val, ppos, pos);
	locked = proxyarp_sysctl_ns_lock(table, conf);
	ret = proxyarp_sysctl_store(table, conf, knob, val, ppos, pos);
	proxyarp_sysctl_ns_unlock(locked);
	return ret;
}

struct ctl_table_header *proxyarp_sysctl_register(struct net *net,
						  const char *name,
						  struct proxyarp_conf *conf)
{
	const struct proxyarp_knob_desc *knobs = proxyarp_knobs[conf->family];
	char path[sizeof("net/proxyarp/conf/") + IFNAMSIZ];
	struct ctl_table_header *hdr;
	struct ctl_table *table;
	int i, n = 0;

	table = kcalloc(compat_sysctl_entries(__PROXYARP_KNOB_MAX),
			sizeof(*table), GFP_KERNEL);
	if (!table)
		return NULL;

	for (i = 0; i < __PROXYARP_KNOB_MAX; i++) {
		if (!knobs[i].name)
			continue;
		table[n].procname = knobs[i].name;
		table[n].data = &conf->val[i];
		table[n].maxlen = sizeof(int);
		table[n].mode = 0644;
		table[n].proc_handler = proxyarp_sysctl_handler;
		table[n].extra1 = conf;
		table[n].extra2 = net;
		n++;
	}

	snprintf(path, sizeof(path), "net/%s/conf/%s",
		 proxyarp_families[conf->family].name, name);
	hdr = compat_register_net_sysctl(net, path, table, n);
	if (!hdr)
		kfree(table);
	return hdr;
}

void proxyarp_sysctl_unregister(struct ctl_table_header *hdr)
{
	const struct ctl_table *table = hdr->ctl_table_arg;

	/* Waits for handlers running on this table to finish. */
	unregister_net_sysctl_table(hdr);
	kfree(table);
}
