dw_integration_test(sqldump_roundtrip sqldump/roundtrip.sh TIMEOUT 300 LABELS sqldump mariadb)
dw_integration_test(sqldump_consistency sqldump/consistency.sh TIMEOUT 300 LABELS sqldump mariadb)
dw_integration_test(sqldump_failures sqldump/failures.sh TIMEOUT 300 LABELS sqldump mariadb)
dw_integration_test(sqldump_sqlite sqldump/sqlite.sh TIMEOUT 300 LABELS sqldump mariadb)
