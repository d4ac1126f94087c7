dw_integration_test(export_conformance export/conformance.sh TIMEOUT 300 LABELS export)
dw_integration_test(export_hostile export/hostile.sh TIMEOUT 300 LABELS export)
dw_integration_test(export_bad_usage export/bad_usage.sh TIMEOUT 120 LABELS export)
dw_integration_test(export_external_store export/external_store.sh TIMEOUT 180 LABELS export mariadb)
dw_integration_test(export_siteinfo_url export/siteinfo_url.sh TIMEOUT 300 LABELS export mediawiki)
dw_integration_test(export_grouped_mariadb export/grouped_mariadb.sh TIMEOUT 300 LABELS export mariadb)
# MediaWiki itself moves the texts to external clusters (compressOld.php,
# moveToExternal.php); dumpworks must dump what dumpBackup.php/dumpTextPass.php do.
foreach(w gen-mariadb gen-sqlite sample-mariadb)
  dw_integration_test(export_external_store_mw_${w} export/external_store_mw.sh TIMEOUT 300
    LABELS export mediawiki mariadb)
  set_property(TEST export_external_store_mw_${w} APPEND PROPERTY ENVIRONMENT "DW_ES_WIKI=${w}")
endforeach()
