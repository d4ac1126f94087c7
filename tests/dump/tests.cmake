# `dumpworks dump` / `dumpworks verify` integration tests (issue 5).
dw_integration_test(dump_sample sample.sh TIMEOUT 300 LABELS dump)
dw_integration_test(dump_crash_resume crash_resume.sh TIMEOUT 300 LABELS dump)
dw_integration_test(dump_lock lock.sh TIMEOUT 120 LABELS dump)
dw_integration_test(dump_diskfull diskfull.sh TIMEOUT 120 LABELS dump)
dw_integration_test(dump_chromium chromium.sh TIMEOUT 180 LABELS dump)
