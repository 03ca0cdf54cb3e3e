/**
 * The message and position of each kind of malformed line (contract: a malformed scenario is a
 * LINE:COL error naming the statement, key or value at fault). Configuration lines are parsed
 * alone, the others after `vcpus 2`. A reworded message is a change a user sees: update the
 * row with it.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from './parse.ts';

const CONFIG = /^(title|vcpus|apic|x2apic-api|irqchip|ioapic|apicv|secure-avic|kvm|qemu|host|guest) /;

const ROWS: [string, string, string][] = [
  ['title nope', '1:7', 'title needs a double-quoted string: title "…"'],
  ['title "a" "b"', '1:11', "unexpected 'b' after 'title'"],
  ['vcpus', '1:1', 'vcpus is missing'],
  ['vcpus 2 3', '1:9', "unexpected '3' after 'vcpus'"],
  ['vcpus 0', '1:7', 'vcpus 0 is out of range 1–4096'],
  ['vcpus 5000', '1:7', 'vcpus 5000 is out of range 1–4096'],
  ['vcpus two', '1:7', "'two' is not a number: write decimal (48) or hex (0x30)"],
  ['apic', '1:1', "'apic' needs MODE"],
  ['apic x3apic', '1:6', "apic mode must be one of xapic, x2apic, not 'x3apic' (did you mean 'xapic'?)"],
  ['apic x2apic cpuid=x1', '1:13', "apic cpuid must be one of xapic, x2apic, not 'x1'"],
  ['x2apic-api 32bit-ids=maybe', '1:12', "32bit-ids must be one of on, off, not 'maybe'"],
  [
    'x2apic-api broadcast-quirk=2',
    '1:12',
    "broadcast-quirk must be one of on, off, not '2' (did you mean 'on'?)",
  ],
  ['irqchip', '1:1', 'irqchip mode is missing: one of split, kernel'],
  ['irqchip user', '1:9', "irqchip mode must be one of split, kernel, not 'user'"],
  ['irqchip split extra', '1:15', "unexpected 'extra' after 'irqchip'"],
  ['ioapic version=0x12', '1:8', 'IOAPIC version must be 0x11 or 0x20, not 0x12'],
  ['ioapic version=0x300', '1:8', 'IOAPIC version 0x300 is out of range 0–255'],
  ['ioapic', '1:1', "'ioapic' needs VERSION"],
  ['apicv', '1:1', 'apicv is missing: one of on, off'],
  ['apicv maybe', '1:7', "apicv must be one of on, off, not 'maybe'"],
  ['secure-avic yes', '1:13', "secure-avic must be one of on, off, not 'yes'"],
  [
    'kvm',
    '1:1',
    'kvm needs KEY=VALUE settings: stale-eoi-rescan, seoib, pv-eoi, pv-eoi-disable-fix, savic-eoi-write-check, vector-hashing, storm-limit',
  ],
  ['kvm storm-limit=0', '1:5', 'storm-limit 0 is out of range 1–1000000'],
  [
    'kvm nosuch=1',
    '1:5',
    "'kvm' has no key 'nosuch'; its keys are stale-eoi-rescan, seoib, pv-eoi, pv-eoi-disable-fix, savic-eoi-write-check, vector-hashing, storm-limit",
  ],
  ['kvm seoib=sometimes', '1:5', "seoib must be one of quirked, enabled, disabled, auto, not 'sometimes'"],
  ['qemu', '1:1', 'qemu needs KEY=VALUE settings'],
  [
    'qemu seoib-policy=maybe',
    '1:6',
    "seoib-policy must be one of quirked, respected, not-advertised, auto, auto-new-machines, none, not 'maybe'",
  ],
  ['host kernel=new', '1:6', "host kernel must be one of seoib-api, no-seoib-api, not 'new'"],
  ['guest 9 profile=linux', '1:1', 'vCPU 9 does not exist (vcpus 2)'],
  ['guest all profile=solaris', '1:11', "profile must be one of manual, linux, windows, not 'solaris'"],
  ['guest all', '1:1', "'guest' needs profile=…"],
  ['guest x profile=linux', '1:7', "'x' is not a number: write decimal (48) or hex (0x30)"],
  ['expect ioapic', '2:1', 'pin is missing'],
  ['expect ioapic 24 mask = 1', '2:15', 'pin 24 is out of range 0–23'],
  [
    'expect ioapic 3',
    '2:1',
    'expect ioapic PIN needs a field: remote-irr, irr, line, mask, vector, trigger, dest',
  ],
  [
    'expect ioapic 3 colour = 1',
    '2:17',
    'expect ioapic PIN needs a field: remote-irr, irr, line, mask, vector, trigger, dest',
  ],
  ['expect ioapic 3 mask = 2', '2:24', 'mask value 2 is out of range 0–1'],
  ['expect ioapic 3 vector = 256', '2:26', 'vector value 256 is out of range 0–255'],
  ['expect ioapic 3 dest = 0x100', '2:24', 'dest value 0x100 is out of range 0–255'],
  ['expect ioapic 3 trigger = 2', '2:27', 'trigger value 2 is out of range 0–1'],
  ['expect ioapic 3 remote-irr = 2', '2:30', 'remote-irr value 2 is out of range 0–1'],
  ['expect ioapic 3 irr = 2', '2:23', 'irr value 2 is out of range 0–1'],
  ['expect ioapic 3 line = 2', '2:24', 'line value 2 is out of range 0–1'],
  [
    'expect ioapic 3 trigger = sideways',
    '2:27',
    "'sideways' is not a number: write decimal (48) or hex (0x30)",
  ],
  ['expect ioapic 3 mask == 1', '2:25', "unexpected '1' at the end of the expectation"],
  ['expect ioapic 3 mask = 1 extra', '2:26', "unexpected 'extra' at the end of the expectation"],
  ['expect ioapic version = 0x100000000', '2:25', 'version 0x100000000 is out of range 0–0xffffffff'],
  ['expect ioapic version 0x20', '2:23', "expected '=', not '0x20'"],
  ['expect cpu 0', '2:1', 'expect cpu C needs a register'],
  ['expect cpu 2 isr = {}', '2:12', 'vCPU 2 does not exist: vcpus is 2 (0–1)'],
  ['expect cpu 0 isr = {0x100}', '2:21', 'vector 0x100 is out of range 0–255'],
  ['expect cpu 0 isr = {0x31', '2:20', 'unterminated vector set: a closing } is missing'],
  ['expect cpu 0 isr has', '2:18', 'expect cpu C isr has needs a vector'],
  ['expect cpu 0 isr has 0x300', '2:22', 'vector 0x300 is out of range 0–255'],
  ['expect cpu 0 if = 2', '2:19', 'if value 2 is out of range 0–1'],
  ['expect cpu 0 stale = -2', '2:22', "'-2' is not a number: write decimal (48) or hex (0x30)"],
  [
    'expect cpu 0 colour = 1',
    '2:14',
    "unknown vCPU register 'colour'; one of irr, isr, tmr, handled, shadow-isr, ppr, tpr, spiv, lvr, if, stale, pv-eoi-pending",
  ],
  ['expect cpu 0 isr > {}', '2:18', "expected '=' or 'has' or 'lacks', not '>'"],
  [
    'expect count',
    '2:1',
    'expect count needs a counter: injections, eoi-writes, eoi-exits, ioapic-eoi-exits, eoi-broadcasts, directed-eois, needless-eoi-exits, scans, reinjections, storms, pv-eoi-elided, pv-eoi-applied, exits, host-crashes, empty-eois',
  ],
  [
    'expect count nosuch = 1',
    '2:14',
    'expect count needs a counter: injections, eoi-writes, eoi-exits, ioapic-eoi-exits, eoi-broadcasts, directed-eois, needless-eoi-exits, scans, reinjections, storms, pv-eoi-elided, pv-eoi-applied, exits, host-crashes, empty-eois',
  ],
  ['expect count injections cpu=9 = 1', '2:25', 'vCPU 9 does not exist: vcpus is 2 (0–1)'],
  [
    'expect count injections pin=30 = 1',
    '2:25',
    "counter injections has no 'pin' filter; it carries cpu, vector",
  ],
  ['expect count injections vector=0x100 = 1', '2:25', 'vector 0x100 is out of range 0–255'],
  ['expect count injections = -1', '2:27', "'-1' is not a number: write decimal (48) or hex (0x30)"],
  ['expect count injections ~ 1', '2:25', "expected '=' or '>=' or '<=', not '~'"],
  ['expect count injections colour=1 = 1', '2:25', "unknown counter filter 'colour': cpu, vector or pin"],
  ['expect count storms cpu=0 = 1', '2:21', "counter storms has no 'cpu' filter; it carries pin"],
  ['expect vm', '2:1', 'expect vm needs a key: leg, migration, seoib-state, flag-write, policy'],
  ['expect vm leg = -1', '2:17', "'-1' is not a number: write decimal (48) or hex (0x30)"],
  ['expect vm migration = maybe', '2:23', "vm migration must be one of none, completed, failed, not 'maybe'"],
  ['expect vm colour = 1', '2:11', 'expect vm needs a key: leg, migration, seoib-state, flag-write, policy'],
  ['expect kvm seoib = maybe', '2:20', "SEOIB mode must be one of quirked, enabled, disabled, not 'maybe'"],
  ['expect kvm apicv = maybe', '2:20', "APICv state must be one of active, inhibited, off, not 'maybe'"],
  ['expect kvm colour = 1', '2:12', 'expect kvm needs a key: seoib, apicv'],
  ['expect kvm', '2:1', 'expect kvm needs a key: seoib, apicv'],
  ['expect kvm seob = quirked', '2:12', "expect kvm needs a key: seoib, apicv (did you mean 'seoib'?)"],
  ['expect kvm seoib=quirked', '2:12', "put spaces around '=': seoib = quirked"],
  ['expect vm leg=0', '2:11', "put spaces around '=': leg = 0"],
  ['expect cpu 0 ppr=0x20', '2:14', "put spaces around '=': ppr = 0x20"],
  ['expect ioapic 3 remote-irr=1', '2:17', "put spaces around '=': remote-irr = 1"],
  ['expect count injections>=1', '2:14', "put spaces around '>=': injections >= 1"],
  [
    'expect count colour=1 = 1',
    '2:14',
    'expect count needs a counter: injections, eoi-writes, eoi-exits, ioapic-eoi-exits, eoi-broadcasts, directed-eois, needless-eoi-exits, scans, reinjections, storms, pv-eoi-elided, pv-eoi-applied, exits, host-crashes, empty-eois',
  ],
  ['expect nosuch', '2:8', "expect cpu, ioapic, kvm, vm or count, not 'nosuch'"],
  ['route', '2:1', "'route' needs PIN"],
  ['route 24 vector=0x31', '2:7', 'pin 24 is out of range 0–23'],
  ['route 3 vector=0x100', '2:9', 'vector 0x100 is out of range 0–255'],
  ['route 3 trigger=sideways', '2:9', "trigger must be one of edge, level, not 'sideways'"],
  ['route 3 destmode=upward', '2:9', "destmode must be one of physical, logical, not 'upward'"],
  ['route 3 delivery=sometimes', '2:9', "delivery must be one of fixed, lowest, not 'sometimes'"],
  ['route 3 polarity=middle', '2:9', "polarity must be one of high, low, not 'middle'"],
  ['route 3 mask=2', '2:9', 'mask 2 is out of range 0–1'],
  [
    'route 3 colour=1',
    '2:9',
    "'route' has no key 'colour'; its keys are pin, vector, trigger, dest, destmode, delivery, mask, polarity",
  ],
  ['mask 30', '2:6', 'pin 30 is out of range 0–23'],
  ['assert', '2:1', "'assert' needs PIN"],
  ['pulse x', '2:7', "'x' is not a number: write decimal (48) or hex (0x30)"],
  ['msi', '2:1', "'msi' needs dest=…"],
  ['msi dest=0', '2:1', "'msi' needs vector=…"],
  ['msi vector=0x31', '2:1', "'msi' needs dest=…"],
  ['msi dest=0 vector=0x31 trigger=sideways', '2:24', "trigger must be one of edge, level, not 'sideways'"],
  ['ipi from=5 vector=0x31 dest=0', '2:5', 'vCPU 5 does not exist: vcpus is 2 (0–1)'],
  [
    'ipi from=0 vector=0x31 shorthand=everyone',
    '2:24',
    "shorthand must be one of none, self, all, others, not 'everyone'",
  ],
  ['wait', '2:1', "'wait' needs DURATION"],
  ['wait 5 parsecs', '2:8', "unexpected 'parsecs' after 'wait'"],
  [
    'wait -1us',
    '2:6',
    "'-1us' is not a duration: a whole number with a unit ns, us, µs, ms or s (e.g. 10ms)",
  ],
  ['snapshot', '2:1', "'snapshot' needs NAME"],
  ['restore nosuch', '2:9', "restore nosuch: no 'snapshot nosuch' above this line"],
  ['cpu 5 eoi', '2:5', 'vCPU 5 does not exist: vcpus is 2 (0–1)'],
  [
    'cpu 0',
    '2:1',
    "'cpu C' needs an operation: eoi, iret, sti, cli, tpr, apic-id, ldr, dfr, spiv, seoib, ioapic-eoi, ioapic-rte, service, pv-eoi, rdmsr, exit",
  ],
  [
    'cpu 0 dance',
    '2:7',
    "unknown vCPU operation 'dance'; one of eoi, iret, sti, cli, tpr, apic-id, ldr, dfr, spiv, seoib, ioapic-eoi, ioapic-rte, service, pv-eoi, rdmsr, exit",
  ],
  ['cpu 0 tpr', '2:7', 'tpr value is missing'],
  ['cpu 0 apic-id', '2:7', 'apic-id value is missing'],
  ['cpu 0 service 30', '2:15', 'pin 30 is out of range 0–23'],
  ['cpu 0 pv-eoi maybe', '2:14', "cpu C pv-eoi must be one of on, off, not 'maybe'"],
  ['cpu 0 seoib maybe', '2:13', "cpu C seoib must be one of on, off, not 'maybe'"],
  ['cpu 0 rdmsr tpr', '2:13', "rdmsr register must be one of eoi, not 'tpr'"],
  ['cpu 0 eoi now', '2:11', "unexpected 'now' after 'cpu C eoi'"],
  [
    'cpu 0 ioapic-rte 3 colour=1',
    '2:20',
    "'cpu C ioapic-rte' has no key 'colour'; its keys are pin, vector, trigger, dest, destmode, delivery, mask, polarity",
  ],
  ['host-pv-eoi 5 off', '2:13', 'vCPU 5 does not exist: vcpus is 2 (0–1)'],
  ['host-pv-eoi 0 on', '2:15', "host-pv-eoi state must be one of off, not 'on' (did you mean 'off'?)"],
  ['run -1', '2:5', "'-1' is not a number: write decimal (48) or hex (0x30)"],
  ['run many', '2:5', "'many' is not a number: write decimal (48) or hex (0x30)"],
  ['run 1 2', '2:7', "unexpected '2' after 'run'"],
  [
    'kvm-set-x2apic-api seoib=sometimes',
    '2:20',
    "seoib flags must be one of enable, disable, both, not 'sometimes'",
  ],
  [
    'migrate policy=sometimes',
    '2:9',
    "policy must be one of quirked, respected, not-advertised, auto, auto-new-machines, none, not 'sometimes'",
  ],
  ['power-on kernel=new', '2:10', "kernel must be one of seoib-api, no-seoib-api, not 'new'"],
  ['migrate flags=sideways', '2:9', "flags must be one of after-load, before-load, not 'sideways'"],
  ['reboot now', '2:8', "unexpected 'now' after 'reboot'"],
  ['explore depth=0', '2:9', 'explore depth 0 is out of range 1–1000'],
  ['explore nosuch', '2:9', "explore takes depth=, max-states=, actions, action or lints, not 'nosuch'"],
  ['explore depth 3', '2:9', 'explore depth needs a value: depth=N'],
  ['explore max-states', '2:9', 'explore max-states needs a value: max-states=N'],
  ['expect cpu 0 isr = {0x31, zz}', '2:27', "'zz' in the set is not a number"],
  ['expect cpu 0 isr = {0x31,0x100}', '2:26', 'vector 0x100 is out of range 0–255'],
  ['expect cpu 0 isr = {  0x31 ,  0x1ff }', '2:31', 'vector 0x1ff is out of range 0–255'],
  ['expect count storms pin=30 = 1', '2:21', 'pin 30 is out of range 0–23'],
  ['expect count injections cpu=0 cpu=1 = 1', '2:31', "'cpu' is given twice"],
  ['expect count injections vector=0x31 =', '2:37', 'count is missing'],
  [
    'expect count host-crashes cpu=0 = 1',
    '2:27',
    "counter host-crashes has no 'cpu' filter; it carries none",
  ],
  ['expect count injections cpu=0', '2:1', "expected '=' or '>=' or '<='"],
  ['expect count injections >= 1 2', '2:30', "unexpected '2' at the end of the expectation"],
  [
    'expect count inj = 1',
    '2:14',
    'expect count needs a counter: injections, eoi-writes, eoi-exits, ioapic-eoi-exits, eoi-broadcasts, directed-eois, needless-eoi-exits, scans, reinjections, storms, pv-eoi-elided, pv-eoi-applied, exits, host-crashes, empty-eois',
  ],
  ['expect cpu 0 isr = {0x31} extra', '2:27', "unexpected 'extra' at the end of the expectation"],
  ['expect cpu 0 isr lacks', '2:18', 'expect cpu C isr lacks needs a vector'],
  ['expect cpu 0 tpr', '2:1', "expected '='"],
  ['expect cpu 0 tpr =', '2:18', 'tpr value is missing'],
  ['expect cpu 0 tpr = 0x20 extra', '2:25', "unexpected 'extra' at the end of the expectation"],
  ['expect cpu x tpr = 0', '2:12', "'x' is not a number: write decimal (48) or hex (0x30)"],
  ['expect cpu 0 spiv = 0x100000000', '2:21', 'spiv value 0x100000000 is out of range 0–0xffffffff'],
  ['expect ioapic x mask = 1', '2:15', "'x' is not a number: write decimal (48) or hex (0x30)"],
  ['expect vm leg', '2:1', "expected '='"],
  ['expect vm leg = 1 2', '2:19', "unexpected '2' at the end of the expectation"],
  [
    'expect vm policy = sometimes',
    '2:20',
    "vm policy must be one of quirked, respected, not-advertised, auto, auto-new-machines, none, not 'sometimes'",
  ],
  ['expect vm flag-write = maybe', '2:24', "vm flag-write must be one of none, ok, einval, not 'maybe'"],
  [
    'expect vm seoib-state = maybe',
    '2:25',
    "vm seoib-state must be one of quirked, respected, not-advertised, not 'maybe'",
  ],
  ['expect kvm seoib', '2:1', "expected '='"],
  ['expect kvm seoib = quirked extra', '2:28', "unexpected 'extra' at the end of the expectation"],
  ['cpu 0 ldr', '2:7', 'ldr value is missing'],
  ['cpu 0 dfr 0x100000000', '2:11', 'dfr value 0x100000000 is out of range 0–0xffffffff'],
  ['cpu 0 spiv', '2:7', 'spiv value is missing'],
  ['cpu 0 ioapic-rte', '2:1', "'cpu C ioapic-rte' needs PIN"],
  ['cpu 0 ioapic-rte 30 mask=0', '2:18', 'pin 30 is out of range 0–23'],
  ['cpu 0 service', '2:7', 'pin is missing'],
  ['cpu 0 rdmsr', '2:7', 'rdmsr register is missing: one of eoi'],
  ['cpu 0 pv-eoi', '2:7', 'cpu C pv-eoi is missing: one of on, off'],
  ['cpu 0 sti now', '2:11', "unexpected 'now' after 'cpu C sti'"],
  ['ipi vector=0x31 dest=0', '2:1', "'ipi' needs from=…"],
  ['ipi from=0 dest=0', '2:1', "'ipi' needs vector=…"],
  [
    'ipi from=0 vector=0x31 dest=0 destmode=upward',
    '2:31',
    "destmode must be one of physical, logical, not 'upward'",
  ],
  ['ipi from=0 vector=0x31 dest=0 delivery=smi', '2:31', "delivery must be one of fixed, lowest, not 'smi'"],
  [
    'msi dest=0 vector=0x31 destmode=upward',
    '2:24',
    "destmode must be one of physical, logical, not 'upward'",
  ],
  ['msi dest=0 vector=0x31 delivery=smi', '2:24', "delivery must be one of fixed, lowest, not 'smi'"],
  [
    'msi dest=0 vector=0x31 colour=1',
    '2:24',
    "'msi' has no key 'colour'; its keys are dest, vector, destmode, delivery, trigger",
  ],
  ['msi dest=0x100000000 vector=0x31', '2:5', 'msi dest 0x100000000 is out of range 0–0xffffffff'],
  ['route 3 dest=0x100', '2:9', 'RTE dest 0x100 is out of range 0–255'],
  ['route 3 vector=0x31 vector=0x32', '2:21', "'vector' is given twice"],
  ['unmask', '2:1', "'unmask' needs PIN"],
  ['deassert 24', '2:10', 'pin 24 is out of range 0–23'],
  ['wait 1', '2:6', "'1' is not a duration: a whole number with a unit ns, us, µs, ms or s (e.g. 10ms)"],
  ['wait 5ms 1', '2:10', "unexpected '1' after 'wait'"],
  ['snapshot a b', '2:12', "unexpected 'b' after 'snapshot'"],
  ['savevm', '2:1', "'savevm' needs NAME"],
  ['loadvm nosuch', '2:8', "loadvm nosuch: no 'savevm nosuch' above this line"],
  ['restore', '2:1', "'restore' needs NAME"],
  ['host-pv-eoi 0', '2:1', "'host-pv-eoi' needs STATE"],
  ['host-pv-eoi', '2:1', "'host-pv-eoi' needs CPU"],
  ['power-on colour=1', '2:10', "'power-on' has no key 'colour'; its keys are policy, machine, kernel"],
  ['migrate machine=', '2:9', "'machine=' needs a value"],
  ['kvm-set-x2apic-api', '2:1', "'kvm-set-x2apic-api' needs seoib=…"],
  ['kvm-set-x2apic-api seoib=enable extra', '2:33', "unexpected 'extra' after 'kvm-set-x2apic-api'"],
  ['run 0x', '2:5', "'0x' is not a number: write decimal (48) or hex (0x30)"],
  ['nosuch 1', '2:1', "unknown statement 'nosuch'"],
  ['note', '2:1', 'note needs a double-quoted string: note "…"'],
  ['note "a" "b"', '2:10', 'note takes one string'],
  ['note unquoted', '2:6', 'note needs a double-quoted string: note "…"'],
  ['ask', '2:1', 'ask needs a double-quoted question: ask "…" answer=…'],
  ['explore depth=x', '2:9', "'x' is not a number: write decimal (48) or hex (0x30)"],
  ['explore max-states=0', '2:9', 'explore max-states 0 is out of range 1–100000000'],
  [
    'explore actions nosuch',
    '2:17',
    "explore actions takes assert, deassert, pulse, eoi, iret, sti, cli, service, tpr, msi, ipi, run or none, not 'nosuch'",
  ],
  [
    'explore lints nosuch',
    '2:15',
    "explore lints takes stuck-remote-irr, lost-interrupt, irq-storm, needless-eoi-exit, empty-isr-eoi, low-vector, host-crash, masked-remote-irr or none, not 'nosuch'",
  ],
  ['invariant', '2:1', 'invariant needs a subject: cpu, ioapic, kvm, vm or count'],
  [
    'invariant count nosuch <= 1',
    '2:17',
    'invariant count needs a counter: injections, eoi-writes, eoi-exits, ioapic-eoi-exits, eoi-broadcasts, directed-eois, needless-eoi-exits, scans, reinjections, storms, pv-eoi-elided, pv-eoi-applied, exits, host-crashes, empty-eois',
  ],
  [
    'explore',
    '2:1',
    "explore needs depth=N, max-states=M, 'actions KIND…', 'action ACTION' or 'lints NAME…'",
  ],
  [
    'explore "x"',
    '2:9',
    "explore needs depth=N, max-states=M, 'actions KIND…', 'action ACTION' or 'lints NAME…'",
  ],
  ['explore depth=5 depth=6', '2:17', "'depth' is given twice"],
  [
    'explore actions',
    '2:9',
    'explore actions needs one or more of assert, deassert, pulse, eoi, iret, sti, cli, service, tpr, msi, ipi, run, or none',
  ],
  ['explore actions eoi eoi', '2:21', "'eoi' is given twice"],
  [
    'explore actions none eoi',
    '2:17',
    "explore actions takes assert, deassert, pulse, eoi, iret, sti, cli, service, tpr, msi, ipi, run or none, not 'none'",
  ],
  [
    'explore lints',
    '2:9',
    'explore lints needs one or more of stuck-remote-irr, lost-interrupt, irq-storm, needless-eoi-exit, empty-isr-eoi, low-vector, host-crash, masked-remote-irr, or none',
  ],
  ['explore lints low-vector low-vector', '2:26', "'low-vector' is given twice"],
  ['explore action', '2:9', 'explore action needs an action, e.g. assert 3|4'],
  [
    'explore action snapshot a',
    '2:16',
    "explore action takes an action (route, mask, unmask, assert, deassert, pulse, msi, ipi, wait, restore, savevm, loadvm, host-pv-eoi, reboot, power-on, migrate, kvm-set-x2apic-api, cpu, run), not 'snapshot'",
  ],
  [
    'explore action nosuch 3',
    '2:16',
    "explore action takes an action (route, mask, unmask, assert, deassert, pulse, msi, ipi, wait, restore, savevm, loadvm, host-pv-eoi, reboot, power-on, migrate, kvm-set-x2apic-api, cpu, run), not 'nosuch'",
  ],
  ['explore action assert 3|', '2:23', "an alternative is empty: write 'a|b' with a value on each side"],
  [
    'explore action msi dest=0|1 vector=',
    '2:29',
    "an alternative is empty: write 'a|b' with a value on each side",
  ],
  ['explore action assert 30', '2:23', 'pin 30 is out of range 0–23'],
  ['explore colour=1', '2:9', "'explore' has no key 'colour'; its keys are depth, max-states"],
];

describe('error messages', () => {
  it.each(ROWS)('%s → %s %s', (line, at, message) => {
    const r = parseScenario(CONFIG.test(`${line} `) ? `${line}\n` : `vcpus 2\n${line}\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [`${e.line}:${e.col}`, e.message])).toEqual([[at, message]]);
  });
});

describe('configuration problems are reported where the statement at fault stands', () => {
  it.each([
    ['vcpus 2\nirqchip kernel\nioapic version=0x20\nmsi dest=0 vector=0x31\n', ['3:1']],
    ['vcpus 2\nirqchip kernel\nkvm storm-limit=5 seoib=enabled\n', ['3:19']],
    ['vcpus 2\nkvm seoib=enabled\nqemu machine=pc-q35-10.2 seoib-policy=respected\n', ['3:26']],
    ['vcpus 2\nguest 1 profile=linux\nsecure-avic on\napic xapic\n', ['3:1']],
    ['apic x2apic cpuid=xapic\nvcpus 300\nx2apic-api 32bit-ids=off\n', ['1:1', '3:1']],
    ['vcpus 2\nhost kernel=no-seoib-api\nkvm seoib=disabled\n', ['3:5']],
    ['vcpus 2\nguest 5 profile=linux\n', ['2:1']],
  ])('%j', (text, at) => {
    const r = parseScenario(text);
    expect(r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col}`)).toEqual(at);
  });
});

describe('vector sets', () => {
  it('are sorted, without repeats; blanks are an empty set', () => {
    const sets = ['{0x41, 0x31, 0x41}', '{ }', '{}', '{255,0}'].map((set) => {
      const r = parseScenario(`vcpus 1\nexpect cpu 0 irr = ${set}\n`);
      const c = r.ok ? r.scenario.expects[0].check : null;
      return c?.kind === 'cpu-set' ? c.vectors : null;
    });
    expect(sets).toEqual([[0x31, 0x41], [], [], [0, 255]]);
  });
});

describe('an expectation as written (what a failure quotes)', () => {
  it('is the words after expect, spaces collapsed, the comment dropped', () => {
    const texts = [
      'expect   cpu 0  isr = { 0x31 ,0x41 }   # why',
      'expect count  injections   cpu=0 >= 1 # c',
      'expect ioapic 3 mask = 1#x',
      'expect vm migration =none',
    ].map((l) => {
      const r = parseScenario(`vcpus 2\n${l}\n`);
      return r.ok ? r.scenario.expects[0].text : null;
    });
    expect(texts).toEqual([
      'cpu 0 isr = { 0x31 ,0x41 }',
      'count injections cpu=0 >= 1',
      'ioapic 3 mask = 1',
      'vm migration =none',
    ]);
  });
});
