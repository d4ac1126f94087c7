# dumpworks transfer between network namespaces (root, sshd, nftables); each
# script skips (77) where those are missing.
dw_integration_test(transfer_netns_basic transfer/netns_basic.sh TIMEOUT 300 LABELS transfer)
dw_integration_test(transfer_netns_faults transfer/netns_faults.sh TIMEOUT 300 LABELS transfer)
dw_integration_test(transfer_netns_mariabackup transfer/netns_mariabackup.sh TIMEOUT 300 LABELS transfer)
dw_integration_test(transfer_netns_chain transfer/netns_chain.sh TIMEOUT 120 LABELS transfer)
dw_integration_test(transfer_netns_deadhop transfer/netns_deadhop.sh TIMEOUT 180 LABELS transfer)
