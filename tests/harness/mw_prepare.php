<?php
// Prepares a fresh MediaWiki 1.39 wiki for importing a dump (run through
// maintenance/runScript.php with --conf):
//   1. deletes the page install.php created (Main Page), so that the dump's own
//      Main Page history is not merged with the installer's revision;
//   2. adds Wikimedia-like interwiki prefixes (every language code, m, c, d, w,
//      wikt, ...), so that a redirect to "en:User:X" stays an interwiki target;
// With --interwiki-only, only step 2 (for a database another program wrote: the
// interwiki table is wiki configuration, not dump content, and MediaWiki needs
// it to format interwiki redirect targets like "en:User:X").
//   3. creates a local user for every name in --users FILE, in file order, so that
//      importDump.php attributes edits to them (and not to "imported>Name").
require_once getenv( 'MW_INSTALL_PATH' ) . '/maintenance/Maintenance.php';

use MediaWiki\MediaWikiServices;

class DwPrepareWiki extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'dumpworks test harness: prepare a wiki for importDump.php' );
		$this->addOption( 'users', 'File with contributor names, one per line', false, true );
		$this->addOption( 'interwiki-only', 'Only add the interwiki prefixes (wiki configuration)' );
	}

	public function execute() {
		$services = MediaWikiServices::getInstance();
		$title = Title::newMainPage();
		$page = $services->getWikiPageFactory()->newFromTitle( $title );
		if ( $page->exists() && !$this->hasOption( 'interwiki-only' ) ) {
			$deleter = User::newSystemUser( User::MAINTENANCE_SCRIPT_USER, [ 'steal' => true ] );
			$status = $services->getDeletePageFactory()->newDeletePage( $page, $deleter )
				->forceImmediate( true )->deleteUnsafe( 'remove installer page before import' );
			if ( !$status->isOK() ) {
				$this->fatalError( 'cannot delete the installer page: ' . $status->getWikiText() );
			}
		}

		$dbw = $this->getDB( DB_PRIMARY );
		$prefixes = array_keys( $services->getLanguageNameUtils()->getLanguageNames(
			\MediaWiki\Languages\LanguageNameUtils::AUTONYMS, \MediaWiki\Languages\LanguageNameUtils::ALL ) );
		$rows = [];
		foreach ( $prefixes as $code ) {
			$rows[] = [ 'iw_prefix' => strtolower( $code ), 'iw_url' => "https://$code.wikipedia.org/wiki/\$1",
				'iw_api' => '', 'iw_wikiid' => '', 'iw_local' => 1, 'iw_trans' => 0 ];
		}
		$projects = [ 'm' => 'https://meta.wikimedia.org/wiki/$1', 'meta' => 'https://meta.wikimedia.org/wiki/$1',
			'c' => 'https://commons.wikimedia.org/wiki/$1', 'commons' => 'https://commons.wikimedia.org/wiki/$1',
			'd' => 'https://www.wikidata.org/wiki/$1', 'wikidata' => 'https://www.wikidata.org/wiki/$1',
			'w' => 'https://en.wikipedia.org/wiki/$1', 'wikipedia' => 'https://en.wikipedia.org/wiki/$1',
			'wikt' => 'https://en.wiktionary.org/wiki/$1', 'wiktionary' => 'https://en.wiktionary.org/wiki/$1',
			'b' => 'https://en.wikibooks.org/wiki/$1', 'q' => 'https://en.wikiquote.org/wiki/$1',
			's' => 'https://en.wikisource.org/wiki/$1', 'n' => 'https://en.wikinews.org/wiki/$1',
			'v' => 'https://en.wikiversity.org/wiki/$1', 'voy' => 'https://en.wikivoyage.org/wiki/$1',
			'species' => 'https://species.wikimedia.org/wiki/$1', 'mw' => 'https://www.mediawiki.org/wiki/$1',
			'phab' => 'https://phabricator.wikimedia.org/$1' ];
		foreach ( $projects as $p => $url ) {
			$rows[] = [ 'iw_prefix' => $p, 'iw_url' => $url, 'iw_api' => '', 'iw_wikiid' => '',
				'iw_local' => 1, 'iw_trans' => 0 ];
		}
		if ( $this->hasOption( 'interwiki-only' ) &&
			$dbw->selectRowCount( 'interwiki', '*', [], __METHOD__ ) > 0
		) {
			$this->output( "interwiki table not empty: left as it is\n" );
			return;
		}
		$dbw->delete( 'interwiki', '*', __METHOD__ );
		$seen = [];
		foreach ( $rows as $row ) {
			if ( isset( $seen[$row['iw_prefix']] ) ) {
				continue;
			}
			$seen[$row['iw_prefix']] = true;
			$dbw->insert( 'interwiki', $row, __METHOD__ );
		}

		$file = $this->hasOption( 'interwiki-only' ) ? null : $this->getOption( 'users' );
		$n = 0;
		if ( $file !== null ) {
			$fh = fopen( $file, 'r' );
			if ( !$fh ) {
				$this->fatalError( "cannot read $file" );
			}
			while ( ( $line = fgets( $fh ) ) !== false ) {
				$name = rtrim( $line, "\n" );
				if ( $name === '' ) {
					continue;
				}
				$user = User::newFromName( $name );
				if ( !$user || $user->isRegistered() ) {
					continue;
				}
				if ( User::createNew( $name ) ) {
					$n++;
				}
			}
			fclose( $fh );
		}
		$this->output( 'prepared: ' . count( $seen ) . " interwiki prefixes, $n users created\n" );
	}
}

$maintClass = DwPrepareWiki::class;
require_once RUN_MAINTENANCE_IF_MAIN;
