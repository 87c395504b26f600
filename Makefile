# SPDX-License-Identifier: GPL-2.0
#
#   make [KVER=release]   build module/proxyarp.ko (default: running kernel)
#   make demo             the incident and the fix, side by side, in a guest
#   make check            everything, in guests booting Debian's kernels
#                         (bookworm, trixie, trixie-backports, forky, sid)
#   make check-debug      the suite on a KASAN/lockdep/kmemleak 6.12 build,
#                         then the module's coverage (gcov)
#   make check-kcsan      the concurrent scripts on a KCSAN 6.12 build
#   make check-mutants    each deliberate defect of selftests/proxyarp/mutants.txt
#                         built alone and caught by the suite (6.12)
#   make bench            latency, lossless rate and cost, kernel vs module
#   make deb              proxyarp-dkms_<version>_all.deb, and the source
#                         package it is built from (.dsc, .tar.xz)
#   make deps             install what the checks need (apt, as root) and
#                         make the trixie and forky roots (1.5 GB each, minutes)
#   make soak             make check with the long runs (hours)
#   make style            checkpatch --strict, sparse, shellcheck only
#   make vmshell KVER=... a root shell in a guest booting that kernel
#   make install          install into /lib/modules/$(KVER), then depmod
#   make install-config   the udev rule that applies /etc/sysctl.d at load,
#                         the bpftrace tools and proxyarp-metrics
#   make dkms-install     dkms add/build/install for every kernel with headers
#   make dkms-uninstall   and remove it again

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell sed -n 's/^\#define PROXYARP_VERSION "\(.*\)"/\1/p' module/version.h)

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

install-config:
	install -D -m 644 packaging/udev/60-proxyarp.rules /etc/udev/rules.d/60-proxyarp.rules
	install -D -m 755 scripts/proxyarp-watch.bt /usr/local/sbin/proxyarp-watch.bt
	install -D -m 755 scripts/proxyarp-top.bt /usr/local/sbin/proxyarp-top.bt
	install -D -m 755 tools/proxyarp-metrics /usr/local/sbin/proxyarp-metrics
	-udevadm control --reload

dkms-install:
	dkms remove proxyarp/$(VERSION) --all >/dev/null 2>&1 || true
	rm -rf /usr/src/proxyarp-$(VERSION)
	mkdir -p /usr/src/proxyarp-$(VERSION)
	cp -r Kbuild Makefile module include /usr/src/proxyarp-$(VERSION)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >/usr/src/proxyarp-$(VERSION)/dkms.conf
	dkms add proxyarp/$(VERSION)
	for k in $${DKMS_KVERS:-$$(ls /lib/modules)}; do \
		[ -d /lib/modules/$$k/build ] || continue; \
		dkms install proxyarp/$(VERSION) -k $$k || exit 1; \
	done

dkms-uninstall:
	dkms remove proxyarp/$(VERSION) --all
	rm -rf /usr/src/proxyarp-$(VERSION)

deps:
	scripts/deps
	scripts/root trixie
	scripts/root forky

demo:
	scripts/demo

deb:
	scripts/deb

check-debug:
	scripts/check --debug

check-kcsan:
	scripts/check --kcsan

check-mutants:
	scripts/mutants

bench:
	scripts/bench

check:
	scripts/check

soak:
	scripts/check --soak

style:
	scripts/check --style-only

vmshell:
	scripts/vmtest -k $(KVER) -- bash

.PHONY: all module clean install install-config dkms-install dkms-uninstall deps demo deb \
	check check-debug check-kcsan check-mutants bench soak style vmshell
