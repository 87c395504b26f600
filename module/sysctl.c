// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sys/net/proxyarp/conf/{all,default,<device>}/: the tunables.
 *
 * Modelled on devinet.c's conf tree: one table per directory, built when
 * the directory is registered, .data pointing into per-namespace or
 * per-device memory (never into module globals, which
 * ensure_safe_net_sysctl() rightly refuses outside init_net), extra1 the
 * conf the entry belongs to and extra2 its namespace.
 */

#include <linux/kernel.h>
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

static const struct proxyarp_knob_desc proxyarp_knobs[__PROXYARP_KNOB_MAX] = {
	[PROXYARP_KNOB_MODE] = {
		.name = "mode",
		.min = PROXYARP_MODE_OFF,
		.max = PROXYARP_MODE_AUDIT,
		.dflt = PROXYARP_MODE_OFF,
	},
	[PROXYARP_KNOB_IGNORE_DEFAULT_ROUTE] = {
		.name = "ignore_default_route",
		.min = 0,
		.max = 1,
		.dflt = 1,
	},
	[PROXYARP_KNOB_MIN_PREFIXLEN] = {
		.name = "min_prefixlen",
		.min = 0,
		.max = 32,
		.dflt = 0,
	},
	[PROXYARP_KNOB_HONOR_PROXY_DELAY] = {
		.name = "honor_proxy_delay",
		.min = 0,
		.max = 1,
		.dflt = 0,
	},
	[PROXYARP_KNOB_MAX_RATE] = {
		.name = "max_rate",
		.min = 0,
		.max = 1000000,
		.dflt = 0,
	},
	[PROXYARP_KNOB_MAX_BURST] = {
		.name = "max_burst",
		.min = 1,
		.max = 1000000,
		.dflt = 50,
	},
};

void proxyarp_conf_init(struct proxyarp_conf *conf)
{
	int i;

	for (i = 0; i < __PROXYARP_KNOB_MAX; i++)
		conf->val[i] = proxyarp_knobs[i].dflt;
}

/*
 * Parse into a copy so that nothing changes unless the whole write is
 * valid; proc_dointvec_minmax() answers -EINVAL for anything out of range
 * or not a number.  A write to "all" sets "default" and every device.
 */
static int proxyarp_sysctl_handler(PROXYARP_CTL_CONST struct ctl_table *table,
				   int write, void *buffer, size_t *lenp,
				   loff_t *ppos)
{
	struct proxyarp_conf *conf = table->extra1;
	struct proxyarp_net *pn = proxyarp_pernet(table->extra2);
	int knob = (int *)table->data - conf->val;
	struct ctl_table tmp = *table;
	int val, ret;

	val = READ_ONCE(*(int *)table->data);
	tmp.data = &val;
	tmp.extra1 = (void *)&proxyarp_knobs[knob].min;
	tmp.extra2 = (void *)&proxyarp_knobs[knob].max;
	ret = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (ret || !write)
		return ret;
	/* The hook first: a mode is never set without it. */
	if (knob == PROXYARP_KNOB_MODE && val != PROXYARP_MODE_OFF) {
		ret = proxyarp_hooks_want(table->extra2);
		if (ret)
			return ret;
	}

	if (conf != &pn->all) {
		WRITE_ONCE(*(int *)table->data, val);
		return 0;
	}

	/*
	 * RTNL orders this against devices registering (they copy
	 * "default"), renaming and unregistering.  Blocking on it is safe:
	 * the "all" table is never unregistered under RTNL, so nothing
	 * holding RTNL waits for this handler.
	 */
	rtnl_lock();
	WRITE_ONCE(pn->all.val[knob], val);
	proxyarp_conf_set_all(pn, knob, val);
	rtnl_unlock();
	return 0;
}

struct ctl_table_header *proxyarp_sysctl_register(struct net *net,
						  const char *name,
						  struct proxyarp_conf *conf)
{
	char path[sizeof("net/proxyarp/conf/") + IFNAMSIZ];
	struct ctl_table_header *hdr;
	struct ctl_table *table;
	int i;

	table = kcalloc(compat_sysctl_entries(__PROXYARP_KNOB_MAX),
			sizeof(*table), GFP_KERNEL);
	if (!table)
		return NULL;

	for (i = 0; i < __PROXYARP_KNOB_MAX; i++) {
		table[i].procname = proxyarp_knobs[i].name;
		table[i].data = &conf->val[i];
		table[i].maxlen = sizeof(int);
		table[i].mode = 0644;
		table[i].proc_handler = proxyarp_sysctl_handler;
		table[i].extra1 = conf;
		table[i].extra2 = net;
	}

	snprintf(path, sizeof(path), "net/proxyarp/conf/%s", name);
	hdr = compat_register_net_sysctl(net, path, table, __PROXYARP_KNOB_MAX);
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
