/**
 * Scenario texts for the golden link corpus: every statement, every key and value form, the
 * lexical corners (case, tabs, CRLF, comments, escapes, non-ASCII). Used only when the corpus
 * was made; the corpus keeps the texts themselves.
 */
export const CORNER_CASES: Record<string, string> = {
  'config-xapic-kernel': `# every configuration statement, keywords in mixed case
title "Corner \\"cases\\" \\\\ of the configuration: ü, µ, 😀"
note "a note before anything describes the scenario"
VCPUS 3
Apic XAPIC
irqchip\tkernel
ioapic version=0x11
apicv on
kvm stale-eoi-rescan=off seoib=auto
kvm pv-eoi=off pv-eoi-disable-fix=off
kvm savic-eoi-write-check=on vector-hashing=off storm-limit=7
guest 0 profile=linux
guest 2 profile=windows
secure-avic off
note "notes between configuration lines"
route 4 vector=0x41 trigger=level dest=1 destmode=physical delivery=fixed mask=0 polarity=high
assert 4
expect ioapic 4 remote-irr = 1
expect cpu 1 irr has 0x41   # fails on purpose: a link to a failing session
`,
  'config-x2apic-split': `vcpus 4
apic x2apic
irqchip split
ioapic 0x20
apicv off
kvm seoib=respected
guest all profile=manual
secure-avic off
msi dest=3 vector=0x40
expect cpu 3 isr = {0x40}
`,
  'config-seoib-values': `vcpus 1
irqchip kernel
kvm seoib=not-advertised
expect kvm seoib = not-advertised
expect kvm seoib = disabled
`,
  'config-seoib-quirked': `vcpus 1
kvm seoib=quirked
guest 0 profile=windows
expect kvm seoib = quirked
`,
  'config-secure-avic': `vcpus 2
secure-avic on
kvm savic-eoi-write-check=off
route 3 vector=0x52 trigger=level dest=0 mask=0
assert 3
cpu 0 rdmsr eoi
cpu 0 eoi
expect count host-crashes = 0
`,
  'actions-ioapic': `vcpus 2
route 0 vector=0x30
route 1 vector=48 trigger=edge dest=0x01 mask=0
route 2 vector=0x62 trigger=LEVEL dest=0 destmode=logical delivery=lowest mask=0 polarity=low
route 23 vector=0xff mask=1
mask 1
unmask 1
pulse 1
assert 2
deassert 2
assert 2
cpu 0 service 2
mask 23
unmask 23
expect ioapic 1 trigger = edge
expect ioapic 2 trigger = level
expect ioapic 2 vector = 0x62
expect ioapic 23 mask = 0
expect ioapic version = 0x170020
`,
  'actions-msi-ipi': `vcpus 4
apic x2apic
msi dest=0 vector=0x31
msi dest=0xffffffff vector=0x32 destmode=logical delivery=lowest trigger=edge
msi dest=1 vector=0x33 destmode=physical delivery=fixed trigger=level
ipi from=0 vector=0x40 dest=2
ipi from=1 vector=0x41 shorthand=self
ipi from=2 vector=0x42 shorthand=all
ipi from=3 vector=0x43 shorthand=others
ipi from=0 vector=0x44 dest=0x3 destmode=logical delivery=lowest shorthand=none
expect cpu 1 irr has 0x42
expect cpu 1 irr lacks 0x99
expect count injections >=1
expect count injections cpu=2 vector=0x40 <= 5
`,
  'actions-cpu-ops': `vcpus 2
apic xapic
cpu 0 cli
cpu 0 sti
cpu 0 tpr 0x20
cpu 0 tpr 0
cpu 0 apic-id 0x01000000
cpu 0 apic-id 0
cpu 1 ldr 0x02000000
cpu 1 dfr 0xffffffff
cpu 1 spiv 0x1ff
cpu 0 seoib on
cpu 0 seoib off
cpu 0 pv-eoi on
cpu 0 pv-eoi off
cpu 1 ioapic-eoi 0x31
cpu 1 exit
msi dest=0 vector=0x35
cpu 0 eoi
cpu 0 iret
cpu 0 rdmsr eoi
expect cpu 0 tpr = 0
expect cpu 0 if = 1
expect cpu 0 ppr = 0
expect cpu 1 spiv = 0x1ff
expect cpu 0 stale = -1
expect cpu 0 shadow-isr = {}
expect cpu 0 handled = { }
`,
  'actions-time-snapshot': `vcpus 2
guest all profile=linux
kvm pv-eoi=on storm-limit=3
route 5 vector=0x55 trigger=level dest=0 mask=0
snapshot before-storm
assert 5
run
run 0
run 25
wait 1ns
wait 10us
wait 3µs
wait 2ms
wait 1s
snapshot after.storm_1
restore before-storm
restore after.storm_1
host-pv-eoi 1 off
expect count storms pin=5 >= 0
expect count reinjections pin=5 >= 0
expect count pv-eoi-applied cpu=0 >= 0
expect count pv-eoi-elided >= 0
expect count exits cpu=1 >= 0
expect count scans >= 0
expect count eoi-writes cpu=0 >= 0
expect count eoi-exits >= 0
expect count ioapic-eoi-exits >= 0
expect count eoi-broadcasts vector=0x55 >= 0
expect count directed-eois >= 0
expect count needless-eoi-exits >= 0
`,
  'expect-every-form': `vcpus 1
expect cpu 0 irr = {}
msi dest=0 vector=0x31
msi dest=0 vector=0x62
expect cpu 0 irr = {0x62}
expect cpu 0 isr = {0x31}   # a comment after an expectation
expect cpu 0 isr has 0x31
expect cpu 0 tmr lacks 0x31
expect cpu 0 ppr =0x30
expect cpu 0 lvr = 0x1050014
expect ioapic 0 remote-irr = 0
expect ioapic 0 irr = 0
expect ioapic 0 line = 0
expect ioapic 0 dest = 0
expect ioapic 0 trigger = 0
expect ioapic 0 mask = 1
EXPECT COUNT INJECTIONS = 1
expect count injections vector=0x31 = 1
`,
  'notes-everywhere': `note "before all"
note "second before all"
vcpus 1
note "before config"
apic x2apic
note "before an action"
note "and another"
msi dest=0 vector=0x31
expect cpu 0 isr has 0x31
note "before an expectation"
expect count injections = 1
note "trailing"
note "trailing, with \\"quotes\\" and <b>markup</b> & entities &amp;"
`,
  'crlf-and-tabs':
    'vcpus 2\r\n\tapic\txapic\r\n\r\nmsi dest=1 vector=0x31\t# tab comment\r\nexpect cpu 1 isr = {0x31}\r\n',
  'no-final-newline': 'vcpus 1\nmsi dest=0 vector=0x31',
  'comments-and-blanks': '# only a comment\n\n   \n# another\nvcpus 1   # trailing comment\n\n',
  empty: '',
  'one-word': 'vcpus',
  'does-not-parse': 'vcpus 1\nroute 30 vector=0x31\nbogus statement\n',
  'non-ascii-notes': `title "Ünïcödé ⚡ ИПИ 中断"
note "zero-width\u200bjoiner and a NUL \u0000 and a bidi \u202e override"
vcpus 1
note "emoji 🧪🔬 and combining é"
msi dest=0 vector=0x31
`,
  'max-values': `vcpus 4096
apic x2apic
kvm storm-limit=1000000
msi dest=0xffffffff vector=255
ipi from=4095 vector=0xff dest=0xffffffff
route 23 vector=255 dest=255 mask=0
cpu 4095 tpr 0xffffffff
run 1000
expect count injections cpu=4095 >= 0
`,
  'min-values': `vcpus 1
kvm storm-limit=1
msi dest=0 vector=0
route 0 vector=0 dest=0 mask=0
run 0
wait 0ns
expect count injections = 0
`,
};
