/**
 * Seed 001 (R7.3, R7.5) set up for exploration, shared by the explorer's tests (unit, CLI, worker,
 * store, e2e): after the handler moved its level IRQ to vCPU 1 and EOI'd it, the in-flight EOI
 * done, vCPU 0 may reuse 0x62. With `stale-eoi-rescan=off` a needless EOI exit is reachable.
 */
export function seed001(rescan: 'on' | 'off'): string {
  return `vcpus 2
apicv off
kvm stale-eoi-rescan=${rescan}
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
route 10 dest=1
cpu 0 eoi
explore actions assert deassert eoi iret service
explore action msi dest=0 vector=0x62
explore lints needless-eoi-exit
`;
}
