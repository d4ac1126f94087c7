<?php
// Prints what this wiki's api.php answers to
// action=query&meta=siteinfo&siprop=general|namespaces|namespacealiases
// (formatversion 2 unless --formatversion 1), without a web server: the JSON
// that `dumpworks export --siteinfo` reads. Run through runScript.php with --conf.
require_once getenv( 'MW_INSTALL_PATH' ) . '/maintenance/Maintenance.php';

class DwSiteinfoJson extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'dumpworks test harness: the api.php siteinfo JSON of this wiki' );
		$this->addOption( 'formatversion', '1 or 2 (default 2)', false, true );
	}

	public function execute() {
		$params = [
			'action' => 'query', 'meta' => 'siteinfo',
			'siprop' => 'general|namespaces|namespacealiases',
			'format' => 'json', 'formatversion' => $this->getOption( 'formatversion', '2' ),
		];
		$context = new DerivativeContext( RequestContext::getMain() );
		$context->setRequest( new FauxRequest( $params ) );
		$api = new ApiMain( $context );
		ob_start();  // whatever ApiMain prints itself is not needed
		$api->execute();
		ob_end_clean();
		// The transforms of ApiFormatJson for the format version.
		$transform = $params['formatversion'] === '1'
			? [ 'BC' => [], 'Types' => [ 'AssocAsObject' => true ], 'Strip' => 'all' ]
			: [ 'Types' => [ 'AssocAsObject' => true ], 'Strip' => 'all' ];
		$data = $api->getResult()->getResultData( null, $transform );
		// (Without a printer the format's own parameters are "unrecognized".)
		unset( $data->warnings );
		echo FormatJson::encode( $data, "\t", FormatJson::ALL_OK ), "\n";
	}
}

$maintClass = DwSiteinfoJson::class;
require_once RUN_MAINTENANCE_IF_MAIN;
