dw_integration_test(sqldump_roundtrip sqldump/roundtrip.sh TIMEOUT 300 LABELS sqldump mariadb)
