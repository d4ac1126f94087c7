<?php
// Lists the registered contributor names of a MediaWiki XML dump (read from
// stdin), one per line, ordered by their user id in the dump (first seen wins),
// so that a wiki that creates them in this order gives them ascending ids.
// Names that are external ("imported>X") or have id 0 are left out.
$r = new XMLReader();
if ( !$r->open( 'php://stdin' ) ) {
	fwrite( STDERR, "mw_users.php: cannot read stdin\n" );
	exit( 1 );
}
$users = [];
$name = null;
$inContrib = false;
while ( @$r->read() ) {
	if ( $r->nodeType !== XMLReader::ELEMENT ) {
		if ( $r->nodeType === XMLReader::END_ELEMENT && $r->localName === 'contributor' ) {
			$inContrib = false;
			$name = null;
		}
		continue;
	}
	switch ( $r->localName ) {
		case 'contributor':
			$inContrib = !$r->isEmptyElement;
			$name = null;
			break;
		case 'username':
			if ( $inContrib ) {
				$name = $r->readString();
			}
			break;
		case 'id':
			if ( $inContrib && $name !== null ) {
				$id = (int)$r->readString();
				if ( $id > 0 && strpos( $name, '>' ) === false && !isset( $users[$name] ) ) {
					$users[$name] = $id;
				}
			}
			break;
	}
}
asort( $users, SORT_NUMERIC );
foreach ( $users as $n => $_ ) {
	echo $n, "\n";
}
