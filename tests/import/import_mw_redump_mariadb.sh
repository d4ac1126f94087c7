#!/usr/bin/env bash
# The reverse conformance test (import_mw_redump.sh) on a private MariaDB server.
exec bash "$(dirname "${BASH_SOURCE[0]}")/import_mw_redump.sh" mariadb
