# `dumpworks dump` / `dumpworks verify` integration tests (issue 5).
dw_integration_test(dump_sample dump/sample.sh TIMEOUT 300 LABELS dump)
dw_integration_test(dump_crash_resume dump/crash_resume.sh TIMEOUT 300 LABELS dump)
dw_integration_test(dump_lock dump/lock.sh TIMEOUT 120 LABELS dump)
dw_integration_test(dump_diskfull dump/diskfull.sh TIMEOUT 120 LABELS dump)
dw_integration_test(dump_chromium dump/chromium.sh TIMEOUT 180 LABELS dump)
dw_integration_test(dump_bad_usage dump/bad_usage.sh TIMEOUT 60 LABELS dump)
