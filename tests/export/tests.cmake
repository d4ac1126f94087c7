dw_integration_test(export_conformance export/conformance.sh TIMEOUT 300 LABELS export)
dw_integration_test(export_hostile export/hostile.sh TIMEOUT 300 LABELS export)
dw_integration_test(export_bad_usage export/bad_usage.sh TIMEOUT 120 LABELS export)
dw_integration_test(export_siteinfo_url export/siteinfo_url.sh TIMEOUT 300 LABELS export mediawiki)
