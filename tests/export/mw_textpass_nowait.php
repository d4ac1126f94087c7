<?php
// dumpTextPass.php without its 5 s back-off: MediaWiki's TextPassDumper retries
// a text it cannot load 5 times, sleeping $failureTimeout (5 s) after each try,
// then writes the revision without text. Same code, no sleeping, so a test can
// check what it writes for an unfetchable text in seconds, not minutes.
//   php /usr/share/mediawiki/maintenance/runScript.php mw_textpass_nowait.php --conf ... [dumpTextPass.php options]
require_once "$IP/maintenance/includes/TextPassDumper.php";

class TextPassDumperNoWait extends TextPassDumper {
	protected $failureTimeout = 0;
}

$maintClass = TextPassDumperNoWait::class;
require_once RUN_MAINTENANCE_IF_MAIN;
