// SPDX-License-Identifier: GPL-2.0
/*
 * Decision counters, per family, namespace and device, in
 * /proc/net/stat/proxyarp (ARP) and /proc/net/stat/proxyndp (NDP): a header
 * line naming the columns, a line "all" for the namespace (mode "-"), then
 * one line per device whose mode is not 0 or that has counted
 * something.  Columns: device, mode, the decisions by verdict (reply,
 * ignore), then by reason in the order of enum proxyarp_reason, the reasons
 * the family has (family.c), then announcements sent, announcements
 * dropped (a full queue, no source address) and conflicts (announce.c).
 * Values are decimal and only ever grow; they start at zero when the
 * module loads, or when a device appears in the namespace.  A device's
 * counters are allocated with its first mode other than 0 (device.c):
 * one that never had one reads as zero.
 *
 * The hook counts on the local CPU (this_cpu_inc() on per-CPU unsigned
 * longs, so no lock and no shared cache line); a read sums the CPUs.
 */

#include <linux/bits.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>

#include "proxyarp.h"

/* As the tracepoint names them (include/trace/events/proxyarp.h). */
static const char *const proxyarp_reason_names[] = {
	[PROXYARP_REASON_PROXIED] = "proxied",
	[PROXYARP_REASON_PROXY_ENTRY] = "proxy_entry",
	[PROXYARP_REASON_LOCAL] = "local",
	[PROXYARP_REASON_DAD] = "dad",
	[PROXYARP_REASON_GARP] = "garp",
	[PROXYARP_REASON_MARTIAN_TARGET] = "martian_target",
	[PROXYARP_REASON_MARTIAN_SOURCE] = "martian_source",
	[PROXYARP_REASON_RP_FILTER] = "rp_filter",
	[PROXYARP_REASON_NO_ROUTE] = "no_route",
	[PROXYARP_REASON_NOT_UNICAST] = "not_unicast",
	[PROXYARP_REASON_FORWARDING_OFF] = "forwarding_off",
	[PROXYARP_REASON_SAME_DEVICE] = "same_device",
	[PROXYARP_REASON_MEDIUM_ID] = "medium_id",
	[PROXYARP_REASON_DEFAULT_ROUTE] = "default_route",
	[PROXYARP_REASON_SHORT_PREFIX] = "short_prefix",
	[PROXYARP_REASON_RATE_LIMITED] = "rate_limited",
	[PROXYARP_REASON_INVALID] = "invalid",
	[PROXYARP_REASON_NO_LLADDR] = "no_lladdr",
	[PROXYARP_REASON_ROUTE_PROTO] = "route_proto",
};

static_assert(ARRAY_SIZE(proxyarp_reason_names) == __PROXYARP_REASON_MAX);

static const char *const proxyarp_event_names[] = {
	[PROXYARP_EVENT_ANNOUNCE] = "announce",
	[PROXYARP_EVENT_ANNOUNCE_DROP] = "announce_drop",
	[PROXYARP_EVENT_CONFLICT] = "conflict",
};

static_assert(ARRAY_SIZE(proxyarp_event_names) == __PROXYARP_EVENT_MAX);

struct proxyarp_stats __percpu *proxyarp_stats_alloc(void)
{
	if (proxyarp_should_fail())
		return NULL;
	return alloc_percpu(struct proxyarp_stats);
}

void proxyarp_stats_free(struct proxyarp_stats __percpu *stats)
{
	free_percpu(stats);
}

/*
 * From a hook, in softirq: the namespace's and the device's counters.
 * The device's are there once its mode is not 0, but that store may be
 * seen first (device.c): such a decision counts for the namespace only.
 */
void proxyarp_stats_count(struct proxyarp_fnet *fn, struct proxyarp_fdev *fd,
			  u8 verdict, u8 reason)
{
	struct proxyarp_stats __percpu *stats = READ_ONCE(fd->stats);

	this_cpu_inc(fn->stats->verdict[verdict]);
	this_cpu_inc(fn->stats->reason[reason]);
	if (likely(stats)) {
		this_cpu_inc(stats->verdict[verdict]);
		this_cpu_inc(stats->reason[reason]);
	}
}

/**
 * proxyarp_stats_event - count an announcement, a drop or a conflict
 * @pdev: the device
 * @family: whose
 * @event: what
 *
 * Under RCU (a BH-off section, as in the announcement timer, is one),
 * from any context: the namespace's and the device's.
 */
void proxyarp_stats_event(struct proxyarp_dev *pdev, int family,
			  enum proxyarp_event event)
{
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(pdev->dev));
	struct proxyarp_stats __percpu *stats;

	stats = READ_ONCE(pdev->fam[family].stats);
	this_cpu_inc(pn->fam[family].stats->event[event]);
	if (stats)
		this_cpu_inc(stats->event[event]);
}

static void proxyarp_stats_sum(struct proxyarp_stats __percpu *stats,
			       struct proxyarp_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	if (!stats)
		return;
	for_each_possible_cpu(cpu) {
		const struct proxyarp_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < ARRAY_SIZE(sum->verdict); i++)
			sum->verdict[i] += READ_ONCE(s->verdict[i]);
		for (i = 0; i < ARRAY_SIZE(sum->reason); i++)
			sum->reason[i] += READ_ONCE(s->reason[i]);
		for (i = 0; i < ARRAY_SIZE(sum->event); i++)
			sum->event[i] += READ_ONCE(s->event[i]);
	}
}

static void proxyarp_stats_line(struct seq_file *seq, u32 reasons,
				const char *name, int mode,
				const struct proxyarp_stats *sum)
{
	int i;

	if (mode < 0)
		seq_printf(seq, "%-15s -", name);
	else
		seq_printf(seq, "%-15s %d", name, mode);
	seq_printf(seq, " %lu %lu", sum->verdict[PROXYARP_VERDICT_REPLY],
		   sum->verdict[PROXYARP_VERDICT_IGNORE]);
	for (i = 0; i < ARRAY_SIZE(sum->reason); i++)
		if (reasons & BIT(i))
			seq_printf(seq, " %lu", sum->reason[i]);
	for (i = 0; i < ARRAY_SIZE(sum->event); i++)
		seq_printf(seq, " %lu", sum->event[i]);
	seq_putc(seq, '\n');
}

static bool proxyarp_stats_empty(const struct proxyarp_stats *sum)
{
	return !sum->verdict[PROXYARP_VERDICT_REPLY] &&
	       !sum->verdict[PROXYARP_VERDICT_IGNORE] &&
	       !memchr_inv(sum->event, 0, sizeof(sum->event));
}

static int proxyarp_stats_show(struct seq_file *seq, int family)
{
	u32 reasons = proxyarp_families[family].reasons;
	struct net *net = seq_file_single_net(seq);
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];
	struct proxyarp_stats sum;
	struct net_device *dev;
	int i, mode;

	seq_puts(seq, "device mode reply ignore");
	for (i = 0; i < ARRAY_SIZE(proxyarp_reason_names); i++)
		if (reasons & BIT(i))
			seq_printf(seq, " %s", proxyarp_reason_names[i]);
	for (i = 0; i < ARRAY_SIZE(proxyarp_event_names); i++)
		seq_printf(seq, " %s", proxyarp_event_names[i]);
	seq_putc(seq, '\n');

	proxyarp_stats_sum(fn->stats, &sum);
	proxyarp_stats_line(seq, reasons, "all", -1, &sum);

	/*
	 * A device's state is freed after a grace period (device.c), and
	 * the device list is walked as /proc/net/dev does: under RCU.
	 */
	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		struct proxyarp_fdev *fd = proxyarp_fdev_get_rcu(dev, family);

		if (!fd)
			continue;
		mode = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MODE]);
		proxyarp_stats_sum(READ_ONCE(fd->stats), &sum);
		if (mode == PROXYARP_MODE_OFF && proxyarp_stats_empty(&sum))
			continue;
		proxyarp_stats_line(seq, reasons, dev->name, mode, &sum);
	}
	rcu_read_unlock();
	return 0;
}

static int proxyarp_stats_show_arp(struct seq_file *seq, void *v)
{
	return proxyarp_stats_show(seq, PROXYARP_ARP);
}

static int proxyarp_stats_show_ndp(struct seq_file *seq, void *v)
{
	return proxyarp_stats_show(seq, PROXYARP_NDP);
}

static int (*const proxyarp_stats_shows[])(struct seq_file *, void *) = {
	[PROXYARP_ARP] = proxyarp_stats_show_arp,
	[PROXYARP_NDP] = proxyarp_stats_show_ndp,
};

static_assert(ARRAY_SIZE(proxyarp_stats_shows) == __PROXYARP_FAMILY_MAX);

int proxyarp_stats_net_init(struct net *net, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];

	fn->stats = proxyarp_stats_alloc();
	if (!fn->stats)
		return -ENOMEM;
	if (!proc_create_net_single(proxyarp_families[family].name, 0444,
				    net->proc_net_stat,
				    proxyarp_stats_shows[family], NULL)) {
		proxyarp_stats_free(fn->stats);
		return -ENOMEM;
	}
	return 0;
}

void proxyarp_stats_net_exit(struct net *net, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];

	/* Waits for readers of the file: none runs after this. */
	remove_proc_entry(proxyarp_families[family].name, net->proc_net_stat);
	proxyarp_stats_free(fn->stats);
}
