# dumpworks import: integration tests (see each script's header).
dw_integration_test(import_mw_redump import_mw_redump.sh TIMEOUT 300 LABELS import mediawiki)
dw_integration_test(import_cli import_cli.sh TIMEOUT 120 LABELS import)
dw_integration_test(import_mw_redump_mariadb import_mw_redump_mariadb.sh TIMEOUT 300 LABELS import mediawiki mariadb)
dw_integration_test(import_mw_redump_generated import_mw_redump_generated.sh TIMEOUT 300 LABELS import mediawiki)
