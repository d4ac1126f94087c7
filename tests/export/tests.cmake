dw_integration_test(export_conformance export/conformance.sh TIMEOUT 300 LABELS export)
