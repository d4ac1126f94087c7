<?php
// Router for PHP's built-in web server: serves one harness wiki's api.php.
//   DW_MW_CONF=DIR/LocalSettings.php php -S 127.0.0.1:PORT tests/export/mw_api_router.php
// Any path ending in api.php runs MediaWiki's api.php with DIR's settings; every
// other path is a 404. (tests/export/siteinfo_url.sh)
define( 'MW_CONFIG_FILE', getenv( 'DW_MW_CONF' ) );
$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( !is_string( $path ) || !str_ends_with( $path, '/api.php' ) ) {
	http_response_code( 404 );
	echo "not found\n";
	return true;
}
$mw = getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki';
chdir( $mw );
require $mw . '/api.php';
